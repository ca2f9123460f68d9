/*
 * test_sick_sicker.c - the Sick-Sicker model (Krijkamp et al. 2018) against
 * its exact cohort calculation:
 *
 *   (a) ss_cohort() against a 4x4 Markov trace written out
 *       here, independently, from the tutorial's numbers, and against
 *       reference values pinned from a separate re-implementation of the
 *       tutorial's Appendix C cohort code (same conventions: payoffs at
 *       cycles 0..30, weights 1/1.03^t, no half-cycle correction);
 *   (b) the microsimulation of 20000 patients (configs/sick_sicker.ini)
 *       within 4 Monte Carlo standard errors of the cohort, both strategies;
 *   (c) the simulated trace within 4 standard errors of the cohort trace;
 *   (d) impossible transition sets and bad strategy settings are rejected
 *       with messages naming the file and line.
 *
 * Seeds are fixed, so every statistical check is deterministic; the 4-SE
 * limits were chosen before looking at the results.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "hfsim/engine.h"
#include "models/sick_sicker/sick_sicker.h"
#include "hfsim/study.h"

#define SS_INI HFS_SOURCE_DIR "/configs/sick_sicker.ini"
#define Z 4.0

/* ---- helpers ----------------------------------------------------------- */

static hfs_status load(hfs_study *st, const char *const *assignments, size_t n,
                       hfs_diag *d)
{
  hfs_override ov[16];
  assert_true(n <= 16);
  for (size_t i = 0; i < n; i++) {
    ov[i].assignment = assignments[i];
    ov[i].label = assignments[i];
  }
  hfs_study_init(st);
  return hfs_study_load(st, SS_INI, ov, n, d);
}

static void load_ok(hfs_study *st, const char *const *assignments, size_t n)
{
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_status s = load(st, assignments, n, &d);
  if (s != HFS_OK) {
    hfs_diag_print(&d, stderr);
    fail_msg("configs/sick_sicker.ini did not load");
  }
  hfs_diag_free(&d);
}

static double param(const hfs_study *st, const char *name)
{
  const hfs_param *p = hfs_param_find(&st->params, name);
  if (p == NULL)
    fail_msg("no parameter %s", name);
  return p->value;
}

static long param_line(const hfs_study *st, const char *name)
{
  const hfs_param *p = hfs_param_find(&st->params, name);
  if (p == NULL)
    fail_msg("no parameter %s", name);
  return p->line;
}

static int outcome_index(const hfs_study *st, const char *name)
{
  for (size_t k = 0; k < st->cls->n_outcomes; k++)
    if (strcmp(st->cls->outcomes[k].name, name) == 0)
      return (int)k;
  fail_msg("no outcome %s", name);
  return -1;
}

static const hfs_accum *outcome(const hfs_study *st, const hfs_results *r,
                                size_t strategy, const char *name)
{
  return &r->outcomes[strategy * r->n_outcomes +
                      (size_t)outcome_index(st, name)];
}

