/*
 * test_calibrate.c - calibration (calibrate.h):
 *
 *   (a) the goodness-of-fit formulas against hand-computed values;
 *   (b) the SIR sampler on problems with a closed-form posterior, through
 *       hfs_calib_run(): a beta prior with a binomial target (posterior
 *       beta(a + x, b + n - x)) and a normal prior with a normal target
 *       (posterior normal with precision-weighted mean); the posterior mean
 *       and sd must be within 4 Monte Carlo standard errors (sd / sqrt(ESS)
 *       and sd / sqrt(2 ESS));
 *   (c) Nelder-Mead on a closed-form problem: recovers the solution from
 *       every Latin-hypercube start, and reports a bound that holds the fit;
 *   (d) recovery on the Sick-Sicker model: targets from the exact cohort
 *       calculation at known values of p_hs1 and p_s1s2 (not the table's),
 *       calibrated by microsimulation from other starting points; the fit
 *       must be within 4 worst-case Monte Carlo standard errors of the
 *       truth (delta method through the exact cohort's Jacobian);
 *   (e) identical results for 1 and 2 threads, and after resuming from a
 *       full or a cut checkpoint (the model is not called again for the
 *       evaluations the checkpoint holds);
 *   (f) bad [calibration] settings: each error names the file and line.
 *
 * Seeds are fixed, so every statistical check is deterministic; the limits
 * were set from the standard errors before looking at the results.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <gsl/gsl_errno.h>

#include "hfsim/calibrate.h"
#include "hfsim/mathx.h"
#include "models/sick_sicker/sick_sicker.h"
#include "hfsim/study.h"

#define SS_INI HFS_SOURCE_DIR "/configs/sick_sicker.ini"
#define Z 4.0

/* ---- (a) goodness of fit ------------------------------------------------- */

static void gof_formulas(void **state)
{
  (void)state;
  hfs_calib_target t;
  memset(&t, 0, sizeof t);
  t.value = 0.3;
  t.se = sqrt(0.3 * 0.7 / 50.0); /* n_eff = 50 */
  t.proportion = 1;
  /* binomial kernel relative to the saturated fit: 15 ln(m/.3) + 35
   * ln((1-m)/.7) */
  double m = 0.4;
  assert_close(hfs_calib_loglik(&t, m, 0.0),
               15 * log(m / 0.3) + 35 * log(0.6 / 0.7), 1e-12);
  assert_close(hfs_calib_loglik(&t, 0.3, 0.0), 0.0, 1e-15);
  /* Monte Carlo error widens: n_eff = .21 / (se^2 + e^2) */
  double e = t.se; /* doubles the variance: n_eff = 25 */
  assert_close(hfs_calib_loglik(&t, m, e),
               7.5 * log(m / 0.3) + 17.5 * log(0.6 / 0.7), 1e-12);
  t.proportion = 0;
  t.value = 10.0;
  t.se = 2.0;
  assert_close(hfs_calib_loglik(&t, 13.0, 0.0), -0.5 * 9.0 / 4.0, 1e-15);
  assert_close(hfs_calib_loglik(&t, 13.0, 2.0),
               -0.5 * 9.0 / 8.0 - 0.5 * log(2.0), 1e-15);
  assert_close(hfs_calib_ssq(&t, 13.0), 9.0 / 4.0, 1e-15);
  assert_true(hfs_calib_loglik(&t, HFS_NAN, 0.0) < -1e300);
}

/* ---- closed-form problems ------------------------------------------------ */

/* VALUE[k] = sum_j A[k][j] theta_j + B[k], no Monte Carlo error. */
typedef struct linear {
  size_t P, T;
  double a[4][4], b[4];
  long calls;
} linear;

