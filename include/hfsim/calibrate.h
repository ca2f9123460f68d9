/*
 * calibrate.h - fit estimated parameters to published targets: a directed
 * search for the best fit and a Bayesian posterior that feeds the PSA.
 *
 * Methods (Vanni et al., PharmacoEconomics 2011;29:35-49; Menzies et al.,
 * PharmacoEconomics 2017;35:613-24; Alarid-Escudero et al., Med Decis Making
 * 2018;38:1016-27):
 *
 *   Goodness of fit. Each target k has a value y_k and a standard error
 *   s_k = (high - low) / (2 x 1.959964) from its 95% interval. The model
 *   gives m_k(theta) with Monte Carlo standard error e_k; the error of the
 *   comparison is v_k = s_k^2 + e_k^2. Log-likelihoods are relative to a
 *   perfect fit (0 when m_k = y_k and e_k = 0):
 *     proportion (a 0/1 outcome):  binomial with effective size
 *       n_k = y_k (1 - y_k) / v_k:  n_k [y ln(m/y) + (1-y) ln((1-m)/(1-y))]
 *     mean:  normal,  -(m_k - y_k)^2 / (2 v_k) - ln(v_k / s_k^2) / 2
 *   The weighted sum of squares is sum_k (m_k - y_k)^2 / s_k^2.
 *   The search minimises -log-likelihood or the sum of squares
 *   ([calibration] goodness_of_fit).
 *
 *   Directed search. Nelder-Mead (GSL gsl_multimin_fminimizer_nmsimplex2)
 *   on x_j = logit((theta_j - low_j) / (high_j - low_j)), so every point
 *   lies inside the bounds, from STARTS starting points drawn by Latin
 *   hypercube over the bounds (stream (seed, 0, 0, 3)). A start stops when
 *   the simplex size falls below TOLERANCE or after MAX_EVALUATIONS
 *   evaluations. The best fit is the evaluation with the smallest objective;
 *   a fitted value within 1% of the range from a bound is reported as at
 *   that bound (the bound, not the data, may be what holds it).
 *
 *   Bayesian calibration. Sampling importance resampling (Rubin 1988):
 *   SIR_DRAWS draws theta_i from the priors of the parameter table (draw i
 *   from stream (seed, i + 1, 0, 1), each parameter from its distribution;
 *   a `fixed` row has a uniform prior over its bounds; draws outside the
 *   bounds are redrawn, i.e. the prior is truncated to them), weights
 *   w_i proportional to the likelihood, the effective sample size
 *   (sum w)^2 / sum w^2, posterior moments, quantiles and correlations from
 *   the weighted draws, and POSTERIOR_SIZE draws resampled with
 *   replacement (stream (seed, 0, 0, 2)) for posterior.csv.
 *
 *   Common random numbers. Every evaluation simulates the same patients
 *   (the scenario's seed, replicate 0), so the objective changes smoothly
 *   with the parameters instead of jumping with the patient sample.
 *
 *   Reproducibility. The sequence of evaluations depends only on the
 *   settings and the seed; each evaluation's numbers do not depend on the
 *   thread count (engine.h) or the number of MPI ranks
 *   (hfs_calib_run_ranks below), and batches are recorded in their order.
 *   A checkpoint holds every evaluation; a resumed run replays them from it
 *   (checking each point bit for bit) and continues, with identical results.
 */
#ifndef HFSIM_CALIBRATE_H
#define HFSIM_CALIBRATE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "hfsim/diag.h"
#include "hfsim/dist.h"
#include "hfsim/engine.h"
#include "hfsim/study.h"

typedef enum hfs_gof { HFS_GOF_LIKELIHOOD, HFS_GOF_WEIGHTED_SSQ } hfs_gof;

typedef struct hfs_calib_param {
  char *name;
  size_t index;          /* in the parameter table */
  double low, high;      /* bounds, low < high */
  hfs_dist_fitted prior; /* the table's distribution, or uniform(low, high) */
} hfs_calib_param;

typedef struct hfs_calib_target {
  char *metric;
  char *strategy, *outcome;
  size_t strategy_index, outcome_index; /* in the model */
  double value, low, high;
  double se;      /* (high - low) / (2 x 1.959964) */
  int proportion; /* binomial likelihood (a 0/1 outcome) */
  long line;      /* in the targets file */
} hfs_calib_target;

