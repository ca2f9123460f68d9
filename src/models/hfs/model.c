/*
 * hfs_model.c - the hemifacial spasm model (MODEL.md), one patient at a time.
 *
 * Time t is in years since the treatment decision. A patient moves from event
 * to event; between events their status is constant, so utility and cost
 * flows are integrated exactly with continuous discounting (accrue()).
 *
 * Statuses: spasm (by SMC grade), controlled on injections, controlled on a
 * drug, cured. Natural history (grade progression, spontaneous remission)
 * runs only while spasm is uncontrolled, on a clock of "uncontrolled years":
 * the patient's progression and remission thresholds are drawn once from the
 * natural-history stream, so the same patient has the same natural history
 * under every strategy (common random numbers, MODEL.md section 10). Baseline
 * attributes and background death come from their own streams too; every
 * treatment draws from its own stream, always in the same order, so one
 * strategy's choices do not shift another treatment's random numbers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "hfsim/csvread.h"
#include "hfsim/mathx.h"
#include "hfsim/model.h"
#include "hfsim/rng.h"
#include "model_params.h"
#include "strategy.h"
#include "utility.h"
#include "verify.h"

#define WEEKS_PER_YEAR (365.25 / 7.0)
#define DAYS_PER_YEAR 365.25
#define MONTHS_PER_YEAR 12.0

/* ---- the model's description for the engine --------------------------- */

enum purpose {
  P_BASELINE,
  P_DEATH,
  P_NATURAL,
  P_DIAGNOSIS,
  P_BOTOX,
  P_MEDICATION,
  P_MVD,
  N_PURPOSES
};

enum state {
  S_GRADE_1,
  S_GRADE_2,
  S_GRADE_3,
  S_GRADE_4,
  S_CONTROLLED_INJECTIONS,
  S_CONTROLLED_DRUG,
  S_CURED,
  S_DEAD,
  S_EXITED,
  N_STATES
};

static const hfs_state_def states[N_STATES] = {
    {"spasm_grade_1", "spasm not controlled, SMC grade I (eyelid only)",
     HFS_STATE_OTHER},
    {"spasm_grade_2",
     "spasm not controlled, SMC grade II (spread to other facial muscles)",
     HFS_STATE_OTHER},
    {"spasm_grade_3", "spasm not controlled, SMC grade III (frequent tonic "
                      "spasm, vision affected)",
     HFS_STATE_OTHER},
    {"spasm_grade_4",
     "spasm not controlled, SMC grade IV (disfiguring asymmetry)",
     HFS_STATE_OTHER},
    {"controlled_injections",
     "spasm controlled inside a botulinum toxin injection's effect window",
     HFS_STATE_SYMPTOM_FREE},
    {"controlled_drug",
     "spasm controlled by an oral drug the patient responds to",
     HFS_STATE_SYMPTOM_FREE},
    {"cured", "cured (after surgery or spontaneous remission)",
     HFS_STATE_CURED},
    {"dead", "dead", HFS_STATE_OUT},
    {"exited_age_limit",
     "alive at the age limit (age_limit_years), where simulation stops",
     HFS_STATE_OUT}};

enum outcome {
  O_COST,
  O_COST_UNDISCOUNTED,
  O_QALY,
  O_QALY_UNDISCOUNTED,
  O_LIFE_YEARS,
  O_SPASM_FREE_YEARS,
  O_SPASM_YEARS,
  O_INJECTION_SESSIONS,
  O_DRUG_COURSES,
  O_MRI_SCANS,
  O_OPERATIONS,
  O_REDO_OPERATIONS,
  O_RECURRENCES,
  O_PTOSIS,
  O_FACIAL_WEAKNESS,
  O_DRY_EYE,
  O_DIPLOPIA,
  O_RASH,
  O_TRANSIENT_FACIAL_PALSY,
  O_PERMANENT_FACIAL_PALSY,
  O_TRANSIENT_HEARING_LOSS,
  O_PERMANENT_HEARING_LOSS,
  O_CSF_LEAK,
  O_STROKE,
  O_OPERATIVE_DEATH,
  O_DIED,
  O_ALIVE_1Y,
  O_SPASM_FREE_1Y,
  O_ALIVE_5Y,
  O_SPASM_FREE_5Y,
  O_ALIVE_10Y,
  O_SPASM_FREE_10Y,
  O_OPERATED,
  O_MVD_CURE,
  O_OPERATED_COMPRESSION,
  O_MVD_CURE_COMPRESSION,
  O_EVER_CONTROLLED,
  O_TIME_TO_CONTROL,
  O_FOLLOWED_1Y,
  O_RECURRENCE_1Y,
  O_FOLLOWED_2Y,
  O_RECURRENCE_2Y,
  O_FOLLOWED_5Y,
  O_RECURRENCE_5Y,
  O_INJECTED,
  O_BOTOX_RESPONDER,
  O_HAS_INTERVAL,
  O_INJECTION_INTERVAL,
  O_HAS_EFFECT,
  O_INJECTION_EFFECT,
  O_REDONE,
  O_PFP_PER_OPERATED,
  O_PHL_PER_OPERATED,
  O_NEGATIVE_EXPLORATION,
  O_LEFT_UNTREATED,
  O_HAS_SESSION_RATE,
  O_SESSIONS_PER_YEAR,
  N_OUTCOMES
};

#define M HFS_OUT_MEAN
#define I (HFS_OUT_MEAN | HFS_OUT_INTERVAL)
#define P HFS_OUT_PROPORTION
#define H (HFS_OUT_PROPORTION | HFS_OUT_HIDDEN)
#define G HFS_OUT_SUBGROUP  /* also in summary_subgroups.csv */
#define HL HFS_OUT_HEADLINE /* also in the console table */
static const hfs_outcome_def outcomes[N_OUTCOMES] = {
    {"cost", "currency", I | G, -1, "discounted cost per patient"},
    {"cost_undiscounted", "currency", I, -1, "undiscounted cost per patient"},
    {"qaly", "QALY", I | G, -1, "discounted quality-adjusted life-years"},
    {"qaly_undiscounted", "QALY", I, -1,
     "undiscounted quality-adjusted life-years"},
    {"life_years", "years", M | G, -1,
     "undiscounted years alive within the horizon"},
    {"spasm_free_years", "years", M | G | HL, -1,
     "undiscounted years free of spasm (cured, or controlled by a treatment "
     "working at that moment)"},
    {"spasm_years", "years", M, -1, "undiscounted years with spasm"},
    {"injection_sessions", "count", M, -1,
     "botulinum toxin injection sessions per patient"},
    {"drug_courses", "count", M, -1, "oral drugs started per patient"},
    {"mri_scans", "count", M, -1, "pre-operative MRI scans per patient"},
    {"operations", "count", M, -1,
     "first microvascular decompressions per patient"},
    {"redo_operations", "count", M, -1, "redo decompressions per patient"},
    {"recurrences", "count", M, -1,
     "recurrences of spasm after a surgical cure, per patient"},
    {"ptosis", "count", M, -1, "injection adverse events: ptosis"},
    {"facial_weakness", "count", M, -1,
     "injection adverse events: facial weakness"},
    {"dry_eye", "count", M, -1,
     "injection adverse events: dry eye or lagophthalmos"},
    {"diplopia", "count", M, -1, "injection adverse events: diplopia"},
    {"rash", "count", M, -1, "carbamazepine rashes (drug stopped)"},
    {"transient_facial_palsy", "count", M, -1,
     "surgical complications: transient facial palsy"},
    {"permanent_facial_palsy", "count", M, -1,
     "surgical complications: permanent facial palsy"},
    {"transient_hearing_loss", "count", M, -1,
     "surgical complications: transient hearing loss"},
    {"permanent_hearing_loss", "count", M, -1,
     "surgical complications: permanent hearing loss"},
    {"csf_leak", "count", M, -1, "surgical complications: CSF leak"},
    {"stroke", "count", M, -1, "surgical complications: stroke"},
    {"operative_death", "count", M, -1, "deaths at operation"},
    {"died", "share", P, -1, "share of patients who died within the horizon"},
    {"alive_1y", "share", H, -1, "alive at 1 year (denominator)"},
    {"spasm_free_1y", "share", P, O_ALIVE_1Y,
     "share spasm-free at 1 year, among patients alive then"},
    {"alive_5y", "share", H, -1, "alive at 5 years (denominator)"},
    {"spasm_free_5y", "share", P | G, O_ALIVE_5Y,
     "share spasm-free at 5 years, among patients alive then"},
    {"alive_10y", "share", H, -1, "alive at 10 years (denominator)"},
    {"spasm_free_10y", "share", P, O_ALIVE_10Y,
     "share spasm-free at 10 years, among patients alive then"},
    {"operated", "share", P, -1,
     "share of patients who had a first decompression"},
    {"mvd_cure_fraction", "share", P | G, O_OPERATED,
     "patients cured by their first operation (immediately or delayed) / "
     "patients operated"},
    {"operated_compression", "share", H, -1,
     "operated and with true neurovascular compression (denominator)"},
    {"mvd_cure_fraction_compression", "share", P, O_OPERATED_COMPRESSION,
     "cure by the first operation among operated patients with true "
     "compression (compare with published surgical series)"},
    {"ever_controlled", "share", P, -1,
     "share of patients ever spasm-free within the horizon"},
    {"time_to_first_control", "years", M, O_EVER_CONTROLLED,
     "years from the decision to the first spasm-free moment, among "
     "patients ever spasm-free"},
    /* for validation against published series (hfsim verify) */
    {"followed_1y_after_cure", "share", H, -1,
     "cured by a first operation and followed 1 year (denominator)"},
    {"recurrence_1y", "share", P, O_FOLLOWED_1Y,
     "recurrence within 1 year of a cure by the first operation, among "
     "patients followed that long (Chang et al. 2012: 1.0%)"},
    {"followed_2y_after_cure", "share", H, -1,
     "cured by a first operation and followed 2 years (denominator)"},
    {"recurrence_2y", "share", P, O_FOLLOWED_2Y,
     "recurrence within 2 years of a cure by the first operation, among "
     "patients followed that long (Chang et al. 2012: 1.7%)"},
    {"followed_5y_after_cure", "share", H, -1,
     "cured by a first operation and followed 5 years (denominator)"},
    {"recurrence_5y", "share", P, O_FOLLOWED_5Y,
     "recurrence within 5 years of a cure by the first operation, among "
     "patients followed that long (Chang et al. 2012: 2.9%)"},
    {"injected", "share", H, -1, "had at least one injection (denominator)"},
    {"injection_responder", "share", P, O_INJECTED,
     "primary responders to botulinum toxin among patients injected"},
    {"has_injection_interval", "share", H, -1,
     "had two or more injection sessions (denominator)"},
    {"injection_interval_weeks", "weeks", M, O_HAS_INTERVAL,
     "weeks between consecutive injection sessions (the patient's "
     "average), per patient with two or more sessions"},
    {"has_injection_effect", "share", H, -1,
     "had an injection that worked (denominator)"},
    {"injection_effect_weeks", "weeks", M, O_HAS_EFFECT,
     "weeks of benefit of an injection that worked (the patient's "
     "average), per patient with one"},
    {"redo_share", "share", P, O_OPERATED,
     "operated patients who had at least one redo decompression / patients "
     "operated (published 1.2-9%)"},
    {"permanent_facial_palsy_per_operated", "count", M, O_OPERATED,
     "permanent facial palsies per operated patient (first and redo "
     "operations)"},
    {"permanent_hearing_loss_per_operated", "count", M, O_OPERATED,
     "permanent hearing losses per operated patient (first and redo "
     "operations)"},
    {"negative_exploration", "share", P, O_OPERATED,
     "operated patients in whom the operation found no compression / "
     "patients operated"},
    {"left_untreated_with_line_left", "share", P, -1,
     "patients the strategy sent to no treatment (other than by stopping "
     "treatment themselves) while a line they could still use remained"},
    {"has_session_rate", "share", H, -1,
     "injection responder with a year or more on injections (denominator)"},
    {"injection_sessions_per_year", "per_year", M, O_HAS_SESSION_RATE,
     "injection sessions per year on the injection line, per responder "
     "injected for a year or more (US claims: median 2)"},
};
#undef M
#undef I
#undef P
#undef H
#undef G
#undef HL

