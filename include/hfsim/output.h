/*
 * output.h - an output folder is one transaction.
 *
 * The transaction rule: every file of a command is written into a fresh
 * private staging folder beside the target (PARENT/.NAME.hfsim-staging-XXXXXX,
 * made by mkdtemp, mode 0700, so no other user can plant a file or a link
 * in it). hfs_output_commit() syncs the files and the folder, then switches
 * the staging folder into place in one step (renameat2 RENAME_EXCHANGE with
 * the old folder, or a plain rename when there is none) and removes the old
 * folder. A crash at any instant leaves either the complete old folder or
 * the complete new one, plus at most a staging folder, which the next
 * command into the same folder removes.
 *
 * The lock: hfs_output_open() takes an advisory lock (flock) on the lock
 * file PARENT/.NAME.hfsim-lock and keeps it until hfs_output_free(), so
 * hold the set open for the whole command. A second command into the same
 * folder waits for the first (or fails at once, hfs_output_configure()'s
 * NO_WAIT). The lock file itself is never removed (removing it would let
 * two commands lock two different files).
 *
 * One folder belongs to one command: the manifest.txt of every folder
 * names the command that wrote it (folder_command:), and a command refuses
 * to replace a folder written by another command, or a non-empty folder
 * that holds no hfsim manifest (it may be someone's own files).
 *
 * The manifest: manifest.txt (added by the caller, who writes its
 * key: value lines; created by the commit if the caller did not add it)
 * ends with folder_command: and one line per other file of the folder,
 * "file: NAME bytes=SIZE sha256=HEX", sorted by name, written by
 * hfs_output_commit() from the staging folder's contents (so a file that a
 * library wrote into it without hfs_output_add_path() is listed too);
 * hfs_output_verify_folder() re-checks them.
 */
#ifndef HFSIM_OUTPUT_H
#define HFSIM_OUTPUT_H

#include <stdio.h>

#include "hfsim/diag.h"

typedef struct hfs_output_file {
  char *name;        /* name inside the folder, e.g. "summary.csv" */
  char *final_path;  /* DIR/NAME: where it will be after the commit */
  char *staged_path; /* where it is written now (inside the staging folder) */
  FILE *f;           /* NULL for files added by hfs_output_add_path() */
} hfs_output_file;

typedef struct hfs_output_set {
  char *dir;     /* the target folder (trailing slashes removed) */
  char *parent;  /* its parent folder */
  char *base;    /* its last component */
  char *staging; /* PARENT/.BASE.hfsim-staging-XXXXXX, NULL when gone */
  int parent_fd, staging_fd, lock_fd; /* -1 when closed */
  hfs_output_file *files;
  size_t n_files;
} hfs_output_set;

/* Process-wide settings, set once by the command line: COMMAND is the
 * command that owns the folders it writes (recorded in manifests and
 * compared with the folder's), NO_WAIT = fail at once when another command
 * holds the folder's lock. Without a call: no command check, wait. */
void hfs_output_configure(const char *command, int no_wait);

/* Take the folder's lock (waiting as configured), check that DIR may be
 * replaced (see above), remove stale staging folders, and make a fresh
 * staging folder. Parents of DIR are created if needed. Errors name the
 * folder and the reason: HFS_ERR_IO; HFS_ERR_INTERRUPTED when a signal
 * interrupted the wait for the lock. Call hfs_output_free() in every
 * case. */
hfs_status hfs_output_open(hfs_output_set *o, const char *dir, hfs_diag *d);

/* Start file NAME (letters, digits, '.', '_', '-'; '/' for sub-folders,
 * made as needed; no component starting with '.'); created with O_EXCL
 * inside the staging folder. Returns its stream (binary-safe), or NULL
 * with a message in D. */
FILE *hfs_output_add(hfs_output_set *o, const char *name, hfs_diag *d);

/* For a file written by another library (a workbook, a figure) to a path:
 * register NAME and return the path to write it to (owned by O), or NULL
 * with a message in D. The commit fails if nothing was written there. */
const char *hfs_output_add_path(hfs_output_set *o, const char *name,
                                hfs_diag *d);

/* PARENT/.BASE.WHAT: a file kept beside the folder across commands (the PSA
 * checkpoint). Allocated; NULL when out of memory. */
char *hfs_output_sibling_path(const hfs_output_set *o, const char *what);

/* Flush, sync and close every file, complete the manifest, and switch the
 * staging folder into place (see above). If any write failed (disk full,
 * file too large, ...), nothing is switched, the staging folder is removed
 * and HFS_ERR_IO is returned: the earlier folder is kept whole. */
hfs_status hfs_output_commit(hfs_output_set *o, hfs_diag *d);

/* Close and remove the staging folder (after an error or interrupt). */
void hfs_output_abort(hfs_output_set *o);

/* Abort if not committed, release the lock, free memory. Safe on a set
 * that hfs_output_open() failed on, and on a zeroed set. */
void hfs_output_free(hfs_output_set *o);

/* Re-check DIR against its manifest.txt: every listed file is present
 * with its size and SHA-256, and no file is unlisted. Prints one line per
 * problem ("hfsim: DIR/NAME: error: ...") into D. Returns the number of
 * problems (0 = the folder is whole), or -1 when the manifest cannot be
 * read (message in D). */
long hfs_output_verify_folder(const char *dir, hfs_diag *d);

/* Write S as one RFC 4180 field: quoted when it holds a comma, quote or
 * line break; a text that a spreadsheet would read as a formula (first
 * character = + - @, tab or carriage return) gets a leading apostrophe. */
void hfs_csv_write_text(FILE *f, const char *s);

/* Write S as the value of a one-line "key: value" manifest entry: control
 * characters (below 0x20, and 0x7f) and the backslash are written as C
 * escapes (\n, \t, \\, \x01), so a value can never start a line of its
 * own. */
void hfs_manifest_write_value(FILE *f, const char *s);

/* The kinds of manifest.txt line, in the order hfsim writes them: settings
 * ("key: value", the key of lower-case letters, digits and '_'), then
 * folder_command, then the file list. The manifest cannot hash itself, so
 * its readers (verify-folder, report) refuse any other line as damaged. */
typedef enum hfs_manifest_line {
  HFS_MANIFEST_SETTING,
  HFS_MANIFEST_FOLDER_COMMAND, /* "folder_command: CMD": the list begins */
  HFS_MANIFEST_FILE,           /* "file: ..." (its fields not yet checked) */
  HFS_MANIFEST_DAMAGED /* not whole (a NUL byte, no newline), not of these
                          shapes, or a setting after the list began */
} hfs_manifest_line;

/* The kind of LINE, LEN bytes as getline() read them. *IN_LIST is 0 before
 * the first line and is kept up to date here. */
hfs_manifest_line hfs_manifest_line_kind(const char *line, size_t len,
                                         int *in_list);

#endif
