/*
 * test_rng.c - Philox streams: known answers, addressing, independence.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <math.h>

#include <gsl/gsl_randist.h>

#include <Random123/philox.h>

#include "hfsim/rng.h"

static hfs_stream_id id(uint64_t seed, uint64_t rep, uint64_t patient,
                        uint64_t purpose)
{
  hfs_stream_id s = {seed, rep, patient, purpose};
  return s;
}

/* Pins the generator: if these change, every published result changes. */
static void philox_stream_gives_the_pinned_first_values(void **state)
{
  (void)state;
  gsl_rng *r = hfs_rng_alloc(id(20261126, 0, 0, 0));
  assert_non_null(r);
  /* Computed independently with Random123's philox4x64 (key {20261126, 0},
   * counter {0, 0, 0, 0}): word 0 >> 32, then word 1 >> 11 times 2^-53;
   * the fifth value comes from the next counter block (word 0 >> 32). */
  assert_int_equal(gsl_rng_get(r), 1503178140UL);
  assert_true(gsl_rng_uniform(r) == 0.33789844128821711);
  gsl_rng_get(r);
  gsl_rng_get(r);
  assert_int_equal(gsl_rng_get(r), 58227513UL);
  gsl_rng *again = hfs_rng_alloc(id(20261126, 0, 0, 0));
  assert_int_equal(gsl_rng_get(again), 1503178140UL);
  gsl_rng_free(r);
  gsl_rng_free(again);
}

static void set_stream_restarts_the_stream(void **state)
{
  (void)state;
  gsl_rng *r = hfs_rng_alloc(id(7, 1, 42, 3));
  double a[10], b[10];
  for (int i = 0; i < 10; i++)
    a[i] = gsl_rng_uniform(r);
  hfs_rng_set_stream(r, id(1, 1, 1, 1));
  gsl_rng_uniform(r);
  hfs_rng_set_stream(r, id(7, 1, 42, 3));
  for (int i = 0; i < 10; i++)
    b[i] = gsl_rng_uniform(r);
  assert_memory_equal(a, b, sizeof a);
  gsl_rng_free(r);
}

static void every_address_component_changes_the_stream(void **state)
{
  (void)state;
  hfs_stream_id ids[5] = {id(1, 2, 3, 4), id(9, 2, 3, 4), id(1, 9, 3, 4),
                          id(1, 2, 9, 4), id(1, 2, 3, 9)};
  double first[5];
  for (int i = 0; i < 5; i++) {
    gsl_rng *r = hfs_rng_alloc(ids[i]);
    first[i] = gsl_rng_uniform(r);
    gsl_rng_free(r);
  }
  for (int i = 0; i < 5; i++)
    for (int j = i + 1; j < 5; j++)
      assert_true(first[i] != first[j]);
}

/* Uniform mean and variance over 10^6 draws within 5 standard errors. */
static void uniforms_have_the_right_mean_and_variance(void **state)
{
  (void)state;
  gsl_rng *r = hfs_rng_alloc(id(123, 0, 0, 0));
  const int n = 1000000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; i++) {
    double u = gsl_rng_uniform(r);
    assert_true(u >= 0.0 && u < 1.0);
    sum += u;
    sum2 += u * u;
  }
  double mean = sum / n, var = sum2 / n - mean * mean;
  assert_within_se(mean, 0.5, sqrt(1.0 / 12.0 / n), 5.0);
  /* var of u^2 is 4/45; se of the variance estimate ~ sqrt(1/180/n) */
  assert_within_se(var, 1.0 / 12.0, sqrt(1.0 / 180.0 / n), 5.0);
  gsl_rng_free(r);
}

/* Neighbouring patients' streams are uncorrelated. */
static void neighbouring_streams_are_uncorrelated(void **state)
{
  (void)state;
  const int n = 200000;
  double sxy = 0, sx = 0, sy = 0;
  gsl_rng *a = hfs_rng_alloc(id(5, 0, 0, 0)),
          *b = hfs_rng_alloc(id(5, 0, 1, 0));
  for (int i = 0; i < n; i++) {
    double x = gsl_rng_uniform(a), y = gsl_rng_uniform(b);
    sxy += x * y;
    sx += x;
    sy += y;
  }
  double cov = sxy / n - (sx / n) * (sy / n);
  /* correlation se ~ 1/sqrt(n); covariance = corr / 12 */
  assert_within_se(cov, 0.0, 1.0 / 12.0 / sqrt((double)n), 5.0);
  gsl_rng_free(a);
  gsl_rng_free(b);
}

