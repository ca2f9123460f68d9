/*
 * fig_calibrate.c - the figures of a calibration folder (hfsim calibrate):
 *
 *   calibration_fit   each target's published value and 95% interval
 *                     against the model's value at the best fit (with its
 *                     Monte Carlo error) and, after SIR, the posterior 95%
 *                     interval of the model's value;
 *   posterior_pairs   the posterior sample of the fitted parameters as a
 *                     scatterplot matrix, marginal histograms on the
 *                     diagonal, the search bounds as axis limits and the
 *                     posterior correlation of each pair.
 *
 * Like every figure, they read the folder's CSV files only
 * (calibration_targets.csv, calibrated_parameters.csv, and when SIR ran,
 * posterior.csv, posterior_correlations.csv and calibration.csv), so
 * `hfsim report DIR` redraws them on a copied folder. Nothing is invented:
 * the posterior interval is drawn only when posterior.csv exists, and its
 * values are the model's values at the evaluations posterior.csv copies,
 * looked up in calibration.csv.
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/mathx.h"
#include "fig_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Quantile Q (type 7: linear between order statistics) of the N sorted
 * values X. */
static double quantile_sorted(const double *x, size_t n, double q)
{
  double h = (double)(n - 1) * q;
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= n)
    return x[n - 1];
  return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Row of calibration.csv for each row of posterior.csv (its `evaluation`
 * column), or NULL with an error naming posterior.csv's line. */
static size_t *posterior_rows(fig_folder *f, hfs_diag *d)
{
  fig_table *c = &f->calibration, *p = &f->posterior;
  size_t *rows = malloc((p->n_rows ? p->n_rows : 1) * sizeof *rows);
  size_t *by_eval = calloc(c->n_rows + 1, sizeof *by_eval);
  if (rows == NULL || by_eval == NULL) {
    free(rows);
    free(by_eval);
    return NULL;
  }
  /* calibration.csv numbers its evaluations 1, 2, ... in file order, but
   * nothing here relies on it: evaluation E -> its row + 1 */
  int ce = fig_col(c, "evaluation");
  for (size_t r = 0; r < c->n_rows; r++) {
    double e = fig_num(c, r, ce, 0, d);
    if (e >= 1 && e <= (double)c->n_rows && e == floor(e))
      by_eval[(size_t)e] = r + 1;
  }
  int pe = fig_col(p, "evaluation");
  for (size_t r = 0; r < p->n_rows; r++) {
    double e = fig_num(p, r, pe, 0, d);
    size_t row = (e >= 1 && e <= (double)c->n_rows && e == floor(e))
                     ? by_eval[(size_t)e]
                     : 0;
    if (row == 0) {
      if (!isnan(e))
        hfs_diag_error(d, p->path, p->lines[r],
                       "column 'evaluation': %s is not an evaluation of "
                       "calibration.csv",
                       fig_cell(p, r, pe));
      free(rows);
      free(by_eval);
      return NULL;
    }
    rows[r] = row - 1;
  }
  free(by_eval);
  return rows;
}

/* ---- the fit at each target ----------------------------------------------- */

/* Layout. Targets come in different units (shares, sessions per year,
 * cycles), so each has its own panel on its own scale, in its own units:
 * the forest-plot-like target plots of calibration papers (Menzies et al.
 * 2017, Alarid-Escudero et al. 2018; the CISNET model profiles), where a
 * reader checks the model's value against the target's interval and reads
 * both as published. A common normalised scale (model / target) would
 * distort asymmetric intervals and make a 0.01 miss on a 5% share look like
 * a 20% miss. Rows within a panel: the target and its interval (shaded
 * across the panel), the best fit with 1.96 Monte Carlo standard errors,
 * and the posterior interval of the model's value when SIR ran. */
