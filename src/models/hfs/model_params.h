/*
 * hfs_params.h - the numbers the hemifacial-spasm model reads.
 *
 * One line per parameter: name, kind (admissible range) and unit. The values,
 * ranges, distributions and sources live in configs/parameters.csv, never
 * here; this list is the contract between that table and the model.
 * Annual probabilities (unit "per_year") are converted to constant rates
 * r = -ln(1 - p) when the model is created.
 */
#ifndef SPASM_PARAMS_H
#define SPASM_PARAMS_H

/* clang-format off */
#define SPASM_PARAMS(X)                                                    \
  /* cohort (MODEL.md section 2) */                                            \
  X(p_female,                          PROBABILITY, "probability")            \
  X(onset_age_min,                     AGE,         "years")                  \
  X(onset_age_max,                     AGE,         "years")                  \
  X(onset_age_mean,                    AGE,         "years")                  \
  X(onset_age_sd,                      POSITIVE,    "years")                  \
  X(p_asian,                           PROBABILITY, "probability")            \
  X(p_bilateral,                       PROBABILITY, "probability")            \
  X(p_primary_cause,                   PROBABILITY, "probability")            \
  X(p_compression_if_primary,          PROBABILITY, "probability")            \
  X(p_compression_if_secondary,        PROBABILITY, "probability")            \
  X(smc_grade_1_share,                 PROBABILITY, "probability")            \
  X(smc_grade_2_share,                 PROBABILITY, "probability")            \
  X(smc_grade_3_share,                 PROBABILITY, "probability")            \
  X(smc_grade_4_share,                 PROBABILITY, "probability")            \
  X(delay_to_decision_median_years,    POSITIVE,    "years")                  \
  X(delay_to_decision_sdlog,           POSITIVE,    "log_sd")                 \
  X(age_limit_years,                   AGE,         "years")                  \
  /* natural history (section 3) */                                           \
  X(annual_p_progression,              PROBABILITY, "per_year")               \
  X(annual_p_remission,                PROBABILITY, "per_year")               \
  /* diagnosis (section 4) */                                                 \
  X(mri_sensitivity,                   PROBABILITY, "probability")            \
  X(mri_specificity,                   PROBABILITY, "probability")            \
  X(cost_mri,                          COST,        "currency")               \
  /* botulinum toxin (section 5.1) */                                         \
  X(botox_interval_min_weeks,          POSITIVE,    "weeks")                  \
  X(botox_interval_max_weeks,          POSITIVE,    "weeks")                  \
  X(botox_p_primary_response,          PROBABILITY, "probability")            \
  X(botox_p_session_failure,           PROBABILITY, "probability")            \
  X(botox_latency_days,                DURATION,    "days")                   \
  X(botox_effect_mean_weeks,           POSITIVE,    "weeks")                  \
  X(botox_effect_gamma_shape,          POSITIVE,    "shape")                  \
  X(botox_p_ptosis,                    PROBABILITY, "probability")            \
  X(botox_p_facial_weakness,           PROBABILITY, "probability")            \
  X(botox_p_dry_eye,                   PROBABILITY, "probability")            \
  X(botox_p_diplopia,                  PROBABILITY, "probability")            \
  X(botox_ae_min_weeks,                DURATION,    "weeks")                  \
  X(botox_ae_max_weeks,                DURATION,    "weeks")                  \
  X(disutility_ptosis,                 DECREMENT,   "utility")                \
  X(disutility_facial_weakness,        DECREMENT,   "utility")                \
  X(disutility_dry_eye,                DECREMENT,   "utility")                \
  X(disutility_diplopia,               DECREMENT,   "utility")                \
  X(qaly_loss_injection_visit,         DECREMENT,   "QALY")                   \
  X(botox_annual_p_secondary_nonresponse, PROBABILITY, "per_year")            \
  X(botox_annual_p_discontinuation,    PROBABILITY, "per_year")               \
  X(botox_annual_p_choose_surgery,     PROBABILITY, "per_year")               \
  X(cost_botox_per_unit,               COST,        "currency")               \
  X(botox_units_per_side,              POSITIVE,    "units")                  \
  X(cost_botox_administration,         COST,        "currency")               \
  /* oral medication (section 5.2) */                                         \
  X(drug_trial_months,                 POSITIVE,    "months")                 \
  X(drug_p_any_response,               PROBABILITY, "probability")            \
  X(drug_p_response_carbamazepine,     PROBABILITY, "probability")            \
  X(drug_p_response_gabapentin,        PROBABILITY, "probability")            \
  X(drug_p_response_clonazepam,        PROBABILITY, "probability")            \
  X(drug_p_response_baclofen,          PROBABILITY, "probability")            \
  X(drug_annual_p_stop,                PROBABILITY, "per_year")               \
  X(drug_p_rash_carbamazepine,         PROBABILITY, "probability")            \
  X(drug_rash_rr_asian,                MULTIPLIER,  "ratio")                  \
  X(disutility_rash,                   DECREMENT,   "utility")                \
  X(rash_duration_weeks,               DURATION,    "weeks")                  \
  X(disutility_drug_side_effects,      DECREMENT,   "utility")                \
  X(cost_drug_per_month,               COST,        "currency")               \
  /* microvascular decompression (section 5.3) */                             \
  X(cost_mvd,                          COST,        "currency")               \
  X(qaly_loss_mvd_perioperative,       DECREMENT,   "QALY")                   \
  X(mvd_p_immediate_cure,              PROBABILITY, "probability")            \
  X(mvd_p_delayed_cure,                PROBABILITY, "probability")            \
  X(mvd_p_persistent,                  PROBABILITY, "probability")            \
  X(mvd_delayed_cure_median_days,      POSITIVE,    "days")                   \
  X(mvd_delayed_cure_sdlog,            POSITIVE,    "log_sd")                 \
  X(mvd_persistence_judged_years,      DURATION,    "years")                  \
  X(mvd_p_cure_without_compression,    PROBABILITY, "probability")            \
  X(mvd_p_transient_facial_palsy,      PROBABILITY, "probability")            \
  X(mvd_transient_facial_palsy_months, DURATION,    "months")                 \
  X(mvd_p_permanent_facial_palsy,      PROBABILITY, "probability")            \
  X(mvd_p_transient_hearing_loss,      PROBABILITY, "probability")            \
  X(mvd_transient_hearing_loss_months, DURATION,    "months")                 \
  X(mvd_p_permanent_hearing_loss,      PROBABILITY, "probability")            \
  X(mvd_hearing_rr_older,              MULTIPLIER,  "ratio")                  \
  X(mvd_hearing_older_age_years,       AGE,         "years")                  \
  X(mvd_p_csf_leak,                    PROBABILITY, "probability")            \
  X(cost_csf_leak,                     COST,        "currency")               \
  X(mvd_p_stroke,                      PROBABILITY, "probability")            \
  X(cost_stroke,                       COST,        "currency")               \
  X(mvd_p_operative_death,             PROBABILITY, "probability")            \
  X(disutility_transient_facial_palsy, DECREMENT,   "utility")                \
  X(disutility_transient_hearing_loss, DECREMENT,   "utility")                \
  X(mvd_recurrence_cum_1y,             PROBABILITY, "probability")            \
  X(mvd_recurrence_cum_2y,             PROBABILITY, "probability")            \
  X(mvd_recurrence_cum_5y,             PROBABILITY, "probability")            \
  X(mvd_recurrence_annual_p_after_5y,  PROBABILITY, "per_year")               \
  X(mvd_p_accept_redo,                 PROBABILITY, "probability")            \
  X(redo_p_cure,                       PROBABILITY, "probability")            \
  X(redo_p_permanent_hearing_loss,     PROBABILITY, "probability")            \
  X(redo_p_permanent_facial_palsy,     PROBABILITY, "probability")            \
  /* quality of life (section 8) */                                           \
  /* v2: a ceiling and non-negative decrements, so that cured >= injections \
   * >= drug >= grade I > II > III > IV holds in every draw */                \
  X(utility_cured,                     UTILITY,     "utility")                \
  X(decrement_injections_vs_cured,     DECREMENT,   "utility")                \
  X(decrement_drug_vs_injections,      DECREMENT,   "utility")                \
  X(decrement_grade_1_vs_drug,         DECREMENT,   "utility")                \
  X(decrement_grade_2_vs_1,            DECREMENT,   "utility")                \
  X(decrement_grade_3_vs_2,            DECREMENT,   "utility")                \
  X(decrement_grade_4_vs_3,            DECREMENT,   "utility")                \
  X(utility_norm_reference_age,        AGE,         "years")                  \
  X(disutility_permanent_facial_palsy, DECREMENT,   "utility")                \
  X(disutility_permanent_hearing_loss, DECREMENT,   "utility")                \
  X(disutility_stroke,                 DECREMENT,   "utility")                \
  /* disease management and lasting complication costs (section 8, v2) */   \
  X(cost_management_spasm_per_year,    COST,        "currency")               \
  X(cost_management_controlled_per_year, COST,      "currency")               \
  X(cost_management_cured_per_year,    COST,        "currency")               \
  X(cost_followup_after_surgery,       COST,        "currency")               \
  X(cost_hearing_loss_per_year,        COST,        "currency")               \
  X(cost_facial_palsy_per_year,        COST,        "currency")
/* clang-format on */

typedef struct spasm_params {
#define SPASM_PARAM_FIELD(name, kind, unit) double name;
  SPASM_PARAMS(SPASM_PARAM_FIELD)
#undef SPASM_PARAM_FIELD
} spasm_params;

#endif
