/*
 * verify.c - the hemifacial spasm model's verification checks (`hfsim
 * verify`, verification.csv): outputs of runs with some inputs changed
 * against answers computed in closed form, independently of the simulation.
 *
 * 1-2. life expectancy at 50 by sex, treatment effects off, vs the life table;
 * 3.   discounted QALYs with every utility 1 vs discounted life expectancy;
 * 4.   a 7.5-year horizon truncates exactly;
 * 5.   time controlled on a fixed injection schedule vs the window integral;
 * 6-8. surgical shares (operated, cure, palsy, operative death) from the
 *      MRI predictive value and the outcome shares, with secondary HFS
 *      never operated (model v2), and the v1 rule (operate_secondary = yes)
 *      as its neutral setting;
 *      the redo share (v2: only after a failed decompression of a true
 *      compression, accepted with mvd_p_accept_redo) and negative
 *      explorations, with recurrence off and persistence judged at once;
 *      disease-management cost = its annual rate x discounted life
 *      expectancy (v2), without remission; remission under injections at
 *      the same time as without treatment (calendar natural history); the
 *      patient-level drug response;
 * 9.   at a 0% rate discounted and undiscounted QALYs are equal.
 */
#include <math.h>
#include <string.h>

#include "hfsim/mathx.h"
#include "hfsim/verify.h"
#include "verify.h"

#define WEEKS_PER_YEAR (365.25 / 7.0)
#define DAYS_PER_YEAR 365.25

/* A cohort of one age and sex, so that life tables give exact answers. */
#define FIXED_COHORT(female)                                                 \
  "onset_age_min=50", "onset_age_max=50.000001",                             \
      "delay_to_decision_median_years=1e-9", "delay_to_decision_sdlog=1e-9", \
      (female) ? "p_female=1" : "p_female=0"

