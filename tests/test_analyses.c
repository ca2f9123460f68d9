/*
 * test_analyses.c - the economic evaluation and its uncertainty, through the
 * library (include/hfsim): PSA results independent of the thread count and
 * reproducible from the seed, PSA resume from a checkpoint bit for bit,
 * sampled parameter means against the table's distributions, continuation
 * of a run (the --target-se precision rule) bit for bit, subgroup levels
 * that add up to the cohort, and the paired standard errors of cea.csv
 * against a direct computation from patients.csv.
 *
 * The command-line side (cea.csv, ceac.csv, evpi.csv, owsa.csv, twsa.csv,
 * scenarios.csv, --target-se, --resume) is in analyses_cli.cmake.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "hfsim/dist.h"
#include "hfsim/engine.h"
#include "hfsim/mathx.h"
#include "hfsim/psa.h"
#include "hfsim/report.h"
#include "hfsim/rng.h"
#include "hfsim/study.h"
#include "hfsim/verify.h"

#define DEFAULT_INI HFS_SOURCE_DIR "/configs/default.ini"

/* ---- helpers ---------------------------------------------------------- */

/* Load the default scenario with OVERRIDES (NULL-terminated). */
static void load(hfs_study *st, const char *const *overrides)
{
  hfs_override ov[16];
  size_t n = 0;
  for (; overrides != NULL && overrides[n] != NULL; n++) {
    ov[n].assignment = overrides[n];
    ov[n].label = overrides[n];
  }
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_study_init(st);
  hfs_status s = hfs_study_load(st, DEFAULT_INI, ov, n, &d);
  if (s != HFS_OK) {
    hfs_diag_print(&d, stderr);
    fail_msg("%s did not load", DEFAULT_INI);
  }
  hfs_diag_free(&d);
}

static int outcome_index(const hfs_study *st, const char *name)
{
  for (size_t k = 0; k < st->cls->n_outcomes; k++)
    if (strcmp(st->cls->outcomes[k].name, name) == 0)
      return (int)k;
  fail_msg("no outcome %s", name);
  return -1;
}

/* The whole text written to F (a tmpfile), NUL-terminated. */
static char *slurp(FILE *f, size_t *len_out)
{
  long len = ftell(f);
  assert_true(len >= 0);
  rewind(f);
  char *text = malloc((size_t)len + 1);
  assert_non_null(text);
  size_t got = fread(text, 1, (size_t)len, f);
  assert_int_equal(got, (size_t)len);
  text[got] = '\0';
  if (len_out)
    *len_out = got;
  return text;
}

/* |a - b| <= rel * max(|a|, |b|) + abs_tol */
static int close_rel(double a, double b, double rel, double abs_tol)
{
  return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + abs_tol;
}