/* The diagnostic whose message contains NEEDLE (fails if none). */
static const hfs_diag_entry *find_diag(const hfs_diag *d, const char *needle)
{
  for (size_t i = 0; i < d->count; i++)
    if (strstr(d->entries[i].message, needle) != NULL)
      return &d->entries[i];
  hfs_diag_print(d, stderr);
  fail_msg("no diagnostic contains '%s'", needle);
  return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- an independent cohort calculation ----------------------------------- */

typedef struct hand_result {
  double cost, qaly, life_years;
  double trace[31][4];
} hand_result;

/* The tutorial's Markov model written out longhand (Appendix C of Krijkamp
 * et al. 2018): m.P by rows H, S1, S2, D; v.c and v.u by treatment;
 * tc_hat = sum_t (m.TR[t] . v.c) / (1 + d.c)^t for t = 0..n_t. */
static void hand_cohort(int n_t, double d_c, double d_e, int trt,
                        hand_result *out)
{
  const double p_HD = 0.005, p_HS1 = 0.15, p_S1H = 0.5, p_S1S2 = 0.105;
  const double rr_S1 = 3.0, rr_S2 = 10.0;
  const double r_HD = -log(1.0 - p_HD);
  const double p_S1D = 1.0 - exp(-r_HD * rr_S1);
  const double p_S2D = 1.0 - exp(-r_HD * rr_S2);
  const double mP[4][4] = {
      {1.0 - (p_HS1 + p_HD), p_HS1, 0.0, p_HD},
      {p_S1H, 1.0 - (p_S1H + p_S1S2 + p_S1D), p_S1S2, p_S1D},
      {0.0, 0.0, 1.0 - p_S2D, p_S2D},
      {0.0, 0.0, 0.0, 1.0}};
  const double c_Trt = 12000.0;
  const double v_c[4] = {2000.0, 4000.0 + c_Trt * trt, 15000.0 + c_Trt * trt,
                         0.0};
  const double v_u[4] = {1.0, trt ? 0.95 : 0.75, 0.5, 0.0};
  double m[4] = {1.0, 0.0, 0.0, 0.0};
  memset(out, 0, sizeof *out);
  for (int t = 0; t <= n_t; t++) {
    if (t < 31)
      memcpy(out->trace[t], m, sizeof m);
    double c = 0.0, u = 0.0;
    for (int j = 0; j < 4; j++) {
      c += m[j] * v_c[j];
      u += m[j] * v_u[j];
    }
    out->cost += c / pow(1.0 + d_c, t);
    out->qaly += u / pow(1.0 + d_e, t);
    out->life_years += 1.0 - m[3];
    double next[4] = {0.0, 0.0, 0.0, 0.0};
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++)
        next[j] += m[i] * mP[i][j];
    memcpy(m, next, sizeof m);
  }
}

/* ---- (a) cohort ------------------------------------------------------------
 */

static void test_table_has_tutorial_values(void **state)
{
  (void)state;
  hfs_study st;
  load_ok(&st, NULL, 0);
  assert_close(param(&st, "p_hd"), 0.005, 0);
  assert_close(param(&st, "p_hs1"), 0.15, 0);
  assert_close(param(&st, "p_s1h"), 0.5, 0);
  assert_close(param(&st, "p_s1s2"), 0.105, 0);
  assert_close(param(&st, "rr_s1"), 3, 0);
  assert_close(param(&st, "rr_s2"), 10, 0);
  assert_close(param(&st, "cost_healthy"), 2000, 0);
  assert_close(param(&st, "cost_sick"), 4000, 0);
  assert_close(param(&st, "cost_sicker"), 15000, 0);
  assert_close(param(&st, "cost_treatment"), 12000, 0);
  assert_close(param(&st, "utility_healthy"), 1, 0);
  assert_close(param(&st, "utility_sick"), 0.75, 0);
  assert_close(param(&st, "utility_sicker"), 0.5, 0);
  assert_close(param(&st, "utility_sick_treated"), 0.95, 0);
  assert_close(param(&st, "n_cycles"), 30, 0);
  assert_close(st.scenario.discount_rate_costs, 0.03, 0);
  assert_close(st.scenario.discount_rate_qalys, 0.03, 0);
  assert_string_equal(st.model.strategy_names[0], "no_treatment");
  assert_string_equal(st.model.strategy_names[1], "treatment");
  assert_int_equal(ss_treated(&st.model, 0), 0);
  assert_int_equal(ss_treated(&st.model, 1), 1);
  assert_int_equal(ss_treated(&st.model, 2), -1);
  assert_close(st.model.max_years, 30, 0);
  hfs_study_free(&st);
}

static void check_against_hand(const hfs_param_table *t, double rc, double rq,
                               int treated)
{
  hand_result h;
  hand_cohort(30, rc, rq, treated, &h);
  double c, q, ly;
  assert_int_equal(ss_cohort(t, rc, rq, treated, &c, &q, &ly), HFS_OK);
  assert_close(c, h.cost, 1e-12 * h.cost);
  assert_close(q, h.qaly, 1e-12 * h.qaly);
  assert_close(ly, h.life_years, 1e-12 * h.life_years);
}

