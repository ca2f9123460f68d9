/*
 * verify.c - verification against exact answers and validation against
 * published figures (see verify.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/verify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hfsim/csvread.h"
#include "hfsim/engine.h"
#include "hfsim/mathx.h"
#include "hfsim/numfmt.h"
#include "hfsim/output.h"
#include "hfsim/params.h"
#include "hfsim/ranks.h"
#include "hfsim/study.h"
#include "hfsim/targets.h"

#define Z_LIMIT 4.0

double hfs_expected_life_years(const hfs_life_table *lt, int sex,
                               double age_years, double horizon_years,
                               double limit_age_years, double rate)
{
  /* Within a year of age the hazard h is constant: survival S0 e^{-h s},
   * discount e^{-delta t}, so each piece integrates in closed form. */
  double delta = log1p(rate);
  double end = fmin(age_years + horizon_years, limit_age_years);
  double age = age_years, surv = 1.0, total = 0.0;
  while (age < end) {
    int year = (int)floor(age);
    double next = fmin((double)year + 1.0, end);
    double h = lt->hazard[sex][(year > lt->age_max ? lt->age_max : year) -
                               lt->age_min];
    double t0 = age - age_years, span = next - age, k = h + delta;
    double piece = k > 0 ? (1.0 - exp(-k * span)) / k : span;
    total += surv * exp(-delta * t0) * piece;
    surv *= exp(-h * span);
    age = next;
  }
  return total;
}

/* ---- running one scenario ------------------------------------------------ */

hfs_status hfs_probe_run(hfs_probe *p, const hfs_verifier *v,
                         const char *const *ov, size_t n, uint64_t patients)
{
  hfs_study_init(&p->st);
  hfs_results_init(&p->res);
  hfs_override *o = malloc((n + 1) * sizeof *o);
  if (o == NULL)
    return HFS_ERR_NOMEM;
  char pat[64];
  snprintf(pat, sizeof pat, "run.patients=%llu",
           (unsigned long long)(patients ? patients : v->patients));
  o[0].assignment = pat;
  o[0].label = "verify";
  for (size_t i = 0; i < n; i++) {
    o[i + 1].assignment = ov[i];
    o[i + 1].label = ov[i];
  }
  size_t warnings_before = v->d->n_warnings;
  hfs_status s = hfs_study_load(&p->st, v->config_path, o, n + 1, v->d);
  free(o);
  /* the checks set parameters outside their ranges on purpose (a share
   * of 1, ...): their range warnings are not the user's business */
  for (size_t i = 0; i < n; i++)
    hfs_diag_drop_warnings(v->d, warnings_before, ov[i]);
  if (s != HFS_OK)
    return s;
  hfs_run_config cfg = hfs_study_run_config(&p->st);
  cfg.stop_flag = v->stop_flag;
  /* (blocks over MPI ranks; every rank gets the totals) */
  s = hfs_engine_run_ranks(&p->st.model, &cfg, &p->res, v->d);
  if (s == HFS_OK && v->progress != NULL) {
    v->progress->done++;
    if (v->progress->fn != NULL)
      v->progress->fn(v->progress->user, v->progress->done,
                      v->progress->planned);
  }
  return s;
}

void hfs_probe_free(hfs_probe *p)
{
  hfs_results_free(&p->res);
  hfs_study_free(&p->st);
}

const hfs_accum *hfs_probe_outcome(const hfs_probe *p, const char *strategy,
                                   const char *outcome)
{
  const hfs_model_class *c = p->st.cls;
  if (c == NULL || p->res.outcomes == NULL)
    return NULL;
  for (size_t s = 0; s < p->st.model.n_strategies; s++)
    if (strcmp(p->st.model.strategy_names[s], strategy) == 0)
      for (size_t k = 0; k < c->n_outcomes; k++)
        if (strcmp(c->outcomes[k].name, outcome) == 0)
          return &p->res.outcomes[s * p->res.n_outcomes + k];
  return NULL;
}

double hfs_probe_param(const hfs_probe *p, const char *name)
{
  const hfs_param *q = hfs_param_find(&p->st.params, name);
  return q ? q->value : HFS_NAN;
}

/* Rare events (operative death) may not occur at all in a small run, which
 * leaves a sample standard error of 0; the binomial one of the expected
 * share is then the honest yardstick. */
void hfs_verifier_add(hfs_verifier *v, const char *name,
                      const char *description, double expected,
                      const hfs_accum *a, int deterministic)
{
  if (v->n >= v->max)
    return;
  hfs_check *c = &v->checks[v->n++];
  snprintf(c->name, sizeof c->name, "%s", name);
  snprintf(c->description, sizeof c->description, "%s", description);
  c->expected = expected;
  c->observed = a ? a->mean : HFS_NAN;
  c->mcse = a ? hfs_accum_se(a) : HFS_NAN;
  /* a deterministic check has no Monte Carlo error, however few patients */
  if (a != NULL && deterministic && isnan(c->mcse))
    c->mcse = 0.0;
  if (a != NULL && !deterministic && (c->mcse == 0.0 || isnan(c->mcse)) &&
      a->n > 0 && expected > 0.0 && expected < 1.0)
    c->mcse = sqrt(expected * (1.0 - expected) / (double)a->n);
  if (a == NULL || isnan(c->mcse)) {
    /* no outcome, or a statistical check over fewer than two patients:
     * no standard error, so no z, and nothing shown to agree */
    c->z = HFS_NAN;
    c->pass = 0;
  } else if (c->mcse > 0) {
    c->z = (c->observed - expected) / c->mcse;
    c->pass = fabs(c->z) <= Z_LIMIT;
  } else {
    /* deterministic: equal to rounding */
    c->z = 0.0;
    c->pass = fabs(c->observed - expected) <= 1e-9 * fmax(1.0, fabs(expected));
  }
}

