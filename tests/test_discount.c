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

/* The exact integral in long double (64-bit significand; expm1l and expl
 * are accurate to about 1e-19), as the reference for 1e-12. */
static long double exact_integral(double rate, double a, double b)
{
  long double l = log1pl((long double)rate);
  long double head = expl(-l * (long double)a);
  if (isinf(b))
    return head / l;
  return -head * expm1l(-l * ((long double)b - (long double)a)) / l;
}

static double relative_error(double got, long double exact)
{
  return (double)(fabsl((long double)got - exact) / fabsl(exact));
}

/* A reproducible uniform in [0, 1) (splitmix64), independent of hfsim's
 * generator. */
static double next_uniform(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

static const double rates[] = {0.001, 0.015, 0.03,  0.035, 0.04, 0.05,
                               0.08,  0.1,   0.105, 0.12,  0.5};

/* Random intervals: start 0..130 years (past the per-year table), length
 * 1e-9 .. 100 years (log-uniform), and open-ended; every rate, including
 * those above the polynomial's range. */
static void integral_within_1e_12_of_the_exact_integral(void **state)
{
  (void)state;
  uint64_t seed = 20261201;
  double worst = 0.0;
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
    hfs_discount d = hfs_discount_make(rates[i]);
    for (int n = 0; n < 20000; n++) {
      double a = 130.0 * next_uniform(&seed);
      if (n % 7 == 0)
        a = floor(a); /* whole years: the table alone */
      double len = pow(10.0, -9.0 + 11.0 * next_uniform(&seed));
      double b = n % 101 == 0 ? (double)INFINITY : a + len;
      double e = relative_error(hfs_discount_integral(&d, a, b),
                                exact_integral(rates[i], a, b));
      if (e > worst)
        worst = e;
      long double f = powl(1.0L + (long double)rates[i], -(long double)a);
      double ef = relative_error(hfs_discount_factor(&d, a), f);
      if (ef > worst)
        worst = ef;
    }
  }
  /* the bound of discount.h: a relative 2e-13 at worst (1.3e-13 seen),
   * where a difference of factors just above the polynomial's range is
   * taken */
  assert_true(worst < 1e-12);
  assert_true(worst < 2e-13);
}

/* A patient's life as back-to-back intervals (1 to 4 weeks for 90 years,
 * every fifth a day long) through one cursor: each interval and
 * the running total stay within 1e-12 of the exact values. */
static void cursor_over_thousands_of_intervals_within_1e_12(void **state)
{
  (void)state;
  uint64_t seed = 7;
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
    hfs_discount d = hfs_discount_make(rates[i]);
    hfs_discount_cursor c;
    hfs_discount_cursor_start(&c);
    double t = 0.0, total = 0.0, worst = 0.0;
    int n = 0;
    while (t < 90.0) {
      double len =
          n % 5 == 0 ? 1.0 / 365.25 : (1.0 + 3.0 * next_uniform(&seed)) / 52.0;
      double e0 = hfs_discount_integral_next(&d, &c, t, t + len);
      double e = relative_error(e0, exact_integral(rates[i], t, t + len));
      if (e > worst)
        worst = e;
      total += e0;
      t += len;
      n++;
    }
    double tail = hfs_discount_integral_next(&d, &c, t, (double)INFINITY);
    assert_true(relative_error(tail, exact_integral(rates[i], t,
                                                    (double)INFINITY)) < 1e-12);
    assert_true(n > 2000);
    assert_true(worst < 1e-12);
    assert_true(relative_error(total, exact_integral(rates[i], 0.0, t)) <
                1e-12);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(factor_is_one_plus_r_to_minus_t),
      cmocka_unit_test(integral_matches_closed_form_and_midpoint_rule),
      cmocka_unit_test(zero_rate_gives_plain_durations),
      cmocka_unit_test(short_intervals_keep_precision),
      cmocka_unit_test(empty_reversed_and_infinite_intervals),
      cmocka_unit_test(integral_within_1e_12_of_the_exact_integral),
      cmocka_unit_test(cursor_over_thousands_of_intervals_within_1e_12),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
