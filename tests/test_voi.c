/*
 * test_voi.c - CEAC, EVPI and EVPPI (voi.h).
 *
 * Small examples are worked out by hand in comments. They are built from a
 * table of NMBs: QALYs are multiples of 1/8 and costs = wtp*q - NMB, so
 * wtp*q - cost gives the NMB back exactly and ties stay ties.
 * Larger cases use mt19937 with seed 1 (deterministic).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "hfsim/voi.h"

#define DNAN ((double)NAN)

#define assert_close(actual, expected, tol)                                 \
  do {                                                                      \
    double a_ = (actual), e_ = (expected), t_ = (tol);                      \
    if (isnan(e_) ? !isnan(a_) : !(fabs(a_ - e_) <= t_))                    \
      fail_msg("%s = %.17g, expected %.17g (tol %g)", #actual, a_, e_, t_); \
  } while (0)

/* cost/qaly (K x S) whose NMB at WTP is exactly NMB[k*S + s]. */
static void from_nmb(const double *nmb, size_t K, size_t S, double wtp,
                     double *cost, double *qaly)
{
  for (size_t i = 0; i < K * S; i++) {
    qaly[i] = 1 + 0.125 * (double)(i % 7); /* varied, exact in binary */
    cost[i] = wtp * qaly[i] - nmb[i];
  }
}

static gsl_rng *test_rng(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  assert_non_null(r);
  gsl_rng_set(r, 1);
  return r;
}

/*--- CEAC and EVPI ---*/

/*
 * 5 iterations x 3 strategies, wtp 1000, NMB:
 *
 *   k    s0   s1   s2   best
 *   0   100  200  150    1
 *   1   300  100  250    0
 *   2   200  200  100    0  (tie 0/1 -> lower index)
 *   3    50   60   70    2
 *   4   100  400    0    1
 *
 * prob_ce = (2/5, 2/5, 1/5) = (0.4, 0.4, 0.2).
 * mean NMB = (750/5, 960/5, 570/5) = (150, 192, 114) -> frontier 1.
 * EVPI = mean of row maxima - 192 = (200+300+200+70+400)/5 - 192
 *      = 234 - 192 = 42.
 */
static const double nmb_5x3[] = {100, 200, 150, 300, 100, 250, 200, 200,
                                 100, 50,  60,  70,  100, 400, 0};

static void ceac_counts_winners_with_ties_to_lower_index(void **state)
{
  (void)state;
  double cost[15], qaly[15], prob[3];
  size_t frontier = 99;
  from_nmb(nmb_5x3, 5, 3, 1000, cost, qaly);
  assert_int_equal(hfs_ceac(cost, qaly, 5, 3, 1000, prob, &frontier), HFS_OK);
  assert_close(prob[0], 0.4, 1e-15);
  assert_close(prob[1], 0.4, 1e-15);
  assert_close(prob[2], 0.2, 1e-15);
  assert_int_equal(frontier, 1);
  assert_int_equal(hfs_ceac(cost, qaly, 5, 3, 1000, prob, NULL), HFS_OK);
}

static void evpi_matches_hand_computation(void **state)
{
  (void)state;
  double cost[15], qaly[15];
  from_nmb(nmb_5x3, 5, 3, 1000, cost, qaly);
  assert_close(hfs_evpi(cost, qaly, 5, 3, 1000), 42, 1e-9);
}

/*
 * The CEAF strategy need not be the one most often cost-effective.
 * 2 strategies, wtp 1000, NMB_0 = 0, NMB_1 = (1, 1, 1, -10, -10):
 * prob_ce = (0.4, 0.6); mean NMB_1 = -17/5 = -3.4 < 0 -> frontier 0.
 * EVPI = mean max(0, NMB_1) - 0 = 3/5 = 0.6.
 */
static void ceac_frontier_is_max_expected_nmb_not_max_probability(void **state)
{
  (void)state;
  const double nmb[] = {0, 1, 0, 1, 0, 1, 0, -10, 0, -10};
  double cost[10], qaly[10], prob[2];
  size_t frontier = 99;
  from_nmb(nmb, 5, 2, 1000, cost, qaly);
  assert_int_equal(hfs_ceac(cost, qaly, 5, 2, 1000, prob, &frontier), HFS_OK);
  assert_close(prob[0], 0.4, 1e-15);
  assert_close(prob[1], 0.6, 1e-15);
  assert_int_equal(frontier, 0);
  assert_close(hfs_evpi(cost, qaly, 5, 2, 1000), 0.6, 1e-12);
}

