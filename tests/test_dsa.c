/*
 * test_dsa.c - the deterministic sensitivity analyses of dsa.h, called from
 * C on the Sick-Sicker model (configs/sick_sicker.ini, small cohorts):
 *
 *   - a variant with the study's own values is the plain engine run, bit
 *     for bit, and the study is not changed by any analysis;
 *   - owsa: a cost parameter leaves every QALY unchanged (same patients),
 *     moves only the treated strategy's cost, linearly (low, base and high
 *     are equally spaced, so are the costs), and the costs at low and high
 *     match the exact Markov cohort within 4 Monte Carlo standard errors;
 *   - twsa: the grid runs from low to high, and each cell is the variant
 *     of its two values;
 *   - scenarios: the base block is the plain run; a scenario that sets a
 *     parameter is the variant with that value;
 *   - any number of strategies (70), and a raised stop flag interrupts.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "hfsim/dsa.h"
#include "hfsim/engine.h"
#include "hfsim/study.h"
#include "models/sick_sicker/sick_sicker.h"

#define SS_INI HFS_SOURCE_DIR "/configs/sick_sicker.ini"
#define PATIENTS 2000
#define Z 4.0

static void load_ok(hfs_study *st, const char *const *assignments, size_t n)
{
  hfs_override ov[128];
  assert_true(n <= 128);
  for (size_t i = 0; i < n; i++) {
    ov[i].assignment = assignments[i];
    ov[i].label = assignments[i];
  }
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_study_init(st);
  if (hfs_study_load(st, SS_INI, ov, n, &d) != HFS_OK) {
    hfs_diag_print(&d, stderr);
    fail_msg("configs/sick_sicker.ini did not load");
  }
  hfs_diag_free(&d);
}

static hfs_run_config config(const hfs_study *st)
{
  hfs_run_config cfg = hfs_study_run_config(st);
  cfg.patients = PATIENTS;
  cfg.threads = 2;
  return cfg;
}

static size_t param_index(const hfs_study *st, const char *name)
{
  const hfs_param *p = hfs_param_find(&st->params, name);
  if (p == NULL)
    fail_msg("no parameter %s", name);
  return (size_t)(p - st->params.items);
}

static size_t strategy_index(const hfs_study *st, const char *name)
{
  for (size_t s = 0; s < st->model.n_strategies; s++)
    if (strcmp(st->model.strategy_names[s], name) == 0)
      return s;
  fail_msg("no strategy %s", name);
  return 0;
}

/* The study's parameter values, to compare before and after. */
static double *snapshot(const hfs_study *st)
{
  double *v = calloc(st->params.count, sizeof *v);
  assert_non_null(v);
  for (size_t i = 0; i < st->params.count; i++)
    v[i] = st->params.items[i].value;
  return v;
}

static void assert_unchanged(const hfs_study *st, const double *before)
{
  for (size_t i = 0; i < st->params.count; i++)
    assert_true(st->params.items[i].value == before[i]);
}

/* Exact expected discounted cost of strategy TREATED with parameter NAME
 * set to VALUE (the cohort calculation on a copy of the table). */
static double cohort_cost(const hfs_study *st, const char *name, double value,
                          int treated)
{
  hfs_param_table t = st->params;
  t.items = calloc(t.count, sizeof *t.items);
  assert_non_null(t.items);
  memcpy(t.items, st->params.items, t.count * sizeof *t.items);
  t.items[param_index(st, name)].value = value;
  double cost;
  assert_int_equal(ss_cohort(&t, st->scenario.discount_rate_costs,
                             st->scenario.discount_rate_qalys, treated, &cost,
                             NULL, NULL),
                   HFS_OK);
  free(t.items);
  return cost;
}