static hfs_status linear_eval(void *user, size_t n, const double *theta,
                              double *value, double *mcse, hfs_diag *d)
{
  (void)d;
  linear *l = user;
  l->calls += (long)n;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < l->T; k++) {
      double v = l->b[k];
      for (size_t j = 0; j < l->P; j++)
        v += l->a[k][j] * theta[i * l->P + j];
      value[i * l->T + k] = v;
      mcse[i * l->T + k] = 0.0;
    }
  return HFS_OK;
}

static hfs_calib_param param_with(const char *name, hfs_dist dist, double a,
                                  double b, double low, double high)
{
  hfs_calib_param p;
  memset(&p, 0, sizeof p);
  p.name = (char *)name;
  p.low = low;
  p.high = high;
  char why[200];
  if (hfs_dist_fit(dist, a, b, low, high, 0.5 * (low + high), &p.prior, why,
                   sizeof why) != HFS_OK)
    fail_msg("prior: %s", why);
  return p;
}

static hfs_calib_settings settings_with(hfs_calib_param *p, size_t P,
                                        hfs_calib_target *t, size_t T)
{
  hfs_calib_settings cs;
  memset(&cs, 0, sizeof cs);
  cs.params = p;
  cs.n_params = P;
  cs.targets = t;
  cs.n_targets = T;
  cs.gof = HFS_GOF_LIKELIHOOD;
  cs.starts = 3;
  cs.max_evaluations = 300;
  cs.tolerance = 1e-6;
  cs.step = 0.5;
  cs.sir_draws = 0;
  cs.posterior_size = 10;
  cs.seed = 20261201;
  return cs;
}

static void run_ok(const hfs_calib_settings *cs, hfs_calib_eval_fn fn,
                   void *user, hfs_calib_result *r)
{
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_status s = hfs_calib_run(cs, fn, user, r, NULL, NULL, NULL, NULL, &d);
  if (s != HFS_OK) {
    hfs_diag_print(&d, stderr);
    fail_msg("hfs_calib_run failed (%d)", (int)s);
  }
  hfs_diag_free(&d);
}

/* ---- (b) SIR against closed-form posteriors --------------------------------
 */

static void sir_beta_binomial(void **state)
{
  (void)state;
  /* prior beta(2, 2); 15 successes in 50: posterior beta(17, 37) */
  hfs_calib_param p = param_with("p", HFS_DIST_BETA, 2, 2, 0.0, 1.0);
  hfs_calib_target t;
  memset(&t, 0, sizeof t);
  t.metric = (char *)"share";
  t.value = 0.3;
  t.se = sqrt(0.3 * 0.7 / 50.0);
  t.proportion = 1;
  hfs_calib_settings cs = settings_with(&p, 1, &t, 1);
  cs.starts = 1;
  cs.sir_draws = 20000;
  cs.posterior_size = 5000;
  linear l = {1, 1, {{1}}, {0}, 0};
  hfs_calib_result r;
  memset(&r, 0, sizeof r);
  run_ok(&cs, linear_eval, &l, &r);
  double a = 17, b = 37;
  double mean = a / (a + b),
         sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
  printf("beta-binomial: posterior mean %.5f (exact %.5f), sd %.5f (exact "
         "%.5f), ESS %.0f of %zu\n",
         r.post_mean[0], mean, r.post_sd[0], sd, r.ess, r.sir_n);
  assert_true(r.ess > 1000 && r.ess <= 20000);
  assert_within_se(r.post_mean[0], mean, sd / sqrt(r.ess), Z);
  assert_within_se(r.post_sd[0], sd, sd / sqrt(2 * r.ess), Z);
  /* the resampled sample has the same mean (its own MC error on top) */
  double m = 0;
  for (size_t i = 0; i < r.posterior_size; i++)
    m += r.theta[r.resampled[i]];
  m /= (double)r.posterior_size;
  assert_within_se(m, mean, sd * sqrt(1 / r.ess + 1.0 / 5000), Z);
  /* the search found the maximum of the likelihood: the observed share */
  assert_close(r.theta[r.best], 0.3, 1e-3);
  hfs_calib_result_free(&r);
}

