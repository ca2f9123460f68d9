/*
 * results.c - what the engine's results say about net benefit: the Monte
 * Carlo errors of a strategy's net monetary benefit and of the paired
 * differences between strategies (see engine.h).
 */
#include <math.h>

#include "hfsim/engine.h"
#include "hfsim/mathx.h"

double hfs_results_nmb_se(const hfs_results *r, size_t s, double wtp)
{
  return hfs_accum2_nmb_se(&r->paired[s * r->n_strategies + s], wtp);
}

double hfs_results_paired_se(const hfs_results *r, size_t a, size_t b, int what,
                             double wtp)
{
  size_t S = r->n_strategies;
  const hfs_accum2 *p = &r->paired[a < b ? a * S + b : b * S + a];
  if (a == b || p->n < 2)
    return a == b ? 0.0 : HFS_NAN;
  /* (each moment divided first: the bits of cea.csv's incremental errors;
   * hfs_accum2_nmb_se divides last, so the two differ in the last digit
   * and are not merged while outputs must stay byte-identical) */
  double n = (double)p->n, vx = p->m2_x / (n - 1), vy = p->m2_y / (n - 1),
         cxy = p->c_xy / (n - 1);
  double v = what == 0   ? vx
             : what == 1 ? vy
                         : wtp * wtp * vy + vx - 2.0 * wtp * cxy;
  return sqrt(fmax(v, 0.0) / n);
}