static void variant_equals_the_plain_run(void **state)
{
  (void)state;
  hfs_study st;
  load_ok(&st, NULL, 0);
  hfs_run_config cfg = config(&st);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_results r;
  hfs_results_init(&r);
  assert_int_equal(hfs_engine_run(&st.model, &cfg, &r, &d), HFS_OK);
  hfs_dsa_variant v;
  memset(&v, 0, sizeof v);
  double w = st.scenario.wtp_main;
  assert_int_equal(hfs_dsa_simulate(&st, NULL, &cfg, w, &v, &d), HFS_OK);
  assert_int_equal(v.n_strategies, 2);
  const size_t K = r.n_outcomes, c = st.cls->cost_outcome,
               q = st.cls->qaly_outcome;
  for (size_t s = 0; s < 2; s++) {
    assert_true(v.cost[s] == r.outcomes[s * K + c].mean);
    assert_true(v.qaly[s] == r.outcomes[s * K + q].mean);
    assert_true(v.cost_se[s] == hfs_accum_se(&r.outcomes[s * K + c]));
    assert_true(v.nmb_se[s] == hfs_results_nmb_se(&r, s, w));
    assert_true(v.inc_nmb_se[s] == hfs_results_paired_se(&r, s, 0, 2, w));
    assert_true(v.nmb_se[s] > 0);
  }
  assert_true(v.inc_nmb_se[0] == 0.0);
  assert_true(v.inc_nmb_se[1] > 0.0);
  hfs_dsa_variant_free(&v);
  hfs_results_free(&r);
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

static void owsa_cost_parameter_moves_only_costs(void **state)
{
  (void)state;
  hfs_study st;
  load_ok(&st, NULL, 0);
  double *before = snapshot(&st);
  hfs_run_config cfg = config(&st);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_owsa_result r;
  assert_int_equal(hfs_owsa_run(&st, &cfg, NULL, NULL, &r, &d), HFS_OK);
  assert_unchanged(&st, before);
  /* every parameter but n_cycles has a range */
  assert_int_equal(r.n_params, st.params.count - 1);
  size_t j = 0;
  while (j < r.n_params &&
         strcmp(st.params.items[r.params[j]].name, "cost_treatment") != 0)
    j++;
  assert_true(j < r.n_params);
  assert_true(r.low_value[j] == 9200 && r.high_value[j] == 14800 &&
              r.base_value[j] == 12000);
  size_t none = strategy_index(&st, "no_treatment"),
         tx = strategy_index(&st, "treatment");
  const hfs_dsa_variant *lo = &r.low[j], *hi = &r.high[j], *b = &r.base;
  for (size_t s = 0; s < 2; s++) {
    assert_true(lo->qaly[s] == b->qaly[s]);
    assert_true(hi->qaly[s] == b->qaly[s]);
  }
  assert_true(lo->cost[none] == b->cost[none]);
  assert_true(hi->cost[none] == b->cost[none]);
  /* linear in the cost: base - low = high - base (2800 either side) */
  assert_close(b->cost[tx] - lo->cost[tx], hi->cost[tx] - b->cost[tx],
               1e-9 * b->cost[tx]);
  assert_true(hi->cost[tx] > b->cost[tx]);
  assert_within_se(lo->cost[tx], cohort_cost(&st, "cost_treatment", 9200, 1),
                   lo->cost_se[tx], Z);
  assert_within_se(hi->cost[tx], cohort_cost(&st, "cost_treatment", 14800, 1),
                   hi->cost_se[tx], Z);
  /* a transition parameter moves both strategies' QALYs */
  size_t k = 0;
  while (strcmp(st.params.items[r.params[k]].name, "p_s1s2") != 0)
    k++;
  assert_true(r.low[k].qaly[none] > r.high[k].qaly[none]);
  hfs_owsa_result_free(&r);
  free(before);
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

static void twsa_cells_are_the_variants_of_their_values(void **state)
{
  (void)state;
  hfs_study st;
  load_ok(&st, NULL, 0);
  double *before = snapshot(&st);
  hfs_run_config cfg = config(&st);
  cfg.patients = 500;
  hfs_diag d;
  hfs_diag_init(&d);
  const char *const specs[2] = {"cost_treatment", "utility_sick=0.6:0.9"};
  hfs_twsa_result r;
  assert_int_equal(
      hfs_twsa_run(&st, &cfg, specs, "test", 3, NULL, NULL, &r, &d), HFS_OK);
  assert_unchanged(&st, before);
  assert_string_equal(r.name[1], "utility_sick");
  assert_true(r.value[0][0] == 9200 && r.value[0][1] == 12000 &&
              r.value[0][2] == 14800);
  assert_true(r.value[1][0] == 0.6 && r.value[1][1] == 0.75 &&
              r.value[1][2] == 0.9);
  double *values = snapshot(&st);
  values[param_index(&st, "cost_treatment")] = 14800;
  values[param_index(&st, "utility_sick")] = 0.6;
  hfs_dsa_variant v;
  memset(&v, 0, sizeof v);
  assert_int_equal(
      hfs_dsa_simulate(&st, values, &cfg, st.scenario.wtp_main, &v, &d),
      HFS_OK);
  const hfs_dsa_variant *cell = &r.grid[2 * 3 + 0];
  for (size_t s = 0; s < 2; s++) {
    assert_true(cell->cost[s] == v.cost[s]);
    assert_true(cell->qaly[s] == v.qaly[s]);
  }
  /* errors in the specs are reported, nothing is run */
  hfs_twsa_result bad;
  const char *const wrong[2] = {"cost_treatmnt", "cost_treatment=5:1"};
  assert_int_equal(
      hfs_twsa_run(&st, &cfg, wrong, "test", 3, NULL, NULL, &bad, &d),
      HFS_ERR_INPUT);
  assert_int_equal(hfs_diag_count(&d), 2);
  hfs_twsa_result_free(&bad);
  /* a bound outside what the parameter can take is blamed on the spec,
   * quoted as typed (it was found at a grid point, blamed on the table) */
  const char *const outside[2] = {"cost_treatment=-1:5", "utility_sick=0.5:1.2"};
  assert_int_equal(
      hfs_twsa_run(&st, &cfg, outside, "test", 3, NULL, NULL, &bad, &d),
      HFS_ERR_INPUT);
  assert_int_equal(hfs_diag_count(&d), 4);
  assert_string_equal(d.entries[2].file, "test cost_treatment=-1:5");
  assert_non_null(strstr(d.entries[2].message, "LOW -1 is outside"));
  assert_string_equal(d.entries[3].file, "test utility_sick=0.5:1.2");
  assert_non_null(strstr(d.entries[3].message, "HIGH 1.2 is outside"));
  assert_null(bad.grid);
  hfs_twsa_result_free(&bad);
  hfs_dsa_variant_free(&v);
  free(values);
  free(before);
  hfs_twsa_result_free(&r);
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

/* A Sick-Sicker scenario file with strategies STRATEGIES (sections). */
static char *scenario_file(const char *strategies)
{
  static const char head[] =
      "[run]\nmodel = sick_sicker\npatients = 500\nseed = 3\n"
      "horizon_years = 31\noutput = out\n"
      "[economics]\ndiscount_rate_costs = 0.03\ndiscount_rate_qalys = 0.03\n"
      "currency = USD\nwtp = 50000\n"
      "[inputs]\nparameters = " HFS_SOURCE_DIR
      "/configs/sick_sicker_parameters.csv\n"
      "life_table = " HFS_SOURCE_DIR "/configs/life_table_us_ssa_2020.csv\n";
  size_t n = sizeof head + strlen(strategies);
  char *text = malloc(n);
  assert_non_null(text);
  snprintf(text, n, "%s%s", head, strategies);
  char *path = test_write_temp(text);
  free(text);
  return path;
}

static void load_file_ok(hfs_study *st, const char *path)
{
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_study_init(st);
  if (hfs_study_load(st, path, NULL, 0, &d) != HFS_OK) {
    hfs_diag_print(&d, stderr);
    fail_msg("the scenario file did not load");
  }
  hfs_diag_free(&d);
}

static void scenarios_base_and_a_parameter_scenario(void **state)
{
  (void)state;
  /* a scenario file with one [scenario NAME] section */
  char *path = scenario_file("[strategy none]\ntreated = no\n"
                             "[strategy tx]\ntreated = yes\n"
                             "[scenario dear]\ncost_treatment = 20000\n");
  hfs_study st;
  hfs_study_init(&st);
  hfs_diag d;
  hfs_diag_init(&d);
  if (hfs_study_load(&st, path, NULL, 0, &d) != HFS_OK) {
    hfs_diag_print(&d, stderr);
    fail_msg("the scenario file did not load");
  }
  hfs_run_config cfg = hfs_study_run_config(&st);
  hfs_scenarios_result r;
  assert_int_equal(
      hfs_scenarios_run(&st, path, NULL, 0, &cfg, NULL, NULL, &r, &d), HFS_OK);
  assert_int_equal(r.n, 2);
  assert_string_equal(r.names[0], "base");
  assert_string_equal(r.names[1], "dear");
  hfs_dsa_variant base, dear;
  memset(&base, 0, sizeof base);
  memset(&dear, 0, sizeof dear);
  assert_int_equal(hfs_dsa_simulate(&st, NULL, &cfg, 50000, &base, &d), HFS_OK);
  double *values = snapshot(&st);
  values[param_index(&st, "cost_treatment")] = 20000;
  assert_int_equal(hfs_dsa_simulate(&st, values, &cfg, 50000, &dear, &d),
                   HFS_OK);
  for (size_t s = 0; s < 2; s++) {
    assert_true(r.out[0].cost[s] == base.cost[s]);
    assert_true(r.out[1].cost[s] == dear.cost[s]);
    assert_true(r.out[1].qaly[s] == base.qaly[s]);
  }
  assert_true(r.out[1].cost[1] > r.out[0].cost[1]);
  assert_string_equal(r.strategy_names[1][1], "tx");
  free(values);
  hfs_dsa_variant_free(&base);
  hfs_dsa_variant_free(&dear);
  hfs_scenarios_result_free(&r);
  hfs_diag_free(&d);
  hfs_study_free(&st);
  remove(path);
  free(path);
}

static void any_number_of_strategies(void **state)
{
  (void)state;
  enum { N = 70 };
  char *sections = malloc(N * 48);
  assert_non_null(sections);
  size_t len = 0;
  for (int i = 0; i < N; i++)
    len +=
        (size_t)snprintf(sections + len, 48, "[strategy s%02d]\ntreated = %s\n",
                         i, i % 2 ? "yes" : "no");
  char *path = scenario_file(sections);
  free(sections);
  hfs_study st;
  load_file_ok(&st, path);
  assert_int_equal(st.model.n_strategies, N);
  hfs_run_config cfg = config(&st);
  cfg.patients = 300;
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_dsa_variant v;
  memset(&v, 0, sizeof v);
  assert_int_equal(
      hfs_dsa_simulate(&st, NULL, &cfg, st.scenario.wtp_main, &v, &d), HFS_OK);
  assert_int_equal(v.n_strategies, N);
  /* the same patients: every untreated strategy has the same numbers, and
   * so has every treated one */
  assert_true(v.cost[68] == v.cost[0] && v.qaly[68] == v.qaly[0]);
  assert_true(v.cost[69] == v.cost[1] && v.cost[69] > v.cost[0]);
  assert_true(v.inc_nmb_se[68] == 0.0);
  assert_true(v.inc_nmb_se[69] > 0.0);
  hfs_dsa_variant_free(&v);
  hfs_diag_free(&d);
  hfs_study_free(&st);
  remove(path);
  free(path);
}

static void a_raised_stop_flag_interrupts(void **state)
{
  (void)state;
  hfs_study st;
  load_ok(&st, NULL, 0);
  volatile sig_atomic_t stop = 1;
  hfs_run_config cfg = config(&st);
  cfg.stop_flag = &stop;
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_owsa_result r;
  assert_int_equal(hfs_owsa_run(&st, &cfg, NULL, NULL, &r, &d),
                   HFS_ERR_INTERRUPTED);
  hfs_owsa_result_free(&r);
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(variant_equals_the_plain_run),
      cmocka_unit_test(owsa_cost_parameter_moves_only_costs),
      cmocka_unit_test(twsa_cells_are_the_variants_of_their_values),
      cmocka_unit_test(scenarios_base_and_a_parameter_scenario),
      cmocka_unit_test(any_number_of_strategies),
      cmocka_unit_test(a_raised_stop_flag_interrupts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