static void sir_normal_normal(void **state)
{
  (void)state;
  /* prior N(0, 1) (truncation at +-10 is immaterial); y = 1 with se 0.5:
   * posterior precision 1 + 4 = 5, mean 4 / 5 */
  hfs_calib_param p = param_with("mu", HFS_DIST_NORMAL, 0, 1, -10, 10);
  hfs_calib_target t;
  memset(&t, 0, sizeof t);
  t.metric = (char *)"y";
  t.value = 1.0;
  t.se = 0.5;
  hfs_calib_settings cs = settings_with(&p, 1, &t, 1);
  cs.starts = 1;
  cs.sir_draws = 20000;
  cs.posterior_size = 100;
  linear l = {1, 1, {{1}}, {0}, 0};
  hfs_calib_result r;
  memset(&r, 0, sizeof r);
  run_ok(&cs, linear_eval, &l, &r);
  double mean = 0.8, sd = sqrt(0.2);
  printf("normal-normal: posterior mean %.5f (exact %.5f), sd %.5f (exact "
         "%.5f), ESS %.0f\n",
         r.post_mean[0], mean, r.post_sd[0], sd, r.ess);
  assert_within_se(r.post_mean[0], mean, sd / sqrt(r.ess), Z);
  assert_within_se(r.post_sd[0], sd, sd / sqrt(2 * r.ess), Z);
  /* 95% interval: mean -+ 1.96 sd, within 4 MC se of a quantile
   * (sqrt(q(1-q)/ESS) / density) */
  double dens = exp(-0.5 * 1.96 * 1.96) / (sqrt(2 * 3.141592653589793) * sd);
  double qse = sqrt(0.025 * 0.975 / r.ess) / dens;
  assert_within_se(r.post_q025[0], mean - 1.959964 * sd, qse, Z);
  assert_within_se(r.post_q975[0], mean + 1.959964 * sd, qse, Z);
  hfs_calib_result_free(&r);
}

/* Two parameters that one target cannot tell apart: y = a + b. The
 * posterior correlation is strongly negative while the prior's is 0. */
static void sir_shows_non_identifiability(void **state)
{
  (void)state;
  hfs_calib_param p[2] = {param_with("a", HFS_DIST_UNIFORM, 0, 1, 0, 1),
                          param_with("b", HFS_DIST_UNIFORM, 0, 1, 0, 1)};
  hfs_calib_target t;
  memset(&t, 0, sizeof t);
  t.metric = (char *)"sum";
  t.value = 1.0;
  t.se = 0.05;
  hfs_calib_settings cs = settings_with(p, 2, &t, 1);
  cs.starts = 2;
  cs.sir_draws = 5000;
  linear l = {2, 1, {{1, 1}}, {0}, 0};
  hfs_calib_result r;
  memset(&r, 0, sizeof r);
  run_ok(&cs, linear_eval, &l, &r);
  printf("a + b = 1: prior correlation %.3f, posterior %.3f\n", r.prior_corr[1],
         r.post_corr[1]);
  assert_true(fabs(r.prior_corr[1]) < 4 / sqrt(5000.0));
  assert_true(r.post_corr[1] < -0.8);
  hfs_calib_result_free(&r);
}

/* ---- (c) Nelder-Mead on a closed-form problem ------------------------------
 */

