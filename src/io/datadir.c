/*
 * datadir.c - the installed data directory (see datadir.h).
 */
#define _XOPEN_SOURCE 700
#include "hfsim/datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *p)
{
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int is_file(const char *p)
{
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static char *join(const char *a, const char *b)
{
  size_t n = strlen(a) + strlen(b) + 2;
  char *p = malloc(n);
  if (p != NULL)
    snprintf(p, n, "%s/%s", a, b);
  return p;
}

char *hfs_data_dir(void)
{
  const char *env = getenv("HFSIM_DATA_DIR");
  if (env != NULL && env[0] != '\0')
    return is_dir(env) ? realpath(env, NULL) : NULL;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return NULL;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL)
    return NULL;
  *slash = '\0';
  char *dir = join(exe, "../share/hfsim");
  char *real = dir != NULL && is_dir(dir) ? realpath(dir, NULL) : NULL;
  free(dir);
  return real;
}

char *hfs_default_config(void)
{
  if (is_file(HFS_LOCAL_CONFIG))
    return strdup(HFS_LOCAL_CONFIG);
  char *dir = hfs_data_dir();
  if (dir != NULL) {
    char *p = join(dir, "configs/default.ini");
    free(dir);
    if (p != NULL && is_file(p))
      return p;
    free(p);
  }
  return strdup(HFS_LOCAL_CONFIG);
}

int hfs_in_data_dir(const char *path)
{
  char *dir = hfs_data_dir();
  char *real = dir != NULL ? realpath(path, NULL) : NULL;
  size_t n = dir != NULL ? strlen(dir) : 0;
  int in = real != NULL && strncmp(real, dir, n) == 0 && real[n] == '/';
  free(dir);
  free(real);
  return in;
}

char *hfs_installed_output(const char *path)
{
  if (!hfs_in_data_dir(path))
    return NULL;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strlen(base);
  if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
    len -= 4;
  size_t n = len + 9;
  char *out = malloc(n);
  if (out != NULL)
    snprintf(out, n, "results/%.*s", (int)len, base);
  return out;
}
