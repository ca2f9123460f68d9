/*
 * sick_sicker.h - the Sick-Sicker model (Krijkamp et al. 2018) as a second,
 * small model of the engine, and its exact cohort calculation.
 *
 * Krijkamp EM, Alarid-Escudero F, Enns EA, Jalal HJ, Hunink MGM,
 * Pechlivanoglou P. Microsimulation modeling for health decision sciences
 * using R: a tutorial. Med Decis Making 2018;38(3):400-422.
 * doi:10.1177/0272989X18754513
 *
 * The model (class ss_model_class, `model = sick_sicker` in a
 * scenario; configs/sick_sicker.ini) is a discrete-time Markov chain with
 * one-year cycles and four states, everyone starting Healthy:
 *
 *   from Healthy: Sick p_hs1, Dead p_hd
 *   from Sick:    Healthy p_s1h, Sicker p_s1s2, Dead p_s1d
 *   from Sicker:  Dead p_s2d
 *   staying:      1 - the sum of the state's leaving probabilities
 *
 * where death from Sick and Sicker is p_sXd = 1 - exp(-rr_sX * r_hd) with
 * r_hd = -ln(1 - p_hd). The transitions out of each state must sum to at
 * most 1 (checked, with the parameter lines, when the model is created).
 *
 * Payoffs (cost per cycle, QALYs = utility x one year) are those of the
 * state occupied at the START of cycle t, for t = 0 .. n_cycles (31 payoffs
 * with n_cycles = 30), weighted 1/(1+r)^t: discrete weights, no half-cycle
 * correction, exactly as in the tutorial. The engine's continuous
 * discounting (discount.h, hfs_discount_integral) is NOT used by this model.
 * Strategies differ only in payoffs: treated adds cost_treatment per cycle
 * in Sick and Sicker and has utility utility_sick_treated in Sick.
 *
 * The microsimulation draws, in each cycle, one uniform u from the patient's
 * single stream and moves to the first destination k (in the order listed
 * above) with u < p_1 + ... + p_k, staying otherwise; its expected costs,
 * QALYs and state trace are therefore exactly those of the cohort
 * calculation below, which `hfsim verify` (verify.c, the class's verify
 * hook) and tests/test_sick_sicker.c compare with the simulation.
 *
 * Prefix: ss_ (this model's internals; the engine's public prefix is hfs_).
 */
#ifndef SS_SICK_SICKER_H
#define SS_SICK_SICKER_H

#include <stddef.h>

#include "hfsim/diag.h"
#include "hfsim/model.h"
#include "hfsim/params.h"

/* State indices, in the order of the trace (trace.csv columns). */
enum ss_state { SS_HEALTHY, SS_SICK, SS_SICKER, SS_DEAD, SS_N_STATES };

extern const hfs_model_class ss_model_class;

/* Exact expected outcomes per person of the Markov cohort with the
 * parameters of table T (the names of configs/sick_sicker_parameters.csv;
 * T should have passed hfs_param_table_check() against the model's specs,
 * as hfs_study_load() does), under the no-treatment (TREATED = 0) or the
 * treatment (TREATED != 0) payoffs:
 *
 *   COST       = sum_{t=0..n_cycles} m_t . c / (1 + DISCOUNT_RATE_COSTS)^t
 *   QALY       = sum_{t=0..n_cycles} m_t . u / (1 + DISCOUNT_RATE_QALYS)^t
 *   LIFE_YEARS = sum_{t=0..n_cycles} (1 - m_t[Dead])       (undiscounted)
 *
 * where m_0 = (1, 0, 0, 0) and m_{t+1} = m_t P. Pass rates of 0 for the
 * undiscounted cost and QALYs. Any output pointer may be NULL.
 * Returns HFS_OK, or HFS_ERR_INPUT (outputs untouched) when a parameter is
 * missing, n_cycles is not a whole number in [1, 10000], the transitions
 * out of a state sum to more than 1, or a rate is negative or not finite. */
hfs_status ss_cohort(const hfs_param_table *t, double discount_rate_costs,
                     double discount_rate_qalys, int treated, double *cost,
                     double *qaly, double *life_years);

/* The cohort trace: TRACE[k * SS_N_STATES + s] = share of the cohort in
 * state s at the start of cycle k, for k = 0 .. N_ROWS-1 (the model counts
 * k = 0 .. n_cycles; later rows continue the same chain). The same errors
 * as ss_cohort(); TRACE untouched on error. */
hfs_status ss_cohort_trace(const hfs_param_table *t, double *trace,
                           size_t n_rows);

/* Whether strategy STRATEGY of model M (created from class
 * ss_model_class) is treated: 1 or 0; -1 when M is not a Sick-Sicker
 * model or STRATEGY is out of range. */
int ss_treated(const hfs_model *m, size_t strategy);

/* The verification hook (verify.c): each strategy's microsimulated
 * discounted cost and QALYs against ss_cohort(). */
struct hfs_verifier;
hfs_status ss_verify(struct hfs_verifier *v);

#endif
