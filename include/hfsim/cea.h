/*
 * cea.h - incremental cost-effectiveness analysis of a set of strategies.
 *
 * Given each strategy's (mean) cost and QALYs, classify every strategy as on
 * the cost-effectiveness frontier, strictly dominated or extendedly
 * dominated, and report sequential ICERs along the frontier. This is the
 * algorithm of dampack's calculate_icers() (DARTH-git/dampack, R/icers.R),
 * made total: every tie has a stated rule, so the table never depends on the
 * input order except through the documented index tie-break.
 *
 * Also: net monetary / net health benefit and the strategy that is optimal
 * at a willingness-to-pay threshold.
 *
 * All functions are pure (no global state, no printing) and thread-safe.
 * Costs and QALYs may be in any units; ICERs are in cost per QALY and
 * thresholds (wtp) in the same cost unit per QALY.
 */
#ifndef HFSIM_CEA_H
#define HFSIM_CEA_H

#include <stddef.h>

#include "hfsim/diag.h"

typedef enum hfs_cea_status {
  HFS_CEA_FRONTIER,     /* on the efficiency frontier ("ND" in dampack) */
  HFS_CEA_DOMINATED,    /* strictly dominated ("D") */
  HFS_CEA_EXT_DOMINATED /* extendedly (weakly) dominated ("ED") */
} hfs_cea_status;

/*
 * One row of the incremental analysis.
 *
 * comparator, inc_cost, inc_qaly and icer depend on the status:
 *
 *   FRONTIER       comparator = the previous (next less costly) frontier
 *                  strategy, or -1 for the least costly strategy, which is
 *                  always on the frontier. inc_* = this minus comparator
 *                  (both > 0), icer = inc_cost / inc_qaly (> 0). For the
 *                  first frontier strategy inc_cost, inc_qaly, icer are NAN.
 *   EXT_DOMINATED  comparator = the next less costly frontier strategy, i.e.
 *                  the one it would be compared with; inc_* relative to it
 *                  (both > 0); icer = NAN (as dampack: an ICER is reported
 *                  only between adjacent frontier strategies).
 *   DOMINATED      comparator = the least costly strategy that dominates it
 *                  (that strategy is never itself strictly dominated, but it
 *                  may be extendedly dominated); inc_* relative to it
 *                  (inc_cost >= 0, inc_qaly <= 0); icer = NAN.
 */
typedef struct hfs_cea_row {
  size_t strategy; /* index into the input arrays */
  double cost, qaly;
  hfs_cea_status status;
  long comparator; /* input index of the comparator, -1 for none; see above */
  double inc_cost, inc_qaly, icer; /* NAN where not defined */
} hfs_cea_row;

/*
 * Incremental analysis of N strategies with COST[i] and QALY[i].
 *
 * ROWS_OUT[0..n) receives one row per strategy, ordered by cost ascending,
 * ties by QALYs descending, then by input index ascending.
 *
 * Rules (comparisons are exact on the given numbers):
 *  - Strictly dominated: another strategy costs no more and gives no fewer
 *    QALYs, at least one of the two strictly. Exactly identical strategies
 *    (same cost and same QALYs): the one with the lower input index is kept
 *    and the later ones are DOMINATED by it (or by a cheaper dominator).
 *  - Extendedly dominated: among the remaining strategies (which then have
 *    strictly increasing cost and QALYs), one whose ICER against the previous
 *    strategy is larger than the ICER of the next strategy against it; the
 *    check is repeated until no such strategy remains. The result is the
 *    lower convex hull of the (QALY, cost) points, which a single monotone
 *    stack pass computes exactly as dampack's repeated passes do.
 *  - Equal ICERs (collinear strategies, within a relative 1e-9 so that
 *    rounding of the inputs cannot decide) are NOT extended dominance: the
 *    middle strategy stays on the frontier (dampack uses a strict '>').
 *
 * Returns HFS_OK; HFS_ERR_INPUT when n == 0, a pointer is NULL or a cost or
 * QALY is not finite (ROWS_OUT is then unspecified); HFS_ERR_NOMEM when
 * scratch memory cannot be allocated.
 */
hfs_status hfs_cea_analyse(const double *cost, const double *qaly, size_t n,
                           hfs_cea_row *rows_out);

/* "frontier", "dominated", "extendedly_dominated" ("unknown" otherwise). */
const char *hfs_cea_status_name(hfs_cea_status s);

/* Net monetary benefit at threshold WTP: wtp * qaly - cost. */
double hfs_cea_nmb(double cost, double qaly, double wtp);

/* Net health benefit in QALYs: qaly - cost / wtp; NAN unless wtp > 0. */
double hfs_cea_nhb(double cost, double qaly, double wtp);

/*
 * The strategy with the largest NMB at WTP. Ties go to the lower cost, then
 * to the lower input index. Two NMBs count as tied when they differ by less
 * than 1e-12 times the magnitude of the terms (|wtp*qaly| + |cost|), so a
 * threshold exactly equal to an ICER selects the cheaper strategy whatever
 * the rounding of wtp*qaly. Returns (size_t)-1 when n == 0, a pointer is
 * NULL, or no strategy has a finite NMB; strategies with a non-finite NMB are
 * never selected.
 */
size_t hfs_cea_optimal(const double *cost, const double *qaly, size_t n,
                       double wtp);

#endif
