/*
 * test_fs.h - file-system helpers shared by the test programs (cmocka
 * tests and the standalone interrupt driver): joining paths and removing a
 * scratch folder. POSIX; define _POSIX_C_SOURCE before including.
 */
#ifndef HFSIM_TEST_FS_H
#define HFSIM_TEST_FS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "A/B" in a new string, or NULL when memory runs out. */
static inline char *test_path_join(const char *a, const char *b)
{
  size_t n = strlen(a) + strlen(b) + 2;
  char *p = malloc(n);
  if (p != NULL)
    snprintf(p, n, "%s/%s", a, b);
  return p;
}

/* rm -r PATH (symbolic links are removed, not followed). */
static inline void test_remove_tree(const char *path)
{
  struct stat sb;
  if (lstat(path, &sb) != 0)
    return;
  if (!S_ISDIR(sb.st_mode)) {
    unlink(path);
    return;
  }
  DIR *dir = opendir(path);
  if (dir != NULL) {
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
        continue;
      char *p = test_path_join(path, e->d_name);
      if (p != NULL)
        test_remove_tree(p);
      free(p);
    }
    closedir(dir);
  }
  rmdir(path);
}

#endif
