/*
 * test_dist.c - PSA parameter distributions (dist.h).
 *
 * Fits are checked against hand-computed native parameters and by round
 * trip (mean/sd in, moments of the fitted distribution out); samplers by
 * the mean of 20000 draws (mt19937, seed 1: deterministic, never flaky)
 * within 4 Monte Carlo standard errors of the analytic mean.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "hfsim/dist.h"

#define DNAN ((double)NAN)
#define DINF ((double)INFINITY)

#define assert_close(actual, expected, tol)                                 \
  do {                                                                      \
    double a_ = (actual), e_ = (expected), t_ = (tol);                      \
    if (isnan(e_) ? !isnan(a_) : !(fabs(a_ - e_) <= t_))                    \
      fail_msg("%s = %.17g, expected %.17g (tol %g)", #actual, a_, e_, t_); \
  } while (0)

#define N_DRAWS 20000

static hfs_dist_fitted fit_ok(hfs_dist d, double a, double b, double low,
                              double high, double value)
{
  hfs_dist_fitted f;
  char why[200];
  hfs_status st = hfs_dist_fit(d, a, b, low, high, value, &f, why, sizeof why);
  if (st != HFS_OK)
    fail_msg("fit failed: %s", why);
  return f;
}

/* beta_mean_sd mean 0.3, sd 0.1: k = 0.3*0.7/0.01 - 1 = 20,
 * alpha = 0.3*20 = 6, beta = 0.7*20 = 14. */
static void fit_beta_mean_sd_by_moments(void **state)
{
  (void)state;
  hfs_dist_fitted f = fit_ok(HFS_DIST_BETA_MEAN_SD, 0.3, 0.1, DNAN, DNAN, 0);
  assert_int_equal(f.dist, HFS_DIST_BETA);
  assert_int_equal(f.given, HFS_DIST_BETA_MEAN_SD);
  assert_close(f.p.beta.alpha, 6, 1e-12);
  assert_close(f.p.beta.beta, 14, 1e-12);
  assert_close(hfs_dist_mean(&f), 0.3, 1e-15);
  assert_close(hfs_dist_sd(&f), 0.1, 1e-15);
}

/* gamma_mean_sd mean 2000, sd 500: shape = 2000^2/500^2 = 16,
 * scale = 500^2/2000 = 125. */
static void fit_gamma_mean_sd_by_moments(void **state)
{
  (void)state;
  hfs_dist_fitted f = fit_ok(HFS_DIST_GAMMA_MEAN_SD, 2000, 500, DNAN, DNAN, 0);
  assert_int_equal(f.dist, HFS_DIST_GAMMA);
  assert_close(f.p.gamma.shape, 16, 1e-12);
  assert_close(f.p.gamma.scale, 125, 1e-10);
  assert_close(hfs_dist_mean(&f), 2000, 1e-9);
  assert_close(hfs_dist_sd(&f), 500, 1e-9);
}

/* lognormal_mean_sd mean 10, sd 5: sdlog^2 = log(1 + 0.25),
 * sdlog = 0.47238072707743883, meanlog = log 10 - log(1.25)/2
 * = 2.191013317336941. */
static void fit_lognormal_mean_sd_by_moments(void **state)
{
  (void)state;
  hfs_dist_fitted f = fit_ok(HFS_DIST_LOGNORMAL_MEAN_SD, 10, 5, DNAN, DNAN, 0);
  assert_int_equal(f.dist, HFS_DIST_LOGNORMAL);
  assert_close(f.p.lognormal.sdlog, 0.47238072707743883, 1e-14);
  assert_close(f.p.lognormal.meanlog, 2.191013317336941, 1e-14);
  assert_close(hfs_dist_mean(&f), 10, 1e-12);
  assert_close(hfs_dist_sd(&f), 5, 1e-12);
}

