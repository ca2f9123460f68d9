/*
 * report.h - the result files of a run: summary.csv, trace.csv,
 * manifest.txt, and the data dictionary that describes them.
 *
 * Columns of summary.csv are derived from the model's outcome definitions,
 * so the writer and the dictionary (`hfsim dictionary`, results/README.md)
 * cannot disagree.
 */
#ifndef HFSIM_REPORT_H
#define HFSIM_REPORT_H

#include <stdio.h>

#include "hfsim/engine.h"
#include "hfsim/model.h"
#include "hfsim/scenario.h"

/* One column of summary.csv. */
typedef struct hfs_column {
  char name[96];
  char description[400];
  int outcome; /* -1 for strategy/patients */
  int what;    /* HFS_COL_* */
} hfs_column;

enum {
  HFS_COL_STRATEGY,
  HFS_COL_PATIENTS,
  HFS_COL_MEAN,
  HFS_COL_SE,
  HFS_COL_SD,
  HFS_COL_CI_LOW,
  HFS_COL_CI_HIGH,
  HFS_COL_N,
  HFS_COL_CURRENCY
};

/* The columns of summary.csv for model class C; *N gets the count. The
 * caller frees the array. */
hfs_column *hfs_summary_columns(const hfs_model_class *c, size_t *n);

void hfs_write_summary(FILE *f, const hfs_model *m, const hfs_results *r);
void hfs_write_trace(FILE *f, const hfs_model *m, const hfs_results *r);
/* summary_long.csv: summary.csv in tidy long form, one row per strategy,
 * outcome and statistic (mean, se, sd, ci_low, ci_high, n) with its unit
 * (the currency code for money). */
void hfs_write_summary_long(FILE *f, const hfs_model *m, const hfs_results *r);

/* cea.csv: the incremental analysis at each willingness-to-pay value, one
 * row per (wtp, strategy), strategies ordered by cost (see
 * results/README.md), from the model class's cost and QALY outcomes. */
void hfs_write_cea(FILE *f, const hfs_model *m, const hfs_results *r,
                   const double *wtp, size_t n_wtp);

/* The decision on the console: the incremental analysis of cea.csv as a
 * table (strategies by cost; status; comparator; incremental cost and
 * QALYs with their paired Monte Carlo standard errors; ICER between
 * adjacent frontier strategies), then the strategy with the highest net
 * monetary benefit at each willingness-to-pay value, with the incremental
 * NMB over the runner-up and its paired standard error. */
void hfs_print_icer_table(FILE *f, const hfs_model *m, const hfs_results *r,
                          const double *wtp, size_t n_wtp, int cost_outcome,
                          int qaly_outcome, const char *currency);

/* summary_subgroups.csv: the main outcomes by subgroup level. */
void hfs_write_subgroups(FILE *f, const hfs_model *m, const hfs_results *r);

/* Write the data dictionary of every output file (Markdown) for class C. */
void hfs_write_dictionary(FILE *f, const hfs_model_class *c);

#endif
