/*
 * results.c - merging the engine's results, and what they say about net
 * benefit: the Monte Carlo errors of a strategy's net monetary benefit and
 * of the paired differences between strategies (see engine.h).
 */
#include <math.h>
#include <stdio.h>

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

hfs_status hfs_results_merge(hfs_results *into, const hfs_results *part)
{
  if (into->n_strategies != part->n_strategies ||
      into->n_outcomes != part->n_outcomes ||
      into->n_states != part->n_states || into->n_years != part->n_years ||
      into->n_subgroup_levels != part->n_subgroup_levels)
    return HFS_ERR_INPUT;
  const size_t S = into->n_strategies, K = into->n_outcomes;
  for (size_t k = 0; k < S * K; k++)
    hfs_accum_merge(&into->outcomes[k], &part->outcomes[k]);
  for (size_t k = 0; k < S * into->n_years * into->n_states; k++)
    into->trace[k] += part->trace[k];
  for (size_t k = 0; k < S * S; k++)
    hfs_accum2_merge(&into->paired[k], &part->paired[k]);
  for (size_t k = 0; k < into->n_subgroup_levels * S * K; k++)
    hfs_accum_merge(&into->subgroups[k], &part->subgroups[k]);
  into->simulated_years += part->simulated_years;
  into->patients += part->patients;
  return HFS_OK;
}

int hfs_rows_to_file(void *user, const char *rows, size_t len)
{
  return fwrite(rows, 1, len, (FILE *)user) == len ? 0 : -1;
}