/* Round trips over a grid, including extreme coefficients of variation. */
static void fit_mean_sd_forms_round_trip_on_a_grid(void **state)
{
  (void)state;
  const double means01[] = {1e-4, 0.02, 0.5, 0.77, 0.9999};
  const double fracs[] = {1e-3, 0.1, 0.5, 0.99};
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 4; j++) {
      double m = means01[i], sd = sqrt(fracs[j] * m * (1 - m));
      hfs_dist_fitted f = fit_ok(HFS_DIST_BETA_MEAN_SD, m, sd, 0, 0, 0);
      assert_close(hfs_dist_mean(&f), m, 1e-12 * m);
      assert_close(hfs_dist_sd(&f), sd, 1e-10 * sd);
    }
  const double means[] = {1e-6, 0.3, 1, 250, 1e7};
  const double cvs[] = {1e-4, 0.2, 1, 5};
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 4; j++) {
      double m = means[i], sd = cvs[j] * m;
      hfs_dist_fitted g = fit_ok(HFS_DIST_GAMMA_MEAN_SD, m, sd, 0, 0, 0);
      assert_close(hfs_dist_mean(&g), m, 1e-12 * m);
      assert_close(hfs_dist_sd(&g), sd, 1e-12 * sd);
      hfs_dist_fitted l = fit_ok(HFS_DIST_LOGNORMAL_MEAN_SD, m, sd, 0, 0, 0);
      assert_close(hfs_dist_mean(&l), m, 1e-12 * m);
      assert_close(hfs_dist_sd(&l), sd, 1e-9 * sd);
    }
}

/* Native families keep their parameters; analytic moments by hand:
 *   uniform(2, 5)            mean 3.5, sd 3/sqrt(12) = 0.8660254037844386
 *   triangular(1, 4, mode 2) mean 7/3, sd sqrt((1+16+4-4-2-8)/18) = sqrt(7/18)
 *   truncnormal(0, 1, [-1,2]) mean 0.22963717909132897,
 *                             sd 0.7209455868590458 (closed form, computed
 *                             with erfc to double precision)
 *   truncnormal(0, 1, [5, 6]) mean 5.183147090477162, sd 0.17161710511643963
 *   truncnormal(0,1,[3,inf)) mean 3.283098654930434
 *   truncnormal(0,1,[0,inf)) mean sqrt(2/pi) = 0.7978845608028654 */
static void fit_native_families_and_moments(void **state)
{
  (void)state;
  hfs_dist_fitted f = fit_ok(HFS_DIST_BETA, 2, 3, DNAN, DNAN, 0.4);
  assert_int_equal(f.dist, HFS_DIST_BETA);
  assert_close(hfs_dist_mean(&f), 0.4, 1e-15);
  assert_close(hfs_dist_sd(&f), 0.2, 1e-15); /* sqrt(6/(25*6)) */
  f = fit_ok(HFS_DIST_UNIFORM, 2, 5, DNAN, DNAN, 3);
  assert_close(hfs_dist_mean(&f), 3.5, 0);
  assert_close(hfs_dist_sd(&f), 0.8660254037844386, 1e-15);
  f = fit_ok(HFS_DIST_TRIANGULAR, 1, 4, DNAN, DNAN, 2);
  assert_close(f.p.triangular.mode, 2, 0);
  assert_close(hfs_dist_mean(&f), 7.0 / 3.0, 1e-15);
  assert_close(hfs_dist_sd(&f), sqrt(7.0 / 18.0), 1e-15);
  f = fit_ok(HFS_DIST_TRUNCNORMAL, 0, 1, -1, 2, 0);
  assert_close(hfs_dist_mean(&f), 0.22963717909132897, 1e-13);
  assert_close(hfs_dist_sd(&f), 0.7209455868590458, 1e-13);
  f = fit_ok(HFS_DIST_TRUNCNORMAL, 0, 1, 5, 6, 5.5);
  assert_close(hfs_dist_mean(&f), 5.183147090477162, 1e-9);
  assert_close(hfs_dist_sd(&f), 0.17161710511643963, 1e-9);
  f = fit_ok(HFS_DIST_TRUNCNORMAL, 0, 1, 3, DINF, 4);
  assert_close(hfs_dist_mean(&f), 3.283098654930434, 1e-9);
  f = fit_ok(HFS_DIST_TRUNCNORMAL, 0, 1, 0, DINF, 1);
  assert_close(hfs_dist_mean(&f), 0.7978845608028654, 1e-13);
  f = fit_ok(HFS_DIST_FIXED, DNAN, DNAN, DNAN, DNAN, 0.125);
  assert_close(hfs_dist_mean(&f), 0.125, 0);
  assert_close(hfs_dist_sd(&f), 0, 0);
  f = fit_ok(HFS_DIST_DIRICHLET, 3, DNAN, DNAN, DNAN, 0.3);
  assert_close(f.p.dirichlet.alpha, 3, 0);
  assert_true(isnan(hfs_dist_mean(&f)));
  assert_true(isnan(hfs_dist_sd(&f)));
}

