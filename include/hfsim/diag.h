/*
 * diag.h - diagnostics: collect every error of an input, then report them.
 *
 * Validation reports all problems of a file at once (a user fixes a config in
 * one pass, not one error per run). Functions that read user input therefore
 * take an hfs_diag and append to it instead of stopping at the first problem.
 * Messages print as
 *
 *     hfsim: FILE:LINE: error: MESSAGE
 *
 * (LINE omitted when 0), which editors and CI log parsers understand.
 */
#ifndef HFSIM_DIAG_H
#define HFSIM_DIAG_H

#include <stddef.h>
#include <stdio.h>

#if defined(__GNUC__)
#define HFS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define HFS_PRINTF(fmt, args)
#endif

/* Exit codes of the command-line program (documented in --help and README). */
enum hfs_exit_code {
  HFS_EXIT_OK = 0,
  HFS_EXIT_FAILURE = 1,      /* internal error, out of memory */
  HFS_EXIT_USAGE = 2,        /* bad command line */
  HFS_EXIT_INPUT = 3,        /* invalid scenario, parameter or life table */
  HFS_EXIT_IO = 4,           /* a file could not be read or written */
  HFS_EXIT_VERIFY = 5,       /* hfsim verify: a check failed */
  HFS_EXIT_INTERRUPTED = 130 /* SIGINT or SIGTERM */
};

/* Status codes returned by library functions. */
typedef enum hfs_status {
  HFS_OK = 0,
  HFS_ERR_INPUT, /* the input is invalid; details are in the hfs_diag */
  HFS_ERR_IO,    /* a file could not be opened, read or written */
  HFS_ERR_NOMEM, /* allocation failed */
  HFS_ERR_INTERRUPTED
} hfs_status;

typedef struct hfs_diag_entry {
  char *file; /* may be NULL (e.g. the command line) */
  long line;  /* 0 when the message is about the whole file */
  char *message;
} hfs_diag_entry;

typedef struct hfs_diag {
  hfs_diag_entry *entries;
  size_t count;
  size_t capacity;
  int out_of_memory; /* set when an entry could not be stored */
  /* warnings: printed first, but not errors (not counted, do not fail) */
  hfs_diag_entry *warnings;
  size_t n_warnings, cap_warnings;
} hfs_diag;

void hfs_diag_init(hfs_diag *d);
void hfs_diag_free(hfs_diag *d);

/* Append an error. FILE may be NULL, LINE may be 0. Never fails: when memory
 * runs out the entry is dropped and out_of_memory is set. */
void hfs_diag_error(hfs_diag *d, const char *file, long line, const char *fmt,
                    ...) HFS_PRINTF(4, 5);

/* Append a warning: something legal but probably unintended (a value
 * outside its table range). Printed as "hfsim: FILE: warning: MESSAGE". */
void hfs_diag_warning(hfs_diag *d, const char *file, long line,
                      const char *fmt, ...) HFS_PRINTF(4, 5);

/* Forget the warnings from index FIRST on whose file is FILE (a caller's
 * own settings, whose warnings would only confuse: `hfsim verify` sets
 * parameters outside their ranges on purpose). A warning identical to one
 * already held (file, line, message) is not stored twice. */
void hfs_diag_drop_warnings(hfs_diag *d, size_t first, const char *file);

/* The number of errors (warnings do not count). */
size_t hfs_diag_count(const hfs_diag *d);

/* Print every warning, then every error, to STREAM as
 * "hfsim: FILE:LINE: error: MESSAGE". */
void hfs_diag_print(const hfs_diag *d, FILE *stream);

/* Edit distance used to suggest the closest known name for a misspelt key. */
size_t hfs_edit_distance(const char *a, const char *b);

/* The closest of CANDIDATES[0..n) to NAME, or NULL when none is close enough
 * to be a plausible typo (distance larger than a third of the name). */
const char *hfs_closest_name(const char *name, const char *const *candidates,
                             size_t n);

/* Like hfs_closest_name, for an array of structs: the candidate string of
 * element i lives at (char*)base + i*stride + offset as a const char *. */
const char *hfs_closest_name_strided(const char *name, const void *base,
                                     size_t n, size_t stride, size_t offset);

/* strdup that is C11 (strdup is POSIX). */
char *hfs_strdup(const char *s);

#endif