/* wtp = 0: NMB = -cost, the cheapest wins. With costs (k, s):
 *   (10, 20), (30, 5), (7, 7): winners 0, 1, 0 (tie) -> (2/3, 1/3);
 *   mean costs (47/3, 32/3) -> frontier 1; EVPI = mean(-min cost) + 32/3 =
 *   -(10 + 5 + 7)/3 + 32/3 = 10/3. */
static void ceac_at_zero_wtp_prefers_cheapest(void **state)
{
  (void)state;
  const double cost[] = {10, 20, 30, 5, 7, 7};
  const double qaly[] = {1, 9, 1, 9, 1, 9};
  double prob[2];
  size_t frontier;
  assert_int_equal(hfs_ceac(cost, qaly, 3, 2, 0, prob, &frontier), HFS_OK);
  assert_close(prob[0], 2.0 / 3.0, 1e-15);
  assert_close(prob[1], 1.0 / 3.0, 1e-15);
  assert_int_equal(frontier, 1);
  assert_close(hfs_evpi(cost, qaly, 3, 2, 0), 10.0 / 3.0, 1e-12);
}

static void evpi_of_single_strategy_is_zero(void **state)
{
  (void)state;
  const double cost[] = {1, 2, 3};
  const double qaly[] = {0.5, 0.25, 1};
  double prob[1];
  size_t frontier;
  assert_close(hfs_evpi(cost, qaly, 3, 1, 20000), 0, 0);
  assert_int_equal(hfs_ceac(cost, qaly, 3, 1, 20000, prob, &frontier), HFS_OK);
  assert_close(prob[0], 1, 0);
  assert_int_equal(frontier, 0);
}

static void ceac_and_evpi_reject_invalid_input(void **state)
{
  (void)state;
  const double cost[] = {1, 2, 3, 4};
  const double qaly[] = {1, 2, DNAN, 4};
  const double good_q[] = {1, 2, 3, 4};
  double prob[2];
  assert_int_equal(hfs_ceac(cost, good_q, 0, 2, 1, prob, NULL), HFS_ERR_INPUT);
  assert_int_equal(hfs_ceac(cost, good_q, 2, 0, 1, prob, NULL), HFS_ERR_INPUT);
  assert_int_equal(hfs_ceac(NULL, good_q, 2, 2, 1, prob, NULL), HFS_ERR_INPUT);
  assert_int_equal(hfs_ceac(cost, good_q, 2, 2, 1, NULL, NULL), HFS_ERR_INPUT);
  assert_int_equal(hfs_ceac(cost, qaly, 2, 2, 1, prob, NULL), HFS_ERR_INPUT);
  assert_int_equal(hfs_ceac(cost, good_q, 2, 2, -1, prob, NULL), HFS_ERR_INPUT);
  assert_int_equal(hfs_ceac(cost, good_q, 2, 2, DNAN, prob, NULL),
                   HFS_ERR_INPUT);
  assert_true(isnan(hfs_evpi(cost, qaly, 2, 2, 1)));
  assert_true(isnan(hfs_evpi(cost, good_q, 0, 2, 1)));
  assert_true(isnan(hfs_evpi(cost, good_q, 2, 2, -5)));
}

/*--- EVPPI: hand-computable cases ---*/

/*
 * Two strategies, K = 4, one binary parameter; NMB_0 = 0, INB = NMB_1:
 *
 *   k   x   INB
 *   0   0   -3
 *   1   0   -1     mean INB | x=0 = -2
 *   2   1   -1
 *   3   1    7     mean INB | x=1 =  3
 *
 * K < 10 -> straight line, which through two x values fits the group means.
 * mean INB = 0.5.
 * EVPPI = mean max(0, g) - max(0, 0.5) = (0+0+3+3)/4 - 0.5 = 1.0
 * EVPI  = mean max(0, INB) - 0.5      = (0+0+0+7)/4 - 0.5 = 1.25
 */
static void evppi_binary_parameter_by_hand(void **state)
{
  (void)state;
  const double nmb[] = {0, -3, 0, -1, 0, -1, 0, 7};
  const double x[] = {0, 0, 1, 1};
  double cost[8], qaly[8], e;
  from_nmb(nmb, 4, 2, 1000, cost, qaly);
  assert_close(hfs_evpi(cost, qaly, 4, 2, 1000), 1.25, 1e-12);
  assert_int_equal(hfs_evppi(cost, qaly, 4, 2, 1000, x, 1, &e), HFS_OK);
  assert_close(e, 1.0, 1e-9);
}