typedef struct bad_case {
  hfs_dist d;
  double a, b, low, high, value;
  const char *why_contains;
} bad_case;

/* Every rule of hfs_dist_fit, broken once; the reason must say which. */
static void fit_rejects_each_invalid_case_with_reason(void **state)
{
  (void)state;
  const bad_case cases[] = {
      {HFS_DIST_BETA_MEAN_SD, 0.3, 0.5, DNAN, DNAN, 0,
       "beta_mean_sd needs sd below sqrt(mean*(1-mean)) = 0.4583, got sd 0.5"},
      {HFS_DIST_BETA_MEAN_SD, 0.5, 0.5, DNAN, DNAN, 0,
       "sd below sqrt(mean*(1-mean)) = 0.5, got sd 0.5"},
      {HFS_DIST_BETA_MEAN_SD, 0, 0.1, DNAN, DNAN, 0, "0 < mean < 1 (got 0)"},
      {HFS_DIST_BETA_MEAN_SD, 1.2, 0.1, DNAN, DNAN, 0, "0 < mean < 1"},
      {HFS_DIST_BETA_MEAN_SD, 0.3, 0, DNAN, DNAN, 0, "sd > 0 (got 0)"},
      {HFS_DIST_BETA, 0, 2, DNAN, DNAN, 0, "beta needs alpha > 0 and beta > 0"},
      {HFS_DIST_BETA, 2, -1, DNAN, DNAN, 0, "(got 2 and -1)"},
      {HFS_DIST_BETA, DNAN, 2, DNAN, DNAN, 0, "beta needs a finite dist_a"},
      {HFS_DIST_BETA, 2, DINF, DNAN, DNAN, 0, "beta needs a finite dist_b"},
      {HFS_DIST_GAMMA, 0, 1, DNAN, DNAN, 0, "gamma needs shape > 0"},
      {HFS_DIST_GAMMA, 1, -3, DNAN, DNAN, 0, "scale > 0 (got 1 and -3)"},
      {HFS_DIST_GAMMA_MEAN_SD, -5, 1, DNAN, DNAN, 0,
       "gamma_mean_sd needs mean > 0 and sd > 0 (got -5 and 1)"},
      {HFS_DIST_GAMMA_MEAN_SD, 5, 0, DNAN, DNAN, 0, "gamma_mean_sd needs"},
      {HFS_DIST_LOGNORMAL, 0, 0, DNAN, DNAN, 0, "lognormal needs sdlog > 0"},
      {HFS_DIST_LOGNORMAL_MEAN_SD, 0, 1, DNAN, DNAN, 0,
       "lognormal_mean_sd needs mean > 0 and sd > 0"},
      {HFS_DIST_LOGNORMAL_MEAN_SD, 2, -1, DNAN, DNAN, 0, "(got 2 and -1)"},
      {HFS_DIST_NORMAL, 1, 0, DNAN, DNAN, 0, "normal needs sd > 0 (got 0)"},
      {HFS_DIST_TRUNCNORMAL, 1, -1, 0, 2, 1, "truncnormal needs sd > 0"},
      {HFS_DIST_TRUNCNORMAL, 1, 1, 2, 2, 2, "low < high (got 2 and 2)"},
      {HFS_DIST_TRUNCNORMAL, 1, 1, 3, 2, 2, "low < high (got 3 and 2)"},
      {HFS_DIST_TRUNCNORMAL, 1, 1, DNAN, 2, 1, "needs both low and high"},
      {HFS_DIST_UNIFORM, 5, 5, DNAN, DNAN, 5, "uniform needs min < max"},
      {HFS_DIST_UNIFORM, 5, 1, DNAN, DNAN, 3, "(got 5 and 1)"},
      {HFS_DIST_TRIANGULAR, 1, 1, DNAN, DNAN, 1, "triangular needs min < max"},
      {HFS_DIST_TRIANGULAR, 1, 4, DNAN, DNAN, 5,
       "min <= value (mode) <= max (got 1, 5, 4)"},
      {HFS_DIST_TRIANGULAR, 1, 4, DNAN, DNAN, 0.5, "(got 1, 0.5, 4)"},
      {HFS_DIST_DIRICHLET, 0, DNAN, DNAN, DNAN, 0.5,
       "dirichlet needs alpha > 0"},
      {HFS_DIST_DIRICHLET, 2, 1, DNAN, DNAN, 0.5, "dirichlet takes no dist_b"},
      {HFS_DIST_FIXED, 1, DNAN, DNAN, DNAN, 0.5, "fixed takes no parameters"},
      {HFS_DIST_FIXED, DNAN, 1, DNAN, DNAN, 0.5, "fixed takes no dist_b"},
      {HFS_DIST_FIXED, DNAN, DNAN, DNAN, DNAN, DINF, "fixed needs a finite"},
      {HFS_DIST_COUNT_, 1, 1, DNAN, DNAN, 0, "unknown distribution"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const bad_case *c = &cases[i];
    hfs_dist_fitted f;
    char why[200];
    hfs_status st = hfs_dist_fit(c->d, c->a, c->b, c->low, c->high, c->value,
                                 &f, why, sizeof why);
    if (st != HFS_ERR_INPUT)
      fail_msg("case %zu accepted (status %d)", i, (int)st);
    if (strstr(why, c->why_contains) == NULL)
      fail_msg("case %zu: reason '%s' lacks '%s'", i, why, c->why_contains);
  }
}

static void fit_reason_buffer_is_optional_and_truncated(void **state)
{
  (void)state;
  hfs_dist_fitted f;
  char why[8];
  assert_int_equal(hfs_dist_fit(HFS_DIST_NORMAL, 0, -1, 0, 0, 0, &f, NULL, 0),
                   HFS_ERR_INPUT);
  assert_int_equal(
      hfs_dist_fit(HFS_DIST_NORMAL, 0, -1, 0, 0, 0, &f, why, sizeof why),
      HFS_ERR_INPUT);
  assert_string_equal(why, "normal ");
  assert_int_equal(
      hfs_dist_fit(HFS_DIST_NORMAL, 0, 1, 0, 0, 0, &f, why, sizeof why),
      HFS_OK);
  assert_string_equal(why, "");
}

/* Mean of N_DRAWS draws within 4 standard errors of the analytic mean, and
 * the sample sd within 5 % of the analytic sd (> 6 of its own standard
 * errors for these shapes). Returns the minimum and maximum drawn. */
static void check_draws(const hfs_dist_fitted *f, gsl_rng *r, double *min_out,
                        double *max_out)
{
  double mu = hfs_dist_mean(f), sd = hfs_dist_sd(f);
  double sum = 0, sum2 = 0, lo = DINF, hi = -DINF;
  for (int i = 0; i < N_DRAWS; i++) {
    double x = hfs_dist_sample(f, r);
    assert_true(isfinite(x));
    sum += x;
    sum2 += (x - mu) * (x - mu);
    lo = fmin(lo, x);
    hi = fmax(hi, x);
  }
  double mean = sum / N_DRAWS, se = sd / sqrt(N_DRAWS);
  if (!(fabs(mean - mu) <= 4 * se))
    fail_msg("%d: sample mean %.10g, analytic %.10g, 4 SE = %.3g",
             (int)f->given, mean, mu, 4 * se);
  double sd_hat = sqrt(sum2 / N_DRAWS);
  if (!(fabs(sd_hat - sd) <= 0.05 * sd))
    fail_msg("%d: sample sd %.10g, analytic %.10g", (int)f->given, sd_hat, sd);
  if (min_out)
    *min_out = lo;
  if (max_out)
    *max_out = hi;
}

static gsl_rng *test_rng(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  assert_non_null(r);
  gsl_rng_set(r, 1);
  return r;
}

static void sample_means_match_analytic_means(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  double lo, hi;
  hfs_dist_fitted f = fit_ok(HFS_DIST_BETA_MEAN_SD, 0.3, 0.1, 0, 0, 0);
  check_draws(&f, r, &lo, &hi);
  assert_true(lo > 0 && hi < 1);
  f = fit_ok(HFS_DIST_BETA, 0.5, 0.5, 0, 0, 0); /* U-shaped */
  check_draws(&f, r, NULL, NULL);
  f = fit_ok(HFS_DIST_GAMMA_MEAN_SD, 2000, 500, 0, 0, 0);
  check_draws(&f, r, &lo, NULL);
  assert_true(lo > 0);
  f = fit_ok(HFS_DIST_GAMMA, 0.7, 3, 0, 0, 0); /* shape < 1 */
  check_draws(&f, r, NULL, NULL);
  f = fit_ok(HFS_DIST_LOGNORMAL_MEAN_SD, 10, 5, 0, 0, 0);
  check_draws(&f, r, &lo, NULL);
  assert_true(lo > 0);
  f = fit_ok(HFS_DIST_LOGNORMAL, -1, 0.3, 0, 0, 0);
  check_draws(&f, r, NULL, NULL);
  f = fit_ok(HFS_DIST_NORMAL, 5, 2, 0, 0, 0);
  check_draws(&f, r, NULL, NULL);
  f = fit_ok(HFS_DIST_UNIFORM, 2, 5, 0, 0, 0);
  check_draws(&f, r, &lo, &hi);
  assert_true(lo >= 2 && hi < 5);
  const double modes[] = {1, 2, 4}; /* mode at min, inside, at max */
  for (int i = 0; i < 3; i++) {
    f = fit_ok(HFS_DIST_TRIANGULAR, 1, 4, 0, 0, modes[i]);
    check_draws(&f, r, &lo, &hi);
    assert_true(lo >= 1 && hi <= 4);
  }
  gsl_rng_free(r);
}

/* Truncated normals: inside, both tails and half-infinite intervals. Far
 * tails are where naive inversion (P near 1) or rejection fails. */
static void truncnormal_draws_stay_inside_bounds(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  const double bounds[][2] = {
      {-1, 2},   {5, 6},       {-8, -7},         {0, DINF},
      {3, DINF}, {-DINF, -20}, {1.5, 1.5000001},
  };
  for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
    double lo_b = bounds[i][0], hi_b = bounds[i][1], lo, hi;
    hfs_dist_fitted f = fit_ok(HFS_DIST_TRUNCNORMAL, 0, 1, lo_b, hi_b, 0);
    if (hi_b - lo_b < 1e-3) {
      /* Essentially a point: just the bounds, sd is ~ 3e-8. */
      for (int k = 0; k < 1000; k++) {
        double x = hfs_dist_sample(&f, r);
        assert_true(x >= lo_b && x <= hi_b);
      }
      continue;
    }
    check_draws(&f, r, &lo, &hi);
    if (!(lo >= lo_b && hi <= hi_b))
      fail_msg("[%g, %g]: drew %g .. %g", lo_b, hi_b, lo, hi);
  }
  /* Same shape away from 0 and scaled: cost-like parameter. */
  hfs_dist_fitted f = fit_ok(HFS_DIST_TRUNCNORMAL, 1000, 400, 0, 1500, 1000);
  double lo, hi;
  check_draws(&f, r, &lo, &hi);
  assert_true(lo >= 0 && hi <= 1500);
  gsl_rng_free(r);
}

