/*
 * targets.h - published figures the model is compared with
 * (configs/validation_targets.csv), each marked for calibration or held
 * out for validation.
 *
 * One row per figure (RFC 4180, header row, '#' comment lines):
 *
 *   metric,strategy,outcome,published_value,low,high,source[,use]
 *
 *   metric           name of the figure, unique (an identifier when it is
 *                    used for calibration: it names columns)
 *   strategy, outcome  the model output it is compared with: outcome
 *                    OUTCOME (summary.csv stem) of strategy STRATEGY
 *   published_value  the published figure
 *   low, high        its 95% interval (or range across series, as the
 *                    source column says); the standard error used by
 *                    calibration is (high - low) / (2 x 1.959964)
 *   source           where the figure comes from
 *   use              calibration (fitted by `hfsim calibrate`) or
 *                    validation (held out: only compared, by `hfsim
 *                    verify`); an empty cell, a row without the field or a
 *                    file without the column means validation
 *
 * Keeping the two apart matters: a model is not validated by the figures it
 * was fitted to. `hfsim verify` reports both kinds, labelled.
 */
#ifndef HFSIM_TARGETS_H
#define HFSIM_TARGETS_H

#include <stddef.h>

#include "hfsim/diag.h"

typedef enum hfs_target_use {
  HFS_TARGET_VALIDATION,
  HFS_TARGET_CALIBRATION
} hfs_target_use;

typedef struct hfs_target {
  char *metric, *strategy, *outcome, *source;
  double value, low, high;
  hfs_target_use use;
  long line; /* in the file */
} hfs_target;

typedef struct hfs_target_table {
  hfs_target *items;
  size_t n;
  char *path;
} hfs_target_table;

void hfs_target_table_init(hfs_target_table *t);
void hfs_target_table_free(hfs_target_table *t);

/* Read PATH. Errors (header, field count, numbers, duplicate metric,
 * unknown use) go to D with their line; HFS_ERR_IO when the file cannot be
 * read, HFS_ERR_INPUT when D got errors. */
hfs_status hfs_target_table_read(hfs_target_table *t, const char *path,
                                 hfs_diag *d);

/* The target named METRIC, or NULL. */
const hfs_target *hfs_target_find(const hfs_target_table *t,
                                  const char *metric);

/* "calibration" or "validation". */
const char *hfs_target_use_name(hfs_target_use u);

#endif