static void nelder_mead_recovers(void **state)
{
  (void)state;
  /* y1 = a + b = 1.0, y2 = a - b = 0.2: a = 0.6, b = 0.4 */
  hfs_calib_param p[2] = {param_with("a", HFS_DIST_UNIFORM, 0, 1, 0, 1),
                          param_with("b", HFS_DIST_UNIFORM, 0, 1, 0, 1)};
  hfs_calib_target t[2];
  memset(t, 0, sizeof t);
  t[0].metric = (char *)"sum";
  t[0].value = 1.0;
  t[0].se = 0.1;
  t[1].metric = (char *)"difference";
  t[1].value = 0.2;
  t[1].se = 0.1;
  for (int gof = 0; gof < 2; gof++) {
    hfs_calib_settings cs = settings_with(p, 2, t, 2);
    cs.gof = gof ? HFS_GOF_WEIGHTED_SSQ : HFS_GOF_LIKELIHOOD;
    cs.starts = 4;
    linear l = {2, 2, {{1, 1}, {1, -1}}, {0, 0}, 0};
    hfs_calib_result r;
    memset(&r, 0, sizeof r);
    run_ok(&cs, linear_eval, &l, &r);
    /* the starts are a Latin hypercube: one in each quarter of each range */
    for (size_t j = 0; j < 2; j++) {
      int seen[4] = {0};
      for (size_t s = 0; s < 4; s++)
        seen[(int)(r.start_theta[s * 2 + j] * 4)]++;
      for (int q = 0; q < 4; q++)
        assert_int_equal(seen[q], 1);
    }
    for (size_t s = 0; s < 4; s++) {
      size_t e = r.start_best[s];
      assert_true(r.start_converged[s]);
      assert_close(r.theta[e * 2], 0.6, 1e-3);
      assert_close(r.theta[e * 2 + 1], 0.4, 1e-3);
    }
    assert_int_equal(r.at_bound[0], 0);
    assert_int_equal(r.at_bound[1], 0);
    hfs_calib_result_free(&r);
  }
  /* a sum of 2.5 is out of reach within [0, 1]^2: both fitted at the upper
   * bound, and reported so */
  t[0].value = 2.5;
  t[1].value = 0.0;
  hfs_calib_settings cs = settings_with(p, 2, t, 2);
  linear l = {2, 2, {{1, 1}, {1, -1}}, {0, 0}, 0};
  hfs_calib_result r;
  memset(&r, 0, sizeof r);
  run_ok(&cs, linear_eval, &l, &r);
  assert_int_equal(r.at_bound[0], 1);
  assert_int_equal(r.at_bound[1], 1);
  hfs_calib_result_free(&r);
}

/* ---- the Sick-Sicker model -------------------------------------------------
 */

static char *targets_file; /* written by (d), removed at the end */

static hfs_status load(hfs_study *st, const char *const *assignments, size_t n,
                       hfs_diag *d)
{
  hfs_override ov[20];
  assert_true(n <= 20);
  for (size_t i = 0; i < n; i++) {
    ov[i].assignment = assignments[i];
    ov[i].label = assignments[i];
  }
  hfs_study_init(st);
  return hfs_study_load(st, SS_INI, ov, n, d);
}

/* Exact cycles Sick and Sicker over cycles 0..30 with p_hs1 and p_s1s2 set
 * to X in a copy of the study's table. */
static void exact_outputs(const hfs_study *st, const double *x, double *out)
{
  hfs_param_table t;
  assert_int_equal(hfs_param_table_copy(&t, &st->params), HFS_OK);
  hfs_param_find(&t, "p_hs1")->value = x[0];
  hfs_param_find(&t, "p_s1s2")->value = x[1];
  double trace[31 * SS_N_STATES];
  assert_int_equal(ss_cohort_trace(&t, trace, 31), HFS_OK);
  out[0] = out[1] = 0;
  for (int k = 0; k < 31; k++) {
    out[0] += trace[k * SS_N_STATES + SS_SICK];
    out[1] += trace[k * SS_N_STATES + SS_SICKER];
  }
  hfs_param_table_free(&t);
}

static const double truth[2] = {0.13, 0.12};

