/*
 * voi.c - CEAC, EVPI and regression-based EVPPI from a PSA sample (voi.h).
 *
 * CEAC/CEAF and EVPI follow dampack (R/ceac.R, R/evpi.R). EVPPI is the
 * single-loop regression method of Strong, Oakley & Brennan, "Estimating
 * multiparameter partial expected value of perfect information from a
 * probabilistic sensitivity analysis sample: a nonparametric regression
 * approach", Med Decis Making 2014;34(3):311-26, as in dampack's evppi and
 * BCEA's evppi; the GAM of those R packages is replaced by a fixed-df
 * least squares basis that needs nothing but GSL: each parameter's own
 * restricted cubic spline (its smooth) plus, in a group, the products of
 * pairs of parameters (their interactions). The basis of a group contains
 * the basis of each of its subsets (nested designs), like the GAMs those
 * packages fit (BCEA/voi: the additive s(x1) + s(x2) or the tensor product
 * te(x1, x2)); ours sits between the two: additive smooths plus the
 * linear-by-linear part of the tensor product. The quadratic polynomial
 * hfsim used for groups before did not contain the single-parameter
 * spline, so a group could fit worse than one of its members and report a
 * smaller EVPPI.
 */
#include "hfsim/voi.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_vector.h>

/* Singular values below this fraction of the largest are treated as zero:
 * exactly collinear basis columns then contribute nothing instead of an
 * arbitrary noise direction. Well-posed designs here (standardised columns,
 * at most cubic terms) have condition numbers far below 1e10. */
#define SVD_REL_TOL 1e-10

static double nmb_at(const double *cost, const double *qaly, size_t i,
                     double wtp)
{
  return wtp * qaly[i] - cost[i];
}

static int psa_valid(const double *cost, const double *qaly, size_t K, size_t S,
                     double wtp)
{
  if (cost == NULL || qaly == NULL || K == 0 || S == 0)
    return 0;
  if (!isfinite(wtp) || wtp < 0)
    return 0;
  if (K > SIZE_MAX / S)
    return 0;
  for (size_t i = 0; i < K * S; i++)
    if (!isfinite(cost[i]) || !isfinite(qaly[i]))
      return 0;
  return 1;
}

/* The strategy with the highest mean NMB, ties to the lower index. Done
 * column by column so no scratch memory is needed. */
static size_t best_mean_nmb(const double *cost, const double *qaly, size_t K,
                            size_t S, double wtp)
{
  size_t best = 0;
  double best_mean = 0;
  for (size_t s = 0; s < S; s++) {
    double sum = 0;
    for (size_t k = 0; k < K; k++)
      sum += nmb_at(cost, qaly, k * S + s, wtp);
    double mean = sum / (double)K;
    if (s == 0 || mean > best_mean) {
      best = s;
      best_mean = mean;
    }
  }
  return best;
}

hfs_status hfs_ceac(const double *cost, const double *qaly, size_t K, size_t S,
                    double wtp, double *prob_ce, size_t *frontier)
{
  if (prob_ce == NULL || !psa_valid(cost, qaly, K, S, wtp))
    return HFS_ERR_INPUT;
  for (size_t s = 0; s < S; s++)
    prob_ce[s] = 0;
  /* prob_ce holds counts until the final division (exact up to 2^53). */
  for (size_t k = 0; k < K; k++) {
    size_t best = 0;
    double best_nmb = nmb_at(cost, qaly, k * S, wtp);
    for (size_t s = 1; s < S; s++) {
      double v = nmb_at(cost, qaly, k * S + s, wtp);
      if (v > best_nmb) {
        best = s;
        best_nmb = v;
      }
    }
    prob_ce[best] += 1;
  }
  for (size_t s = 0; s < S; s++)
    prob_ce[s] /= (double)K;
  if (frontier != NULL)
    *frontier = best_mean_nmb(cost, qaly, K, S, wtp);
  return HFS_OK;
}

double hfs_evpi(const double *cost, const double *qaly, size_t K, size_t S,
                double wtp)
{
  if (!psa_valid(cost, qaly, K, S, wtp))
    return (double)NAN;
  /* mean(max) - max(mean) = mean(max - NMB of the best-on-average strategy):
   * the same number, but as a mean of non-negative losses it cannot come
   * out negative through cancellation. */
  size_t star = best_mean_nmb(cost, qaly, K, S, wtp);
  double loss = 0;
  for (size_t k = 0; k < K; k++) {
    double mx = nmb_at(cost, qaly, k * S, wtp);
    for (size_t s = 1; s < S; s++)
      mx = fmax(mx, nmb_at(cost, qaly, k * S + s, wtp));
    loss += mx - nmb_at(cost, qaly, k * S + star, wtp);
  }
  return loss / (double)K;
}

/*--- EVPPI metamodel ---*/

/* Harrell's default knot quantiles for 3, 4 and 5 knots (RMS 2nd ed.,
 * table 2.3): placed so each knot has data on both sides. */
static const double knots3[] = {0.10, 0.50, 0.90};
static const double knots4[] = {0.05, 0.35, 0.65, 0.95};
static const double knots5[] = {0.05, 0.275, 0.50, 0.725, 0.95};

