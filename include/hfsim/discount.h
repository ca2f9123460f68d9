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

#include <math.h>

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

/* Present value factor (1+r)^-t of a payment at T_YEARS (>= 0); inline,
 * below. */
static inline double hfs_discount_factor(const hfs_discount *d,
                                         double t_years);

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
static inline double hfs_discount_integral_next(const hfs_discount *d,
                                                hfs_discount_cursor *c,
                                                double a_years,
                                                double b_years);

/* ---- inline implementation ----------------------------------------------
 * The two functions above run several times per event of a continuous-time
 * model; inline, the compiler keeps the table and the cursor in registers
 * across an event's flows (issue 13). The arithmetic is that of the
 * out-of-line version before it, operation for operation: same bits. */

/* Largest argument of the polynomial: L / 8 with L <= 0.1. */
#define HFS__DISCOUNT_SMALL_X 0.0125

/* P(x) = (1 - e^-x) / x = sum_{k=0..6} (-x)^k / (k+1)! for
 * 0 <= x <= HFS__DISCOUNT_SMALL_X. Estrin's scheme: the pairs are
 * independent, so the chain of dependent steps is shorter than Horner's. */
static inline double hfs__one_minus_exp_over_x(double x)
{
  /* c_k = (-1)^k / (k+1)! */
  const double c0 = 1.0, c1 = -1.0 / 2.0, c2 = 1.0 / 6.0, c3 = -1.0 / 24.0,
               c4 = 1.0 / 120.0, c5 = -1.0 / 720.0, c6 = 1.0 / 5040.0;
  double x2 = x * x, x4 = x2 * x2;
  double p01 = c0 + c1 * x, p23 = c2 + c3 * x;
  double p45 = c4 + c5 * x;
  double p03 = p01 + p23 * x2, p46 = p45 + c6 * x2;
  return p03 + p46 * x4;
}

/* (1+r)^-t for L > 0 and finite t. */
static inline double hfs__discount_factor_at(const hfs_discount *d,
                                             double t_years)
{
  if (d->use_table && t_years >= 0.0 &&
      t_years < (double)HFS_DISCOUNT_YEARS) {
    double steps = t_years * HFS_DISCOUNT_STEPS_PER_YEAR; /* exact */
    int j = (int)steps;
    /* exact: j/8 and t are within 1/8 of each other */
    double g = t_years - (double)j / HFS_DISCOUNT_STEPS_PER_YEAR;
    double x = d->log_factor * g;
    return d->step_factor[j] * (1.0 - x * hfs__one_minus_exp_over_x(x));
  }
  return exp(-d->log_factor * t_years);
}

/* integral_a^b for L > 0, finite b > a, with HEAD = (1+r)^-a and
 * TAIL = (1+r)^-b. */
static inline double hfs__discount_between(const hfs_discount *d,
                                           double a_years, double b_years,
                                           double head, double tail)
{
  double x = d->log_factor * (b_years - a_years);
  if (x <= HFS__DISCOUNT_SMALL_X && d->use_table)
    return head * x * hfs__one_minus_exp_over_x(x) / d->log_factor;
  if (d->use_table)
    return (head - tail) / d->log_factor;
  return -head * expm1(-x) / d->log_factor;
}

static inline double hfs_discount_factor(const hfs_discount *d,
                                         double t_years)
{
  if (d->log_factor == 0.0)
    return 1.0;
  return hfs__discount_factor_at(d, t_years);
}

static inline double hfs_discount_integral_next(const hfs_discount *d,
                                                hfs_discount_cursor *c,
                                                double a_years, double b_years)
{
  if (!(b_years > a_years))
    return 0.0;
  if (d->log_factor == 0.0)
    return b_years - a_years;
  double head = a_years == c->t_years ? c->factor
                                      : hfs__discount_factor_at(d, a_years);
  c->t_years = b_years;
  if (isinf(b_years)) {
    c->factor = 0.0;
    return head / d->log_factor;
  }
  double x = d->log_factor * (b_years - a_years);
  if (d->use_table && x <= HFS__DISCOUNT_SMALL_X &&
      b_years < (double)HFS_DISCOUNT_YEARS) {
    /* A short interval: one polynomial gives both the integral and the
     * factor at its end, (1+r)^-b = (1+r)^-a (1 - x P(x)). Carried from
     * one interval to the next that factor would drift by an ulp or so
     * each time, so it is taken afresh from the table whenever the
     * interval reaches into the next whole year: the drift is bounded by
     * the intervals within one year (a relative 1e-14). */
    double dd = x * hfs__one_minus_exp_over_x(x);
    c->factor = (int)b_years == (int)a_years
                    ? head - head * dd
                    : hfs__discount_factor_at(d, b_years);
    return head * dd / d->log_factor;
  }
  c->factor = hfs__discount_factor_at(d, b_years);
  return hfs__discount_between(d, a_years, b_years, head, c->factor);
}

#endif