static void test_cohort_matches_hand_rolled_trace(void **state)
{
  (void)state;
  hfs_study st;
  load_ok(&st, NULL, 0);
  for (int treated = 0; treated <= 1; treated++) {
    check_against_hand(&st.params, 0.03, 0.03, treated);
    check_against_hand(&st.params, 0.0, 0.0, treated);
    /* the two rates are used separately */
    check_against_hand(&st.params, 0.05, 0.015, treated);
  }
  /* The trace, row by row. */
  hand_result h;
  hand_cohort(30, 0.03, 0.03, 0, &h);
  double tr[31 * SS_N_STATES];
  assert_int_equal(ss_cohort_trace(&st.params, tr, 31), HFS_OK);
  for (int k = 0; k < 31; k++) {
    double sum = 0.0;
    for (int j = 0; j < SS_N_STATES; j++) {
      assert_close(tr[k * SS_N_STATES + j], h.trace[k][j], 1e-14);
      sum += tr[k * SS_N_STATES + j];
    }
    assert_close(sum, 1.0, 1e-12);
  }
  assert_close(tr[4 + SS_HEALTHY], 0.845, 1e-15);
  assert_close(tr[4 + SS_SICK], 0.15, 1e-15);
  assert_close(tr[4 + SS_SICKER], 0.0, 0);
  assert_close(tr[4 + SS_DEAD], 0.005, 1e-15);
  hfs_study_free(&st);
}

/* Reference values from a separate re-implementation (Python, double
 * precision) of the cohort code of the tutorial's Appendix C
 * (DARTH-git/Microsimulation-tutorial, "Appendix C_online_supp.R"):
 * m.TR over cycles 0..30, tc_hat = m.TR %*% v.c weighted 1/1.03^(0:30).
 * Not figures printed in the article (its tables report the
 * microsimulation, which carries Monte Carlo error). */
static void test_cohort_reference_values(void **state)
{
  (void)state;
  hfs_study st;
  load_ok(&st, NULL, 0);
  static const struct {
    int treated;
    double rate, cost, qaly;
  } ref[] = {
      {0, 0.03, 75976.14914014253, 15.838847814542657},
      {1, 0.03, 141623.02818834377, 16.4004055892414},
      {0, 0.0, 119131.56926705074, 22.721083365167026},
      {1, 0.0, 222426.698641755, 23.535371743145664},
  };
  for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
    double c, q, ly;
    assert_int_equal(ss_cohort(&st.params, ref[i].rate, ref[i].rate,
                               ref[i].treated, &c, &q, &ly),
                     HFS_OK);
    assert_close(c, ref[i].cost, 1e-9 * ref[i].cost);
    assert_close(q, ref[i].qaly, 1e-9 * ref[i].qaly);
    assert_close(ly, 26.007186616639753, 1e-9 * 26.0);
  }
  /* ICER of treatment, about 116,900 per QALY. */
  double icer = (ref[1].cost - ref[0].cost) / (ref[1].qaly - ref[0].qaly);
  assert_close(icer, 116902.0, 1.0);
  hfs_study_free(&st);
}

static void test_cohort_rejects_bad_input(void **state)
{
  (void)state;
  hfs_study st;
  load_ok(&st, NULL, 0);
  double c = -1.0, q = -1.0, ly = -1.0;
  assert_int_equal(ss_cohort(NULL, 0.03, 0.03, 0, &c, &q, &ly), HFS_ERR_INPUT);
  assert_int_equal(ss_cohort(&st.params, -0.01, 0.03, 0, &c, &q, &ly),
                   HFS_ERR_INPUT);
  assert_close(c, -1.0, 0); /* untouched */
  /* NULL outputs are allowed */
  assert_int_equal(ss_cohort(&st.params, 0.03, 0.03, 1, NULL, &q, NULL),
                   HFS_OK);
  assert_close(q, 16.4004055892414, 1e-9 * 16.4);
  /* an impossible chain: leaving Sick sums to 1.1149 */
  hfs_param *p = hfs_param_find(&st.params, "p_s1s2");
  p->value = 0.6;
  assert_int_equal(ss_cohort(&st.params, 0.03, 0.03, 0, &c, &q, &ly),
                   HFS_ERR_INPUT);
  double tr[4];
  assert_int_equal(ss_cohort_trace(&st.params, tr, 1), HFS_ERR_INPUT);
  p->value = 0.105;
  /* n_cycles must be a whole number */
  p = hfs_param_find(&st.params, "n_cycles");
  p->value = 30.5;
  assert_int_equal(ss_cohort(&st.params, 0.03, 0.03, 0, &c, &q, &ly),
                   HFS_ERR_INPUT);
  hfs_study_free(&st);
}

