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
#include "hfsim/sick_sicker.h"
#include "hfsim/study.h"

#define WEEKS_PER_YEAR (365.25 / 7.0)
#define DAYS_PER_YEAR 365.25
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

typedef struct probe {
  hfs_study st;
  hfs_results res;
  int ok;
} probe;

static volatile sig_atomic_t *stop_flag;

void hfs_verify_set_stop_flag(volatile sig_atomic_t *flag)
{
  stop_flag = flag;
}

static int probe_run(probe *p, const char *config, const char *const *ov,
                     size_t n, uint64_t patients, hfs_diag *d)
{
  hfs_override o[40];
  char pat[64];
  snprintf(pat, sizeof pat, "run.patients=%llu", (unsigned long long)patients);
  o[0].assignment = pat;
  o[0].label = "verify";
  for (size_t i = 0; i < n && i < 39; i++) {
    o[i + 1].assignment = ov[i];
    o[i + 1].label = ov[i];
  }
  hfs_study_init(&p->st);
  hfs_results_init(&p->res);
  p->ok = 0;
  if (hfs_study_load(&p->st, config, o, n + 1, d) != HFS_OK)
    return -1;
  hfs_run_config cfg = hfs_study_run_config(&p->st);
  cfg.stop_flag = stop_flag;
  if (hfs_engine_run(&p->st.model, &cfg, &p->res, d) != HFS_OK)
    return -1;
  p->ok = 1;
  return 0;
}

static void probe_free(probe *p)
{
  hfs_results_free(&p->res);
  hfs_study_free(&p->st);
}

static const hfs_accum *probe_outcome(const probe *p, const char *strategy,
                                      const char *outcome)
{
  const hfs_model_class *c = p->st.cls;
  for (size_t s = 0; s < p->st.model.n_strategies; s++)
    if (strcmp(p->st.model.strategy_names[s], strategy) == 0)
      for (size_t k = 0; k < c->n_outcomes; k++)
        if (strcmp(c->outcomes[k].name, outcome) == 0)
          return &p->res.outcomes[s * p->res.n_outcomes + k];
  return NULL;
}

static double param(const probe *p, const char *name)
{
  const hfs_param *q = hfs_param_find(&p->st.params, name);
  return q ? q->value : HFS_NAN;
}

/* Rare events (operative death) may not occur at all in a small run, which
 * leaves a sample standard error of 0; the binomial one of the expected
 * share is then the honest yardstick. */
static void record_with(hfs_check *c, const char *name, const char *description,
                        double expected, const hfs_accum *a, int deterministic);

static void record(hfs_check *c, const char *name, const char *description,
                   double expected, const hfs_accum *a)
{
  record_with(c, name, description, expected, a, 0);
}