hfs_status fig_calibration_fit(fig_folder *f, fig_figure **figs, size_t *n,
                               hfs_diag *d)
{
  fig_table *t = &f->calibration_targets;
  if (t->n_rows == 0)
    return HFS_OK;
  const size_t T = t->n_rows;
  int cm = fig_col(t, "metric"), cs = fig_col(t, "strategy"),
      co = fig_col(t, "outcome"), cv = fig_col(t, "published_value"),
      cl = fig_col(t, "published_low"), ch = fig_col(t, "published_high"),
      cmv = fig_col(t, "model_value"), cme = fig_col(t, "model_mcse"),
      cz = fig_col(t, "z"), cin = fig_col(t, "within_interval");

  /* the posterior interval needs posterior.csv and calibration.csv */
  size_t *prow = NULL;
  int have_post = f->posterior.n_rows > 0 && f->calibration.n_rows > 0;
  if (have_post) {
    prow = posterior_rows(f, d);
    if (prow == NULL)
      return hfs_diag_count(d) ? HFS_ERR_INPUT : HFS_ERR_NOMEM;
  }
  double *vals = have_post ? malloc(f->posterior.n_rows * sizeof *vals) : NULL;
  if (have_post && vals == NULL) {
    free(prow);
    return HFS_ERR_NOMEM;
  }

  fig_figure *g = fig_new_figure(figs, n, "calibration_fit",
                                 "Calibration: the model against each target");
  if (g == NULL) {
    free(prow);
    free(vals);
    return HFS_ERR_NOMEM;
  }
  fig_buf *D = &g->data;
  fig_buf_printf(D, "# from calibration_targets.csv%s: one block per target, "
                    "in its file order\n"
                    "# row y=3: the published value and its 95%% interval\n"
                    "# row y=2: the model at the best fit, +- 1.96 Monte "
                    "Carlo standard errors\n",
                 have_post ? ", posterior.csv and calibration.csv" : "");
  if (have_post)
    fig_buf_printf(D, "# row y=1: the posterior mean of the model's value "
                      "(posterior.csv's draws) and its 2.5-97.5%% "
                      "quantiles\n");
  fig_buf_printf(D, "# y\tvalue\tlow\thigh\tmetric\n");

  /* sizes in SVG pixels: a title band, then one panel per target */
  const int rows_per = have_post ? 3 : 2;
  const int panel_px = 58 + 26 * rows_per, title_px = 34;
  const int height = title_px + panel_px * (int)T;
  fig_script_begin(g, "calibration_targets.csv", 820, height);
  fig_buf *b = &g->script;
  fig_buf_printf(b, "  set multiplot title 'Calibration: the model against "
                    "each target (%s)'\n"
                    "  unset key\n"
                    "  set grid xtics noytics\n"
                    "  set lmargin 27\n  set rmargin 17\n"
                    "  set tmargin 1.8\n  set bmargin 2\n"
                    "  set offsets graph 0.06, graph 0.06, 0, 0\n"
                    "  set yrange [%.1f:3.5]\n"
                    "  set ytics ('Target, 95%%%% interval' 3, 'Best fit ± "
                    "1.96 MCSE' 2%s) scale 0\n",
                 have_post ? "best fit and posterior" : "best fit", 
                 have_post ? 0.5 : 1.5,
                 have_post ? ", 'Posterior 95%% interval' 1" : "");
  const double panel_h = (double)panel_px / (double)height;
  size_t n_out = 0;
  for (size_t k = 0; k < T; k++) {
    const char *metric = fig_cell(t, k, cm);
    double v = fig_num(t, k, cv, 0, d), lo = fig_num(t, k, cl, 0, d),
           hi = fig_num(t, k, ch, 0, d), m = fig_num(t, k, cmv, 0, d),
           e = fig_num(t, k, cme, 1, d), z = fig_num(t, k, cz, 0, d);
    if (isnan(e))
      e = 0.0; /* not available (fewer than 2 patients): no bar */
    int inside = strcmp(fig_cell(t, k, cin), "yes") == 0;
    n_out += !inside;
    fig_buf_printf(D, "%s# block %zu: ", k ? "\n\n" : "", k);
    fig_dat_str(D, metric);
    fig_buf_printf(D, "\n3\t%.17g\t%.17g\t%.17g\t", v, lo, hi);
    fig_dat_str(D, metric);
    fig_buf_printf(D, "\n2\t%.17g\t%.17g\t%.17g\t", m, m - HFS_Z95 * e,
                   m + HFS_Z95 * e);
    fig_dat_str(D, metric);
    fig_buf_printf(D, "\n");
    if (have_post) {
      /* the model's value at each posterior draw's evaluation */
      char col[320];
      snprintf(col, sizeof col, "model_%s", metric);
      int cc = fig_col(&f->calibration, col);
      if (cc < 0) {
        hfs_diag_error(d, f->calibration.path, 1,
                       "missing column '%s' (target %s of "
                       "calibration_targets.csv)",
                       col, metric);
        break;
      }
      size_t N = f->posterior.n_rows;
      double sum = 0;
      for (size_t r = 0; r < N; r++) {
        vals[r] = fig_num(&f->calibration, prow[r], cc, 0, d);
        sum += vals[r];
      }
      qsort(vals, N, sizeof *vals, cmp_double);
      fig_buf_printf(D, "1\t%.17g\t%.17g\t%.17g\t", sum / (double)N,
                     quantile_sorted(vals, N, 0.025),
                     quantile_sorted(vals, N, 0.975));
      fig_dat_str(D, metric);
      fig_buf_printf(D, "\n");
    }
    /* the panel: the target's interval shaded, its value dashed */
    char title[512];
    snprintf(title, sizeof title, "%s: %s (%s)", metric, fig_cell(t, k, co),
             fig_cell(t, k, cs));
    fig_buf_printf(b,
                   "\n  # target %zu: %s\n"
                   "  set origin 0, %.6f\n  set size 1, %.6f\n"
                   "  unset object\n  unset arrow\n  unset label\n"
                   "  set object 1 rect from %.17g, graph 0 to %.17g, graph 1 "
                   "fc rgb \"#e8e8e8\" fs solid 1.0 noborder behind\n"
                   "  set arrow 1 from %.17g, graph 0 to %.17g, graph 1 "
                   "nohead dt 2 lc rgb \"#555555\"\n"
                   "  set title ",
                   k + 1, metric, 1.0 - (double)title_px / height -
                                      (double)(k + 1) * panel_h,
                   panel_h, lo, hi, v, v);
    fig_gp_str(b, title);
    fig_buf_printf(b, "\n  set label 1 sprintf('z = %%+.2f', %.17g) at graph "
                      "1.03, graph 0.62 left\n"
                      "  set label 2 '%s' at graph 1.03, graph 0.34 left "
                      "tc rgb \"%s\"\n"
                      "  plot 'calibration_fit.dat' index %zu every ::0::0 "
                      "using 2:1:3:4 with xerrorbars lt 7 pt 5 ps 1.1, \\\n"
                      "       '' index %zu every ::1::1 using 2:1:3:4 with "
                      "xerrorbars lt 1 pt 7 ps 1.1",
                   z, inside ? "inside" : "OUTSIDE",
                   inside ? "#000000" : "#D55E00", k, k);
    if (have_post)
      fig_buf_printf(b, ", \\\n       '' index %zu every ::2::2 using "
                        "2:1:3:4 with xerrorbars lt 2 pt 9 ps 1.1",
                     k);
    fig_buf_printf(b, "\n");
  }
  fig_buf_printf(b, "  unset multiplot\n");
  fig_script_end(g);
  free(prow);
  free(vals);

  char cap[1024];
  snprintf(cap, sizeof cap,
           "Each calibration target in its own units: the published value "
           "(square, dashed line) and its 95%% interval (bar and grey band), "
           "the model at the best fit with 1.96 Monte Carlo standard errors "
           "(circle)%s. z is (model - target) / sqrt(target se^2 + MCSE^2); "
           "%zu of %zu targets are %s their interval at the best fit. "
           "Targets held out for validation are not fitted and not shown "
           "(hfsim verify reports them).",
           have_post ? ", and the posterior mean and 2.5-97.5% range of the "
                       "model's value over the posterior sample (triangle)"
                     : "",
           n_out ? n_out : T, T, n_out ? "outside" : "inside");
  fig_set_caption(g, cap);
  return HFS_OK;
}