typedef struct hfs_calib_settings {
  hfs_calib_param *params;
  size_t n_params;
  hfs_calib_target *targets;
  size_t n_targets;
  char *targets_path;
  hfs_gof gof;
  unsigned starts;
  unsigned max_evaluations; /* per start */
  double tolerance;         /* simplex size, logit scale */
  double step;              /* initial simplex step, logit scale */
  uint64_t patients;        /* per evaluation */
  uint64_t sir_draws;       /* 0: no Bayesian calibration */
  uint64_t posterior_size;
  uint64_t seed;
  char *output_dir;
} hfs_calib_settings;

/* The settings of the scenario's [calibration] section (see
 * configs/README.md), checked against the study's parameter table, model
 * and targets file: every problem goes to D with its file and line
 * (unknown parameter or target, empty range, a target without error,
 * ...). HFS_ERR_INPUT when there is none or it is invalid. */
hfs_status hfs_calib_settings_read(hfs_study *st, hfs_calib_settings *cs,
                                   hfs_diag *d);
void hfs_calib_settings_free(hfs_calib_settings *cs);

/* For `hfsim check`: when the scenario has a [calibration] section, read
 * it, print its errors to stderr (HFS_ERR_INPUT) or a summary to OUT.
 * HFS_OK without output when there is no such section. */
hfs_status hfs_calib_check(hfs_study *st, FILE *out);

/* The function being calibrated: evaluate N points THETA[i * n_params + j]
 * into VALUE[i * n_targets + k] and its Monte Carlo standard error MCSE
 * (0 for an exact function). The result of a point must not depend on N or
 * on the other points. */
typedef hfs_status (*hfs_calib_eval_fn)(void *user, size_t n,
                                        const double *theta, double *value,
                                        double *mcse, hfs_diag *d);

/* The evaluator of a study: parameters set in a copy of the table, the
 * model created and the cohort (patients 0..cs->patients-1 of replicate 0)
 * simulated. A batch of several points runs one point per thread. */
typedef struct hfs_calib_model {
  hfs_study *st;
  const hfs_calib_settings *cs;
  hfs_run_config cfg;
  volatile sig_atomic_t *stop;
} hfs_calib_model;
void hfs_calib_model_init(hfs_calib_model *m, hfs_study *st,
                          const hfs_calib_settings *cs,
                          volatile sig_atomic_t *stop);
hfs_status hfs_calib_model_eval(void *user, size_t n, const double *theta,
                                double *value, double *mcse, hfs_diag *d);

enum hfs_calib_phase { HFS_CALIB_SEARCH, HFS_CALIB_SIR };

typedef struct hfs_calib_result {
  size_t n_params, n_targets;
  /* every evaluation, in order */
  size_t n_evals, cap;
  unsigned char *phase; /* hfs_calib_phase */
  int *start;           /* search: start 0..; SIR: draw 0.. */
  double *theta;        /* [e * n_params + j] */
  double *value, *mcse; /* [e * n_targets + k] */
  double *loglik;       /* [e] total log-likelihood */
  double *ssq;          /* [e] weighted sum of squares */
  size_t n_cached;      /* evaluations loaded from a checkpoint */
  /* directed search */
  unsigned starts;
  double *start_theta;  /* [s * n_params + j] Latin hypercube points */
  int *start_converged; /* [s] simplex below the tolerance */
  size_t *start_best;   /* [s] evaluation index of the start's best */
  size_t best;          /* evaluation index of the best fit overall */
  int *at_bound;        /* [j] -1 low, 0 inside, +1 high */
  /* SIR */
  size_t sir_first, sir_n; /* its evaluations */
  double ess;
  double *post_mean, *post_sd, *post_q025, *post_q500, *post_q975; /* [j] */
  double *prior_corr, *post_corr; /* [a * n_params + b] */
  size_t posterior_size;
  size_t *resampled; /* [i] evaluation index of posterior draw i */
} hfs_calib_result;

void hfs_calib_result_free(hfs_calib_result *r);

