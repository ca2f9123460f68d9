/*
 * csvread.h - read a CSV file row by row with line numbers (libcsv).
 *
 * RFC 4180 in strict mode: a stray quote is an error, not data. Lines whose
 * first character is '#' (outside a quoted field) are comments and blank
 * lines are skipped, so data files can carry their source line on top.
 * A UTF-8 byte-order mark at the start is ignored (spreadsheets write one).
 *
 * Text rules shared by every input file (the scenario INI, the parameter
 * table, the life table, validation targets), so that the readers agree:
 *   - at most HFS_INPUT_MAX_BYTES bytes (a larger file, or /dev/zero, is an
 *     error, not an endless read);
 *   - a UTF-8 byte-order mark at the start is skipped;
 *   - a NUL byte is an error naming its line;
 *   - lines end with LF or CR LF; a carriage return anywhere else (also
 *     inside a quoted CSV field) is an error naming its line;
 *   - numbers are decimal (hfs_parse_double(), params.h): no hexadecimal,
 *     no inf or nan;
 *   - CSV columns are separated by commas: a header row (the first row)
 *     with no comma but a ';' or a tab is one error that names that
 *     separator (a spreadsheet's export in a comma-decimal locale),
 *     instead of a "missing column" per column.
 * Reading stops with HFS_ERR_INTERRUPTED when the flag given to
 * hfs_input_set_stop_flag() is set (SIGINT, SIGTERM, SIGHUP), also while a
 * read from a pipe or a terminal blocks.
 */
#ifndef HFSIM_CSVREAD_H
#define HFSIM_CSVREAD_H

#include <signal.h>
#include <stddef.h>
#include "hfsim/diag.h"

/* 64 MiB: far above any real input (the parameter table is ~20 kB). */
#define HFS_INPUT_MAX_BYTES ((size_t)64 << 20)

/* The flag that interrupts reading (the CLI's signal flag); NULL: none. */
void hfs_input_set_stop_flag(volatile sig_atomic_t *flag);

/* Read the whole of PATH (WHAT names it in messages, e.g. "scenario
 * file", or "") into *TEXT (NUL-terminated, caller frees) and *LEN, after the
 * checks above (size, NUL, lone CR; *TEXT starts after a byte-order mark).
 * HFS_ERR_IO (cannot open or read; larger than the limit), HFS_ERR_INPUT
 * (NUL, carriage return),
 * HFS_ERR_NOMEM, HFS_ERR_INTERRUPTED; messages in D. */
hfs_status hfs_input_read_file(const char *path, const char *what, char **text,
                               size_t *len, hfs_diag *d);

/* The text checks alone, for text in memory: NUL bytes and carriage
 * returns that do not end a line. Errors name NAME and the line. */
hfs_status hfs_input_check_text(const char *text, size_t len, const char *name,
                                hfs_diag *d);

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
