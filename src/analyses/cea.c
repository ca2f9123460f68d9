/*
 * cea.c - incremental cost-effectiveness analysis (see cea.h).
 *
 * Method: dampack calculate_icers() (DARTH-git/dampack, R/icers.R): sort by
 * cost, remove strictly dominated strategies, then remove extendedly
 * dominated ones until the sequential ICERs increase. Textbook background:
 * Drummond et al., Methods for the Economic Evaluation of Health Care
 * Programmes, 4th ed., 2015, ch. 4 (dominance and extended dominance).
 */
#include "hfsim/cea.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* Collinear frontier points must not be split by rounding of the inputs: two
 * ICERs within this relative distance count as equal. Economically, ICERs
 * agreeing to nine significant digits are the same number. */
#define ICER_REL_TOL 1e-9

/* NMB ties: wtp*qaly - cost is exact to a few ulps of its terms. */
#define NMB_REL_TOL 1e-12

const char *hfs_cea_status_name(hfs_cea_status s)
{
  switch (s) {
  case HFS_CEA_FRONTIER:
    return "frontier";
  case HFS_CEA_DOMINATED:
    return "dominated";
  case HFS_CEA_EXT_DOMINATED:
    return "extendedly_dominated";
  }
  return "unknown";
}

double hfs_cea_nmb(double cost, double qaly, double wtp)
{
  return wtp * qaly - cost;
}

double hfs_cea_nhb(double cost, double qaly, double wtp)
{
  if (!(wtp > 0))
    return (double)NAN;
  return qaly - cost / wtp;
}

/* Cost ascending, QALYs descending, input index ascending: a total order, so
 * qsort's instability cannot show. */
static int row_cmp(const void *pa, const void *pb)
{
  const hfs_cea_row *a = pa, *b = pb;
  if (a->cost < b->cost)
    return -1;
  if (a->cost > b->cost)
    return 1;
  if (a->qaly > b->qaly)
    return -1;
  if (a->qaly < b->qaly)
    return 1;
  return (a->strategy > b->strategy) - (a->strategy < b->strategy);
}

/* Whether B (between A and P on a cost-sorted frontier candidate list) has a
 * larger ICER than P's against B, i.e. lies strictly above the segment A-P
 * in the (QALY, cost) plane. All increments are > 0 here, so comparing the
 * cross products avoids dividing. */
static int icer_exceeds_next(const hfs_cea_row *a, const hfs_cea_row *b,
                             const hfs_cea_row *p)
{
  double lhs = (b->cost - a->cost) * (p->qaly - b->qaly); /* ICER(a,b) side */
  double rhs = (p->cost - b->cost) * (b->qaly - a->qaly); /* ICER(b,p) side */
  return lhs - rhs > ICER_REL_TOL * fmax(fabs(lhs), fabs(rhs));
}

static void set_increments(hfs_cea_row *row, const hfs_cea_row *cmp)
{
  row->comparator = (long)cmp->strategy;
  row->inc_cost = row->cost - cmp->cost;
  row->inc_qaly = row->qaly - cmp->qaly;
}

