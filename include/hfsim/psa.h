/*
 * psa.h - probabilistic sensitivity analysis: draw every parameter from its
 * distribution, run all strategies on the same patients, and summarise the
 * decision uncertainty (CEAC/CEAF, EVPI, EVPPI).
 *
 * Iteration k draws its parameters from the stream (seed, k + 1, 0, 0) and
 * simulates patients 0..N-1 of replicate 0: the same patients in every
 * iteration and under every strategy (common random numbers), so the spread
 * across iterations reflects parameter uncertainty, not patient sampling
 * noise that varies from one iteration to the next. Each iteration depends
 * only on (seed, k), which makes results identical for any thread count
 * and lets an interrupted PSA resume where it stopped.
 */
#ifndef HFSIM_PSA_H
#define HFSIM_PSA_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "hfsim/engine.h"
#include "hfsim/study.h"

/*
 * Overrides under PSA. A parameter set by an override (`--set NAME=V`, or a
 * line of a [scenario NAME] section) is fixed at V in every draw: it is not
 * sampled, it has no column in psa_parameters.csv and EVPPI counts it as
 * certain. Setting one member of a Dirichlet group fixes the whole group
 * (its members must still sum to 1). The draws of every other parameter
 * are exactly those of the PSA without the override (the random stream
 * still advances past the fixed ones), so the two PSAs differ only
 * through the parameters fixed.
 */
/* Whether parameter I of T has a distribution but an override fixes it. */
int hfs_psa_fixed_by_override(const hfs_param_table *t, size_t i);
/* Print one line "PREFIXname = value (origin)" per such parameter to F;
 * returns how many there are. */
size_t hfs_psa_report_fixed(FILE *f, const hfs_param_table *t,
                            const char *prefix);

typedef struct hfs_psa_result {
  uint64_t iterations; /* planned */
  uint64_t done;       /* completed, 0..iterations */
  size_t n_strategies;
  size_t n_sampled;    /* parameters with a distribution other than fixed,
                          and not fixed by an override */
  size_t *sampled;     /* their indices in the parameter table */
  double *values;      /* [k * n_sampled + j] */
  double *cost, *qaly; /* discounted means: [k * n_strategies + s] */
  /* a calibrated posterior to draw from (hfs_psa_use_posterior), or NULL */
  const struct hfs_psa_posterior *posterior;
  /* per posterior column: 1 drawn, 0 fixed by an override (--set or
   * --scenario fixes a calibrated parameter as any other) */
  char *posterior_used;
  char currency[16];   /* [economics] currency: the files' currency column */
} hfs_psa_result;

/* A posterior sample of calibrated parameters (posterior.csv of `hfsim
 * calibrate`): header sample,evaluation,NAME...,log_likelihood and one row
 * per draw. With it, iteration k draws every parameter from its
 * distribution as usual, then one row, uniformly from the same stream, and
 * replaces the calibrated parameters by that row's values: they vary
 * jointly (keeping the correlations the calibration found), while every
 * other parameter gets exactly the draw it gets without a posterior. */
typedef struct hfs_psa_posterior {
  char *path;
  size_t n_params;
  size_t *index; /* in the parameter table */
  size_t n_rows;
  double *values; /* [row * n_params + j] */
  long *lines;    /* [row]: its line in PATH, for messages */
} hfs_psa_posterior;

/* Read PATH against table T: every NAME column must be a parameter of T,
 * not in a Dirichlet group; errors go to D with file and line. */
hfs_status hfs_psa_posterior_read(hfs_psa_posterior *p, const char *path,
                                  const hfs_param_table *t, hfs_diag *d);
void hfs_psa_posterior_free(hfs_psa_posterior *p);

/* Check every row of R's posterior (after hfs_psa_use_posterior) as the
 * PSA would use it: the table's values with the row's calibrated
 * parameters (those no override fixes) must make a valid model, else an
 * error at the row's line of the posterior file, before anything runs (a
 * bad row was found only by the iteration that drew it, and blamed on the
 * parameter table). */
hfs_status hfs_psa_posterior_check(const hfs_psa_result *r,
                                   const hfs_study *st,
                                   const volatile sig_atomic_t *stop,
                                   hfs_diag *d);

/* Draw R's iterations with posterior P (kept by pointer; must outlive R).
 * Its parameters become sampled columns even when fixed in the table,
 * but for those an override fixes: they keep the override's value and
 * have no column, as without a posterior.
 * Call after hfs_psa_result_init(), before anything is run or resumed. */
hfs_status hfs_psa_use_posterior(hfs_psa_result *r, const hfs_study *st,
                                 const hfs_psa_posterior *p);

hfs_status hfs_psa_result_init(hfs_psa_result *r, const hfs_study *st,
                               uint64_t iterations);
void hfs_psa_result_free(hfs_psa_result *r);

/* Draw one value for every parameter of T into VALUES[0..t->count) (fixed
 * ones keep their value; Dirichlet groups are drawn jointly). */
hfs_status hfs_psa_draw(const hfs_param_table *t, gsl_rng *r, double *values,
                        hfs_diag *d);

typedef void (*hfs_psa_progress_fn)(void *user, uint64_t done, uint64_t total);