/* Beyond ~38 sd the interval's probability underflows to 0; the sampler
 * then returns the bound nearer the mean instead of NaN or looping. */
static void
truncnormal_far_tails_sample_right_or_return_near_bound(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  hfs_dist_fitted up = fit_ok(HFS_DIST_TRUNCNORMAL, 0, 1, 40, 41, 40);
  hfs_dist_fitted down = fit_ok(HFS_DIST_TRUNCNORMAL, 0, 1, -41, -40, -40);
  hfs_dist_fitted t35 = fit_ok(HFS_DIST_TRUNCNORMAL, 0, 1, 35, 36, 35);
  for (int k = 0; k < 1000; k++) {
    assert_close(hfs_dist_sample(&up, r), 40, 0);
    assert_close(hfs_dist_sample(&down, r), -40, 0);
  }
  /* At 35 sd the mass (~1e-268) is still representable: the draws must
   * have the right shape (mean ~ 35 + 1/35), not pile up at a bound. */
  double lo, hi;
  check_draws(&t35, r, &lo, &hi);
  assert_true(lo >= 35 && hi <= 36);
  assert_close(hfs_dist_mean(&t35), 35.0285, 0.0005);
  gsl_rng_free(r);
}

static void fixed_and_dirichlet_component_samples(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  hfs_dist_fitted f = fit_ok(HFS_DIST_FIXED, DNAN, DNAN, 0, 1, 0.625);
  assert_close(hfs_dist_sample(&f, r), 0.625, 0);
  f = fit_ok(HFS_DIST_DIRICHLET, 2, DNAN, DNAN, DNAN, 0.5);
  assert_true(isnan(hfs_dist_sample(&f, r)));
  gsl_rng_free(r);
}

