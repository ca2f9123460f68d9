/*
 * discount.c - exact continuous-time discounting (see discount.h for the
 * method and its accuracy).
 */
#include "hfsim/discount.h"

#include <math.h>

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

double hfs_discount_integral(const hfs_discount *d, double a_years,
                             double b_years)
{
  if (!(b_years > a_years))
    return 0.0;
  if (d->log_factor == 0.0)
    return b_years - a_years;
  double head = hfs__discount_factor_at(d, a_years);
  /* an infinite b gives (1+r)^-a / L */
  if (isinf(b_years))
    return head / d->log_factor;
  double tail = hfs__discount_factor_at(d, b_years);
  return hfs__discount_between(d, a_years, b_years, head, tail);
}

void hfs_discount_cursor_start(hfs_discount_cursor *c)
{
  c->t_years = 0.0;
  c->factor = 1.0;
}
