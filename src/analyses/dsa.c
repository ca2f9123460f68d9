/*
 * dsa.c - deterministic sensitivity analysis: one-way, two-way and scenario
 * analysis (see dsa.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/dsa.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hfsim/cea.h"
#include "hfsim/mathx.h"
#include "hfsim/numfmt.h"
#include "hfsim/output.h"
#include "hfsim/parallel.h"

/* ---- one variant -------------------------------------------------------- */

void hfs_dsa_variant_free(hfs_dsa_variant *v)
{
  free(v->cost);
  free(v->qaly);
  free(v->cost_se);
  free(v->qaly_se);
  free(v->nmb_se);
  free(v->inc_nmb_se);
  free(v->inc_cost_se);
  free(v->inc_qaly_se);
  memset(v, 0, sizeof *v);
}

static hfs_status variant_alloc(hfs_dsa_variant *v, size_t S)
{
  hfs_dsa_variant_free(v);
  size_t n = S ? S : 1;
  v->n_strategies = S;
  v->cost = calloc(n, sizeof(double));
  v->qaly = calloc(n, sizeof(double));
  v->cost_se = calloc(n, sizeof(double));
  v->qaly_se = calloc(n, sizeof(double));
  v->nmb_se = calloc(n, sizeof(double));
  v->inc_nmb_se = calloc(n, sizeof(double));
  v->inc_cost_se = calloc(n, sizeof(double));
  v->inc_qaly_se = calloc(n, sizeof(double));
  return v->cost && v->qaly && v->cost_se && v->qaly_se && v->nmb_se &&
                 v->inc_nmb_se && v->inc_cost_se && v->inc_qaly_se
             ? HFS_OK
             : HFS_ERR_NOMEM;
}

/* ---- variants over MPI ranks -------------------------------------------
 *
 * Between deal_begin() and deal_share(), the variants of an analysis are
 * dealt out to the ranks in turn (variant i to rank i mod R): every rank
 * builds every variant's model (so that a rejected value stops every rank
 * at the same place), but only its owner simulates it, with all its
 * threads. deal_share() then sends every variant from its owner to all
 * ranks, in variant order. A variant depends only on its inputs and the
 * engine gives the same bits for any thread count, so the files are
 * identical for any number of ranks. Outside a deal (one rank, or
 * hfs_dsa_simulate called on its own) every variant is simulated here. */
static struct {
  int active;
  size_t n, cap;
  hfs_dsa_variant **v; /* in order; owner = index mod ranks */
} deal;

static void deal_begin(void)
{
  deal.active = hfs_par_active();
  deal.n = 0;
}

/* Register V; 1 when this rank simulates it. */
static int deal_mine(hfs_dsa_variant *v)
{
  if (!deal.active)
    return 1;
  if (deal.n == deal.cap) {
    size_t cap = deal.cap ? 2 * deal.cap : 64;
    hfs_dsa_variant **p = realloc(deal.v, cap * sizeof *p);
    if (p == NULL)
      hfs_par_abort(1, "out of memory for the list of variants");
    deal.v = p;
    deal.cap = cap;
  }
  size_t i = deal.n++;
  deal.v[i] = v;
  return (int)(i % (size_t)hfs_par_size()) == hfs_par_rank();
}

/* Every variant's results from its owner to every rank (collective), when
 * S (the analysis' status, the same on every rank) is HFS_OK; ends the
 * deal and returns S. */
static hfs_status deal_share(hfs_status s)
{
  if (!deal.active)
    return s;
  /* (a stop or an error is the same on every rank: they agree on it) */
  if (s == HFS_OK)
    for (size_t i = 0; i < deal.n; i++) {
      hfs_dsa_variant *v = deal.v[i];
      int owner = (int)(i % (size_t)hfs_par_size());
      size_t bytes = v->n_strategies * sizeof(double);
      double *arrays[] = {v->cost,       v->qaly,       v->cost_se,
                          v->qaly_se,    v->nmb_se,     v->inc_nmb_se,
                          v->inc_cost_se, v->inc_qaly_se};
      for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++)
        hfs_par_bcast_bytes_from(owner, arrays[a], bytes);
      hfs_par_bcast_bytes_from(owner, v->currency, sizeof v->currency);
    }
  free(deal.v);
  memset(&deal, 0, sizeof deal);
  return s;
}