/* Dirichlet(2, 3, 5): component means alpha_i / 10 = 0.2, 0.3, 0.5;
 * variances alpha_i (10 - alpha_i) / (100 * 11). */
static void dirichlet_draws_sum_to_one_with_right_means(void **state)
{
  (void)state;
  gsl_rng *r = test_rng();
  const double alpha[3] = {2, 3, 5};
  double sum[3] = {0, 0, 0}, x[3];
  for (int i = 0; i < N_DRAWS; i++) {
    hfs_dist_sample_dirichlet(alpha, 3, r, x);
    assert_true(x[0] >= 0 && x[1] >= 0 && x[2] >= 0);
    assert_close(x[0] + x[1] + x[2], 1, 1e-12);
    for (int j = 0; j < 3; j++)
      sum[j] += x[j];
  }
  for (int j = 0; j < 3; j++) {
    double mean = alpha[j] / 10, var = alpha[j] * (10 - alpha[j]) / 1100;
    assert_close(sum[j] / N_DRAWS, mean, 4 * sqrt(var / N_DRAWS));
  }
  gsl_rng_free(r);
}

int main(void)
{
  gsl_set_error_handler_off();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fit_beta_mean_sd_by_moments),
      cmocka_unit_test(fit_gamma_mean_sd_by_moments),
      cmocka_unit_test(fit_lognormal_mean_sd_by_moments),
      cmocka_unit_test(fit_mean_sd_forms_round_trip_on_a_grid),
      cmocka_unit_test(fit_native_families_and_moments),
      cmocka_unit_test(fit_rejects_each_invalid_case_with_reason),
      cmocka_unit_test(fit_reason_buffer_is_optional_and_truncated),
      cmocka_unit_test(sample_means_match_analytic_means),
      cmocka_unit_test(truncnormal_draws_stay_inside_bounds),
      cmocka_unit_test(truncnormal_far_tails_sample_right_or_return_near_bound),
      cmocka_unit_test(fixed_and_dirichlet_component_samples),
      cmocka_unit_test(dirichlet_draws_sum_to_one_with_right_means),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
