/*
 * verify.h - checks that users can run (`hfsim verify`): model outputs
 * against answers computed independently of the simulation, and against
 * published figures.
 *
 * Verification (verification.csv): each model may have its own checks, an
 * optional hook of its class (hfs_model_class.verify, in the model's
 * folder). A check runs the engine on the model's scenario with some
 * parameters or settings changed, so that the exact expected value is known
 * in closed form, and compares within z = 4 Monte Carlo standard errors
 * (deterministic checks: within 1e-9 relative). hfs_verify_run() runs the
 * hooks of the models of the given scenarios, in order; the helpers below
 * are what a hook uses.
 *
 * Validation (validation.csv): model outputs beside published figures from
 * configs/validation_targets.csv, with the source of each.
 */
#ifndef HFSIM_VERIFY_H
#define HFSIM_VERIFY_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "hfsim/diag.h"
#include "hfsim/engine.h"
#include "hfsim/lifetable.h"
#include "hfsim/study.h"

typedef struct hfs_check {
  char name[64];
  char description[256];
  double expected, observed, mcse, z;
  int pass;
} hfs_check;

/* Progress of a verification, counted in engine runs: hfs_probe_run()
 * adds one to DONE after each run and calls FN (when not NULL) with DONE
 * and PLANNED. */
typedef struct hfs_verify_progress {
  void (*fn)(void *user, uint64_t done, uint64_t planned);
  void *user;
  uint64_t done, planned;
} hfs_verify_progress;

/* What a model's verification hook works with. */
typedef struct hfs_verifier {
  const char *config_path;          /* the model's scenario */
  uint64_t patients;                /* per check, unless a check says */
  volatile sig_atomic_t *stop_flag; /* polled by every run; may be NULL */
  hfs_check *checks;                /* receives up to MAX entries */
  size_t n, max;
  hfs_diag *d;
  hfs_verify_progress *progress; /* may be NULL */
} hfs_verifier;

/* One run of the verifier's scenario: its study and results. */
typedef struct hfs_probe {
  hfs_study st;
  hfs_results res;
} hfs_probe;

/* Run the verifier's scenario with PATIENTS patients (0: V->patients) and
 * the N OVERRIDES (parameters NAME=VALUE, settings SECTION.KEY=VALUE).
 * Always call hfs_probe_free() afterwards. HFS_ERR_INTERRUPTED when the
 * stop flag was raised. */
hfs_status hfs_probe_run(hfs_probe *p, const hfs_verifier *v,
                         const char *const *overrides, size_t n,
                         uint64_t patients);
void hfs_probe_free(hfs_probe *p);
/* The accumulator of OUTCOME under STRATEGY (names), or NULL. */
const hfs_accum *hfs_probe_outcome(const hfs_probe *p, const char *strategy,
                                   const char *outcome);
/* The value of parameter NAME, or NaN when there is none. */
double hfs_probe_param(const hfs_probe *p, const char *name);

/* Record a check: EXPECTED against the mean of A (NULL: the outcome is
 * missing, the check fails). DETERMINISTIC: compare to rounding instead of
 * Monte Carlo error. Beyond V->max checks are dropped. */
void hfs_verifier_add(hfs_verifier *v, const char *name,
                      const char *description, double expected,
                      const hfs_accum *a, int deterministic);

/* Expected (discounted at RATE, 0 = plain) years lived from AGE_YEARS by
 * SEX over the next HORIZON_YEARS (capped at LIMIT_AGE_YEARS), from the
 * piecewise-constant hazard of LT, in closed form. */
double hfs_expected_life_years(const hfs_life_table *lt, int sex,
                               double age_years, double horizon_years,
                               double limit_age_years, double rate);

/* Run the verification checks of the model of each of the N_CONFIGS
 * scenarios CONFIGS (models without a hook add none) with PATIENTS patients.
 * CHECKS receives up to MAX entries; returns how many, or -1 on error
 * (reported to D; an interrupt through STOP_FLAG is an error). PROGRESS
 * (may be NULL) counts the engine runs. */
long hfs_verify_run(const char *const *configs, size_t n_configs,
                    uint64_t patients, volatile sig_atomic_t *stop_flag,
                    hfs_check *checks, size_t max,
                    hfs_verify_progress *progress, hfs_diag *d);

/* The engine runs hfs_verify_run() makes for these scenarios: the sum of
 * their models' hfs_model_class.verify_runs (0 for a scenario whose model
 * cannot be found; hfs_verify_run reports that). */
uint64_t hfs_verify_planned_runs(const char *const *configs,
                                 size_t n_configs);

void hfs_verify_write(FILE *f, const hfs_check *checks, size_t n);

/* Write validation.csv: TARGETS_PATH rows, with the model's values from a
 * run of CONFIG_PATH with PATIENTS patients (stopped by STOP_FLAG). */
hfs_status hfs_validate_write(FILE *f, const char *config_path,
                              const char *targets_path, uint64_t patients,
                              volatile sig_atomic_t *stop_flag, hfs_diag *d);

#endif
