/*
 * dist.c - fit, check and sample PSA parameter distributions (see dist.h).
 *
 * Method-of-moments conversions follow Briggs, Claxton & Sculpher (2006),
 * ch. 4. Sampling uses GSL's samplers; truncated normal and triangular are
 * drawn by inverting the CDF so a draw always costs one uniform and never
 * loops (rejection sampling of a far-tail truncnormal could spin for ages).
 */
#include "hfsim/dist.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

/* Same spelling as the CSV (params.c); kept local so this module does not
 * depend on the parameter reader. */
static const char *const family_names[HFS_DIST_COUNT_] = {
    "fixed",         "beta",      "beta_mean_sd",      "gamma",
    "gamma_mean_sd", "lognormal", "lognormal_mean_sd", "normal",
    "truncnormal",   "uniform",   "triangular",        "dirichlet"};

static const char *family(hfs_dist d)
{
  return (d >= 0 && d < HFS_DIST_COUNT_) ? family_names[d] : "?";
}

static hfs_status fail(char *why, size_t why_len, const char *fmt, ...)
    HFS_PRINTF(3, 4);

static hfs_status fail(char *why, size_t why_len, const char *fmt, ...)
{
  if (why != NULL && why_len > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
  }
  return HFS_ERR_INPUT;
}

