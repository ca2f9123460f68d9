/*
 * discount.h - exact continuous-time discounting.
 *
 * With an annual effective rate r, a payment c at time t (years) is worth
 * c (1+r)^-t and a flow of u per year held on [a, b] is worth
 *
 *     u * integral_a^b (1+r)^-s ds = u * ((1+r)^-a - (1+r)^-b) / ln(1+r),
 *
 * (MODEL.md section 1). There is no cycle, so no half-cycle correction.
 *
 * How it is computed (issue 13: a libm expm1 and exp per event were a
 * fifth of the HFS model's time). With L = ln(1+r):
 *
 *   - (1+r)^-t = Y[j] e^(-L g), with t = j/8 + g, j whole, 0 <= g < 1/8:
 *     Y[j] = e^(-L j/8) is precomputed for every eighth of a year over
 *     HFS_DISCOUNT_YEARS years (the per-year factors, in eighths), and the
 *     remainder e^(-x), x = L g < L/8 <= 0.0125, is 1 - x P(x) with a
 *     short polynomial (both t * 8 and t - j/8 are exact);
 *   - the integral is ((1+r)^-a - (1+r)^-b) / L. For a short interval,
 *     x = L (b - a) <= 0.0125, it is formed as (1+r)^-a x P(x) / L, which
 *     keeps full precision; for a longer one the difference of the two
 *     factors loses at most a factor 1/x < 80 of their precision (a
 *     relative 2e-13 at worst), and the cursor below has the end factor
 *     anyway, so a long interval costs one subtraction.
 *
 * P(x) = sum_{k=0..6} (-x)^k / (k+1)! is the Taylor polynomial of
 * (1 - e^-x)/x; for 0 <= x <= 0.0125 its truncation error is below
 * 0.0125^7 / 8! < 2e-18, far below the rounding of a double.
 * tests/test_discount.c checks 1e-12 relative against a long-double
 * reference over random and back-to-back intervals (1.3e-13 at worst). Rates
 * above e^0.1 - 1 (10.5%) and times beyond HFS_DISCOUNT_YEARS use libm's exp
 * and expm1.
 */
#ifndef HFSIM_DISCOUNT_H
#define HFSIM_DISCOUNT_H

/* Years with precomputed factors (a lifetime horizon is shorter), and
 * steps per year. */
#define HFS_DISCOUNT_YEARS 128
#define HFS_DISCOUNT_STEPS_PER_YEAR 8
/* Largest L = ln(1+r) for the table: the remainder's argument stays below
 * L / 8 = 0.0125. */
#define HFS_DISCOUNT_MAX_LOG_FACTOR 0.1

/* 8 KiB: make it once per run and pass it by pointer. */
typedef struct hfs_discount {
  double rate_per_year; /* annual effective rate r >= 0 */
  double log_factor;    /* L = ln(1 + r) */
  int use_table;        /* 0 < L <= HFS_DISCOUNT_MAX_LOG_FACTOR */
  /* Y[j] = (1+r)^-(j/8) */
  double step_factor[HFS_DISCOUNT_YEARS * HFS_DISCOUNT_STEPS_PER_YEAR];
} hfs_discount;

/* RATE_PER_YEAR must be >= 0 (validated by the scenario reader). */
hfs_discount hfs_discount_make(double rate_per_year);

/* Present value factor (1+r)^-t of a payment at T_YEARS (>= 0). */
double hfs_discount_factor(const hfs_discount *d, double t_years);

/* integral_a^b (1+r)^-s ds; 0 when b <= a; b may be +inf. */
double hfs_discount_integral(const hfs_discount *d, double a_years,
                             double b_years);

/* A patient's flows come as back-to-back intervals [a, b), [b, c), ...
 * A cursor remembers the factor at the end of the last interval, so the
 * next one needs only the factor at its end (and, when short, its
 * length's polynomial).
 * Start it with hfs_discount_cursor_start(). */
typedef struct hfs_discount_cursor {
  double t_years;
  double factor; /* (1+r)^-t_years */
} hfs_discount_cursor;

void hfs_discount_cursor_start(hfs_discount_cursor *c);

/* integral_a^b (1+r)^-s ds as hfs_discount_integral(), using and updating
 * C. Within a whole year, a short interval's end factor comes from the
 * same polynomial as its integral; it is taken afresh from the table at
 * every whole year, so the error does not grow with the number of
 * intervals (tests/test_discount.c: thousands of them to 1e-12). */
double hfs_discount_integral_next(const hfs_discount *d, hfs_discount_cursor *c,
                                  double a_years, double b_years);

#endif