hfs_status hfs_dsa_simulate(const hfs_study *st, const double *values,
                            const hfs_run_config *cfg, double wtp,
                            hfs_dsa_variant *v, hfs_diag *d)
{
  hfs_model m;
  hfs_status s = hfs_study_instantiate(st, values, &m, d);
  if (s != HFS_OK)
    return s;
  hfs_results r;
  hfs_results_init(&r);
  s = variant_alloc(v, m.n_strategies);
  if (s == HFS_OK && !deal_mine(v)) {
    /* another rank's variant (deal_share fills it) */
    hfs_model_destroy(&m);
    return HFS_OK;
  }
  if (s == HFS_OK) {
    hfs_run_config c = *cfg;
    /* (a dealt variant cannot stop halfway on one rank only: the ranks
     * agree on stopping between variants) */
    if (deal.active)
      c.stop_flag = NULL;
    s = hfs_engine_run(&m, &c, &r, d);
    if (s != HFS_OK && deal.active)
      hfs_par_abort(1, "simulating a variant failed: %s",
                    hfs_diag_count(d)
                        ? d->entries[hfs_diag_count(d) - 1].message
                        : "unknown error");
  }
  if (s == HFS_OK) /* an overflow is an error, not an empty cell */
    s = hfs_study_check_totals(st, &r, d);
  const size_t c = m.cls->cost_outcome, q = m.cls->qaly_outcome;
  for (size_t k = 0; s == HFS_OK && k < r.n_strategies; k++) {
    const hfs_accum *ac = &r.outcomes[k * r.n_outcomes + c];
    const hfs_accum *aq = &r.outcomes[k * r.n_outcomes + q];
    v->cost[k] = ac->mean;
    v->qaly[k] = aq->mean;
    v->cost_se[k] = hfs_accum_se(ac);
    v->qaly_se[k] = hfs_accum_se(aq);
    v->nmb_se[k] = hfs_results_nmb_se(&r, k, wtp);
    v->inc_nmb_se[k] = hfs_results_paired_se(&r, k, 0, 2, wtp);
  }
  if (s == HFS_OK) {
    snprintf(v->currency, sizeof v->currency, "%s", m.currency);
    size_t S = r.n_strategies;
    hfs_cea_row *rows = calloc(S ? S : 1, sizeof *rows);
    if (rows == NULL)
      s = HFS_ERR_NOMEM;
    else if (hfs_cea_analyse(v->cost, v->qaly, S, rows) == HFS_OK)
      for (size_t i = 0; i < S; i++) {
        size_t k = rows[i].strategy;
        long cmp = rows[i].comparator;
        v->inc_cost_se[k] =
            cmp >= 0 ? hfs_results_paired_se(&r, k, (size_t)cmp, 0, 0)
                     : HFS_NAN;
        v->inc_qaly_se[k] =
            cmp >= 0 ? hfs_results_paired_se(&r, k, (size_t)cmp, 1, 0)
                     : HFS_NAN;
      }
    free(rows);
  }
  hfs_results_free(&r);
  hfs_model_destroy(&m);
  return s;
}

uint64_t hfs_dsa_patients(hfs_study *st, hfs_diag *d)
{
  hfs_setting *e = hfs_scenario_get(&st->scenario, "dsa", "patients");
  static const char *const keys[] = {"patients"};
  hfs_scenario_report_unknown(&st->scenario, "dsa", keys, 1, d);
  if (e == NULL)
    return 20000;
  double v;
  /* the range of [run] patients and of `hfsim check` (study.c): 1e30
   * was cast to uint64_t (undefined), and --patients, which is this
   * setting for owsa, twsa and scenarios, had no upper limit */
  if (hfs_parse_double(e->value, &v) != 0 || v < 1 || v > 1e10 ||
      v != floor(v)) {
    hfs_diag_error(d, e->file, e->line,
                   "[dsa] patients: expected a whole number from 1 to "
                   "10000000000, got '%s'",
                   e->value);
    return 0;
  }
  return (uint64_t)v;
}

static void put(FILE *f, double x)
{
  char buf[40];
  fputc(',', f);
  fputs(hfs_format_double(buf, sizeof buf, x), f);
}

static double icer_vs(const hfs_dsa_variant *v, size_t s)
{
  double dq = v->qaly[s] - v->qaly[0];
  return s == 0 || dq == 0.0 ? HFS_NAN : (v->cost[s] - v->cost[0]) / dq;
}