static void write_targets(const hfs_study *st)
{
  double y[2];
  exact_outputs(st, truth, y);
  char text[1024];
  snprintf(text, sizeof text,
           "metric,strategy,outcome,published_value,low,high,source,use\n"
           "sick,no_treatment,cycles_sick,%.17g,%.17g,%.17g,exact,"
           "calibration\n"
           "sicker,no_treatment,cycles_sicker,%.17g,%.17g,%.17g,exact,"
           "calibration\n"
           "nowhere,no_treatment,cycles_sick,1,0,2,held out,validation\n"
           "no_error,no_treatment,died,0.3,0.3,0.3,no interval,calibration\n",
           y[0], y[0] - 1.959964 * 0.1, y[0] + 1.959964 * 0.1, y[1],
           y[1] - 1.959964 * 0.1, y[1] + 1.959964 * 0.1);
  targets_file = test_write_temp(text);
}

/* THREADS, SIR draws, PATIENTS per evaluation, EVALUATIONS per start */
static void load_calibration(hfs_study *st, hfs_calib_settings *cs, int threads,
                             int sir, int patients, int evaluations)
{
  char file[300], th[64], sd[64], pa[64], ev[64];
  snprintf(file, sizeof file, "calibration.targets_file=%s", targets_file);
  snprintf(th, sizeof th, "run.threads=%d", threads);
  snprintf(sd, sizeof sd, "calibration.sir_draws=%d", sir);
  snprintf(pa, sizeof pa, "calibration.patients=%d", patients);
  snprintf(ev, sizeof ev, "calibration.evaluations=%d", evaluations);
  const char *ov[] = {file,
                      th,
                      sd,
                      pa,
                      ev,
                      "calibration.parameters = p_hs1, p_s1s2",
                      "calibration.targets = sick, sicker",
                      "calibration.starts=3",
                      "calibration.tolerance=1e-3",
                      "calibration.posterior_size=50"};
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_status s = load(st, ov, sizeof ov / sizeof *ov, &d);
  if (s == HFS_OK)
    s = hfs_calib_settings_read(st, cs, &d);
  if (s != HFS_OK) {
    hfs_diag_print(&d, stderr);
    fail_msg("the calibration settings did not load");
  }
  hfs_diag_free(&d);
}

/* ---- (d) recovery ----------------------------------------------------------
 */

static void sick_sicker_recovery(void **state)
{
  (void)state;
  hfs_study st;
  hfs_calib_settings cs;
  load_calibration(&st, &cs, 0, 0, 4000, 200);
  hfs_calib_model cm;
  hfs_calib_model_init(&cm, &st, &cs, NULL);
  hfs_calib_result r;
  memset(&r, 0, sizeof r);
  run_ok(&cs, hfs_calib_model_eval, &cm, &r);
  const double *fit = &r.theta[r.best * 2];
  /* the starts are not the truth */
  for (size_t s = 0; s < cs.starts; s++)
    assert_true(fabs(r.start_theta[s * 2] - truth[0]) > 1e-3 ||
                fabs(r.start_theta[s * 2 + 1] - truth[1]) > 1e-3);
  /* Jacobian of the exact outputs at the truth (central differences) */
  double J[2][2];
  for (int j = 0; j < 2; j++) {
    double xp[2] = {truth[0], truth[1]}, xm[2] = {truth[0], truth[1]};
    double h = 1e-5, yp[2], ym[2];
    xp[j] += h;
    xm[j] -= h;
    exact_outputs(&st, xp, yp);
    exact_outputs(&st, xm, ym);
    for (int k = 0; k < 2; k++)
      J[k][j] = (yp[k] - ym[k]) / (2 * h);
  }
  double det = J[0][0] * J[1][1] - J[0][1] * J[1][0];
  double inv[2][2] = {{J[1][1] / det, -J[0][1] / det},
                      {-J[1][0] / det, J[0][0] / det}};
  /* the fit is off the truth by inv x (Monte Carlo error of the outputs):
   * worst case over their correlation, sum_k |inv_jk| e_k */
  const double *e = &r.mcse[r.best * 2];
  for (int j = 0; j < 2; j++) {
    double se = fabs(inv[j][0]) * e[0] + fabs(inv[j][1]) * e[1];
    printf("%s: fitted %.5f, truth %.5f, tolerance %.5f (4 x %.5f); table "
           "value %.3f\n",
           cs.params[j].name, fit[j], truth[j], Z * se, se,
           st.params.items[cs.params[j].index].value);
    assert_within_se(fit[j], truth[j], se, Z);
  }
  /* the table's value is not where the fit went: the test can fail */
  assert_true(fabs(st.params.items[cs.params[0].index].value - truth[0]) >
              0.01);
  /* the study's table is left as it was */
  assert_close(hfs_param_find(&st.params, "p_hs1")->value, 0.15, 0);
  hfs_calib_result_free(&r);
  hfs_calib_settings_free(&cs);
  hfs_study_free(&st);
}

