/*
 * sick_sicker_model.c - the Sick-Sicker model of Krijkamp et al. 2018 (see
 * sick_sicker.h), one patient at a time, and the exact cohort
 * calculation of the same Markov chain.
 *
 * Conventions (decided here so that microsimulation and cohort agree
 * exactly in expectation):
 *
 *   - Cycles are one year. The patient occupies state s_t during cycle t,
 *     i.e. on [t, t+1), for t = 0 .. n_cycles; s_0 = Healthy.
 *   - Payoffs of cycle t are those of s_t (the state at the START of the
 *     cycle): cost c(s_t) and QALYs u(s_t) x 1 year, weighted
 *     w_t = 1/(1+r)^t with r = [economics] discount_rate_costs or
 *     discount_rate_qalys. These are discrete weights at whole cycles, as in
 *     the tutorial's v.dwc <- 1 / (1 + d.c)^(0:n.t); there is no half-cycle
 *     correction and the engine's continuous discounting
 *     (hfs_discount_integral, MODEL.md section 1) does not apply.
 *   - Between cycle t and t+1 (t < n_cycles) one categorical draw: a single
 *     uniform u in [0, 1) from the patient's one stream, and the patient
 *     moves to the first destination k of the current state's list with
 *     u < p_1 + ... + p_k, or stays when u is above the sum. The lists are
 *       Healthy: Sick p_hs1, Dead p_hd
 *       Sick:    Healthy p_s1h, Sicker p_s1s2, Dead p_s1d
 *       Sicker:  Dead p_s2d
 *     with p_s1d = 1 - exp(-rr_s1 r_hd), p_s2d = 1 - exp(-rr_s2 r_hd),
 *     r_hd = -ln(1 - p_hd). So P(s_{t+1} = j | s_t = i) is exactly the
 *     cohort matrix entry P[i][j], and the expected payoffs and trace of the
 *     microsimulation are those of the cohort (ss_cohort).
 *   - The u of cycle t is the (t+1)-th number of the stream under every
 *     strategy (common random numbers): treatment changes payoffs only, so
 *     a patient follows the same path under both strategies.
 *   - The horizon is n_cycles + 1 one-year cycles; a scenario horizon_years
 *     shorter than that is an error (it would cut cycles the cohort
 *     calculation counts); longer or lifetime is the same as n_cycles + 1.
 */
#include "sick_sicker.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hfsim/mathx.h"
#include "hfsim/rng.h"

/* ---- parameters ------------------------------------------------------------
 */

/* name, kind (admissible range), unit. Values, ranges, distributions and
 * sources live in configs/sick_sicker_parameters.csv. Probabilities are per
 * one-year cycle; costs are per cycle in the scenario's currency. */
/* clang-format off */
#define SS_MODEL_PARAMS(X)                                                     \
  X(p_hd,                 PROBABILITY, "per_cycle")                           \
  X(p_hs1,                PROBABILITY, "per_cycle")                           \
  X(p_s1h,                PROBABILITY, "per_cycle")                           \
  X(p_s1s2,               PROBABILITY, "per_cycle")                           \
  X(rr_s1,                MULTIPLIER,  "ratio")                               \
  X(rr_s2,                MULTIPLIER,  "ratio")                               \
  X(cost_healthy,         COST,        "currency")                            \
  X(cost_sick,            COST,        "currency")                            \
  X(cost_sicker,          COST,        "currency")                            \
  X(cost_treatment,       COST,        "currency")                            \
  X(utility_healthy,      UTILITY,     "utility")                             \
  X(utility_sick,         UTILITY,     "utility")                             \
  X(utility_sicker,       UTILITY,     "utility")                             \
  X(utility_sick_treated, UTILITY,     "utility")                             \
  X(n_cycles,             POSITIVE,    "cycles")
/* clang-format on */

typedef struct ss_params {
#define SS_PARAM_FIELD(name, kind, unit) double name;
  SS_MODEL_PARAMS(SS_PARAM_FIELD)
#undef SS_PARAM_FIELD
} ss_params;