hfs_status hfs_dist_fit(hfs_dist d, double a, double b, double low, double high,
                        double value, hfs_dist_fitted *out, char *why,
                        size_t why_len)
{
  if (why != NULL && why_len > 0)
    why[0] = '\0';
  if (out == NULL)
    return fail(why, why_len, "no output for the fitted distribution");
  if (!(d >= 0 && d < HFS_DIST_COUNT_))
    return fail(why, why_len, "unknown distribution code %d", (int)d);

  const char *name = family(d);
  /* Which of dist_a / dist_b the family uses: the rest must be empty, so a
   * stray number in the table is reported instead of silently ignored. */
  int uses_a = d != HFS_DIST_FIXED;
  int uses_b = uses_a && d != HFS_DIST_DIRICHLET;
  if (uses_a && !isfinite(a))
    return fail(why, why_len, "%s needs a finite dist_a, got %g", name, a);
  if (uses_b && !isfinite(b))
    return fail(why, why_len, "%s needs a finite dist_b, got %g", name, b);
  if (!uses_a && !isnan(a))
    return fail(why, why_len,
                "%s takes no parameters (dist_a must be empty, "
                "got %g)",
                name, a);
  if (!uses_b && !isnan(b))
    return fail(why, why_len, "%s takes no dist_b (must be empty, got %g)",
                name, b);

  out->dist = d;
  out->given = d;
  switch (d) {
  case HFS_DIST_FIXED:
    if (!isfinite(value))
      return fail(why, why_len, "fixed needs a finite value, got %g", value);
    out->p.fixed.value = value;
    break;

  case HFS_DIST_BETA:
    if (!(a > 0 && b > 0))
      return fail(why, why_len,
                  "beta needs alpha > 0 and beta > 0 (got %g "
                  "and %g)",
                  a, b);
    out->p.beta.alpha = a;
    out->p.beta.beta = b;
    break;

  case HFS_DIST_BETA_MEAN_SD: {
    if (!(a > 0 && a < 1))
      return fail(why, why_len, "beta_mean_sd needs 0 < mean < 1 (got %g)", a);
    if (!(b > 0))
      return fail(why, why_len, "beta_mean_sd needs sd > 0 (got %g)", b);
    double var = b * b, vmax = a * (1 - a);
    if (!(var < vmax))
      return fail(why, why_len,
                  "beta_mean_sd needs sd below "
                  "sqrt(mean*(1-mean)) = %.4g, got sd %g",
                  sqrt(vmax), b);
    /* Beta variance is mean(1-mean)/(alpha+beta+1), so alpha + beta = k. */
    double k = vmax / var - 1;
    out->dist = HFS_DIST_BETA;
    out->p.beta.alpha = a * k;
    out->p.beta.beta = (1 - a) * k;
    break;
  }

  case HFS_DIST_GAMMA:
    if (!(a > 0 && b > 0))
      return fail(why, why_len,
                  "gamma needs shape > 0 and scale > 0 (got %g "
                  "and %g)",
                  a, b);
    out->p.gamma.shape = a;
    out->p.gamma.scale = b;
    break;

  case HFS_DIST_GAMMA_MEAN_SD:
    if (!(a > 0 && b > 0))
      return fail(why, why_len,
                  "gamma_mean_sd needs mean > 0 and sd > 0 "
                  "(got %g and %g)",
                  a, b);
    out->dist = HFS_DIST_GAMMA;
    out->p.gamma.shape = (a / b) * (a / b); /* mean^2/sd^2, no overflow */
    out->p.gamma.scale = (b / a) * b;       /* sd^2/mean */
    break;

  case HFS_DIST_LOGNORMAL:
    if (!(b > 0))
      return fail(why, why_len, "lognormal needs sdlog > 0 (got %g)", b);
    out->p.lognormal.meanlog = a;
    out->p.lognormal.sdlog = b;
    break;

  case HFS_DIST_LOGNORMAL_MEAN_SD: {
    if (!(a > 0 && b > 0))
      return fail(why, why_len,
                  "lognormal_mean_sd needs mean > 0 and sd > 0 "
                  "(got %g and %g)",
                  a, b);
    /* log1p keeps precision when sd << mean (the usual case). */
    double cv = b / a, s2 = log1p(cv * cv);
    out->dist = HFS_DIST_LOGNORMAL;
    out->p.lognormal.meanlog = log(a) - 0.5 * s2;
    out->p.lognormal.sdlog = sqrt(s2);
    break;
  }

  case HFS_DIST_NORMAL:
    if (!(b > 0))
      return fail(why, why_len, "normal needs sd > 0 (got %g)", b);
    out->p.normal.mean = a;
    out->p.normal.sd = b;
    break;

  case HFS_DIST_TRUNCNORMAL:
    if (!(b > 0))
      return fail(why, why_len, "truncnormal needs sd > 0 (got %g)", b);
    if (isnan(low) || isnan(high))
      return fail(why, why_len,
                  "truncnormal needs both low and high (the "
                  "truncation bounds)");
    if (!(low < high))
      return fail(why, why_len, "truncnormal needs low < high (got %g and %g)",
                  low, high);
    out->p.truncnormal.mean = a;
    out->p.truncnormal.sd = b;
    out->p.truncnormal.low = low;
    out->p.truncnormal.high = high;
    break;

  case HFS_DIST_UNIFORM:
    if (!(a < b))
      return fail(why, why_len, "uniform needs min < max (got %g and %g)", a,
                  b);
    out->p.uniform.min = a;
    out->p.uniform.max = b;
    break;

  case HFS_DIST_TRIANGULAR:
    if (!(a < b))
      return fail(why, why_len, "triangular needs min < max (got %g and %g)", a,
                  b);
    if (!(a <= value && value <= b))
      return fail(why, why_len,
                  "triangular needs min <= value (mode) <= max "
                  "(got %g, %g, %g)",
                  a, value, b);
    out->p.triangular.min = a;
    out->p.triangular.max = b;
    out->p.triangular.mode = value;
    break;

  case HFS_DIST_DIRICHLET:
    if (!(a > 0))
      return fail(why, why_len, "dirichlet needs alpha > 0 (got %g)", a);
    out->p.dirichlet.alpha = a;
    break;

  case HFS_DIST_COUNT_:
    return fail(why, why_len, "unknown distribution code %d", (int)d);
  }
  return HFS_OK;
}

/* Truncated normal by inversion. For an interval above the mean the lower
 * CDF values are all close to 1 and lose their digits, so invert the upper
 * tail Q there instead; below or around the mean P is accurate. */