/* ---- (b), (c) the microsimulation -----------------------------------------
 */

typedef struct sim {
  hfs_study st;
  hfs_results res;
  hfs_run_config cfg;
} sim;

static void run_sim(sim *s, const char *const *extra, size_t n_extra)
{
  const char *ov[8] = {"run.patients=20000"};
  for (size_t i = 0; i < n_extra; i++)
    ov[1 + i] = extra[i];
  load_ok(&s->st, ov, 1 + n_extra);
  s->cfg = hfs_study_run_config(&s->st);
  assert_int_equal(s->cfg.patients, 20000);
  hfs_results_init(&s->res);
  hfs_diag d;
  hfs_diag_init(&d);
  assert_int_equal(hfs_engine_run(&s->st.model, &s->cfg, &s->res, &d), HFS_OK);
  hfs_diag_free(&d);
}

static void sim_free(sim *s)
{
  hfs_results_free(&s->res);
  hfs_study_free(&s->st);
}

static void test_microsimulation_matches_cohort(void **state)
{
  (void)state;
  sim s;
  run_sim(&s, NULL, 0);
  assert_int_equal(s.res.n_strategies, 2);
  for (size_t k = 0; k < 2; k++) {
    int treated = ss_treated(&s.st.model, k);
    double c, q, ly, cu, qu;
    assert_int_equal(ss_cohort(&s.st.params, s.cfg.discount_rate_costs,
                               s.cfg.discount_rate_qalys, treated, &c, &q, &ly),
                     HFS_OK);
    assert_int_equal(ss_cohort(&s.st.params, 0.0, 0.0, treated, &cu, &qu, NULL),
                     HFS_OK);
    const hfs_accum *a = outcome(&s.st, &s.res, k, "cost");
    assert_int_equal(a->n, 20000);
    assert_within_se(a->mean, c, hfs_accum_se(a), Z);
    a = outcome(&s.st, &s.res, k, "qaly");
    assert_within_se(a->mean, q, hfs_accum_se(a), Z);
    a = outcome(&s.st, &s.res, k, "cost_undiscounted");
    assert_within_se(a->mean, cu, hfs_accum_se(a), Z);
    a = outcome(&s.st, &s.res, k, "qaly_undiscounted");
    assert_within_se(a->mean, qu, hfs_accum_se(a), Z);
    a = outcome(&s.st, &s.res, k, "life_years");
    assert_within_se(a->mean, ly, hfs_accum_se(a), Z);
    /* cycles in Sick / Sicker: the cohort trace summed over cycles */
    double tr[31 * SS_N_STATES];
    assert_int_equal(ss_cohort_trace(&s.st.params, tr, 31), HFS_OK);
    double sick = 0.0, sicker = 0.0;
    for (int t = 0; t <= 30; t++) {
      sick += tr[t * SS_N_STATES + SS_SICK];
      sicker += tr[t * SS_N_STATES + SS_SICKER];
    }
    a = outcome(&s.st, &s.res, k, "cycles_sick");
    assert_within_se(a->mean, sick, hfs_accum_se(a), Z);
    a = outcome(&s.st, &s.res, k, "cycles_sicker");
    assert_within_se(a->mean, sicker, hfs_accum_se(a), Z);
    a = outcome(&s.st, &s.res, k, "died");
    double p_dead = tr[30 * SS_N_STATES + SS_DEAD];
    assert_within_se(a->mean, p_dead, sqrt(p_dead * (1 - p_dead) / 20000.0), Z);
  }
  /* Common random numbers: treatment changes payoffs only, so every
   * patient follows the same path under both strategies. */
  const char *same[] = {"life_years", "cycles_sick", "cycles_sicker", "died",
                        "cycles_healthy"};
  for (size_t i = 0; i < 5; i++)
    assert_true(outcome(&s.st, &s.res, 0, same[i])->mean ==
                outcome(&s.st, &s.res, 1, same[i])->mean);
  /* Treatment costs more. */
  assert_true(outcome(&s.st, &s.res, 1, "cost")->mean >
              outcome(&s.st, &s.res, 0, "cost")->mean);
  sim_free(&s);
}

