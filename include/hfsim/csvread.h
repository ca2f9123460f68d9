/*
 * csvread.h - read a CSV file row by row with line numbers (libcsv).
 *
 * RFC 4180 in strict mode: a stray quote is an error, not data. Lines whose
 * first character is '#' (outside a quoted field) are comments and blank
 * lines are skipped, so data files can carry their source line on top.
 * A UTF-8 byte-order mark at the start is ignored (spreadsheets write one).
 */
#ifndef HFSIM_CSVREAD_H
#define HFSIM_CSVREAD_H

#include <stddef.h>
#include "hfsim/diag.h"

typedef struct hfs_csv_row {
  char **fields; /* NUL-terminated; valid only during the callback */
  size_t n_fields;
  long line; /* line where the row starts */
} hfs_csv_row;

/* Called once per row (header included). Return 0 to continue, non-zero to
 * stop reading (hfs_csv_read then returns HFS_ERR_INPUT). */
typedef int (*hfs_csv_row_fn)(void *user, const hfs_csv_row *row);

/* Read PATH, calling FN for each row. A file that cannot be opened gives
 * HFS_ERR_IO; malformed CSV gives HFS_ERR_INPUT with the line in D. */
hfs_status hfs_csv_read(const char *path, hfs_csv_row_fn fn, void *user,
                        hfs_diag *d);

/* Same for a string in memory (tests and fuzzing); NAME labels messages. */
hfs_status hfs_csv_read_string(const char *text, size_t len, const char *name,
                               hfs_csv_row_fn fn, void *user, hfs_diag *d);

#endif