static int stopped(const hfs_run_config *cfg)
{
  /* (MPI ranks agree, so that all leave the loop of variants together) */
  return hfs_par_max_int(cfg->stop_flag != NULL && *cfg->stop_flag);
}

/* The study's parameter values, to vary one or two of them. */
static double *base_values(const hfs_study *st)
{
  size_t n = st->params.count;
  double *v = malloc((n ? n : 1) * sizeof *v);
  for (size_t i = 0; v != NULL && i < n; i++)
    v[i] = st->params.items[i].value;
  return v;
}

/* ---- one-way ------------------------------------------------------------ */

void hfs_owsa_result_free(hfs_owsa_result *r)
{
  for (size_t i = 0; i < r->n_params; i++) {
    if (r->low)
      hfs_dsa_variant_free(&r->low[i]);
    if (r->high)
      hfs_dsa_variant_free(&r->high[i]);
  }
  hfs_dsa_variant_free(&r->base);
  free(r->params);
  free(r->low);
  free(r->high);
  free(r->low_value);
  free(r->high_value);
  free(r->base_value);
  memset(r, 0, sizeof *r);
}

hfs_status hfs_owsa_run(const hfs_study *st, const hfs_run_config *cfg,
                        hfs_dsa_progress_fn progress, void *user,
                        hfs_owsa_result *r, hfs_diag *d)
{
  memset(r, 0, sizeof *r);
  const hfs_param_table *t = &st->params;
  size_t P = t->count;
  double wtp = st->scenario.wtp_main;
  double *values = base_values(st);
  r->params = calloc(P + 1, sizeof *r->params);
  r->low = calloc(P + 1, sizeof *r->low);
  r->high = calloc(P + 1, sizeof *r->high);
  r->low_value = calloc(P + 1, sizeof(double));
  r->high_value = calloc(P + 1, sizeof(double));
  r->base_value = calloc(P + 1, sizeof(double));
  if (!values || !r->params || !r->low || !r->high || !r->low_value ||
      !r->high_value || !r->base_value) {
    free(values);
    return HFS_ERR_NOMEM;
  }
  for (size_t i = 0; i < P; i++)
    if (!isnan(t->items[i].low)) {
      size_t j = r->n_params++;
      r->params[j] = i;
      r->base_value[j] = t->items[i].value;
      r->low_value[j] = t->items[i].low;
      r->high_value[j] = t->items[i].high;
    }
  /* Check every low and high value first: nothing is simulated when one
   * of them is invalid for the model. */
  size_t before = hfs_diag_count(d);
  for (size_t j = 0; j < r->n_params; j++) {
    const hfs_param *p = &t->items[r->params[j]];
    for (int side = 0; side < 2; side++) {
      values[r->params[j]] = side ? p->high : p->low;
      hfs_model m;
      if (hfs_study_instantiate(st, values, &m, d) != HFS_OK)
        hfs_diag_error(d, t->path, p->line,
                       "%s: its %s value %g is rejected by the model (see "
                       "above); fix the range",
                       p->name, side ? "high" : "low", values[r->params[j]]);
      else
        hfs_model_destroy(&m);
    }
    values[r->params[j]] = p->value;
  }
  hfs_status s = hfs_diag_count(d) > before ? HFS_ERR_INPUT : HFS_OK;
  deal_begin();
  if (s == HFS_OK)
    s = hfs_dsa_simulate(st, NULL, cfg, wtp, &r->base, d);
  for (size_t j = 0; s == HFS_OK && j < r->n_params; j++) {
    if (stopped(cfg)) {
      s = HFS_ERR_INTERRUPTED;
      break;
    }
    const hfs_param *p = &t->items[r->params[j]];
    if (progress)
      progress(user, j, r->n_params, p->name);
    values[r->params[j]] = p->low;
    s = hfs_dsa_simulate(st, values, cfg, wtp, &r->low[j], d);
    if (s == HFS_OK) {
      values[r->params[j]] = p->high;
      s = hfs_dsa_simulate(st, values, cfg, wtp, &r->high[j], d);
    }
    values[r->params[j]] = p->value;
  }
  s = deal_share(s);
  if (s == HFS_OK && progress)
    progress(user, r->n_params, r->n_params, NULL);
  free(values);
  return s;
}

typedef struct owsa_row {
  size_t param;
  size_t strategy;
  double swing;
} owsa_row;