/*
 * Two binary parameters, two iterations per cell, K = 8:
 *
 *   x1 x2  INB        cell mean
 *    0  0  -4, -2       -3
 *    1  0   1,  3        2
 *    0  1  -1,  3        1
 *    1  1   2,  6        4
 *
 * mean INB = 8/8 = 1; EVPI = (0+0+1+3+0+3+2+6)/8 - 1 = 15/8 - 1 = 0.875.
 * {x1, x2}: K < 10, so each parameter enters as a straight line; the
 *   group basis is 1, x1, x2 and the product x1*x2 (of the standardised
 *   values, the same span): saturated on the 2 x 2 cells, fitted = cell
 *   means.
 *   EVPPI = (0+0+2+2+1+1+4+4)/8 - 1 = 14/8 - 1 = 0.75.
 * x1 alone: means -1 (x1=0: -4,-2,-1,3) and 3 (x1=1: 1,3,2,6);
 *   EVPPI = (4*3)/8 - 1 = 0.5.
 * x2 alone: means -0.5 (x2=0) and 2.5 (x2=1); EVPPI = (4*2.5)/8 - 1 = 0.25.
 */
static void evppi_two_binary_parameters_by_hand(void **state)
{
  (void)state;
  const double x12[] = {0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1};
  const double inb[] = {-4, -2, 1, 3, -1, 3, 2, 6};
  double nmb[16], cost[16], qaly[16], x1[8], x2[8], e;
  for (int k = 0; k < 8; k++) {
    nmb[2 * k] = 0;
    nmb[2 * k + 1] = inb[k];
    x1[k] = x12[2 * k];
    x2[k] = x12[2 * k + 1];
  }
  from_nmb(nmb, 8, 2, 1000, cost, qaly);
  assert_close(hfs_evpi(cost, qaly, 8, 2, 1000), 0.875, 1e-12);
  assert_int_equal(hfs_evppi(cost, qaly, 8, 2, 1000, x12, 2, &e), HFS_OK);
  assert_close(e, 0.75, 1e-9);
  assert_int_equal(hfs_evppi(cost, qaly, 8, 2, 1000, x1, 1, &e), HFS_OK);
  assert_close(e, 0.5, 1e-9);
  assert_int_equal(hfs_evppi(cost, qaly, 8, 2, 1000, x2, 1, &e), HFS_OK);
  assert_close(e, 0.25, 1e-9);
}

/*
 * A parameter with three values, four iterations each (K = 12): three knots
 * at the 0.1, 0.5, 0.9 quantiles = the three values, so the spline (1, x,
 * one cubic term) is saturated and fits the group means.
 *
 *   x   INB              mean
 *   0   -5, -3, -2, -2    -3
 *   1    0,  2, -1,  3     1
 *   2    4,  1,  2,  1     2
 *
 * mean INB = 0. EVPPI = (4*1 + 4*2)/12 - 0 = 1.
 * EVPI = (2 + 3 + 4 + 1 + 2 + 1)/12 - 0 = 13/12.
 */
static void
evppi_spline_fits_group_means_of_three_valued_parameter(void **state)
{
  (void)state;
  const double inb[] = {-5, -3, -2, -2, 0, 2, -1, 3, 4, 1, 2, 1};
  double nmb[24], cost[24], qaly[24], x[12], e;
  for (int k = 0; k < 12; k++) {
    nmb[2 * k] = 0;
    nmb[2 * k + 1] = inb[k];
    x[k] = (double)(k / 4);
  }
  from_nmb(nmb, 12, 2, 1000, cost, qaly);
  assert_close(hfs_evpi(cost, qaly, 12, 2, 1000), 13.0 / 12.0, 1e-12);
  assert_int_equal(hfs_evppi(cost, qaly, 12, 2, 1000, x, 1, &e), HFS_OK);
  assert_close(e, 1.0, 1e-9);
}

/*--- EVPPI: behaviour on simulated PSA samples ---*/

#define K_SIM 2000

/*
 * (a) NMB a deterministic linear function of X: knowing X removes all
 * uncertainty, so EVPPI(X) = EVPI. Three strategies at wtp 50000:
 *   s0: cost 1000,          q 10          NMB 499000
 *   s1: cost 1500 + 200 X,  q 10.02+0.01X NMB 499500 + 300 X
 *   s2: cost 2200,          q 10.03-0.005X NMB 499300 - 250 X
 */
