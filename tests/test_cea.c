/*
 * test_cea.c - incremental cost-effectiveness analysis (cea.h).
 *
 * Every expected table is worked out by hand in the comment above its test.
 * Points are written (cost, QALYs); "ICER a->b" is (c_b - c_a) / (q_b - q_a).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "hfsim/cea.h"

/* math.h may define NAN and INFINITY as float (clang warns on promotion). */
#define DNAN ((double)NAN)
#define DINF ((double)INFINITY)

/* cmocka 1.1.5 has no assert_double_equal (assert_float_equal casts to
 * float). DNAN is "close" only to DNAN. */
#define assert_close(actual, expected, tol)                                 \
  do {                                                                      \
    double a_ = (actual), e_ = (expected), t_ = (tol);                      \
    if (isnan(e_) ? !isnan(a_) : !(fabs(a_ - e_) <= t_))                    \
      fail_msg("%s = %.17g, expected %.17g (tol %g)", #actual, a_, e_, t_); \
  } while (0)

/* One expected row: input index, status, comparator, inc_cost, inc_qaly,
 * icer (DNAN for "not defined"). */
typedef struct expected_row {
  size_t strategy;
  hfs_cea_status status;
  long comparator;
  double inc_cost, inc_qaly, icer;
} expected_row;

static void check_table(const double *cost, const double *qaly, size_t n,
                        const expected_row *want)
{
  hfs_cea_row rows[16];
  assert_true(n <= 16);
  assert_int_equal(hfs_cea_analyse(cost, qaly, n, rows), HFS_OK);
  for (size_t i = 0; i < n; i++) {
    const hfs_cea_row *r = &rows[i];
    if (r->strategy != want[i].strategy || r->status != want[i].status ||
        r->comparator != want[i].comparator)
      fail_msg("row %zu: strategy %zu %s cmp %ld, expected %zu %s cmp %ld", i,
               r->strategy, hfs_cea_status_name(r->status), r->comparator,
               want[i].strategy, hfs_cea_status_name(want[i].status),
               want[i].comparator);
    assert_close(r->cost, cost[r->strategy], 0);
    assert_close(r->qaly, qaly[r->strategy], 0);
    assert_close(r->inc_cost, want[i].inc_cost, 1e-9);
    assert_close(r->inc_qaly, want[i].inc_qaly, 1e-12);
    assert_close(r->icer, want[i].icer, 1e-9 * fmax(1, fabs(want[i].icer)));
  }
}

/*
 * Three extended dominances in a row, each revealed only after the previous
 * one is removed (dampack needs three passes). Inputs in scrambled order:
 *
 *   idx  name  cost  qaly
 *    0    E    360    4
 *    1    C    210    2
 *    2    A      0    0
 *    3    D    330    3
 *    4    B    100    1
 *
 * ICERs A->B 100, B->C 110, C->D 120, D->E 30: D is ED (120 > 30).
 * Then C->E = 150/2 = 75 < 110: C is ED. Then B->E = 260/3 = 86.7 < 100:
 * B is ED. Frontier A, E with ICER A->E = 360/4 = 90.
 *
 *   row  idx  status    cmp  inc_cost  inc_qaly  icer
 *    0    2   frontier   -1     -         -       -
 *    1    4   ext_dom     2    100        1       -
 *    2    1   ext_dom     2    210        2       -
 *    3    3   ext_dom     2    330        3       -
 *    4    0   frontier    2    360        4      90
 */
static void analyse_removes_chain_of_extended_dominance(void **state)
{
  (void)state;
  const double cost[] = {360, 210, 0, 330, 100};
  const double qaly[] = {4, 2, 0, 3, 1};
  const expected_row want[] = {
      {2, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN},
      {4, HFS_CEA_EXT_DOMINATED, 2, 100, 1, DNAN},
      {1, HFS_CEA_EXT_DOMINATED, 2, 210, 2, DNAN},
      {3, HFS_CEA_EXT_DOMINATED, 2, 330, 3, DNAN},
      {0, HFS_CEA_FRONTIER, 2, 360, 4, 90},
  };
  check_table(cost, qaly, 5, want);
}

/*
 * A textbook mix of all three statuses.
 *
 *   idx  cost   qaly
 *    0      0   10.0
 *    1   5000   10.5   ICER 0->1 = 10000
 *    2  12000   10.6   ICER 1->2 = 70000
 *    3  15000   11.0   ICER 2->3 = 7500 < 70000: 2 is ED;
 *                      1->3 = 10000/0.5 = 20000 > 10000: 1 stays
 *    4  16000   10.9   dominated by 3 (cheaper, more QALYs)
 *
 *   row  idx  status    cmp  inc_cost  inc_qaly  icer
 *    0    0   frontier   -1     -         -         -
 *    1    1   frontier    0   5000       0.5     10000
 *    2    2   ext_dom     1   7000       0.1       -
 *    3    3   frontier    1  10000       0.5     20000
 *    4    4   dominated   3   1000      -0.1       -
 */
static void analyse_classifies_textbook_example(void **state)
{
  (void)state;
  const double cost[] = {0, 5000, 12000, 15000, 16000};
  const double qaly[] = {10.0, 10.5, 10.6, 11.0, 10.9};
  const expected_row want[] = {
      {0, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN},
      {1, HFS_CEA_FRONTIER, 0, 5000, 0.5, 10000},
      {2, HFS_CEA_EXT_DOMINATED, 1, 7000, 0.1, DNAN},
      {3, HFS_CEA_FRONTIER, 1, 10000, 0.5, 20000},
      {4, HFS_CEA_DOMINATED, 3, 1000, -0.1, DNAN},
  };
  check_table(cost, qaly, 5, want);
}

/*
 * Ties in cost: at equal cost the one with more QALYs dominates.
 *
 *   idx  cost  qaly
 *    0   100    5
 *    1   100    6
 *    2    50    4
 *
 * Sorted: 2 (50,4), 1 (100,6), 0 (100,5). 0 is dominated by 1 (same cost,
 * fewer QALYs); the least costly strategy with >= 5 QALYs is 1.
 *
 *   row  idx  status     cmp  inc_cost  inc_qaly  icer
 *    0    2   frontier    -1     -         -        -
 *    1    1   frontier     2    50         2       25
 *    2    0   dominated    1     0        -1        -
 */
static void analyse_breaks_cost_ties_by_qalys(void **state)
{
  (void)state;
  const double cost[] = {100, 100, 50};
  const double qaly[] = {5, 6, 4};
  const expected_row want[] = {
      {2, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN},
      {1, HFS_CEA_FRONTIER, 2, 50, 2, 25},
      {0, HFS_CEA_DOMINATED, 1, 0, -1, DNAN},
  };
  check_table(cost, qaly, 3, want);
}

/*
 * Ties in QALYs: at equal QALYs the cheaper one dominates, and the named
 * dominator is the least costly strategy with at least as many QALYs, found
 * even when it is not the latest survivor (strategy 3).
 *
 *   idx  cost  qaly
 *    0   200    5
 *    1   100    5
 *    2   300    7
 *    3   400    5
 *    4    50    1
 *
 * Sorted: 4 (50,1), 1 (100,5), 0 (200,5), 2 (300,7), 3 (400,5).
 * ICER 4->1 = 50/4 = 12.5, 1->2 = 200/2 = 100: increasing, no ED.
 *
 *   row  idx  status     cmp  inc_cost  inc_qaly  icer
 *    0    4   frontier    -1     -         -        -
 *    1    1   frontier     4    50         4      12.5
 *    2    0   dominated    1   100         0        -
 *    3    2   frontier     1   200         2      100
 *    4    3   dominated    1   300         0        -
 */
static void analyse_breaks_qaly_ties_by_cost(void **state)
{
  (void)state;
  const double cost[] = {200, 100, 300, 400, 50};
  const double qaly[] = {5, 5, 7, 5, 1};
  const expected_row want[] = {
      {4, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN},
      {1, HFS_CEA_FRONTIER, 4, 50, 4, 12.5},
      {0, HFS_CEA_DOMINATED, 1, 100, 0, DNAN},
      {2, HFS_CEA_FRONTIER, 1, 200, 2, 100},
      {3, HFS_CEA_DOMINATED, 1, 300, 0, DNAN},
  };
  check_table(cost, qaly, 5, want);
}

/*
 * Exactly identical strategies: the lower input index is kept, later copies
 * are dominated by it with zero increments.
 *
 *   idx  cost  qaly
 *    0     0    1
 *    1   100    5
 *    2   100    5    (copy of 1)
 *    3   100    5    (copy of 1)
 *
 *   row  idx  status     cmp  inc_cost  inc_qaly  icer
 *    0    0   frontier    -1     -         -        -
 *    1    1   frontier     0   100         4       25
 *    2    2   dominated    1     0         0        -
 *    3    3   dominated    1     0         0        -
 */
static void analyse_keeps_first_of_identical_strategies(void **state)
{
  (void)state;
  const double cost[] = {0, 100, 100, 100};
  const double qaly[] = {1, 5, 5, 5};
  const expected_row want[] = {
      {0, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN},
      {1, HFS_CEA_FRONTIER, 0, 100, 4, 25},
      {2, HFS_CEA_DOMINATED, 1, 0, 0, DNAN},
      {3, HFS_CEA_DOMINATED, 1, 0, 0, DNAN},
  };
  check_table(cost, qaly, 4, want);
}

/*
 * Identical strategies that are also the cheapest, input in reverse order of
 * index: the row order still puts index 0 first.
 *
 *   idx  cost  qaly
 *    0    10    2
 *    1    10    2
 *
 *   row  idx  status     cmp  inc_cost  inc_qaly  icer
 *    0    0   frontier    -1     -         -        -
 *    1    1   dominated    0     0         0        -
 */
static void analyse_orders_identical_cheapest_by_index(void **state)
{
  (void)state;
  const double cost[] = {10, 10};
  const double qaly[] = {2, 2};
  const expected_row want[] = {
      {0, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN},
      {1, HFS_CEA_DOMINATED, 0, 0, 0, DNAN},
  };
  check_table(cost, qaly, 2, want);
}

/*
 * A cost-saving dominant strategy (less costly and more effective than the
 * status quo) is the whole frontier; it also wins a tie on QALYs against a
 * costlier strategy (dampack issue #37 crashed on that).
 *
 *   idx  cost  qaly
 *    0  1000   5.0   status quo
 *    1   500   6.0   new, cost-saving and better
 *    2  1500   5.5
 *    3   800   6.0   same QALYs as 1, costlier
 *
 * Sorted: 1 (500,6), 3 (800,6), 0 (1000,5), 2 (1500,5.5). Every other
 * strategy has <= 6 QALYs at >= 500, so all are dominated by 1.
 *
 *   row  idx  status     cmp  inc_cost  inc_qaly  icer
 *    0    1   frontier    -1     -         -        -
 *    1    3   dominated    1   300         0        -
 *    2    0   dominated    1   500        -1        -
 *    3    2   dominated    1  1000      -0.5       -
 */
static void analyse_handles_cost_saving_dominant_strategy(void **state)
{
  (void)state;
  const double cost[] = {1000, 500, 1500, 800};
  const double qaly[] = {5.0, 6.0, 5.5, 6.0};
  const expected_row want[] = {
      {1, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN},
      {3, HFS_CEA_DOMINATED, 1, 300, 0, DNAN},
      {0, HFS_CEA_DOMINATED, 1, 500, -1, DNAN},
      {2, HFS_CEA_DOMINATED, 1, 1000, -0.5, DNAN},
  };
  check_table(cost, qaly, 4, want);
}

/*
 * A dominated strategy whose only dominator is extendedly dominated: the
 * comparator is that (ED) dominator, the least costly strategy dominating
 * it.
 *
 *   idx  cost  qaly
 *    0     0   0
 *    1    10   1      ICER 0->1 = 10, 1->2 = 1/2 = 0.5: 1 is ED
 *    2    11   3
 *    3   10.5  0.5    dominated by 1 only (0 has fewer QALYs, 2 costs more)
 *
 *   row  idx  status     cmp  inc_cost  inc_qaly  icer
 *    0    0   frontier    -1     -         -        -
 *    1    1   ext_dom      0    10         1        -
 *    2    3   dominated    1    0.5      -0.5       -
 *    3    2   frontier     0    11         3      11/3
 */
static void analyse_names_least_costly_dominator(void **state)
{
  (void)state;
  const double cost[] = {0, 10, 11, 10.5};
  const double qaly[] = {0, 1, 3, 0.5};
  const expected_row want[] = {
      {0, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN},
      {1, HFS_CEA_EXT_DOMINATED, 0, 10, 1, DNAN},
      {3, HFS_CEA_DOMINATED, 1, 0.5, -0.5, DNAN},
      {2, HFS_CEA_FRONTIER, 0, 11, 3, 11.0 / 3.0},
  };
  check_table(cost, qaly, 4, want);
}

/*
 * Collinear strategies: equal ICERs are not extended dominance, even when
 * rounding of the inputs makes the middle ICER look larger. With
 * q = 0.1, 0.1 + 0.1, 0.1 + 0.2 (= 0.30000000000000004 in binary) and costs
 * 0, 10000, 20000, exact cross products give 1000.0000000000003 > 1000.
 *
 *   row  idx  status    cmp  inc_cost  inc_qaly  icer
 *    0    0   frontier   -1     -         -        -
 *    1    1   frontier    0   10000      0.1    100000
 *    2    2   frontier    1   10000      0.1    100000
 */
static void analyse_keeps_collinear_strategies_on_frontier(void **state)
{
  (void)state;
  const double cost[] = {0, 10000, 20000};
  const double qaly[] = {0.1, 0.2, 0.30000000000000004};
  const expected_row want[] = {
      {0, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN},
      {1, HFS_CEA_FRONTIER, 0, 10000, 0.1, 100000},
      {2, HFS_CEA_FRONTIER, 1, 10000, 0.1, 100000},
  };
  check_table(cost, qaly, 3, want);
}

/* One strategy: frontier, no comparator, nothing incremental. */
static void analyse_accepts_single_strategy(void **state)
{
  (void)state;
  const double cost[] = {1234.5};
  const double qaly[] = {7.25};
  const expected_row want[] = {{0, HFS_CEA_FRONTIER, -1, DNAN, DNAN, DNAN}};
  check_table(cost, qaly, 1, want);
}

static void analyse_rejects_empty_null_and_nonfinite_input(void **state)
{
  (void)state;
  hfs_cea_row rows[2];
  const double cost[] = {1, 2};
  const double qaly[] = {1, 2};
  const double bad[] = {1, DNAN};
  const double inf[] = {DINF, 2};
  assert_int_equal(hfs_cea_analyse(cost, qaly, 0, rows), HFS_ERR_INPUT);
  assert_int_equal(hfs_cea_analyse(NULL, qaly, 2, rows), HFS_ERR_INPUT);
  assert_int_equal(hfs_cea_analyse(cost, NULL, 2, rows), HFS_ERR_INPUT);
  assert_int_equal(hfs_cea_analyse(cost, qaly, 2, NULL), HFS_ERR_INPUT);
  assert_int_equal(hfs_cea_analyse(cost, bad, 2, rows), HFS_ERR_INPUT);
  assert_int_equal(hfs_cea_analyse(inf, qaly, 2, rows), HFS_ERR_INPUT);
}

static void status_names_are_stable(void **state)
{
  (void)state;
  assert_string_equal(hfs_cea_status_name(HFS_CEA_FRONTIER), "frontier");
  assert_string_equal(hfs_cea_status_name(HFS_CEA_DOMINATED), "dominated");
  assert_string_equal(hfs_cea_status_name(HFS_CEA_EXT_DOMINATED),
                      "extendedly_dominated");
  assert_string_equal(hfs_cea_status_name((hfs_cea_status)42), "unknown");
}

/* NMB = wtp*q - c; NHB = q - c/wtp. (cost 1500, q 0.75, wtp 20000):
 * NMB = 15000 - 1500 = 13500; NHB = 0.75 - 0.075 = 0.675. */
static void net_benefits_follow_definitions(void **state)
{
  (void)state;
  assert_close(hfs_cea_nmb(1500, 0.75, 20000), 13500, 1e-9);
  assert_close(hfs_cea_nhb(1500, 0.75, 20000), 0.675, 1e-12);
  assert_close(hfs_cea_nmb(1500, 0.75, 0), -1500, 0);
  assert_true(isnan(hfs_cea_nhb(1500, 0.75, 0)));
  assert_true(isnan(hfs_cea_nhb(1500, 0.75, -1)));
}

/*
 * Optimal strategy on the textbook example (frontier 0, 1, 3 with ICERs
 * 10000 and 20000):
 *   wtp     0: NMB = 0, -5000, ...            -> 0
 *   wtp  9999: NMB_0 = 99990, NMB_1 = 99989.5 -> 0
 *   wtp 10000: NMB_0 = NMB_1 = 100000 (tie)   -> 0 (lower cost)
 *   wtp 15000: NMB_1 = 152500, NMB_3 = 150000 -> 1
 *   wtp 20000: NMB_1 = NMB_3 = 205000 (tie)   -> 1 (lower cost)
 *   wtp 20001: NMB_3 = 205011 > NMB_1 = 205010.5 -> 3
 *   wtp 1e6:                                  -> 3
 */
static void optimal_follows_frontier_and_breaks_ties_to_lower_cost(void **state)
{
  (void)state;
  const double cost[] = {0, 5000, 12000, 15000, 16000};
  const double qaly[] = {10.0, 10.5, 10.6, 11.0, 10.9};
  assert_int_equal(hfs_cea_optimal(cost, qaly, 5, 0), 0);
  assert_int_equal(hfs_cea_optimal(cost, qaly, 5, 9999), 0);
  assert_int_equal(hfs_cea_optimal(cost, qaly, 5, 10000), 0);
  assert_int_equal(hfs_cea_optimal(cost, qaly, 5, 15000), 1);
  assert_int_equal(hfs_cea_optimal(cost, qaly, 5, 20000), 1);
  assert_int_equal(hfs_cea_optimal(cost, qaly, 5, 20001), 3);
  assert_int_equal(hfs_cea_optimal(cost, qaly, 5, 1e6), 3);
}

/*
 * Ties decided by rounding: A (0, 0), B (0.3, 0.1) at wtp 3. Exactly, NMB_B =
 * 3*0.1 - 0.3 = 0, a tie -> A (lower cost). In binary 3*0.1 =
 * 0.30000000000000004, so a naive comparison would pick B.
 * Identical strategies tie on cost too -> lower index; a cheaper later
 * strategy wins a tie over an earlier costlier one.
 */
static void optimal_is_robust_to_rounding_and_identical_strategies(void **state)
{
  (void)state;
  const double cost[] = {0, 0.3};
  const double qaly[] = {0, 0.1};
  assert_true(hfs_cea_nmb(0.3, 0.1, 3) > 0); /* the trap is real */
  assert_int_equal(hfs_cea_optimal(cost, qaly, 2, 3), 0);
  const double c2[] = {5, 5, 5};
  const double q2[] = {1, 2, 2};
  assert_int_equal(hfs_cea_optimal(c2, q2, 3, 100), 1);
  /* A tie where the cheaper strategy has the higher index: (5000, 10.5)
   * and (0, 10) at wtp 10000 both give NMB 100000 -> index 1. */
  const double c3[] = {5000, 0};
  const double q3[] = {10.5, 10};
  assert_int_equal(hfs_cea_optimal(c3, q3, 2, 10000), 1);
}

static void optimal_rejects_empty_and_skips_nonfinite(void **state)
{
  (void)state;
  const double cost[] = {DNAN, 10, 20};
  const double qaly[] = {100, 1, 2};
  assert_int_equal(hfs_cea_optimal(cost, qaly, 0, 100), (size_t)-1);
  assert_int_equal(hfs_cea_optimal(NULL, qaly, 3, 100), (size_t)-1);
  assert_int_equal(hfs_cea_optimal(cost, qaly, 3, 100), 2);
  assert_int_equal(hfs_cea_optimal(cost, qaly, 1, 100), (size_t)-1);
}

/*
 * Property check on random strategy sets (fixed seed): for every threshold
 * between frontier ICERs, the optimal strategy is the last frontier strategy
 * whose ICER is <= wtp (the first frontier strategy when none is). This ties
 * the frontier to the NMB definition with no hand-worked table.
 */
static void optimal_agrees_with_frontier_on_random_sets(void **state)
{
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  assert_non_null(r);
  gsl_rng_set(r, 1);
  for (int rep = 0; rep < 500; rep++) {
    double cost[12], qaly[12];
    hfs_cea_row rows[12];
    size_t n = 1 + gsl_rng_uniform_int(r, 12);
    for (size_t i = 0; i < n; i++) {
      cost[i] = 1000.0 * gsl_rng_uniform(r);
      qaly[i] = 10.0 * gsl_rng_uniform(r);
    }
    assert_int_equal(hfs_cea_analyse(cost, qaly, n, rows), HFS_OK);
    /* Frontier invariants: increasing ICERs, first is cheapest. */
    double prev_icer = 0;
    for (size_t i = 0; i < n; i++) {
      if (rows[i].status != HFS_CEA_FRONTIER || rows[i].comparator < 0)
        continue;
      assert_true(rows[i].icer > 0);
      assert_true(rows[i].icer >= prev_icer * (1 - 1e-9));
      prev_icer = rows[i].icer;
    }
    for (int w = 0; w < 30; w++) {
      double wtp = 1000.0 * gsl_rng_uniform(r) * (w % 3 == 0 ? 10 : 1);
      size_t want = rows[0].strategy;
      for (size_t i = 1; i < n; i++)
        if (rows[i].status == HFS_CEA_FRONTIER && rows[i].icer <= wtp)
          want = rows[i].strategy;
      size_t got = hfs_cea_optimal(cost, qaly, n, wtp);
      if (got != want)
        fail_msg("rep %d wtp %g: optimal %zu, frontier says %zu", rep, wtp, got,
                 want);
    }
  }
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(analyse_removes_chain_of_extended_dominance),
      cmocka_unit_test(analyse_classifies_textbook_example),
      cmocka_unit_test(analyse_breaks_cost_ties_by_qalys),
      cmocka_unit_test(analyse_breaks_qaly_ties_by_cost),
      cmocka_unit_test(analyse_keeps_first_of_identical_strategies),
      cmocka_unit_test(analyse_orders_identical_cheapest_by_index),
      cmocka_unit_test(analyse_handles_cost_saving_dominant_strategy),
      cmocka_unit_test(analyse_names_least_costly_dominator),
      cmocka_unit_test(analyse_keeps_collinear_strategies_on_frontier),
      cmocka_unit_test(analyse_accepts_single_strategy),
      cmocka_unit_test(analyse_rejects_empty_null_and_nonfinite_input),
      cmocka_unit_test(status_names_are_stable),
      cmocka_unit_test(net_benefits_follow_definitions),
      cmocka_unit_test(optimal_follows_frontier_and_breaks_ties_to_lower_cost),
      cmocka_unit_test(optimal_is_robust_to_rounding_and_identical_strategies),
      cmocka_unit_test(optimal_rejects_empty_and_skips_nonfinite),
      cmocka_unit_test(optimal_agrees_with_frontier_on_random_sets),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