static int by_strategy_then_swing(const void *a, const void *b)
{
  const owsa_row *x = a, *y = b;
  if (x->strategy != y->strategy)
    return x->strategy < y->strategy ? -1 : 1;
  if (x->swing != y->swing)
    return x->swing > y->swing ? -1 : 1;
  return x->param < y->param ? -1 : (x->param > y->param);
}

void hfs_owsa_write(FILE *f, const hfs_study *st, const hfs_owsa_result *r)
{
  double w = st->scenario.wtp_main;
  size_t S = st->model.n_strategies;
  fputs("strategy,reference,parameter,base_value,low_value,high_value,"
        "nmb_base,nmb_base_se,nmb_low,nmb_low_se,nmb_high,nmb_high_se,swing,"
        "swing_se,incremental_nmb_low,incremental_nmb_low_se,"
        "incremental_nmb_high,incremental_nmb_high_se,cost_low,cost_low_se,"
        "cost_high,cost_high_se,qaly_low,qaly_low_se,qaly_high,qaly_high_se,"
        "icer_low,icer_high,wtp,currency\n",
        f);
  owsa_row *rows = calloc(r->n_params * S + 1, sizeof *rows);
  if (rows == NULL)
    return;
  size_t n = 0;
  for (size_t i = 0; i < r->n_params; i++)
    for (size_t s = 0; s < S; s++) {
      double lo = w * r->low[i].qaly[s] - r->low[i].cost[s];
      double hi = w * r->high[i].qaly[s] - r->high[i].cost[s];
      rows[n].param = i;
      rows[n].strategy = s;
      rows[n++].swing = fabs(hi - lo);
    }
  qsort(rows, n, sizeof *rows, by_strategy_then_swing);
  const hfs_dsa_variant *base = &r->base;
  for (size_t j = 0; j < n; j++) {
    size_t i = rows[j].param, s = rows[j].strategy;
    const hfs_dsa_variant *lo = &r->low[i], *hi = &r->high[i];
    hfs_csv_write_text(f, st->model.strategy_names[s]);
    fputc(',', f);
    hfs_csv_write_text(f, st->model.strategy_names[0]);
    fputc(',', f);
    hfs_csv_write_text(f, st->params.items[r->params[i]].name);
    put(f, r->base_value[i]);
    put(f, r->low_value[i]);
    put(f, r->high_value[i]);
    put(f, w * base->qaly[s] - base->cost[s]);
    put(f, base->nmb_se[s]);
    put(f, w * lo->qaly[s] - lo->cost[s]);
    put(f, lo->nmb_se[s]);
    put(f, w * hi->qaly[s] - hi->cost[s]);
    put(f, hi->nmb_se[s]);
    put(f, rows[j].swing);
    /* conservative: low and high share patients, which makes the true
     * error of their difference smaller */
    put(f, sqrt(lo->nmb_se[s] * lo->nmb_se[s] + hi->nmb_se[s] * hi->nmb_se[s]));
    put(f, (w * lo->qaly[s] - lo->cost[s]) - (w * lo->qaly[0] - lo->cost[0]));
    put(f, lo->inc_nmb_se[s]);
    put(f, (w * hi->qaly[s] - hi->cost[s]) - (w * hi->qaly[0] - hi->cost[0]));
    put(f, hi->inc_nmb_se[s]);
    put(f, lo->cost[s]);
    put(f, lo->cost_se[s]);
    put(f, hi->cost[s]);
    put(f, hi->cost_se[s]);
    put(f, lo->qaly[s]);
    put(f, lo->qaly_se[s]);
    put(f, hi->qaly[s]);
    put(f, hi->qaly_se[s]);
    put(f, icer_vs(lo, s));
    put(f, icer_vs(hi, s));
    put(f, w);
    fputc(',', f);
    hfs_csv_write_text(f, r->base.currency);
    fputc('\n', f);
  }
  free(rows);
}

/* ---- two-way ------------------------------------------------------------ */

void hfs_twsa_result_free(hfs_twsa_result *r)
{
  for (size_t i = 0; r->grid && i < r->steps * r->steps; i++)
    hfs_dsa_variant_free(&r->grid[i]);
  free(r->grid);
  for (int k = 0; k < 2; k++) {
    free(r->name[k]);
    free(r->value[k]);
  }
  memset(r, 0, sizeof *r);
}

