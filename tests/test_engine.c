/*
 * test_engine.c - the engine against a stub model with known answers, and
 * the model-class contract.
 *
 * The stub has two states (well in year 0, dead from year 1), one random
 * purpose, and deterministic outcomes: patient p under strategy s costs
 * 100 s + (p mod 2) and gains 1 + s QALYs; the attribute "parity" (p mod 2)
 * is a subgroup dimension. So every mean, standard error, trace count,
 * subgroup and paired difference is known exactly, and the tests check:
 * the values; the same bits for 1 and 2 threads; a continued run (and
 * hfs_results_merge) equal to one run; patients.csv rows through the
 * callback, in order, and a failing callback; the stop flag; the strategy
 * names owned by the engine; the precision rule (with a random cost: it
 * doubles until the target, equals one run of the final cohort, stops at
 * the limit); and hfs_model_class_check on the stub, on
 * broken copies of it and on every registered model.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <errno.h>

#include <gsl/gsl_rng.h>

#include "hfsim/engine.h"
#include "hfsim/mathx.h"
#include "hfsim/model.h"

/* out_of_memory_says_how_much asks for terabytes: under AddressSanitizer
 * (the sanitizer pass) calloc must then return NULL, as glibc's does,
 * instead of aborting. Unused in other builds. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
  return "allocator_may_return_null=1";
}

/* ---- the stub model ----------------------------------------------------- */

enum { O_COST, O_QALY, O_ODD, N_OUT };

static const hfs_outcome_def stub_outcomes[N_OUT] = {
    {"cost", "currency", HFS_OUT_MEAN | HFS_OUT_SUBGROUP, -1, "cost"},
    {"qaly", "QALY", HFS_OUT_MEAN, -1, "QALYs"},
    {"odd", "share", HFS_OUT_PROPORTION | HFS_OUT_HEADLINE, -1, "odd patient"},
};
static const hfs_state_def stub_states[] = {{"well", "alive", HFS_STATE_OTHER},
                                            {"dead", "dead", HFS_STATE_OUT}};
static const char *const parity_levels[] = {"even", "odd"};
static const hfs_attribute_def stub_attributes[] = {
    {"parity", parity_levels, "patient number mod 2", 2, 0, 0}};

static hfs_status stub_create(hfs_model *m, const hfs_model_inputs *in,
                              hfs_diag *d)
{
  (void)in;
  (void)d;
  m->max_years = 3.0;
  return HFS_OK;
}

static void stub_destroy(hfs_model *m)
{
  (void)m;
}

static void stub_simulate(const hfs_model *m, size_t strategy,
                          hfs_sim_context *ctx)
{
  (void)m;
  double odd = (double)(ctx->patient % 2);
  ctx->outcomes[O_COST] = 100.0 * (double)strategy + odd;
  ctx->outcomes[O_QALY] = 1.0 + (double)strategy;
  ctx->outcomes[O_ODD] = odd;
  ctx->attributes[0] = odd;
  hfs_trace_state(ctx->trace, 0, 0.0, 1.0);
  hfs_trace_state(ctx->trace, 1, 1.0, HFS_INF);
  ctx->simulated_years = 1.0;
}

static void stub_describe(const hfs_model *m, FILE *out)
{
  (void)m;
  (void)out;
}

static const hfs_model_class stub = {
    .name = "stub",
    .description = "two states, known answers",
    .outcomes = stub_outcomes,
    .n_outcomes = N_OUT,
    .cost_outcome = O_COST,
    .qaly_outcome = O_QALY,
    .states = stub_states,
    .n_states = 2,
    .attributes = stub_attributes,
    .n_attributes = 1,
    .n_purposes = 1,
    .create = stub_create,
    .destroy = stub_destroy,
    .simulate = stub_simulate,
    .describe = stub_describe,
};

static char *strategy_names[] = {"a", "b", "c"};

static void create_stub(hfs_model *m, const hfs_model_class *cls)
{
  hfs_scenario sc;
  hfs_scenario_init(&sc);
  sc.strategy_names = strategy_names;
  sc.n_strategies = 3;
  hfs_model_inputs in = {NULL, NULL, &sc};
  hfs_diag d;
  hfs_diag_init(&d);
  if (hfs_model_create(m, cls, &in, &d) != HFS_OK) {
    hfs_diag_print(&d, stderr);
    fail_msg("the stub model was not created");
  }
  hfs_diag_free(&d);
}