/* ---- posterior pairs --------------------------------------------------------- */

enum { N_BINS = 20 };

/* Pearson correlation of columns A and B of the sample X (N rows of P). */
static double sample_corr(const double *x, size_t N, size_t P, size_t a,
                          size_t b)
{
  double ma = 0, mb = 0;
  for (size_t r = 0; r < N; r++) {
    ma += x[r * P + a];
    mb += x[r * P + b];
  }
  ma /= (double)N;
  mb /= (double)N;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t r = 0; r < N; r++) {
    double da = x[r * P + a] - ma, db = x[r * P + b] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : HFS_NAN;
}

/* posterior_correlations.csv's value for the pair (A, B) in either order,
 * else NaN. */
static double table_corr(fig_folder *f, const char *a, const char *b,
                         hfs_diag *d)
{
  fig_table *t = &f->posterior_correlations;
  int ca = fig_col(t, "parameter_a"), cb = fig_col(t, "parameter_b"),
      cr = fig_col(t, "posterior_correlation");
  for (size_t r = 0; r < t->n_rows; r++) {
    const char *x = fig_cell(t, r, ca), *y = fig_cell(t, r, cb);
    if ((!strcmp(x, a) && !strcmp(y, b)) || (!strcmp(x, b) && !strcmp(y, a)))
      return fig_num(t, r, cr, 1, d);
  }
  return HFS_NAN;
}

