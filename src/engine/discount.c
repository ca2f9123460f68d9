/*
 * discount.c - exact continuous-time discounting (see discount.h for the
 * method and its accuracy).
 */
#include "hfsim/discount.h"

#include <math.h>

/* Largest argument of the polynomial. */
#define SMALL_X 0.0125

/* P(x) = (1 - e^-x) / x = sum_{k=0..6} (-x)^k / (k+1)! for
 * 0 <= x <= SMALL_X. Estrin's scheme: the pairs are independent, so the
 * chain of dependent steps is shorter than Horner's. */
static inline double one_minus_exp_over_x(double x)
{
  /* c_k = (-1)^k / (k+1)! */
  static const double c[7] = {
      1.0,         -1.0 / 2.0,   1.0 / 6.0,    -1.0 / 24.0,
      1.0 / 120.0, -1.0 / 720.0, 1.0 / 5040.0,
  };
  double x2 = x * x, x4 = x2 * x2;
  double p01 = c[0] + c[1] * x, p23 = c[2] + c[3] * x;
  double p45 = c[4] + c[5] * x;
  double p03 = p01 + p23 * x2, p46 = p45 + c[6] * x2;
  return p03 + p46 * x4;
}

hfs_discount hfs_discount_make(double rate_per_year)
{
  hfs_discount d;
  d.rate_per_year = rate_per_year;
  d.log_factor = log1p(rate_per_year);
  d.use_table =
      d.log_factor > 0.0 && d.log_factor <= HFS_DISCOUNT_MAX_LOG_FACTOR;
  for (int j = 0; j < HFS_DISCOUNT_YEARS * HFS_DISCOUNT_STEPS_PER_YEAR; j++)
    d.step_factor[j] =
        exp(-d.log_factor * ((double)j / HFS_DISCOUNT_STEPS_PER_YEAR));
  return d;
}

/* (1+r)^-t for L > 0 and finite t. */
static inline double factor_at(const hfs_discount *d, double t_years)
{
  if (d->use_table && t_years >= 0.0 && t_years < (double)HFS_DISCOUNT_YEARS) {
    double steps = t_years * HFS_DISCOUNT_STEPS_PER_YEAR; /* exact */
    int j = (int)steps;
    /* exact: j/8 and t are within 1/8 of each other */
    double g = t_years - (double)j / HFS_DISCOUNT_STEPS_PER_YEAR;
    double x = d->log_factor * g;
    return d->step_factor[j] * (1.0 - x * one_minus_exp_over_x(x));
  }
  return exp(-d->log_factor * t_years);
}

/* integral_a^b for L > 0, finite b > a, with HEAD = (1+r)^-a and
 * TAIL = (1+r)^-b. */
static inline double integral_between(const hfs_discount *d, double a_years,
                                      double b_years, double head, double tail)
{
  double x = d->log_factor * (b_years - a_years);
  if (x <= SMALL_X && d->use_table)
    return head * x * one_minus_exp_over_x(x) / d->log_factor;
  if (d->use_table)
    return (head - tail) / d->log_factor;
  return -head * expm1(-x) / d->log_factor;
}

double hfs_discount_factor(const hfs_discount *d, double t_years)
{
  if (d->log_factor == 0.0)
    return 1.0;
  return factor_at(d, t_years);
}

double hfs_discount_integral(const hfs_discount *d, double a_years,
                             double b_years)
{
  if (!(b_years > a_years))
    return 0.0;
  if (d->log_factor == 0.0)
    return b_years - a_years;
  double head = factor_at(d, a_years);
  /* an infinite b gives (1+r)^-a / L */
  if (isinf(b_years))
    return head / d->log_factor;
  double tail = factor_at(d, b_years);
  return integral_between(d, a_years, b_years, head, tail);
}

void hfs_discount_cursor_start(hfs_discount_cursor *c)
{
  c->t_years = 0.0;
  c->factor = 1.0;
}

double hfs_discount_integral_next(const hfs_discount *d, hfs_discount_cursor *c,
                                  double a_years, double b_years)
{
  if (!(b_years > a_years))
    return 0.0;
  if (d->log_factor == 0.0)
    return b_years - a_years;
  double head = a_years == c->t_years ? c->factor : factor_at(d, a_years);
  c->t_years = b_years;
  if (isinf(b_years)) {
    c->factor = 0.0;
    return head / d->log_factor;
  }
  double x = d->log_factor * (b_years - a_years);
  if (d->use_table && x <= SMALL_X && b_years < (double)HFS_DISCOUNT_YEARS) {
    /* A short interval: one polynomial gives both the integral and the
     * factor at its end, (1+r)^-b = (1+r)^-a (1 - x P(x)). Carried from
     * one interval to the next that factor would drift by an ulp or so
     * each time, so it is taken afresh from the table whenever the
     * interval reaches into the next whole year: the drift is bounded by
     * the intervals within one year (a relative 1e-14). */
    double dd = x * one_minus_exp_over_x(x);
    c->factor =
        (int)b_years == (int)a_years ? head - head * dd : factor_at(d, b_years);
    return head * dd / d->log_factor;
  }
  c->factor = factor_at(d, b_years);
  return integral_between(d, a_years, b_years, head, c->factor);
}