static hfs_run_config config(uint64_t patients, int threads)
{
  hfs_run_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.patients = patients;
  cfg.seed = 1;
  cfg.threads = threads;
  cfg.horizon_years = HFS_INF;
  return cfg;
}

static void run_ok(const hfs_model *m, const hfs_run_config *cfg,
                   hfs_results *r)
{
  hfs_diag d;
  hfs_diag_init(&d);
  if (hfs_engine_run(m, cfg, r, &d) != HFS_OK) {
    hfs_diag_print(&d, stderr);
    fail_msg("the engine failed");
  }
  hfs_diag_free(&d);
}

/* The results of two runs are the same bits. */
static void assert_same_results(const hfs_results *a, const hfs_results *b)
{
  size_t S = a->n_strategies, K = a->n_outcomes;
  assert_int_equal(a->patients, b->patients);
  assert_memory_equal(a->outcomes, b->outcomes, S * K * sizeof *a->outcomes);
  assert_memory_equal(a->trace, b->trace,
                      S * a->n_years * a->n_states * sizeof *a->trace);
  assert_memory_equal(a->paired, b->paired, S * S * sizeof *a->paired);
  assert_memory_equal(a->subgroups, b->subgroups,
                      a->n_subgroup_levels * S * K * sizeof *a->subgroups);
  assert_true(a->simulated_years == b->simulated_years);
}

/* ---- tests -------------------------------------------------------------- */

static void known_answers(void **state)
{
  (void)state;
  hfs_model m;
  create_stub(&m, &stub);
  const uint64_t N = 1000; /* not a whole number of blocks */
  hfs_run_config cfg = config(N, 2);
  hfs_results r;
  hfs_results_init(&r);
  run_ok(&m, &cfg, &r);
  assert_int_equal(r.patients, N);
  assert_int_equal(r.n_strategies, 3);
  assert_int_equal(r.n_years, 4); /* years 0..3 (max_years 3) */
  /* cost: 100 s + a 0/1 value that is 1 for half the patients */
  double se01 = sqrt(((double)N * 0.25 / (double)(N - 1)) / (double)N);
  for (size_t s = 0; s < 3; s++) {
    const hfs_accum *o = r.outcomes + s * N_OUT;
    assert_int_equal(o[O_COST].n, N);
    assert_close(o[O_COST].mean, 100.0 * (double)s + 0.5, 1e-12);
    assert_close(hfs_accum_se(&o[O_COST]), se01, 1e-15);
    assert_true(o[O_QALY].mean == 1.0 + (double)s);
    assert_true(hfs_accum_se(&o[O_QALY]) == 0.0);
    assert_close(o[O_ODD].mean, 0.5, 1e-15);
    /* own NMB at any WTP varies only through cost */
    assert_close(hfs_results_nmb_se(&r, s, 50000.0), se01, 1e-12);
    /* trace: everyone well in year 0, dead from year 1 */
    const uint64_t *tr = r.trace + s * r.n_years * 2;
    assert_int_equal(tr[0 * 2 + 0], N);
    assert_int_equal(tr[0 * 2 + 1], 0);
    for (size_t y = 1; y < 4; y++) {
      assert_int_equal(tr[y * 2 + 0], 0);
      assert_int_equal(tr[y * 2 + 1], N);
    }
    /* subgroups: parity even, then odd */
    for (size_t g = 0; g < 2; g++) {
      const hfs_accum *sub = r.subgroups + (g * 3 + s) * N_OUT;
      assert_int_equal(sub[O_COST].n, N / 2);
      assert_true(sub[O_COST].mean == 100.0 * (double)s + (double)g);
    }
  }
  /* paired differences: the 0/1 part cancels (common patients) */
  assert_true(hfs_results_paired_se(&r, 2, 0, 0, 0.0) == 0.0);
  assert_true(hfs_results_paired_se(&r, 2, 0, 2, 30000.0) == 0.0);
  assert_close(r.paired[0 * 3 + 2].mean_x, -200.0, 1e-12);
  assert_close(r.paired[0 * 3 + 2].mean_y, -2.0, 1e-15);
  assert_close(r.simulated_years, 3.0 * (double)N, 0);
  hfs_results_free(&r);
  hfs_model_destroy(&m);
}

static void same_bits_for_any_thread_count(void **state)
{
  (void)state;
  hfs_model m;
  create_stub(&m, &stub);
  hfs_results a, b;
  hfs_results_init(&a);
  hfs_results_init(&b);
  hfs_run_config c1 = config(3000, 1), c2 = config(3000, 2);
  run_ok(&m, &c1, &a);
  run_ok(&m, &c2, &b);
  assert_same_results(&a, &b);
  hfs_results_free(&a);
  hfs_results_free(&b);
  hfs_model_destroy(&m);
}

