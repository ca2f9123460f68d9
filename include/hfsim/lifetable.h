/*
 * lifetable.h - background mortality from a period life table.
 *
 * The table gives q_x, the probability of dying within a year at exact age x,
 * by sex, for consecutive integer ages. The hazard is taken as constant
 * within each year of age, h_x = -ln(1 - q_x) (MODEL.md section 7), so the
 * time of death follows from one uniform u by inverting the cumulative
 * hazard: find t with H(age, age + t) = -ln(u).
 *
 * CSV format (RFC 4180; '#' lines are comments, e.g. the source line):
 *     age,sex,qx          sex is "female" or "male"
 */
#ifndef HFSIM_LIFETABLE_H
#define HFSIM_LIFETABLE_H

#include "hfsim/diag.h"

enum { HFS_SEX_FEMALE = 0, HFS_SEX_MALE = 1 };

typedef struct hfs_life_table {
  int age_min;           /* first age of the table */
  int age_max;           /* last age of the table */
  double *hazard[2];     /* per sex: h_x for x = age_min..age_max, per year */
  double *cumulative[2]; /* per sex: H(x) = sum of h below x, x = age_min ..
                            age_max + 1 (H(age_min) = 0) */
  char *path;
} hfs_life_table;

void hfs_life_table_init(hfs_life_table *lt);
void hfs_life_table_free(hfs_life_table *lt);

/* Read PATH: every age from the first to the last must be present exactly
 * once for both sexes, with 0 <= qx <= 1; gaps, duplicates and bad values
 * are all reported to D with their lines. */
hfs_status hfs_life_table_read(hfs_life_table *lt, const char *path,
                               hfs_diag *d);

/* Years until death for someone of SEX aged AGE_YEARS (age_min <= age),
 * given a uniform U in (0, 1). Returns +inf when death would come after
 * LIMIT_AGE_YEARS (the caller stops the simulation there). Ages beyond
 * age_max use the hazard of age_max. */
double hfs_life_table_time_to_death(const hfs_life_table *lt, int sex,
                                    double age_years, double u,
                                    double limit_age_years);

/* Probability of surviving from AGE_YEARS to AGE_YEARS + T_YEARS (used by
 * the verification of life expectancy). */
double hfs_life_table_survival(const hfs_life_table *lt, int sex,
                               double age_years, double t_years);

#endif
