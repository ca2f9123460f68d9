/*
 * voi.h - decision uncertainty from a probabilistic sensitivity analysis:
 * cost-effectiveness acceptability (CEAC / CEAF), expected value of perfect
 * information (EVPI) and of partial perfect information (EVPPI).
 *
 * Input layout: K PSA iterations of S strategies as row-major K x S
 * matrices, cost[k*S + s] and qaly[k*S + s] (k = iteration, s = strategy).
 * Net monetary benefit at threshold wtp (cost unit per QALY, >= 0) is
 * NMB = wtp * qaly - cost. Results are per patient in the cost unit; scale
 * by the affected population (and discount over its horizon) for population
 * EVPI/EVPPI, as dampack's calc_evpi(pop = ) does. For a WTP grid, call once
 * per threshold.
 *
 * Semantics follow dampack (ceac, calc_evpi, calc_evppi) and BCEA (evppi);
 * EVPPI uses the regression metamodel of Strong, Oakley & Brennan (2014).
 *
 * Pure, thread-safe, no printing. GSL routines are called only with valid
 * arguments; the program should still call gsl_set_error_handler_off() at
 * start-up so that an allocation failure inside GSL is returned, not
 * aborted on.
 */
#ifndef HFSIM_VOI_H
#define HFSIM_VOI_H

#include <stddef.h>

#include "hfsim/diag.h"

/*
 * Cost-effectiveness acceptability at one threshold.
 *
 * PROB_CE[s] (array of S) = fraction of the K iterations in which strategy s
 * has the highest NMB; when several share the highest NMB in an iteration,
 * the lowest index gets it (so the S fractions sum to 1).
 * *FRONTIER = the strategy with the highest mean NMB (ties: lowest index):
 * the acceptability frontier (CEAF) strategy, dampack's On_Frontier. It need
 * not be the strategy with the highest PROB_CE.
 *
 * Returns HFS_ERR_INPUT when K or S is 0, a pointer is NULL, wtp is negative
 * or not finite, or any cost or QALY is not finite. FRONTIER may be NULL.
 */
hfs_status hfs_ceac(const double *cost, const double *qaly, size_t K, size_t S,
                    double wtp, double *prob_ce, size_t *frontier);

/*
 * Per-patient EVPI at WTP:
 *     mean_k max_s NMB[k][s]  -  max_s mean_k NMB[k][s].
 * Computed as the mean of the per-iteration opportunity loss of the strategy
 * with the highest mean NMB, so it is exactly >= 0 (0 when S == 1).
 * Returns NAN on invalid input (same rules as hfs_ceac).
 */
double hfs_evpi(const double *cost, const double *qaly, size_t K, size_t S,
                double wtp);

/*
 * Per-patient EVPPI at WTP of the parameter group whose PSA values are the
 * K x P row-major matrix X (X[k*P + j] = parameter j in iteration k, drawn
 * together with iteration k's costs and QALYs).
 *
 * Method (Strong, Oakley & Brennan, Med Decis Making 2014;34:311-26): for
 * each strategy s >= 1, regress INB_s = NMB_s - NMB_0 on X by least squares
 * (the fitted values g_s estimate E[INB_s | X]; g_0 = 0), then
 *     EVPPI = mean_k max_s g_s(k)  -  max_s mean_k g_s(k).
 * The regression has an intercept, so mean_k g_s = mean_k INB_s.
 *
 * Metamodel (R's GAMs are not available in C; this is a fixed-df
 * alternative fitted with gsl_multifit_linear_tsvd). Columns:
 *   intercept;
 *   each parameter's own basis, in the standardised parameter z: z itself
 *           and the terms of a natural (restricted) cubic regression spline
 *           (Harrell, Regression Modeling Strategies, 2nd ed. 2015,
 *           s. 2.4.5) with knots at Harrell's quantiles, 5 knots (0.05,
 *           0.275, 0.5, 0.725, 0.95) when K >= 100, 4 (0.05, 0.35, 0.65,
 *           0.95) when K >= 30, 3 (0.1, 0.5, 0.9) when K >= 10, else z
 *           alone (a straight line); never more knots than the parameter
 *           has distinct values, coincident knots merged, z alone when
 *           fewer than 3 distinct knots remain; none for a constant
 *           parameter. Linear beyond the outer knots, so no wild tails;
 *   for P >= 2, the product z_i z_j of every pair i < j of non-constant
 *           parameters (the linear-by-linear interactions).
 * The knots depend only on the parameter's own values and K, so the
 * designs are nested: a group's columns include those of each of its
 * subsets, its least-squares fit is at least as close, and adding a
 * parameter to a group cannot lose what the subset's fit found (GAMs with
 * a smooth per parameter, as in SAVI and BCEA, have the same property).
 * EVPPI, a mean of maxima of fitted values, is still not monotone by
 * construction: a group's estimate can come out below a subset's, but only
 * by a fraction of the estimation noise (on 800 random problems, INB a
 * nonlinear function of one of 3 parameters plus noise, K = 50..1050, the
 * largest dip when adding a parameter was 1 % of EVPPI; the previous
 * design, a quadratic polynomial for groups that did not contain the single
 * parameter's spline, lost up to all of it). hfs_evppi_n_terms(P, K) = 1 +
 * P (knots - 1) + P (P - 1) / 2 (knots - 1 read as 1 for a straight line):
 * with K >= 100, 5 for P == 1, 10 for P == 2, 16 for P == 3.
 * Singular values below 1e-10 of the largest are dropped (truncated SVD),
 * so constant or collinear columns (a parameter that is a linear function
 * of another repeats the other's columns) are harmless; each column is O(1) (standardised z, spline terms divided by
 * the squared knot span), so the tolerance is relative to well-scaled
 * columns.
 *
 * Bias: a flexible fit also fits noise, which biases EVPPI upwards by about
 * sd(INB) * sqrt(terms / K) in the worst case; use K >= 20 * terms (K in
 * the thousands is typical). The estimate is clamped to [0, EVPI] (EVPPI of
 * a subset of parameters can never exceed EVPI; a noisy fit can), and
 * *EVPPI_OUT is NAN on error.
 *
 * Returns HFS_ERR_INPUT for the hfs_ceac rules, P == 0, X NULL or not
 * finite, or K <= the number of regression terms (the fit would interpolate
 * and report EVPPI = EVPI); HFS_ERR_NOMEM when memory runs out.
 */
hfs_status hfs_evppi(const double *cost, const double *qaly, size_t K, size_t S,
                     double wtp, const double *X, size_t P, double *evppi_out);

/* Number of regression terms (columns) hfs_evppi uses at most for P
 * parameters and K iterations: 1 + P (n - 1) + P (P - 1) / 2 with n the
 * number of spline knots for K (5, 4, 3; n - 1 read as 1 below K = 10):
 * 5 for P == 1 and K >= 100 (fewer for small K; the fit uses fewer for
 * few distinct values or constant parameters); 0 for P == 0 or P above a
 * million. hfs_evppi needs K greater than this. */
size_t hfs_evppi_n_terms(size_t P, size_t K);

#endif
