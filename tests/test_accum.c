/*
 * test_accum.c - streaming statistics against two-pass formulas, and
 * merges that do not depend on how the data were split.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "hfsim/accum.h"

static double data(int i)
{
  /* awkward values: large offset, small spread */
  return 1e6 + 2.385 * sin(i * 0.731) + 0.01 * (i % 7);
}

static void welford_matches_two_pass(void **state)
{
  (void)state;
  const int n = 10000;
  hfs_accum a;
  hfs_accum_reset(&a);
  double sum = 0;
  for (int i = 0; i < n; i++) {
    hfs_accum_add(&a, data(i));
    sum += data(i);
  }
  double mean = sum / n, ss = 0;
  for (int i = 0; i < n; i++)
    ss += (data(i) - mean) * (data(i) - mean);
  assert_int_equal(a.n, n);
  assert_close(a.mean, mean, 1e-12 * mean);
  assert_close(hfs_accum_variance(&a), ss / (n - 1), 1e-9 * ss / (n - 1));
  assert_close(hfs_accum_se(&a), sqrt(ss / (n - 1) / n), 1e-9);
}

static void merging_blocks_equals_one_pass(void **state)
{
  (void)state;
  const int n = 1000;
  hfs_accum all, merged;
  hfs_accum_reset(&all);
  hfs_accum_reset(&merged);
  for (int i = 0; i < n; i++)
    hfs_accum_add(&all, data(i));
  for (int b = 0; b < n; b += 37) {
    hfs_accum blk;
    hfs_accum_reset(&blk);
    for (int i = b; i < b + 37 && i < n; i++)
      hfs_accum_add(&blk, data(i));
    hfs_accum_merge(&merged, &blk);
  }
  assert_int_equal(merged.n, all.n);
  assert_close(merged.mean, all.mean, 1e-12 * all.mean);
  assert_close(hfs_accum_variance(&merged), hfs_accum_variance(&all),
               1e-9 * hfs_accum_variance(&all));
}

static void small_counts_and_empty_merges(void **state)
{
  (void)state;
  hfs_accum a, e;
  hfs_accum_reset(&a);
  hfs_accum_reset(&e);
  /* fewer than two values: no spread to estimate, NaN ("not available",
   * an empty cell), never 0, which would read as an exact mean */
  assert_true(isnan(hfs_accum_se(&a)));
  hfs_accum_add(&a, 3.0);
  assert_true(isnan(hfs_accum_variance(&a)));
  assert_true(isnan(hfs_accum_sd(&a)));
  assert_true(isnan(hfs_accum_se(&a)));
  hfs_accum2 p;
  hfs_accum2_reset(&p);
  hfs_accum2_add(&p, 1.0, 2.0);
  assert_true(isnan(hfs_accum2_covariance(&p)));
  assert_true(isnan(hfs_accum2_nmb_se(&p, 1000.0)));
  hfs_accum_add(&a, 5.0);
  assert_close(hfs_accum_se(&a), 1.0, 1e-15);
  hfs_accum_reset(&a);
  hfs_accum_add(&a, 3.0);
  hfs_accum_merge(&a, &e);
  assert_int_equal(a.n, 1);
  hfs_accum_merge(&e, &a);
  assert_close(e.mean, 3.0, 0.0);
}

static void paired_covariance_matches_two_pass(void **state)
{
  (void)state;
  const int n = 5000;
  hfs_accum2 a, m;
  hfs_accum2_reset(&a);
  hfs_accum2_reset(&m);
  double sx = 0, sy = 0;
  for (int i = 0; i < n; i++) {
    double x = data(i), y = 2.0 * data(i) + cos(i * 1.3);
    hfs_accum2_add(&a, x, y);
    sx += x;
    sy += y;
  }
  double mx = sx / n, my = sy / n, c = 0;
  for (int i = 0; i < n; i++)
    c += (data(i) - mx) * (2.0 * data(i) + cos(i * 1.3) - my);
  assert_close(hfs_accum2_covariance(&a), c / (n - 1), 1e-8);
  for (int b = 0; b < n; b += 100) {
    hfs_accum2 blk;
    hfs_accum2_reset(&blk);
    for (int i = b; i < b + 100; i++)
      hfs_accum2_add(&blk, data(i), 2.0 * data(i) + cos(i * 1.3));
    hfs_accum2_merge(&m, &blk);
  }
  assert_close(hfs_accum2_covariance(&m), c / (n - 1), 1e-8);
  assert_close(m.mean_y, my, 1e-8);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(welford_matches_two_pass),
      cmocka_unit_test(merging_blocks_equals_one_pass),
      cmocka_unit_test(small_counts_and_empty_merges),
      cmocka_unit_test(paired_covariance_matches_two_pass),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