/* ---- (e) threads and resume -------------------------------------------------
 */

typedef struct counting {
  hfs_calib_model *cm;
  long calls;
} counting;

static hfs_status counting_eval(void *user, size_t n, const double *theta,
                                double *value, double *mcse, hfs_diag *d)
{
  counting *c = user;
  c->calls += (long)n;
  return hfs_calib_model_eval(c->cm, n, theta, value, mcse, d);
}

static void same_results(const hfs_calib_result *a, const hfs_calib_result *b)
{
  assert_int_equal(a->n_evals, b->n_evals);
  size_t P = a->n_params, T = a->n_targets, n = a->n_evals;
  assert_memory_equal(a->theta, b->theta, n * P * sizeof *a->theta);
  assert_memory_equal(a->value, b->value, n * T * sizeof *a->value);
  assert_memory_equal(a->mcse, b->mcse, n * T * sizeof *a->mcse);
  assert_int_equal(a->best, b->best);
  assert_memory_equal(a->post_mean, b->post_mean, P * sizeof *a->post_mean);
  assert_memory_equal(a->resampled, b->resampled,
                      a->posterior_size * sizeof *a->resampled);
}

static void threads_and_resume(void **state)
{
  (void)state;
  hfs_calib_result r[2];
  for (int i = 0; i < 2; i++) {
    hfs_study st;
    hfs_calib_settings cs;
    load_calibration(&st, &cs, i ? 2 : 1, 40, 600, 40);
    hfs_calib_model cm;
    hfs_calib_model_init(&cm, &st, &cs, NULL);
    memset(&r[i], 0, sizeof r[i]);
    run_ok(&cs, hfs_calib_model_eval, &cm, &r[i]);
    hfs_calib_settings_free(&cs);
    hfs_study_free(&st);
  }
  same_results(&r[0], &r[1]);

  /* a checkpoint, then resumed from all of it and from its first 60 */
  hfs_study st;
  hfs_calib_settings cs;
  load_calibration(&st, &cs, 2, 40, 600, 40);
  hfs_calib_model cm;
  hfs_calib_model_init(&cm, &st, &cs, NULL);
  char *full = test_write_temp(""), *cut = test_write_temp("");
  FILE *f = fopen(full, "w"), *g = fopen(cut, "w");
  assert_non_null(f);
  assert_non_null(g);
  assert_int_equal(hfs_calib_checkpoint_header(f, "fp"), 0);
  assert_int_equal(hfs_calib_checkpoint_header(g, "fp"), 0);
  for (size_t e = 0; e < r[0].n_evals; e++) {
    assert_int_equal(hfs_calib_checkpoint_line(f, &r[0], e), 0);
    if (e < 60)
      assert_int_equal(hfs_calib_checkpoint_line(g, &r[0], e), 0);
  }
  fputs("60,0,1,0.1", g); /* a torn line: dropped */
  fclose(f);
  fclose(g);
  const char *paths[2] = {full, cut};
  for (int i = 0; i < 2; i++) {
    hfs_calib_result q;
    memset(&q, 0, sizeof q);
    hfs_diag d;
    hfs_diag_init(&d);
    assert_int_equal(hfs_calib_checkpoint_read(paths[i], "fp", &cs, &q, &d),
                     HFS_OK);
    assert_int_equal(q.n_cached, i ? 60 : r[0].n_evals);
    counting c = {&cm, 0};
    assert_int_equal(
        hfs_calib_run(&cs, counting_eval, &c, &q, NULL, NULL, NULL, NULL, &d),
        HFS_OK);
    assert_int_equal(c.calls, (long)(r[0].n_evals - q.n_cached));
    same_results(&r[0], &q);
    /* another calibration's checkpoint is refused */
    hfs_calib_result o;
    memset(&o, 0, sizeof o);
    assert_int_equal(hfs_calib_checkpoint_read(paths[i], "other", &cs, &o, &d),
                     HFS_ERR_INPUT);
    hfs_calib_result_free(&o);
    hfs_diag_free(&d);
    hfs_calib_result_free(&q);
  }
  /* a checkpoint of other points (another seed) is refused on replay */
  {
    hfs_calib_result q;
    memset(&q, 0, sizeof q);
    hfs_diag d;
    hfs_diag_init(&d);
    assert_int_equal(hfs_calib_checkpoint_read(cut, "fp", &cs, &q, &d), HFS_OK);
    cs.seed++;
    assert_int_equal(hfs_calib_run(&cs, hfs_calib_model_eval, &cm, &q, NULL,
                                   NULL, NULL, NULL, &d),
                     HFS_ERR_INPUT);
    assert_non_null(strstr(d.entries[0].message, "differs"));
    cs.seed--;
    hfs_diag_free(&d);
    hfs_calib_result_free(&q);
  }
  /* damaged lines: a NUL byte (line[-1] was read), a number strtod takes
   * but hfsim never writes (0x1p-3, inf: they were accepted) */
  {
    FILE *src = fopen(full, "r");
    assert_non_null(src);
    char *head = NULL, *first = NULL;
    size_t hc = 0, fc = 0;
    assert_true(getline(&head, &hc, src) > 0);
    assert_true(getline(&first, &fc, src) > 0);
    fclose(src);
    char *last_comma = strrchr(first, ',');
    assert_non_null(last_comma);
    static const char *const bad_tail[] = {",0x1p-3\n", ",inf\n", NULL};
    for (int i = 0; i < 3; i++) {
      FILE *g2 = fopen(cut, "w");
      assert_non_null(g2);
      fputs(head, g2);
      if (bad_tail[i] == NULL) {
        fputc('\0', g2);
        fputc('\n', g2);
      } else {
        fwrite(first, 1, (size_t)(last_comma - first), g2);
        fputs(bad_tail[i], g2);
      }
      fclose(g2);
      hfs_calib_result q;
      memset(&q, 0, sizeof q);
      hfs_diag d;
      hfs_diag_init(&d);
      assert_int_equal(hfs_calib_checkpoint_read(cut, "fp", &cs, &q, &d),
                       HFS_ERR_INPUT);
      assert_int_equal(d.count, 1);
      assert_int_equal(d.entries[0].line, 2);
      assert_non_null(strstr(d.entries[0].message, "damaged checkpoint line"));
      hfs_diag_free(&d);
      hfs_calib_result_free(&q);
    }
    free(head);
    free(first);
  }
  remove(full);
  remove(cut);
  free(full);
  free(cut);
  hfs_calib_settings_free(&cs);
  hfs_study_free(&st);
  hfs_calib_result_free(&r[0]);
  hfs_calib_result_free(&r[1]);
}

