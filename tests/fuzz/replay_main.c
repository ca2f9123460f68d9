/*
 * replay_main.c - run a fuzz target's LLVMFuzzerTestOneInput on saved
 * inputs, without libFuzzer (any compiler; CTest runs it on the corpus and
 * on every crash input found so far, see README.md).
 *
 *   replay_TARGET PATH...
 *
 * Each PATH is a file (one input) or a folder (every regular file in it,
 * in name order, hidden files skipped). A PATH that does not exist is
 * skipped: crashes/TARGET may not exist yet. Prints "replayed N inputs"
 * and returns 0; a bug shows as a crash or a sanitizer report. Set
 * HFS_REPLAY_VERBOSE=1 to print each file's name before running it.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"

static int verbose;

static void fail(const char *what, const char *path)
{
  fprintf(stderr, "replay: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static void run_file(const char *path, size_t *count)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    fail("cannot open", path);
  size_t cap = 4096, len = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (buf == NULL)
      fail("out of memory reading", path);
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap)
      break;
    cap *= 2;
    unsigned char *nb = realloc(buf, cap);
    if (nb == NULL)
      free(buf);
    buf = nb;
  }
  if (ferror(f))
    fail("cannot read", path);
  fclose(f);
  /* An exact-size copy, so that AddressSanitizer catches reads past the
   * end as libFuzzer's own buffers would. */
  unsigned char *data = malloc(len ? len : 1);
  if (data == NULL)
    fail("out of memory reading", path);
  if (len)
    memcpy(data, buf, len);
  free(buf);
  if (verbose) {
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    fflush(stderr);
  }
  LLVMFuzzerTestOneInput(data, len);
  free(data);
  (*count)++;
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *path, size_t *count)
{
  DIR *dir = opendir(path);
  if (dir == NULL)
    fail("cannot open folder", path);
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **nn = realloc(names, cap * sizeof *nn);
      if (nn == NULL)
        fail("out of memory listing", path);
      names = nn;
    }
    size_t len = strlen(path) + strlen(e->d_name) + 2;
    names[n] = malloc(len);
    if (names[n] == NULL)
      fail("out of memory listing", path);
    snprintf(names[n], len, "%s/%s", path, e->d_name);
    n++;
  }
  closedir(dir);
  if (n > 1)
    qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++) {
    struct stat sb;
    if (stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode))
      run_file(names[i], count);
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv)
{
  const char *v = getenv("HFS_REPLAY_VERBOSE");
  verbose = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
  size_t count = 0;
  for (int i = 1; i < argc; i++) {
    struct stat sb;
    if (stat(argv[i], &sb) != 0) {
      if (errno == ENOENT)
        continue; /* e.g. no crash inputs yet */
      fail("cannot stat", argv[i]);
    }
    if (S_ISDIR(sb.st_mode))
      run_dir(argv[i], &count);
    else
      run_file(argv[i], &count);
  }
  printf("replayed %zu inputs\n", count);
  return 0;
}