/* Grid point I of STEPS from LO to HI. Weights rather than lo + i*step,
 * then the nearest number of 15 significant digits (a relative change
 * below 5e-16): round points are used, and printed, as the numbers a user
 * would type (0.9, not the 0.8999999999999999 that (0.85 + 0.95) / 2
 * gives), which also keeps twsa.csv easy to pivot and join. */
static double grid_value(double lo, double hi, size_t i, size_t steps)
{
  double v = (lo * (double)(steps - 1 - i) + hi * (double)i) /
             (double)(steps - 1);
  char buf[32];
  snprintf(buf, sizeof buf, "%.15g", v);
  return strtod(buf, NULL);
}

hfs_status hfs_twsa_run(const hfs_study *st, const hfs_run_config *cfg,
                        const char *const specs[2], const char *label,
                        size_t steps, hfs_dsa_progress_fn progress, void *user,
                        hfs_twsa_result *r, hfs_diag *d)
{
  memset(r, 0, sizeof *r);
  r->steps = steps;
  const hfs_param_table *t = &st->params;
  const hfs_param *p[2] = {NULL, NULL};
  double lo[2] = {0, 0}, hi[2] = {0, 0};
  size_t before = hfs_diag_count(d);
  for (int k = 0; k < 2; k++) {
    char nm[128];
    snprintf(nm, sizeof nm, "%s", specs[k]);
    char *eq = strchr(nm, '=');
    if (eq)
      *eq = '\0';
    r->name[k] = hfs_strdup(nm);
    if (r->name[k] == NULL)
      return HFS_ERR_NOMEM;
    p[k] = hfs_param_find(t, nm);
    if (p[k] == NULL) {
      const char *sug = hfs_closest_name_strided(
          nm, t->items, t->count, sizeof(hfs_param), offsetof(hfs_param, name));
      hfs_diag_error(d, label, 0, "unknown parameter '%s'%s%s%s", nm,
                     sug ? " (did you mean '" : "", sug ? sug : "",
                     sug ? "'?)" : "");
      continue;
    }
    r->param[k] = (size_t)(p[k] - t->items);
    lo[k] = p[k]->low;
    hi[k] = p[k]->high;
    if (p[k]->dist == HFS_DIST_DIRICHLET) {
      /* its shares must sum to 1: one cannot move alone */
      hfs_diag_error(d, label, 0,
                     "%s is a share of the Dirichlet group '%s', whose "
                     "shares must sum to 1; it cannot be varied alone on a "
                     "grid (vary the whole group with [scenario NAME] "
                     "sections and hfsim scenarios)",
                     nm, p[k]->group);
      continue;
    }
    if (eq) {
      char *colon = strchr(eq + 1, ':');
      if (colon == NULL) {
        hfs_diag_error(d, label, 0, "%s: expected NAME=LOW:HIGH", nm);
        continue;
      }
      *colon = '\0';
      if (hfs_parse_double(eq + 1, &lo[k]) != 0 ||
          hfs_parse_double(colon + 1, &hi[k]) != 0 || !(lo[k] < hi[k])) {
        hfs_diag_error(d, label, 0,
                       "%s: LOW:HIGH must be two numbers with LOW < HIGH", nm);
        continue;
      }
      /* The bounds the user typed, checked here with the table's rules
       * and blamed on the option: found later, at a grid point, the
       * error would quote a value they never typed and blame the
       * parameter table's line. Every admissible range is an interval,
       * so the grid between two admissible bounds is admissible. */
      const hfs_param_spec *spec =
          hfs_param_spec_find(st->cls->params, st->cls->n_params, nm);
      char opt[192];
      snprintf(opt, sizeof opt, "%s %s", label, specs[k]);
      for (int b = 0; spec != NULL && b < 2; b++) {
        double v = b == 0 ? lo[k] : hi[k];
        if (!hfs_param_kind_admits(spec->kind, v))
          hfs_diag_error(d, opt, 0, "%s %s is outside what %s can take: it %s",
                         b == 0 ? "LOW" : "HIGH", b == 0 ? eq + 1 : colon + 1,
                         nm, hfs_param_kind_range_text(spec->kind));
      }
    } else if (isnan(lo[k])) {
      hfs_diag_error(d, t->path, p[k]->line,
                     "%s has no low/high range; give one as "
                     "--param %s=LOW:HIGH",
                     nm, nm);
    }
  }
  if (p[0] && p[1] && p[0] == p[1])
    hfs_diag_error(d, label, 0, "the two parameters must differ");
  if (steps < 2)
    hfs_diag_error(d, label, 0, "a grid needs at least 2 steps");
  if (hfs_diag_count(d) > before)
    return HFS_ERR_INPUT;
  r->value[0] = calloc(steps, sizeof(double));
  r->value[1] = calloc(steps, sizeof(double));
  r->grid = calloc(steps * steps, sizeof *r->grid);
  double *values = base_values(st);
  hfs_status s = HFS_OK;
  if (!r->value[0] || !r->value[1] || !r->grid || !values)
    s = HFS_ERR_NOMEM;
  for (size_t i = 0; s == HFS_OK && i < steps; i++)
    for (int k = 0; k < 2; k++)
      r->value[k][i] = grid_value(lo[k], hi[k], i, steps);
  /* Every grid point's model, before anything is simulated: a rule
   * between parameters (a minimum below a maximum) that a point
   * breaks would otherwise stop the grid halfway, blamed on the table
   * alone. The first such point is reported, with the model's reason. */
  for (size_t i = 0; s == HFS_OK && i < steps * steps; i++) {
    double a = r->value[0][i / steps], b = r->value[1][i % steps];
    values[r->param[0]] = a;
    values[r->param[1]] = b;
    hfs_diag sub;
    hfs_diag_init(&sub);
    hfs_model m;
    s = hfs_study_instantiate(st, values, &m, &sub);
    if (s == HFS_OK)
      hfs_model_destroy(&m);
    for (size_t e = 0; s != HFS_OK && e < sub.count; e++)
      hfs_diag_error(d, sub.entries[e].file, sub.entries[e].line, "%s",
                     sub.entries[e].message);
    if (s == HFS_ERR_INPUT)
      hfs_diag_error(d, label, 0,
                     "the model refuses the grid point %s = %.15g, %s = "
                     "%.15g (above); narrow the LOW:HIGH range",
                     r->name[0], a, r->name[1], b);
    hfs_diag_free(&sub);
  }
  deal_begin();
  for (size_t i = 0; s == HFS_OK && i < steps; i++)
    for (size_t j = 0; s == HFS_OK && j < steps; j++) {
      if (stopped(cfg)) {
        s = HFS_ERR_INTERRUPTED;
        break;
      }
      if (progress)
        progress(user, i * steps + j, steps * steps, NULL);
      values[r->param[0]] = r->value[0][i];
      values[r->param[1]] = r->value[1][j];
      s = hfs_dsa_simulate(st, values, cfg, st->scenario.wtp_main,
                           &r->grid[i * steps + j], d);
    }
  s = deal_share(s);
  if (s == HFS_OK && progress)
    progress(user, steps * steps, steps * steps, NULL);
  free(values);
  return s;
}