/* ---- (f) bad settings
 * --------------------------------------------------------- */

/* Load with the good settings plus EXTRA; expect a failure and WANT in
 * one message, at FILE_PART (a substring of the entry's file) and LINE
 * (-1: any). */
static void expect_setting_error(const char *extra, const char *want,
                                 const char *file_part, long line)
{
  char file[300];
  snprintf(file, sizeof file, "calibration.targets_file=%s", targets_file);
  const char *ov[] = {file, "calibration.parameters = p_hs1, p_s1s2",
                      "calibration.targets = sick, sicker", extra};
  hfs_study st;
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_status s = load(&st, ov, extra ? 4 : 3, &d);
  assert_int_equal(s, HFS_OK);
  hfs_calib_settings cs;
  s = hfs_calib_settings_read(&st, &cs, &d);
  int found = 0;
  for (size_t i = 0; i < d.count; i++)
    if (strstr(d.entries[i].message, want) != NULL &&
        (file_part == NULL ||
         (d.entries[i].file != NULL && strstr(d.entries[i].file, file_part))) &&
        (line < 0 || d.entries[i].line == line))
      found = 1;
  if (s == HFS_OK || !found) {
    hfs_diag_print(&d, stderr);
    fail_msg("expected an error with '%s' for %s", want, extra);
  }
  hfs_calib_settings_free(&cs);
  hfs_diag_free(&d);
  hfs_study_free(&st);
}