/* GSL samplers work on the stream: gamma(21.78, 0.643) has mean 14.0. */
static void gsl_samplers_draw_from_the_stream(void **state)
{
  (void)state;
  gsl_rng *r = hfs_rng_alloc(id(99, 0, 0, 0));
  const int n = 200000;
  double sum = 0;
  for (int i = 0; i < n; i++)
    sum += gsl_ran_gamma(r, 21.78, 0.643);
  double mean = sum / n, sd = sqrt(21.78) * 0.643;
  assert_within_se(mean, 21.78 * 0.643, sd / sqrt((double)n), 5.0);
  gsl_rng_free(r);
}

static void exponential_and_bernoulli_helpers(void **state)
{
  (void)state;
  gsl_rng *r = hfs_rng_alloc(id(11, 0, 0, 0));
  assert_true(isinf(hfs_rng_exponential_years(r, 0.0)));
  const int n = 200000;
  double sum = 0;
  int ones = 0;
  for (int i = 0; i < n; i++) {
    sum += hfs_rng_exponential_years(r, 0.25);
    ones += hfs_rng_bernoulli(r, 0.3);
  }
  assert_within_se(sum / n, 4.0, 4.0 / sqrt((double)n), 5.0);
  assert_within_se((double)ones / n, 0.3, sqrt(0.3 * 0.7 / n), 5.0);
  double probs[3] = {0.2, 0.5, 0.3};
  int count[3] = {0, 0, 0};
  for (int i = 0; i < n; i++)
    count[hfs_rng_categorical(r, probs, 3)]++;
  for (int k = 0; k < 3; k++)
    assert_within_se((double)count[k] / n, probs[k],
                     sqrt(probs[k] * (1 - probs[k]) / n), 5.0);
  gsl_rng_free(r);
}

/* Output j of stream ID straight from Random123: word j % 4 of block
 * j / 4 (the definition in rng.h, without hfsim's buffer). */
static uint64_t reference_output(hfs_stream_id sid, uint64_t j)
{
  philox4x64_key_t key = {{sid.seed, sid.replicate}};
  philox4x64_ctr_t ctr = {{sid.patient, sid.purpose, j / 4, 0}};
  return philox4x64(ctr, key).v[j % 4];
}

/* The buffer changes speed only: inline draws, calls through gsl_rng,
 * rewinds before and after the buffer is full, and other addresses in
 * between all give exactly the reference outputs. */
static void buffered_draws_are_the_reference_outputs(void **state)
{
  (void)state;
  hfs_stream_id a = id(20261126, 3, 41, 2), b = id(20261126, 3, 42, 2);
  gsl_rng *r = hfs_rng_alloc(a);
  const uint64_t lengths[] = {1,
                              5,
                              16,
                              17,
                              300,
                              HFS_RNG_CACHE - 1,
                              HFS_RNG_CACHE,
                              HFS_RNG_CACHE + 1,
                              3 * HFS_RNG_CACHE + 7};
  for (size_t t = 0; t < sizeof lengths / sizeof lengths[0]; t++)
    for (int rewind = 0; rewind < 3; rewind++) {
      hfs_rng_set_stream(r, rewind == 2 ? b : a);
      hfs_rng_uniform(r); /* b: another address in between */
      hfs_rng_set_stream(r, a);
      for (uint64_t j = 0; j < lengths[t]; j++) {
        uint64_t want = reference_output(a, j);
        switch (j % 4) {
        case 0:
          assert_true(hfs_rng_uniform(r) == (double)(want >> 11) * 0x1.0p-53);
          break;
        case 1:
          assert_true(gsl_rng_uniform(r) == (double)(want >> 11) * 0x1.0p-53);
          break;
        case 2:
          assert_int_equal(gsl_rng_get(r), want >> 32);
          break;
        default:
          assert_true(hfs_rng_u64(r) == want);
        }
      }
    }
  gsl_rng_free(r);
}

/* Re-reading a stream computes nothing; counts of reads and computed
 * outputs are exact. */
static void rewinds_reuse_the_computed_outputs(void **state)
{
  (void)state;
  gsl_rng *r = hfs_rng_alloc(id(1, 0, 7, 0));
  uint64_t drawn, computed;
  for (int strategy = 0; strategy < 5; strategy++) {
    hfs_rng_set_stream(r, id(1, 0, 7, 0));
    for (int j = 0; j < 25; j++)
      hfs_rng_uniform(r);
  }
  hfs_rng_counts(r, &drawn, &computed);
  assert_int_equal(drawn, 5 * 25);
  assert_int_equal(computed, 32); /* 25 rounded up to 16 at a time */
  /* past the buffer, a rewind recomputes */
  hfs_rng_set_stream(r, id(1, 0, 8, 0));
  for (int j = 0; j < HFS_RNG_CACHE + 1; j++)
    hfs_rng_uniform(r);
  hfs_rng_set_stream(r, id(1, 0, 8, 0));
  hfs_rng_uniform(r);
  hfs_rng_counts(r, &drawn, &computed);
  assert_int_equal(drawn, 5 * 25 + HFS_RNG_CACHE + 2);
  assert_int_equal(computed, 32 + HFS_RNG_CACHE + 16 + 16);
  gsl_rng_free(r);
}

