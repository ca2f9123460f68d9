/*
 * dist.h - parameter distributions for probabilistic sensitivity analysis.
 *
 * A parameter row gives a distribution family (hfs_dist, params.h) and two
 * numbers, dist_a and dist_b, whose meaning depends on the family; the
 * "_mean_sd" families are given by their mean and standard deviation and are
 * converted here, once, to native parameters by the method of moments
 * (Briggs, Claxton & Sculpher, Decision Modelling for Health Economic
 * Evaluation, 2006, ch. 4). hfs_dist_fit() validates and converts;
 * hfs_dist_sample() then draws with GSL without further checks, so a
 * fitted distribution can be sampled millions of times cheaply.
 *
 * Everything here is pure and thread-safe; the caller supplies the gsl_rng
 * (one per thread).
 */
#ifndef HFSIM_DIST_H
#define HFSIM_DIST_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "hfsim/diag.h"
#include "hfsim/params.h"

/*
 * A distribution with native parameters. `dist` is never one of the
 * _MEAN_SD families: beta_mean_sd fits to HFS_DIST_BETA, gamma_mean_sd to
 * HFS_DIST_GAMMA, lognormal_mean_sd to HFS_DIST_LOGNORMAL. `given` keeps the
 * family as written, for messages. Read the union member named after `dist`.
 */
typedef struct hfs_dist_fitted {
  hfs_dist dist;  /* native family */
  hfs_dist given; /* family as specified */
  union {
    struct {
      double value;
    } fixed;
    struct {
      double alpha, beta;
    } beta; /* both > 0 */
    struct {
      double shape, scale;
    } gamma; /* both > 0 */
    struct {
      double meanlog, sdlog;
    } lognormal; /* sdlog > 0, log scale */
    struct {
      double mean, sd;
    } normal; /* sd > 0 */
    struct {
      double mean, sd, low, high;
    } truncnormal; /* sd > 0, low < high */
    struct {
      double min, max;
    } uniform; /* min < max */
    struct {
      double min, max, mode;
    } triangular; /* min <= mode <= max */
    struct {
      double alpha;
    } dirichlet; /* > 0; one component of a group */
  } p;
} hfs_dist_fitted;

/*
 * Validate and convert one parameter's distribution.
 *
 *   D      family; A, B are dist_a and dist_b as in params.h (NAN = empty)
 *   LOW, HIGH  the row's range: the truncation bounds of truncnormal
 *              (may be -inf / +inf, not NAN); ignored otherwise
 *   VALUE  the row's base-case value: the value of fixed, the mode of
 *          triangular; ignored otherwise
 *
 * Conversions (method of moments):
 *   beta_mean_sd       k = mean*(1-mean)/sd^2 - 1, alpha = mean*k,
 *                      beta = (1-mean)*k; needs 0 < mean < 1, sd > 0 and
 *                      sd^2 < mean*(1-mean)
 *   gamma_mean_sd      shape = mean^2/sd^2, scale = sd^2/mean; mean, sd > 0
 *   lognormal_mean_sd  sdlog^2 = log(1 + sd^2/mean^2),
 *                      meanlog = log(mean) - sdlog^2/2; mean, sd > 0
 * Native families are checked: beta alpha, beta > 0; gamma shape, scale > 0;
 * lognormal sdlog > 0; normal sd > 0; truncnormal sd > 0 and low < high;
 * uniform min < max; triangular min < max and min <= value <= max;
 * dirichlet alpha > 0 and B empty; fixed A and B empty. Every used number
 * must be finite and every unused dist_a/dist_b empty (NAN).
 *
 * Returns HFS_OK and fills OUT, or HFS_ERR_INPUT and writes a one-line
 * reason naming the family, the rule and the offending numbers to WHY
 * (e.g. "beta_mean_sd needs sd^2 < mean*(1-mean) (0.25 >= 0.21)"). WHY may
 * be NULL; the text is truncated to WHY_LEN - 1 characters and always
 * terminated when WHY_LEN > 0.
 */
hfs_status hfs_dist_fit(hfs_dist d, double a, double b, double low, double high,
                        double value, hfs_dist_fitted *out, char *why,
                        size_t why_len);

/*
 * One draw from F (fitted by hfs_dist_fit). Beta, gamma, lognormal and
 * normal use gsl_ran_beta / gsl_ran_gamma / gsl_ran_lognormal /
 * gsl_ran_gaussian. Truncnormal and triangular use inversion of the CDF with
 * one uniform, so they never loop: truncnormal inverts in the tail that is
 * accurate (upper-tail Q when the interval lies above the mean), always
 * returns a value in [low, high], and returns the bound nearer the mean if
 * the interval's probability underflows (more than ~38 sd from the mean).
 * Fixed returns its value without using R. Dirichlet returns NAN: a
 * component cannot be drawn alone, use hfs_dist_sample_dirichlet().
 */
double hfs_dist_sample(const hfs_dist_fitted *f, gsl_rng *r);

/* One draw of a Dirichlet vector with ALPHA[0..k) (all > 0) into
 * OUT[0..k); the components are >= 0 and sum to 1. Uses gsl_ran_dirichlet. */
void hfs_dist_sample_dirichlet(const double *alpha, size_t k, gsl_rng *r,
                               double *out);

/* Analytic mean and standard deviation of F. Dirichlet components return
 * NAN (they depend on the whole group: alpha_i / sum(alpha)). */
double hfs_dist_mean(const hfs_dist_fitted *f);
double hfs_dist_sd(const hfs_dist_fitted *f);

#endif