hfs_status hfs_cea_analyse(const double *cost, const double *qaly, size_t n,
                           hfs_cea_row *rows_out)
{
  if (n == 0 || cost == NULL || qaly == NULL || rows_out == NULL)
    return HFS_ERR_INPUT;
  if (n > (size_t)LONG_MAX || n > SIZE_MAX / sizeof(size_t))
    return HFS_ERR_INPUT;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(cost[i]) || !isfinite(qaly[i]))
      return HFS_ERR_INPUT;

  /* nd[] lists row positions of not-strictly-dominated rows in cost order;
   * its prefix nd[0..top) is later reused as the frontier stack. */
  size_t *nd = malloc(n * sizeof *nd);
  if (nd == NULL)
    return HFS_ERR_NOMEM;

  for (size_t i = 0; i < n; i++) {
    hfs_cea_row *r = &rows_out[i];
    r->strategy = i;
    r->cost = cost[i];
    r->qaly = qaly[i];
    r->status = HFS_CEA_FRONTIER;
    r->comparator = -1;
    r->inc_cost = r->inc_qaly = r->icer = (double)NAN;
  }
  qsort(rows_out, n, sizeof *rows_out, row_cmp);

  /* Strict dominance. Every earlier row costs no more, and an earlier row of
   * equal cost has no fewer QALYs (sort order), so row i is dominated exactly
   * when some earlier row has QALYs >= its own; that includes an identical
   * earlier row (lower index). The surviving rows have strictly increasing
   * QALYs, hence the least costly dominator is the first survivor with
   * QALYs >= qaly_i, and it is itself a survivor (anything dominating it
   * would come earlier and also dominate row i). */
  size_t n_nd = 0;
  for (size_t i = 0; i < n; i++) {
    hfs_cea_row *r = &rows_out[i];
    if (n_nd > 0 && rows_out[nd[n_nd - 1]].qaly >= r->qaly) {
      size_t lo = 0, hi = n_nd - 1; /* binary search: first with q >= q_i */
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rows_out[nd[mid]].qaly >= r->qaly)
          hi = mid;
        else
          lo = mid + 1;
      }
      r->status = HFS_CEA_DOMINATED;
      set_increments(r, &rows_out[nd[lo]]);
    } else {
      nd[n_nd++] = i;
    }
  }

  /* Extended dominance. Survivors have strictly increasing cost and QALYs
   * (equal cost with more QALYs would have dominated). dampack repeats a
   * pass that drops every strategy whose ICER exceeds the next one's until
   * nothing changes; the fixed point is the lower convex hull of the points,
   * which Andrew's monotone chain finds in one pass: a strategy is popped as
   * soon as a later one shows its ICER is too high. Popping is final because
   * a point above a chord of the hull stays above it. */
  size_t top = 0;
  for (size_t j = 0; j < n_nd; j++) {
    size_t p = nd[j];
    while (top >= 2 &&
           icer_exceeds_next(&rows_out[nd[top - 2]], &rows_out[nd[top - 1]],
                             &rows_out[p])) {
      rows_out[nd[top - 1]].status = HFS_CEA_EXT_DOMINATED;
      top--;
    }
    nd[top++] = p; /* top <= j + 1, so this never overwrites unread entries */
  }

  /* Frontier ICERs, and each extendedly dominated row's comparator (the
   * frontier row just below it in cost). Rows are visited in cost order, so
   * `last` is always the latest frontier row. */
  size_t last = 0; /* row 0 is the cheapest and always on the frontier */
  for (size_t i = 1; i < n; i++) {
    hfs_cea_row *r = &rows_out[i];
    if (r->status == HFS_CEA_FRONTIER) {
      set_increments(r, &rows_out[last]);
      r->icer = r->inc_cost / r->inc_qaly;
      last = i;
    } else if (r->status == HFS_CEA_EXT_DOMINATED) {
      set_increments(r, &rows_out[last]);
    }
  }
  free(nd);
  return HFS_OK;
}

size_t hfs_cea_optimal(const double *cost, const double *qaly, size_t n,
                       double wtp)
{
  size_t best = (size_t)-1;
  if (cost == NULL || qaly == NULL)
    return best;
  double best_nmb = 0, best_scale = 0;
  for (size_t i = 0; i < n; i++) {
    double nmb = hfs_cea_nmb(cost[i], qaly[i], wtp);
    if (!isfinite(nmb))
      continue;
    double scale = fabs(wtp * qaly[i]) + fabs(cost[i]);
    if (best == (size_t)-1) {
      best = i;
      best_nmb = nmb;
      best_scale = scale;
      continue;
    }
    double tol = NMB_REL_TOL * fmax(scale, best_scale);
    /* Scanning in index order, a tie is won only by a strictly lower cost. */
    if (nmb > best_nmb + tol ||
        (fabs(nmb - best_nmb) <= tol && cost[i] < cost[best])) {
      best = i;
      best_nmb = nmb;
      best_scale = scale;
    }
  }
  return best;
}