static void test_trace_matches_cohort(void **state)
{
  (void)state;
  sim s;
  run_sim(&s, NULL, 0);
  const size_t ny = s.res.n_years, ns = s.res.n_states;
  assert_int_equal(ny, 31); /* cycles 0..30 */
  assert_int_equal(ns, SS_N_STATES);
  double tr[31 * SS_N_STATES];
  assert_int_equal(ss_cohort_trace(&s.st.params, tr, 31), HFS_OK);
  const double n = 20000.0;
  for (size_t k = 0; k < 2; k++) {
    const uint64_t *row0 = s.res.trace + (k * ny + 0) * ns;
    assert_int_equal(row0[SS_HEALTHY], 20000);
    static const int cycles[] = {1, 2, 5, 10, 20, 30};
    for (size_t c = 0; c < sizeof cycles / sizeof cycles[0]; c++) {
      int t = cycles[c];
      const uint64_t *row = s.res.trace + (k * ny + (size_t)t) * ns;
      uint64_t total = 0;
      for (size_t j = 0; j < ns; j++) {
        total += row[j];
        double p = tr[t * SS_N_STATES + (int)j];
        double obs = (double)row[j] / n;
        if (p == 0.0) {
          assert_int_equal(row[j], 0); /* e.g. Sicker at cycle 1 */
          continue;
        }
        assert_within_se(obs, p, sqrt(p * (1.0 - p) / n), Z);
      }
      assert_int_equal(total, 20000); /* everyone in one state */
    }
  }
  sim_free(&s);
}

static void test_thread_count_does_not_matter(void **state)
{
  (void)state;
  const char *one[] = {"run.threads=1"};
  const char *two[] = {"run.threads=2"};
  sim a, b;
  run_sim(&a, one, 1);
  run_sim(&b, two, 1);
  for (size_t k = 0; k < 2; k++) {
    assert_true(outcome(&a.st, &a.res, k, "cost")->mean ==
                outcome(&b.st, &b.res, k, "cost")->mean);
    assert_true(outcome(&a.st, &a.res, k, "qaly")->mean ==
                outcome(&b.st, &b.res, k, "qaly")->mean);
  }
  assert_memory_equal(a.res.trace, b.res.trace,
                      a.res.n_strategies * a.res.n_years * a.res.n_states *
                          sizeof(uint64_t));
  sim_free(&a);
  sim_free(&b);
}

/* ---- (d) rejected inputs ---------------------------------------------------
 */