static void evppi_equals_evpi_when_nmb_is_linear_in_parameter(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  static double cost[K_SIM * 3], qaly[K_SIM * 3], x[K_SIM];
  for (size_t k = 0; k < K_SIM; k++) {
    x[k] = gsl_ran_ugaussian(r);
    cost[3 * k] = 1000;
    qaly[3 * k] = 10;
    cost[3 * k + 1] = 1500 + 200 * x[k];
    qaly[3 * k + 1] = 10.02 + 0.01 * x[k];
    cost[3 * k + 2] = 2200;
    qaly[3 * k + 2] = 10.03 - 0.005 * x[k];
  }
  double evpi = hfs_evpi(cost, qaly, K_SIM, 3, 50000), e;
  assert_true(evpi > 50); /* a real decision problem, not a trivial one */
  assert_int_equal(hfs_evppi(cost, qaly, K_SIM, 3, 50000, x, 1, &e), HFS_OK);
  assert_close(e, evpi, 1e-6 * evpi);
  gsl_rng_free(r);
}

/* Same with a smooth nonlinear dependence, INB = 1000 (exp(X/2) - 1.2):
 * the spline is not exact (it is linear beyond the outer knots, where exp
 * keeps curving) but must recover almost all of EVPI: within 2 % (over 200
 * seeds the worst shortfall was 1.3 %). */
static void evppi_near_evpi_when_nmb_is_smooth_in_parameter(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  static double cost[K_SIM * 2], qaly[K_SIM * 2], x[K_SIM];
  for (size_t k = 0; k < K_SIM; k++) {
    x[k] = gsl_ran_ugaussian(r);
    cost[2 * k] = 0;
    qaly[2 * k] = 0;
    cost[2 * k + 1] = -1000 * (exp(0.5 * x[k]) - 1.2);
    qaly[2 * k + 1] = 0;
  }
  double evpi = hfs_evpi(cost, qaly, K_SIM, 2, 20000), e;
  assert_int_equal(hfs_evppi(cost, qaly, K_SIM, 2, 20000, x, 1, &e), HFS_OK);
  assert_true(e <= evpi);
  assert_close(e, evpi, 0.02 * evpi);
  gsl_rng_free(r);
}

/* Two parameters acting through an interaction: INB = 100 (X1 + X2 +
 * 0.5 X1 X2) - 20 lies in the span of the group basis (each parameter's
 * spline contains the parameter itself, and the product of the two
 * standardised parameters is a term), so EVPPI({X1, X2}) = EVPI. */
static void evppi_equals_evpi_when_nmb_has_a_pairwise_interaction(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  static double cost[K_SIM * 2], qaly[K_SIM * 2], x[K_SIM * 2];
  for (size_t k = 0; k < K_SIM; k++) {
    double x1 = gsl_ran_ugaussian(r), x2 = gsl_ran_flat(r, 0, 3);
    x[2 * k] = x1;
    x[2 * k + 1] = x2;
    cost[2 * k] = 0;
    qaly[2 * k] = 0;
    cost[2 * k + 1] = -(100 * (x1 + x2 + 0.5 * x1 * x2) - 20);
    qaly[2 * k + 1] = 0;
  }
  double evpi = hfs_evpi(cost, qaly, K_SIM, 2, 30000), e;
  assert_int_equal(hfs_evppi(cost, qaly, K_SIM, 2, 30000, x, 2, &e), HFS_OK);
  assert_close(e, evpi, 1e-6 * evpi);
  gsl_rng_free(r);
}

/* EVPPI of the parameters in index set MASK (bit j = column j of the K x 3
 * matrix x3) into *E. */
static hfs_status evppi_of_subset(const double *cost, const double *qaly,
                                  size_t K, double wtp, const double *x3,
                                  unsigned mask, double *xs, double *e)
{
  size_t P = 0, idx[3];
  for (size_t j = 0; j < 3; j++)
    if (mask >> j & 1u)
      idx[P++] = j;
  for (size_t k = 0; k < K; k++)
    for (size_t j = 0; j < P; j++)
      xs[k * P + j] = x3[k * 3 + idx[j]];
  return hfs_evppi(cost, qaly, K, 2, wtp, xs, P, e);
}