static double sample_truncnormal(double mu, double sd, double lo, double hi,
                                 gsl_rng *r)
{
  double za = (lo - mu) / sd, zb = (hi - mu) / sd;
  /* (0, 1), so an infinite bound never maps to Pinv(0) = -inf. */
  double u = gsl_rng_uniform_pos(r);
  double z;
  if (za > 0) {
    double qa = gsl_cdf_ugaussian_Q(za), qb = gsl_cdf_ugaussian_Q(zb);
    if (!(qa > qb))
      return lo; /* mass underflows: all of it sits at the bound near mu */
    z = gsl_cdf_ugaussian_Qinv(qa - u * (qa - qb));
  } else {
    double pa = gsl_cdf_ugaussian_P(za), pb = gsl_cdf_ugaussian_P(zb);
    if (!(pb > pa))
      return hi;
    z = gsl_cdf_ugaussian_Pinv(pa + u * (pb - pa));
  }
  double x = mu + sd * z;
  /* Rounding in P/Pinv can step just outside; the contract is [lo, hi].
   * A non-finite x (a tail probability rounding to 0 next to an infinite
   * bound) goes to the finite bound on its side, or to mu. */
  if (!isfinite(x)) {
    x = z > 0 ? hi : lo;
    if (!isfinite(x))
      x = mu;
  }
  if (x < lo)
    x = lo;
  if (x > hi)
    x = hi;
  return x;
}

double hfs_dist_sample(const hfs_dist_fitted *f, gsl_rng *r)
{
  switch (f->dist) {
  case HFS_DIST_FIXED:
    return f->p.fixed.value;
  case HFS_DIST_BETA:
    return gsl_ran_beta(r, f->p.beta.alpha, f->p.beta.beta);
  case HFS_DIST_GAMMA:
    return gsl_ran_gamma(r, f->p.gamma.shape, f->p.gamma.scale);
  case HFS_DIST_LOGNORMAL:
    return gsl_ran_lognormal(r, f->p.lognormal.meanlog, f->p.lognormal.sdlog);
  case HFS_DIST_NORMAL:
    return f->p.normal.mean + gsl_ran_gaussian(r, f->p.normal.sd);
  case HFS_DIST_TRUNCNORMAL:
    return sample_truncnormal(f->p.truncnormal.mean, f->p.truncnormal.sd,
                              f->p.truncnormal.low, f->p.truncnormal.high, r);
  case HFS_DIST_UNIFORM:
    return gsl_ran_flat(r, f->p.uniform.min, f->p.uniform.max);
  case HFS_DIST_TRIANGULAR: {
    double a = f->p.triangular.min, b = f->p.triangular.max;
    double c = f->p.triangular.mode;
    double u = gsl_rng_uniform(r), fc = (c - a) / (b - a);
    if (u < fc)
      return a + sqrt(u * (b - a) * (c - a));
    return b - sqrt((1 - u) * (b - a) * (b - c));
  }
  case HFS_DIST_BETA_MEAN_SD:
  case HFS_DIST_GAMMA_MEAN_SD:
  case HFS_DIST_LOGNORMAL_MEAN_SD:
  case HFS_DIST_DIRICHLET:
  case HFS_DIST_COUNT_:
    break;
  }
  return (double)NAN;
}

void hfs_dist_sample_dirichlet(const double *alpha, size_t k, gsl_rng *r,
                               double *out)
{
  if (k == 0)
    return;
  gsl_ran_dirichlet(r, k, alpha, out);
}

/* Truncated normal moments: with a = (lo-mu)/sd, b = (hi-mu)/sd and
 * Z = Phi(b) - Phi(a), mean = mu + sd (phi(a) - phi(b)) / Z and
 * var = sd^2 [1 + (a phi(a) - b phi(b)) / Z - ((phi(a) - phi(b)) / Z)^2].
 * Z is taken from the accurate tail, as in sampling; infinite bounds give
 * phi = 0 and a*phi(a) = 0. */