void hfs_twsa_write(FILE *f, const hfs_study *st, const hfs_twsa_result *r)
{
  size_t S = st->model.n_strategies;
  double w = st->scenario.wtp_main;
  fputs("parameter_a,value_a,parameter_b,value_b,strategy,cost,cost_se,"
        "qaly,qaly_se,nmb,nmb_se,optimal,wtp,currency\n",
        f);
  for (size_t i = 0; i < r->steps; i++)
    for (size_t j = 0; j < r->steps; j++) {
      const hfs_dsa_variant *v = &r->grid[i * r->steps + j];
      size_t best = hfs_cea_optimal(v->cost, v->qaly, S, w);
      for (size_t s = 0; s < S; s++) {
        hfs_csv_write_text(f, r->name[0]);
        put(f, r->value[0][i]);
        fputc(',', f);
        hfs_csv_write_text(f, r->name[1]);
        put(f, r->value[1][j]);
        fputc(',', f);
        hfs_csv_write_text(f, st->model.strategy_names[s]);
        put(f, v->cost[s]);
        put(f, v->cost_se[s]);
        put(f, v->qaly[s]);
        put(f, v->qaly_se[s]);
        put(f, w * v->qaly[s] - v->cost[s]);
        put(f, v->nmb_se[s]);
        fprintf(f, ",%s", s == best ? "yes" : "no");
        put(f, w);
        fputc(',', f);
        hfs_csv_write_text(f, v->currency);
        fputc('\n', f);
      }
    }
}

/* ---- scenarios ---------------------------------------------------------- */