/*
 * Adding a parameter to a group can only add information: EVPPI of a group
 * >= EVPPI of each of its subsets, <= EVPI. INB = 1000 tanh(3 X1) - 100 +
 * N(0, 500) noise; X2 ~ U(0, 1) and X3 ~ Gamma(2, 1) are irrelevant. A
 * quadratic in X1 cannot follow the tanh (its odd part is a straight line),
 * the spline can: the old design (spline alone, quadratic for a group) gave
 * EVPPI {X1} 341.8 but {X1, X2} 254.9. With nested designs (a group's
 * design contains each subset's design) the group's fit is at least as
 * good; the estimate is still not monotone by construction (voi.h), but a
 * decrease is a fraction of the noise, and here every one of the 12 pairs
 * subset < superset of {X1, X2, X3} must be in order, and the irrelevant
 * parameters may add only their noise-fitting bias to X1's value (bound
 * from voi.h: sd(INB) sqrt(added terms / K) = 830 sqrt(11 / 2000) = 62; a
 * tenth of it is allowed, the sample needs 0.15).
 */
static void evppi_of_a_group_is_at_least_evppi_of_its_subsets(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  static double cost[K_SIM * 2], qaly[K_SIM * 2], x[K_SIM * 3], xs[K_SIM * 3];
  for (size_t k = 0; k < K_SIM; k++) {
    double x1 = gsl_ran_ugaussian(r), x2 = gsl_ran_flat(r, 0, 1),
           x3 = gsl_ran_gamma(r, 2, 1);
    x[3 * k] = x1;
    x[3 * k + 1] = x2;
    x[3 * k + 2] = x3;
    cost[2 * k] = 0;
    qaly[2 * k] = 0;
    cost[2 * k + 1] = -(1000 * tanh(3 * x1) - 100 + gsl_ran_gaussian(r, 500));
    qaly[2 * k + 1] = 0;
  }
  double evpi = hfs_evpi(cost, qaly, K_SIM, 2, 1000), e[8];
  e[0] = 0; /* the empty set */
  for (unsigned m = 1; m < 8; m++) {
    assert_int_equal(evppi_of_subset(cost, qaly, K_SIM, 1000, x, m, xs, &e[m]),
                     HFS_OK);
    if (!(e[m] >= 0 && e[m] <= evpi))
      fail_msg("EVPPI of set %u = %g outside [0, EVPI = %g]", m, e[m], evpi);
  }
  /* X1 carries most of EVPI: the problem is not trivial */
  if (!(e[1] > 0.8 * evpi))
    fail_msg("EVPPI {X1} = %g, EVPI = %g", e[1], evpi);
  int pairs = 0;
  for (unsigned sub = 1; sub < 8; sub++)
    for (unsigned sup = sub + 1; sup < 8; sup++)
      if ((sub & sup) == sub) {
        pairs++;
        if (!(e[sup] >= e[sub]))
          fail_msg("EVPPI of set %u = %.6g < EVPPI of its subset %u = %.6g",
                   sup, e[sup], sub, e[sub]);
      }
  assert_int_equal(pairs, 12);
  if (!(e[7] - e[1] <= 6.2))
    fail_msg("EVPPI {X1, X2, X3} = %g, {X1} = %g: more than noise", e[7],
             e[1]);
  gsl_rng_free(r);
}

/*
 * Numerical safety of the group design. INB = 400 X + N(0, 300) noise,
 * X ~ N(0, 1); EVPPI {X} is close to the in-sample oracle mean max(0,
 * 400 x) - max(0, mean 400 x). X in a group with
 *  0 a constant parameter: it adds no column, so the design, the fit and
 *    EVPPI are exactly those of {X};
 *  1 an exact copy of X, 2 the copy 2 X + 1, 3 X times (1 + 1e-13 noise):
 *    the copy's spline columns are collinear with X's (to rounding in 3)
 *    and dropped by the truncated SVD, so all three give the same EVPPI (to
 *    1e-9 relative; without the truncation 3 would fit the rounding noise).
 *    Only the product, X^2 after standardising, is a new column; it may
 *    move EVPPI by its noise-fitting bias, at most 300 sqrt(1 / 2000) = 6.7
 *    (either way: a nested design cannot fit worse, but mean max of the
 *    fitted values is not monotone in the fit; here it moves by -0.05);
 *  4 a parameter with two values (a straight line): within 6.7 too.
 * Each is finite and in [0, EVPI].
 */