static void record_with(hfs_check *c, const char *name, const char *description,
                        double expected, const hfs_accum *a, int deterministic)
{
  snprintf(c->name, sizeof c->name, "%s", name);
  snprintf(c->description, sizeof c->description, "%s", description);
  c->expected = expected;
  c->observed = a ? a->mean : HFS_NAN;
  c->mcse = a ? hfs_accum_se(a) : HFS_NAN;
  if (a != NULL && !deterministic && c->mcse == 0.0 && a->n > 0 &&
      expected > 0.0 && expected < 1.0)
    c->mcse = sqrt(expected * (1.0 - expected) / (double)a->n);
  if (a == NULL) {
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

/* A cohort of one age and sex, so that life tables give exact answers. */
#define FIXED_COHORT(female)                                                 \
  "onset_age_min=50", "onset_age_max=50.000001",                             \
      "delay_to_decision_median_years=1e-9", "delay_to_decision_sdlog=1e-9", \
      (female) ? "p_female=1" : "p_female=0"

long hfs_verify_run(const char *config_path, const char *sick_sicker_path,
                    uint64_t patients, hfs_check *checks, size_t max,
                    hfs_diag *d)
{
  size_t n = 0;
  probe p;
  const double age = 50.0000005; /* the fixed cohort, to 1e-9 years */
#define ADD(...)                         \
  do {                                   \
    if (n < max)                         \
      record(&checks[n++], __VA_ARGS__); \
  } while (0)

  /* 1-2. Life expectancy to age 100, treatment effects off. */
  for (int female = 1; female >= 0; female--) {
    const char *ov[] = {FIXED_COHORT(female)};
    if (probe_run(&p, config_path, ov, 5, patients, d) != 0) {
      probe_free(&p);
      return -1;
    }
    int sex = female ? HFS_SEX_FEMALE : HFS_SEX_MALE;
    double e = hfs_expected_life_years(&p.st.life_table, sex, age, HFS_INF,
                                       param(&p, "age_limit_years"), 0.0);
    ADD(female ? "life_expectancy_female_50" : "life_expectancy_male_50",
        female ? "life-years of women aged 50 without treatment vs the life "
                 "table (to age_limit_years)"
               : "life-years of men aged 50 without treatment vs the life "
                 "table (to age_limit_years)",
        e, probe_outcome(&p, "no_treatment", "life_years"));
    probe_free(&p);
  }

  /* 3. Discounted time in a state of utility 1. */
  {
    const char *ov[] = {FIXED_COHORT(1),
                        "utility_cured=1",
                        "decrement_injections_vs_cured=0",
                        "decrement_drug_vs_injections=0",
                        "decrement_grade_1_vs_drug=0",
                        "decrement_grade_2_vs_1=0",
                        "decrement_grade_3_vs_2=0",
                        "decrement_grade_4_vs_3=0",
                        "model.utility_norms=no"};
    if (probe_run(&p, config_path, ov, 13, patients, d) != 0) {
      probe_free(&p);
      return -1;
    }
    double r = p.st.scenario.discount_rate_qalys;
    double e =
        hfs_expected_life_years(&p.st.life_table, HFS_SEX_FEMALE, age, HFS_INF,
                                param(&p, "age_limit_years"), r);
    ADD("discounted_life_years",
        "discounted QALYs with every utility 1 vs the discounted life "
        "expectancy, integral of S(t)(1+r)^-t",
        e, probe_outcome(&p, "no_treatment", "qaly"));
    probe_free(&p);
  }

  /* 4. A finite horizon truncates exactly. */
  {
    const char *ov[] = {FIXED_COHORT(1), "run.horizon_years=7.5"};
    if (probe_run(&p, config_path, ov, 6, patients, d) != 0) {
      probe_free(&p);
      return -1;
    }
    double e = hfs_expected_life_years(&p.st.life_table, HFS_SEX_FEMALE, age,
                                       7.5, param(&p, "age_limit_years"), 0.0);
    ADD("horizon_7_5_years",
        "life-years with a 7.5-year horizon vs the integral of S(t) over "
        "[0, 7.5]",
        e, probe_outcome(&p, "no_treatment", "life_years"));
    probe_free(&p);
  }

  /* 5. Time controlled with injections on a fixed schedule. */
  {
    const char *ov[] = {FIXED_COHORT(1),
                        "run.horizon_years=3",
                        "botox_interval_min_weeks=14",
                        "botox_interval_max_weeks=14",
                        "botox_effect_mean_weeks=12",
                        "botox_effect_gamma_shape=1e12",
                        "botox_p_primary_response=1",
                        "botox_p_session_failure=0",
                        "botox_annual_p_discontinuation=0",
                        "botox_annual_p_secondary_nonresponse=0",
                        "annual_p_remission=0"};
    if (probe_run(&p, config_path, ov, 15, patients, d) != 0) {
      probe_free(&p);
      return -1;
    }
    /* Controlled on [k*14w + latency, k*14w + latency + 12w); expected
     * controlled time = integral of S(t) over those windows within 3 y. */
    double lat = param(&p, "botox_latency_days") / DAYS_PER_YEAR;
    double e = 0.0, limit = param(&p, "age_limit_years");
    for (int k = 0;; k++) {
      double a = k * 14.0 / WEEKS_PER_YEAR + lat, b = a + 12.0 / WEEKS_PER_YEAR;
      if (a >= 3.0)
        break;
      b = fmin(b, 3.0);
      e += hfs_expected_life_years(&p.st.life_table, HFS_SEX_FEMALE, age, b,
                                   limit, 0.0) -
           hfs_expected_life_years(&p.st.life_table, HFS_SEX_FEMALE, age, a,
                                   limit, 0.0);
    }
    ADD("injection_time_controlled",
        "years spasm-free in 3 years with injections every 14 weeks, effect "
        "12 weeks after the latency, vs the exact window integral",
        e, probe_outcome(&p, "botox", "spasm_free_years"));
    probe_free(&p);
  }

  /* 6-8. Surgery: cure and complication shares. */
  {
    const char *ov[] = {"strategy.mvd.mvd.redo_max=0"};
    if (probe_run(&p, config_path, ov, 1, patients, d) != 0) {
      probe_free(&p);
      return -1;
    }
    /* HFS model v2 (MODEL.md section 5.3): candidates are primary HFS
     * whose MRI shows compression; secondary HFS is never operated. */
    double pp = param(&p, "p_primary_cause");
    double cp = param(&p, "p_compression_if_primary");
    double sens = param(&p, "mri_sensitivity"),
           spec = param(&p, "mri_specificity");
    double pos = pp * (cp * sens + (1 - cp) * (1 - spec));
    double comp = pp * cp * sens / pos;
    double survive = 1 - param(&p, "mvd_p_operative_death");
    double cure =
        comp * (1 - param(&p, "mvd_p_persistent")) * survive +
        (1 - comp) * param(&p, "mvd_p_cure_without_compression") * survive;
    ADD("mvd_operated_share",
        "share operated: P(primary and MRI shows compression) from "
        "prevalence, sensitivity and specificity (secondary never operated)",
        pos, probe_outcome(&p, "mvd", "operated"));
    ADD("mvd_cure_fraction",
        "cure by the first operation among operated, from the outcome "
        "shares, MRI predictive value and operative death",
        cure, probe_outcome(&p, "mvd", "mvd_cure_fraction"));
    ADD("mvd_permanent_facial_palsy",
        "permanent facial palsies per patient: P(operated) x P(survive) x "
        "mvd_p_permanent_facial_palsy (no redo)",
        pos * survive * param(&p, "mvd_p_permanent_facial_palsy"),
        probe_outcome(&p, "mvd", "permanent_facial_palsy"));
    ADD("mvd_operative_death",
        "operative deaths per patient: P(operated) x mvd_p_operative_death",
        pos * param(&p, "mvd_p_operative_death"),
        probe_outcome(&p, "mvd", "operative_death"));
    probe_free(&p);
  }

  /* HFS v2: a redo only after a failed decompression of a true
   * compression, accepted with mvd_p_accept_redo; with recurrence off and
   * persistence judged at once the redo share is closed-form. */
  {
    const char *ov[] = {"mvd_recurrence_cum_1y=0", "mvd_recurrence_cum_2y=0",
                        "mvd_recurrence_cum_5y=0",
                        "mvd_recurrence_annual_p_after_5y=0",
                        "mvd_persistence_judged_years=1e-9",
                        "p_compression_if_primary=0.9"};
    if (probe_run(&p, config_path, ov, 6, patients, d) != 0) {
      probe_free(&p);
      return -1;
    }
    double pp = param(&p, "p_primary_cause");
    double sens = param(&p, "mri_sensitivity"),
           spec = param(&p, "mri_specificity");
    double pos = pp * (0.9 * sens + 0.1 * (1 - spec));
    double comp = pp * 0.9 * sens / pos;
    double e = comp * (1 - param(&p, "mvd_p_operative_death")) *
               param(&p, "mvd_p_persistent") * param(&p, "mvd_p_accept_redo");
    ADD("mvd_redo_share",
        "redo share of operated: P(compression | operated) x P(survive) x "
        "mvd_p_persistent x mvd_p_accept_redo (no redo after a negative "
        "exploration; recurrence off)",
        e, probe_outcome(&p, "mvd", "redo_share"));
    ADD("mvd_negative_exploration",
        "operations finding no compression / operated = 1 - P(compression "
        "| operated)",
        1 - comp, probe_outcome(&p, "mvd", "negative_exploration"));
    probe_free(&p);
  }

  /* 9. No discounting: discounted equals undiscounted exactly. */
  {
    const char *ov[] = {"economics.discount_rate_costs=0",
                        "economics.discount_rate_qalys=0"};
    if (probe_run(&p, config_path, ov, 2, patients / 10 + 1, d) != 0) {
      probe_free(&p);
      return -1;
    }
    const hfs_accum *q = probe_outcome(&p, "stepped", "qaly"),
                    *u = probe_outcome(&p, "stepped", "qaly_undiscounted");
    hfs_accum diff = *q;
    diff.mean = q->mean - u->mean;
    diff.m2 = 0.0;
    if (n < max)
      record_with(&checks[n++], "zero_rate_no_discounting",
                  "at a 0% rate discounted minus undiscounted QALYs is 0", 0.0,
                  &diff, 1);
    probe_free(&p);
  }

  /* 10-13. Sick-Sicker: microsimulation vs the exact cohort model. */
  if (sick_sicker_path != NULL) {
    if (probe_run(&p, sick_sicker_path, NULL, 0, patients, d) != 0) {
      probe_free(&p);
      return -1;
    }
    for (size_t s = 0; s < p.st.model.n_strategies; s++) {
      int treated = hfs_sick_sicker_treated(&p.st.model, s);
      double cost, qaly;
      if (hfs_sick_sicker_cohort(&p.st.params,
                                 p.st.scenario.discount_rate_costs,
                                 p.st.scenario.discount_rate_qalys, treated,
                                 &cost, &qaly, NULL) != HFS_OK)
        continue;
      const char *name = p.st.model.strategy_names[s];
      char label[64], desc[256];
      snprintf(label, sizeof label, "sick_sicker_%s_cost", name);
      snprintf(desc, sizeof desc,
               "Sick-Sicker (Krijkamp et al. 2018), %s: microsimulated "
               "discounted cost vs the Markov cohort",
               name);
      ADD(label, desc, cost, probe_outcome(&p, name, "cost"));
      snprintf(label, sizeof label, "sick_sicker_%s_qaly", name);
      snprintf(desc, sizeof desc,
               "Sick-Sicker (Krijkamp et al. 2018), %s: microsimulated "
               "discounted QALYs vs the Markov cohort",
               name);
      ADD(label, desc, qaly, probe_outcome(&p, name, "qaly"));
    }
    probe_free(&p);
  }
#undef ADD
  return (long)n;
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

typedef struct target {
  char *metric, *strategy, *outcome, *source;
  double value, low, high;
  long line;
} target;

typedef struct targets {
  target *items;
  size_t n;
  int header;
  const char *path;
  hfs_diag *d;
} targets;

static int target_row(void *user, const hfs_csv_row *row)
{
  targets *t = user;
  if (!t->header) {
    t->header = 1;
    if (row->n_fields != 7 || strcmp(row->fields[0], "metric") != 0) {
      hfs_diag_error(t->d, t->path, row->line,
                     "expected the header metric,strategy,outcome,"
                     "published_value,low,high,source");
      return 1;
    }
    return 0;
  }
  if (row->n_fields != 7) {
    hfs_diag_error(t->d, t->path, row->line, "expected 7 fields, got %zu",
                   row->n_fields);
    return 0;
  }
  target x;
  memset(&x, 0, sizeof x);
  if (hfs_parse_double(row->fields[3], &x.value) != 0 ||
      hfs_parse_double(row->fields[4], &x.low) != 0 ||
      hfs_parse_double(row->fields[5], &x.high) != 0) {
    hfs_diag_error(t->d, t->path, row->line,
                   "published_value, low and high must be numbers");
    return 0;
  }
  target *items = realloc(t->items, (t->n + 1) * sizeof *items);
  if (items == NULL)
    return 1;
  t->items = items;
  x.metric = hfs_strdup(row->fields[0]);
  x.strategy = hfs_strdup(row->fields[1]);
  x.outcome = hfs_strdup(row->fields[2]);
  x.source = hfs_strdup(row->fields[6]);
  x.line = row->line;
  t->items[t->n++] = x;
  return 0;
}

hfs_status hfs_validate_write(FILE *f, const char *config_path,
                              const char *targets_path, uint64_t patients,
                              hfs_diag *d)
{
  targets t;
  memset(&t, 0, sizeof t);
  t.path = targets_path;
  t.d = d;
  size_t before = hfs_diag_count(d);
  hfs_status s = hfs_csv_read(targets_path, target_row, &t, d);
  if (s == HFS_OK && hfs_diag_count(d) > before)
    s = HFS_ERR_INPUT;
  probe p;
  memset(&p, 0, sizeof p);
  if (s == HFS_OK && probe_run(&p, config_path, NULL, 0, patients, d) != 0)
    s = HFS_ERR_INPUT;
  for (size_t i = 0; s == HFS_OK && i < t.n; i++)
    if (probe_outcome(&p, t.items[i].strategy, t.items[i].outcome) == NULL) {
      hfs_diag_error(d, targets_path, t.items[i].line,
                     "no outcome '%s' for strategy '%s' in this model",
                     t.items[i].outcome, t.items[i].strategy);
      s = HFS_ERR_INPUT;
    }
  if (s == HFS_OK) {
    fputs("metric,strategy,outcome,model_value,model_mcse,"
          "published_value,published_low,published_high,within_range,"
          "source\n",
          f);
    for (size_t i = 0; i < t.n; i++) {
      const target *x = &t.items[i];
      const hfs_accum *a = probe_outcome(&p, x->strategy, x->outcome);
      hfs_csv_write_text(f, x->metric);
      fputc(',', f);
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
  if (p.ok || p.st.cls)
    probe_free(&p);
  for (size_t i = 0; i < t.n; i++) {
    free(t.items[i].metric);
    free(t.items[i].strategy);
    free(t.items[i].outcome);
    free(t.items[i].source);
  }
  free(t.items);
  return s;
}