void hfs_scenarios_result_free(hfs_scenarios_result *r)
{
  for (size_t i = 0; i < r->n; i++) {
    free(r->names[i]);
    /* each list of strategy names ends with NULL */
    for (size_t k = 0;
         r->strategy_names && r->strategy_names[i] && r->strategy_names[i][k];
         k++)
      free(r->strategy_names[i][k]);
    if (r->out)
      hfs_dsa_variant_free(&r->out[i]);
    if (r->strategy_names)
      free(r->strategy_names[i]);
  }
  free(r->names);
  free(r->out);
  free(r->strategy_names);
  free(r->wtp);
  memset(r, 0, sizeof *r);
}

/* Load scenario NAME of BASE's file: CONFIG with OVERRIDES and then the
 * lines of [scenario NAME], each labelled with its file and line. */
static hfs_status load_scenario(hfs_study *st, const hfs_study *base,
                                const char *config,
                                const hfs_override *overrides, size_t n_ov,
                                const char *name, hfs_diag *d)
{
  const hfs_scenario *sc = &base->scenario;
  hfs_override *ov = calloc(n_ov + sc->n_settings + 1, sizeof *ov);
  char **labels = calloc(sc->n_settings + 1, sizeof *labels);
  char **assign = calloc(sc->n_settings + 1, sizeof *assign);
  size_t n_lab = 0;
  hfs_status s = ov && labels && assign ? HFS_OK : HFS_ERR_NOMEM;
  if (s == HFS_OK && n_ov > 0)
    memcpy(ov, overrides, n_ov * sizeof *ov);
  for (size_t k = 0; s == HFS_OK && k < sc->n_settings; k++) {
    const hfs_setting *e = &sc->settings[k];
    if (strncmp(e->section, "scenario ", 9) != 0 ||
        strcmp(e->section + 9, name) != 0)
      continue;
    size_t la = strlen(e->key) + strlen(e->value) + 2;
    size_t ll = strlen(e->file) + 32;
    assign[n_lab] = malloc(la);
    labels[n_lab] = malloc(ll);
    if (!assign[n_lab] || !labels[n_lab]) {
      free(assign[n_lab]);
      free(labels[n_lab]);
      s = HFS_ERR_NOMEM;
      break;
    }
    snprintf(assign[n_lab], la, "%s=%s", e->key, e->value);
    snprintf(labels[n_lab], ll, "%s:%ld", e->file, e->line);
    ov[n_ov].assignment = assign[n_lab];
    ov[n_ov].label = labels[n_lab];
    n_ov++;
    n_lab++;
  }
  if (s == HFS_OK)
    s = hfs_study_load(st, config, ov, n_ov, d);
  for (size_t k = 0; k < n_lab; k++) {
    free(labels[k]);
    free(assign[k]);
  }
  free(labels);
  free(assign);
  free(ov);
  return s;
}