static void evppi_group_with_collinear_or_constant_parameters(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  static double cost[K_SIM * 2], qaly[K_SIM * 2], x[K_SIM], x2[K_SIM * 2];
  static double other[4][K_SIM];
  double oracle = 0, mean_g = 0;
  for (size_t k = 0; k < K_SIM; k++) {
    x[k] = gsl_ran_ugaussian(r);
    cost[2 * k] = 0;
    qaly[2 * k] = 0;
    cost[2 * k + 1] = -(400 * x[k] + gsl_ran_gaussian(r, 300));
    qaly[2 * k + 1] = 0;
    other[0][k] = 0.25;
    other[1][k] = x[k];
    other[2][k] = 2 * x[k] + 1;
    other[3][k] = x[k] * (1 + 1e-13 * gsl_ran_ugaussian(r));
    oracle += fmax(0, 400 * x[k]);
    mean_g += 400 * x[k];
  }
  oracle = oracle / K_SIM - fmax(0, mean_g / K_SIM);
  double evpi = hfs_evpi(cost, qaly, K_SIM, 2, 1000), e1, e[5];
  assert_int_equal(hfs_evppi(cost, qaly, K_SIM, 2, 1000, x, 1, &e1), HFS_OK);
  if (!(fabs(e1 - oracle) <= 0.05 * oracle))
    fail_msg("EVPPI {X} %g, oracle %g", e1, oracle);
  for (int o = 0; o < 5; o++) {
    for (size_t k = 0; k < K_SIM; k++) {
      x2[2 * k] = x[k];
      x2[2 * k + 1] = o < 4 ? other[o][k] : (double)(k % 2);
    }
    assert_int_equal(hfs_evppi(cost, qaly, K_SIM, 2, 1000, x2, 2, &e[o]),
                     HFS_OK);
    if (!(e[o] >= 0 && e[o] <= evpi))
      fail_msg("case %d: EVPPI %g outside [0, EVPI %g]", o, e[o], evpi);
    if (!(fabs(e[o] - e1) <= 6.7))
      fail_msg("case %d: EVPPI %g, {X} %g: more than one term's noise", o,
               e[o], e1);
  }
  assert_close(e[0], e1, 1e-9 * e1);
  assert_close(e[2], e[1], 1e-9 * e[1]);
  assert_close(e[3], e[1], 1e-9 * e[1]);
  gsl_rng_free(r);
}

/* (b) Parameters independent of NMB carry no information: EVPPI < 5 % of
 * EVPI with K = 2000 (what remains is the metamodel's noise-fitting bias).
 * INB ~ N(100, 1000): EVPI = 100 Phi(0.1) + 1000 phi(0.1) - 100 ~ 351. */
static void evppi_near_zero_for_independent_parameters(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  static double cost[K_SIM * 2], qaly[K_SIM * 2], x[K_SIM * 3];
  for (size_t k = 0; k < K_SIM; k++) {
    cost[2 * k] = 0;
    qaly[2 * k] = 0;
    cost[2 * k + 1] = -(100 + gsl_ran_gaussian(r, 1000));
    qaly[2 * k + 1] = 0;
    x[3 * k] = gsl_ran_ugaussian(r);
    x[3 * k + 1] = gsl_ran_beta(r, 2, 5);
    x[3 * k + 2] = gsl_ran_gamma(r, 2, 100);
  }
  double evpi = hfs_evpi(cost, qaly, K_SIM, 2, 20000), e1, e3;
  assert_close(evpi, 351, 35); /* 10 % band around the analytic value */
  static double x1[K_SIM];
  for (size_t k = 0; k < K_SIM; k++)
    x1[k] = x[3 * k];
  assert_int_equal(hfs_evppi(cost, qaly, K_SIM, 2, 20000, x1, 1, &e1), HFS_OK);
  assert_int_equal(hfs_evppi(cost, qaly, K_SIM, 2, 20000, x, 3, &e3), HFS_OK);
  if (!(e1 >= 0 && e1 < 0.05 * evpi))
    fail_msg("EVPPI(1 independent) = %g, EVPI = %g", e1, evpi);
  if (!(e3 >= 0 && e3 < 0.05 * evpi))
    fail_msg("EVPPI(3 independent) = %g, EVPI = %g", e3, evpi);
  gsl_rng_free(r);
}