static const char *const sex_levels[] = {"female", "male"};
static const char *const cause_levels[] = {"secondary", "primary"};
static const char *const yes_no[] = {"no", "yes"};

enum attribute {
  A_SEX,
  A_ONSET_AGE,
  A_DECISION_AGE,
  A_ASIAN,
  A_BILATERAL,
  A_CAUSE,
  A_COMPRESSION,
  A_GRADE,
  N_ATTRIBUTES
};

/* Subgroups: sex, Asian descent, and age at the decision in 10-year bands
 * from 40 (the last band, 80+, is open). */
static const hfs_attribute_def attributes[N_ATTRIBUTES] = {
    {"sex", sex_levels, "female or male", 2, 0, 0},
    {"onset_age", NULL, "age at onset of spasm, years", 0, 0, 0},
    {"decision_age", NULL, "age at the treatment decision (time 0), years", 5,
     40.0, 10.0},
    {"asian", yes_no, "of Asian descent", 2, 0, 0},
    {"bilateral", yes_no, "bilateral spasm (doubles the injection dose)", 0, 0,
     0},
    {"cause", cause_levels, "primary (neurovascular) or secondary", 0, 0, 0},
    {"compression", yes_no, "true neurovascular compression", 0, 0, 0},
    {"grade_at_start", NULL, "SMC grade (1-4) at the decision", 0, 0, 0},
};