static void test_bad_transitions_rejected_with_line(void **state)
{
  (void)state;
  hfs_diag d;
  hfs_study st;

  /* p_s1h + p_s1s2 + p_s1d = 0.5 + 0.6 + 0.0149 > 1 (--set p_s1s2=0.6):
   * reported in the parameter file at p_s1h's line (p_s1s2 was set on the
   * command line and has none), every term with its origin. */
  const char *ov1[] = {"p_s1s2=0.6"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov1, 1, &d), HFS_ERR_INPUT);
  const hfs_diag_entry *e = find_diag(&d, "out of Sick");
  assert_non_null(e->file);
  assert_true(ends_with(e->file, "configs/sick_sicker_parameters.csv"));
  assert_true(e->line > 0);
  assert_int_equal(e->line, param_line(&st, "p_s1h"));
  assert_non_null(strstr(e->message, "sum to 1.1149"));
  assert_non_null(strstr(e->message, "p_s1s2 0.6 (set on the command line)"));
  char buf[96];
  snprintf(buf, sizeof buf, "p_s1h 0.5 (line %ld)", e->line);
  assert_non_null(strstr(e->message, buf));
  snprintf(buf, sizeof buf, "rr_s1 3, line %ld", param_line(&st, "rr_s1"));
  assert_non_null(strstr(e->message, buf));
  assert_int_equal(d.count, 1); /* nothing else is wrong */
  hfs_diag_free(&d);
  hfs_study_free(&st);

  /* Overriding p_s1h instead moves the report to p_s1s2's line. */
  const char *ov2[] = {"p_s1h=0.9"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov2, 1, &d), HFS_ERR_INPUT);
  e = find_diag(&d, "out of Sick");
  assert_true(e->line > 0);
  assert_int_equal(e->line, param_line(&st, "p_s1s2"));
  hfs_diag_free(&d);
  hfs_study_free(&st);

  /* Death alone can push it over: rr_s1 = 200 gives p_s1d = 0.633. */
  const char *ov3[] = {"rr_s1=200"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov3, 1, &d), HFS_ERR_INPUT);
  e = find_diag(&d, "out of Sick");
  assert_int_equal(e->line, param_line(&st, "p_s1h"));
  assert_non_null(strstr(e->message, "rr_s1 200, set on the command line"));
  hfs_diag_free(&d);
  hfs_study_free(&st);

  /* Healthy: p_hs1 + p_hd = 0.999 + 0.005 > 1, reported at p_hd's line. */
  const char *ov4[] = {"p_hs1=0.999"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov4, 1, &d), HFS_ERR_INPUT);
  e = find_diag(&d, "out of Healthy");
  assert_int_equal(e->line, param_line(&st, "p_hd"));
  hfs_diag_free(&d);
  hfs_study_free(&st);

  /* Every term overridden: no line to point at (0, the whole file). */
  const char *ov5[] = {"p_s1h=0.9", "p_s1s2=0.2", "rr_s1=3", "p_hd=0.005"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov5, 4, &d), HFS_ERR_INPUT);
  e = find_diag(&d, "out of Sick");
  assert_int_equal(e->line, 0);
  hfs_diag_free(&d);
  hfs_study_free(&st);

  /* Exactly 1 is allowed: staying in Sick then has probability 0. */
  const char *ov6[] = {"p_s1h=0.495", "p_s1s2=0.505", "rr_s1=0"};
  hfs_diag_init(&d);
  hfs_status s6 = load(&st, ov6, 3, &d);
  if (s6 != HFS_OK)
    hfs_diag_print(&d, stderr);
  assert_int_equal(s6, HFS_OK);
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

/* The same impossible set written in a parameter file: the message names
 * that file and line. */
static void test_bad_transitions_in_file(void **state)
{
  (void)state;
  FILE *f = fopen(HFS_SOURCE_DIR "/configs/sick_sicker_parameters.csv", "r");
  assert_non_null(f);
  char text[32768] = "", line[4096];
  long p_s1h_line = 0, n = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    n++;
    if (strncmp(line, "p_s1h,", 6) == 0)
      p_s1h_line = n;
    if (strncmp(line, "p_s1s2,", 7) == 0)
      snprintf(line, sizeof line,
               "p_s1s2,0.6,,,fixed,,,,per_cycle,E,test,test\n");
    strncat(text, line, sizeof text - strlen(text) - 1);
  }
  fclose(f);
  assert_true(p_s1h_line > 0);
  char *csv = test_write_temp(text);
  char ini[1024];
  snprintf(ini, sizeof ini,
           "[run]\nmodel = sick_sicker\npatients = 10\nseed = 1\n"
           "horizon_years = lifetime\noutput = /tmp/hfsim_unused\n"
           "[economics]\ndiscount_rate_costs = 0.03\n"
           "discount_rate_qalys = 0.03\ncurrency = USD\nwtp = 50000\n"
           "[inputs]\nparameters = %s\nlife_table = unused.csv\n"
           "[strategy a]\ntreated = no\n",
           csv);
  char *ini_path = test_write_temp(ini);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_study st;
  hfs_study_init(&st);
  assert_int_equal(hfs_study_load(&st, ini_path, NULL, 0, &d), HFS_ERR_INPUT);
  const hfs_diag_entry *e = find_diag(&d, "out of Sick");
  assert_string_equal(e->file, csv);
  assert_int_equal(e->line, p_s1h_line);
  char buf[64];
  snprintf(buf, sizeof buf, "p_s1s2 0.6 (line %ld)", p_s1h_line + 1);
  assert_non_null(strstr(e->message, buf));
  assert_int_equal(d.count, 1);
  hfs_diag_free(&d);
  hfs_study_free(&st);
  remove(csv);
  remove(ini_path);
  free(csv);
  free(ini_path);
}