hfs_status hfs_scenarios_run(const hfs_study *base, const char *config,
                             const hfs_override *overrides, size_t n_overrides,
                             const hfs_run_config *cfg,
                             hfs_dsa_progress_fn progress, void *user,
                             hfs_scenarios_result *r, hfs_diag *d)
{
  memset(r, 0, sizeof *r);
  const hfs_scenario *sc = &base->scenario;
  size_t cap = 1 + sc->n_settings;
  r->names = calloc(cap, sizeof *r->names);
  r->out = calloc(cap, sizeof *r->out);
  r->strategy_names = calloc(cap, sizeof *r->strategy_names);
  r->wtp = calloc(cap, sizeof *r->wtp);
  if (!r->names || !r->out || !r->strategy_names || !r->wtp)
    return HFS_ERR_NOMEM;
  /* scenario names in file order, the base case first */
  if ((r->names[r->n++] = hfs_strdup("base")) == NULL)
    return HFS_ERR_NOMEM;
  for (size_t i = 0; i < sc->n_settings; i++) {
    const char *sec = sc->settings[i].section;
    if (strncmp(sec, "scenario ", 9) != 0)
      continue;
    int seen = 0;
    for (size_t k = 1; k < r->n; k++)
      seen |= strcmp(r->names[k], sec + 9) == 0;
    if (!seen && (r->names[r->n++] = hfs_strdup(sec + 9)) == NULL)
      return HFS_ERR_NOMEM;
  }
  /* Every scenario is checked before any is simulated: a bad section
   * found after minutes of simulation would waste them (and the command
   * line's rule is to refuse bad input up front). */
  hfs_status s = HFS_OK;
  for (size_t i = 1; i < r->n; i++) {
    hfs_study st;
    hfs_study_init(&st);
    size_t before = hfs_diag_count(d);
    size_t fixed = hfs_study_scenario_fixed_settings(sc, r->names[i], 0, d);
    hfs_status ls = load_scenario(&st, base, config, overrides, n_overrides,
                                  r->names[i], d);
    if (fixed > 0 && ls == HFS_OK)
      ls = HFS_ERR_INPUT;
    size_t n = hfs_diag_count(d) - before;
    if (ls == HFS_ERR_INPUT)
      hfs_diag_error(d, sc->path, 0,
                     "scenario '%s' is invalid (%zu problem%s above)",
                     r->names[i], n, n == 1 ? "" : "s");
    hfs_study_free(&st);
    if (ls == HFS_ERR_NOMEM || ls == HFS_ERR_IO)
      return ls;
    if (ls != HFS_OK)
      s = HFS_ERR_INPUT;
  }
  if (s != HFS_OK)
    return s;
  deal_begin();
  for (size_t i = 0; s == HFS_OK && i < r->n; i++) {
    if (stopped(cfg)) {
      s = HFS_ERR_INTERRUPTED;
      break;
    }
    hfs_study st;
    hfs_study_init(&st);
    if (i > 0) {
      /* (checked above: only a file changed since can fail here) */
      s = load_scenario(&st, base, config, overrides, n_overrides, r->names[i],
                        d);
    }
    const hfs_study *use = i == 0 ? base : &st;
    if (s == HFS_OK) {
      hfs_run_config c = hfs_study_run_config(use);
      c.patients = cfg->patients;
      c.stop_flag = cfg->stop_flag;
      if (i == 0)
        c = *cfg;
      r->wtp[i] = use->scenario.wtp_main;
      size_t S = use->model.n_strategies;
      r->strategy_names[i] = calloc(S + 1, sizeof(char *));
      for (size_t k = 0; r->strategy_names[i] && k < S; k++)
        r->strategy_names[i][k] = hfs_strdup(use->model.strategy_names[k]);
      if (progress)
        progress(user, i, r->n, r->names[i]);
      s = hfs_dsa_simulate(use, NULL, &c, r->wtp[i], &r->out[i], d);
    }
    hfs_study_free(&st);
  }
  if (progress && s == HFS_OK)
    progress(user, r->n, r->n, NULL);
  return deal_share(s);
}

void hfs_scenarios_write(FILE *f, const hfs_scenarios_result *r)
{
  fputs("scenario,strategy,cost,cost_se,qaly,qaly_se,nmb,nmb_se,status,"
        "comparator,incremental_cost,incremental_cost_se,incremental_qaly,"
        "incremental_qaly_se,icer,optimal,wtp,currency\n",
        f);
  for (size_t i = 0; i < r->n; i++) {
    const hfs_dsa_variant *v = &r->out[i];
    size_t S = v->n_strategies;
    hfs_cea_row *rows = calloc(S ? S : 1, sizeof *rows);
    if (rows == NULL || hfs_cea_analyse(v->cost, v->qaly, S, rows) != HFS_OK) {
      free(rows);
      continue;
    }
    double w = r->wtp[i];
    size_t best = hfs_cea_optimal(v->cost, v->qaly, S, w);
    for (size_t k = 0; k < S; k++) {
      size_t s = rows[k].strategy;
      hfs_csv_write_text(f, r->names[i]);
      fputc(',', f);
      hfs_csv_write_text(f, r->strategy_names[i][s]);
      put(f, v->cost[s]);
      put(f, v->cost_se[s]);
      put(f, v->qaly[s]);
      put(f, v->qaly_se[s]);
      put(f, w * v->qaly[s] - v->cost[s]);
      put(f, v->nmb_se[s]);
      fprintf(f, ",%s,", hfs_cea_status_name(rows[k].status));
      if (rows[k].comparator >= 0)
        hfs_csv_write_text(f, r->strategy_names[i][rows[k].comparator]);
      put(f, rows[k].inc_cost);
      put(f, v->inc_cost_se[s]);
      put(f, rows[k].inc_qaly);
      put(f, v->inc_qaly_se[s]);
      put(f, rows[k].icer);
      fprintf(f, ",%s", s == best ? "yes" : "no");
      put(f, w);
      fputc(',', f);
      hfs_csv_write_text(f, v->currency);
      fputc('\n', f);
    }
    free(rows);
  }
}