/*
 * Partial information: INB = g(X) + noise with g(X) = 200 + 500 X,
 * X ~ N(0,1), noise N(0, 200) independent of X. True EVPPI(X) =
 * E[max(0, N(200, 500))] - 200 = 200 Phi(0.4) + 500 phi(0.4) - 200 = 115.2.
 * Compare with the in-sample oracle that knows g, mean_k max(0, g(x_k)) -
 * max(0, mean_k g(x_k)), which shares the sample's Monte Carlo error. What
 * remains is the metamodel's estimation error, about sd(noise)/sqrt(K) =
 * 2.8 per coefficient, times ~0.5: 5 % of EVPPI is about 4 of its sds.
 */
static void evppi_recovers_partial_information(void **state)
{
  (void)state;
  enum { K = 5000 };
  gsl_rng *r = test_rng();
  static double cost[K * 2], qaly[K * 2], x[K];
  double oracle = 0, mean_g = 0;
  for (size_t k = 0; k < K; k++) {
    x[k] = gsl_ran_ugaussian(r);
    double g = 200 + 500 * x[k], inb = g + gsl_ran_gaussian(r, 200);
    cost[2 * k] = 0;
    qaly[2 * k] = 0;
    cost[2 * k + 1] = -inb;
    qaly[2 * k + 1] = 0;
    oracle += fmax(0, g);
    mean_g += g;
  }
  oracle = oracle / K - fmax(0, mean_g / K);
  double e, evpi = hfs_evpi(cost, qaly, K, 2, 20000);
  assert_int_equal(hfs_evppi(cost, qaly, K, 2, 20000, x, 1, &e), HFS_OK);
  assert_close(oracle, 115.2, 12); /* the sample itself is sane */
  if (!(fabs(e - oracle) <= 0.05 * oracle))
    fail_msg("EVPPI %g, oracle %g", e, oracle);
  assert_true(e < evpi);
  gsl_rng_free(r);
}

/* On many small noisy problems the estimate always lies in [0, EVPI], even
 * when K is barely above the number of terms (the fit then interpolates
 * noise and the raw estimate can exceed EVPI). */
static void evppi_is_clamped_between_zero_and_evpi(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  double cost[40 * 3], qaly[40 * 3], x[40 * 3];
  int clamped_hi = 0;
  for (int rep = 0; rep < 300; rep++) {
    size_t K = 11 + gsl_rng_uniform_int(r, 30), S = 1 + rep % 3;
    size_t P = 1 + gsl_rng_uniform_int(r, 3);
    if (K <= hfs_evppi_n_terms(P, K))
      K = hfs_evppi_n_terms(P, K) + 1;
    for (size_t i = 0; i < K * S; i++) {
      cost[i] = gsl_ran_gaussian(r, 100);
      qaly[i] = gsl_ran_gaussian(r, 0.01);
    }
    for (size_t i = 0; i < K * P; i++)
      x[i] = gsl_ran_ugaussian(r);
    double evpi = hfs_evpi(cost, qaly, K, S, 10000), e;
    assert_int_equal(hfs_evppi(cost, qaly, K, S, 10000, x, P, &e), HFS_OK);
    if (!(e >= 0 && e <= evpi))
      fail_msg("rep %d: EVPPI %g outside [0, EVPI = %g]", rep, e, evpi);
    clamped_hi += e == evpi && evpi > 0;
  }
  assert_true(clamped_hi > 0); /* the upper clamp was actually exercised */
  gsl_rng_free(r);
}

static void evppi_of_constant_parameter_or_single_strategy_is_zero(void **state)
{
  (void)state;
  double nmb[16], cost[16], qaly[16], x[8], e;
  for (int i = 0; i < 16; i++)
    nmb[i] = (i % 2) ? (double)(i % 5) - 2 : 0;
  for (int k = 0; k < 8; k++)
    x[k] = 0.25;
  from_nmb(nmb, 8, 2, 100, cost, qaly);
  assert_true(hfs_evpi(cost, qaly, 8, 2, 100) > 0);
  assert_int_equal(hfs_evppi(cost, qaly, 8, 2, 100, x, 1, &e), HFS_OK);
  assert_close(e, 0, 0);
  assert_int_equal(hfs_evppi(cost, qaly, 8, 1, 100, x, 1, &e), HFS_OK);
  assert_close(e, 0, 0);
}

