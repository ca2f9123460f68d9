/*
 * discount.c - exact continuous-time discounting (see discount.h).
 */
#include "hfsim/discount.h"

#include <math.h>

hfs_discount hfs_discount_make(double rate_per_year)
{
  hfs_discount d;
  d.rate_per_year = rate_per_year;
  d.log_factor = log1p(rate_per_year);
  return d;
}

double hfs_discount_factor(const hfs_discount *d, double t_years)
{
  if (d->log_factor == 0.0)
    return 1.0;
  return exp(-d->log_factor * t_years);
}

double hfs_discount_integral(const hfs_discount *d, double a_years,
                             double b_years)
{
  if (!(b_years > a_years))
    return 0.0;
  if (d->log_factor == 0.0)
    return b_years - a_years;
  /* e^{-da} (1 - e^{-d(b-a)}) / d, with expm1 for short intervals; an
   * infinite b gives e^{-da} / d. */
  double head = exp(-d->log_factor * a_years);
  double tail =
      isinf(b_years) ? 1.0 : -expm1(-d->log_factor * (b_years - a_years));
  return head * tail / d->log_factor;
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
  double head =
      a_years == c->t_years ? c->factor : exp(-d->log_factor * a_years);
  if (isinf(b_years)) {
    c->t_years = b_years;
    c->factor = 0.0;
    return head / d->log_factor;
  }
  double em = expm1(-d->log_factor * (b_years - a_years));
  c->t_years = b_years;
  c->factor = head + head * em;
  return -head * em / d->log_factor;
}
