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

/* A patient's flows come as back-to-back intervals [a, b), [b, c), ...
 * A cursor remembers the factor at the end of the last interval so the
 * next one needs a single expm1 instead of exp and expm1. Start it with
 * hfs_discount_cursor_start(). */
typedef struct hfs_discount_cursor {
  double t_years;
  double factor; /* (1+r)^-t_years */
} hfs_discount_cursor;

void hfs_discount_cursor_start(hfs_discount_cursor *c);

/* integral_a^b (1+r)^-s ds as hfs_discount_integral(), using and updating
 * C; exact to a relative 1e-13 after thousands of intervals. */
double hfs_discount_integral_next(const hfs_discount *d, hfs_discount_cursor *c,
                                  double a_years, double b_years);

#endif
