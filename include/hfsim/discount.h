/*
 * discount.h - exact continuous-time discounting.
 *
 * With an annual effective rate r, a payment c at time t (years) is worth
 * c (1+r)^-t and a flow of u per year held on [a, b] is worth
 *
 *     u * integral_a^b (1+r)^-s ds = u * ((1+r)^-a - (1+r)^-b) / ln(1+r),
 *
 * (MODEL.md section 1). There is no cycle, so no half-cycle correction. The
 * factor ln(1+r) is computed once; the difference is formed with expm1 so
 * that short intervals keep full precision.
 */
#ifndef HFSIM_DISCOUNT_H
#define HFSIM_DISCOUNT_H

typedef struct hfs_discount {
  double rate_per_year; /* annual effective rate r >= 0 */
  double log_factor;    /* ln(1 + r) */
} hfs_discount;

/* RATE_PER_YEAR must be >= 0 (validated by the scenario reader). */
hfs_discount hfs_discount_make(double rate_per_year);

/* Present value factor (1+r)^-t of a payment at T_YEARS. */
double hfs_discount_factor(const hfs_discount *d, double t_years);

/* integral_a^b (1+r)^-s ds; 0 when b <= a. */
double hfs_discount_integral(const hfs_discount *d, double a_years,
                             double b_years);

#endif