static size_t spline_knots_for(size_t K)
{
  if (K >= 100)
    return 5;
  if (K >= 30)
    return 4;
  if (K >= 10)
    return 3;
  return 0; /* straight line */
}

size_t hfs_evppi_n_terms(size_t P, size_t K)
{
  if (P == 0 || P > 1000000)
    return 0; /* P(P-1)/2 products would not be a sensible design anyway */
  size_t k = spline_knots_for(K);
  size_t per_param = k >= 3 ? k - 1 : 1; /* linear + (knots - 2) cubic */
  return 1 + P * per_param + P * (P - 1) / 2;
}

static double cube_pos(double v)
{
  return v > 0 ? v * v * v : 0;
}

/* Restricted cubic spline term j (0-based, j < k-2) at x for knots t[0..k):
 * cubic between knots, linear outside [t0, t_{k-1}]; scaled by the squared
 * knot span so terms are O(1) like the standardised x. */
static double rcs_term(double x, const double *t, size_t k, size_t j)
{
  double tk = t[k - 1], tk1 = t[k - 2], span = tk - t[0];
  double v = cube_pos(x - t[j]) - cube_pos(x - tk1) * (tk - t[j]) / (tk - tk1) +
             cube_pos(x - tk) * (tk1 - t[j]) / (tk - tk1);
  return v / (span * span);
}

/* Standardise column j of X (K x P) into z[0..K): (x - mean) / sd, or all
 * zeros when the column is constant (it carries no information). */
static void standardise(const double *X, size_t K, size_t P, size_t j,
                        double *z)
{
  double mean = gsl_stats_mean(X + j, P, K);
  double sd = K > 1 ? gsl_stats_sd_m(X + j, P, K, mean) : 0;
  for (size_t k = 0; k < K; k++)
    z[k] = sd > 0 ? (X[k * P + j] - mean) / sd : 0;
}

/* Parameter j's own basis, its "smooth": the columns (standardised x,
 * restricted cubic spline terms) written into D (K rows, row stride
 * stride) from column c0 on. z[0..K) receives the standardised parameter,
 * sorted[0..K) is scratch. Returns the number of columns written: 0 for a
 * constant parameter, 1 (a straight line) for small K or fewer than 3
 * distinct knots, else the number of knots - 1. The knots depend only on
 * the parameter's own values and K, so the columns are the same whichever
 * group the parameter is in: this is what makes the designs nested. */
static size_t param_basis(const double *X, size_t K, size_t P, size_t j,
                          double *D, size_t stride, size_t c0, double *z,
                          double *sorted)
{
  standardise(X, K, P, j, z);
  memcpy(sorted, z, K * sizeof *z);
  gsl_sort(sorted, 1, K);
  size_t distinct = 1;
  for (size_t k = 1; k < K; k++)
    distinct += sorted[k] != sorted[k - 1];
  if (distinct == 1)
    return 0;

  size_t nk = spline_knots_for(K);
  if (nk > distinct)
    nk = distinct;
  const double *q = nk == 5 ? knots5 : nk == 4 ? knots4 : knots3;
  double t[5];
  size_t nt = 0;
  if (nk >= 3) {
    for (size_t i = 0; i < nk; i++) {
      double v = gsl_stats_quantile_from_sorted_data(sorted, 1, K, q[i]);
      if (nt == 0 || v > t[nt - 1]) /* merge coincident knots */
        t[nt++] = v;
    }
  }
  size_t n = nt >= 3 ? nt - 1 : 1;
  for (size_t k = 0; k < K; k++) {
    double *row = D + k * stride + c0;
    row[0] = z[k];
    for (size_t i = 0; i + 1 < n; i++)
      row[1 + i] = rcs_term(z[k], t, nt, i);
  }
  return n;
}

/* Fill the design of a group of P parameters into D (K x pmax, row-major
 * with row stride pmax) and return the number of columns used (1 when
 * every parameter is constant: intercept only):
 *   intercept,
 *   each non-constant parameter's own basis (param_basis), in order,
 *   the product z_i z_j of the standardised values of every pair i < j of
 *   non-constant parameters.
 * For P == 1 this is the restricted cubic spline alone. z is scratch of
 * K*P (standardised parameters, column j at z + j*K), sorted of K. */
static size_t design_group(const double *X, size_t K, size_t P, double *D,
                           size_t pmax, double *z, double *sorted,
                           unsigned char *varies)
{
  for (size_t k = 0; k < K; k++)
    D[k * pmax] = 1;
  size_t c = 1;
  for (size_t j = 0; j < P; j++) {
    size_t n = param_basis(X, K, P, j, D, pmax, c, z + j * K, sorted);
    varies[j] = n > 0;
    c += n;
  }
  for (size_t i = 0; i < P; i++)
    for (size_t j = i + 1; j < P; j++) {
      if (!varies[i] || !varies[j])
        continue;
      const double *zi = z + i * K, *zj = z + j * K;
      for (size_t k = 0; k < K; k++)
        D[k * pmax + c] = zi[k] * zj[k];
      c++;
    }
  return c;
}