/* Run iterations R->done .. R->iterations-1 with CFG->patients patients
 * each; every iteration's model comes from hfs_study_instantiate() (ST is
 * not changed). After every iteration, CHECKPOINT (if not NULL) gets one
 * line that hfs_psa_checkpoint_read() can load back; if it cannot be
 * written, the run stops with HFS_ERR_IO. Stops with HFS_ERR_INTERRUPTED
 * when CFG->stop_flag is raised (completed iterations are kept). */
hfs_status hfs_psa_run(const hfs_study *st, const hfs_run_config *cfg,
                       hfs_psa_result *r, FILE *checkpoint,
                       hfs_psa_progress_fn progress, void *user, hfs_diag *d);

/* Checkpoint: a first line FINGERPRINT, then one line per iteration.
 * Both flush, and return 0, or -1 (errno set) when the write failed. */
int hfs_psa_checkpoint_header(FILE *f, const char *fingerprint);
/* Append iteration K of R (exact round-trip numbers) and flush. */
int hfs_psa_checkpoint_line(FILE *f, const hfs_psa_result *r, uint64_t k);
/* Load the completed iterations of PATH into R (R->done is set). A missing
 * or empty file, or one cut off in its first line, holds nothing to
 * resume (HFS_OK, R->done 0). Returns HFS_ERR_INPUT if the fingerprint
 * differs or the file is damaged. */
hfs_status hfs_psa_checkpoint_read(const char *path, const char *fingerprint,
                                   hfs_psa_result *r, hfs_diag *d);

/* Re-validate every value loaded by hfs_psa_checkpoint_read(): the
 * sampled parameters of each iteration are drawn again (they depend only
 * on the seed and the iteration) and must match bit for bit; costs and
 * QALYs must be finite. HFS_ERR_INPUT (naming the line) otherwise. Each
 * checkpoint line also ends with a checksum of itself (",#" and 16 hex
 * digits), checked by hfs_psa_checkpoint_read(). */
hfs_status hfs_psa_checkpoint_verify(hfs_study *st, const hfs_psa_result *r,
                                     const char *path, hfs_diag *d);

/* The CEAC/EVPI grid (0 to WTP_MAX in steps of WTP_STEP) has at most this
 * many points: a tiny step once started a 28 GB ceac.csv. */
#define HFS_CEAC_MAX_POINTS 100000

/* WTP_MAX >= 0 finite, WTP_STEP > 0 and at most HFS_CEAC_MAX_POINTS
 * points; else an error at FILE:LINE, HFS_ERR_INPUT. */
hfs_status hfs_psa_check_grid(double wtp_max, double wtp_step, const char *file,
                              long line, hfs_diag *d);

/* Validate the scenario's [psa] section as `hfsim psa` reads it, for
 * `hfsim check`: iterations (whole, 1 to 1e8), patients (whole, 1 to
 * 1e10), ceac_wtp_max (>= 0), ceac_wtp_step (> 0) and the grid,
 * population (>= 0), evppi groups (known, sampled parameters, enough
 * iterations), unknown keys. All errors to D; HFS_ERR_INPUT. */
hfs_status hfs_psa_check_section(hfs_study *st, hfs_diag *d);

/* Bytes hfs_psa_result_init() allocates for ITERATIONS (for messages). */
size_t hfs_psa_result_bytes(const hfs_study *st, uint64_t iterations);

/* Every cost, QALY and net monetary benefit (at the largest WTP of the
 * scenario and of the CEAC grid, WTP_MAX) of every iteration is finite;
 * else an error naming the inputs of the largest magnitude
 * (hfs_study_check_value()), HFS_ERR_INPUT. */
hfs_status hfs_psa_check_totals(const hfs_study *st, const hfs_psa_result *r,
                                double wtp_max, hfs_diag *d);

/* Output files (see results/README.md). WTP: the scenario's values;
 * the CEAC/EVPI grid runs from 0 to WTP_MAX in steps of WTP_STEP. */
void hfs_psa_write_parameters(FILE *f, const hfs_study *st,
                              const hfs_psa_result *r);
void hfs_psa_write_iterations(FILE *f, const hfs_study *st,
                              const hfs_psa_result *r, const double *wtp,
                              size_t n_wtp);
void hfs_psa_write_summary(FILE *f, const hfs_study *st,
                           const hfs_psa_result *r, const double *wtp,
                           size_t n_wtp);
void hfs_psa_write_ceac(FILE *f, const hfs_study *st, const hfs_psa_result *r,
                        double wtp_max, double wtp_step);
void hfs_psa_write_evpi(FILE *f, const hfs_psa_result *r, double wtp_max,
                        double wtp_step, double population);
/* GROUPS: "a, b; c" = two groups {a, b} and {c}. Unknown or fixed names
 * are reported to D before any file is written (check with
 * hfs_psa_check_groups). */
hfs_status hfs_psa_check_groups(const hfs_study *st, const hfs_psa_result *r,
                                const char *groups, const char *origin,
                                long line, hfs_diag *d);
hfs_status hfs_psa_write_evppi(FILE *f, const hfs_study *st,
                               const hfs_psa_result *r, const char *groups,
                               const double *wtp, size_t n_wtp,
                               double population, hfs_diag *d);

#endif
