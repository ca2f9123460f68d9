/*
 * output.c - output folders as transactions (see output.h).
 */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE (Linux, glibc >= 2.28) */
#include "hfsim/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfsim/sha256.h"

#define STAGING_TAG ".hfsim-staging-"
#define LOCK_TAG "hfsim-lock"

static char g_command[32];
static int g_no_wait;

void hfs_output_configure(const char *command, int no_wait)
{
  snprintf(g_command, sizeof g_command, "%s", command ? command : "");
  g_no_wait = no_wait;
}

static char *join(const char *dir, const char *name)
{
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* "." + BASE + TAIL */
static char *dot_name(const char *base, const char *tail)
{
  size_t n = strlen(base) + strlen(tail) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, ".%s%s", base, tail);
  return p;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
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

/* Remove NAME under DIRFD and everything in it, never following a
 * symbolic link (a link is removed, not what it points to). */
static int remove_tree_at(int dirfd, const char *name)
{
  struct stat sb;
  if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(sb.st_mode))
    return unlinkat(dirfd, name, 0);
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -1;
  DIR *dp = fdopendir(fd);
  if (dp == NULL) {
    close(fd);
    return -1;
  }
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    if (remove_tree_at(fd, e->d_name) != 0)
      rc = -1;
  }
  closedir(dp);
  if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
    rc = -1;
  return rc;
}

/* fsync every folder of the tree at FD (files are synced one by one). */
static int sync_tree(int fd)
{
  int rc = fsync(fd) != 0 && errno != EINVAL ? -1 : 0;
  int dup_fd = dup(fd);
  if (dup_fd < 0)
    return -1;
  DIR *dp = fdopendir(dup_fd);
  if (dp == NULL) {
    close(dup_fd);
    return -1;
  }
  rewinddir(dp);
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    struct stat sb;
    if (fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISDIR(sb.st_mode))
      continue;
    int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (sub < 0 || sync_tree(sub) != 0)
      rc = -1;
    if (sub >= 0)
      close(sub);
  }
  closedir(dp);
  return rc;
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names a command may give its files: no way out of the folder, no hidden
 * file, nothing a manifest line could not hold. */
static int valid_name(const char *name)
{
  if (name[0] == '\0' || strlen(name) > 255)
    return 0;
  int at_start = 1;
  for (const char *p = name; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (at_start && (c == '.' || c == '/'))
      return 0;
    at_start = c == '/';
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
          c == '/'))
      return 0;
  }
  return !at_start;
}

/* The command recorded in the manifest of the folder at FD: its
 * folder_command line, or (manifests before it, which start with
 * hfsim_version:) the second word of its command line. 1 = found, 0 = no
 * manifest, -1 = not an hfsim manifest. */