static void truncnormal_moments(const hfs_dist_fitted *f, double *mean,
                                double *sd)
{
  double mu = f->p.truncnormal.mean, s = f->p.truncnormal.sd;
  double a = (f->p.truncnormal.low - mu) / s;
  double b = (f->p.truncnormal.high - mu) / s;
  double z = a > 0 ? gsl_cdf_ugaussian_Q(a) - gsl_cdf_ugaussian_Q(b)
                   : gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a);
  double pa = isinf(a) ? 0 : gsl_ran_ugaussian_pdf(a);
  double pb = isinf(b) ? 0 : gsl_ran_ugaussian_pdf(b);
  double apa = isinf(a) ? 0 : a * pa, bpb = isinf(b) ? 0 : b * pb;
  if (!(z > 0)) {
    *mean = a > 0 ? f->p.truncnormal.low : f->p.truncnormal.high;
    *sd = 0;
    return;
  }
  double d = (pa - pb) / z;
  double v = 1 + (apa - bpb) / z - d * d;
  *mean = mu + s * d;
  *sd = s * sqrt(v > 0 ? v : 0);
}

double hfs_dist_mean(const hfs_dist_fitted *f)
{
  switch (f->dist) {
  case HFS_DIST_FIXED:
    return f->p.fixed.value;
  case HFS_DIST_BETA:
    return f->p.beta.alpha / (f->p.beta.alpha + f->p.beta.beta);
  case HFS_DIST_GAMMA:
    return f->p.gamma.shape * f->p.gamma.scale;
  case HFS_DIST_LOGNORMAL: {
    double s = f->p.lognormal.sdlog;
    return exp(f->p.lognormal.meanlog + 0.5 * s * s);
  }
  case HFS_DIST_NORMAL:
    return f->p.normal.mean;
  case HFS_DIST_TRUNCNORMAL: {
    double m, s;
    truncnormal_moments(f, &m, &s);
    return m;
  }
  case HFS_DIST_UNIFORM:
    return 0.5 * (f->p.uniform.min + f->p.uniform.max);
  case HFS_DIST_TRIANGULAR:
    return (f->p.triangular.min + f->p.triangular.max + f->p.triangular.mode) /
           3;
  case HFS_DIST_BETA_MEAN_SD:
  case HFS_DIST_GAMMA_MEAN_SD:
  case HFS_DIST_LOGNORMAL_MEAN_SD:
  case HFS_DIST_DIRICHLET:
  case HFS_DIST_COUNT_:
    break;
  }
  return (double)NAN;
}

double hfs_dist_sd(const hfs_dist_fitted *f)
{
  switch (f->dist) {
  case HFS_DIST_FIXED:
    return 0;
  case HFS_DIST_BETA: {
    double a = f->p.beta.alpha, b = f->p.beta.beta, n = a + b;
    return sqrt(a * b / (n * n * (n + 1)));
  }
  case HFS_DIST_GAMMA:
    return sqrt(f->p.gamma.shape) * f->p.gamma.scale;
  case HFS_DIST_LOGNORMAL: {
    double m = f->p.lognormal.meanlog, s2 = f->p.lognormal.sdlog;
    s2 *= s2;
    return sqrt(expm1(s2)) * exp(m + 0.5 * s2);
  }
  case HFS_DIST_NORMAL:
    return f->p.normal.sd;
  case HFS_DIST_TRUNCNORMAL: {
    double m, s;
    truncnormal_moments(f, &m, &s);
    return s;
  }
  case HFS_DIST_UNIFORM:
    return (f->p.uniform.max - f->p.uniform.min) / sqrt(12.0);
  case HFS_DIST_TRIANGULAR: {
    double a = f->p.triangular.min, b = f->p.triangular.max;
    double c = f->p.triangular.mode;
    return sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18);
  }
  case HFS_DIST_BETA_MEAN_SD:
  case HFS_DIST_GAMMA_MEAN_SD:
  case HFS_DIST_LOGNORMAL_MEAN_SD:
  case HFS_DIST_DIRICHLET:
  case HFS_DIST_COUNT_:
    break;
  }
  return (double)NAN;
}