hfs_status spasm_verify(hfs_verifier *v)
{
  hfs_probe p;
  hfs_status s;
  const double age = 50.0000005; /* the fixed cohort, to 1e-9 years */
  const uint64_t patients = v->patients;
#define ADD(...) hfs_verifier_add(v, __VA_ARGS__, 0)
#define RUN(ov, n, patients)                                     \
  do {                                                           \
    if ((s = hfs_probe_run(&p, v, ov, n, patients)) != HFS_OK) { \
      hfs_probe_free(&p);                                        \
      return s;                                                  \
    }                                                            \
  } while (0)

  /* 1-2. Life expectancy to age 100, treatment effects off. */
  for (int female = 1; female >= 0; female--) {
    const char *ov[] = {FIXED_COHORT(female)};
    RUN(ov, 5, 0);
    int sex = female ? HFS_SEX_FEMALE : HFS_SEX_MALE;
    double e =
        hfs_expected_life_years(&p.st.life_table, sex, age, HFS_INF,
                                hfs_probe_param(&p, "age_limit_years"), 0.0);
    ADD(female ? "life_expectancy_female_50" : "life_expectancy_male_50",
        female ? "life-years of women aged 50 without treatment vs the life "
                 "table (to age_limit_years)"
               : "life-years of men aged 50 without treatment vs the life "
                 "table (to age_limit_years)",
        e, hfs_probe_outcome(&p, "no_treatment", "life_years"));
    hfs_probe_free(&p);
  }

  /* 3. Discounted time in a state of utility 1. */
  {
    /* v2: utilities are a ceiling minus decrements; all 1 = ceiling 1,
     * decrements 0 and the population norms off (their neutral settings) */
    const char *ov[] = {FIXED_COHORT(1),
                        "utility_cured=1",
                        "decrement_injections_vs_cured=0",
                        "decrement_drug_vs_injections=0",
                        "decrement_grade_1_vs_drug=0",
                        "decrement_grade_2_vs_1=0",
                        "decrement_grade_3_vs_2=0",
                        "decrement_grade_4_vs_3=0",
                        "model.utility_norms=no"};
    RUN(ov, 13, 0);
    double r = p.st.scenario.discount_rate_qalys;
    double e =
        hfs_expected_life_years(&p.st.life_table, HFS_SEX_FEMALE, age, HFS_INF,
                                hfs_probe_param(&p, "age_limit_years"), r);
    ADD("discounted_life_years",
        "discounted QALYs with every utility 1 vs the discounted life "
        "expectancy, integral of S(t)(1+r)^-t",
        e, hfs_probe_outcome(&p, "no_treatment", "qaly"));
    hfs_probe_free(&p);
  }

  /* 4. A finite horizon truncates exactly. */
  {
    const char *ov[] = {FIXED_COHORT(1), "run.horizon_years=7.5"};
    RUN(ov, 6, 0);
    double e =
        hfs_expected_life_years(&p.st.life_table, HFS_SEX_FEMALE, age, 7.5,
                                hfs_probe_param(&p, "age_limit_years"), 0.0);
    ADD("horizon_7_5_years",
        "life-years with a 7.5-year horizon vs the integral of S(t) over "
        "[0, 7.5]",
        e, hfs_probe_outcome(&p, "no_treatment", "life_years"));
    hfs_probe_free(&p);
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
    RUN(ov, 15, 0);
    /* Controlled on [k*14w + latency, k*14w + latency + 12w); expected
     * controlled time = integral of S(t) over those windows within 3 y. */
    double lat = hfs_probe_param(&p, "botox_latency_days") / DAYS_PER_YEAR;
    double e = 0.0, limit = hfs_probe_param(&p, "age_limit_years");
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
        e, hfs_probe_outcome(&p, "botox", "spasm_free_years"));
    hfs_probe_free(&p);
  }

  /* 6-8. Surgery: cure and complication shares; v2 candidates are primary
   * HFS whose MRI shows compression (secondary never operated), and with
   * [model] operate_secondary = yes the v1 rule. */
  for (int v1 = 0; v1 <= 1; v1++) {
    const char *ov[] = {"strategy.mvd.mvd.redo_max=0",
                        v1 ? "model.operate_secondary=yes"
                           : "model.operate_secondary=no"};
    RUN(ov, 2, 0);
    double pp = hfs_probe_param(&p, "p_primary_cause");
    double cp = hfs_probe_param(&p, "p_compression_if_primary"),
           cs = hfs_probe_param(&p, "p_compression_if_secondary");
    double sens = hfs_probe_param(&p, "mri_sensitivity"),
           spec = hfs_probe_param(&p, "mri_specificity");
    double pos = pp * (cp * sens + (1 - cp) * (1 - spec)) +
                 v1 * (1 - pp) * (cs * sens + (1 - cs) * (1 - spec));
    double comp = (pp * cp * sens + v1 * (1 - pp) * cs * sens) / pos;
    double survive = 1 - hfs_probe_param(&p, "mvd_p_operative_death");
    double cure =
        comp * (1 - hfs_probe_param(&p, "mvd_p_persistent")) * survive +
        (1 - comp) * hfs_probe_param(&p, "mvd_p_cure_without_compression") *
            survive;
    if (v1) {
      ADD("mvd_cure_fraction_v1_rule",
          "v1 rule (operate_secondary = yes, secondary HFS operated after a "
          "false-positive MRI): cure by the first operation among operated",
          cure, hfs_probe_outcome(&p, "mvd", "mvd_cure_fraction"));
      hfs_probe_free(&p);
      continue;
    }
    ADD("mvd_operated_share",
        "share operated: P(primary and MRI shows compression) from "
        "prevalence, sensitivity and specificity (secondary never operated)",
        pos, hfs_probe_outcome(&p, "mvd", "operated"));
    ADD("mvd_cure_fraction",
        "cure by the first operation among operated, from the outcome "
        "shares, MRI predictive value and operative death",
        cure, hfs_probe_outcome(&p, "mvd", "mvd_cure_fraction"));
    ADD("mvd_permanent_facial_palsy",
        "permanent facial palsies per patient: P(operated) x P(survive) x "
        "mvd_p_permanent_facial_palsy (no redo)",
        pos * survive * hfs_probe_param(&p, "mvd_p_permanent_facial_palsy"),
        hfs_probe_outcome(&p, "mvd", "permanent_facial_palsy"));
    ADD("mvd_operative_death",
        "operative deaths per patient: P(operated) x mvd_p_operative_death",
        pos * hfs_probe_param(&p, "mvd_p_operative_death"),
        hfs_probe_outcome(&p, "mvd", "operative_death"));
    hfs_probe_free(&p);
  }

  /* v2 redo rule: with recurrence off and persistence judged at once, the
   * redo share of operated patients is P(compression | operated) x
   * P(survive) x mvd_p_persistent x mvd_p_accept_redo. */
  {
    const char *ov[] = {"mvd_recurrence_cum_1y=0", "mvd_recurrence_cum_2y=0",
                        "mvd_recurrence_cum_5y=0",
                        "mvd_recurrence_annual_p_after_5y=0",
                        "mvd_persistence_judged_years=1e-9",
                        "p_compression_if_primary=0.9"};
    RUN(ov, 6, 0);
    double pp = hfs_probe_param(&p, "p_primary_cause");
    double sens = hfs_probe_param(&p, "mri_sensitivity"),
           spec = hfs_probe_param(&p, "mri_specificity");
    double pos = pp * (0.9 * sens + 0.1 * (1 - spec));
    double comp = pp * 0.9 * sens / pos;
    double e = comp * (1 - hfs_probe_param(&p, "mvd_p_operative_death")) *
               hfs_probe_param(&p, "mvd_p_persistent") *
               hfs_probe_param(&p, "mvd_p_accept_redo");
    ADD("mvd_redo_share",
        "redo share of operated: P(compression | operated) x P(survive) x "
        "mvd_p_persistent x mvd_p_accept_redo (no redo after a negative "
        "exploration; recurrence off)",
        e, hfs_probe_outcome(&p, "mvd", "redo_share"));
    ADD("mvd_negative_exploration",
        "operations finding no compression / operated = 1 - P(compression "
        "| operated)",
        1 - comp, hfs_probe_outcome(&p, "mvd", "negative_exploration"));
    hfs_probe_free(&p);
  }

  /* v2 disease-management cost: untreated and without remission, a
   * patient costs cost_management_spasm_per_year for life, discounted at
   * the cost rate (the price-year conversion off, so the rate is as set). */
  {
    const char *ov[] = {FIXED_COHORT(1), "annual_p_remission=0",
                        "cost_management_spasm_per_year=100",
                        "model.price_year=none"};
    RUN(ov, 8, 0);
    double r = p.st.scenario.discount_rate_costs;
    double e = 100.0 * hfs_expected_life_years(
                           &p.st.life_table, HFS_SEX_FEMALE, age, HFS_INF,
                           hfs_probe_param(&p, "age_limit_years"), r);
    ADD("management_cost_untreated",
        "cost of no treatment with management at 100 a year and no "
        "remission vs 100 x the discounted life expectancy",
        e, hfs_probe_outcome(&p, "no_treatment", "cost"));
    hfs_probe_free(&p);
  }

  /* v2 natural history on the calendar: under injections a patient remits
   * when they would have without treatment (common random numbers), so
   * the number cured at 5 years is the same under botox as under
   * no_treatment, exactly (the v1 rule, paused while controlled, gives
   * fewer). */
  {
    const char *ov[] = {"run.horizon_years=10", "annual_p_remission=0.2"};
    RUN(ov, 2, patients / 10 + 1);
    const hfs_model_class *c = p.st.cls;
    size_t cured = 0, nt = 0, bx = 0;
    while (cured < c->n_states && strcmp(c->states[cured].name, "cured") != 0)
      cured++;
    for (size_t k = 0; k < p.st.model.n_strategies; k++) {
      if (strcmp(p.st.model.strategy_names[k], "no_treatment") == 0)
        nt = k;
      if (strcmp(p.st.model.strategy_names[k], "botox") == 0)
        bx = k;
    }
    const size_t y = 5, ny = p.res.n_years, ns = p.res.n_states;
    hfs_accum a = *hfs_probe_outcome(&p, "botox", "life_years");
    double n = (double)a.n;
    a.mean = cured < ns ? (double)p.res.trace[(bx * ny + y) * ns + cured] / n
                        : HFS_NAN;
    a.m2 = 0.0;
    double e = cured < ns
                   ? (double)p.res.trace[(nt * ny + y) * ns + cured] / n
                   : HFS_NAN;
    hfs_verifier_add(v, "calendar_remission_under_injections",
                     "share cured at 5 years under botox = under no_treatment "
                     "(natural history runs on the calendar; remission 20% a "
                     "year)",
                     e, &a, 1);
    hfs_probe_free(&p);
  }

  /* v2 drugs: a patient-level chance of responding to any drug, each
   * drug's response conditional on it. With no rash, no remission and
   * trials of 0.01 months (death during them negligible), the share ever
   * controlled by the four-drug sequence is
   * p_any x (1 - prod_k (1 - p_k)). */
  {
    const char *ov[] = {FIXED_COHORT(1), "drug_p_rash_carbamazepine=0",
                        "annual_p_remission=0", "drug_trial_months=0.01"};
    RUN(ov, 8, 0);
    static const char *const drugs[] = {
        "drug_p_response_carbamazepine", "drug_p_response_gabapentin",
        "drug_p_response_clonazepam", "drug_p_response_baclofen"};
    double none = 1.0;
    for (int k = 0; k < 4; k++)
      none *= 1.0 - hfs_probe_param(&p, drugs[k]);
    ADD("drug_response_patient_level",
        "share ever controlled by the four-drug sequence = "
        "drug_p_any_response x (1 - prod(1 - p_drug))",
        hfs_probe_param(&p, "drug_p_any_response") * (1.0 - none),
        hfs_probe_outcome(&p, "medication", "ever_controlled"));
    hfs_probe_free(&p);
  }

  /* 9. No discounting: discounted equals undiscounted exactly. */
  {
    const char *ov[] = {"economics.discount_rate_costs=0",
                        "economics.discount_rate_qalys=0"};
    RUN(ov, 2, patients / 10 + 1);
    const hfs_accum *q = hfs_probe_outcome(&p, "stepped", "qaly"),
                    *u = hfs_probe_outcome(&p, "stepped", "qaly_undiscounted");
    hfs_accum diff = *q;
    diff.mean = q->mean - u->mean;
    diff.m2 = 0.0;
    hfs_verifier_add(v, "zero_rate_no_discounting",
                     "at a 0% rate discounted minus undiscounted QALYs is 0",
                     0.0, &diff, 1);
    hfs_probe_free(&p);
  }

#undef ADD
#undef RUN
  return HFS_OK;
}