/* "START, STEP, END" of tics 1, 2 or 5 x 10^k apart, about five over
 * [LO, HI] and none at its ends (where they would run into the labels of
 * the next panel): gnuplot's automatic tics crowd the small panels. */
static void nice_tics(fig_buf *b, const char *axis, double lo, double hi)
{
  double raw = (hi - lo) / 5.0, mag = pow(10.0, floor(log10(raw)));
  double m = raw / mag;
  double step =
      (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0) * mag;
  double start = ceil((lo + 0.2 * step) / step) * step;
  fig_buf_printf(b, "  set %stics %.10g, %.10g, %.10g\n", axis, start, step,
                 hi - 0.2 * step);
}

/* The panel of row I, column J of the P x P grid: its margins in screen
 * coordinates (the grid fills [x0, x1] x [y0, y1]). */
static void cell_margins(fig_buf *b, size_t i, size_t j, size_t P, double x0,
                         double x1, double y0, double y1)
{
  double w = (x1 - x0) / (double)P, h = (y1 - y0) / (double)P,
         gap = 0.006;
  fig_buf_printf(b,
                 "  set lmargin at screen %.4f\n  set rmargin at screen %.4f\n"
                 "  set bmargin at screen %.4f\n  set tmargin at screen %.4f\n",
                 x0 + (double)j * w + gap, x0 + (double)(j + 1) * w - gap,
                 y1 - (double)(i + 1) * h + gap, y1 - (double)i * h - gap);
}

