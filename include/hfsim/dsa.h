/*
 * dsa.h - deterministic sensitivity analysis: one-way (owsa, tornado),
 * two-way (twsa, a grid over two parameters) and scenario analysis (named
 * sets of overrides, [scenario NAME] sections of the scenario file).
 *
 * Every variant is a model made by hfs_study_instantiate() from the study's
 * parameter values with some changed (the study is not changed), simulated
 * on the same patients (same seed and streams), so that differences between
 * variants are not Monte Carlo noise between cohorts. Any number of
 * strategies. Runs stop with HFS_ERR_INTERRUPTED when the run
 * configuration's stop flag is raised. Output files: results/README.md.
 */
#ifndef HFSIM_DSA_H
#define HFSIM_DSA_H

#include <stdint.h>
#include <stdio.h>

#include "hfsim/engine.h"
#include "hfsim/study.h"

/* What one variant gives per strategy (means per patient, discounted, and
 * their Monte Carlo standard errors). */
typedef struct hfs_dsa_variant {
  size_t n_strategies;
  double *cost, *qaly, *cost_se, *qaly_se;
  double *nmb_se;     /* of the strategy's own NMB at the variant's wtp_main */
  double *inc_nmb_se; /* of its NMB increment over strategy 0 (paired) */
  /* of its cost and QALY increments over its comparator in the
   * incremental analysis (hfs_cea_analyse; paired; NAN without one) */
  double *inc_cost_se, *inc_qaly_se;
  char currency[16]; /* the scenario's currency: the files' column */
} hfs_dsa_variant;

void hfs_dsa_variant_free(hfs_dsa_variant *v);

/* Simulate study ST with parameter VALUES ([st->params.count]; NULL = its
 * own) under CFG; fill V (freed first). WTP: for the NMB errors. A total
 * that is not finite (an overflow) is an error, HFS_ERR_INPUT, never an
 * empty cell (hfs_study_check_totals). */
hfs_status hfs_dsa_simulate(const hfs_study *st, const double *values,
                            const hfs_run_config *cfg, double wtp,
                            hfs_dsa_variant *v, hfs_diag *d);

/* Patients per variant: [dsa] patients of ST's scenario (default 20000);
 * 0 after an error reported to D. */
uint64_t hfs_dsa_patients(hfs_study *st, hfs_diag *d);

/* Called before each variant: DONE of TOTAL variants are finished; LABEL
 * names the next one (a parameter or scenario). */
typedef void (*hfs_dsa_progress_fn)(void *user, size_t done, size_t total,
                                    const char *label);

/* ---- one-way ------------------------------------------------------------ */

typedef struct hfs_owsa_result {
  size_t n_params;
  size_t *params; /* indices in the parameter table: those with low/high */
  double *base_value, *low_value, *high_value; /* [n_params] */
  hfs_dsa_variant base;
  hfs_dsa_variant *low, *high; /* [n_params] */
} hfs_owsa_result;

/* Every parameter of ST with a low/high range is set to its low, then its
 * high value, one at a time. Every low and high value is checked first:
 * nothing is simulated when the model rejects one (HFS_ERR_INPUT). */
hfs_status hfs_owsa_run(const hfs_study *st, const hfs_run_config *cfg,
                        hfs_dsa_progress_fn progress, void *user,
                        hfs_owsa_result *r, hfs_diag *d);
void hfs_owsa_result_free(hfs_owsa_result *r);
/* owsa.csv: rows sorted by swing of the NMB within each strategy. */
void hfs_owsa_write(FILE *f, const hfs_study *st, const hfs_owsa_result *r);

/* ---- two-way ------------------------------------------------------------ */

typedef struct hfs_twsa_result {
  char *name[2];
  size_t param[2]; /* indices in the parameter table */
  size_t steps;
  double *value[2];      /* [steps]: the grid of each parameter */
  hfs_dsa_variant *grid; /* [i * steps + j] */
} hfs_twsa_result;

/* A STEPS x STEPS grid over the low-high ranges of the parameters SPECS[0]
 * and SPECS[1], each "NAME" (its table range) or "NAME=LOW:HIGH". Errors in
 * the specs are reported to D with LABEL as the file (e.g. "--param"); a
 * LOW or HIGH outside what the parameter can take (the table's rules,
 * hfs_param_kind_admits) with "LABEL NAME=LOW:HIGH" as the file, before
 * anything is simulated. */
hfs_status hfs_twsa_run(const hfs_study *st, const hfs_run_config *cfg,
                        const char *const specs[2], const char *label,
                        size_t steps, hfs_dsa_progress_fn progress, void *user,
                        hfs_twsa_result *r, hfs_diag *d);
void hfs_twsa_result_free(hfs_twsa_result *r);
void hfs_twsa_write(FILE *f, const hfs_study *st, const hfs_twsa_result *r);

/* ---- scenarios ---------------------------------------------------------- */

typedef struct hfs_scenarios_result {
  size_t n;
  char **names;           /* [0] = "base" */
  hfs_dsa_variant *out;   /* [n] */
  char ***strategy_names; /* per scenario, each list ending with NULL */
  double *wtp;            /* each scenario's wtp_main */
} hfs_scenarios_result;

/* The base case BASE (loaded from CONFIG with OVERRIDES), then every
 * [scenario NAME] section of its scenario file in file order: CONFIG is
 * loaded afresh with OVERRIDES followed by the section's lines, so every
 * check applies with file and line. CFG gives the patients per scenario and
 * the stop flag; the rest of each scenario's run configuration is its own
 * (hfs_study_run_config). D must hold no error on entry: loading a
 * scenario counts every error in D as its own. */
hfs_status hfs_scenarios_run(const hfs_study *base, const char *config,
                             const hfs_override *overrides, size_t n_overrides,
                             const hfs_run_config *cfg,
                             hfs_dsa_progress_fn progress, void *user,
                             hfs_scenarios_result *r, hfs_diag *d);
void hfs_scenarios_result_free(hfs_scenarios_result *r);
void hfs_scenarios_write(FILE *f, const hfs_scenarios_result *r);

#endif
