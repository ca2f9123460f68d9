/*
 * output.c - all-or-nothing output folders (see output.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *join(const char *dir, const char *name)
{
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
  if (path[0] == '\0') {
    errno = ENOENT;
    return -1;
  }
  char *tmp = hfs_strdup(path);
  if (tmp == NULL) {
    errno = ENOMEM;
    return -1;
  }
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
      free(tmp);
      return -1;
    }
    *p = '/';
  }
  int rc = mkdir(tmp, 0777);
  free(tmp);
  if (rc != 0 && errno != EEXIST)
    return -1;
  struct stat sb;
  if (stat(path, &sb) != 0)
    return -1;
  if (!S_ISDIR(sb.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return 0;
}

hfs_status hfs_output_open(hfs_output_set *o, const char *dir, hfs_diag *d)
{
  memset(o, 0, sizeof *o);
  o->dir = hfs_strdup(dir);
  if (o->dir == NULL)
    return HFS_ERR_NOMEM;
  if (make_dirs(dir) != 0) {
    hfs_diag_error(d, dir, 0, "cannot create the output folder: %s",
                   strerror(errno));
    return HFS_ERR_IO;
  }
  if (access(dir, W_OK | X_OK) != 0) {
    hfs_diag_error(d, dir, 0, "cannot write to the output folder: %s",
                   strerror(errno));
    return HFS_ERR_IO;
  }
  return HFS_OK;
}

FILE *hfs_output_add(hfs_output_set *o, const char *name, hfs_diag *d)
{
  hfs_output_file *files = realloc(o->files, (o->n_files + 1) * sizeof *files);
  if (files == NULL)
    return NULL;
  o->files = files;
  hfs_output_file *f = &files[o->n_files];
  memset(f, 0, sizeof *f);
  char tmpname[512];
  snprintf(tmpname, sizeof tmpname, ".%s.tmp-%ld", name, (long)getpid());
  f->name = hfs_strdup(name);
  f->final_path = join(o->dir, name);
  f->temp_path = join(o->dir, tmpname);
  if (!f->name || !f->final_path || !f->temp_path) {
    free(f->name);
    free(f->final_path);
    free(f->temp_path);
    hfs_diag_error(d, NULL, 0, "out of memory");
    return NULL;
  }
  f->f = fopen(f->temp_path, "w");
  if (f->f == NULL) {
    hfs_diag_error(d, f->final_path, 0, "cannot create: %s", strerror(errno));
    free(f->name);
    free(f->final_path);
    free(f->temp_path);
    return NULL;
  }
  o->n_files++;
  return f->f;
}

hfs_status hfs_output_commit(hfs_output_set *o, hfs_diag *d)
{
  int failed = 0;
  for (size_t i = 0; i < o->n_files; i++) {
    hfs_output_file *f = &o->files[i];
    if (f->f == NULL)
      continue;
    int bad = fflush(f->f) != 0 || ferror(f->f);
    int err = errno;
    if (!bad && fsync(fileno(f->f)) != 0 && errno != EINVAL) {
      bad = 1;
      err = errno;
    }
    if (fclose(f->f) != 0 && !bad) {
      bad = 1;
      err = errno;
    }
    f->f = NULL;
    if (bad) {
      hfs_diag_error(d, f->final_path, 0, "cannot write: %s", strerror(err));
      failed = 1;
    }
  }
  /* A folder in the way would make a rename fail half-way, after earlier
   * files were already replaced: find it before renaming anything. */
  for (size_t i = 0; !failed && i < o->n_files; i++) {
    struct stat sb;
    if (o->files[i].temp_path != NULL &&
        lstat(o->files[i].final_path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
      hfs_diag_error(d, o->files[i].final_path, 0, "cannot replace: %s",
                     strerror(EISDIR));
      failed = 1;
    }
  }
  if (failed) {
    hfs_output_abort(o);
    return HFS_ERR_IO;
  }
  /* manifest.txt (if any) is renamed last: its presence marks a complete
   * set. */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < o->n_files; i++) {
      hfs_output_file *f = &o->files[i];
      int is_manifest = strcmp(f->name, "manifest.txt") == 0;
      if (is_manifest != pass || f->temp_path == NULL)
        continue;
      if (rename(f->temp_path, f->final_path) != 0) {
        hfs_diag_error(d, f->final_path, 0, "cannot rename into place: %s",
                       strerror(errno));
        hfs_output_abort(o);
        return HFS_ERR_IO;
      }
      free(f->temp_path);
      f->temp_path = NULL;
    }
  return HFS_OK;
}

void hfs_output_abort(hfs_output_set *o)
{
  for (size_t i = 0; i < o->n_files; i++) {
    hfs_output_file *f = &o->files[i];
    if (f->f != NULL) {
      fclose(f->f);
      f->f = NULL;
    }
    if (f->temp_path != NULL) {
      remove(f->temp_path);
      free(f->temp_path);
      f->temp_path = NULL;
    }
  }
}

void hfs_output_free(hfs_output_set *o)
{
  for (size_t i = 0; i < o->n_files; i++) {
    free(o->files[i].name);
    free(o->files[i].final_path);
    free(o->files[i].temp_path);
  }
  free(o->files);
  free(o->dir);
  memset(o, 0, sizeof *o);
}

void hfs_csv_write_text(FILE *f, const char *s)
{
  int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                s[0] == '\t' || s[0] == '\r';
  int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
  if (!quote) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  if (formula)
    fputc('\'', f);
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      fputc('"', f);
    fputc(*p, f);
  }
  fputc('"', f);
}
