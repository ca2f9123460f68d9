/*
 * test_discount.c - exact continuous discounting against closed forms and
 * numerical quadrature.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "hfsim/discount.h"

static void factor_is_one_plus_r_to_minus_t(void **state)
{
  (void)state;
  hfs_discount d = hfs_discount_make(0.035);
  assert_close(hfs_discount_factor(&d, 0.0), 1.0, 0.0);
  assert_close(hfs_discount_factor(&d, 10.0), pow(1.035, -10.0), 1e-15);
  assert_close(hfs_discount_factor(&d, 2.385), pow(1.035, -2.385), 1e-15);
}

static void integral_matches_closed_form_and_midpoint_rule(void **state)
{
  (void)state;
  hfs_discount d = hfs_discount_make(0.03);
  double a = 1.25, b = 7.9;
  double exact = (pow(1.03, -a) - pow(1.03, -b)) / log(1.03);
  assert_close(hfs_discount_integral(&d, a, b), exact, 1e-13);
  /* midpoint rule with 10^5 panels: error ~ (b-a) h^2 f''/24 < 1e-10 */
  int n = 100000;
  double h = (b - a) / n, sum = 0;
  for (int i = 0; i < n; i++)
    sum += pow(1.03, -(a + (i + 0.5) * h)) * h;
  assert_close(hfs_discount_integral(&d, a, b), sum, 1e-9);
}

static void zero_rate_gives_plain_durations(void **state)
{
  (void)state;
  hfs_discount d = hfs_discount_make(0.0);
  assert_close(hfs_discount_integral(&d, 2.0, 5.5), 3.5, 0.0);
  assert_close(hfs_discount_factor(&d, 40.0), 1.0, 0.0);
}

static void short_intervals_keep_precision(void **state)
{
  (void)state;
  hfs_discount d = hfs_discount_make(0.03);
  /* one day at t = 30, to 1e-12 relative (the naive difference of two
   * powers would lose about four digits here) */
  double dt = 1.0 / 365.25, t = 30.0;
  /* Simpson's rule: error ~ dt^5 ln(1.03)^4 / 2880, far below 1e-20 */
  double expect =
      dt / 6.0 *
      (pow(1.03, -t) + 4.0 * pow(1.03, -(t + dt / 2)) + pow(1.03, -(t + dt)));
  assert_close(hfs_discount_integral(&d, t, t + dt), expect, 1e-12 * expect);
}

static void empty_reversed_and_infinite_intervals(void **state)
{
  (void)state;
  hfs_discount d = hfs_discount_make(0.05);
  assert_close(hfs_discount_integral(&d, 3.0, 3.0), 0.0, 0.0);
  assert_close(hfs_discount_integral(&d, 3.0, 2.0), 0.0, 0.0);
  /* integral_0^inf (1+r)^-s ds = 1 / ln(1+r) */
  assert_close(hfs_discount_integral(&d, 0.0, (double)INFINITY),
               1.0 / log(1.05), 1e-12);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(factor_is_one_plus_r_to_minus_t),
      cmocka_unit_test(integral_matches_closed_form_and_midpoint_rule),
      cmocka_unit_test(zero_rate_gives_plain_durations),
      cmocka_unit_test(short_intervals_keep_precision),
      cmocka_unit_test(empty_reversed_and_infinite_intervals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