static void a_continued_run_and_a_merge_equal_one_run(void **state)
{
  (void)state;
  hfs_model m;
  create_stub(&m, &stub);
  hfs_results whole, cont, half;
  hfs_results_init(&whole);
  hfs_results_init(&cont);
  hfs_results_init(&half);
  hfs_run_config c = config(1024, 2);
  run_ok(&m, &c, &whole);
  c.patients = 512;
  run_ok(&m, &c, &cont);
  c.first_patient = 512;
  run_ok(&m, &c, &cont);
  assert_same_results(&whole, &cont);
  /* patients 512..1023 on their own, merged into a copy of 0..511 */
  hfs_results first;
  hfs_results_init(&first);
  c.first_patient = 0;
  run_ok(&m, &c, &first);
  hfs_run_config c_half = config(512, 2);
  run_ok(&m, &c_half, &half); /* same values: patient parity repeats */
  assert_int_equal(hfs_results_merge(&first, &half), HFS_OK);
  assert_int_equal(first.patients, 1024);
  for (size_t k = 0; k < 3 * N_OUT; k++) {
    assert_int_equal(first.outcomes[k].n, whole.outcomes[k].n);
    assert_close(first.outcomes[k].mean, whole.outcomes[k].mean, 1e-12);
    assert_close(first.outcomes[k].m2, whole.outcomes[k].m2, 1e-9);
  }
  assert_memory_equal(first.trace, whole.trace,
                      3 * whole.n_years * 2 * sizeof *whole.trace);
  /* results of another shape are refused, INTO unchanged */
  hfs_results other = half;
  other.n_strategies = 2;
  assert_int_equal(hfs_results_merge(&first, &other), HFS_ERR_INPUT);
  assert_int_equal(first.patients, 1024);
  hfs_results_free(&first);
  hfs_results_free(&whole);
  hfs_results_free(&cont);
  hfs_results_free(&half);
  hfs_model_destroy(&m);
}

typedef struct rows_seen {
  size_t calls, lines, bytes;
  char first[64];
  int fail_at; /* fail on this call (1-based), 0 = never */
} rows_seen;

static int collect_rows(void *user, const char *rows, size_t len)
{
  rows_seen *r = user;
  r->calls++;
  if (r->fail_at > 0 && (int)r->calls == r->fail_at) {
    errno = ENOSPC;
    return -1;
  }
  if (r->bytes == 0)
    snprintf(r->first, sizeof r->first, "%.*s",
             (int)(strchr(rows, '\n') - rows), rows);
  for (size_t i = 0; i < len; i++)
    r->lines += rows[i] == '\n';
  r->bytes += len;
  return 0;
}

static void patient_rows_through_the_callback(void **state)
{
  (void)state;
  hfs_model m;
  create_stub(&m, &stub);
  hfs_run_config c = config(600, 2); /* 3 blocks */
  rows_seen seen;
  memset(&seen, 0, sizeof seen);
  c.patient_rows = collect_rows;
  c.patient_rows_user = &seen;
  hfs_results r;
  hfs_results_init(&r);
  run_ok(&m, &c, &r);
  assert_int_equal(seen.calls, 3);
  assert_int_equal(seen.lines, 600 * 3);
  /* patient 1 (number 0, even) under strategy a: parity, cost, qaly, odd */
  assert_string_equal(seen.first, "1,a,even,0,1,0");
  /* a failing callback stops the run: an I/O error naming the file */
  memset(&seen, 0, sizeof seen);
  seen.fail_at = 2;
  c.patients_csv_name = "out/patients.csv";
  hfs_diag d;
  hfs_diag_init(&d);
  assert_int_equal(hfs_engine_run(&m, &c, &r, &d), HFS_ERR_IO);
  expect_error(&d, "out/patients.csv", 0, "cannot write");
  hfs_diag_free(&d);
  hfs_results_free(&r);
  hfs_model_destroy(&m);
}

static void a_raised_stop_flag_interrupts(void **state)
{
  (void)state;
  hfs_model m;
  create_stub(&m, &stub);
  volatile sig_atomic_t stop = 1;
  hfs_run_config c = config(600, 2);
  c.stop_flag = &stop;
  hfs_results r;
  hfs_results_init(&r);
  hfs_diag d;
  hfs_diag_init(&d);
  assert_int_equal(hfs_engine_run(&m, &c, &r, &d), HFS_ERR_INTERRUPTED);
  assert_int_equal(r.patients, 0);
  hfs_diag_free(&d);
  hfs_results_free(&r);
  hfs_model_destroy(&m);
}

