/*
 * output.h - an output folder whose files appear whole or not at all.
 *
 * Every file is written under a temporary name in the output folder
 * (".NAME.tmp-PID"), flushed and synced, and only when all files of the run
 * are complete are they renamed to their final names. A failed or
 * interrupted run removes its temporary files and leaves the previous
 * results untouched; a run never reports a file as written before it is in
 * place under its final name.
 */
#ifndef HFSIM_OUTPUT_H
#define HFSIM_OUTPUT_H

#include <stdio.h>

#include "hfsim/diag.h"

typedef struct hfs_output_file {
  char *name; /* final file name, e.g. "summary.csv" */
  char *final_path;
  char *temp_path;
  FILE *f;
} hfs_output_file;

typedef struct hfs_output_set {
  char *dir;
  hfs_output_file *files;
  size_t n_files;
} hfs_output_set;

/* Create DIR (and parents) if needed and check that files can be created in
 * it. Errors name the folder and the reason; HFS_ERR_IO. */
hfs_status hfs_output_open(hfs_output_set *o, const char *dir, hfs_diag *d);

/* Start file NAME; returns its stream, or NULL (with a message in D). */
FILE *hfs_output_add(hfs_output_set *o, const char *name, hfs_diag *d);

/* Flush, sync and close every file, then rename all into place. If any write
 * failed (disk full, ...), nothing is renamed, the temporaries are removed
 * and HFS_ERR_IO is returned. */
hfs_status hfs_output_commit(hfs_output_set *o, hfs_diag *d);

/* Close and remove every temporary file (after an error or interrupt). */
void hfs_output_abort(hfs_output_set *o);

/* Free memory; call after commit or abort. */
void hfs_output_free(hfs_output_set *o);

/* Write S as one RFC 4180 field: quoted when it holds a comma, quote or
 * line break; a text that a spreadsheet would read as a formula (first
 * character = + - @, tab or carriage return) gets a leading apostrophe. */
void hfs_csv_write_text(FILE *f, const char *s);

#endif