#define SPASM_PARAM_SPEC(name, kind, unit) \
  {#name, HFS_KIND_##kind, unit, offsetof(spasm_params, name)},
static const hfs_param_spec param_specs[] = {SPASM_PARAMS(SPASM_PARAM_SPEC)};
#undef SPASM_PARAM_SPEC
#define N_PARAMS (sizeof param_specs / sizeof param_specs[0])

/* ---- the model instance ---------------------------------------------------
 */

enum {
  U_CURED = SPASM_U_CURED,
  U_INJECTIONS = SPASM_U_INJECTIONS,
  U_DRUG = SPASM_U_DRUG,
  U_GRADE_1 = SPASM_U_GRADE_1
};
enum { SPASM_MAX_NORM_BANDS = 16 };

typedef struct spasm_impl {
  spasm_params p;
  const hfs_life_table *lt;
  int onset_normal;              /* [cohort] onset_age_distribution = normal */
  int nh_paused;         /* [model] natural_history = paused_while_controlled */
  int operate_secondary; /* [model] operate_secondary = yes (v1) */
  double onset_p_lo, onset_p_hi; /* normal CDF at the truncation bounds */
  /* derived rates per year, r = -ln(1 - p) */
  double rate_progression, rate_remission;
  double rate_secondary_nonresponse, rate_discontinuation, rate_choice;
  double rate_drug_stop;
  double recurrence_hazard[4]; /* [0,1), [1,2), [2,5), [5,inf) */
  double grade_share[4], mvd_outcome[3];
  double drug_response[SPASM_DRUG_COUNT];
  double botox_cost_unilateral, botox_cost_bilateral;
  /* the injection effect's gamma (Marsaglia-Tsang, botox_effect_weeks()):
   * d = shape - 1/3, c = 1 / (3 sqrt(d)), scale in weeks; inline when the
   * shape is at least 1 */
  int effect_gamma_inline;
  double effect_gamma_d, effect_gamma_c, effect_gamma_scale;
  double utility[SPASM_N_UTILITIES]; /* utility.h */
  /* population utility norms ([model] utility_norms), by sex and band */
  int norms_on;
  int price_year; /* costs converted to this year; 0 = not converted */
  /* per parameter spec, for a cost: its source's price year and the factor
   * that converted it (for `hfsim check`) */
  int cost_year[N_PARAMS];
  double cost_factor[N_PARAMS];
  int n_norm_bands;
  double norm_age_low[SPASM_MAX_NORM_BANDS];
  double norm_multiplier[2][SPASM_MAX_NORM_BANDS];
  spasm_strategy *strategies;
  size_t n_strategies;
} spasm_impl;

/* min(a, b) for times (never NaN): inline, where fmin() is a libm call. */
static inline double min_years(double a, double b)
{
  return b < a ? b : a;
}

static double annual_rate(double p)
{
  return p >= 1.0 ? HFS_INF : -log1p(-p);
}

/* ---- one patient ------------------------------------------------------- */

enum status { ST_SPASM, ST_INJECTIONS, ST_DRUG, ST_CURED };
enum advance_result { ADV_REACHED, ADV_END, ADV_REMISSION };
enum end_kind { END_DEATH, END_HORIZON, END_AGE_LIMIT };

#define MAX_TRANSIENT 16

typedef struct transient {
  double end_years;
  double decrement;
} transient;

typedef struct patient {
  const spasm_impl *m;
  hfs_sim_context *ctx;
  double *out;
  gsl_rng **rng;
  /* baseline */
  int sex, asian, bilateral, primary, compression, grade;
  double decision_age;
  /* clock */
  double t, t_end;
  int end_kind;
  int last_status;
  /* natural history on the uncontrolled clock */
  double nh_used, nh_next_progression, nh_remission;
  /* health state */
  int cured, on_drug, botox_responder, drug_responder;
  /* time on the injection line and sessions there, all entries */
  double botox_years;
  int botox_sessions;
  double permanent_decrement;
  int n_hearing_loss, n_facial_palsy; /* permanent, for their care costs */
  transient tr[MAX_TRANSIENT];
  int n_tr;
  int controlled_before;
  hfs_discount_cursor cursor_q, cursor_c;
  /* costs and QALYs discounted at the same rate: their factors and, while
   * the cursors agree, their integrals are the same numbers */
  int same_discount;
  /* population-norm band of the last interval, and where it ends (age,
   * and time t); ages only increase */
  int norm_band;
  double norm_edge_age, norm_edge_t;
  /* the first whole year the trace could count next (accrue()) */
  double trace_first_year;
} patient;

static int trace_state(const patient *p, int status)
{
  switch (status) {
  case ST_INJECTIONS:
    return S_CONTROLLED_INJECTIONS;
  case ST_DRUG:
    return S_CONTROLLED_DRUG;
  case ST_CURED:
    return S_CURED;
  default:
    return S_GRADE_1 + p->grade - 1;
  }
}

static double status_utility(const patient *p, int status)
{
  const spasm_impl *m = p->m;
  switch (status) {
  case ST_INJECTIONS:
    return m->utility[U_INJECTIONS];
  case ST_DRUG:
    return m->utility[U_DRUG];
  case ST_CURED:
    return m->utility[U_CURED];
  default:
    return m->utility[U_GRADE_1 + p->grade - 1];
  }
}

/* Annual disease-management cost in STATUS (v2, section 8). */
static double status_cost_per_year(const patient *p, int status)
{
  const spasm_params *q = &p->m->p;
  switch (status) {
  case ST_INJECTIONS:
  case ST_DRUG:
    return q->cost_management_controlled_per_year;
  case ST_CURED:
    return q->cost_management_cured_per_year;
  default:
    return q->cost_management_spasm_per_year;
  }
}

/* Integrate everything that flows over [t0, t1) in STATUS.
 *
 * Called twice per injection session, so kept lean (issue 13): the QALY
 * sums are kept in locals (stores to OUT could alias the patient's fields
 * otherwise), an interval inside the population-norm band of the last one
 * skips the band search, and the cost integral reuses the QALY one when
 * they are the same computation. Every output receives the same operations
 * in the same order as before: the same bits. */
static void accrue(patient *p, double t0, double t1, int status)
{
  if (!(t1 > t0))
    return;
  const spasm_impl *m = p->m;
  const spasm_params *q = &m->p;
  hfs_sim_context *c = p->ctx;
  double *out = p->out;
  const double dt = t1 - t0;
  /* the cursor in a local: copied whole below, it must not be reloaded
   * from the two separate stores just made (a store-forwarding stall) */
  const hfs_discount_cursor q_before = p->cursor_q;
  hfs_discount_cursor cq = q_before;
  const double dq =
      hfs_discount_integral_next(&c->discount_qalys, &cq, t0, t1);
  p->cursor_q = cq;
  double u = status_utility(p, status) - p->permanent_decrement;
  if (p->on_drug)
    u -= q->disutility_drug_side_effects;
  double qaly = out[O_QALY], qaly_u = out[O_QALY_UNDISCOUNTED];
  if (!m->norms_on) {
    qaly += u * dq;
    qaly_u += u * dt;
  } else if (p->decision_age + t0 < p->norm_edge_age && t1 <= p->norm_edge_t) {
    /* within the band of the last interval: the loop below would make one
     * pass with this band, b = t1 and w = dq */
    double mult = m->norm_multiplier[p->sex][p->norm_band];
    qaly += u * mult * dq;
    qaly_u += u * mult * dt;
  } else {
    /* Multiplied by the age- and sex-specific population norm relative to
     * the reference age (piecewise constant by age band), exactly over
     * each band's part of the interval. Ages only increase, so the search
     * starts at the last band. */
    int k = p->norm_band;
    for (double a = t0; a < t1;) {
      double age = p->decision_age + a;
      while (k + 1 < m->n_norm_bands && age >= m->norm_age_low[k + 1])
        k++;
      double b = k + 1 < m->n_norm_bands
                     ? min_years(t1, m->norm_age_low[k + 1] - p->decision_age)
                     : t1;
      if (!(b > a)) /* rounding at a band edge */
        b = t1;
      double w = a == t0 && b == t1
                     ? dq
                     : hfs_discount_integral(&c->discount_qalys, a, b);
      double mult = m->norm_multiplier[p->sex][k];
      qaly += u * mult * w;
      qaly_u += u * mult * (b - a);
      a = b;
    }
    p->norm_band = k;
    int last = k + 1 >= m->n_norm_bands;
    p->norm_edge_age = last ? HFS_INF : m->norm_age_low[k + 1];
    p->norm_edge_t =
        last ? HFS_INF : m->norm_age_low[k + 1] - p->decision_age;
  }
  /* Transient decrements (adverse events, transient palsy), exactly over
   * their overlap with this interval; expired ones are dropped. */
  if (p->n_tr > 0) {
    int keep = 0;
    for (int i = 0; i < p->n_tr; i++) {
      transient *e = &p->tr[i];
      double b = min_years(t1, e->end_years);
      if (b > t0) {
        double w =
            b == t1 ? dq : hfs_discount_integral(&c->discount_qalys, t0, b);
        qaly -= e->decrement * w;
        qaly_u -= e->decrement * (b - t0);
      }
      if (e->end_years > t1)
        p->tr[keep++] = *e;
    }
    p->n_tr = keep;
  }
  out[O_QALY] = qaly;
  out[O_QALY_UNDISCOUNTED] = qaly_u;
  /* Cost flows: the drug, disease management by state, and the lasting
   * care of permanent complications (v2). */
  double rate = status_cost_per_year(p, status) +
                p->n_hearing_loss * q->cost_hearing_loss_per_year +
                p->n_facial_palsy * q->cost_facial_palsy_per_year;
  if (p->on_drug)
    rate += q->cost_drug_per_month * MONTHS_PER_YEAR;
  if (rate != 0.0) {
    /* The same computation as the QALYs' when the rates and the cursors
     * agree: take its result (the same bits) instead of repeating it. */
    double dc;
    if (p->same_discount && p->cursor_c.t_years == q_before.t_years &&
        p->cursor_c.factor == q_before.factor) {
      dc = dq;
      p->cursor_c = cq;
    } else {
      dc = hfs_discount_integral_next(&c->discount_costs, &p->cursor_c, t0,
                                      t1);
    }
    out[O_COST] += rate * dc;
    out[O_COST_UNDISCOUNTED] += rate * dt;
  }
  out[O_LIFE_YEARS] += dt;
  if (status == ST_SPASM) {
    out[O_SPASM_YEARS] += dt;
  } else {
    out[O_SPASM_FREE_YEARS] += dt;
    if (!p->controlled_before) {
      p->controlled_before = 1;
      out[O_EVER_CONTROLLED] = 1.0;
      out[O_TIME_TO_CONTROL] = t0;
    }
  }
  static const double milestone[3] = {1.0, 5.0, 10.0};
  static const int alive_idx[3] = {O_ALIVE_1Y, O_ALIVE_5Y, O_ALIVE_10Y};
  static const int free_idx[3] = {O_SPASM_FREE_1Y, O_SPASM_FREE_5Y,
                                  O_SPASM_FREE_10Y};
  if (t0 <= milestone[2] && milestone[0] < t1) /* most intervals: neither */
    for (int k = 0; k < 3; k++)
      if (t0 <= milestone[k] && milestone[k] < t1) {
        out[alive_idx[k]] = 1.0;
        out[free_idx[k]] = status != ST_SPASM;
      }
  /* The trace counts the whole years k with t0 <= k < t1. Intervals follow
   * each other, so the first whole year at or after t0 is the one after the
   * last interval that held one (trace_first_year; never above it): most
   * intervals are weeks long and hold none, and skip the call. */
  if (t1 > p->trace_first_year) {
    hfs_trace_state(c->trace, (size_t)trace_state(p, status), t0, t1);
    double k = (double)(int64_t)t1; /* t1 is finite and below 2^63 */
    p->trace_first_year = k < t1 ? k + 1.0 : k;
  }
  c->simulated_years += dt;
  p->last_status = status;
}

/* A one-off cost at the current time. */
static void add_cost(patient *p, double amount)
{
  p->out[O_COST] += amount * hfs_discount_factor(&p->ctx->discount_costs, p->t);
  p->out[O_COST_UNDISCOUNTED] += amount;
}

/* A one-off cost and QALY loss at the current time (an injection visit):
 * one discount factor when both rates are the same. */
static void add_cost_and_qaly_loss(patient *p, double amount, double qaly)
{
  const hfs_sim_context *c = p->ctx;
  double fc = hfs_discount_factor(&c->discount_costs, p->t);
  double fq =
      p->same_discount ? fc : hfs_discount_factor(&c->discount_qalys, p->t);
  p->out[O_COST] += amount * fc;
  p->out[O_COST_UNDISCOUNTED] += amount;
  p->out[O_QALY] -= qaly * fq;
  p->out[O_QALY_UNDISCOUNTED] -= qaly;
}

/* A one-off QALY loss at the current time (e.g. peri-operative period). */
static void add_qaly_loss(patient *p, double qaly)
{
  p->out[O_QALY] -= qaly * hfs_discount_factor(&p->ctx->discount_qalys, p->t);
  p->out[O_QALY_UNDISCOUNTED] -= qaly;
}

/* A utility decrement from now for DURATION_YEARS, integrated by accrue()
 * so that death or the horizon cut it short exactly. */
static void add_transient(patient *p, double decrement, double duration_years)
{
  if (p->n_tr == MAX_TRANSIENT) {
    /* Never reached with the default parameters (at most a few overlap);
     * fall back to a lump so nothing is lost. */
    add_qaly_loss(p, decrement * duration_years);
    return;
  }
  p->tr[p->n_tr].end_years = p->t + duration_years;
  p->tr[p->n_tr].decrement = decrement;
  p->n_tr++;
}

/* Stay in STATUS until TARGET (capped at the end of the simulation). While
 * spasm is uncontrolled the natural history runs and can interrupt: a
 * spontaneous remission cures the patient (ADV_REMISSION). */
static int advance(patient *p, double target, int status)
{
  const spasm_impl *m = p->m;
  if (target > p->t_end)
    target = p->t_end;
  /* Natural history runs on the calendar (MODEL.md v2 section 3) whether or
   * not spasm is controlled; a cure (surgical or spontaneous) stops it. The
   * v1 assumption, paused while controlled, is [model] natural_history =
   * paused_while_controlled. */
  int nh_runs = status == ST_SPASM || (!m->nh_paused && status != ST_CURED);
  while (p->t < target) {
    if (!nh_runs) {
      accrue(p, p->t, target, status);
      p->t = target;
      break;
    }
    double next_event = min_years(p->nh_next_progression, p->nh_remission);
    double event_time = p->t + (next_event - p->nh_used);
    if (event_time >= target) {
      accrue(p, p->t, target, status);
      p->nh_used += target - p->t;
      p->t = target;
      break;
    }
    accrue(p, p->t, event_time, status);
    p->t = event_time;
    p->nh_used = next_event;
    if (p->nh_remission <= p->nh_next_progression) {
      p->cured = 1;
      return ADV_REMISSION;
    }
    p->grade++;
    p->nh_next_progression =
        p->grade >= 4
            ? HFS_INF
            : p->nh_used + hfs_rng_exponential_years(p->rng[P_NATURAL],
                                                     m->rate_progression);
  }
  return p->t >= p->t_end ? ADV_END : ADV_REACHED;
}

static void draw_baseline(patient *p)
{
  const spasm_impl *m = p->m;
  const spasm_params *q = &m->p;
  gsl_rng *r = p->rng[P_BASELINE];
  /* Always the same draws in the same order (common random numbers). */
  p->sex = hfs_rng_bernoulli(r, q->p_female) ? HFS_SEX_FEMALE : HFS_SEX_MALE;
  double u = hfs_rng_uniform_pos(r), onset;
  if (m->onset_normal) {
    /* Normal(mean, sd) truncated to [min, max] by inversion: one uniform,
     * no rejection loop. */
    double pr = m->onset_p_lo + u * (m->onset_p_hi - m->onset_p_lo);
    onset = q->onset_age_mean + q->onset_age_sd * gsl_cdf_ugaussian_Pinv(pr);
    onset = fmin(fmax(onset, q->onset_age_min), q->onset_age_max);
  } else {
    onset = q->onset_age_min + u * (q->onset_age_max - q->onset_age_min);
  }
  p->asian = hfs_rng_bernoulli(r, q->p_asian);
  p->bilateral = hfs_rng_bernoulli(r, q->p_bilateral);
  p->primary = hfs_rng_bernoulli(r, q->p_primary_cause);
  p->compression =
      hfs_rng_bernoulli(r, p->primary ? q->p_compression_if_primary
                                      : q->p_compression_if_secondary);
  p->grade = 1 + hfs_rng_categorical(r, m->grade_share, 4);
  double delay = q->delay_to_decision_median_years *
                 exp(q->delay_to_decision_sdlog *
                     gsl_cdf_ugaussian_Pinv(hfs_rng_uniform_pos(r)));
  /* The lognormal tail is capped so that the decision age stays below the
   * life table's last age and the age limit (a delay of decades is
   * possible in the tail; a decision at or past the limit is not). */
  double last_age = fmin((double)m->lt->age_max, q->age_limit_years);
  delay = fmin(delay, fmax(0.0, last_age - onset - 1.0 / DAYS_PER_YEAR));
  p->decision_age = onset + delay;

  double *a = p->ctx->attributes;
  a[A_SEX] = p->sex;
  a[A_ONSET_AGE] = onset;
  a[A_DECISION_AGE] = p->decision_age;
  a[A_ASIAN] = p->asian;
  a[A_BILATERAL] = p->bilateral;
  a[A_CAUSE] = p->primary;
  a[A_COMPRESSION] = p->compression;
  a[A_GRADE] = p->grade;
}

static void start_clock(patient *p)
{
  const spasm_impl *m = p->m;
  double limit = m->p.age_limit_years;
  double t_death =
      hfs_life_table_time_to_death(m->lt, p->sex, p->decision_age,
                                   hfs_rng_uniform_pos(p->rng[P_DEATH]), limit);
  double t_limit = fmax(0.0, limit - p->decision_age);
  double horizon = p->ctx->horizon_years;
  p->t = 0.0;
  if (t_death <= horizon && t_death <= t_limit) {
    p->t_end = t_death;
    p->end_kind = END_DEATH;
  } else if (horizon <= t_limit) {
    p->t_end = horizon;
    p->end_kind = END_HORIZON;
  } else {
    p->t_end = t_limit;
    p->end_kind = END_AGE_LIMIT;
  }
  gsl_rng *r = p->rng[P_NATURAL];
  p->nh_remission = hfs_rng_exponential_years(r, m->rate_remission);
  double first = hfs_rng_exponential_years(r, m->rate_progression);
  p->nh_next_progression = p->grade >= 4 ? HFS_INF : first;
}

/* ---- treatments --------------------------------------------------------- */

/* Move through injection effect windows until TARGET. */
static int advance_injections(patient *p, double target, double *win_end,
                              double *pend_start, double *pend_end)
{
  while (p->t < target && p->t < p->t_end) {
    int r;
    if (p->t < *win_end) {
      r = advance(p, min_years(*win_end, target), ST_INJECTIONS);
    } else if (*pend_start <= p->t) {
      *win_end = *pend_end;
      *pend_start = HFS_INF;
      continue;
    } else {
      r = advance(p, min_years(*pend_start, target), ST_SPASM);
    }
    if (r != ADV_REACHED)
      return r;
  }
  return p->t >= p->t_end ? ADV_END : ADV_REACHED;
}

/* One injection's effect, in weeks: gamma with shape
 * botox_effect_gamma_shape and mean botox_effect_mean_weeks. For a shape of
 * at least 1 this is GSL's gsl_ran_gamma() written out, the method of
 * Marsaglia and Tsang, "A simple method for generating gamma variables",
 * ACM Trans. Math. Softw. 26(3):363-372, 2000, with the same draws in the
 * same order and the same arithmetic (the same numbers), but with d and c
 * computed once per model instead of a square root per draw, and the
 * uniforms read inline (issue 13). The normals are still GSL's ziggurat. */
static double botox_effect_weeks(const spasm_impl *m, gsl_rng *r)
{
  if (!m->effect_gamma_inline)
    return gsl_ran_gamma(r, m->p.botox_effect_gamma_shape,
                         m->p.botox_effect_mean_weeks /
                             m->p.botox_effect_gamma_shape);
  const double d = m->effect_gamma_d, c = m->effect_gamma_c;
  double x, v, u;
  for (;;) {
    do {
      x = gsl_ran_gaussian_ziggurat(r, 1.0);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    u = hfs_rng_uniform_pos(r);
    if (u < 1 - 0.0331 * x * x * x * x)
      break;
    if (log(u) < 0.5 * x * x + d * (1 - v + log(v)))
      break;
  }
  return m->effect_gamma_scale * d * v;
}

/* Sessions and effects of one stay on the injection line, for the mean
 * interval and effect outputs, written once when the stay ends (they were
 * rewritten at every session with the same final values). */
typedef struct botox_tally {
  int sessions, effective;
  double first_session, last_session, effect_sum_years;
} botox_tally;

static spasm_line_end botox_sessions(patient *p, const spasm_line *ln,
                                     int choice_open, botox_tally *tally)
{
  const spasm_impl *m = p->m;
  const spasm_params *q = &m->p;
  gsl_rng *r = p->rng[P_BOTOX];
  double t0 = p->t;
  if (p->botox_responder < 0)
    p->botox_responder = hfs_rng_bernoulli(r, q->botox_p_primary_response);
  p->out[O_INJECTED] = 1.0;
  p->out[O_BOTOX_RESPONDER] = p->botox_responder;
  /* Line-level competing times; all drawn whatever the strategy so the
   * stream stays aligned. */
  double t_nonresponse =
      t0 + hfs_rng_exponential_years(r, m->rate_secondary_nonresponse);
  double t_discontinue =
      t0 + hfs_rng_exponential_years(r, m->rate_discontinuation);
  double t_choice = t0 + hfs_rng_exponential_years(r, m->rate_choice);
  if (!ln->surgery_choice || !choice_open)
    t_choice = HFS_INF; /* no surgery the patient could still have */
  double t_limit = t0 + ln->max_years;
  double win_end = -HFS_INF, pend_start = HFS_INF, pend_end = HFS_INF;
  const double cost =
      p->bilateral ? m->botox_cost_bilateral : m->botox_cost_unilateral;
  /* constant over the sessions (read once: stores to p->out could alias
   * q's fields for the compiler) */
  const double latency_years = q->botox_latency_days / DAYS_PER_YEAR;
  const double visit_qaly_loss = q->qaly_loss_injection_visit;
  const double p_failure = q->botox_p_session_failure;
  const double interval_min = q->botox_interval_min_weeks;
  const double interval_span =
      q->botox_interval_max_weeks - q->botox_interval_min_weeks;
  static const int ae_out[4] = {O_PTOSIS, O_FACIAL_WEAKNESS, O_DRY_EYE,
                                O_DIPLOPIA};
  const double ae_p[4] = {q->botox_p_ptosis, q->botox_p_facial_weakness,
                          q->botox_p_dry_eye, q->botox_p_diplopia};
  const double ae_dec[4] = {q->disutility_ptosis,
                            q->disutility_facial_weakness,
                            q->disutility_dry_eye, q->disutility_diplopia};
  for (;;) {
    if (p->t >= p->t_end)
      return SPASM_END_SIMULATION;
    /* Exits take effect at the visit on or after their time. */
    double first_exit = min_years(min_years(t_nonresponse, t_discontinue),
                                  min_years(t_choice, t_limit));
    if (first_exit <= p->t) {
      if (first_exit == t_nonresponse)
        return SPASM_END_FAILURE;
      if (first_exit == t_discontinue)
        return SPASM_END_DISCONTINUATION;
      if (first_exit == t_choice)
        return SPASM_END_CHOICE;
      return SPASM_END_TIME_LIMIT;
    }
    if (tally->sessions > 0 && !p->botox_responder)
      return SPASM_END_FAILURE; /* primary non-response, seen at the visit */

    double ts = p->t;
    tally->sessions++;
    p->out[O_INJECTION_SESSIONS] += 1.0;
    if (tally->sessions == 1)
      tally->first_session = ts;
    tally->last_session = ts;
    add_cost_and_qaly_loss(p, cost, visit_qaly_loss);
    for (int k = 0; k < 4; k++) {
      /* The duration is drawn only for an event: the stream's use still
       * depends on its own values alone, so every strategy replays the
       * same sessions. */
      if (hfs_rng_uniform(r) < ae_p[k]) {
        p->out[ae_out[k]] += 1.0;
        double weeks = q->botox_ae_min_weeks +
                       hfs_rng_uniform(r) *
                           (q->botox_ae_max_weeks - q->botox_ae_min_weeks);
        add_transient(p, ae_dec[k], weeks / WEEKS_PER_YEAR);
      }
    }
    int works = p->botox_responder && !hfs_rng_bernoulli(r, p_failure);
    double effect_years = botox_effect_weeks(m, r) / WEEKS_PER_YEAR;
    double interval_years =
        (interval_min + hfs_rng_uniform(r) * interval_span) / WEEKS_PER_YEAR;
    double next_visit = ts + interval_years;
    if (works) {
      tally->effective++;
      tally->effect_sum_years += effect_years;
      double s = ts + latency_years;
      double e = s + effect_years;
      if (s <= win_end) {
        win_end = e > win_end ? e : win_end; /* fmax, inline */
      } else {
        pend_start = s;
        pend_end = e;
      }
      if (ln->when_worn_off)
        next_visit = e;
    }
    int res =
        advance_injections(p, next_visit, &win_end, &pend_start, &pend_end);
    if (res != ADV_REACHED)
      return SPASM_END_SIMULATION;
  }
}

static spasm_line_end run_botox(patient *p, const spasm_line *ln,
                                int choice_open)
{
  botox_tally tally = {0, 0, 0.0, 0.0, 0.0};
  spasm_line_end why = botox_sessions(p, ln, choice_open, &tally);
  /* the values the last session (effective session) of this stay gives */
  if (tally.sessions >= 2) {
    p->out[O_HAS_INTERVAL] = 1.0;
    p->out[O_INJECTION_INTERVAL] = (tally.last_session - tally.first_session) /
                                   (tally.sessions - 1) * WEEKS_PER_YEAR;
  }
  if (tally.effective > 0) {
    p->out[O_HAS_EFFECT] = 1.0;
    p->out[O_INJECTION_EFFECT] =
        tally.effect_sum_years / tally.effective * WEEKS_PER_YEAR;
  }
  return why;
}

static spasm_line_end run_medication(patient *p, const spasm_line *ln)
{
  const spasm_impl *m = p->m;
  const spasm_params *q = &m->p;
  gsl_rng *r = p->rng[P_MEDICATION];
  double t_limit = p->t + ln->max_years;
  double trial_years = q->drug_trial_months / MONTHS_PER_YEAR;
  /* Whether the patient's spasm responds to any oral drug at all: one
   * patient-level draw (E); each drug's response is conditional on it, so a
   * longer sequence cannot push the cumulative response above
   * drug_p_any_response (MODEL.md v2 section 5.2). */
  if (p->drug_responder < 0)
    p->drug_responder = hfs_rng_bernoulli(r, q->drug_p_any_response);
  for (int k = 0; k < ln->n_drugs; k++) {
    int drug = ln->drugs[k];
    if (p->t >= p->t_end)
      return SPASM_END_SIMULATION;
    if (p->t >= t_limit)
      return SPASM_END_TIME_LIMIT;
    p->out[O_DRUG_COURSES] += 1.0;
    /* Same four draws for every drug, in the same order. */
    int responds =
        hfs_rng_bernoulli(r, m->drug_response[drug]) && p->drug_responder;
    double p_rash = drug == 0 ? q->drug_p_rash_carbamazepine *
                                    (p->asian ? q->drug_rash_rr_asian : 1.0)
                              : 0.0;
    int rash = hfs_rng_bernoulli(r, fmin(1.0, p_rash));
    double rash_at = p->t + hfs_rng_uniform(r) * trial_years;
    double stop_after = hfs_rng_exponential_years(r, m->rate_drug_stop);
    double trial_end = p->t + trial_years;
    p->on_drug = 1;
    if (rash) {
      int res = advance(p, fmin(rash_at, t_limit), ST_SPASM);
      p->on_drug = 0;
      if (res != ADV_REACHED)
        return SPASM_END_SIMULATION;
      if (p->t >= t_limit)
        return SPASM_END_TIME_LIMIT;
      p->out[O_RASH] += 1.0;
      add_transient(p, q->disutility_rash,
                    q->rash_duration_weeks / WEEKS_PER_YEAR);
      if (ln->go_to[SPASM_END_INTOLERANCE] == SPASM_GOTO_NEXT_DRUG)
        continue;
      return SPASM_END_INTOLERANCE;
    }
    /* Trial period: response is judged at its end; spasm meanwhile. */
    int res = advance(p, fmin(trial_end, t_limit), ST_SPASM);
    if (res != ADV_REACHED || p->t >= t_limit || !responds) {
      p->on_drug = 0;
      if (res != ADV_REACHED)
        return SPASM_END_SIMULATION;
      if (p->t >= t_limit)
        return SPASM_END_TIME_LIMIT;
      continue;
    }
    res = advance(p, fmin(trial_end + stop_after, t_limit), ST_DRUG);
    p->on_drug = 0;
    if (res != ADV_REACHED)
      return SPASM_END_SIMULATION;
    if (p->t >= t_limit)
      return SPASM_END_TIME_LIMIT;
  }
  return SPASM_END_FAILURE;
}

/* Years from a surgical cure to recurrence, by inverting the piecewise
 * constant hazard fitted to Chang et al. 2012 (1.0/1.7/2.9% at 1/2/5 y). */
static double recurrence_after(const spasm_impl *m, double u)
{
  static const double edge[4] = {0.0, 1.0, 2.0, 5.0};
  double target = -log(u);
  for (int k = 0; k < 3; k++) {
    double h = m->recurrence_hazard[k], span = edge[k + 1] - edge[k];
    if (h * span >= target)
      return edge[k] + (h > 0 ? target / h : 0.0);
    target -= h * span;
  }
  double h = m->recurrence_hazard[3];
  return h > 0 ? 5.0 + target / h : HFS_INF;
}

/* One decompression; returns 0 if the patient dies at operation. */
static int operate(patient *p, int redo)
{
  const spasm_params *q = &p->m->p;
  gsl_rng *r = p->rng[P_MVD];
  add_cost(p, q->cost_mvd);
  /* Five uniforms, always drawn, in this order. */
  double u[5];
  for (int k = 0; k < 5; k++)
    u[k] = hfs_rng_uniform(r);
  if (u[0] < q->mvd_p_operative_death) {
    p->out[O_OPERATIVE_DEATH] += 1.0;
    p->t_end = p->t;
    p->end_kind = END_DEATH;
    return 0;
  }
  /* The peri-operative loss is charged to survivors only (v2). */
  add_qaly_loss(p, q->qaly_loss_mvd_perioperative);
  double age = p->decision_age + p->t;
  double rr =
      age >= q->mvd_hearing_older_age_years ? q->mvd_hearing_rr_older : 1.0;
  double p_pfp =
      redo ? q->redo_p_permanent_facial_palsy : q->mvd_p_permanent_facial_palsy;
  double p_phl =
      redo ? q->redo_p_permanent_hearing_loss : q->mvd_p_permanent_hearing_loss;
  /* One operation leaves a nerve with a permanent deficit, a transient one
   * or none: the two are exclusive outcomes of one draw (v2), each with its
   * published marginal probability. */
  add_cost(p, q->cost_followup_after_surgery);
  if (u[1] < p_pfp) {
    p->out[O_PERMANENT_FACIAL_PALSY] += 1.0;
    p->n_facial_palsy++;
    p->permanent_decrement += q->disutility_permanent_facial_palsy;
  } else if (u[1] < p_pfp + q->mvd_p_transient_facial_palsy) {
    p->out[O_TRANSIENT_FACIAL_PALSY] += 1.0;
    add_transient(p, q->disutility_transient_facial_palsy,
                  q->mvd_transient_facial_palsy_months / MONTHS_PER_YEAR);
  }
  double p_phl_rr = fmin(1.0, p_phl * rr);
  if (u[2] < p_phl_rr) {
    p->out[O_PERMANENT_HEARING_LOSS] += 1.0;
    p->n_hearing_loss++;
    p->permanent_decrement += q->disutility_permanent_hearing_loss;
  } else if (u[2] < p_phl_rr + q->mvd_p_transient_hearing_loss * rr) {
    p->out[O_TRANSIENT_HEARING_LOSS] += 1.0;
    add_transient(p, q->disutility_transient_hearing_loss,
                  q->mvd_transient_hearing_loss_months / MONTHS_PER_YEAR);
  }
  if (u[3] < q->mvd_p_csf_leak) {
    p->out[O_CSF_LEAK] += 1.0;
    add_cost(p, q->cost_csf_leak);
  }
  if (u[4] < q->mvd_p_stroke) {
    p->out[O_STROKE] += 1.0;
    add_cost(p, q->cost_stroke);
    p->permanent_decrement += q->disutility_stroke;
  }
  return 1;
}

enum mvd_result { MVD_IMMEDIATE, MVD_DELAYED, MVD_PERSISTENT };

static spasm_line_end run_mvd(patient *p, const spasm_line *ln)
{
  const spasm_impl *m = p->m;
  const spasm_params *q = &m->p;
  gsl_rng *r = p->rng[P_MVD];
  if (p->t >= p->t_end)
    return SPASM_END_SIMULATION;
  double u_mri = hfs_rng_uniform(p->rng[P_DIAGNOSIS]);
  /* Candidates are patients with primary HFS whose MRI shows compression;
   * secondary (post-paralytic) HFS is never operated (v2 section 5.3). */
  if (!p->primary && !m->operate_secondary)
    return SPASM_END_INELIGIBLE;
  p->out[O_MRI_SCANS] += 1.0;
  add_cost(p, q->cost_mri);
  int positive = p->compression ? u_mri < q->mri_sensitivity
                                : u_mri < 1.0 - q->mri_specificity;
  if (!positive)
    return SPASM_END_INELIGIBLE;

  int redo_left = ln->redo_max;
  for (int redo = 0;; redo = 1) {
    if (!redo) {
      p->out[O_OPERATIONS] += 1.0;
      p->out[O_OPERATED] = 1.0;
      p->out[O_OPERATED_COMPRESSION] = p->compression;
    } else {
      p->out[O_REDO_OPERATIONS] += 1.0;
      p->out[O_REDONE] = 1.0;
    }
    if (!operate(p, redo))
      return SPASM_END_SIMULATION;
    /* Outcome draws: always four uniforms. */
    double u_outcome = hfs_rng_uniform(r);
    double u_delay = hfs_rng_uniform_pos(r);
    double u_recur = hfs_rng_uniform_pos(r);
    double u_accept = hfs_rng_uniform(r);
    int result;
    if (!p->compression) {
      /* The operation shows there is no compression: a negative
       * exploration decompresses nothing (v2). */
      p->out[O_NEGATIVE_EXPLORATION] = 1.0;
      result = u_outcome < q->mvd_p_cure_without_compression ? MVD_IMMEDIATE
                                                             : MVD_PERSISTENT;
    } else if (!redo) {
      result = u_outcome < m->mvd_outcome[0] ? MVD_IMMEDIATE
               : u_outcome < m->mvd_outcome[0] + m->mvd_outcome[1]
                   ? MVD_DELAYED
                   : MVD_PERSISTENT;
    } else {
      result = u_outcome < q->redo_p_cure ? MVD_IMMEDIATE : MVD_PERSISTENT;
    }
    double t_op = p->t;
    if (result == MVD_DELAYED) {
      double delay_years =
          q->mvd_delayed_cure_median_days *
          exp(q->mvd_delayed_cure_sdlog * gsl_cdf_ugaussian_Pinv(u_delay)) /
          DAYS_PER_YEAR;
      if (advance(p, t_op + delay_years, ST_SPASM) != ADV_REACHED)
        return SPASM_END_SIMULATION;
    }
    if (result != MVD_PERSISTENT) {
      p->cured = 1;
      if (!redo) {
        p->out[O_MVD_CURE] = 1.0;
        p->out[O_MVD_CURE_COMPRESSION] = p->compression;
      }
      double after = recurrence_after(m, u_recur);
      double t_recur = p->t + after;
      if (!redo) {
        /* Follow-up for the recurrence curve: a patient counts for year k
         * if followed k years after the cure or recurring before. */
        static const double years[3] = {1.0, 2.0, 5.0};
        static const int followed[3] = {O_FOLLOWED_1Y, O_FOLLOWED_2Y,
                                        O_FOLLOWED_5Y};
        static const int recurred[3] = {O_RECURRENCE_1Y, O_RECURRENCE_2Y,
                                        O_RECURRENCE_5Y};
        for (int k = 0; k < 3; k++) {
          int seen = t_recur < p->t_end && after <= years[k];
          if (seen || p->t + years[k] <= p->t_end) {
            p->out[followed[k]] = 1.0;
            p->out[recurred[k]] = seen;
          }
        }
      }
      if (advance(p, t_recur, ST_CURED) != ADV_REACHED)
        return SPASM_END_SIMULATION;
      p->cured = 0;
      p->out[O_RECURRENCES] += 1.0;
    } else {
      if (advance(p, t_op + q->mvd_persistence_judged_years, ST_SPASM) !=
          ADV_REACHED)
        return SPASM_END_SIMULATION;
    }
    /* A redo is offered only after a failed decompression of a true
     * compression (persistent or recurrent spasm), and accepted with
     * probability mvd_p_accept_redo (E; v2 section 5.3). A negative
     * exploration is not redone. */
    if (redo_left == 0 || !p->compression || u_accept >= q->mvd_p_accept_redo)
      return SPASM_END_FAILURE;
    redo_left--;
  }
}

/* Which lines the patient has been on and why each last ended. */
typedef struct line_history {
  int entered[SPASM_MAX_LINES];
  int last_end[SPASM_MAX_LINES];
} line_history;

static int can_enter(const spasm_strategy *st, const line_history *h, int k)
{
  return !h->entered[k] ||
         (st->lines[k].reenter_mask & (1u << h->last_end[k])) != 0;
}

static void simulate(const hfs_model *model, size_t strategy,
                     hfs_sim_context *ctx)
{
  const spasm_impl *m = model->impl;
  patient p;
  memset(&p, 0, sizeof p);
  p.m = m;
  p.ctx = ctx;
  p.out = ctx->outcomes;
  p.rng = ctx->streams;
  p.botox_responder = -1;
  p.drug_responder = -1;
  hfs_discount_cursor_start(&p.cursor_q);
  hfs_discount_cursor_start(&p.cursor_c);
  p.same_discount = ctx->discount_costs.rate_per_year ==
                    ctx->discount_qalys.rate_per_year;
  p.norm_edge_age = -HFS_INF; /* the first interval finds the band */
  draw_baseline(&p);
  start_clock(&p);
  p.last_status = ST_SPASM;

  const spasm_strategy *st = &m->strategies[strategy];
  /* The strategy's graph (strategy.h): each line keeps its history, the
   * reason it last ended for, which decides whether it can be entered
   * again. `hfsim check` has rejected graphs that could loop forever. */
  line_history h;
  memset(&h, 0, sizeof h);
  int li = st->n_lines > 0 ? 0 : SPASM_GOTO_UNTREATED;
  while (li >= 0 && li < st->n_lines && p.t < p.t_end && !p.cured) {
    const spasm_line *ln = &st->lines[li];
    /* every treatment is a case (-Wswitch-enum): a new one fails to
     * compile here instead of silently running another treatment */
    spasm_line_end why = SPASM_END_SIMULATION;
    h.entered[li] = 1;
    double t_before = p.t;
    switch (ln->treatment) {
    case SPASM_TX_BOTOX: {
      int c = ln->go_to[SPASM_END_CHOICE];
      why = run_botox(&p, ln, c >= 0 && c != li && can_enter(st, &h, c));
      p.botox_years += p.t - t_before;
      break;
    }
    case SPASM_TX_MEDICATION:
      why = run_medication(&p, ln);
      break;
    case SPASM_TX_MVD:
      why = run_mvd(&p, ln);
      break;
    case SPASM_TX_COUNT_:
      break;
    }
    if (why == SPASM_END_SIMULATION)
      break;
    h.last_end[li] = why;
    int to = ln->go_to[why];
    if (to >= 0 && !can_enter(st, &h, to))
      to = SPASM_GOTO_UNTREATED; /* that line is closed to this patient */
    if (to < 0 && why != SPASM_END_DISCONTINUATION) {
      /* A patient the pathway leaves untreated (not one who stopped of
       * their own accord) while some line is still open to them. */
      for (int k = 0; k < st->n_lines; k++)
        if (can_enter(st, &h, k))
          p.out[O_LEFT_UNTREATED] = 1.0;
    }
    li = to;
  }
  if (p.botox_responder == 1 && p.botox_years >= 1.0) {
    p.out[O_HAS_SESSION_RATE] = 1.0;
    p.out[O_SESSIONS_PER_YEAR] = p.out[O_INJECTION_SESSIONS] / p.botox_years;
  }
  p.out[O_PFP_PER_OPERATED] = p.out[O_PERMANENT_FACIAL_PALSY];
  p.out[O_PHL_PER_OPERATED] = p.out[O_PERMANENT_HEARING_LOSS];
  /* Untreated (or cured) until the end. */
  while (p.t < p.t_end)
    if (advance(&p, p.t_end, p.cured ? ST_CURED : ST_SPASM) == ADV_REMISSION)
      continue;

  size_t end_state = p.end_kind == END_DEATH ? S_DEAD
                     : p.end_kind == END_AGE_LIMIT
                         ? S_EXITED
                         : (size_t)trace_state(&p, p.last_status);
  hfs_trace_state(ctx->trace, end_state, p.t_end, HFS_INF);
  /* A horizon of exactly 1, 5 or 10 years still reports the state then,
   * as the trace does. */
  if (p.end_kind == END_HORIZON) {
    static const double milestone[3] = {1.0, 5.0, 10.0};
    static const int alive_idx[3] = {O_ALIVE_1Y, O_ALIVE_5Y, O_ALIVE_10Y};
    static const int free_idx[3] = {O_SPASM_FREE_1Y, O_SPASM_FREE_5Y,
                                    O_SPASM_FREE_10Y};
    for (int k = 0; k < 3; k++)
      if (p.t_end == milestone[k]) {
        p.out[alive_idx[k]] = 1.0;
        p.out[free_idx[k]] = p.last_status != ST_SPASM;
      }
  }
  p.out[O_DIED] = p.end_kind == END_DEATH;
}

/* ---- creation ----------------------------------------------------------- */

/* Where parameter NAME's value comes from, for a message: the override
 * that set it (its label: "--set x=1" or "FILE:LINE"), else the table. */
static const char *where_file(const hfs_param_table *t, const char *name)
{
  const hfs_param *p = hfs_param_find(t, name);
  return p && p->origin ? p->origin : t->path;
}

static long where_line(const hfs_param_table *t, const char *name)
{
  const hfs_param *p = hfs_param_find(t, name);
  return p && !p->origin ? p->line : 0;
}

static void check_model_params(const spasm_impl *m, const hfs_param_table *t,
                               hfs_diag *d)
{
  const spasm_params *q = &m->p;
  /* FILE, LINE of the parameter: the override that set it (--set, a
   * [scenario] line), else its row of the table */
#define AT(name) where_file(t, #name), where_line(t, #name)
  if (!(q->onset_age_min < q->onset_age_max))
    hfs_diag_error(d, AT(onset_age_max),
                   "onset_age_max (%g) must be above onset_age_min (%g)",
                   q->onset_age_max, q->onset_age_min);
  if (q->onset_age_min < m->lt->age_min)
    hfs_diag_error(d, AT(onset_age_min),
                   "onset_age_min (%g) is below the first age of the life "
                   "table (%d, %s)",
                   q->onset_age_min, m->lt->age_min, m->lt->path);
  if ((double)m->lt->age_max + 1.0 < q->age_limit_years)
    /* legal, but an extrapolation the user should know about */
    hfs_diag_warning(d, m->lt->path, 0,
                     "the life table ends at age %d, below "
                     "age_limit_years (%g): its last age's mortality is used "
                     "up to the limit",
                     m->lt->age_max, q->age_limit_years);
  if (q->age_limit_years <= q->onset_age_max)
    hfs_diag_error(d, AT(age_limit_years),
                   "age_limit_years (%g) must be above onset_age_max (%g)",
                   q->age_limit_years, q->onset_age_max);
  if (q->botox_interval_min_weeks > q->botox_interval_max_weeks)
    hfs_diag_error(d, AT(botox_interval_max_weeks),
                   "botox_interval_max_weeks (%g) is below "
                   "botox_interval_min_weeks (%g)",
                   q->botox_interval_max_weeks, q->botox_interval_min_weeks);
  if (q->botox_ae_min_weeks > q->botox_ae_max_weeks)
    hfs_diag_error(d, AT(botox_ae_max_weeks),
                   "botox_ae_max_weeks (%g) is below botox_ae_min_weeks (%g)",
                   q->botox_ae_max_weeks, q->botox_ae_min_weeks);
  if (!(q->mvd_recurrence_cum_1y <= q->mvd_recurrence_cum_2y &&
        q->mvd_recurrence_cum_2y <= q->mvd_recurrence_cum_5y &&
        q->mvd_recurrence_cum_5y < 1.0))
    hfs_diag_error(d, AT(mvd_recurrence_cum_5y),
                   "cumulative recurrence must not decrease and stay below 1: "
                   "1y %g, 2y %g, 5y %g",
                   q->mvd_recurrence_cum_1y, q->mvd_recurrence_cum_2y,
                   q->mvd_recurrence_cum_5y);
#undef AT
}

/* The model's scenario options: [cohort] and [model]. */
typedef struct spasm_options {
  int onset_normal;      /* [cohort] onset_age_distribution = normal */
  int nh_paused;         /* [model] natural_history */
  int operate_secondary; /* [model] operate_secondary */
  char *norms_path;      /* [model] utility_norms: a table, or NULL (no) */
  const char *norms_file; /* where the setting is, for messages */
  long norms_line;
  /* [model] price_year (0 = none: costs at their sources' years),
   * price_index and cost_price_years (paths) */
  int price_year;
  const hfs_setting *price_year_setting;
  char *index_path, *years_path;
} spasm_options;

static void options_free(spasm_options *o)
{
  free(o->norms_path);
  free(o->index_path);
  free(o->years_path);
  o->norms_path = o->index_path = o->years_path = NULL;
}

/* A path setting of [model], relative to the scenario file (from --set:
 * to the working folder); NULL if unset. */
static char *model_path(hfs_scenario *s, const char *key, hfs_diag *d)
{
  hfs_setting *e = hfs_scenario_get(s, "model", key);
  if (e == NULL)
    return NULL;
  if (e->value[0] == '\0') {
    hfs_diag_error(d, e->file, e->line, "[model] %s: needs a path", key);
    return NULL;
  }
  return hfs_setting_path(s, e);
}

/* KEY in SECTION is one of CHOICES[0..n); returns its index, DEFAULT_INDEX
 * if unset, and reports anything else with the file and line. */
static int read_choice(hfs_scenario *s, const char *section, const char *key,
                       const char *const *choices, int n, int default_index,
                       hfs_diag *d)
{
  hfs_setting *e = hfs_scenario_get(s, section, key);
  if (e == NULL)
    return default_index;
  for (int i = 0; i < n; i++)
    if (strcmp(e->value, choices[i]) == 0)
      return i;
  char list[160] = "";
  for (int i = 0; i < n; i++) {
    strncat(list, choices[i], sizeof list - strlen(list) - 1);
    if (i + 1 < n)
      strncat(list, i + 2 == n ? " or " : ", ", sizeof list - strlen(list) - 1);
  }
  hfs_diag_error(d, e->file, e->line, "[%s] %s: expected %s, got '%s'",
                 section, key, list, e->value);
  return default_index;
}

/* A calendar year for prices: whole, FIRST_PRICE_YEAR..LAST_PRICE_YEAR (a
 * plausibility range, not a model number: it keeps the int conversion
 * defined and catches a value typed into the wrong column). */
enum { FIRST_PRICE_YEAR = 1900, LAST_PRICE_YEAR = 2100 };
static int is_price_year(double y)
{
  return y == floor(y) && y >= FIRST_PRICE_YEAR && y <= LAST_PRICE_YEAR;
}

static spasm_options read_options(hfs_scenario *s, hfs_diag *d)
{
  spasm_options o;
  static const char *const onset[] = {"uniform", "normal"};
  static const char *const nh[] = {"calendar", "paused_while_controlled"};
  static const char *const no_yes[] = {"no", "yes"};
  o.onset_normal =
      read_choice(s, "cohort", "onset_age_distribution", onset, 2, 0, d);
  static const char *const cohort_keys[] = {"onset_age_distribution"};
  hfs_scenario_report_unknown(s, "cohort", cohort_keys, 1, d);
  o.nh_paused = read_choice(s, "model", "natural_history", nh, 2, 0, d);
  o.operate_secondary =
      read_choice(s, "model", "operate_secondary", no_yes, 2, 0, d);
  o.norms_path = NULL;
  o.norms_file = NULL;
  o.norms_line = 0;
  hfs_setting *e = hfs_scenario_get(s, "model", "utility_norms");
  if (e != NULL && strcmp(e->value, "no") != 0) {
    if (e->value[0] == '\0')
      hfs_diag_error(d, e->file, e->line,
                     "[model] utility_norms: expected no or the path of a "
                     "table of population utility norms");
    else
      o.norms_path = hfs_setting_path(s, e);
    o.norms_file = e->file;
    o.norms_line = e->line;
  }
  o.price_year = 0;
  o.price_year_setting = NULL;
  o.index_path = o.years_path = NULL;
  /* Mark the table settings read even when price_year = none, so that
   * switching the conversion off does not make them unknown keys. */
  (void)hfs_scenario_get(s, "model", "price_index");
  (void)hfs_scenario_get(s, "model", "cost_price_years");
  e = hfs_scenario_get(s, "model", "price_year");
  if (e != NULL && strcmp(e->value, "none") != 0) {
    double y;
    if (hfs_parse_double(e->value, &y) != 0 || !is_price_year(y))
      hfs_diag_error(d, e->file, e->line,
                     "[model] price_year: expected none or a year such as "
                     "2024, got '%s'",
                     e->value);
    else {
      o.price_year = (int)y;
      o.price_year_setting = e;
      o.index_path = model_path(s, "price_index", d);
      o.years_path = model_path(s, "cost_price_years", d);
      if (o.index_path == NULL || o.years_path == NULL)
        hfs_diag_error(d, e->file, e->line,
                       "[model] price_year = %d needs price_index (a price "
                       "index table) and cost_price_years (the price year "
                       "of every cost)",
                       o.price_year);
    }
  }
  static const char *const model_keys[] = {
      "natural_history", "operate_secondary", "utility_norms",
      "price_year",      "price_index",       "cost_price_years"};
  hfs_scenario_report_unknown(s, "model", model_keys, 6, d);
  return o;
}

static hfs_status check_settings(hfs_scenario *s, hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  spasm_options opt = read_options(s, d);
  options_free(&opt);
  spasm_strategy *tmp =
      calloc(s->n_strategies ? s->n_strategies : 1, sizeof *tmp);
  if (tmp == NULL)
    return HFS_ERR_NOMEM;
  hfs_status st = spasm_strategies_read(s, tmp, d);
  for (size_t i = 0; i < s->n_strategies; i++)
    spasm_strategy_free(&tmp[i]);
  free(tmp);
  if (st == HFS_ERR_NOMEM)
    return st;
  return hfs_diag_count(d) > before ? HFS_ERR_INPUT : HFS_OK;
}

static void destroy(hfs_model *model)
{
  spasm_impl *m = model->impl;
  if (m != NULL) {
    for (size_t i = 0; i < m->n_strategies; i++)
      spasm_strategy_free(&m->strategies[i]);
    free(m->strategies);
    free(m);
  }
  model->impl = NULL;
}

/* ---- one price year ----------------------------------------------------- */

enum { MAX_INDEX_YEARS = 200 };

typedef struct index_reader {
  const char *path;
  hfs_diag *d;
  int header;
  int n;
  int year[MAX_INDEX_YEARS];
  double index[MAX_INDEX_YEARS];
} index_reader;

static int index_of_year(const index_reader *r, int year)
{
  for (int i = 0; i < r->n; i++)
    if (r->year[i] == year)
      return i;
  return -1;
}

static int index_row(void *user, const hfs_csv_row *row)
{
  index_reader *r = user;
  if (!r->header) {
    r->header = 1;
    if (row->n_fields < 2 || strcmp(row->fields[0], "year") != 0 ||
        strcmp(row->fields[1], "index") != 0) {
      hfs_diag_error(r->d, r->path, row->line,
                     "expected the header year,index[,...]");
      return 1;
    }
    return 0;
  }
  double y, v;
  if (row->n_fields < 2 || hfs_parse_double(row->fields[0], &y) != 0 ||
      !is_price_year(y) || hfs_parse_double(row->fields[1], &v) != 0 ||
      !(v > 0) || !isfinite(v)) {
    hfs_diag_error(r->d, r->path, row->line,
                   "expected a year from %d to %d and an index > 0, got '%s' "
                   "and '%s'",
                   FIRST_PRICE_YEAR, LAST_PRICE_YEAR,
                   row->n_fields > 0 ? row->fields[0] : "",
                   row->n_fields > 1 ? row->fields[1] : "");
    return 0;
  }
  if (index_of_year(r, (int)y) >= 0) {
    hfs_diag_error(r->d, r->path, row->line, "year %d appears twice", (int)y);
    return 0;
  }
  if (r->n == MAX_INDEX_YEARS) {
    hfs_diag_error(r->d, r->path, row->line, "at most %d years",
                   MAX_INDEX_YEARS);
    return 1;
  }
  r->year[r->n] = (int)y;
  r->index[r->n] = v;
  r->n++;
  return 0;
}

typedef struct years_reader {
  const char *path;
  hfs_diag *d;
  int header;
  const index_reader *idx;
  double factor_to[N_PARAMS]; /* by spec; 0 = no row yet */
  int year[N_PARAMS];
  long line[N_PARAMS];
  int target;
} years_reader;

static int years_row(void *user, const hfs_csv_row *row)
{
  years_reader *r = user;
  if (!r->header) {
    r->header = 1;
    if (row->n_fields < 2 || strcmp(row->fields[0], "parameter") != 0 ||
        strcmp(row->fields[1], "price_year") != 0) {
      hfs_diag_error(r->d, r->path, row->line,
                     "expected the header parameter,price_year[,...]");
      return 1;
    }
    return 0;
  }
  if (row->n_fields < 2) {
    hfs_diag_error(r->d, r->path, row->line,
                   "expected at least 2 fields, got %zu", row->n_fields);
    return 0;
  }
  size_t k = 0;
  while (k < N_PARAMS && strcmp(param_specs[k].name, row->fields[0]) != 0)
    k++;
  if (k == N_PARAMS || param_specs[k].kind != HFS_KIND_COST) {
    hfs_diag_error(r->d, r->path, row->line,
                   "'%s' is not a cost parameter of this model",
                   row->fields[0]);
    return 0;
  }
  if (r->line[k] != 0) {
    hfs_diag_error(r->d, r->path, row->line,
                   "%s appears twice (first at line %ld)", row->fields[0],
                   r->line[k]);
    return 0;
  }
  double y;
  int i = -1;
  if (hfs_parse_double(row->fields[1], &y) != 0 || !is_price_year(y) ||
      (i = index_of_year(r->idx, (int)y)) < 0) {
    hfs_diag_error(r->d, r->path, row->line,
                   "%s: price year '%s' is not a year of the price index "
                   "(%s)",
                   row->fields[0], row->fields[1], r->idx->path);
    return 0;
  }
  r->line[k] = row->line;
  r->year[k] = (int)y;
  r->factor_to[k] = r->idx->index[index_of_year(r->idx, r->target)] /
                    r->idx->index[i];
  return 0;
}

/* Convert every cost of M to the price year of O with the index table
 * (MODEL.md section 8): cost x index(price_year) / index(source year). */
/* Returns 1 when a table could not be read at all (exit 4, not 3). */
static int convert_costs(spasm_impl *m, const spasm_options *o, hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  index_reader idx;
  memset(&idx, 0, sizeof idx);
  idx.path = o->index_path;
  idx.d = d;
  hfs_status rs = hfs_csv_read(o->index_path, index_row, &idx, d);
  if (rs != HFS_OK || hfs_diag_count(d) > before)
    return rs == HFS_ERR_IO;
  if (index_of_year(&idx, o->price_year) < 0) {
    hfs_diag_error(d, o->price_year_setting->file,
                   o->price_year_setting->line,
                   "[model] price_year: %d is not a year of the price index "
                   "(%s)",
                   o->price_year, o->index_path);
    return 0;
  }
  years_reader y;
  memset(&y, 0, sizeof y);
  y.path = o->years_path;
  y.d = d;
  y.idx = &idx;
  y.target = o->price_year;
  rs = hfs_csv_read(o->years_path, years_row, &y, d);
  if (rs != HFS_OK || hfs_diag_count(d) > before)
    return rs == HFS_ERR_IO;
  for (size_t k = 0; k < N_PARAMS; k++)
    if (param_specs[k].kind == HFS_KIND_COST && y.line[k] == 0)
      hfs_diag_error(d, o->years_path, 0,
                     "no price year for the cost parameter %s",
                     param_specs[k].name);
  if (hfs_diag_count(d) > before)
    return 0;
  for (size_t k = 0; k < N_PARAMS; k++)
    if (param_specs[k].kind == HFS_KIND_COST) {
      *(double *)((char *)&m->p + param_specs[k].offset) *= y.factor_to[k];
      m->cost_year[k] = y.year[k];
      m->cost_factor[k] = y.factor_to[k];
    }
  return 0;
}

/* ---- population utility norms ------------------------------------------ */

typedef struct norm_reader {
  const char *path;
  hfs_diag *d;
  int header;
  int n[2];
  double low[2][SPASM_MAX_NORM_BANDS], high[2][SPASM_MAX_NORM_BANDS];
  double value[2][SPASM_MAX_NORM_BANDS];
  long line[2][SPASM_MAX_NORM_BANDS];
} norm_reader;

static int norm_row(void *user, const hfs_csv_row *row)
{
  norm_reader *r = user;
  if (!r->header) {
    r->header = 1;
    if (row->n_fields < 4 || strcmp(row->fields[0], "age_low") != 0 ||
        strcmp(row->fields[1], "age_high") != 0 ||
        strcmp(row->fields[2], "sex") != 0 ||
        strcmp(row->fields[3], "utility") != 0) {
      hfs_diag_error(r->d, r->path, row->line,
                     "expected the header age_low,age_high,sex,utility[,...]");
      return 1;
    }
    return 0;
  }
  if (row->n_fields < 4) {
    hfs_diag_error(r->d, r->path, row->line,
                   "expected at least 4 fields, got %zu", row->n_fields);
    return 0;
  }
  const char *sex = row->fields[2];
  int k = strcmp(sex, "female") == 0 ? HFS_SEX_FEMALE
          : strcmp(sex, "male") == 0 ? HFS_SEX_MALE
          : strcmp(sex, "both") == 0 ? -1
                                     : -2;
  if (k == -2) {
    hfs_diag_error(r->d, r->path, row->line,
                   "sex: expected female, male or both, got '%s'", sex);
    return 0;
  }
  double lo, hi, u;
  if (hfs_parse_double(row->fields[0], &lo) != 0 ||
      hfs_parse_double(row->fields[1], &hi) != 0 || lo != floor(lo) ||
      hi != floor(hi) || !(lo <= hi) || lo < 0) {
    hfs_diag_error(r->d, r->path, row->line,
                   "age_low and age_high must be whole ages with age_low <= "
                   "age_high, got '%s' and '%s'",
                   row->fields[0], row->fields[1]);
    return 0;
  }
  if (hfs_parse_double(row->fields[3], &u) != 0 || !(u > 0.0 && u <= 1.0)) {
    hfs_diag_error(r->d, r->path, row->line,
                   "utility must be a number in (0, 1], got '%s'",
                   row->fields[3]);
    return 0;
  }
  if (k < 0)
    return 0; /* both sexes pooled: not used (the model knows the sex) */
  int n = r->n[k];
  if (n == SPASM_MAX_NORM_BANDS) {
    hfs_diag_error(r->d, r->path, row->line, "at most %d age bands per sex",
                   SPASM_MAX_NORM_BANDS);
    return 0;
  }
  if (n > 0 && lo != r->high[k][n - 1] + 1) {
    hfs_diag_error(r->d, r->path, row->line,
                   "the %s age bands must follow each other without gap or "
                   "overlap: %g-%g follows %g-%g",
                   sex, lo, hi, r->low[k][n - 1], r->high[k][n - 1]);
    return 0;
  }
  r->low[k][n] = lo;
  r->high[k][n] = hi;
  r->value[k][n] = u;
  r->line[k][n] = row->line;
  r->n[k]++;
  return 0;
}

/* Read the norms table into M: multipliers norm(band, sex) / norm(band of
 * utility_norm_reference_age, sex). Ages before the first band use it, ages
 * after the last use the last (MODEL.md section 8). */
/* Returns 1 when the table could not be read at all (exit 4, not 3). */
static int read_norms(spasm_impl *m, const char *path, hfs_diag *d)
{
  norm_reader r;
  memset(&r, 0, sizeof r);
  r.path = path;
  r.d = d;
  size_t before = hfs_diag_count(d);
  hfs_status st = hfs_csv_read(path, norm_row, &r, d);
  if (st != HFS_OK || hfs_diag_count(d) > before)
    return st == HFS_ERR_IO;
  for (int k = 0; k < 2; k++)
    if (r.n[k] == 0) {
      hfs_diag_error(d, path, 0, "no %s rows: the table needs age bands "
                     "for both sexes",
                     k == HFS_SEX_FEMALE ? "female" : "male");
      return 0;
    }
  if (r.n[0] != r.n[1]) {
    hfs_diag_error(d, path, r.line[1][0],
                   "female and male rows must have the same age bands");
    return 0;
  }
  for (int i = 0; i < r.n[0]; i++)
    if (r.low[0][i] != r.low[1][i]) {
      hfs_diag_error(d, path, r.line[1][i],
                     "female and male rows must have the same age bands");
      return 0;
    }
  m->norms_on = 1;
  m->n_norm_bands = r.n[0];
  double ref = m->p.utility_norm_reference_age;
  for (int k = 0; k < 2; k++) {
    int b = 0;
    while (b + 1 < r.n[k] && ref >= r.low[k][b + 1])
      b++;
    for (int i = 0; i < r.n[k]; i++) {
      m->norm_age_low[i] = r.low[k][i];
      m->norm_multiplier[k][i] = r.value[k][i] / r.value[k][b];
    }
  }
  return 0;
}

static hfs_status create(hfs_model *model, const hfs_model_inputs *in,
                         hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  int unreadable = 0; /* a table that could not be read at all */
  spasm_impl *m = calloc(1, sizeof *m);
  if (m == NULL)
    return HFS_ERR_NOMEM;
  model->impl = m;
  m->lt = in->life_table;
  hfs_param_table_bind(in->params, param_specs, N_PARAMS, &m->p);
  const spasm_params *q = &m->p;
  check_model_params(m, in->params, d);

  hfs_scenario *s = in->scenario;
  spasm_options opt = read_options(s, d);
  m->onset_normal = opt.onset_normal;
  m->nh_paused = opt.nh_paused;
  m->operate_secondary = opt.operate_secondary;
  if (opt.norms_path != NULL)
    unreadable |= read_norms(m, opt.norms_path, d);
  if (opt.price_year != 0 && opt.index_path && opt.years_path)
    unreadable |= convert_costs(m, &opt, d);
  m->price_year = opt.price_year;
  options_free(&opt);
  spasm_state_utilities(q, m->utility); /* utility.h: ordered by design */
  m->onset_p_lo =
      gsl_cdf_gaussian_P(q->onset_age_min - q->onset_age_mean, q->onset_age_sd);
  m->onset_p_hi =
      gsl_cdf_gaussian_P(q->onset_age_max - q->onset_age_mean, q->onset_age_sd);

  m->rate_progression = annual_rate(q->annual_p_progression);
  m->rate_remission = annual_rate(q->annual_p_remission);
  m->rate_secondary_nonresponse =
      annual_rate(q->botox_annual_p_secondary_nonresponse);
  m->rate_discontinuation = annual_rate(q->botox_annual_p_discontinuation);
  m->rate_choice = annual_rate(q->botox_annual_p_choose_surgery);
  m->rate_drug_stop = annual_rate(q->drug_annual_p_stop);
  double c1 = q->mvd_recurrence_cum_1y, c2 = q->mvd_recurrence_cum_2y,
         c5 = q->mvd_recurrence_cum_5y;
  if (c1 <= c2 && c2 <= c5 && c5 < 1.0) {
    m->recurrence_hazard[0] = -log1p(-c1);
    m->recurrence_hazard[1] = log((1.0 - c1) / (1.0 - c2));
    m->recurrence_hazard[2] = log((1.0 - c2) / (1.0 - c5)) / 3.0;
  }
  m->recurrence_hazard[3] = annual_rate(q->mvd_recurrence_annual_p_after_5y);
  const double g[4] = {q->smc_grade_1_share, q->smc_grade_2_share,
                       q->smc_grade_3_share, q->smc_grade_4_share};
  const double o[3] = {q->mvd_p_immediate_cure, q->mvd_p_delayed_cure,
                       q->mvd_p_persistent};
  memcpy(m->grade_share, g, sizeof g);
  memcpy(m->mvd_outcome, o, sizeof o);
  m->drug_response[0] = q->drug_p_response_carbamazepine;
  m->drug_response[1] = q->drug_p_response_gabapentin;
  m->drug_response[2] = q->drug_p_response_clonazepam;
  m->drug_response[3] = q->drug_p_response_baclofen;
  double drug_side = q->botox_units_per_side * q->cost_botox_per_unit;
  m->botox_cost_unilateral = q->cost_botox_administration + drug_side;
  m->botox_cost_bilateral = q->cost_botox_administration + 2.0 * drug_side;
  /* as gsl_ran_gamma(r, shape, scale) computes them */
  double shape = q->botox_effect_gamma_shape;
  m->effect_gamma_inline = shape >= 1.0;
  m->effect_gamma_d = shape - 1.0 / 3.0;
  m->effect_gamma_c =
      m->effect_gamma_inline ? (1.0 / 3.0) / sqrt(m->effect_gamma_d) : 0.0;
  m->effect_gamma_scale = q->botox_effect_mean_weeks / shape;

  m->n_strategies = s->n_strategies;
  m->strategies =
      calloc(s->n_strategies ? s->n_strategies : 1, sizeof *m->strategies);
  if (m->strategies == NULL)
    return HFS_ERR_NOMEM;
  hfs_status st = spasm_strategies_read(s, m->strategies, d);
  if (st == HFS_ERR_NOMEM)
    return st;
  model->max_years = q->age_limit_years - q->onset_age_min;
  if (hfs_diag_count(d) == before)
    return HFS_OK;
  return unreadable ? HFS_ERR_IO : HFS_ERR_INPUT;
}

static void describe(const hfs_model *model, FILE *out)
{
  const spasm_impl *m = model->impl;
  fprintf(out, "cohort: onset age %s on [%g, %g]\n",
          m->onset_normal ? "normal (truncated)" : "uniform",
          m->p.onset_age_min, m->p.onset_age_max);
  fprintf(out,
          "model: natural history %s; secondary HFS %s\n",
          m->nh_paused ? "paused while spasm is controlled (v1)"
                       : "on the calendar (v2)",
          m->operate_secondary ? "operated if the MRI is positive (v1)"
                               : "never operated (v2)");
  fprintf(out, "utilities: cured %.4g, injections %.4g, drug %.4g, grades "
          "I-IV %.4g/%.4g/%.4g/%.4g; population norms %s\n",
          m->utility[U_CURED], m->utility[U_INJECTIONS], m->utility[U_DRUG],
          m->utility[U_GRADE_1], m->utility[SPASM_U_GRADE_2], m->utility[SPASM_U_GRADE_3],
          m->utility[SPASM_U_GRADE_4],
          m->norms_on ? "on (relative to utility_norm_reference_age)" : "off");
  if (m->price_year) {
    /* the parameter table (and --set, owsa, twsa) gives each cost at its
     * source's price year; the model uses it converted */
    fprintf(out,
            "costs: the table's costs are at their sources' price years "
            "(cost_price_years); converted to %d prices with the price "
            "index:\n",
            m->price_year);
    for (size_t k = 0; k < N_PARAMS; k++)
      if (param_specs[k].kind == HFS_KIND_COST)
        fprintf(out, "  %-40s %d x %.4f\n", param_specs[k].name,
                m->cost_year[k], m->cost_factor[k]);
  } else
    fprintf(out, "costs: at their sources' price years (not converted)\n");
  for (size_t i = 0; i < m->n_strategies; i++)
    spasm_strategy_describe(&m->strategies[i], out);
}

const hfs_model_class spasm_model_class = {
    .name = "hfs",
    .description =
        "hemifacial spasm: natural history, botulinum toxin, oral drugs and "
        "microvascular decompression (MODEL.md)",
    .params = param_specs,
    .n_params = N_PARAMS,
    .outcomes = outcomes,
    .n_outcomes = N_OUTCOMES,
    .cost_outcome = O_COST,
    .qaly_outcome = O_QALY,
    .states = states,
    .n_states = N_STATES,
    .attributes = attributes,
    .n_attributes = N_ATTRIBUTES,
    .n_purposes = N_PURPOSES,
    .needs_life_table = 1,
    .create = create,
    .destroy = destroy,
    .simulate = simulate,
    .describe = describe,
    .check_settings = check_settings,
    .verify = spasm_verify,
    .verify_runs = 12, /* src/models/hfs/verify.c: RUN() calls */
};