/* A cursor reads the same outputs as the stream itself, across refills and
 * past the buffer, and leaves the stream where it stopped. */
static void cursor_draws_are_the_reference_outputs(void **state)
{
  (void)state;
  hfs_stream_id a = id(20261201, 1, 9, 0);
  gsl_rng *r = hfs_rng_alloc(a);
  const uint64_t lengths[] = {1, 16, 17, HFS_RNG_CACHE + 33};
  for (size_t t = 0; t < sizeof lengths / sizeof lengths[0]; t++)
    for (int rewind = 0; rewind < 2; rewind++) {
      hfs_rng_set_stream(r, a);
      hfs_rng_uniform(r); /* the cursor starts where the stream is */
      hfs_rng_cursor c = hfs_rng_cursor_begin(r);
      for (uint64_t j = 1; j < lengths[t]; j++) {
        uint64_t want = reference_output(a, j);
        if (j % 2)
          assert_true(hfs_rng_cursor_u53(&c) == want >> 11);
        else
          assert_true(hfs_rng_cursor_uniform(&c) ==
                      (double)(want >> 11) * 0x1.0p-53);
      }
      hfs_rng_cursor_end(&c);
      assert_true(hfs_rng_u64(r) == reference_output(a, lengths[t]));
    }
  gsl_rng_free(r);
}

/* hfs_uniform_threshold: m < T exactly when m 2^-53 < p, at the edges (0,
 * 1, tiny, multiples of 2^-53 and their neighbours) and for random p and
 * draws. */
static void integer_thresholds_make_the_same_comparisons(void **state)
{
  (void)state;
  assert_true(hfs_uniform_threshold(0.0) == 0);
  assert_true(hfs_uniform_threshold(-1.0) == 0);
  assert_true(hfs_uniform_threshold((double)NAN) == 0);
  assert_true(hfs_uniform_threshold(1.0) == UINT64_C(1) << 53);
  assert_true(hfs_uniform_threshold(2.0) == UINT64_C(1) << 53);
  assert_true(hfs_uniform_threshold(0x1.0p-60) == 1);
  assert_true(hfs_uniform_threshold(0x1.0p-53) == 1);
  assert_true(hfs_uniform_threshold(nextafter(0x1.0p-53, 1.0)) == 2);
  assert_true(hfs_uniform_threshold(0.5) == UINT64_C(1) << 52);
  assert_true(hfs_uniform_threshold(nextafter(1.0, 0.0)) ==
              (UINT64_C(1) << 53) - 1);
  gsl_rng *r = hfs_rng_alloc(id(5, 0, 0, 0));
  const uint64_t top = UINT64_C(1) << 53;
  for (int i = 0; i < 200000; i++) {
    double p = hfs_rng_uniform(r);
    if (i % 4 == 1)
      p = nextafter(p, 0.0);
    uint64_t m = hfs_rng_u64(r) >> 11;
    if (i % 3 == 0) /* draws next to the threshold */
      m = (uint64_t)(p * 0x1.0p53) + (uint64_t)(i % 5) - 2;
    m &= top - 1;
    uint64_t t = hfs_uniform_threshold(p);
    assert_true(((double)m * 0x1.0p-53 < p) == (m < t));
  }
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(philox_stream_gives_the_pinned_first_values),
      cmocka_unit_test(set_stream_restarts_the_stream),
      cmocka_unit_test(every_address_component_changes_the_stream),
      cmocka_unit_test(uniforms_have_the_right_mean_and_variance),
      cmocka_unit_test(neighbouring_streams_are_uncorrelated),
      cmocka_unit_test(gsl_samplers_draw_from_the_stream),
      cmocka_unit_test(exponential_and_bernoulli_helpers),
      cmocka_unit_test(buffered_draws_are_the_reference_outputs),
      cmocka_unit_test(rewinds_reuse_the_computed_outputs),
      cmocka_unit_test(cursor_draws_are_the_reference_outputs),
      cmocka_unit_test(integer_thresholds_make_the_same_comparisons),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
