/*
 * spasm_strategy.h - HFS treatment strategies, read from [strategy NAME]
 * sections of the scenario file.
 *
 * A strategy is a graph of treatment lines (MODEL.md section 6). The
 * patient starts on the first line of `lines`. A line ends for a reason;
 * the strategy says where the patient goes next for each reason: `next`
 * (the following line in `lines`), `untreated` (natural history from then
 * on), or the name of any line of the strategy: earlier, later or itself.
 * A line keeps its history when it is re-entered: it can be entered again
 * only if it last ended for one of its `reenter_after` reasons (data, per
 * line); a destination the patient cannot re-enter means untreated.
 * A pathway that could loop forever (a cycle of re-enterable ends) is
 * rejected with the file and line of a setting on the cycle.
 *
 *   lines = medication, botox, mvd        (or "none")
 *   LINE.on_failure       = next | untreated | LINE   (all treatments)
 *   LINE.reenter_after    = none | REASON, ...  (failure, intolerance,
 *                            discontinuation, choice, time_limit,
 *                            ineligible; default: botox choice, else none)
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
#ifndef SPASM_STRATEGY_H
#define SPASM_STRATEGY_H

#include <stdio.h>

#include "hfsim/diag.h"
#include "hfsim/scenario.h"

typedef enum spasm_treatment {
  SPASM_TX_MEDICATION,
  SPASM_TX_BOTOX,
  SPASM_TX_MVD,
  SPASM_TX_COUNT_
} spasm_treatment;

/* Why a treatment line ended. */
typedef enum spasm_line_end {
  SPASM_END_FAILURE,
  SPASM_END_INTOLERANCE,
  SPASM_END_DISCONTINUATION,
  SPASM_END_CHOICE,
  SPASM_END_TIME_LIMIT,
  SPASM_END_INELIGIBLE,
  SPASM_END_REASONS_,
  SPASM_END_SIMULATION = SPASM_END_REASONS_ /* death, horizon, age limit or cure
                                           that lasts: nothing follows */
} spasm_line_end;

enum { SPASM_DRUG_COUNT = 4, SPASM_MAX_LINES = 8 };

/* Targets: >= 0 is a line index; these are special. */
enum { SPASM_GOTO_UNTREATED = -1, SPASM_GOTO_NEXT_DRUG = -2 };

typedef struct spasm_line {
  spasm_treatment treatment;
  int go_to[SPASM_END_REASONS_]; /* resolved line index or SPASM_GOTO_* */
  long go_to_line[SPASM_END_REASONS_]; /* scenario line of the setting, or 0 */
  unsigned reenter_mask; /* bit r: may be re-entered after ending for r */
  double max_years;            /* +inf = no limit */
  /* medication */
  int drugs[SPASM_DRUG_COUNT];
  int n_drugs;
  /* botox */
  int when_worn_off;
  int surgery_choice;
  /* mvd */
  int redo_max;
} spasm_line;

typedef struct spasm_strategy {
  char *name;
  char *label;
  const char *file; /* scenario file and line of [strategy NAME] */
  long line;
  spasm_line lines[SPASM_MAX_LINES];
  int n_lines;
} spasm_strategy;

extern const char *const spasm_treatment_names[SPASM_TX_COUNT_];
extern const char *const spasm_drug_names[SPASM_DRUG_COUNT];
/* "failure", "intolerance", ... (the on_ keys without their prefix) */
extern const char *const spasm_reason_names[SPASM_END_REASONS_];

/* Read every [strategy NAME] section of S into OUT[0..s->n_strategies),
 * reporting all problems to D. */
hfs_status spasm_strategies_read(hfs_scenario *s, spasm_strategy *out, hfs_diag *d);
void spasm_strategy_free(spasm_strategy *st);
/* Draw the strategy's graph as text for `hfsim check`: each line, the
 * reasons it can end for and where each leads (back edges marked). */
void spasm_strategy_describe(const spasm_strategy *st, FILE *f);

#endif