#define assert_close_rel(actual, expected, rel)                        \
  do {                                                                 \
    double ar_ = (actual), er_ = (expected);                           \
    if (!close_rel(ar_, er_, (rel), 1e-300))                           \
      fail_msg("%s = %.17g, expected %.17g (relative tolerance %.1g)", \
               #actual, ar_, er_, (double)(rel));                      \
  } while (0)

/* ---- PSA: threads, seed ------------------------------------------------ */

#define PSA_PATIENTS 300
#define PSA_ITERATIONS 6

/* Run R (iterations R->done ..) on PSA_PATIENTS patients; expect WANT. */
static void run_psa(hfs_study *st, int threads, hfs_psa_result *r,
                    FILE *checkpoint, hfs_psa_progress_fn progress, void *user,
                    volatile sig_atomic_t *stop, hfs_status want)
{
  hfs_run_config cfg = hfs_study_run_config(st);
  cfg.patients = PSA_PATIENTS;
  cfg.threads = threads;
  hfs_diag d;
  hfs_diag_init(&d);
  cfg.stop_flag = stop;
  hfs_status s = hfs_psa_run(st, &cfg, r, checkpoint, progress, user, &d);
  if (s != want) {
    hfs_diag_print(&d, stderr);
    fail_msg("hfs_psa_run returned %d, expected %d", (int)s, (int)want);
  }
  hfs_diag_free(&d);
}

static void assert_psa_equal(const hfs_psa_result *a, const hfs_psa_result *b,
                             uint64_t k)
{
  assert_int_equal(a->n_strategies, b->n_strategies);
  assert_int_equal(a->n_sampled, b->n_sampled);
  assert_memory_equal(a->sampled, b->sampled,
                      a->n_sampled * sizeof *a->sampled);
  assert_memory_equal(a->values, b->values,
                      k * a->n_sampled * sizeof *a->values);
  assert_memory_equal(a->cost, b->cost, k * a->n_strategies * sizeof *a->cost);
  assert_memory_equal(a->qaly, b->qaly, k * a->n_strategies * sizeof *a->qaly);
}

/* psa.h: iteration k depends only on (seed, k), so 1 and 2 threads give the
 * same bits; a fresh study with the same seed gives them again; iteration
 * k's values are the draw of stream (seed, k + 1, 0, 0); the study is left
 * with its base-case values. */
static void psa_is_identical_for_1_and_2_threads(void **state)
{
  (void)state;
  const char *ov[] = {"run.seed=77", NULL};
  hfs_study st1, st2;
  load(&st1, ov);
  load(&st2, ov);
  double *base = malloc(st1.params.count * sizeof *base);
  assert_non_null(base);
  for (size_t i = 0; i < st1.params.count; i++)
    base[i] = st1.params.items[i].value;

  hfs_psa_result a, b;
  assert_int_equal(hfs_psa_result_init(&a, &st1, PSA_ITERATIONS), HFS_OK);
  assert_int_equal(hfs_psa_result_init(&b, &st2, PSA_ITERATIONS), HFS_OK);
  run_psa(&st1, 1, &a, NULL, NULL, NULL, NULL, HFS_OK);
  run_psa(&st2, 2, &b, NULL, NULL, NULL, NULL, HFS_OK);
  assert_int_equal(a.done, PSA_ITERATIONS);
  assert_int_equal(b.done, PSA_ITERATIONS);
  assert_true(a.n_sampled > 50);
  assert_int_equal(a.n_strategies, 5);
  assert_psa_equal(&a, &b, PSA_ITERATIONS);

  /* parameter uncertainty: iterations differ from each other */
  assert_true(a.cost[2] != a.cost[a.n_strategies + 2]);

  /* iteration k draws from stream (seed, k + 1, 0, 0) */
  double *values = malloc(st1.params.count * sizeof *values);
  hfs_stream_id id = {77, 0, 0, 0};
  gsl_rng *rng = hfs_rng_alloc(id);
  assert_non_null(values);
  assert_non_null(rng);
  hfs_diag d;
  hfs_diag_init(&d);
  for (uint64_t k = 0; k < PSA_ITERATIONS; k++) {
    hfs_stream_id ik = {77, k + 1, 0, 0};
    hfs_rng_set_stream(rng, ik);
    assert_int_equal(hfs_psa_draw(&st1.params, rng, values, &d), HFS_OK);
    for (size_t j = 0; j < a.n_sampled; j++)
      assert_memory_equal(&values[a.sampled[j]], &a.values[k * a.n_sampled + j],
                          sizeof(double));
  }
  hfs_diag_free(&d);
  gsl_rng_free(rng);
  free(values);

  /* the study is left as it was */
  for (size_t i = 0; i < st1.params.count; i++)
    assert_memory_equal(&st1.params.items[i].value, &base[i], sizeof(double));

  /* a different seed: different draws */
  hfs_study st3;
  const char *ov3[] = {"run.seed=78", NULL};
  load(&st3, ov3);
  hfs_psa_result c;
  assert_int_equal(hfs_psa_result_init(&c, &st3, 2), HFS_OK);
  run_psa(&st3, 1, &c, NULL, NULL, NULL, NULL, HFS_OK);
  assert_true(c.values[0] != a.values[0]);
  assert_true(c.cost[2] != a.cost[2]);

  hfs_psa_result_free(&a);
  hfs_psa_result_free(&b);
  hfs_psa_result_free(&c);
  free(base);
  hfs_study_free(&st1);
  hfs_study_free(&st2);
  hfs_study_free(&st3);
}

/* ---- PSA: resume ------------------------------------------------------- */

typedef struct stopper {
  volatile sig_atomic_t flag;
  uint64_t after; /* raise the flag once this many iterations are done */
} stopper;

static void stop_after(void *user, uint64_t done, uint64_t total)
{
  stopper *s = user;
  (void)total;
  if (done >= s->after)
    s->flag = 1;
}

static char *temp_path(void)
{
  char *p = test_write_temp("");
  return p;
}

static size_t count_lines(const char *path)
{
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t n = 0;
  int c;
  while ((c = fgetc(f)) != EOF)
    n += c == '\n';
  fclose(f);
  return n;
}

#define FINGERPRINT "test-analyses-0123456789abcdef"

/* An uninterrupted PSA of 6 iterations, against one stopped after 3 (as by
 * Ctrl-C: the stop flag), loaded back from its checkpoint and continued:
 * the same bits. The full run's checkpoint also reads back exactly. */
static void psa_resumes_from_checkpoint_bit_identically(void **state)
{
  (void)state;
  const char *ov[] = {"run.seed=5", NULL};
  hfs_study st;
  load(&st, ov);

  /* uninterrupted, with its checkpoint */
  char *full_path = temp_path();
  FILE *ck = fopen(full_path, "w");
  assert_non_null(ck);
  hfs_psa_checkpoint_header(ck, FINGERPRINT);
  hfs_psa_result full;
  assert_int_equal(hfs_psa_result_init(&full, &st, PSA_ITERATIONS), HFS_OK);
  run_psa(&st, 2, &full, ck, NULL, NULL, NULL, HFS_OK);
  fclose(ck);
  assert_int_equal(count_lines(full_path), 1 + PSA_ITERATIONS);

  /* interrupted after 3 */
  char *part_path = temp_path();
  ck = fopen(part_path, "w");
  assert_non_null(ck);
  hfs_psa_checkpoint_header(ck, FINGERPRINT);
  hfs_psa_result part;
  assert_int_equal(hfs_psa_result_init(&part, &st, PSA_ITERATIONS), HFS_OK);
  stopper stop = {0, 3};
  run_psa(&st, 1, &part, ck, stop_after, &stop, &stop.flag,
          HFS_ERR_INTERRUPTED);
  fclose(ck);
  assert_int_equal(part.done, 3);
  assert_int_equal(count_lines(part_path), 1 + 3);
  assert_psa_equal(&part, &full, 3);

  /* a new process: read the checkpoint, continue, appending to it */
  hfs_psa_result resumed;
  assert_int_equal(hfs_psa_result_init(&resumed, &st, PSA_ITERATIONS), HFS_OK);
  hfs_diag d;
  hfs_diag_init(&d);
  assert_int_equal(
      hfs_psa_checkpoint_read(part_path, FINGERPRINT, &resumed, &d), HFS_OK);
  assert_int_equal(hfs_diag_count(&d), 0);
  assert_int_equal(resumed.done, 3);
  assert_psa_equal(&resumed, &full, 3);
  ck = fopen(part_path, "a");
  assert_non_null(ck);
  run_psa(&st, 1, &resumed, ck, NULL, NULL, NULL, HFS_OK);
  fclose(ck);
  assert_int_equal(resumed.done, PSA_ITERATIONS);
  assert_psa_equal(&resumed, &full, PSA_ITERATIONS);

  /* both checkpoints now hold the same text, and read back exactly */
  FILE *fa = fopen(full_path, "r"), *fb = fopen(part_path, "r");
  assert_non_null(fa);
  assert_non_null(fb);
  fseek(fa, 0, SEEK_END);
  fseek(fb, 0, SEEK_END);
  char *ta = slurp(fa, NULL), *tb = slurp(fb, NULL);
  assert_string_equal(ta, tb);
  free(ta);
  free(tb);
  fclose(fa);
  fclose(fb);
  hfs_psa_result back;
  assert_int_equal(hfs_psa_result_init(&back, &st, PSA_ITERATIONS), HFS_OK);
  assert_int_equal(hfs_psa_checkpoint_read(full_path, FINGERPRINT, &back, &d),
                   HFS_OK);
  assert_int_equal(back.done, PSA_ITERATIONS);
  assert_psa_equal(&back, &full, PSA_ITERATIONS);

  /* the outputs of the resumed and the uninterrupted PSA: same text */
  const double wtp[] = {50000, 100000};
  FILE *oa = tmpfile(), *ob = tmpfile();
  assert_non_null(oa);
  assert_non_null(ob);
  hfs_psa_write_iterations(oa, &st, &full, wtp, 2);
  hfs_psa_write_summary(oa, &st, &full, wtp, 2);
  hfs_psa_write_ceac(oa, &st, &full, 100000, 5000);
  hfs_psa_write_evpi(oa, &full, 100000, 5000, 1000);
  hfs_psa_write_iterations(ob, &st, &resumed, wtp, 2);
  hfs_psa_write_summary(ob, &st, &resumed, wtp, 2);
  hfs_psa_write_ceac(ob, &st, &resumed, 100000, 5000);
  hfs_psa_write_evpi(ob, &resumed, 100000, 5000, 1000);
  char *xa = slurp(oa, NULL), *xb = slurp(ob, NULL);
  assert_true(strlen(xa) > 1000);
  assert_string_equal(xa, xb);
  free(xa);
  free(xb);
  fclose(oa);
  fclose(ob);

  hfs_diag_free(&d);
  hfs_psa_result_free(&full);
  hfs_psa_result_free(&part);
  hfs_psa_result_free(&resumed);
  hfs_psa_result_free(&back);
  remove(full_path);
  remove(part_path);
  free(full_path);
  free(part_path);
  hfs_study_free(&st);
}

/* Reading PATH into a fresh 4-iteration result of ST is refused with one
 * message; returns its line. */
static long checkpoint_refused(const char *path, const hfs_study *st,
                               hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  hfs_psa_result other;
  assert_int_equal(hfs_psa_result_init(&other, st, 4), HFS_OK);
  assert_int_equal(hfs_psa_checkpoint_read(path, FINGERPRINT, &other, d),
                   HFS_ERR_INPUT);
  assert_int_equal(hfs_diag_count(d), before + 1);
  hfs_psa_result_free(&other);
  return d->entries[before].line;
}

/* What hfs_psa_checkpoint_read promises besides the happy path: no file =
 * start from 0; another fingerprint = an error; a torn last line (killed
 * while writing) is dropped and redone; a damaged line is an error. */
static void psa_checkpoint_read_handles_missing_foreign_and_torn(void **state)
{
  (void)state;
  hfs_study st;
  load(&st, NULL);
  hfs_psa_result r;
  assert_int_equal(hfs_psa_result_init(&r, &st, 4), HFS_OK);
  hfs_diag d;
  hfs_diag_init(&d);

  assert_int_equal(hfs_psa_checkpoint_read("/nonexistent/hfsim-checkpoint",
                                           FINGERPRINT, &r, &d),
                   HFS_OK);
  assert_int_equal(r.done, 0);
  assert_int_equal(hfs_diag_count(&d), 0);

  /* two complete iterations of made-up numbers, then a torn line */
  for (uint64_t k = 0; k < 2; k++) {
    for (size_t j = 0; j < r.n_sampled; j++)
      r.values[k * r.n_sampled + j] = 0.1 * (double)(k + 1) + (double)j / 7.0;
    for (size_t s = 0; s < r.n_strategies; s++) {
      r.cost[k * r.n_strategies + s] = 1000.0 / 3.0 * (double)(s + k);
      r.qaly[k * r.n_strategies + s] = 14.0 + 1.0 / 3.0 * (double)s;
    }
  }
  char *path = temp_path();
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  hfs_psa_checkpoint_header(f, FINGERPRINT);
  hfs_psa_checkpoint_line(f, &r, 0);
  hfs_psa_checkpoint_line(f, &r, 1);
  fputs("2,0.5,0.25", f); /* no newline: torn */
  fclose(f);

  hfs_psa_result back;
  assert_int_equal(hfs_psa_result_init(&back, &st, 4), HFS_OK);
  assert_int_equal(hfs_psa_checkpoint_read(path, FINGERPRINT, &back, &d),
                   HFS_OK);
  assert_int_equal(hfs_diag_count(&d), 0);
  assert_int_equal(back.done, 2);
  r.done = 2;
  assert_psa_equal(&back, &r, 2);

  /* another PSA's checkpoint */
  hfs_psa_result other;
  assert_int_equal(hfs_psa_result_init(&other, &st, 4), HFS_OK);
  assert_int_equal(
      hfs_psa_checkpoint_read(path, "another-fingerprint", &other, &d),
      HFS_ERR_INPUT);
  assert_true(hfs_diag_count(&d) >= 1);
  hfs_psa_result_free(&other);

  /* a damaged complete line */
  f = fopen(path, "w");
  assert_non_null(f);
  hfs_psa_checkpoint_header(f, FINGERPRINT);
  hfs_psa_checkpoint_line(f, &r, 0);
  fputs("1,not-a-number\n", f);
  fclose(f);
  size_t before = hfs_diag_count(&d);
  assert_int_equal(hfs_psa_result_init(&other, &st, 4), HFS_OK);
  assert_int_equal(hfs_psa_checkpoint_read(path, FINGERPRINT, &other, &d),
                   HFS_ERR_INPUT);
  assert_true(hfs_diag_count(&d) > before);
  hfs_psa_result_free(&other);

  /* iterations out of order, or beyond the PSA's: the line's number
   * indexes the result arrays (a checksum is no signature: k = 200 was
   * written past them) */
  hfs_psa_result big;
  assert_int_equal(hfs_psa_result_init(&big, &st, 8), HFS_OK);
  for (size_t i = 0; i < 8 * big.n_sampled; i++)
    big.values[i] = 0.5;
  for (size_t i = 0; i < 8 * big.n_strategies; i++)
    big.cost[i] = big.qaly[i] = 1.0;
  f = fopen(path, "w");
  assert_non_null(f);
  hfs_psa_checkpoint_header(f, FINGERPRINT);
  for (uint64_t k = 0; k < 6; k++) /* 6 lines for a PSA of 4 */
    hfs_psa_checkpoint_line(f, &big, k);
  fclose(f);
  assert_int_equal(checkpoint_refused(path, &st, &d), 6); /* k = 4 */
  f = fopen(path, "w");
  assert_non_null(f);
  hfs_psa_checkpoint_header(f, FINGERPRINT);
  hfs_psa_checkpoint_line(f, &big, 1); /* 0 is due */
  fclose(f);
  assert_int_equal(checkpoint_refused(path, &st, &d), 2);
  hfs_psa_result_free(&big);

  /* a torn last line of zeros (a crash mid-write): the iterations before
   * it are kept (a NUL check before the torn-line check lost them all) */
  f = fopen(path, "w");
  assert_non_null(f);
  hfs_psa_checkpoint_header(f, FINGERPRINT);
  hfs_psa_checkpoint_line(f, &r, 0);
  for (int z = 0; z < 300; z++)
    fputc('\0', f);
  fclose(f);
  before = hfs_diag_count(&d);
  assert_int_equal(hfs_psa_result_init(&other, &st, 4), HFS_OK);
  assert_int_equal(hfs_psa_checkpoint_read(path, FINGERPRINT, &other, &d),
                   HFS_OK);
  assert_int_equal(other.done, 1);
  assert_int_equal(hfs_diag_count(&d), before);
  hfs_psa_result_free(&other);

  /* a NUL byte at the start of a line (line[-1] was read) */
  f = fopen(path, "w");
  assert_non_null(f);
  hfs_psa_checkpoint_header(f, FINGERPRINT);
  fputc('\0', f);
  fputc('\n', f);
  fclose(f);
  assert_int_equal(checkpoint_refused(path, &st, &d), 2);

  remove(path);
  free(path);
  hfs_diag_free(&d);
  hfs_psa_result_free(&back);
  hfs_psa_result_free(&r);
  hfs_study_free(&st);
}

/* ---- PSA: sampled means ------------------------------------------------ */

/* hfs_psa_draw, as the PSA calls it, 4000 times: every sampled parameter's
 * mean is within 4.5 standard errors of its distribution's mean (beta,
 * gamma, lognormal, truncated normal, triangular, Dirichlet ...), its
 * standard deviation within 15% of the distribution's, Dirichlet groups
 * sum to 1 and fixed parameters keep their value. */
static void psa_draws_match_the_distribution_means(void **state)
{
  (void)state;
  hfs_study st;
  load(&st, NULL);
  const hfs_param_table *t = &st.params;
  const size_t n = t->count, draws = 4000;
  double *values = malloc(n * sizeof *values);
  double *sum = calloc(n, sizeof *sum), *sum2 = calloc(n, sizeof *sum2);
  assert_non_null(values);
  assert_non_null(sum);
  assert_non_null(sum2);
  hfs_stream_id id = {20261126, 1, 0, 0};
  gsl_rng *rng = hfs_rng_alloc(id);
  assert_non_null(rng);
  hfs_diag d;
  hfs_diag_init(&d);
  for (size_t k = 0; k < draws; k++) {
    hfs_stream_id ik = {20261126, k + 1, 0, 0};
    hfs_rng_set_stream(rng, ik);
    assert_int_equal(hfs_psa_draw(t, rng, values, &d), HFS_OK);
    for (size_t i = 0; i < n; i++) {
      const hfs_param *p = &t->items[i];
      if (p->dist == HFS_DIST_FIXED)
        assert_memory_equal(&values[i], &p->value, sizeof(double));
      sum[i] += values[i];
      sum2[i] += values[i] * values[i];
    }
    /* each Dirichlet group sums to 1 in every draw */
    for (size_t i = 0; i < n; i++) {
      if (t->items[i].dist != HFS_DIST_DIRICHLET)
        continue;
      double g = 0;
      for (size_t j = 0; j < n; j++)
        if (t->items[j].dist == HFS_DIST_DIRICHLET &&
            strcmp(t->items[j].group, t->items[i].group) == 0)
          g += values[j];
      assert_close(g, 1.0, 1e-12);
    }
  }
  size_t checked = 0, dirichlet = 0;
  for (size_t i = 0; i < n; i++) {
    const hfs_param *p = &t->items[i];
    if (p->dist == HFS_DIST_FIXED)
      continue;
    double mean, sd;
    if (p->dist == HFS_DIST_DIRICHLET) {
      double total = 0;
      for (size_t j = 0; j < n; j++)
        if (t->items[j].dist == HFS_DIST_DIRICHLET &&
            strcmp(t->items[j].group, p->group) == 0)
          total += t->items[j].dist_a;
      double a = p->dist_a;
      mean = a / total;
      sd = sqrt(a * (total - a) / (total * total * (total + 1)));
      dirichlet++;
    } else {
      hfs_dist_fitted f;
      char why[256];
      if (hfs_dist_fit(p->dist, p->dist_a, p->dist_b, p->low, p->high, p->value,
                       &f, why, sizeof why) != HFS_OK)
        fail_msg("%s: %s", p->name, why);
      mean = hfs_dist_mean(&f);
      sd = hfs_dist_sd(&f);
    }
    double m = sum[i] / (double)draws;
    double v = (sum2[i] - (double)draws * m * m) / (double)(draws - 1);
    double s = sqrt(fmax(v, 0.0));
    if (!(fabs(m - mean) <= 4.5 * sd / sqrt((double)draws)))
      fail_msg("%s: sample mean %.8g, distribution mean %.8g: %.2f "
               "standard errors away",
               p->name, m, mean, fabs(m - mean) / (sd / sqrt((double)draws)));
    if (!(fabs(s - sd) <= 0.15 * sd))
      fail_msg("%s: sample sd %.8g, distribution sd %.8g", p->name, s, sd);
    checked++;
  }
  assert_true(checked > 50);
  assert_int_equal(dirichlet, 7); /* smc_grade (4) and mvd_outcome (3) */
  hfs_diag_free(&d);
  gsl_rng_free(rng);
  free(values);
  free(sum);
  free(sum2);
  hfs_study_free(&st);
}

/* ---- engine continuation (the --target-se rule) ------------------------ */

static void assert_results_equal(const hfs_results *a, const hfs_results *b)
{
  assert_int_equal(a->patients, b->patients);
  assert_int_equal(a->n_strategies, b->n_strategies);
  assert_int_equal(a->n_outcomes, b->n_outcomes);
  assert_int_equal(a->n_years, b->n_years);
  assert_int_equal(a->n_states, b->n_states);
  assert_int_equal(a->n_subgroup_levels, b->n_subgroup_levels);
  size_t S = a->n_strategies, K = a->n_outcomes;
  assert_memory_equal(a->outcomes, b->outcomes, S * K * sizeof(hfs_accum));
  assert_memory_equal(a->paired, b->paired, S * S * sizeof(hfs_accum2));
  assert_memory_equal(a->subgroups, b->subgroups,
                      a->n_subgroup_levels * S * K * sizeof(hfs_accum));
  assert_memory_equal(a->trace, b->trace,
                      S * a->n_years * a->n_states * sizeof(uint64_t));
}

/* engine.h: a run continued at first_patient = a multiple of 256 is
 * bit-identical to one run of all patients, whatever the thread counts of
 * the pieces; patients.csv is the concatenation. */
static void engine_continuation_is_bit_identical(void **state)
{
  (void)state;
  const char *ov[] = {"run.seed=31", NULL};
  hfs_study st;
  load(&st, ov);
  hfs_diag d;
  hfs_diag_init(&d);
  const uint64_t N = 4 * HFS_BLOCK_PATIENTS + 300; /* a partial last block */

  hfs_results one;
  hfs_results_init(&one);
  hfs_run_config cfg = hfs_study_run_config(&st);
  FILE *fa = tmpfile();
  assert_non_null(fa);
  cfg.patients = N;
  cfg.threads = 1;
  cfg.patient_rows = hfs_rows_to_file;
  cfg.patient_rows_user = fa;
  assert_int_equal(hfs_engine_run(&st.model, &cfg, &one, &d), HFS_OK);

  /* 0..255 (2 threads), 256..767 (1 thread), 768..N-1 (2 threads) */
  hfs_results cont;
  hfs_results_init(&cont);
  FILE *fb = tmpfile();
  assert_non_null(fb);
  const uint64_t cut[4] = {0, HFS_BLOCK_PATIENTS, 3 * HFS_BLOCK_PATIENTS, N};
  for (int i = 0; i < 3; i++) {
    hfs_run_config c = hfs_study_run_config(&st);
    c.first_patient = cut[i];
    c.patients = cut[i + 1] - cut[i];
    c.threads = i == 1 ? 1 : 2;
    c.patient_rows = hfs_rows_to_file;
    c.patient_rows_user = fb;
    assert_int_equal(hfs_engine_run(&st.model, &c, &cont, &d), HFS_OK);
    assert_int_equal(cont.patients, cut[i + 1]);
  }
  assert_results_equal(&one, &cont);
  /* patient-years (hfsim bench only) are summed in another order when a
   * run is continued: equal to rounding, not bit for bit */
  assert_close_rel(cont.simulated_years, one.simulated_years, 1e-12);
  size_t la, lb;
  char *ta = slurp(fa, &la), *tb = slurp(fb, &lb);
  assert_int_equal(la, lb);
  assert_memory_equal(ta, tb, la);
  free(ta);
  free(tb);
  fclose(fa);
  fclose(fb);

  /* Continued at a patient that is not a block boundary the sums are
   * formed in another order: equal to rounding, not bit for bit. */
  hfs_results odd;
  hfs_results_init(&odd);
  hfs_run_config c = hfs_study_run_config(&st);
  c.patients = 1000;
  assert_int_equal(hfs_engine_run(&st.model, &c, &odd, &d), HFS_OK);
  c.first_patient = 1000;
  c.patients = N - 1000;
  assert_int_equal(hfs_engine_run(&st.model, &c, &odd, &d), HFS_OK);
  size_t SK = one.n_strategies * one.n_outcomes;
  for (size_t k = 0; k < SK; k++) {
    assert_int_equal(odd.outcomes[k].n, one.outcomes[k].n);
    assert_close_rel(odd.outcomes[k].mean, one.outcomes[k].mean, 1e-12);
    assert_close_rel(odd.outcomes[k].m2, one.outcomes[k].m2, 1e-10);
  }

  /* continuing a run with other settings is refused */
  c.first_patient = 5; /* res holds N patients, not 5 */
  c.patients = 10;
  assert_int_not_equal(hfs_engine_run(&st.model, &c, &odd, &d), HFS_OK);

  hfs_results_free(&one);
  hfs_results_free(&cont);
  hfs_results_free(&odd);
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

/* ---- subgroups -------------------------------------------------------- */

/* For every subgroup dimension, strategy and subgroup outcome (those of
 * summary_subgroups.csv, and outcome 0; the others stay empty): the level
 * counts add up to the cohort's count (all patients for unconditional
 * outcomes), the count-weighted level means give the overall mean, and the
 * level sums of squares plus the between-level term give the overall one. */
static void subgroup_levels_add_up_to_the_cohort(void **state)
{
  (void)state;
  const char *ov[] = {"run.seed=404", NULL};
  hfs_study st;
  load(&st, ov);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_results r;
  hfs_results_init(&r);
  hfs_run_config cfg = hfs_study_run_config(&st);
  cfg.patients = 1500;
  assert_int_equal(hfs_engine_run(&st.model, &cfg, &r, &d), HFS_OK);
  const hfs_model_class *c = st.cls;
  const size_t S = r.n_strategies, K = r.n_outcomes;
  assert_int_equal(r.n_subgroup_levels, hfs_subgroup_levels(c));
  size_t g0 = 0, dims = 0;
  for (size_t a = 0; a < c->n_attributes; a++) {
    const hfs_attribute_def *def = &c->attributes[a];
    size_t L = (size_t)def->n_levels;
    if (L == 0)
      continue;
    dims++;
    for (size_t s = 0; s < S; s++)
      for (size_t k = 0; k < K; k++) {
        const hfs_accum *all = &r.outcomes[s * K + k];
        if (k != 0 && !(c->outcomes[k].flags & HFS_OUT_SUBGROUP)) {
          /* summed by subgroup only when reported (engine.h) */
          for (size_t l = 0; l < L; l++)
            assert_int_equal(r.subgroups[((g0 + l) * S + s) * K + k].n, 0);
          continue;
        }
        uint64_t n = 0;
        double wsum = 0, m2 = 0;
        for (size_t l = 0; l < L; l++) {
          const hfs_accum *x = &r.subgroups[((g0 + l) * S + s) * K + k];
          n += x->n;
          wsum += (double)x->n * x->mean;
        }
        assert_int_equal(n, all->n);
        if (c->outcomes[k].condition < 0)
          assert_int_equal(n, 1500);
        if (n == 0)
          continue;
        double mean = wsum / (double)n;
        if (!close_rel(mean, all->mean, 1e-9, 1e-12))
          fail_msg("%s, level means of %s under %s: weighted %.17g, overall "
                   "%.17g",
                   def->name, c->outcomes[k].name, st.model.strategy_names[s],
                   mean, all->mean);
        for (size_t l = 0; l < L; l++) {
          const hfs_accum *x = &r.subgroups[((g0 + l) * S + s) * K + k];
          double dm = x->mean - all->mean;
          m2 += x->m2 + (double)x->n * dm * dm;
        }
        if (!close_rel(m2, all->m2, 1e-9, 1e-9))
          fail_msg("%s, %s under %s: sum of squares %.17g, overall %.17g",
                   def->name, c->outcomes[k].name, st.model.strategy_names[s],
                   m2, all->m2);
      }
    g0 += L;
  }
  assert_int_equal(dims, 3); /* sex, decision_age, asian */
  assert_int_equal(g0, r.n_subgroup_levels);
  hfs_results_free(&r);
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

/* ---- paired standard errors ------------------------------------------- */

/* Column index of NAME in the header line of TEXT. */
static int header_column(const char *text, const char *name)
{
  size_t len = strlen(name);
  int col = 0;
  const char *p = text;
  for (;;) {
    const char *end = p + strcspn(p, ",\n");
    if ((size_t)(end - p) == len && strncmp(p, name, len) == 0)
      return col;
    if (*end != ',')
      break;
    col++;
    p = end + 1;
  }
  fail_msg("patients.csv has no column %s", name);
  return -1;
}

/* Field COL of the line at P (fields hold no quotes or commas here). */
static double field(const char *p, int col)
{
  for (int i = 0; i < col; i++) {
    p = strchr(p, ',');
    assert_non_null(p);
    p++;
  }
  return strtod(p, NULL);
}

/* Two-pass standard error of the mean of X[0..n). */
static double direct_se(const double *x, size_t n)
{
  double m = 0, v = 0;
  for (size_t i = 0; i < n; i++)
    m += x[i];
  m /= (double)n;
  for (size_t i = 0; i < n; i++)
    v += (x[i] - m) * (x[i] - m);
  return sqrt(v / (double)(n - 1) / (double)n);
}

/* hfs_results_paired_se (incremental_*_se of cea.csv, the --target-se
 * rule) against the standard error of the per-patient differences read
 * from patients.csv: costs, QALYs and net monetary benefit, every pair in
 * both orders. */
static void paired_standard_errors_match_patients_csv(void **state)
{
  (void)state;
  const char *ov[] = {"run.seed=8", NULL};
  hfs_study st;
  load(&st, ov);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_results r;
  hfs_results_init(&r);
  hfs_run_config cfg = hfs_study_run_config(&st);
  const size_t N = 1000;
  cfg.patients = N;
  FILE *f = tmpfile();
  assert_non_null(f);
  hfs_engine_patients_header(&st.model, f);
  cfg.patient_rows = hfs_rows_to_file;
  cfg.patient_rows_user = f;
  assert_int_equal(hfs_engine_run(&st.model, &cfg, &r, &d), HFS_OK);
  char *text = slurp(f, NULL);
  fclose(f);
  const size_t S = r.n_strategies;
  int c_cost = header_column(text, "cost"),
      c_qaly = header_column(text, "qaly");
  double *cost = malloc(S * N * sizeof *cost),
         *qaly = malloc(S * N * sizeof *qaly);
  double *x = malloc(N * sizeof *x);
  assert_non_null(cost);
  assert_non_null(qaly);
  assert_non_null(x);
  /* rows: patient by patient, strategies in order */
  const char *p = strchr(text, '\n') + 1;
  for (size_t i = 0; i < N; i++)
    for (size_t s = 0; s < S; s++) {
      assert_true(*p != '\0');
      cost[s * N + i] = field(p, c_cost);
      qaly[s * N + i] = field(p, c_qaly);
      p = strchr(p, '\n') + 1;
    }
  assert_true(*p == '\0');

  /* the summary means are the means of these columns */
  int k_cost = outcome_index(&st, "cost"), k_qaly = outcome_index(&st, "qaly");
  for (size_t s = 0; s < S; s++) {
    assert_close_rel(
        hfs_accum_se(&r.outcomes[s * r.n_outcomes + (size_t)k_cost]),
        direct_se(cost + s * N, N), 1e-9);
    assert_close_rel(
        hfs_accum_se(&r.outcomes[s * r.n_outcomes + (size_t)k_qaly]),
        direct_se(qaly + s * N, N), 1e-9);
  }

  const double wtp = 100000;
  size_t compared = 0;
  for (size_t a = 0; a < S; a++)
    for (size_t b = 0; b < S; b++) {
      if (a == b) {
        for (int what = 0; what < 3; what++)
          assert_close(hfs_results_paired_se(&r, a, b, what, wtp), 0.0, 0.0);
        continue;
      }
      for (int what = 0; what < 3; what++) {
        for (size_t i = 0; i < N; i++) {
          double dc = cost[a * N + i] - cost[b * N + i];
          double dq = qaly[a * N + i] - qaly[b * N + i];
          x[i] = what == 0 ? dc : what == 1 ? dq : wtp * dq - dc;
        }
        double want = direct_se(x, N);
        double got = hfs_results_paired_se(&r, a, b, what, wtp);
        if (!close_rel(got, want, 1e-8, 1e-12))
          fail_msg("paired se of %s - %s (%s): %.17g, direct %.17g",
                   st.model.strategy_names[a], st.model.strategy_names[b],
                   what == 0   ? "cost"
                   : what == 1 ? "qaly"
                               : "nmb",
                   got, want);
        compared++;
      }
    }
  assert_int_equal(compared, S * (S - 1) * 3);
  /* common random numbers: the paired se of the difference is far below
   * the se of the difference of two independent means */
  double indep =
      hypot(hfs_accum_se(&r.outcomes[4 * r.n_outcomes + (size_t)k_qaly]),
            hfs_accum_se(&r.outcomes[3 * r.n_outcomes + (size_t)k_qaly]));
  assert_true(hfs_results_paired_se(&r, 4, 3, 1, 0) < 0.5 * indep);

  free(cost);
  free(qaly);
  free(x);
  free(text);
  hfs_results_free(&r);
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

/* The progress of `hfsim verify` counts engine runs against the total its
 * models declare (hfs_model_class.verify_runs): the declared totals must be
 * the runs the hooks really make, or the bar and its ETA would lie. Few
 * patients: only the count matters here, not the checks' verdicts. */
static void progress_calls(void *user, uint64_t done, uint64_t planned)
{
  uint64_t *calls = user;
  assert_true(done <= planned);
  (*calls)++;
}

static void verify_declares_the_runs_it_makes(void **state)
{
  (void)state;
  const char *const configs[][1] = {{DEFAULT_INI},
                                    {HFS_SOURCE_DIR "/configs/sick_sicker.ini"}};
  for (size_t i = 0; i < 2; i++) {
    hfs_check checks[32];
    hfs_diag d;
    hfs_diag_init(&d);
    uint64_t calls = 0;
    hfs_verify_progress vp = {progress_calls, &calls, 0,
                              hfs_verify_planned_runs(configs[i], 1)};
    assert_true(vp.planned > 0);
    long n = hfs_verify_run(configs[i], 1, 300, NULL, checks, 32, &vp, &d);
    if (n <= 0)
      hfs_diag_print(&d, stderr);
    assert_true(n > 0);
    assert_int_equal(vp.done, vp.planned);
    assert_int_equal(calls, vp.planned);
    hfs_diag_free(&d);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(psa_is_identical_for_1_and_2_threads),
      cmocka_unit_test(verify_declares_the_runs_it_makes),
      cmocka_unit_test(psa_resumes_from_checkpoint_bit_identically),
      cmocka_unit_test(psa_checkpoint_read_handles_missing_foreign_and_torn),
      cmocka_unit_test(psa_draws_match_the_distribution_means),
      cmocka_unit_test(engine_continuation_is_bit_identical),
      cmocka_unit_test(subgroup_levels_add_up_to_the_cohort),
      cmocka_unit_test(paired_standard_errors_match_patients_csv),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