static void bad_settings(void **state)
{
  (void)state;
  expect_setting_error("calibration.parameters=p_hs1, p_hs2",
                       "unknown parameter 'p_hs2' (did you mean 'p_hs1'?)",
                       "calibration.parameters", -1);
  expect_setting_error("calibration.parameters=p_hs1, p_hs1", "named twice",
                       NULL, -1);
  expect_setting_error("calibration.bounds.p_hs1=0.2, 0.1",
                       "p_hs1: empty calibration range [0.2, 0.1]", NULL, -1);
  expect_setting_error("calibration.bounds.p_hs1=-0.1, 0.3",
                       "calibration bound -0.1 is not a value the model "
                       "accepts ('p_hs1' is a probability",
                       "calibration.bounds.p_hs1", 0);
  expect_setting_error("calibration.bounds.p_hs1=0.2", "expected two numbers",
                       NULL, -1);
  expect_setting_error("calibration.bounds.p_s1h=0.1, 0.2", "not in parameters",
                       NULL, -1);
  expect_setting_error("calibration.parameters=n_cycles", "has no range", NULL,
                       -1);
  expect_setting_error("calibration.targets=sick, nowhere",
                       "held out for validation", NULL, -1);
  expect_setting_error("calibration.targets=sick, sickr",
                       "no target 'sickr' in ", NULL, -1);
  /* the row without an error: at its line (5) of the targets file */
  expect_setting_error("calibration.targets=sick, no_error",
                       "no_error: a calibration target needs an error",
                       "hfsim_test", 5);
  expect_setting_error("calibration.goodness_of_fit=chisq",
                       "expected likelihood or weighted_ssq", NULL, -1);
  expect_setting_error("calibration.starts=0", "whole number from 1", NULL, -1);
  expect_setting_error("calibration.sir_draws=1.5", "whole number from 0", NULL,
                       -1);
  expect_setting_error("calibration.stars=3",
                       "unknown key 'stars' in [calibration]", NULL, -1);
  expect_setting_error("calibration.targets_file=/nonexistent/targets.csv", "",
                       "/nonexistent/targets.csv", -1);
}

int main(void)
{
  gsl_set_error_handler_off();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(gof_formulas),
      cmocka_unit_test(sir_beta_binomial),
      cmocka_unit_test(sir_normal_normal),
      cmocka_unit_test(sir_shows_non_identifiability),
      cmocka_unit_test(nelder_mead_recovers),
      cmocka_unit_test(sick_sicker_recovery),
      cmocka_unit_test(threads_and_resume),
      cmocka_unit_test(bad_settings),
  };
  /* the targets file of (d)-(f), from the exact cohort at the truth */
  hfs_study st;
  hfs_diag d;
  hfs_diag_init(&d);
  if (load(&st, NULL, 0, &d) != HFS_OK) {
    hfs_diag_print(&d, stderr);
    return 1;
  }
  write_targets(&st);
  hfs_study_free(&st);
  hfs_diag_free(&d);
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  remove(targets_file);
  free(targets_file);
  return rc;
}
