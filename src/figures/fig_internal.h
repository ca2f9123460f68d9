/*
 * fig_internal.h - pieces shared by the figure modules: the folder's CSV
 * tables, growing strings, the gnuplot runner, the table of figures and the
 * HTML writer.
 */
#ifndef HFSIM_FIG_INTERNAL_H
#define HFSIM_FIG_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "hfsim/diag.h"
#include "hfsim/figures.h"

/* ---- growing string ---------------------------------------------------- */
typedef struct fig_buf {
  char *s;
  size_t len, cap;
  int failed; /* out of memory: further appends are ignored */
} fig_buf;

void fig_buf_printf(fig_buf *b, const char *fmt, ...) HFS_PRINTF(2, 3);
void fig_buf_append(fig_buf *b, const char *s, size_t n);
void fig_buf_free(fig_buf *b);

/* ---- a CSV file of the folder, held as text cells ---------------------- */
typedef struct fig_table {
  char *path;     /* DIR/NAME, for messages */
  char *name;     /* NAME, e.g. "cea.csv" */
  char **header;  /* n_cols names */
  size_t n_cols;
  size_t n_rows;  /* data rows (header excluded) */
  size_t cap_rows; /* rows allocated (grown by half: linear in the rows) */
  char **cells;   /* [row * n_cols + col] */
  long *lines;    /* line of each data row */
} fig_table;

/* Load DIR/NAME. Missing file: HFS_ERR_IO without a message when OPTIONAL,
 * else an error. Every row must have the header's number of fields and each
 * of REQUIRED's columns (NULL-terminated) must be there. */
hfs_status fig_table_load(fig_table *t, const char *dir, const char *name,
                          const char *const *required, hfs_diag *d);
void fig_table_free(fig_table *t);
/* Column index of NAME, or -1. */
int fig_col(const fig_table *t, const char *name);
const char *fig_cell(const fig_table *t, size_t row, int col);
/* Cell as a number; an empty cell gives NaN when EMPTY_OK, otherwise (and
 * for text that is not a number) an error naming file, line and column is
 * added to D and NaN returned. */
double fig_num(const fig_table *t, size_t row, int col, int empty_ok,
               hfs_diag *d);

/* ---- the folder's data --------------------------------------------------- */
enum { FIG_MAX_STRATEGIES = 64 };

typedef struct fig_folder {
  const char *dir;
  /* manifest.txt, as key/value pairs in file order */
  char **mkeys, **mvalues;
  size_t n_manifest;
  char command[32]; /* the word after "hfsim" in the manifest's command */
  char currency[16];
  double wtp_main; /* from the manifest, else from the files, else NaN */
  /* strategies in the order of the files, with their labels */
  char *strategies[FIG_MAX_STRATEGIES];
  char *labels[FIG_MAX_STRATEGIES];
  size_t n_strategies;
  /* a strategy could not be added (more than FIG_MAX_STRATEGIES, or out
   * of memory): fig_folder_load() then fails, so that no figure code ever
   * sees fig_strategy() return -1 for a strategy of the files */
  int strategies_overflow;
  /* the tables present (n_cols == 0 when absent) */
  fig_table summary, cea, trace, convergence, psa, psa_summary, ceac, evpi,
      evppi, owsa, twsa, scenarios;
  /* hfsim calibrate (posterior*: only with SIR) */
  fig_table calibration, calibration_targets, calibrated_parameters,
      posterior, posterior_correlations;
} fig_folder;

/* Load every known CSV of DIR and its manifest. Errors in D. */
hfs_status fig_folder_load(fig_folder *f, const char *dir, hfs_diag *d);
void fig_folder_free(fig_folder *f);
const char *fig_manifest(const fig_folder *f, const char *key);
/* Index of strategy NAME in f->strategies (adding it), or -1 when full
 * (f->strategies_overflow is then set). After a successful
 * fig_folder_load() every strategy of its files has an index. */
int fig_strategy(fig_folder *f, const char *name);
const char *fig_label(const fig_folder *f, size_t s);

/* ---- figures -------------------------------------------------------------- */
typedef struct fig_figure {
  char name[64];    /* file stem, e.g. "ce_plane" */
  char title[160];
  char *caption;    /* one sentence: what it shows and how to read it */
  fig_buf data;     /* NAME.dat */
  fig_buf script;   /* NAME.gp */
  /* after drawing */
  int drawn;
  char *svg, *png, *pdf; /* file contents (png/pdf binary) */
  size_t svg_len, png_len, pdf_len;
} fig_figure;

/* Script helpers of figures.c, for the figure builders in other files:
 * a new figure in the table, its caption (copied), the head and foot of
 * every script (figures.c: palette, formats loop), a gnuplot string literal
 * and a text field of a data file. */
fig_figure *fig_new_figure(fig_figure **figs, size_t *n, const char *name,
                           const char *title);
void fig_set_caption(fig_figure *g, const char *text);
void fig_script_begin(fig_figure *g, const char *source, int width,
                      int height);
void fig_script_end(fig_figure *g);
void fig_gp_str(fig_buf *b, const char *s);
void fig_dat_str(fig_buf *b, const char *s);

/* The figures of a calibration folder (fig_calibrate.c): the fit at each
 * target, and the pairs of the posterior sample. */
hfs_status fig_calibration_fit(fig_folder *f, fig_figure **figs, size_t *n,
                               hfs_diag *d);
hfs_status fig_posterior_pairs(fig_folder *f, fig_figure **figs, size_t *n,
                               hfs_diag *d);

/* Build the data and script of every figure the folder allows. */
hfs_status fig_plan(fig_folder *f, fig_figure **figs, size_t *n,
                    hfs_diag *d);
void fig_figures_free(fig_figure *figs, size_t n);

/* ---- gnuplot ------------------------------------------------------------- */
/* Run gnuplot on SCRIPT in the existing folder WORKDIR (its working
 * directory). Returns 0 on success; otherwise -1 with a message in
 * ERR[ERR_LEN] (the program's stderr, or why it could not start) and
 * *MISSING set when the program does not exist. */
int fig_gnuplot_run(const char *workdir, const char *script, int *missing,
                    char *err, size_t err_len);
const char *fig_gnuplot_program(void);

/* ---- HTML -------------------------------------------------------------- */
void fig_report_html(FILE *out, const fig_folder *f, const fig_figure *figs,
                     size_t n, const hfs_report_result *res);

#endif