hfs_status fig_posterior_pairs(fig_folder *f, fig_figure **figs, size_t *n,
                               hfs_diag *d)
{
  fig_table *pt = &f->calibrated_parameters, *ps = &f->posterior;
  if (pt->n_rows == 0 || ps->n_rows == 0)
    return HFS_OK;
  const size_t P = pt->n_rows, N = ps->n_rows;
  int cp = fig_col(pt, "parameter"), cl = fig_col(pt, "low"),
      chi = fig_col(pt, "high"), cb = fig_col(pt, "best_fit");
  double *x = malloc(N * P * sizeof *x), *lo = malloc(P * sizeof *lo),
         *hi = malloc(P * sizeof *hi), *best = malloc(P * sizeof *best);
  if (x == NULL || lo == NULL || hi == NULL || best == NULL) {
    free(x);
    free(lo);
    free(hi);
    free(best);
    return HFS_ERR_NOMEM;
  }
  hfs_status s = HFS_OK;
  for (size_t j = 0; j < P && s == HFS_OK; j++) {
    const char *name = fig_cell(pt, j, cp);
    lo[j] = fig_num(pt, j, cl, 0, d);
    hi[j] = fig_num(pt, j, chi, 0, d);
    best[j] = fig_num(pt, j, cb, 0, d);
    if (!(lo[j] < hi[j])) {
      if (!isnan(lo[j]) && !isnan(hi[j]))
        hfs_diag_error(d, pt->path, pt->lines[j],
                       "parameter %s: low %s is not below high %s", name,
                       fig_cell(pt, j, cl), fig_cell(pt, j, chi));
      s = HFS_ERR_INPUT;
      break;
    }
    int c = fig_col(ps, name);
    if (c < 0) {
      hfs_diag_error(d, ps->path, 1,
                     "missing column '%s' (a parameter of "
                     "calibrated_parameters.csv)",
                     name);
      s = HFS_ERR_INPUT;
      break;
    }
    for (size_t r = 0; r < N; r++)
      x[r * P + j] = fig_num(ps, r, c, 0, d);
  }
  if (s == HFS_OK && hfs_diag_count(d))
    s = HFS_ERR_INPUT;
  fig_figure *g = NULL;
  if (s == HFS_OK) {
    g = fig_new_figure(figs, n, "posterior_pairs",
                       P > 1 ? "Calibration: posterior pairs of the fitted "
                               "parameters"
                             : "Calibration: posterior of the fitted "
                               "parameter");
    if (g == NULL)
      s = HFS_ERR_NOMEM;
  }
  if (s != HFS_OK) {
    free(x);
    free(lo);
    free(hi);
    free(best);
    return s;
  }

  /* the data: the sample, the best fit, one histogram per parameter */
  fig_buf *D = &g->data;
  fig_buf_printf(D, "# from posterior.csv (the resampled posterior sample: "
                    "equal weights, draws repeat) and calibrated_parameters."
                    "csv\n# block 0: the posterior sample, one row per "
                    "draw\n#");
  for (size_t j = 0; j < P; j++) {
    fig_buf_printf(D, "%s", j ? "\t" : " ");
    fig_dat_str(D, fig_cell(pt, j, cp));
  }
  fig_buf_printf(D, "\n");
  for (size_t r = 0; r < N; r++)
    for (size_t j = 0; j < P; j++)
      fig_buf_printf(D, "%.17g%s", x[r * P + j], j + 1 < P ? "\t" : "\n");
  fig_buf_printf(D, "\n\n# block 1: the best fit (Nelder-Mead)\n");
  for (size_t j = 0; j < P; j++)
    fig_buf_printf(D, "%.17g%s", best[j], j + 1 < P ? "\t" : "\n");
  size_t *top = calloc(P, sizeof *top); /* tallest bar of each histogram */
  if (top == NULL) {
    free(x);
    free(lo);
    free(hi);
    free(best);
    return HFS_ERR_NOMEM;
  }
  for (size_t j = 0; j < P; j++) {
    size_t count[N_BINS] = {0};
    double w = (hi[j] - lo[j]) / N_BINS;
    for (size_t r = 0; r < N; r++) {
      double v = x[r * P + j];
      long k = (long)floor((v - lo[j]) / w);
      /* the sample lies within the bounds; the top bound falls in the
       * last bin, a value outside them (hand-edited file) in the nearest */
      k = k < 0 ? 0 : k >= N_BINS ? N_BINS - 1 : k;
      count[k]++;
    }
    fig_buf_printf(D, "\n\n# block %zu: histogram of ", j + 2);
    fig_dat_str(D, fig_cell(pt, j, cp));
    fig_buf_printf(D, " over its bounds [%.17g, %.17g], %d bins\n"
                      "# bin_centre\tcount\tbin_width\n",
                   lo[j], hi[j], N_BINS);
    for (int k = 0; k < N_BINS; k++)
      top[j] = count[k] > top[j] ? count[k] : top[j];
    for (int k = 0; k < N_BINS; k++)
      fig_buf_printf(D, "%.17g\t%zu\t%.17g\n",
                     lo[j] + ((double)k + 0.5) * w, count[k], w);
  }

  const char *ess = fig_manifest(f, "calibration_sir_ess");
  char ess_txt[64] = "", ess_long[96] = "";
  if (ess) {
    snprintf(ess_txt, sizeof ess_txt, ", ESS %.0f", strtod(ess, NULL));
    snprintf(ess_long, sizeof ess_long,
             "; the importance weights' effective sample size is %.0f",
             strtod(ess, NULL));
  }
  fig_buf *b = &g->script;
  if (P == 1) {
    fig_script_begin(g, "posterior.csv", 640, 420);
    fig_buf_printf(b, "  set title 'Posterior of %s (%zu draws%s)'\n"
                      "  set xlabel ",
                   fig_cell(pt, 0, cp), N, ess_txt);
    char xl[320];
    snprintf(xl, sizeof xl, "%s (the axis spans its search bounds)",
             fig_cell(pt, 0, cp));
    fig_gp_str(b, xl);
    fig_buf_printf(b, "\n  set ylabel 'Posterior draws'\n"
                      "  set key inside top right\n"
                      "  set xrange [%.17g:%.17g]\n  set yrange [0:%.1f]\n"
                      "  set style fill solid 0.6 border lc rgb \"#0072B2\"\n"
                      "  set arrow 1 from %.17g, graph 0 to %.17g, graph 1 "
                      "nohead lt 2 dt 2 front\n"
                      "  plot 'posterior_pairs.dat' index 2 using 1:2:3 with "
                      "boxes lt 1 title 'Posterior sample', \\\n"
                      "       NaN with lines lt 2 dt 2 title 'Best fit'\n",
                   lo[0], hi[0], 1.12 * (double)top[0], best[0], best[0]);
  } else {
    const int cell_px = P == 2 ? 280 : P == 3 ? 220 : P <= 5 ? 170 : 120;
    const int size = 90 + cell_px * (int)P + 60;
    fig_script_begin(g, "posterior.csv", size, size + 30);
    /* the grid in screen coordinates: room left and below for the tic
     * labels and names, above for the title */
    const double x0 = 90.0 / size, x1 = 1.0 - 20.0 / size,
                 y0 = 60.0 / (size + 30), y1 = 1.0 - 60.0 / (size + 30);
    fig_buf_printf(b, "  set multiplot title 'Posterior pairs (%zu draws%s); "
                      "x: best fit; axes: search bounds'\n"
                      "  unset key\n  set tics font ',9' scale 0.5\n"
                      "  set style textbox opaque noborder\n"
                      "  set style fill solid 0.6 border lc rgb \"#0072B2\"\n",
                   N, ess_txt);
    for (size_t i = 0; i < P; i++)
      for (size_t j = 0; j < P; j++) {
        const char *ni = fig_cell(pt, i, cp), *nj = fig_cell(pt, j, cp);
        fig_buf_printf(b, "\n  # row %zu (%s), column %zu (%s)\n", i + 1, ni,
                       j + 1, nj);
        cell_margins(b, i, j, P, x0, x1, y0, y1);
        fig_buf_printf(b, "  unset label\n  unset arrow\n  unset xlabel\n"
                          "  unset ylabel\n  set border 15\n  set tics\n"
                          "  set grid\n");
        /* tic labels on the outer row and column only */
        fig_buf_printf(b, "  set format x %s\n  set format y %s\n",
                       i + 1 == P ? "'%g'" : "''",
                       (j == 0 && i > 0) ? "'%g'" : "''");
        nice_tics(b, "x", lo[j], hi[j]);
        if (i != j)
          nice_tics(b, "y", lo[i], hi[i]);
        if (i + 1 == P) {
          fig_buf_printf(b, "  set xlabel ");
          fig_gp_str(b, nj);
          fig_buf_printf(b, " offset 0,0.3\n");
        }
        if (j == 0 && i > 0) {
          fig_buf_printf(b, "  set ylabel ");
          fig_gp_str(b, ni);
          fig_buf_printf(b, " offset 0.5,0\n");
        }
        if (i == j) {
          /* the marginal histogram, with the name in the panel */
          fig_buf_printf(b, "  set xrange [%.17g:%.17g]\n  set yrange "
                            "[0:%.1f]\n  set format y ''\n  unset ytics\n"
                            "  set label 1 ",
                         lo[j], hi[j], 1.3 * (double)top[j]);
          fig_gp_str(b, nj);
          fig_buf_printf(b, " at graph 0.03, graph 0.9 left front boxed "
                            "font ',11'\n"
                            "  set arrow 1 from %.17g, graph 0 to %.17g, "
                            "graph 1 nohead lt 2 dt 2 front\n"
                            "  plot 'posterior_pairs.dat' index %zu using "
                            "1:2:3 with boxes lt 1\n  set ytics\n",
                         best[j], best[j], j + 2);
        } else {
          double r = table_corr(f, ni, nj, d);
          int from_table = !isnan(r);
          if (!from_table)
            r = sample_corr(x, N, P, i, j);
          if (fabs(r) < 0.005)
            r = 0; /* printed +0.00, not -0.00 */
          if (i > j) {
            /* scatter: x = parameter j, y = parameter i */
            fig_buf_printf(b,
                           "  set xrange [%.17g:%.17g]\n"
                           "  set yrange [%.17g:%.17g]\n"
                           "  set label 1 sprintf('r = %%+.2f', %.17g) at "
                           "graph 0.04, graph 0.9 left front font ',10'\n"
                           "  plot 'posterior_pairs.dat' index 0 using "
                           "%zu:%zu with points pt 7 ps 0.35 lc rgb "
                           "\"#900072B2\", \\\n"
                           "       '' index 1 using %zu:%zu with points pt 2 "
                           "ps 2 lw 3 lt 2\n",
                           lo[j], hi[j], lo[i], hi[i], isnan(r) ? 0.0 : r,
                           j + 1, i + 1, j + 1, i + 1);
          } else {
            /* the upper triangle: the correlation in large type, as in
             * R's pairs() with a correlation panel */
            fig_buf_printf(b,
                           "  set xrange [0:1]\n  set yrange [0:1]\n"
                           "  unset tics\n  unset grid\n  set border 15 lc "
                           "rgb \"#bbbbbb\"\n"
                           "  set label 1 sprintf('r = %%+.2f', %.6f) at "
                           "graph 0.5, graph 0.55 center font ',%d'\n"
                           "  set label 2 '%s' at graph 0.5, graph 0.3 "
                           "center font ',9' tc rgb \"#555555\"\n"
                           "  plot -1 notitle\n  set border 15 lc rgb "
                           "\"black\"\n  set tics\n",
                           isnan(r) ? 0.0 : r,
                           12 + (int)(10 * (isnan(r) ? 0 : fabs(r))),
                           from_table ? "posterior correlation"
                                      : "correlation in the sample");
          }
        }
      }
    fig_buf_printf(b, "  unset multiplot\n");
  }
  fig_script_end(g);

  char cap[1024];
  snprintf(cap, sizeof cap,
           "The posterior sample of posterior.csv (%zu draws resampled from "
           "the prior draws in proportion to their likelihood%s; repeated "
           "draws overlap)%s. Each axis spans the parameter's search bounds, "
           "the prior's support; the cross (dashed line on the diagonal) is "
           "the Nelder-Mead best fit.%s",
           N, ess_long,
           P > 1 ? ": marginal histograms on the diagonal, pairs below it, "
                   "their posterior correlations above it"
                 : "",
           P > 1 ? " A strong correlation (a ridge) means the targets pin "
                   "down a combination of the two parameters rather than "
                   "each (non-identifiability)."
                 : "");
  fig_set_caption(g, cap);
  free(top);
  free(x);
  free(lo);
  free(hi);
  free(best);
  return HFS_OK;
}