static int folder_owner(int fd, char out[32])
{
  int mfd = openat(fd, "manifest.txt", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (mfd < 0)
    return 0;
  FILE *f = fdopen(mfd, "r");
  if (f == NULL) {
    close(mfd);
    return -1;
  }
  char line[4096];
  int found = -1, first = 1, hfsim = 0;
  out[0] = '\0';
  while (fgets(line, sizeof line, f) != NULL) {
    if (first)
      hfsim = strncmp(line, "hfsim_version:", 14) == 0;
    first = 0;
    if (sscanf(line, "folder_command: %31s", out) == 1) {
      found = 1;
      break;
    }
    if (found < 0 && sscanf(line, "command: %*s %31s", out) == 1)
      found = 0;
  }
  fclose(f);
  if (found == 1)
    return 1;
  /* before folder_command: an hfsim manifest starts with its version */
  return hfsim && out[0] ? 1 : -1;
}

/* Folders written before output folders had a file list (hfsim < 0.3):
 * `hfsim verify` wrote no manifest, and interrupted runs left
 * .NAME.tmp-PID files and .psa-checkpoint. A folder holding nothing but
 * such files is an hfsim folder too. */
static int legacy_name(const char *n)
{
  static const char *const names[] = {
      "summary.csv",     "trace.csv",          "summary_subgroups.csv",
      "cea.csv",         "patients.csv",       "psa.csv",
      "psa_summary.csv", "psa_parameters.csv", "ceac.csv",
      "evpi.csv",        "evppi.csv",          "owsa.csv",
      "twsa.csv",        "scenarios.csv",      "verification.csv",
      "validation.csv",  "manifest.txt",       ".psa-checkpoint"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcmp(n, names[i]))
      return 1;
  return n[0] == '.' && strstr(n, ".tmp-") != NULL;
}

static int only_legacy_files(int fd)
{
  int dup_fd = dup(fd);
  DIR *dp = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
  if (dp == NULL) {
    if (dup_fd >= 0)
      close(dup_fd);
    return 0;
  }
  rewinddir(dp);
  int ok = 1;
  struct dirent *e;
  while (ok && (e = readdir(dp)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    struct stat sb;
    ok = legacy_name(e->d_name) &&
         fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISREG(sb.st_mode);
  }
  closedir(dp);
  return ok;
}

static int dir_is_empty(int fd)
{
  int dup_fd = dup(fd);
  if (dup_fd < 0)
    return 0;
  DIR *dp = fdopendir(dup_fd);
  if (dp == NULL) {
    close(dup_fd);
    return 0;
  }
  rewinddir(dp);
  int empty = 1;
  struct dirent *e;
  while (empty && (e = readdir(dp)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      empty = 0;
  closedir(dp);
  return empty;
}

/* Names written by some hfsim command, for a manifest without a file list
 * (hfsim before 0.3): what such a folder may hold besides legacy_name()s. */
static int written_name(const char *n)
{
  static const char *const names[] = {"summary_long.csv",
                                      "convergence.csv",
                                      "calibration.csv",
                                      "calibration_targets.csv",
                                      "calibrated_parameters.csv",
                                      "posterior.csv",
                                      "posterior_correlations.csv",
                                      "results.xlsx",
                                      "report.html"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcmp(n, names[i]))
      return 1;
  return legacy_name(n);
}

/* Append a copy of NAME to NAMES[0..*N): 0, or -1 out of memory (NAMES
 * stays valid). */
static int push_name(char ***names, size_t *n, const char *name)
{
  char **grown = realloc(*names, (*n + 1) * sizeof *grown);
  if (grown == NULL)
    return -1;
  *names = grown;
  char *copy = hfs_strdup(name);
  if (copy == NULL)
    return -1;
  grown[(*n)++] = copy;
  return 0;
}

/* The names of the "file:" lines of the manifest.txt in the folder at FD
 * (a damaged line names no file). *HAS_LIST: the manifest has a file list
 * (folder_command: or file: lines; not before hfsim 0.3). 0, or -1 when
 * it cannot be read or memory runs out. */
static int read_listed_names(int fd, char ***names, size_t *n, int *has_list)
{
  *names = NULL;
  *n = 0;
  *has_list = 0;
  int mfd = openat(fd, "manifest.txt", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  FILE *f = mfd >= 0 ? fdopen(mfd, "r") : NULL;
  if (f == NULL) {
    if (mfd >= 0)
      close(mfd);
    return -1;
  }
  char line[4096], name[300];
  int rc = 0;
  while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
    if (!strncmp(line, "folder_command:", 15))
      *has_list = 1;
    if (strncmp(line, "file: ", 6) != 0)
      continue;
    *has_list = 1;
    if (sscanf(line, "file: %299s bytes=", name) != 1 || !valid_name(name))
      continue;
    if (push_name(names, n, name) != 0) {
      rc = -1;
      break;
    }
  }
  fclose(f);
  return rc;
}

static void free_names(char **names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

/* A directory stream over the folder at FD, from its start, that leaves
 * FD open (closedir closes a copy); NULL on failure. */
static DIR *dir_of_fd(int fd)
{
  int dup_fd = dup(fd);
  DIR *dp = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
  if (dp == NULL) {
    if (dup_fd >= 0)
      close(dup_fd);
    return NULL;
  }
  rewinddir(dp);
  return dp;
}

/* The entries of the folder at FD, sorted (so that a message names the
 * same first one every time). 0, or -1. */
static int sorted_entries(int fd, char ***names, size_t *n)
{
  *names = NULL;
  *n = 0;
  DIR *dp = dir_of_fd(fd);
  if (dp == NULL)
    return -1;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    if (push_name(names, n, e->d_name) != 0) {
      rc = -1;
      break;
    }
  }
  closedir(dp);
  if (*n > 1)
    qsort(*names, *n, sizeof **names, by_name);
  return rc;
}

/* The first entry (in name order, depth first) under the folder at FD
 * (path PREFIX inside the output folder) that is not hfsim's: hfsim's are
 * manifest.txt, the figures/ folder (drawn anew by every command), every
 * regular file the manifest lists and the folders holding them; with a
 * manifest without a file list, the top-level files hfsim writes
 * (written_name()). 1 = found (*FOUND allocated, *IS_DIR), 0 = none, -1 =
 * cannot read. */
static int first_foreign(int fd, const char *prefix, char **listed_names,
                         size_t n_listed, int has_list, char **found,
                         int *is_dir)
{
  char **names;
  size_t n;
  if (sorted_entries(fd, &names, &n) != 0) {
    free_names(names, n);
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    char *rel = prefix[0] ? join(prefix, names[i]) : hfs_strdup(names[i]);
    if (rel == NULL) {
      rc = -1;
      break;
    }
    struct stat sb;
    if (fstatat(fd, names[i], &sb, AT_SYMLINK_NOFOLLOW) != 0) {
      free(rel);
      continue; /* removed meanwhile */
    }
    int dir = S_ISDIR(sb.st_mode), reg = S_ISREG(sb.st_mode);
    int ours = 0;
    if (!prefix[0] && ((reg && !strcmp(rel, "manifest.txt")) ||
                       (dir && !strcmp(rel, "figures"))))
      ours = 1;
    else if (!has_list)
      ours = !prefix[0] && reg && written_name(rel);
    else if (reg) {
      for (size_t k = 0; !ours && k < n_listed; k++)
        ours = !strcmp(listed_names[k], rel);
    } else if (dir) {
      /* a folder holding listed files: look inside */
      size_t len = strlen(rel);
      int holds = 0;
      for (size_t k = 0; !holds && k < n_listed; k++)
        holds =
            !strncmp(listed_names[k], rel, len) && listed_names[k][len] == '/';
      if (holds) {
        int sub = openat(fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        rc = sub < 0 ? -1
                     : first_foreign(sub, rel, listed_names, n_listed, has_list,
                                     found, is_dir);
        if (sub >= 0)
          close(sub);
        free(rel);
        continue;
      }
    }
    if (ours) {
      free(rel);
      continue;
    }
    *found = rel;
    *is_dir = dir;
    rc = 1;
  }
  free_names(names, n);
  return rc;
}

/* Refuse (message in D) a folder with a manifest that holds anything the
 * manifest does not vouch for: results replace the folder whole, which
 * would delete it (someone's notes, a subfolder of their data, files
 * beside a manifest.txt copied in). */
static hfs_status check_contents(hfs_output_set *o, int fd, hfs_diag *d)
{
  char **listed_names;
  size_t n_listed;
  int has_list;
  char *found = NULL;
  int is_dir = 0;
  int rc = read_listed_names(fd, &listed_names, &n_listed, &has_list);
  if (rc == 0)
    rc = first_foreign(fd, "", listed_names, n_listed, has_list, &found,
                       &is_dir);
  free_names(listed_names, n_listed);
  if (rc < 0) {
    hfs_diag_error(d, o->dir, 0, "cannot read the output folder: %s",
                   strerror(errno ? errno : ENOMEM));
    return HFS_ERR_IO;
  }
  if (rc == 0)
    return HFS_OK;
  char *path = join(o->dir, found);
  if (has_list)
    hfs_diag_error(d, path ? path : found, 0,
                   "%s not listed in %s/manifest.txt, so not an hfsim "
                   "result; results replace the whole folder, which would "
                   "delete it: move it out of the folder first, or write "
                   "the results to another folder",
                   is_dir ? "a folder" : "a file", o->dir);
  else
    hfs_diag_error(d, path ? path : found, 0,
                   "%s that hfsim does not write (%s/manifest.txt, from an "
                   "hfsim before 0.3, lists no files); results replace the "
                   "whole folder, which would delete it: move it out of the "
                   "folder first, or write the results to another folder",
                   is_dir ? "a folder" : "a file", o->dir);
  free(path);
  free(found);
  return HFS_ERR_IO;
}

/* May the existing folder BASE be replaced by this command's results? */
static hfs_status check_target(hfs_output_set *o, hfs_diag *d)
{
  struct stat sb;
  if (fstatat(o->parent_fd, o->base, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT)
      return HFS_OK;
    hfs_diag_error(d, o->dir, 0, "cannot use the output folder: %s",
                   strerror(errno));
    return HFS_ERR_IO;
  }
  if (S_ISLNK(sb.st_mode)) {
    hfs_diag_error(d, o->dir, 0,
                   "the output folder is a symbolic link; give the folder "
                   "it points to (results replace the folder, not the "
                   "link's target)");
    return HFS_ERR_IO;
  }
  if (!S_ISDIR(sb.st_mode)) {
    hfs_diag_error(d, o->dir, 0, "cannot create the output folder: %s",
                   strerror(ENOTDIR));
    return HFS_ERR_IO;
  }
  int fd = openat(o->parent_fd, o->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) {
    hfs_diag_error(d, o->dir, 0, "cannot read the output folder: %s",
                   strerror(errno));
    return HFS_ERR_IO;
  }
  char owner[32];
  int known = folder_owner(fd, owner);
  int empty = dir_is_empty(fd);
  int legacy = known == 0 && only_legacy_files(fd);
  hfs_status s = HFS_OK;
  if (empty || legacy) {
    s = HFS_OK;
  } else if (known <= 0) {
    hfs_diag_error(d, o->dir, 0,
                   "the output folder holds files that are not the results "
                   "of an hfsim command (no hfsim manifest.txt); results "
                   "replace the whole folder, so give a new or empty "
                   "folder with --out");
    s = HFS_ERR_IO;
  } else if (g_command[0] != '\0' && strcmp(owner, g_command) != 0) {
    hfs_diag_error(d, o->dir, 0,
                   "the output folder holds the results of 'hfsim %s'; each "
                   "command writes its own folder (results replace the "
                   "whole folder), so give another folder with --out",
                   owner);
    s = HFS_ERR_IO;
  } else {
    s = check_contents(o, fd, d);
  }
  close(fd);
  return s;
}

/* Remove staging folders that a killed command left (their name says
 * what they are; the lock we hold says no live command owns them). */
static void remove_stale_staging(hfs_output_set *o)
{
  char *prefix = dot_name(o->base, STAGING_TAG);
  if (prefix == NULL)
    return;
  size_t n = strlen(prefix);
  int dup_fd = dup(o->parent_fd);
  DIR *dp = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
  if (dp == NULL) {
    if (dup_fd >= 0)
      close(dup_fd);
    free(prefix);
    return;
  }
  rewinddir(dp);
  struct dirent *e;
  /* and the temporaries of files kept beside it (".BASE.WHAT.tmp-XXXXXX",
   * hfs_output_sibling_path()), which a killed command may leave */
  size_t nb = strlen(o->base);
  while ((e = readdir(dp)) != NULL) {
    size_t len = strlen(e->d_name);
    int staging = strncmp(e->d_name, prefix, n) == 0 && len == n + 6;
    int sibling_tmp = e->d_name[0] == '.' &&
                      strncmp(e->d_name + 1, o->base, nb) == 0 &&
                      e->d_name[nb + 1] == '.' && len > nb + 13 &&
                      strncmp(e->d_name + len - 11, ".tmp-", 5) == 0;
    if (staging || sibling_tmp)
      remove_tree_at(o->parent_fd, e->d_name);
  }
  closedir(dp);
  free(prefix);
}

static hfs_status take_lock(hfs_output_set *o, hfs_diag *d)
{
  char *name = dot_name(o->base, "." LOCK_TAG);
  if (name == NULL)
    return HFS_ERR_NOMEM;
  /* read-only is enough for flock, and lets every user who can read the
   * file lock it (a results folder shared by a group) */
  o->lock_fd = openat(o->parent_fd, name,
                      O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  char *path = join(o->parent, name);
  free(name);
  if (o->lock_fd < 0) {
    hfs_diag_error(d, path ? path : o->dir, 0,
                   "cannot open the lock file of the output folder: %s",
                   strerror(errno));
    free(path);
    return HFS_ERR_IO;
  }
  struct stat sb;
  if (fstat(o->lock_fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    hfs_diag_error(d, path ? path : o->dir, 0,
                   "the lock file of the output folder is not a regular "
                   "file");
    free(path);
    return HFS_ERR_IO;
  }
  hfs_status s = HFS_OK;
  if (flock(o->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      hfs_diag_error(d, path ? path : o->dir, 0, "cannot lock: %s",
                     strerror(errno));
      s = HFS_ERR_IO;
    } else if (g_no_wait) {
      hfs_diag_error(d, o->dir, 0,
                     "another hfsim command is writing this folder (lock "
                     "%s held); --no-wait was given",
                     path ? path : "file");
      s = HFS_ERR_IO;
    } else {
      fprintf(stderr,
              "hfsim: %s: another hfsim command is writing this folder; "
              "waiting for it (--no-wait: fail instead)\n",
              o->dir);
      /* SIGINT/SIGTERM handlers are installed without SA_RESTART: the
       * wait ends with EINTR */
      if (flock(o->lock_fd, LOCK_EX) != 0) {
        if (errno == EINTR) {
          s = HFS_ERR_INTERRUPTED;
        } else {
          hfs_diag_error(d, path ? path : o->dir, 0, "cannot lock: %s",
                         strerror(errno));
          s = HFS_ERR_IO;
        }
      }
    }
  }
  free(path);
  return s;
}

hfs_status hfs_output_open(hfs_output_set *o, const char *dir, hfs_diag *d)
{
  memset(o, 0, sizeof *o);
  o->parent_fd = o->staging_fd = o->lock_fd = -1;
  o->dir = hfs_strdup(dir);
  if (o->dir == NULL) {
    hfs_diag_error(d, NULL, 0, "out of memory (%zu bytes for a folder name)",
                   strlen(dir) + 1);
    return HFS_ERR_NOMEM;
  }
  size_t len = strlen(o->dir);
  while (len > 1 && o->dir[len - 1] == '/')
    o->dir[--len] = '\0';
  char *slash = strrchr(o->dir, '/');
  const char *base = slash ? slash + 1 : o->dir;
  if (base[0] == '\0' || !strcmp(base, ".") || !strcmp(base, "..") ||
      !strcmp(o->dir, "/")) {
    hfs_diag_error(d, dir[0] ? dir : "''", 0,
                   "the output folder must be named (not empty, '.', '..' "
                   "or '/'): results replace the whole folder");
    return HFS_ERR_IO;
  }
  o->base = hfs_strdup(base);
  if (slash == NULL)
    o->parent = hfs_strdup(".");
  else if (slash == o->dir)
    o->parent = hfs_strdup("/");
  else {
    o->parent = malloc((size_t)(slash - o->dir) + 1);
    if (o->parent) {
      memcpy(o->parent, o->dir, (size_t)(slash - o->dir));
      o->parent[slash - o->dir] = '\0';
    }
  }
  if (o->base == NULL || o->parent == NULL) {
    hfs_diag_error(d, NULL, 0, "out of memory (folder names)");
    return HFS_ERR_NOMEM;
  }
  if (make_dirs(o->parent) != 0) {
    hfs_diag_error(d, o->dir, 0, "cannot create the output folder: %s",
                   strerror(errno));
    return HFS_ERR_IO;
  }
  o->parent_fd = open(o->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (o->parent_fd < 0) {
    hfs_diag_error(d, o->dir, 0, "cannot create the output folder: %s",
                   strerror(errno));
    return HFS_ERR_IO;
  }
  /* A mount point cannot be replaced by a rename: say so now, not after
   * the whole simulation ("cannot move the results into place: Device or
   * resource busy"). Another device than its parent's, or the root of a
   * mount (statx: also a bind mount on the same file system). */
  struct stat here, above;
  struct statx sx;
  int mount_root =
      statx(o->parent_fd, o->base, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS,
            &sx) == 0 &&
      (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
      (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
  if (fstatat(o->parent_fd, o->base, &here, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISDIR(here.st_mode) && fstat(o->parent_fd, &above) == 0 &&
      (here.st_dev != above.st_dev || mount_root)) {
    hfs_diag_error(d, o->dir, 0,
                   "a mount point: results replace the output folder whole, "
                   "which a mount point cannot be; write them to a folder "
                   "inside it (e.g. --out %s/results)",
                   o->dir);
    return HFS_ERR_IO;
  }
  hfs_status s = take_lock(o, d);
  if (s == HFS_OK)
    s = check_target(o, d);
  if (s != HFS_OK)
    return s;
  remove_stale_staging(o);
  char *name = dot_name(o->base, STAGING_TAG "XXXXXX");
  o->staging = name ? join(o->parent, name) : NULL;
  free(name);
  if (o->staging == NULL) {
    hfs_diag_error(d, NULL, 0, "out of memory (folder names)");
    return HFS_ERR_NOMEM;
  }
  if (mkdtemp(o->staging) == NULL) {
    hfs_diag_error(d, o->dir, 0, "cannot create the output folder: %s",
                   strerror(errno));
    free(o->staging);
    o->staging = NULL;
    return HFS_ERR_IO;
  }
  o->staging_fd =
      open(o->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (o->staging_fd <= 0) {
    hfs_diag_error(d, o->staging, 0, "cannot open: %s", strerror(errno));
    return HFS_ERR_IO;
  }
  return HFS_OK;
}

/* Register NAME; makes its sub-folders. NULL (message in D) on error. */
static hfs_output_file *add_entry(hfs_output_set *o, const char *name,
                                  hfs_diag *d)
{
  if (o->staging_fd <= 0) {
    hfs_diag_error(d, o->dir ? o->dir : NULL, 0,
                   "internal error: %s added to a folder that is not open",
                   name);
    return NULL;
  }
  if (!valid_name(name)) {
    hfs_diag_error(d, o->dir, 0, "internal error: invalid output name '%s'",
                   name);
    return NULL;
  }
  for (size_t i = 0; i < o->n_files; i++)
    if (!strcmp(o->files[i].name, name)) {
      hfs_diag_error(d, o->dir, 0, "internal error: %s written twice", name);
      return NULL;
    }
  hfs_output_file *files = realloc(o->files, (o->n_files + 1) * sizeof *files);
  if (files == NULL) {
    hfs_diag_error(d, NULL, 0, "out of memory (%zu bytes for the file list)",
                   (o->n_files + 1) * sizeof *files);
    return NULL;
  }
  o->files = files;
  hfs_output_file *f = &files[o->n_files];
  memset(f, 0, sizeof *f);
  f->name = hfs_strdup(name);
  f->final_path = join(o->dir, name);
  f->staged_path = join(o->staging, name);
  if (!f->name || !f->final_path || !f->staged_path) {
    free(f->name);
    free(f->final_path);
    free(f->staged_path);
    hfs_diag_error(d, NULL, 0, "out of memory (file names)");
    return NULL;
  }
  /* sub-folders, inside the private staging folder */
  for (char *p = strchr(f->name, '/'); p != NULL; p = strchr(p + 1, '/')) {
    *p = '\0';
    int rc = mkdirat(o->staging_fd, f->name, 0777);
    *p = '/';
    if (rc != 0 && errno != EEXIST) {
      hfs_diag_error(d, f->final_path, 0, "cannot create: %s", strerror(errno));
      free(f->name);
      free(f->final_path);
      free(f->staged_path);
      return NULL;
    }
  }
  o->n_files++;
  return f;
}

FILE *hfs_output_add(hfs_output_set *o, const char *name, hfs_diag *d)
{
  hfs_output_file *f = add_entry(o, name, d);
  if (f == NULL)
    return NULL;
  int fd = openat(o->staging_fd, name,
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  f->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (f->f == NULL) {
    hfs_diag_error(d, f->final_path, 0, "cannot create: %s", strerror(errno));
    if (fd >= 0)
      close(fd);
    /* keep the entry (so abort removes the file), without a stream */
    return NULL;
  }
  return f->f;
}

const char *hfs_output_add_path(hfs_output_set *o, const char *name,
                                hfs_diag *d)
{
  hfs_output_file *f = add_entry(o, name, d);
  return f ? f->staged_path : NULL;
}

char *hfs_output_sibling_path(const hfs_output_set *o, const char *what)
{
  char *name = dot_name(o->base, "");
  if (name == NULL)
    return NULL;
  size_t n = strlen(o->parent) + strlen(name) + strlen(what) + 3;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s.%s", o->parent, name, what);
  free(name);
  return p;
}

/* Close F's stream (flush, sync), or sync the file a library wrote. */
static int finish_file(hfs_output_set *o, hfs_output_file *f, hfs_diag *d)
{
  int bad = 0, err = 0;
  if (f->f != NULL) {
    bad = fflush(f->f) != 0 || ferror(f->f);
    err = errno;
    if (!bad && fsync(fileno(f->f)) != 0 && errno != EINVAL) {
      bad = 1;
      err = errno;
    }
    if (fclose(f->f) != 0 && !bad) {
      bad = 1;
      err = errno;
    }
    f->f = NULL;
  } else {
    int fd = openat(o->staging_fd, f->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
      bad = 1;
      err = fd < 0 ? errno : EINVAL;
    } else if (fsync(fd) != 0 && errno != EINVAL) {
      bad = 1;
      err = errno;
    }
    if (fd >= 0)
      close(fd);
  }
  if (bad)
    hfs_diag_error(d, f->final_path, 0, "cannot write: %s",
                   err ? strerror(err) : "write error");
  return bad ? -1 : 0;
}

/* Every file under FD (relative names with PREFIX), appended to *LIST. */
static int collect_files(int fd, const char *prefix, char ***list, size_t *n,
                         size_t *cap)
{
  DIR *dp = dir_of_fd(fd);
  if (dp == NULL)
    return -1;
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(dp)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char *rel = prefix[0] ? join(prefix, e->d_name) : hfs_strdup(e->d_name);
    if (rel == NULL) {
      rc = -1;
      break;
    }
    struct stat sb;
    if (fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(sb.st_mode)) {
      int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      rc = sub < 0 ? -1 : collect_files(sub, rel, list, n, cap);
      if (sub >= 0)
        close(sub);
      free(rel);
      continue;
    }
    if (*n == *cap) {
      size_t nc = *cap ? 2 * *cap : 16;
      char **nl = realloc(*list, nc * sizeof *nl);
      if (nl == NULL) {
        free(rel);
        rc = -1;
        break;
      }
      *list = nl;
      *cap = nc;
    }
    (*list)[(*n)++] = rel;
  }
  closedir(dp);
  return rc;
}

/* The manifest's file list: folder_command, then one line per file of the
 * staging folder (every file, also one a library wrote without
 * registering it), sorted, each synced, with its size and SHA-256. */
static int write_file_list(hfs_output_set *o, FILE *m, hfs_diag *d)
{
  if (g_command[0] != '\0')
    fprintf(m, "folder_command: %s\n", g_command);
  char **list = NULL;
  size_t n = 0, cap = 0;
  int rc = collect_files(o->staging_fd, "", &list, &n, &cap);
  if (rc != 0)
    hfs_diag_error(d, o->staging, 0, "cannot list the files: %s",
                   strerror(errno));
  if (n > 1)
    qsort(list, n, sizeof *list, by_name);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if (!strcmp(list[i], "manifest.txt"))
      continue;
    char *final_path = join(o->dir, list[i]);
    char *path = join(o->staging, list[i]);
    char hex[65];
    struct stat sb;
    int fd = openat(o->staging_fd, list[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (!valid_name(list[i])) {
      hfs_diag_error(d, final_path ? final_path : list[i], 0,
                     "a file name the manifest cannot hold");
      rc = -1;
    } else if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
               (fsync(fd) != 0 && errno != EINVAL) || path == NULL ||
               hfs_sha256_file(path, hex) != 0) {
      hfs_diag_error(d, final_path ? final_path : list[i], 0,
                     "cannot read back: %s",
                     fd < 0 || errno ? strerror(errno) : "not a file");
      rc = -1;
    } else {
      fprintf(m, "file: %s bytes=%lld sha256=%s\n", list[i],
              (long long)sb.st_size, hex);
    }
    if (fd >= 0)
      close(fd);
    free(final_path);
    free(path);
  }
  for (size_t i = 0; i < n; i++)
    free(list[i]);
  free(list);
  return rc;
}

hfs_status hfs_output_commit(hfs_output_set *o, hfs_diag *d)
{
  if (o->staging_fd <= 0) {
    hfs_diag_error(d, o->dir, 0,
                   "internal error: commit of a folder that is "
                   "not open");
    return HFS_ERR_IO;
  }
  int failed = 0;
  hfs_output_file *manifest = NULL;
  for (size_t i = 0; i < o->n_files; i++) {
    hfs_output_file *f = &o->files[i];
    if (!strcmp(f->name, "manifest.txt")) {
      manifest = f;
      continue;
    }
    if (finish_file(o, f, d) != 0)
      failed = 1;
  }
  if (!failed && manifest == NULL) {
    FILE *m = hfs_output_add(o, "manifest.txt", d);
    if (m == NULL)
      failed = 1;
    else
      manifest = &o->files[o->n_files - 1];
  }
  if (!failed && manifest->f == NULL) {
    hfs_diag_error(d, manifest->final_path, 0, "internal error: not open");
    failed = 1;
  }
  if (!failed && write_file_list(o, manifest->f, d) != 0)
    failed = 1;
  if (manifest != NULL && finish_file(o, manifest, d) != 0)
    failed = 1;
  /* the folder gets the permissions a plain mkdir would give it */
  mode_t mask = umask(0);
  umask(mask);
  if (!failed && (fchmod(o->staging_fd, 0777 & ~mask) != 0 ||
                  sync_tree(o->staging_fd) != 0)) {
    hfs_diag_error(d, o->staging, 0, "cannot write: %s", strerror(errno));
    failed = 1;
  }
  if (failed) {
    hfs_output_abort(o);
    return HFS_ERR_IO;
  }
  const char *staging_name = strrchr(o->staging, '/') + 1;
  int exchanged = 0;
  if (renameat2(o->parent_fd, staging_name, o->parent_fd, o->base,
                RENAME_EXCHANGE) == 0) {
    exchanged = 1;
  } else if (errno == ENOENT) {
    /* no folder yet: RENAME_NOREPLACE, so that a folder made meanwhile
     * (not by an hfsim command: they hold the lock) is not replaced */
    if (renameat2(o->parent_fd, staging_name, o->parent_fd, o->base,
                  RENAME_NOREPLACE) != 0) {
      hfs_diag_error(d, o->dir, 0, "cannot move the results into place: %s",
                     strerror(errno));
      hfs_output_abort(o);
      return HFS_ERR_IO;
    }
  } else {
    /* EINVAL: a file system without RENAME_EXCHANGE (some network file
     * systems). Not switched: the old folder is kept. */
    hfs_diag_error(d, o->dir, 0, "cannot move the results into place: %s",
                   strerror(errno));
    hfs_output_abort(o);
    return HFS_ERR_IO;
  }
  fsync(o->parent_fd);
  close(o->staging_fd);
  o->staging_fd = -1;
  if (exchanged) /* the old folder now has the staging name */
    remove_tree_at(o->parent_fd, staging_name);
  free(o->staging);
  o->staging = NULL;
  /* the files are at their final paths now */
  for (size_t i = 0; i < o->n_files; i++) {
    free(o->files[i].staged_path);
    o->files[i].staged_path = NULL;
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
  }
  /* > 0: a zeroed set (never opened) holds no descriptor, not stdin */
  if (o->staging_fd > 0) {
    close(o->staging_fd);
    o->staging_fd = -1;
  }
  if (o->staging != NULL && o->parent_fd > 0)
    remove_tree_at(o->parent_fd, strrchr(o->staging, '/') + 1);
  free(o->staging);
  o->staging = NULL;
}

void hfs_output_free(hfs_output_set *o)
{
  if (o->staging != NULL || o->staging_fd > 0)
    hfs_output_abort(o);
  for (size_t i = 0; i < o->n_files; i++) {
    if (o->files[i].f != NULL)
      fclose(o->files[i].f);
    free(o->files[i].name);
    free(o->files[i].final_path);
    free(o->files[i].staged_path);
  }
  free(o->files);
  free(o->dir);
  free(o->parent);
  free(o->base);
  if (o->lock_fd > 0)
    close(o->lock_fd); /* releases the lock */
  if (o->parent_fd > 0)
    close(o->parent_fd);
  memset(o, 0, sizeof *o);
  o->parent_fd = o->staging_fd = o->lock_fd = -1;
}

/* ---- verify-folder -------------------------------------------------------
 */

typedef struct listed {
  char *name;
  int seen;
} listed;

/* Every regular file under FD (path PREFIX), compared with the list. */
static long scan_unlisted(int fd, const char *dir, const char *prefix,
                          listed *l, size_t n, hfs_diag *d)
{
  int dup_fd = dup(fd);
  DIR *dp = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
  if (dp == NULL) {
    if (dup_fd >= 0)
      close(dup_fd);
    hfs_diag_error(d, dir, 0, "cannot read the folder: %s", strerror(errno));
    return 1;
  }
  long problems = 0;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char *rel = prefix[0] ? join(prefix, e->d_name) : hfs_strdup(e->d_name);
    if (rel == NULL) {
      problems++;
      continue;
    }
    struct stat sb;
    if (fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(sb.st_mode)) {
      int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      if (sub >= 0) {
        problems += scan_unlisted(sub, dir, rel, l, n, d);
        close(sub);
      }
    } else if (strcmp(rel, "manifest.txt") != 0) {
      size_t i = 0;
      while (i < n && strcmp(l[i].name, rel) != 0)
        i++;
      if (i == n) {
        char *path = join(dir, rel);
        hfs_diag_error(d, path ? path : rel, 0,
                       "not listed in manifest.txt (a file of another "
                       "command or run)");
        free(path);
        problems++;
      }
    }
    free(rel);
  }
  closedir(dp);
  return problems;
}

/* (values are escaped by hfs_manifest_write_value: one line each) */
hfs_manifest_line hfs_manifest_line_kind(const char *line, size_t len,
                                         int *in_list)
{
  if (len == 0 || strlen(line) != len || line[len - 1] != '\n')
    return HFS_MANIFEST_DAMAGED;
  if (!strncmp(line, "folder_command: ", 16)) {
    *in_list = 1;
    return HFS_MANIFEST_FOLDER_COMMAND;
  }
  if (!strncmp(line, "file: ", 6))
    return HFS_MANIFEST_FILE;
  const char *p = line;
  while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
    p++;
  int setting = p > line && p[0] == ':' && (p[1] == ' ' || p[1] == '\n');
  return setting && !*in_list ? HFS_MANIFEST_SETTING : HFS_MANIFEST_DAMAGED;
}

long hfs_output_verify_folder(const char *dir, hfs_diag *d)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    hfs_diag_error(d, dir, 0, "cannot open the folder: %s", strerror(errno));
    return -1;
  }
  int mfd = openat(fd, "manifest.txt", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  FILE *m = mfd >= 0 ? fdopen(mfd, "r") : NULL;
  char *mpath = join(dir, "manifest.txt");
  if (m == NULL) {
    hfs_diag_error(d, mpath ? mpath : dir, 0, "cannot open: %s",
                   strerror(errno));
    if (mfd >= 0)
      close(mfd);
    close(fd);
    free(mpath);
    return -1;
  }
  listed *l = NULL;
  size_t n = 0;
  long problems = 0, lineno = 0;
  int has_list = 0, in_list = 0;
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t len;
  while ((len = getline(&line, &line_cap, m)) > 0) {
    lineno++;
    /* junk appended, a NUL byte, a torn last line were accepted */
    hfs_manifest_line kind = hfs_manifest_line_kind(line, (size_t)len,
                                                    &in_list);
    if (kind == HFS_MANIFEST_DAMAGED) {
      hfs_diag_error(d, mpath, lineno,
                     "damaged line (not as hfsim writes manifest.txt)");
      problems++;
      continue;
    }
    if (kind == HFS_MANIFEST_FOLDER_COMMAND)
      has_list = 1;
    if (kind != HFS_MANIFEST_FILE)
      continue;
    has_list = 1;
    char name[300], hex[65];
    long long bytes;
    if (sscanf(line, "file: %299s bytes=%lld sha256=%64s", name, &bytes, hex) !=
            3 ||
        !valid_name(name) || strlen(hex) != 64) {
      hfs_diag_error(d, mpath, lineno, "damaged file line");
      problems++;
      continue;
    }
    listed *nl = realloc(l, (n + 1) * sizeof *l);
    if (nl == NULL) {
      problems++;
      break;
    }
    l = nl;
    l[n].name = hfs_strdup(name);
    l[n].seen = 0;
    if (l[n].name == NULL) {
      problems++;
      break;
    }
    n++;
    char *path = join(dir, name);
    if (path == NULL) {
      problems++;
      continue;
    }
    struct stat sb;
    char got[65];
    if (lstat(path, &sb) != 0) {
      hfs_diag_error(d, path, 0, "listed in manifest.txt but missing: %s",
                     strerror(errno));
      problems++;
    } else if (!S_ISREG(sb.st_mode)) {
      hfs_diag_error(d, path, 0, "not a regular file");
      problems++;
    } else if ((long long)sb.st_size != bytes) {
      hfs_diag_error(d, path, 0,
                     "%lld bytes, manifest.txt says %lld: changed or "
                     "truncated",
                     (long long)sb.st_size, bytes);
      problems++;
    } else if (hfs_sha256_file(path, got) != 0) {
      hfs_diag_error(d, path, 0, "cannot read: %s", strerror(errno));
      problems++;
    } else if (strcmp(got, hex) != 0) {
      hfs_diag_error(d, path, 0,
                     "SHA-256 %s, manifest.txt says %s: the file changed", got,
                     hex);
      problems++;
    }
    free(path);
  }
  free(line);
  fclose(m);
  if (!has_list) {
    hfs_diag_error(d, mpath, 0,
                   "no file list (written by an hfsim before 0.3, or not by "
                   "hfsim): cannot verify");
    problems++;
  } else {
    problems += scan_unlisted(fd, dir, "", l, n, d);
  }
  close(fd);
  for (size_t i = 0; i < n; i++)
    free(l[i].name);
  free(l);
  free(mpath);
  return problems;
}

/* ---- text ----------------------------------------------------------------
 */

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

void hfs_manifest_write_value(FILE *f, const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '\\')
      fputs("\\\\", f);
    else if (*p == '\n')
      fputs("\\n", f);
    else if (*p == '\r')
      fputs("\\r", f);
    else if (*p == '\t')
      fputs("\\t", f);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf(f, "\\x%02x", *p);
    else
      fputc(*p, f);
  }
}
