/*
 * hfs_strategy.h - HFS treatment strategies, read from [strategy NAME]
 * sections of the scenario file.
 *
 * A strategy is an ordered list of treatment lines. A line ends for a
 * reason; the strategy says where the patient goes next for each reason:
 * `next` (the following line), `untreated` (natural history from then on),
 * or the name of a later line of the same strategy.
 *
 *   lines = medication, botox, mvd        (or "none")
 *   LINE.on_failure       = next | untreated | LINE   (all treatments)
 *   LINE.on_time_limit    = ...                        (with LINE.max_years)
 *   LINE.max_years        = years on the line before it ends ("none")
 *   medication.drugs      = carbamazepine, gabapentin, clonazepam, baclofen
 *   medication.on_intolerance = next_drug | next | untreated | LINE
 *   botox.schedule        = fixed_interval | when_worn_off
 *   botox.on_discontinuation = next | untreated | LINE
 *   botox.surgery_choice  = yes | no   (patients may choose surgery; they
 *                                      move to the strategy's mvd line)
 *   mvd.redo_max          = 0..3 (redo operations allowed)
 *   mvd.on_ineligible     = next | untreated | LINE  (MRI shows no
 *                                                     compression)
 */
#ifndef HFSIM_HFS_STRATEGY_H
#define HFSIM_HFS_STRATEGY_H

#include <stdio.h>

#include "hfsim/diag.h"
#include "hfsim/scenario.h"

typedef enum hfs_treatment {
  HFS_TX_MEDICATION,
  HFS_TX_BOTOX,
  HFS_TX_MVD,
  HFS_TX_COUNT_
} hfs_treatment;

/* Why a treatment line ended. */
typedef enum hfs_line_end {
  HFS_END_FAILURE,
  HFS_END_INTOLERANCE,
  HFS_END_DISCONTINUATION,
  HFS_END_CHOICE,
  HFS_END_TIME_LIMIT,
  HFS_END_INELIGIBLE,
  HFS_END_REASONS_,
  HFS_END_SIMULATION = HFS_END_REASONS_ /* death, horizon, age limit or cure
                                           that lasts: nothing follows */
} hfs_line_end;

enum { HFS_DRUG_COUNT = 4, HFS_MAX_LINES = 8 };

/* Targets: >= 0 is a line index; these are special. */
enum { HFS_GOTO_UNTREATED = -1, HFS_GOTO_NEXT_DRUG = -2 };

typedef struct hfs_line {
  hfs_treatment treatment;
  int go_to[HFS_END_REASONS_]; /* resolved line index or HFS_GOTO_* */
  double max_years;            /* +inf = no limit */
  /* medication */
  int drugs[HFS_DRUG_COUNT];
  int n_drugs;
  /* botox */
  int when_worn_off;
  int surgery_choice;
  /* mvd */
  int redo_max;
} hfs_line;

typedef struct hfs_strategy {
  char *name;
  char *label;
  hfs_line lines[HFS_MAX_LINES];
  int n_lines;
} hfs_strategy;

extern const char *const hfs_treatment_names[HFS_TX_COUNT_];
extern const char *const hfs_drug_names[HFS_DRUG_COUNT];

/* Read every [strategy NAME] section of S into OUT[0..s->n_strategies),
 * reporting all problems to D. */
hfs_status hfs_strategies_read(hfs_scenario *s, hfs_strategy *out, hfs_diag *d);
void hfs_strategy_free(hfs_strategy *st);
void hfs_strategy_describe(const hfs_strategy *st, FILE *f);

#endif