static void evppi_rejects_invalid_input(void **state)
{
  (void)state;
  double cost[20] = {0}, qaly[20] = {0}, x[30] = {0}, e = 0;
  /* P = 2 and K < 10: intercept, two straight lines and their product,
   * 4 terms: K = 4 is too few, 5 is enough. */
  assert_int_equal(hfs_evppi_n_terms(2, 6), 4);
  assert_int_equal(hfs_evppi(cost, qaly, 4, 2, 1, x, 2, &e), HFS_ERR_INPUT);
  assert_true(isnan(e));
  assert_int_equal(hfs_evppi(cost, qaly, 5, 2, 1, x, 2, &e), HFS_OK);
  /* P = 1: a line needs K >= 3. */
  assert_int_equal(hfs_evppi_n_terms(1, 2), 2);
  assert_int_equal(hfs_evppi(cost, qaly, 2, 2, 1, x, 1, &e), HFS_ERR_INPUT);
  assert_int_equal(hfs_evppi(cost, qaly, 3, 2, 1, x, 1, &e), HFS_OK);
  assert_int_equal(hfs_evppi(cost, qaly, 8, 2, 1, x, 0, &e), HFS_ERR_INPUT);
  assert_int_equal(hfs_evppi(cost, qaly, 8, 2, 1, NULL, 1, &e), HFS_ERR_INPUT);
  assert_int_equal(hfs_evppi(cost, qaly, 8, 2, 1, x, 1, NULL), HFS_ERR_INPUT);
  assert_int_equal(hfs_evppi(cost, qaly, 8, 2, -1, x, 1, &e), HFS_ERR_INPUT);
  x[3] = DNAN;
  assert_int_equal(hfs_evppi(cost, qaly, 8, 2, 1, x, 1, &e), HFS_ERR_INPUT);
  /* Term counts: 1 + P (knots - 1) + P (P - 1) / 2, the knots growing
   * with K (a straight line, 3, 4, 5 knots: 1, 2, 3, 4 columns each). */
  assert_int_equal(hfs_evppi_n_terms(0, 100), 0);
  assert_int_equal(hfs_evppi_n_terms(1, 9), 2);
  assert_int_equal(hfs_evppi_n_terms(1, 10), 3);
  assert_int_equal(hfs_evppi_n_terms(1, 30), 4);
  assert_int_equal(hfs_evppi_n_terms(1, 100), 5);
  assert_int_equal(hfs_evppi_n_terms(2, 10), 1 + 2 * 2 + 1);
  assert_int_equal(hfs_evppi_n_terms(2, 30), 1 + 2 * 3 + 1);
  assert_int_equal(hfs_evppi_n_terms(2, 100), 1 + 2 * 4 + 1);
  assert_int_equal(hfs_evppi_n_terms(3, 10), 1 + 3 * 2 + 3);
  assert_int_equal(hfs_evppi_n_terms(3, 100), 1 + 3 * 4 + 3);
  assert_int_equal(hfs_evppi_n_terms(10, 100), 1 + 10 * 4 + 45);
}

int main(void)
{
  gsl_set_error_handler_off();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ceac_counts_winners_with_ties_to_lower_index),
      cmocka_unit_test(evpi_matches_hand_computation),
      cmocka_unit_test(ceac_frontier_is_max_expected_nmb_not_max_probability),
      cmocka_unit_test(ceac_at_zero_wtp_prefers_cheapest),
      cmocka_unit_test(evpi_of_single_strategy_is_zero),
      cmocka_unit_test(ceac_and_evpi_reject_invalid_input),
      cmocka_unit_test(evppi_binary_parameter_by_hand),
      cmocka_unit_test(evppi_two_binary_parameters_by_hand),
      cmocka_unit_test(evppi_spline_fits_group_means_of_three_valued_parameter),
      cmocka_unit_test(evppi_equals_evpi_when_nmb_is_linear_in_parameter),
      cmocka_unit_test(evppi_near_evpi_when_nmb_is_smooth_in_parameter),
      cmocka_unit_test(evppi_equals_evpi_when_nmb_has_a_pairwise_interaction),
      cmocka_unit_test(evppi_of_a_group_is_at_least_evppi_of_its_subsets),
      cmocka_unit_test(evppi_group_with_collinear_or_constant_parameters),
      cmocka_unit_test(evppi_near_zero_for_independent_parameters),
      cmocka_unit_test(evppi_recovers_partial_information),
      cmocka_unit_test(evppi_is_clamped_between_zero_and_evpi),
      cmocka_unit_test(evppi_of_constant_parameter_or_single_strategy_is_zero),
      cmocka_unit_test(evppi_rejects_invalid_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
