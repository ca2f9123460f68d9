/*
 * utility.h - the HFS model's state utilities (MODEL.md v2, section 8).
 *
 * Utilities are a ceiling (utility_cured) and non-negative decrements, each
 * state's utility being the one above it minus its decrement:
 *
 *   cured >= controlled on injections >= controlled on a drug
 *         >= grade I >= grade II >= grade III >= grade IV
 *
 * so the order holds for any draw of the decrements (and strictly between
 * grades whenever their decrements are positive, as beta draws are). Used
 * by model.c and by the PSA ordering test.
 */
#ifndef SPASM_UTILITY_H
#define SPASM_UTILITY_H

#include "model_params.h"

enum {
  SPASM_U_CURED,
  SPASM_U_INJECTIONS,
  SPASM_U_DRUG,
  SPASM_U_GRADE_1,
  SPASM_U_GRADE_2,
  SPASM_U_GRADE_3,
  SPASM_U_GRADE_4,
  SPASM_N_UTILITIES
};

static inline void spasm_state_utilities(const spasm_params *q,
                                         double u[SPASM_N_UTILITIES])
{
  u[SPASM_U_CURED] = q->utility_cured;
  u[SPASM_U_INJECTIONS] = u[SPASM_U_CURED] - q->decrement_injections_vs_cured;
  u[SPASM_U_DRUG] = u[SPASM_U_INJECTIONS] - q->decrement_drug_vs_injections;
  u[SPASM_U_GRADE_1] = u[SPASM_U_DRUG] - q->decrement_grade_1_vs_drug;
  u[SPASM_U_GRADE_2] = u[SPASM_U_GRADE_1] - q->decrement_grade_2_vs_1;
  u[SPASM_U_GRADE_3] = u[SPASM_U_GRADE_2] - q->decrement_grade_3_vs_2;
  u[SPASM_U_GRADE_4] = u[SPASM_U_GRADE_3] - q->decrement_grade_4_vs_3;
}

#endif