/* The class of the model of scenario CONFIG (its `model` key), or NULL. */
static const hfs_model_class *scenario_class(const char *config, hfs_diag *d)
{
  hfs_scenario sc;
  hfs_scenario_init(&sc);
  const hfs_model_class *c = NULL;
  if (hfs_scenario_load(&sc, config, d) == HFS_OK &&
      hfs_scenario_resolve(&sc, d) == HFS_OK && sc.model != NULL)
    c = hfs_model_class_find(sc.model);
  hfs_scenario_free(&sc);
  return c;
}

uint64_t hfs_verify_planned_runs(const char *const *configs,
                                 size_t n_configs)
{
  uint64_t runs = 0;
  for (size_t i = 0; i < n_configs; i++) {
    hfs_diag quiet;
    hfs_diag_init(&quiet);
    const hfs_model_class *c = scenario_class(configs[i], &quiet);
    hfs_diag_free(&quiet);
    if (c != NULL && c->verify != NULL)
      runs += c->verify_runs;
  }
  return runs;
}

long hfs_verify_run(const char *const *configs, size_t n_configs,
                    uint64_t patients, volatile sig_atomic_t *stop_flag,
                    hfs_check *checks, size_t max,
                    hfs_verify_progress *progress, hfs_diag *d)
{
  hfs_verifier v = {NULL, patients, stop_flag, checks, 0, max, d, progress};
  for (size_t i = 0; i < n_configs; i++) {
    const hfs_model_class *c = scenario_class(configs[i], d);
    if (c == NULL) {
      if (hfs_diag_count(d) == 0)
        hfs_diag_error(d, configs[i], 0, "no known model in this scenario");
      return -1;
    }
    if (c->verify == NULL)
      continue;
    v.config_path = configs[i];
    if (c->verify(&v) != HFS_OK)
      return -1;
  }
  return (long)v.n;
}

static void put(FILE *f, double x)
{
  char buf[40];
  fputc(',', f);
  fputs(hfs_format_double(buf, sizeof buf, x), f);
}

void hfs_verify_write(FILE *f, const hfs_check *checks, size_t n)
{
  fputs("check,expected,observed,mcse,z,pass,description\n", f);
  for (size_t i = 0; i < n; i++) {
    const hfs_check *c = &checks[i];
    hfs_csv_write_text(f, c->name);
    put(f, c->expected);
    put(f, c->observed);
    put(f, c->mcse);
    put(f, c->z);
    fprintf(f, ",%s,", c->pass ? "yes" : "no");
    hfs_csv_write_text(f, c->description);
    fputc('\n', f);
  }
}

/* ---- validation --------------------------------------------------------- */

hfs_status hfs_validate_write(FILE *f, const char *config_path,
                              const char *targets_path, uint64_t patients,
                              volatile sig_atomic_t *stop_flag, hfs_diag *d)
{
  hfs_target_table t;
  hfs_target_table_init(&t);
  hfs_status s = hfs_target_table_read(&t, targets_path, d);
  hfs_probe p;
  int ran = 0;
  if (s == HFS_OK) {
    hfs_verifier v = {config_path, patients, stop_flag, NULL, 0, 0, d, NULL};
    ran = 1;
    s = hfs_probe_run(&p, &v, NULL, 0, 0);
    if (s != HFS_OK && s != HFS_ERR_INTERRUPTED && s != HFS_ERR_NOMEM)
      s = HFS_ERR_INPUT;
  }
  for (size_t i = 0; s == HFS_OK && i < t.n; i++)
    if (hfs_probe_outcome(&p, t.items[i].strategy, t.items[i].outcome) ==
        NULL) {
      hfs_diag_error(d, targets_path, t.items[i].line,
                     "no outcome '%s' for strategy '%s' in this model",
                     t.items[i].outcome, t.items[i].strategy);
      s = HFS_ERR_INPUT;
    }
  if (s == HFS_OK) {
    fputs("metric,use,strategy,outcome,model_value,model_mcse,"
          "published_value,published_low,published_high,within_range,"
          "source\n",
          f);
    /* calibration targets first, then the held-out validation ones */
    for (int pass = 0; pass < 2; pass++)
      for (size_t i = 0; i < t.n; i++) {
        const hfs_target *x = &t.items[i];
        if ((x->use == HFS_TARGET_CALIBRATION) != (pass == 0))
          continue;
        const hfs_accum *a = hfs_probe_outcome(&p, x->strategy, x->outcome);
        hfs_csv_write_text(f, x->metric);
        fprintf(f, ",%s,", hfs_target_use_name(x->use));
        hfs_csv_write_text(f, x->strategy);
        fputc(',', f);
        hfs_csv_write_text(f, x->outcome);
        put(f, a->mean);
        put(f, hfs_accum_se(a));
        put(f, x->value);
        put(f, x->low);
        put(f, x->high);
        fprintf(f, ",%s,",
                a->mean >= x->low && a->mean <= x->high ? "yes" : "no");
        hfs_csv_write_text(f, x->source);
        fputc('\n', f);
      }
  }
  if (ran)
    hfs_probe_free(&p);
  hfs_target_table_free(&t);
  return s;
}