/* Out of memory: the message says what the buffers were for and how much
 * they need (issue 8). A horizon of 10^12 years asks for terabytes of trace
 * buffers, which calloc refuses at once. */
static void out_of_memory_says_how_much(void **state)
{
  (void)state;
  hfs_model m;
  create_stub(&m, &stub);
  m.max_years = 1e12;
  hfs_run_config c = config(300, 1);
  c.horizon_years = 1e12;
  hfs_results r;
  hfs_results_init(&r);
  hfs_diag d;
  hfs_diag_init(&d);
  assert_int_equal(hfs_engine_run(&m, &c, &r, &d), HFS_ERR_NOMEM);
  assert_true(hfs_diag_count(&d) > 0);
  const char *msg = d.entries[hfs_diag_count(&d) - 1].message;
  assert_non_null(strstr(msg, "out of memory while simulating"));
  assert_non_null(strstr(msg, "MiB"));
  assert_non_null(strstr(msg, "1000000000001 trace years"));
  hfs_diag_free(&d);
  hfs_results_free(&r);
  hfs_model_destroy(&m);
}

static void the_engine_owns_the_strategy_names(void **state)
{
  (void)state;
  hfs_model m;
  create_stub(&m, &stub);
  assert_int_equal(m.n_strategies, 3);
  assert_string_equal(m.strategy_names[1], "b");
  assert_ptr_not_equal(m.strategy_names[1], strategy_names[1]); /* a copy */
  hfs_model_destroy(&m);
  assert_null(m.strategy_names);
  assert_int_equal(m.n_strategies, 0);
}

/* ---- the precision rule ------------------------------------------------- */

/* Like the stub, with a random cost: strategy s costs 100 s + (s + 1) u,
 * u uniform on [0, 1) from the patient's stream, so the increment between
 * strategies 2 and 1 has the Monte Carlo error sqrt(1/12) / sqrt(n). */
static void random_simulate(const hfs_model *m, size_t strategy,
                            hfs_sim_context *ctx)
{
  stub_simulate(m, strategy, ctx);
  double u = gsl_rng_uniform(ctx->streams[0]);
  ctx->outcomes[O_COST] = 100.0 * (double)strategy + (double)(strategy + 1) * u;
}

typedef struct rounds_seen {
  size_t n;
  uint64_t patients[8];
  int done[8];
  size_t best, second;
} rounds_seen;

static void record_round(void *user, const hfs_results *r,
                         const hfs_precision_round *round)
{
  rounds_seen *s = user;
  if (s->n < 8) {
    s->patients[s->n] = r->patients;
    s->done[s->n] = round->done;
  }
  s->n++;
  s->best = round->best;
  s->second = round->second;
}

static void the_precision_rule_doubles_until_the_target(void **state)
{
  (void)state;
  hfs_model_class cls = stub;
  cls.simulate = random_simulate;
  hfs_model m;
  create_stub(&m, &cls);
  hfs_diag d;
  hfs_diag_init(&d);
  /* at WTP 1000 the NMB is 1000 + 900 s - (s + 1) u: strategy c best,
   * b second; se of the increment ~0.2887 / sqrt(n) <= 0.01 needs
   * n >= 834: 100 -> 256 (a whole block), 512, 1024 */
  hfs_run_config c = config(100, 2);
  hfs_results r;
  hfs_results_init(&r);
  rounds_seen seen;
  memset(&seen, 0, sizeof seen);
  assert_int_equal(hfs_precision_first_round(100, 100000), 256);
  assert_int_equal(hfs_precision_first_round(100, 200), 100);
  /* --max-patients below the scenario's cohort caps the first round */
  assert_int_equal(hfs_precision_first_round(100000, 100), 100);
  assert_int_equal(hfs_precision_first_round(512, 256), 256);
  assert_int_equal(hfs_engine_run_to_precision(&m, &c, 1000.0, 0.01, 100000,
                                               record_round, &seen, &r, &d),
                   HFS_OK);
  assert_int_equal(seen.n, 3);
  assert_int_equal(seen.patients[0], 256);
  assert_int_equal(seen.patients[1], 512);
  assert_int_equal(seen.patients[2], 1024);
  assert_int_equal(seen.done[1], 0);
  assert_int_equal(seen.done[2], 1);
  assert_int_equal(seen.best, 2);
  assert_int_equal(seen.second, 1);
  assert_true(hfs_results_paired_se(&r, 2, 1, 2, 1000.0) <= 0.01);
  assert_true(hfs_results_paired_se(&r, 2, 1, 2, 1000.0) > 0.008);
  /* the doubled run is one run of 1024 patients, bit for bit */
  hfs_results plain;
  hfs_results_init(&plain);
  hfs_run_config p = config(1024, 1);
  run_ok(&m, &p, &plain);
  assert_same_results(&r, &plain);
  /* a target out of reach stops at the limit */
  memset(&seen, 0, sizeof seen);
  assert_int_equal(hfs_engine_run_to_precision(&m, &c, 1000.0, 1e-6, 600,
                                               record_round, &seen, &r, &d),
                   HFS_OK);
  assert_int_equal(seen.n, 3);
  assert_int_equal(seen.patients[2], 600);
  assert_int_equal(seen.done[2], 2);
  assert_int_equal(r.patients, 600);
  hfs_results_free(&plain);
  hfs_results_free(&r);
  hfs_diag_free(&d);
  hfs_model_destroy(&m);
}