static void test_bad_settings_rejected(void **state)
{
  (void)state;
  hfs_diag d;
  hfs_study st;

  const char *ov1[] = {"strategy.treatment.treatd=yes"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov1, 1, &d), HFS_ERR_INPUT);
  const hfs_diag_entry *e = find_diag(&d, "unknown key 'treatd'");
  assert_non_null(strstr(e->message, "[strategy treatment]"));
  assert_non_null(strstr(e->message, "did you mean 'treated'?"));
  hfs_diag_free(&d);
  hfs_study_free(&st);

  const char *ov2[] = {"strategy.treatment.treated=maybe"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov2, 1, &d), HFS_ERR_INPUT);
  e = find_diag(&d, "[strategy treatment] treated: expected yes or no, got "
                    "'maybe'");
  hfs_diag_free(&d);
  hfs_study_free(&st);

  /* A horizon that would cut cycles the cohort counts. */
  const char *ov3[] = {"run.horizon_years=10"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov3, 1, &d), HFS_ERR_INPUT);
  e = find_diag(&d, "horizon_years");
  assert_non_null(strstr(e->message, "at least 31"));
  hfs_diag_free(&d);
  hfs_study_free(&st);

  /* ... while lifetime is the same as 31 cycles. */
  const char *ov4[] = {"run.horizon_years=lifetime"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov4, 1, &d), HFS_OK);
  assert_close(st.model.max_years, 30, 0);
  hfs_diag_free(&d);
  hfs_study_free(&st);

  /* n_cycles is a whole number. */
  const char *ov5[] = {"n_cycles=12.5"};
  hfs_diag_init(&d);
  assert_int_equal(load(&st, ov5, 1, &d), HFS_ERR_INPUT);
  find_diag(&d, "n_cycles: the number of one-year cycles is a whole number");
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

/* A shorter model (n_cycles = 10) still agrees with the hand-rolled trace
 * and its simulation with the cohort. */
static void test_other_cycle_count(void **state)
{
  (void)state;
  const char *ov[] = {"n_cycles=10"};
  sim s;
  run_sim(&s, ov, 1);
  assert_int_equal(s.res.n_years, 11);
  hand_result h;
  hand_cohort(10, 0.03, 0.03, 1, &h);
  double c, q, ly;
  assert_int_equal(ss_cohort(&s.st.params, 0.03, 0.03, 1, &c, &q, &ly), HFS_OK);
  assert_close(c, h.cost, 1e-12 * h.cost);
  assert_close(q, h.qaly, 1e-12 * h.qaly);
  assert_close(ly, h.life_years, 1e-12 * h.life_years);
  const hfs_accum *a = outcome(&s.st, &s.res, 1, "cost");
  assert_within_se(a->mean, c, hfs_accum_se(a), Z);
  a = outcome(&s.st, &s.res, 1, "qaly");
  assert_within_se(a->mean, q, hfs_accum_se(a), Z);
  a = outcome(&s.st, &s.res, 1, "life_years");
  assert_within_se(a->mean, ly, hfs_accum_se(a), Z);
  assert_true(a->mean <= 11.0);
  sim_free(&s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table_has_tutorial_values),
      cmocka_unit_test(test_cohort_matches_hand_rolled_trace),
      cmocka_unit_test(test_cohort_reference_values),
      cmocka_unit_test(test_cohort_rejects_bad_input),
      cmocka_unit_test(test_microsimulation_matches_cohort),
      cmocka_unit_test(test_trace_matches_cohort),
      cmocka_unit_test(test_thread_count_does_not_matter),
      cmocka_unit_test(test_bad_transitions_rejected_with_line),
      cmocka_unit_test(test_bad_transitions_in_file),
      cmocka_unit_test(test_bad_settings_rejected),
      cmocka_unit_test(test_other_cycle_count),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
