/*
 * accum.c - Welford updates, Chan et al. merges and the standard error of
 * net monetary benefit (see accum.h).
 */
#include "hfsim/accum.h"

#include <math.h>

#include "hfsim/mathx.h"

void hfs_accum_reset(hfs_accum *a)
{
  a->n = 0;
  a->mean = 0.0;
  a->m2 = 0.0;
}

void hfs_accum_add(hfs_accum *a, double x)
{
  a->n++;
  double delta = x - a->mean;
  a->mean += delta / (double)a->n;
  a->m2 += delta * (x - a->mean);
}

void hfs_accum_merge(hfs_accum *a, const hfs_accum *b)
{
  if (b->n == 0)
    return;
  if (a->n == 0) {
    *a = *b;
    return;
  }
  double na = (double)a->n, nb = (double)b->n, n = na + nb;
  double delta = b->mean - a->mean;
  a->mean += delta * nb / n;
  a->m2 += b->m2 + delta * delta * na * nb / n;
  a->n += b->n;
}

double hfs_accum_variance(const hfs_accum *a)
{
  return a->n < 2 ? HFS_NAN : a->m2 / (double)(a->n - 1);
}

double hfs_accum_sd(const hfs_accum *a)
{
  return sqrt(hfs_accum_variance(a));
}

double hfs_accum_se(const hfs_accum *a)
{
  return a->n < 2 ? HFS_NAN : sqrt(hfs_accum_variance(a) / (double)a->n);
}

void hfs_accum2_reset(hfs_accum2 *a)
{
  a->n = 0;
  a->mean_x = a->mean_y = 0.0;
  a->m2_x = a->m2_y = a->c_xy = 0.0;
}

void hfs_accum2_add(hfs_accum2 *a, double x, double y)
{
  a->n++;
  double n = (double)a->n;
  double dx = x - a->mean_x, dy = y - a->mean_y;
  a->mean_x += dx / n;
  a->mean_y += dy / n;
  a->m2_x += dx * (x - a->mean_x);
  a->m2_y += dy * (y - a->mean_y);
  a->c_xy += dx * (y - a->mean_y);
}

void hfs_accum2_merge(hfs_accum2 *a, const hfs_accum2 *b)
{
  if (b->n == 0)
    return;
  if (a->n == 0) {
    *a = *b;
    return;
  }
  double na = (double)a->n, nb = (double)b->n, n = na + nb;
  double dx = b->mean_x - a->mean_x, dy = b->mean_y - a->mean_y;
  a->mean_x += dx * nb / n;
  a->mean_y += dy * nb / n;
  a->m2_x += b->m2_x + dx * dx * na * nb / n;
  a->m2_y += b->m2_y + dy * dy * na * nb / n;
  a->c_xy += b->c_xy + dx * dy * na * nb / n;
  a->n += b->n;
}

double hfs_accum2_covariance(const hfs_accum2 *a)
{
  return a->n < 2 ? HFS_NAN : a->c_xy / (double)(a->n - 1);
}

double hfs_accum2_nmb_se(const hfs_accum2 *a, double wtp)
{
  if (a->n < 2)
    return HFS_NAN;
  double n = (double)a->n;
  double v = (wtp * wtp * a->m2_y + a->m2_x - 2.0 * wtp * a->c_xy) / (n - 1);
  return sqrt(fmax(v, 0.0) / n);
}