#define SS_PARAM_SPEC(name, kind, unit) \
  {#name, HFS_KIND_##kind, unit, offsetof(ss_params, name)},
static const hfs_param_spec param_specs[] = {SS_MODEL_PARAMS(SS_PARAM_SPEC)};
#undef SS_PARAM_SPEC
#define N_PARAMS (sizeof param_specs / sizeof param_specs[0])

/* n_cycles sizes the trace (n_cycles + 1 rows per strategy and block). */
#define SS_MAX_CYCLES 10000
/* Leaving probabilities may exceed 1 by this much (rounding) and still be
 * accepted; staying is then clamped at 0. */
#define SS_SUM_TOLERANCE 1e-12

/* ---- the engine's view -------------------------------------------------- */

enum purpose { P_TRANSITION, N_PURPOSES };

static const hfs_state_def states[SS_N_STATES] = {
    {"healthy", "Healthy (H) at the start of the cycle", HFS_STATE_OTHER},
    {"sick", "Sick (S1): can recover to Healthy, progress to Sicker or die",
     HFS_STATE_OTHER},
    {"sicker", "Sicker (S2): cannot recover; can die", HFS_STATE_OTHER},
    {"dead", "Dead (D)", HFS_STATE_OUT}};

enum outcome {
  O_COST,
  O_COST_UNDISCOUNTED,
  O_QALY,
  O_QALY_UNDISCOUNTED,
  O_LIFE_YEARS,
  O_CYCLES_HEALTHY,
  O_CYCLES_SICK,
  O_CYCLES_SICKER,
  O_DIED,
  N_OUTCOMES
};

#define M HFS_OUT_MEAN
#define I (HFS_OUT_MEAN | HFS_OUT_INTERVAL)
#define P HFS_OUT_PROPORTION
#define G HFS_OUT_SUBGROUP /* also in summary_subgroups.csv */
static const hfs_outcome_def outcomes[N_OUTCOMES] = {
    {"cost", "currency", I | G, -1,
     "discounted cost per patient: cost of the state at the start of each "
     "cycle t = 0..n_cycles, weighted 1/(1+r)^t"},
    {"cost_undiscounted", "currency", I, -1,
     "undiscounted cost per patient over cycles 0..n_cycles"},
    {"qaly", "QALY", I | G, -1,
     "discounted QALYs: utility of the state at the start of each cycle x "
     "1 year, weighted 1/(1+r)^t"},
    {"qaly_undiscounted", "QALY", I, -1,
     "undiscounted QALYs over cycles 0..n_cycles"},
    {"life_years", "years", M | G, -1,
     "cycles alive among cycles 0..n_cycles (undiscounted)"},
    {"cycles_healthy", "count", M, -1,
     "cycles started Healthy among cycles 0..n_cycles"},
    {"cycles_sick", "count", M, -1,
     "cycles started Sick among cycles 0..n_cycles"},
    {"cycles_sicker", "count", M, -1,
     "cycles started Sicker among cycles 0..n_cycles"},
    {"died", "share", P, -1,
     "share of patients dead at the start of cycle n_cycles"},
};
#undef M
#undef I
#undef P
#undef G

/* ---- transitions -----------------------------------------------------------
 */

/* The destinations of each state in draw order, with their probabilities;
 * staying takes the rest. */
typedef struct ss_row {
  int n;
  int dest[3];
  double p[3];
  double stay;
  /* The draw's thresholds: the patient moves to dest[k] for the first k
   * with u < p[0] + ... + p[k] (summed in that order from 0.0, the same
   * doubles as a running sum); threshold[k] = hfs_uniform_threshold() of
   * that sum makes the same comparison in integers (rng.h), and is 0 for
   * k >= n (never taken). */
  uint64_t threshold[3];
} ss_row;

typedef struct ss_chain {
  ss_row row[SS_N_STATES];
  double p_s1d, p_s2d;
} ss_chain;

/* 1 - exp(-rr * r_hd) with r_hd = -ln(1 - p_hd), accurately for small
 * probabilities; 0 when rr = 0 (also when p_hd = 1). */
static double death_probability(double rr, double p_hd)
{
  if (rr == 0.0)
    return 0.0;
  if (p_hd >= 1.0)
    return 1.0;
  return -expm1(rr * log1p(-p_hd));
}

static void build_chain(const ss_params *q, ss_chain *c)
{
  memset(c, 0, sizeof *c);
  c->p_s1d = death_probability(q->rr_s1, q->p_hd);
  c->p_s2d = death_probability(q->rr_s2, q->p_hd);
  ss_row *h = &c->row[SS_HEALTHY], *s1 = &c->row[SS_SICK],
         *s2 = &c->row[SS_SICKER];
  *h = (ss_row){2, {SS_SICK, SS_DEAD, 0}, {q->p_hs1, q->p_hd, 0}, 0, {0}};
  *s1 = (ss_row){3,
                 {SS_HEALTHY, SS_SICKER, SS_DEAD},
                 {q->p_s1h, q->p_s1s2, c->p_s1d},
                 0,
                 {0}};
  *s2 = (ss_row){1, {SS_DEAD, 0, 0}, {c->p_s2d, 0, 0}, 0, {0}};
  c->row[SS_DEAD] = (ss_row){0, {0, 0, 0}, {0, 0, 0}, 1.0, {0}};
  for (int i = 0; i < SS_N_STATES; i++) {
    ss_row *r = &c->row[i];
    double sum = 0.0;
    for (int k = 0; k < r->n; k++) {
      sum += r->p[k];
      r->threshold[k] = hfs_uniform_threshold(sum);
    }
    if (i != SS_DEAD)
      r->stay = sum < 1.0 ? 1.0 - sum : 0.0;
  }
}

static double leaving(const ss_row *r)
{
  double sum = 0.0;
  for (int k = 0; k < r->n; k++)
    sum += r->p[k];
  return sum;
}

/* The dense matrix P[i][j] of the chain (the cohort calculation). */
static void chain_matrix(const ss_chain *c, double P[SS_N_STATES][SS_N_STATES])
{
  memset(P, 0, sizeof(double) * SS_N_STATES * SS_N_STATES);
  for (int i = 0; i < SS_N_STATES; i++) {
    const ss_row *r = &c->row[i];
    P[i][i] = r->stay;
    for (int k = 0; k < r->n; k++)
      P[i][r->dest[k]] += r->p[k];
  }
}

/* Payoffs per cycle of each state under a strategy. */
static void payoffs(const ss_params *q, int treated, double cost[SS_N_STATES],
                    double utility[SS_N_STATES])
{
  double tx = treated ? q->cost_treatment : 0.0;
  cost[SS_HEALTHY] = q->cost_healthy;
  cost[SS_SICK] = q->cost_sick + tx;
  cost[SS_SICKER] = q->cost_sicker + tx;
  cost[SS_DEAD] = 0.0;
  utility[SS_HEALTHY] = q->utility_healthy;
  utility[SS_SICK] = treated ? q->utility_sick_treated : q->utility_sick;
  utility[SS_SICKER] = q->utility_sicker; /* treatment does not help */
  utility[SS_DEAD] = 0.0;
}

/* ---- checks shared by the model and the cohort calculation ----------------
 */

static const char *const state_label[SS_N_STATES] = {"Healthy", "Sick",
                                                     "Sicker", "Dead"};

/* Where parameter NAME's value came from, for messages. */
static const char *origin(const hfs_param_table *t, const char *name, char *buf,
                          size_t n)
{
  const hfs_param *p = hfs_param_find(t, name);
  if (p == NULL || p->line == 0)
    snprintf(buf, n, "set on the command line");
  else
    snprintf(buf, n, "line %ld", p->line);
  return buf;
}

/* The line to report a problem of several parameters at: the first of
 * NAMES that has a line in the file (0 when all were overridden). */
static long first_line(const hfs_param_table *t, const char *const *names,
                       size_t n)
{
  for (size_t i = 0; i < n; i++) {
    const hfs_param *p = hfs_param_find(t, names[i]);
    if (p != NULL && p->line > 0)
      return p->line;
  }
  return 0;
}

static int cycles_ok(const ss_params *q)
{
  return q->n_cycles == floor(q->n_cycles) && q->n_cycles >= 1 &&
         q->n_cycles <= SS_MAX_CYCLES;
}

/* Check the parameter values the model needs beyond their kinds. With D ==
 * NULL just returns whether they are fine. */
static int check_params(const ss_params *q, const ss_chain *c,
                        const hfs_param_table *t, hfs_diag *d)
{
  int ok = 1;
  const char *path = t->path ? t->path : "parameters";
  char o1[40], o2[40], o3[40], o4[40];
  for (size_t k = 0; k < N_PARAMS; k++) {
    double v;
    memcpy(&v, (const char *)q + param_specs[k].offset, sizeof v);
    if (!isfinite(v))
      return 0; /* missing: reported by hfs_param_table_check() */
  }
  if (!cycles_ok(q)) {
    ok = 0;
    if (d != NULL) {
      const hfs_param *p = hfs_param_find(t, "n_cycles");
      hfs_diag_error(d, path, p ? p->line : 0,
                     "n_cycles: the number of one-year cycles is a whole "
                     "number from 1 to %d, got %g (%s)",
                     SS_MAX_CYCLES, q->n_cycles,
                     origin(t, "n_cycles", o1, sizeof o1));
    }
  }
  double sum = leaving(&c->row[SS_HEALTHY]);
  if (sum > 1.0 + SS_SUM_TOLERANCE) {
    ok = 0;
    if (d != NULL) {
      static const char *const names[] = {"p_hs1", "p_hd"};
      hfs_diag_error(d, path, first_line(t, names, 2),
                     "transition probabilities out of %s sum to %.9g, more "
                     "than 1: p_hs1 %g (%s) + p_hd %g (%s)",
                     state_label[SS_HEALTHY], sum, q->p_hs1,
                     origin(t, "p_hs1", o1, sizeof o1), q->p_hd,
                     origin(t, "p_hd", o2, sizeof o2));
    }
  }
  sum = leaving(&c->row[SS_SICK]);
  if (sum > 1.0 + SS_SUM_TOLERANCE) {
    ok = 0;
    if (d != NULL) {
      static const char *const names[] = {"p_s1h", "p_s1s2", "rr_s1", "p_hd"};
      hfs_diag_error(d, path, first_line(t, names, 4),
                     "transition probabilities out of %s sum to %.9g, more "
                     "than 1: p_s1h %g (%s) + p_s1s2 %g (%s) + death "
                     "1 - exp(-rr_s1 * r_hd) = %.6g (rr_s1 %g, %s; p_hd %g, "
                     "%s)",
                     state_label[SS_SICK], sum, q->p_s1h,
                     origin(t, "p_s1h", o1, sizeof o1), q->p_s1s2,
                     origin(t, "p_s1s2", o2, sizeof o2), c->p_s1d, q->rr_s1,
                     origin(t, "rr_s1", o3, sizeof o3), q->p_hd,
                     origin(t, "p_hd", o4, sizeof o4));
    }
  }
  /* Sicker: p_s2d = 1 - exp(-rr_s2 r_hd) is a probability by construction. */
  return ok;
}

/* ---- the model instance ----------------------------------------------------
 */

typedef struct ss_strategy {
  char *name;
  char *label;
  int treated;
  double cost[SS_N_STATES];
  double utility[SS_N_STATES];
} ss_strategy;

typedef struct ss_impl {
  ss_params p;
  ss_chain chain;
  int n_cycles;
  ss_strategy *strategies;
  size_t n_strategies;
} ss_impl;

static void simulate(const hfs_model *model, size_t strategy,
                     hfs_sim_context *ctx)
{
  const ss_impl *m = model->impl;
  const ss_strategy *st = &m->strategies[strategy];
  double *out = ctx->outcomes;
  /* Discrete weights 1/(1+r)^t (see the top of this file), not the
   * engine's continuous hfs_discount_integral; formed by repeated
   * multiplication, which agrees with pow() to a few ulp over 31 cycles. */
  const double vc = 1.0 / (1.0 + ctx->discount_costs.rate_per_year);
  const double vq = 1.0 / (1.0 + ctx->discount_qalys.rate_per_year);
  double wc = 1.0, wq = 1.0;
  /* sums in registers, added in the same order as into out[] */
  double cost = 0.0, cost_u = 0.0, qaly = 0.0, qaly_u = 0.0;
  /* cycles per state, as integers (a double array indexed by the state
   * would chain each cycle to the last through a floating-point add) */
  int cycles_in[SS_N_STATES] = {0};
  /* Locals, not fields read through pointers: a uint64_t trace count the
   * loop writes could alias them, and they would be reloaded every cycle.
   * The trace is hfs_trace_year() by hand: one row of counts per cycle. */
  uint64_t *trace_row = ctx->trace->counts;
  const size_t trace_states = ctx->trace->n_states;
  const int trace_cycles = (int)(ctx->trace->n_years < (size_t)INT_MAX
                                     ? ctx->trace->n_years
                                     : (size_t)INT_MAX);
  hfs_rng_cursor rng = hfs_rng_cursor_begin(ctx->streams[P_TRANSITION]);
  const ss_row *rows = m->chain.row;
  const int n_cycles = m->n_cycles;
  int s = SS_HEALTHY;
  int t = 0;
  for (;; t++) {
    if (t < trace_cycles)
      trace_row[s]++;
    trace_row += trace_states;
    cost += st->cost[s] * wc;
    cost_u += st->cost[s];
    qaly += st->utility[s] * wq; /* utility x one-year cycle */
    qaly_u += st->utility[s];
    cycles_in[s]++;
    wc *= vc;
    wq *= vq;
    if (t == n_cycles)
      break;
    /* One categorical draw among the destinations; stay otherwise. (A
     * branch-free lookup of the destination was measured slower: these
     * branches are mostly predicted, and speculation runs ahead along the
     * path, while a lookup chains each cycle to the last one's loads.) The
     * cumulative thresholds are precomputed and compared in integers
     * (ss_row.threshold): the same paths with fewer instructions. */
    const ss_row *r = &rows[s];
    uint64_t u53 = hfs_rng_cursor_u53(&rng);
    if (u53 < r->threshold[0])
      s = r->dest[0];
    else if (u53 < r->threshold[1])
      s = r->dest[1];
    else if (u53 < r->threshold[2])
      s = r->dest[2];
    if (s == SS_DEAD) {
      hfs_trace_state(ctx->trace, SS_DEAD, (double)(t + 1), HFS_INF);
      break;
    }
  }
  hfs_rng_cursor_end(&rng);
  const int healthy = cycles_in[SS_HEALTHY], sick = cycles_in[SS_SICK],
            sicker = cycles_in[SS_SICKER];
  const int alive_cycles = healthy + sick + sicker;
  out[O_COST] = cost;
  out[O_COST_UNDISCOUNTED] = cost_u;
  out[O_QALY] = qaly;
  out[O_QALY_UNDISCOUNTED] = qaly_u;
  out[O_CYCLES_HEALTHY] = (double)healthy;
  out[O_CYCLES_SICK] = (double)sick;
  out[O_CYCLES_SICKER] = (double)sicker;
  out[O_LIFE_YEARS] = (double)alive_cycles;
  out[O_DIED] = s == SS_DEAD;
  ctx->simulated_years = (double)alive_cycles;
}

/* ---- creation ----------------------------------------------------------- */

/* [strategy NAME]: treated = yes | no (required), label = text. */
static hfs_status read_strategies(hfs_scenario *s, ss_impl *m, hfs_diag *d)
{
  static const char *const keys[] = {"treated", "label"};
  if (s->n_strategies == 0)
    hfs_diag_error(d, s->path, 0,
                   "no strategies: define at least one [strategy NAME] "
                   "section with 'treated = yes' or 'treated = no'");
  for (size_t i = 0; i < s->n_strategies; i++) {
    ss_strategy *st = &m->strategies[i];
    char section[300];
    snprintf(section, sizeof section, "strategy %s", s->strategy_names[i]);
    st->name = hfs_strdup(s->strategy_names[i]);
    hfs_setting *e = hfs_scenario_get(s, section, "label");
    st->label = hfs_strdup(e ? e->value : s->strategy_names[i]);
    if (st->name == NULL || st->label == NULL)
      return HFS_ERR_NOMEM;
    e = hfs_scenario_get(s, section, "treated");
    if (e == NULL)
      hfs_diag_error(d, s->path, s->strategy_lines[i],
                     "[%s] needs 'treated = yes' or 'treated = no'", section);
    else if (hfs_parse_yes_no(e->value, &st->treated) != 0)
      hfs_diag_error(d, e->file, e->line,
                     "[%s] treated: expected yes or no, got '%s'", section,
                     e->value);
    payoffs(&m->p, st->treated, st->cost, st->utility);
    /* Every other key of the section is a mistake. */
    for (size_t k = 0; k < s->n_settings; k++) {
      hfs_setting *set = &s->settings[k];
      if (strcmp(set->section, section) != 0 ||
          strcmp(set->key, "treated") == 0 || strcmp(set->key, "label") == 0)
        continue;
      set->used = 1;
      const char *sug = hfs_closest_name(set->key, keys, 2);
      hfs_diag_error(d, set->file, set->line,
                     "[%s] unknown key '%s'%s%s%s (a sick_sicker strategy "
                     "has 'treated' and optionally 'label')",
                     section, set->key, sug ? " (did you mean '" : "",
                     sug ? sug : "", sug ? "'?)" : "");
    }
  }
  return HFS_OK;
}

static void destroy(hfs_model *model)
{
  ss_impl *m = model->impl;
  if (m != NULL) {
    for (size_t i = 0; i < m->n_strategies; i++) {
      free(m->strategies[i].name);
      free(m->strategies[i].label);
    }
    free(m->strategies);
    free(m);
  }
  model->impl = NULL;
}

static hfs_status create(hfs_model *model, const hfs_model_inputs *in,
                         hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  ss_impl *m = calloc(1, sizeof *m);
  if (m == NULL)
    return HFS_ERR_NOMEM;
  model->impl = m;
  hfs_param_table_bind(in->params, param_specs, N_PARAMS, &m->p);
  const ss_params *q = &m->p;
  build_chain(q, &m->chain);
  int params_ok = check_params(q, &m->chain, in->params, d);
  m->n_cycles = cycles_ok(q) ? (int)q->n_cycles : 0;

  hfs_scenario *s = in->scenario;
  /* The horizon must hold every counted cycle: n_cycles + 1 years. */
  if (cycles_ok(q) && s->horizon_years < q->n_cycles + 1.0) {
    hfs_setting *e = hfs_scenario_get(s, "run", "horizon_years");
    const hfs_param *p = hfs_param_find(in->params, "n_cycles");
    char o[512];
    if (p != NULL && p->line > 0)
      snprintf(o, sizeof o, "line %ld of %s", p->line,
               in->params->path ? in->params->path : "parameters");
    else
      snprintf(o, sizeof o, "set on the command line");
    hfs_diag_error(d, e ? e->file : s->path, e ? e->line : 0,
                   "[run] horizon_years: the sick_sicker model counts "
                   "cycles 0..n_cycles, %g one-year cycles (n_cycles = %g, "
                   "%s); set horizon_years = lifetime or at least %g, or "
                   "change n_cycles",
                   q->n_cycles + 1.0, q->n_cycles, o, q->n_cycles + 1.0);
  }
  /* The model has no cohort settings: everyone starts Healthy. */
  for (size_t k = 0; k < s->n_settings; k++) {
    hfs_setting *set = &s->settings[k];
    if (strcmp(set->section, "cohort") != 0)
      continue;
    set->used = 1;
    hfs_diag_error(d, set->file, set->line,
                   "unknown key '%s' in [cohort]: the sick_sicker model has "
                   "no cohort settings (everyone starts Healthy)",
                   set->key);
  }

  size_t ns = s->n_strategies ? s->n_strategies : 1;
  m->strategies = calloc(ns, sizeof *m->strategies);
  if (m->strategies == NULL)
    return HFS_ERR_NOMEM;
  m->n_strategies = s->n_strategies;
  hfs_status st = read_strategies(s, m, d);
  if (st != HFS_OK)
    return st;
  model->max_years = (double)m->n_cycles;
  /* (a table that skipped hfs_param_table_check may also fail silently) */
  return hfs_diag_count(d) > before || !params_ok ? HFS_ERR_INPUT : HFS_OK;
}

static void describe(const hfs_model *model, FILE *out)
{
  const ss_impl *m = model->impl;
  const ss_chain *c = &m->chain;
  fprintf(out,
          "cohort: everyone starts Healthy; %d one-year cycles after cycle "
          "0 (payoffs at the start of cycles 0..%d, weights 1/(1+r)^t, no "
          "half-cycle correction)\n",
          m->n_cycles, m->n_cycles);
  fprintf(out, "transitions per cycle (one draw; stay = the rest):\n");
  for (int i = 0; i < SS_DEAD; i++) {
    const ss_row *r = &c->row[i];
    fprintf(out, "  %-8s", state_label[i]);
    for (int k = 0; k < r->n; k++)
      fprintf(out, " -> %s %.6g,", state_label[r->dest[k]], r->p[k]);
    fprintf(out, " stay %.6g\n", r->stay);
  }
  for (size_t i = 0; i < m->n_strategies; i++) {
    const ss_strategy *st = &m->strategies[i];
    fprintf(out, "strategy %s (%s): %s\n", st->name, st->label,
            st->treated ? "treated" : "not treated");
    fprintf(out,
            "  cost per cycle: H %g, S1 %g, S2 %g; utility: H %g, S1 "
            "%g, S2 %g\n",
            st->cost[0], st->cost[1], st->cost[2], st->utility[0],
            st->utility[1], st->utility[2]);
  }
}

const hfs_model_class ss_model_class = {
    .name = "sick_sicker",
    .description =
        "Sick-Sicker Markov model (Krijkamp et al. 2018, Med Decis Making "
        "38:400-22): Healthy, Sick, Sicker, Dead; one-year cycles; treatment "
        "changes costs and the utility of Sick",
    .params = param_specs,
    .n_params = N_PARAMS,
    .outcomes = outcomes,
    .n_outcomes = N_OUTCOMES,
    .cost_outcome = O_COST,
    .qaly_outcome = O_QALY,
    .states = states,
    .n_states = SS_N_STATES,
    .n_purposes = N_PURPOSES,
    .needs_life_table = 0,
    .create = create,
    .destroy = destroy,
    .simulate = simulate,
    .describe = describe,
    /* no .check_settings: strategies need the parameters (create()) */
    .verify = ss_verify,
    .verify_runs = 1,
};

int ss_treated(const hfs_model *m, size_t strategy)
{
  if (m == NULL || m->cls != &ss_model_class || m->impl == NULL)
    return -1;
  const ss_impl *impl = m->impl;
  if (strategy >= impl->n_strategies)
    return -1;
  return impl->strategies[strategy].treated;
}

/* ---- the exact cohort calculation ------------------------------------------
 */

/* Bind and check T; 0 on success. */
static int cohort_setup(const hfs_param_table *t, ss_params *q, ss_chain *c)
{
  if (t == NULL)
    return -1;
  hfs_param_table_bind(t, param_specs, N_PARAMS, q);
  build_chain(q, c);
  return check_params(q, c, t, NULL) ? 0 : -1;
}

static void cohort_step(double P[SS_N_STATES][SS_N_STATES],
                        double m[SS_N_STATES])
{
  double next[SS_N_STATES] = {0.0, 0.0, 0.0, 0.0};
  for (int i = 0; i < SS_N_STATES; i++)
    for (int j = 0; j < SS_N_STATES; j++)
      next[j] += m[i] * P[i][j];
  memcpy(m, next, sizeof next);
}

hfs_status ss_cohort(const hfs_param_table *t, double discount_rate_costs,
                     double discount_rate_qalys, int treated, double *cost,
                     double *qaly, double *life_years)
{
  ss_params q;
  ss_chain c;
  if (cohort_setup(t, &q, &c) != 0 || !isfinite(discount_rate_costs) ||
      !isfinite(discount_rate_qalys) || discount_rate_costs < 0.0 ||
      discount_rate_qalys < 0.0)
    return HFS_ERR_INPUT;
  double P[SS_N_STATES][SS_N_STATES];
  chain_matrix(&c, P);
  double cs[SS_N_STATES], us[SS_N_STATES];
  payoffs(&q, treated, cs, us);
  double m[SS_N_STATES] = {1.0, 0.0, 0.0, 0.0};
  double tc = 0.0, tq = 0.0, ly = 0.0;
  const int n = (int)q.n_cycles;
  for (int k = 0; k <= n; k++) {
    double wc = pow(1.0 + discount_rate_costs, -(double)k);
    double wq = pow(1.0 + discount_rate_qalys, -(double)k);
    for (int s = 0; s < SS_N_STATES; s++) {
      tc += m[s] * cs[s] * wc;
      tq += m[s] * us[s] * wq;
    }
    ly += 1.0 - m[SS_DEAD];
    if (k < n)
      cohort_step(P, m);
  }
  if (cost != NULL)
    *cost = tc;
  if (qaly != NULL)
    *qaly = tq;
  if (life_years != NULL)
    *life_years = ly;
  return HFS_OK;
}

hfs_status ss_cohort_trace(const hfs_param_table *t, double *trace,
                           size_t n_rows)
{
  ss_params q;
  ss_chain c;
  if (cohort_setup(t, &q, &c) != 0)
    return HFS_ERR_INPUT;
  double P[SS_N_STATES][SS_N_STATES];
  chain_matrix(&c, P);
  double m[SS_N_STATES] = {1.0, 0.0, 0.0, 0.0};
  for (size_t k = 0; k < n_rows; k++) {
    memcpy(trace + k * SS_N_STATES, m, sizeof m);
    cohort_step(P, m);
  }
  return HFS_OK;
}