hfs_status hfs_evppi(const double *cost, const double *qaly, size_t K, size_t S,
                     double wtp, const double *X, size_t P, double *evppi_out)
{
  if (evppi_out == NULL)
    return HFS_ERR_INPUT;
  *evppi_out = (double)NAN;
  if (!psa_valid(cost, qaly, K, S, wtp) || X == NULL || P == 0)
    return HFS_ERR_INPUT;
  if (K > SIZE_MAX / P)
    return HFS_ERR_INPUT;
  for (size_t i = 0; i < K * P; i++)
    if (!isfinite(X[i]))
      return HFS_ERR_INPUT;
  size_t pmax = hfs_evppi_n_terms(P, K);
  if (pmax == 0 || K <= pmax)
    return HFS_ERR_INPUT;
  if (S == 1) {
    *evppi_out = 0; /* one option: nothing to decide, nothing to learn */
    return HFS_OK;
  }
  size_t n_inb = S - 1;
  if (K > SIZE_MAX / sizeof(double) / pmax ||
      K > SIZE_MAX / sizeof(double) / n_inb ||
      K > SIZE_MAX / sizeof(double) / (P + 1))
    return HFS_ERR_NOMEM;

  hfs_status st = HFS_OK;
  gsl_multifit_linear_workspace *w = NULL;
  double *D = malloc(K * pmax * sizeof *D);
  double *g = malloc(K * n_inb * sizeof *g); /* fitted INB, K x (S-1) */
  double *scratch = malloc(K * (P + 1) * sizeof *scratch);
  double *y = malloc(K * sizeof *y);
  double *coef = malloc(pmax * (pmax + 1) * sizeof *coef); /* c and cov */
  double *m = malloc(S * sizeof *m);
  unsigned char *varies = malloc(P);
  if (!D || !g || !scratch || !y || !coef || !m || !varies) {
    st = HFS_ERR_NOMEM;
    goto done;
  }

  size_t p = design_group(X, K, P, D, pmax, scratch, scratch + K * P, varies);
  if (p == 1) {
    *evppi_out = 0; /* constant parameters: knowing them tells nothing */
    goto done;
  }

  /* D was filled with row stride pmax; view the first p columns. */
  gsl_matrix_view Dv = gsl_matrix_view_array_with_tda(D, K, p, pmax);
  gsl_vector_view yv = gsl_vector_view_array(y, K);
  gsl_vector_view cv = gsl_vector_view_array(coef, p);
  gsl_matrix_view covv = gsl_matrix_view_array(coef + p, p, p);
  w = gsl_multifit_linear_alloc(K, p);
  if (w == NULL) {
    st = HFS_ERR_NOMEM;
    goto done;
  }
  for (size_t s = 1; s < S; s++) {
    for (size_t k = 0; k < K; k++)
      y[k] =
          nmb_at(cost, qaly, k * S + s, wtp) - nmb_at(cost, qaly, k * S, wtp);
    size_t rank;
    double chisq;
    if (gsl_multifit_linear_tsvd(&Dv.matrix, &yv.vector, SVD_REL_TOL,
                                 &cv.vector, &covv.matrix, &chisq, &rank,
                                 w) != 0) {
      st = HFS_ERR_INPUT; /* SVD failed: only on pathological input */
      goto done;
    }
    /* g[:, s-1] = D c, written through a strided view. */
    gsl_vector_view gv =
        gsl_vector_view_array_with_stride(g + (s - 1), n_inb, K);
    gsl_blas_dgemv(CblasNoTrans, 1.0, &Dv.matrix, &cv.vector, 0.0, &gv.vector);
  }

  /* EVPPI = mean_k max_s g - max_s mean_k g with g_0 = 0, again as a mean of
   * non-negative losses against the best-on-average strategy. */
  m[0] = 0;
  for (size_t s = 1; s < S; s++) {
    double sum = 0;
    for (size_t k = 0; k < K; k++)
      sum += g[k * n_inb + (s - 1)];
    m[s] = sum / (double)K;
  }
  size_t star = 0;
  for (size_t s = 1; s < S; s++)
    if (m[s] > m[star])
      star = s;
  double loss = 0;
  for (size_t k = 0; k < K; k++) {
    const double *gk = g + k * n_inb;
    double mx = 0, at_star = star == 0 ? 0 : gk[star - 1];
    for (size_t s = 0; s < n_inb; s++)
      mx = fmax(mx, gk[s]);
    loss += mx - at_star;
  }
  double evppi = loss / (double)K;

  /* A flexible fit can pick up noise and exceed EVPI, which is impossible
   * for the true EVPPI: clamp to [0, EVPI]. */
  double evpi = hfs_evpi(cost, qaly, K, S, wtp);
  if (evppi > evpi)
    evppi = evpi;
  if (!(evppi > 0))
    evppi = 0;
  *evppi_out = evppi;

done:
  if (w != NULL)
    gsl_multifit_linear_free(w);
  free(D);
  free(g);
  free(scratch);
  free(y);
  free(coef);
  free(m);
  free(varies);
  return st;
}
