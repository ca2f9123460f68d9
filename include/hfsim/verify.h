/*
 * verify.h - checks that users can run (`hfsim verify`): model outputs
 * against answers computed independently of the simulation, and against
 * published figures.
 *
 * Verification (verification.csv): each check runs the engine on a
 * scenario whose exact expected value is known in closed form (life
 * expectancy from the life table, discounted life-years, time controlled on
 * a fixed injection schedule, surgical shares, a truncated horizon, the
 * Sick-Sicker cohort model) and compares within z = 4 Monte Carlo standard
 * errors (deterministic checks: within 1e-9 relative).
 *
 * Validation (validation.csv): model outputs beside published figures from
 * configs/validation_targets.csv, with the source of each.
 */
#ifndef HFSIM_VERIFY_H
#define HFSIM_VERIFY_H

#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "hfsim/diag.h"
#include "hfsim/lifetable.h"

typedef struct hfs_check {
  char name[64];
  char description[256];
  double expected, observed, mcse, z;
  int pass;
} hfs_check;

/* Expected (discounted at RATE, 0 = plain) years lived from AGE_YEARS by
 * SEX over the next HORIZON_YEARS (capped at LIMIT_AGE_YEARS), from the
 * piecewise-constant hazard of LT, in closed form. */
double hfs_expected_life_years(const hfs_life_table *lt, int sex,
                               double age_years, double horizon_years,
                               double limit_age_years, double rate);

/* Run every verification check on the scenario CONFIG_PATH (the hfs
 * model's default scenario) and SICK_SICKER_PATH with PATIENTS patients.
 * CHECKS receives up to MAX entries; returns how many, or -1 on error. */
long hfs_verify_run(const char *config_path, const char *sick_sicker_path,
                    uint64_t patients, hfs_check *checks, size_t max,
                    hfs_diag *d);

/* A flag (set by SIGINT/SIGTERM) that the simulations of hfs_verify_run
 * and hfs_validate_write poll between waves: when it is set they stop and
 * fail (-1, HFS_ERR_INTERRUPTED). NULL: never stop. */
void hfs_verify_set_stop_flag(volatile sig_atomic_t *flag);

void hfs_verify_write(FILE *f, const hfs_check *checks, size_t n);

/* Write validation.csv: TARGETS_PATH rows, with the model's values from a
 * run of CONFIG_PATH with PATIENTS patients. */
hfs_status hfs_validate_write(FILE *f, const char *config_path,
                              const char *targets_path, uint64_t patients,
                              hfs_diag *d);

#endif
