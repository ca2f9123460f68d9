/*
 * accum.h - streaming mean and variance that merge in a fixed order.
 *
 * Memory does not grow with the number of patients: each outcome keeps
 * (n, mean, M2). hfs_accum_add updates them one value at a time with
 * Welford's method; the engine's hot loop instead sums each block of
 * patients as shifted sums (engine.c) and turns each block's sums into an
 * hfs_accum at the end of the block. Accumulators of patient blocks are
 * merged with Chan et al.'s pairwise formula (Chan, Golub & LeVeque 1979).
 * The engine always merges blocks in block order (hfs_results_merge), so
 * the floating-point result does not depend on which thread ran which
 * block.
 */
#ifndef HFSIM_ACCUM_H
#define HFSIM_ACCUM_H

#include <stdint.h>

typedef struct hfs_accum {
  uint64_t n;
  double mean;
  double m2; /* sum of squared deviations from the mean */
} hfs_accum;

void hfs_accum_reset(hfs_accum *a);
void hfs_accum_add(hfs_accum *a, double x);
/* A += B (Chan et al.); B is unchanged. */
void hfs_accum_merge(hfs_accum *a, const hfs_accum *b);
/* Sample variance (n - 1 denominator). NaN when n < 2: one value says
 * nothing about the spread, and 0 would read as "no error" (a NaN is
 * written as an empty cell, "not available"). The same for the sd, the
 * standard error and the covariance below. */
double hfs_accum_variance(const hfs_accum *a);
double hfs_accum_sd(const hfs_accum *a);
/* Monte Carlo standard error of the mean: sd / sqrt(n); NaN when n < 2. */
double hfs_accum_se(const hfs_accum *a);

/* Streaming covariance of a pair (x, y), mergeable in the same way; used for
 * paired (common-random-number) differences between strategies. */
typedef struct hfs_accum2 {
  uint64_t n;
  double mean_x, mean_y;
  double m2_x, m2_y, c_xy; /* co-moment sum (x - mx)(y - my) */
} hfs_accum2;

void hfs_accum2_reset(hfs_accum2 *a);
void hfs_accum2_add(hfs_accum2 *a, double x, double y);
void hfs_accum2_merge(hfs_accum2 *a, const hfs_accum2 *b);
/* Sample covariance (n - 1 denominator); NaN when n < 2. */
double hfs_accum2_covariance(const hfs_accum2 *a);
/* Monte Carlo standard error of the mean of WTP * y - x over the pairs of A
 * (x = cost, y = QALYs): the net monetary benefit of one strategy (A = its
 * own costs and QALYs) or its increment over another (A = the paired
 * differences). The one formula for every NMB error in the program. NaN
 * when A holds fewer than two pairs. */
double hfs_accum2_nmb_se(const hfs_accum2 *a, double wtp);

#endif