/* Evaluations planned at most: starts x max_evaluations + sir_draws. */
uint64_t hfs_calib_planned(const hfs_calib_settings *cs);

typedef void (*hfs_calib_progress_fn)(void *user, uint64_t done,
                                      uint64_t planned);

/* Run the directed search, then SIR (when sir_draws > 0). R holds any
 * evaluations loaded by hfs_calib_checkpoint_read(), which are replayed;
 * every new one is appended to CHECKPOINT (if not NULL). Stops with
 * HFS_ERR_INTERRUPTED when *STOP becomes non-zero. */
hfs_status hfs_calib_run(const hfs_calib_settings *cs, hfs_calib_eval_fn fn,
                         void *user, hfs_calib_result *r, FILE *checkpoint,
                         hfs_calib_progress_fn progress, void *puser,
                         volatile sig_atomic_t *stop, hfs_diag *d);

/* hfs_calib_run with the evaluator CM, over the ranks of an MPI job
 * (parallel.h); collective. Rank 0 runs the calibration (the points, the
 * checkpoint, PROGRESS) and fills R; the other ranks only evaluate its
 * points and leave R empty: a Nelder-Mead point's cohort is spread over
 * every rank (ranks.h), a batch of SIR draws is shared out, a share per
 * rank, and gathered in draw order. Either way each point's values are
 * the bits one process computes, so R does not depend on the number of
 * ranks or threads, and a checkpoint resumes with any number of ranks.
 * A stop request on any rank stops all (HFS_ERR_INTERRUPTED); a rank
 * other than 0 whose evaluation fails stops the job (hfs_par_abort).
 * Returns rank 0's status on every rank. With one rank: hfs_calib_run
 * with hfs_calib_model_eval. */
hfs_status hfs_calib_run_ranks(const hfs_calib_settings *cs,
                               hfs_calib_model *cm, hfs_calib_result *r,
                               FILE *checkpoint,
                               hfs_calib_progress_fn progress, void *puser,
                               volatile sig_atomic_t *stop, hfs_diag *d);

/* Log-likelihood and weighted sum of squares of target T for a model value
 * M with Monte Carlo standard error E (see the top of this file). E is NaN
 * when not available (M over fewer than two patients): it then adds no
 * variance. hfs_calib_z: (M - target) / sqrt(target se^2 + E^2), the same
 * way. */
double hfs_calib_loglik(const hfs_calib_target *t, double m, double e);
double hfs_calib_z(const hfs_calib_target *t, double m, double e);
double hfs_calib_ssq(const hfs_calib_target *t, double m);

/* Checkpoint: a first line with FINGERPRINT, then one line per evaluation
 * (exact round-trip numbers). Both flush and return 0, or -1 on a write
 * error. */
int hfs_calib_checkpoint_header(FILE *f, const char *fingerprint);
int hfs_calib_checkpoint_line(FILE *f, const hfs_calib_result *r, size_t e);
/* Load the evaluations of PATH into R (R->n_cached, R->n_evals). A missing
 * or empty file holds nothing (HFS_OK). HFS_ERR_INPUT when it belongs to
 * another calibration or is damaged; a torn last line is dropped. */
hfs_status hfs_calib_checkpoint_read(const char *path, const char *fingerprint,
                                     const hfs_calib_settings *cs,
                                     hfs_calib_result *r, hfs_diag *d);

/* The data dictionary's sections of the files above (results/README.md). */
void hfs_calib_write_dictionary(FILE *f);

/* Output files (see results/README.md). */
void hfs_calib_write_evaluations(FILE *f, const hfs_calib_settings *cs,
                                 const hfs_calib_result *r);
void hfs_calib_write_targets(FILE *f, const hfs_calib_settings *cs,
                             const hfs_calib_result *r);
void hfs_calib_write_parameters(FILE *f, const hfs_calib_settings *cs,
                                const hfs_param_table *t,
                                const hfs_calib_result *r);
void hfs_calib_write_posterior(FILE *f, const hfs_calib_settings *cs,
                               const hfs_calib_result *r);
void hfs_calib_write_correlations(FILE *f, const hfs_calib_settings *cs,
                                  const hfs_calib_result *r);

#endif