/* ---- the class contract ------------------------------------------------- */

static void the_contract_is_checked_at_creation(void **state)
{
  (void)state;
  assert_null(hfs_model_class_check(&stub));
  hfs_outcome_def bad_out[N_OUT];
  hfs_model_class c;
  /* index out of range, the same index twice */
  c = stub;
  c.cost_outcome = N_OUT;
  assert_non_null(hfs_model_class_check(&c));
  c = stub;
  c.qaly_outcome = O_COST;
  assert_non_null(hfs_model_class_check(&c));
  /* QALYs pointing at a proportion, cost in the wrong unit */
  c = stub;
  c.qaly_outcome = O_ODD;
  assert_non_null(hfs_model_class_check(&c));
  memcpy(bad_out, stub_outcomes, sizeof bad_out);
  bad_out[O_COST].unit = "years";
  c = stub;
  c.outcomes = bad_out;
  assert_non_null(hfs_model_class_check(&c));
  /* a hidden cost, a condition that is not a 0/1 outcome */
  memcpy(bad_out, stub_outcomes, sizeof bad_out);
  bad_out[O_COST].flags |= HFS_OUT_HIDDEN;
  assert_non_null(hfs_model_class_check(&c));
  memcpy(bad_out, stub_outcomes, sizeof bad_out);
  bad_out[O_ODD].condition = O_QALY;
  assert_non_null(hfs_model_class_check(&c));
  /* a missing hook, no states */
  c = stub;
  c.simulate = NULL;
  assert_non_null(hfs_model_class_check(&c));
  c = stub;
  c.n_states = 0;
  assert_non_null(hfs_model_class_check(&c));
  /* hfs_model_create refuses a broken class with an internal error */
  c = stub;
  c.cost_outcome = 7;
  hfs_scenario sc;
  hfs_scenario_init(&sc);
  hfs_model_inputs in = {NULL, NULL, &sc};
  hfs_model m;
  hfs_diag d;
  hfs_diag_init(&d);
  assert_int_equal(hfs_model_create(&m, &c, &in, &d), HFS_ERR_INPUT);
  expect_error(&d, NULL, 0, "internal error: model 'stub'");
  hfs_diag_free(&d);
}

static void every_registered_model_keeps_the_contract(void **state)
{
  (void)state;
  assert_true(hfs_model_class_count() >= 2);
  for (size_t i = 0; i < hfs_model_class_count(); i++) {
    const hfs_model_class *c = hfs_model_class_at(i);
    const char *broken = hfs_model_class_check(c);
    if (broken != NULL)
      fail_msg("model %s: %s", c->name, broken);
    assert_ptr_equal(hfs_model_class_find(c->name), c);
  }
  assert_null(hfs_model_class_at(hfs_model_class_count()));
  assert_null(hfs_model_class_find("no_such_model"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(known_answers),
      cmocka_unit_test(same_bits_for_any_thread_count),
      cmocka_unit_test(a_continued_run_and_a_merge_equal_one_run),
      cmocka_unit_test(patient_rows_through_the_callback),
      cmocka_unit_test(a_raised_stop_flag_interrupts),
      cmocka_unit_test(out_of_memory_says_how_much),
      cmocka_unit_test(the_engine_owns_the_strategy_names),
      cmocka_unit_test(the_precision_rule_doubles_until_the_target),
      cmocka_unit_test(the_contract_is_checked_at_creation),
      cmocka_unit_test(every_registered_model_keeps_the_contract),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
