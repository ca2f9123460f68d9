/*
 * fuzz_util.c - temporary files and helpers for the fuzz targets
 * (see fuzz_util.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfsim/study.h"

#ifndef HFS_SOURCE_DIR
#error "HFS_SOURCE_DIR (absolute path of the repository) must be defined"
#endif

enum { MAX_FILES = 64 };

static char tmpdir[4096];
static struct {
  char name[64];
  char path[4200];
  int fd; /* -1 for links */
} files[MAX_FILES];
static size_t n_files;

static void die(const char *what, const char *path)
{
  /* Harness failure (not a finding): say so and stop. */
  fprintf(stderr, "fuzz harness: %s %s: %s\n", what, path, strerror(errno));
  abort();
}

static void cleanup(void)
{
  for (size_t i = 0; i < n_files; i++) {
    if (files[i].fd >= 0)
      close(files[i].fd);
    unlink(files[i].path);
  }
  n_files = 0;
  if (tmpdir[0] != '\0')
    rmdir(tmpdir);
  tmpdir[0] = '\0';
}

static const char *dir(void)
{
  if (tmpdir[0] != '\0')
    return tmpdir;
  const char *base = getenv("TMPDIR");
  if (base == NULL || base[0] != '/' || strlen(base) > 4000)
    base = "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/hfsim-fuzz-XXXXXX", base);
  if (mkdtemp(tmpdir) == NULL)
    die("cannot create a folder like", tmpdir);
  atexit(cleanup);
  return tmpdir;
}

static size_t slot(const char *name)
{
  for (size_t i = 0; i < n_files; i++)
    if (strcmp(files[i].name, name) == 0)
      return i;
  if (n_files == MAX_FILES || strlen(name) >= sizeof files[0].name) {
    errno = EINVAL;
    die("too many files or name too long:", name);
  }
  size_t i = n_files++;
  snprintf(files[i].name, sizeof files[i].name, "%s", name);
  snprintf(files[i].path, sizeof files[i].path, "%s/%s", dir(), name);
  files[i].fd = -1;
  return i;
}

const char *hfs_fuzz_config(const char *name)
{
  static char path[4200];
  snprintf(path, sizeof path, "%s/configs/%s", HFS_SOURCE_DIR, name);
  return path;
}

const char *hfs_fuzz_link_config(const char *name)
{
  size_t before = n_files;
  size_t i = slot(name);
  if (i == before && symlink(hfs_fuzz_config(name), files[i].path) != 0)
    die("cannot create the link", files[i].path);
  return dir();
}

static int has_suffix(const char *name, const char *suffix)
{
  size_t n = strlen(name), k = strlen(suffix);
  return n > k && strcmp(name + n - k, suffix) == 0;
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp((const char *)a, (const char *)b);
}

size_t hfs_fuzz_list_configs(const char *suffix, char names[][64], size_t max)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/configs", HFS_SOURCE_DIR);
  DIR *dir = opendir(path);
  if (dir == NULL)
    die("cannot open the folder", path);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL)
    if (e->d_name[0] != '.' && has_suffix(e->d_name, suffix) &&
        strlen(e->d_name) < 64 && n < max)
      snprintf(names[n++], 64, "%.63s", e->d_name);
  closedir(dir);
  qsort(names, n, sizeof names[0], cmp_names);
  return n;
}

const char *hfs_fuzz_write(const char *name, const uint8_t *data, size_t size)
{
  size_t i = slot(name);
  if (files[i].fd < 0) {
    files[i].fd = open(files[i].path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (files[i].fd < 0)
      die("cannot create", files[i].path);
  }
  int fd = files[i].fd;
  if (ftruncate(fd, 0) != 0)
    die("cannot truncate", files[i].path);
  size_t done = 0;
  while (done < size) {
    ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      die("cannot write", files[i].path);
    done += (size_t)w;
  }
  return files[i].path;
}

int hfs_fuzz_small_regular_file(const char *path)
{
  struct stat sb;
  return path != NULL && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
         sb.st_size <= (off_t)1 << 20;
}

char **hfs_fuzz_split_lines(const uint8_t *data, size_t size, size_t *n)
{
  size_t count = 1;
  for (size_t i = 0; i < size; i++)
    count += data[i] == '\n';
  char **lines = calloc(count, sizeof *lines);
  if (lines == NULL)
    abort();
  size_t k = 0, start = 0;
  for (size_t i = 0; i <= size; i++) {
    if (i < size && data[i] != '\n')
      continue;
    size_t len = i - start;
    char *s = malloc(len + 1);
    if (s == NULL)
      abort();
    if (len)
      memcpy(s, data + start, len);
    s[len] = '\0';
    lines[k++] = s;
    start = i + 1;
  }
  *n = k;
  return lines;
}

void hfs_fuzz_free_lines(char **lines, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(lines[i]);
  free(lines);
}

void hfs_fuzz_describe(const hfs_study *st)
{
  static FILE *devnull;
  if (!st->have_model || st->cls == NULL || st->cls->describe == NULL)
    return;
  if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
    die("cannot open", "/dev/null");
  st->cls->describe(&st->model, devnull);
}
