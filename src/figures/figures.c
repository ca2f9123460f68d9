/*
 * figures.c - the table of figures: for each figure the folder's data
 * allows, its data file (NAME.dat, tab-separated) and its gnuplot script
 * (NAME.gp), both written to be read by a person.
 *
 * Conventions of every figure:
 *   - colours: the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal
 *     Design"), distinguishable with every common colour-vision deficiency;
 *     strategy i has the same colour in every figure (linetype i+1);
 *   - names: strategies are shown by their scenario labels (manifest.txt's
 *     strategy_label lines), parameters by their names in parameters.csv;
 *   - units: every money axis says the scenario's currency, every effect axis
 *     says QALYs, discounted as in the CSVs;
 *   - text is drawn "noenhanced", so names such as no_treatment keep their
 *     underscores.
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/mathx.h"
#include "fig_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Okabe-Ito, black last; yellow (#F0E442) is too light on white for thin
 * lines, so it comes late. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73",
                                      "#CC79A7", "#E69F00", "#56B4E9",
                                      "#000000", "#F0E442"};
enum { N_PALETTE = 8 };

/* ---- script helpers -------------------------------------------------------- */

/* S as a gnuplot single-quoted string ('' inside). */
static void gp_str(fig_buf *b, const char *s)
{
  fig_buf_append(b, "'", 1);
  for (const char *p = s; *p; p++) {
    if (*p == '\'')
      fig_buf_append(b, "''", 2);
    else if (*p == '\n' || *p == '\r' || *p == '\t')
      fig_buf_append(b, " ", 1);
    else
      fig_buf_append(b, p, 1);
  }
  fig_buf_append(b, "'", 1);
}

/* A text field of the data file: no tabs or line breaks. */
static void dat_str(fig_buf *b, const char *s)
{
  for (const char *p = s; *p; p++)
    fig_buf_append(b, (*p == '\t' || *p == '\n' || *p == '\r') ? " " : p, 1);
}

/* 1234567.8 -> "1,234,568" */
static void fmt_money(char *out, size_t n, double x)
{
  char digits[64];
  snprintf(digits, sizeof digits, "%.0f", fabs(x));
  size_t len = strlen(digits), o = 0;
  if (x < 0 && o + 1 < n && strcmp(digits, "0") != 0)
    out[o++] = '-';
  for (size_t i = 0; i < len && o + 2 < n; i++) {
    out[o++] = digits[i];
    if ((len - 1 - i) % 3 == 0 && i + 1 < len)
      out[o++] = ',';
  }
  out[o] = '\0';
}

static fig_figure *new_figure(fig_figure **figs, size_t *n, const char *name,
                              const char *title)
{
  fig_figure *p = realloc(*figs, (*n + 1) * sizeof *p);
  if (p == NULL)
    return NULL;
  *figs = p;
  fig_figure *g = &p[*n];
  memset(g, 0, sizeof *g);
  snprintf(g->name, sizeof g->name, "%s", name);
  snprintf(g->title, sizeof g->title, "%s", title);
  (*n)++;
  return g;
}

static void set_caption(fig_figure *g, const char *fmt, ...) HFS_PRINTF(2, 3);
static void set_caption(fig_figure *g, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(g->caption);
  g->caption = hfs_strdup(buf);
}

/* The head of every script: what it is, how to re-run it, the palette and
 * the loop over output formats. WIDTH x HEIGHT in SVG pixels. The body
 * follows, then script_end. */
static void script_begin(fig_figure *g, const char *source, int width,
                         int height)
{
  fig_buf *b = &g->script;
  fig_buf_printf(b,
                 "# %s.gp - %s\n"
                 "#\n"
                 "# Written by hfsim from %s in the folder above; the "
                 "numbers plotted are in\n"
                 "# %s.dat (tab-separated, '#' lines are comments).\n"
                 "# Re-run it here with:   gnuplot %s.gp\n"
                 "# which writes %s.svg, %s.png and %s.pdf; for some of "
                 "them only:\n"
                 "#   gnuplot -e \"formats='svg'\" %s.gp\n"
                 "# Restyle freely; `hfsim report` rewrites this file.\n\n",
                 g->name, g->title, source, g->name, g->name, g->name, g->name,
                 g->name, g->name);
  fig_buf_printf(b, "if (!exists(\"formats\")) formats = \"svg png pdf\"\n"
                    "set datafile separator \"\\t\"\n"
                    "set encoding utf8\n\n"
                    "# Okabe-Ito colours (safe for colour-blind readers); "
                    "strategy i is linetype i\n");
  for (int i = 0; i < N_PALETTE; i++)
    fig_buf_printf(b, "set linetype %d lc rgb \"%s\" lw 2 pt 7\n", i + 1,
                   palette[i]);
  fig_buf_printf(b, "set linetype cycle %d\n\n", N_PALETTE);
  fig_buf_printf(
      b,
      "do for [fmt in formats] {\n"
      "  if (fmt eq \"svg\") {\n"
      "    set terminal svg size %d,%d dynamic noenhanced font \"DejaVu "
      "Sans,12\" background rgb \"white\"\n"
      "  }\n"
      "  if (fmt eq \"png\") {\n"
      "    set terminal pngcairo size %d,%d noenhanced font \"DejaVu "
      "Sans,11\" fontscale 2 linewidth 2 background rgb \"white\"\n"
      "  }\n"
      "  if (fmt eq \"pdf\") {\n"
      "    set terminal pdfcairo size %.2fin,%.2fin noenhanced font "
      "\"DejaVu Sans,9\"\n"
      "  }\n"
      "  set output \"%s.\".fmt\n"
      "  reset\n"
      "  set border lw 1\n"
      "  set grid lc rgb \"#dddddd\" lw 1\n"
      "  set key outside below left Left reverse samplen 2 spacing 1.1\n\n",
      width, height, width * 2, height * 2, width / 100.0, height / 100.0,
      g->name);
}

static void script_end(fig_figure *g)
{
  fig_buf_printf(&g->script, "\n  set output\n}\n");
}

/* the same, for the figure builders in other files (fig_internal.h) */
fig_figure *fig_new_figure(fig_figure **figs, size_t *n, const char *name,
                           const char *title)
{
  return new_figure(figs, n, name, title);
}
void fig_set_caption(fig_figure *g, const char *text)
{
  free(g->caption);
  g->caption = hfs_strdup(text);
}
void fig_script_begin(fig_figure *g, const char *source, int width,
                      int height)
{
  script_begin(g, source, width, height);
}
void fig_script_end(fig_figure *g) { script_end(g); }
void fig_gp_str(fig_buf *b, const char *s) { gp_str(b, s); }
void fig_dat_str(fig_buf *b, const char *s) { dat_str(b, s); }

/* ---- 1. cost-effectiveness plane (cea.csv) ---------------------------- */

/* The strategies' names beside their points, as `set label` lines: each
 * label goes above right of its point unless it would overlap a label
 * already placed, then below right, above left or below left (strategies
 * of nearly equal cost and QALYs, such as no treatment and oral drugs,
 * printed their names over each other). Overlap is judged on the plot
 * scaled to [0, 1] both ways, with a character about 1/80 of the width and
 * 1/35 of the height of this 720 x 560 figure. */
static void place_point_labels(fig_buf *b, fig_table *t, const size_t *rows,
                               int col_strategy, const double *x,
                               const double *y, size_t m)
{
  const double char_w = 1.0 / 80.0, char_h = 1.0 / 35.0;
  static const double side[4][2] = {{1, 1}, {1, -1}, {-1, 1}, {-1, -1}};
  double x0 = x[0], x1 = x[0], y0 = y[0], y1 = y[0];
  for (size_t i = 1; i < m; i++) {
    x0 = x[i] < x0 ? x[i] : x0;
    x1 = x[i] > x1 ? x[i] : x1;
    y0 = y[i] < y0 ? y[i] : y0;
    y1 = y[i] > y1 ? y[i] : y1;
  }
  double xs = x1 > x0 ? x1 - x0 : 1.0, ys = y1 > y0 ? y1 - y0 : 1.0;
  double box[FIG_MAX_STRATEGIES][4]; /* left, right, bottom, top */
  for (size_t i = 0; i < m; i++) {
    const char *name = fig_cell(t, rows[i], col_strategy);
    double u = (x[i] - x0) / xs, v = (y[i] - y0) / ys;
    double width = (double)strlen(name) * char_w;
    int k = 0;
    for (; k < 4; k++) {
      double l = side[k][0] > 0 ? u + char_w : u - char_w - width;
      double bt = side[k][1] > 0 ? v + 0.5 * char_h : v - 1.5 * char_h;
      box[i][0] = l;
      box[i][1] = l + width;
      box[i][2] = bt;
      box[i][3] = bt + char_h;
      int clash = 0;
      for (size_t j = 0; j < i && !clash; j++)
        clash = box[i][0] < box[j][1] && box[j][0] < box[i][1] &&
                box[i][2] < box[j][3] && box[j][2] < box[i][3];
      if (!clash)
        break;
    }
    if (k == 4)
      k = 0; /* crowded all round: the usual place */
    fig_buf_printf(b, "  set label %zu ", i + 1);
    gp_str(b, name);
    fig_buf_printf(b, " at %.17g, %.17g %s offset char %g, char %g\n", x[i],
                   y[i], side[k][0] > 0 ? "left" : "right", side[k][0],
                   side[k][1]);
  }
}

static hfs_status fig_ce_plane(fig_folder *f, fig_figure **figs, size_t *n,
                               hfs_diag *d)
{
  fig_table *t = &f->cea;
  if (t->n_rows == 0)
    return HFS_OK;
  int cw = fig_col(t, "wtp"), cs = fig_col(t, "strategy"),
      cc = fig_col(t, "cost"), cq = fig_col(t, "qaly"),
      cst = fig_col(t, "status");
  /* dominance does not depend on the WTP: the first WTP's rows */
  const char *w0 = fig_cell(t, 0, cw);
  size_t rows[FIG_MAX_STRATEGIES], m = 0;
  for (size_t r = 0; r < t->n_rows && m < FIG_MAX_STRATEGIES; r++)
    if (strcmp(fig_cell(t, r, cw), w0) == 0)
      rows[m++] = r;
  fig_figure *g = new_figure(figs, n, "ce_plane", "Cost-effectiveness plane");
  if (g == NULL)
    return HFS_ERR_NOMEM;
  fig_buf *D = &g->data;
  fig_buf_printf(D, "# from cea.csv (rows of wtp %s); dominance does not "
                    "depend on the WTP\n# block 0: the efficient frontier "
                    "by cost\n# qaly\tcost\n",
                 w0);
  /* cea.csv lists strategies by cost: the frontier in that order */
  size_t n_dom = 0;
  double qs[FIG_MAX_STRATEGIES], cs_[FIG_MAX_STRATEGIES];
  for (size_t i = 0; i < m; i++) {
    qs[i] = fig_num(t, rows[i], cq, 0, d);
    cs_[i] = fig_num(t, rows[i], cc, 0, d);
    if (strcmp(fig_cell(t, rows[i], cst), "frontier") == 0)
      fig_buf_printf(D, "%.17g\t%.17g\n", qs[i], cs_[i]);
    else
      n_dom++;
  }
  fig_buf_printf(D, "\n\n# block 1: every strategy\n"
                    "# linetype\tname\tqaly\tcost\tstatus\n");
  for (size_t i = 0; i < m; i++) {
    int s = fig_strategy(f, fig_cell(t, rows[i], cs));
    fig_buf_printf(D, "%d\t", s + 1);
    dat_str(D, fig_cell(t, rows[i], cs));
    fig_buf_printf(D, "\t%.17g\t%.17g\t%s\n", qs[i], cs_[i],
                   fig_cell(t, rows[i], cst));
  }
  script_begin(g, "cea.csv", 720, 560);
  fig_buf *b = &g->script;
  place_point_labels(b, t, rows, cs, qs, cs_, m);
  fig_buf_printf(b,
                 "  set title 'Cost-effectiveness plane: mean cost and QALYs "
                 "per patient'\n"
                 "  set xlabel 'QALYs per patient (discounted)'\n"
                 "  set ylabel 'Cost per patient (%s, discounted)'\n"
                 "  set format y \"%%.0f\"\n"
                 "  set key maxrows %zu\n"
                 "  set offsets graph 0.08, graph 0.12, graph 0.08, graph "
                 "0.08\n"
                 "  # filled circles: on the frontier; open circles: "
                 "dominated or extendedly dominated\n"
                 "  plot 'ce_plane.dat' index 0 using 1:2 with lines lw 2 lc "
                 "rgb \"#555555\" title 'Efficient frontier'",
                 f->currency, m + 1);
  for (size_t i = 0; i < m; i++) {
    int s = fig_strategy(f, fig_cell(t, rows[i], cs));
    const char *st = fig_cell(t, rows[i], cst);
    int frontier = strcmp(st, "frontier") == 0;
    char title[512];
    snprintf(title, sizeof title, "%s%s", fig_label(f, (size_t)s),
             frontier                                   ? ""
             : strcmp(st, "extendedly_dominated") == 0 ? " (extendedly dominated)"
                                                        : " (dominated)");
    fig_buf_printf(b,
                   ", \\\n       '' index 1 every ::%zu::%zu using 3:4 with "
                   "points pt %d ps 2 lw 2 lt %d title ",
                   i, i, frontier ? 7 : 6, s + 1);
    gp_str(b, title);
  }
  fig_buf_printf(b, "\n");
  script_end(g);
  set_caption(g,
              "Mean discounted cost against mean QALYs per patient for each "
              "strategy: the line joins the efficient frontier, whose slopes "
              "are the ICERs, and open circles mark the %zu dominated or "
              "extendedly dominated strateg%s.",
              n_dom, n_dom == 1 ? "y" : "ies");
  return HFS_OK;
}

/* ---- 8. cohort trace and 9. spasm-free curves (trace.csv) -------------- */

typedef struct trace_view {
  char *states[32];
  size_t n_states;
  size_t n_years;
  double *p; /* [(strategy * n_years + year) * n_states + state] */
} trace_view;

static void trace_free(trace_view *v)
{
  for (size_t i = 0; i < v->n_states; i++)
    free(v->states[i]);
  free(v->p);
}

static hfs_status trace_load(fig_folder *f, trace_view *v, hfs_diag *d)
{
  memset(v, 0, sizeof *v);
  fig_table *t = &f->trace;
  int cs = fig_col(t, "strategy"), cy = fig_col(t, "year"),
      cst = fig_col(t, "state"), cp = fig_col(t, "proportion");
  double max_year = 0;
  for (size_t r = 0; r < t->n_rows; r++) {
    const char *st = fig_cell(t, r, cst);
    size_t i;
    for (i = 0; i < v->n_states; i++)
      if (strcmp(v->states[i], st) == 0)
        break;
    if (i == v->n_states) {
      if (v->n_states == 32) {
        hfs_diag_error(d, t->path, t->lines[r],
                       "more than 32 states: the trace figures stop here");
        return HFS_ERR_INPUT;
      }
      if ((v->states[v->n_states++] = hfs_strdup(st)) == NULL)
        return HFS_ERR_NOMEM;
    }
    double y = fig_num(t, r, cy, 0, d);
    if (!(y >= 0 && y <= 1000 && y == floor(y))) {
      if (!isnan(y))
        hfs_diag_error(d, t->path, t->lines[r],
                       "column 'year': expected a whole number of years from "
                       "0 to 1000, got '%s'",
                       fig_cell(t, r, cy));
      return HFS_ERR_INPUT;
    }
    if (y > max_year)
      max_year = y;
  }
  v->n_years = (size_t)max_year + 1;
  size_t S = f->n_strategies;
  v->p = calloc(S * v->n_years * (v->n_states ? v->n_states : 1),
                sizeof *v->p);
  if (v->p == NULL)
    return HFS_ERR_NOMEM;
  for (size_t r = 0; r < t->n_rows; r++) {
    int s = fig_strategy(f, fig_cell(t, r, cs));
    if (s < 0 || (size_t)s >= S)
      continue;
    size_t y = (size_t)strtod(fig_cell(t, r, cy), NULL);
    size_t i;
    for (i = 0; i < v->n_states; i++)
      if (strcmp(v->states[i], fig_cell(t, r, cst)) == 0)
        break;
    double x = fig_num(t, r, cp, 0, d);
    if (isnan(x))
      return HFS_ERR_INPUT;
    v->p[((size_t)s * v->n_years + y) * v->n_states + i] = x;
  }
  return HFS_OK;
}

/* Whether manifest.txt's KEY (a space-separated list) holds NAME. */
static int manifest_lists(const fig_folder *f, const char *key,
                          const char *name)
{
  const char *v = fig_manifest(f, key);
  size_t n = strlen(name);
  while (v && *v) {
    while (*v == ' ')
      v++;
    size_t len = strcspn(v, " ");
    if (len == n && strncmp(v, name, n) == 0)
      return 1;
    v += len;
  }
  return 0;
}

static int strategies_in(const fig_table *t, fig_folder *f, int *present)
{
  int cs = fig_col(t, "strategy"), k = 0;
  memset(present, 0, FIG_MAX_STRATEGIES * sizeof *present);
  for (size_t r = 0; r < t->n_rows; r++) {
    int s = fig_strategy(f, fig_cell(t, r, cs));
    if (s >= 0 && !present[s]) {
      present[s] = 1;
      k++;
    }
  }
  return k;
}

static hfs_status fig_trace(fig_folder *f, fig_figure **figs, size_t *n,
                            hfs_diag *d)
{
  if (f->trace.n_rows == 0)
    return HFS_OK;
  trace_view v;
  hfs_status s = trace_load(f, &v, d);
  if (s != HFS_OK) {
    trace_free(&v);
    return s;
  }
  int present[FIG_MAX_STRATEGIES];
  int k = strategies_in(&f->trace, f, present);
  fig_figure *g = new_figure(figs, n, "trace", "Cohort trace");
  if (g == NULL) {
    trace_free(&v);
    return HFS_ERR_NOMEM;
  }
  fig_buf *D = &g->data;
  fig_buf_printf(D, "# from trace.csv: one block per strategy, cumulative "
                    "shares of the states in this order\n# year");
  for (size_t i = 0; i < v.n_states; i++)
    fig_buf_printf(D, "\t%s", v.states[i]);
  fig_buf_printf(D, "\n");
  int block = 0;
  for (size_t st = 0; st < f->n_strategies; st++) {
    if (!present[st])
      continue;
    fig_buf_printf(D, "%s# block %d: %s\n", block ? "\n\n" : "", block,
                   f->strategies[st]);
    block++;
    for (size_t y = 0; y < v.n_years; y++) {
      double cum = 0;
      fig_buf_printf(D, "%zu", y);
      for (size_t i = 0; i < v.n_states; i++) {
        cum += v.p[(st * v.n_years + y) * v.n_states + i];
        fig_buf_printf(D, "\t%.6f", cum);
      }
      fig_buf_printf(D, "\n");
    }
  }
  int cols = k > 1 ? 2 : 1;
  int rows = (k + 1 + cols - 1) / cols; /* one cell for the key */
  script_begin(g, "trace.csv", 860, 250 * rows + 40);
  fig_buf *b = &g->script;
  /* states: a colour each; not the strategies' colours */
  static const char *const state_colours[] = {
      "#F0E442", "#E69F00", "#D55E00", "#CC79A7", "#56B4E9",
      "#0072B2", "#009E73", "#999999", "#dddddd", "#000000"};
  fig_buf_printf(b, "  # one colour per state, in the order of the data "
                    "file's columns\n  array colour[%zu]\n",
                 v.n_states);
  for (size_t i = 0; i < v.n_states; i++)
    fig_buf_printf(b, "  colour[%zu] = \"%s\"\n", i + 1,
                   state_colours[i % 10]);
  fig_buf_printf(b, "  array state[%zu]\n", v.n_states);
  for (size_t i = 0; i < v.n_states; i++) {
    fig_buf_printf(b, "  state[%zu] = ", i + 1);
    gp_str(b, v.states[i]);
    fig_buf_printf(b, "\n");
  }
  fig_buf_printf(b,
                 "  set multiplot layout %d,%d title 'Cohort trace: share of "
                 "the cohort in each state, by year since the decision'\n"
                 "  set yrange [0:1]\n  set xrange [0:%zu]\n"
                 "  set xlabel 'Years since the treatment decision'\n"
                 "  set ylabel 'Share of the cohort'\n  set key off\n"
                 "  set style fill solid 1.0 noborder\n",
                 rows, cols, v.n_years - 1);
  block = 0;
  for (size_t st = 0; st < f->n_strategies; st++) {
    if (!present[st])
      continue;
    fig_buf_printf(b, "  set title ");
    gp_str(b, fig_label(f, st));
    fig_buf_printf(b, " font \",10\"\n  plot for [i=1:%zu] 'trace.dat' index "
                      "%d using 1:(i == 1 ? 0 : column(i)):(column(i+1)) with "
                      "filledcurves lc rgb colour[i] notitle\n",
                   v.n_states, block);
    block++;
  }
  fig_buf_printf(b, "  # the key, in a cell of its own\n"
                    "  unset title\n  unset border\n  unset tics\n  unset "
                    "xlabel\n  unset ylabel\n  unset grid\n"
                    "  set key inside center center Left reverse\n"
                    "  plot for [i=1:%zu] NaN with filledcurves lc rgb "
                    "colour[i] title state[i]\n"
                    "  unset multiplot\n",
                 v.n_states);
  script_end(g);
  set_caption(g,
              "The share of the simulated cohort in each state at each whole "
              "year since the treatment decision, one panel per strategy: "
              "read the height of a band as the share in that state.");

  /* symptom-free: among the patients still followed, the share in a state
   * whose role (model.h, written to manifest.txt) is symptom-free or cure */
  int is_free[32] = {0}, is_cure[32] = {0}, is_out[32] = {0}, any_free = 0;
  for (size_t i = 0; i < v.n_states; i++) {
    is_cure[i] = manifest_lists(f, "cured_states", v.states[i]);
    is_free[i] =
        is_cure[i] || manifest_lists(f, "symptom_free_states", v.states[i]);
    is_out[i] = manifest_lists(f, "out_states", v.states[i]);
    any_free |= is_free[i];
  }
  if (any_free) {
    fig_figure *h = new_figure(figs, n, "symptom_free",
                               "Symptom-free over time by strategy");
    if (h == NULL) {
      trace_free(&v);
      return HFS_ERR_NOMEM;
    }
    fig_buf *E = &h->data;
    fig_buf_printf(E, "# from trace.csv: among patients still followed (not "
                      "in manifest.txt's out_states), the share\n# in its "
                      "symptom_free_states or cured_states, and the share in "
                      "cured_states; one block per strategy\n"
                      "# year\tsymptom_free\tcure\n");
    block = 0;
    for (size_t st = 0; st < f->n_strategies; st++) {
      if (!present[st])
        continue;
      fig_buf_printf(E, "%s# block %d: %s\n", block ? "\n\n" : "", block,
                     f->strategies[st]);
      block++;
      for (size_t y = 0; y < v.n_years; y++) {
        double alive = 0, free_ = 0, cure = 0;
        for (size_t i = 0; i < v.n_states; i++) {
          double x = v.p[(st * v.n_years + y) * v.n_states + i];
          alive += is_out[i] ? 0 : x;
          free_ += is_free[i] ? x : 0;
          cure += is_cure[i] ? x : 0;
        }
        if (alive > 1e-9)
          fig_buf_printf(E, "%zu\t%.6f\t%.6f\n", y, free_ / alive,
                         cure / alive);
      }
    }
    script_begin(h, "trace.csv", 760, 560);
    fig_buf *c = &h->script;
    fig_buf_printf(c,
                   "  set title 'Share free of symptoms among patients still "
                   "followed, by year'\n"
                   "  set xlabel 'Years since the treatment decision'\n"
                   "  set ylabel 'Share symptom-free (among patients "
                   "followed)'\n"
                   "  set yrange [0:1]\n"
                   "  set key maxrows %d\n"
                   "  # solid: symptom-free (a cure, or control by a working "
                   "treatment); dashed: a cure\n  plot",
                   k + 1);
    block = 0;
    for (size_t st = 0; st < f->n_strategies; st++) {
      if (!present[st])
        continue;
      fig_buf_printf(c, "%s 'symptom_free.dat' index %d using 1:2 with lines "
                        "lt %zu title ",
                     block ? ", \\\n      " : "", block, st + 1);
      gp_str(c, fig_label(f, st));
      fig_buf_printf(c, ", \\\n       '' index %d using 1:3 with lines lt %zu "
                        "dt 2 lw 1.5 notitle",
                     block, st + 1);
      block++;
    }
    fig_buf_printf(c, ", \\\n       NaN with lines lc rgb \"#555555\" dt 2 "
                      "title 'Dashed: a cure (%s)'\n",
                   fig_manifest(f, "cured_states") ? fig_manifest(f, "cured_states") : "");
    script_end(h);
    set_caption(h, "The share of patients still followed who are free of "
                   "symptoms (a cure, or control by a treatment that is "
                   "working) at each year, solid per strategy, with the share "
                   "with a cure dashed: the gap between them is control that "
                   "lasts "
                   "only while treatment continues.");
  }
  trace_free(&v);
  return HFS_OK;
}

/* ---- PSA: 2. cloud, 3. CEAC, 10. convergence (psa.csv, ceac.csv) ------ */

typedef struct psa_view {
  size_t n_it, S;
  double *cost, *qaly; /* [it * S + s], NaN when missing */
} psa_view;

static hfs_status psa_load(fig_folder *f, psa_view *v, hfs_diag *d)
{
  memset(v, 0, sizeof *v);
  fig_table *t = &f->psa;
  int ci = fig_col(t, "iteration"), cs = fig_col(t, "strategy"),
      cc = fig_col(t, "cost"), cq = fig_col(t, "qaly");
  double max_it = 0;
  for (size_t r = 0; r < t->n_rows; r++) {
    fig_strategy(f, fig_cell(t, r, cs));
    double it = fig_num(t, r, ci, 0, d);
    if (!(it >= 1 && it <= (double)t->n_rows && it == floor(it))) {
      if (!isnan(it))
        hfs_diag_error(d, t->path, t->lines[r],
                       "column 'iteration': expected a whole number from 1 "
                       "to the number of rows, got '%s'",
                       fig_cell(t, r, ci));
      return HFS_ERR_INPUT;
    }
    if (it > max_it)
      max_it = it;
  }
  v->n_it = (size_t)max_it;
  v->S = f->n_strategies;
  v->cost = malloc(v->n_it * v->S * sizeof *v->cost + 1);
  v->qaly = malloc(v->n_it * v->S * sizeof *v->qaly + 1);
  if (v->cost == NULL || v->qaly == NULL)
    return HFS_ERR_NOMEM;
  for (size_t i = 0; i < v->n_it * v->S; i++)
    v->cost[i] = v->qaly[i] = HFS_NAN;
  for (size_t r = 0; r < t->n_rows; r++) {
    size_t it = (size_t)strtod(fig_cell(t, r, ci), NULL) - 1;
    int s = fig_strategy(f, fig_cell(t, r, cs));
    double c = fig_num(t, r, cc, 0, d), q = fig_num(t, r, cq, 0, d);
    if (isnan(c) || isnan(q))
      return HFS_ERR_INPUT;
    v->cost[it * v->S + (size_t)s] = c;
    v->qaly[it * v->S + (size_t)s] = q;
  }
  return HFS_OK;
}

static void psa_free(psa_view *v)
{
  free(v->cost);
  free(v->qaly);
}

static double psa_wtp(const fig_folder *f)
{
  if (!isnan(f->wtp_main))
    return f->wtp_main;
  /* middle of the nmb_at_wtp_ columns */
  const fig_table *t = &f->psa;
  double w[32];
  int k = 0;
  for (size_t i = 0; i < t->n_cols && k < 32; i++)
    if (strncmp(t->header[i], "nmb_at_wtp_", 11) == 0)
      w[k++] = strtod(t->header[i] + 11, NULL);
  return k ? w[(k - 1) / 2] : 100000;
}

static hfs_status fig_psa(fig_folder *f, fig_figure **figs, size_t *n,
                          hfs_diag *d)
{
  if (f->psa.n_rows == 0)
    return HFS_OK;
  psa_view v;
  hfs_status s = psa_load(f, &v, d);
  if (s != HFS_OK) {
    psa_free(&v);
    return s;
  }
  size_t S = v.S, N = v.n_it;
  double wtp = psa_wtp(f);
  char wtp_txt[64];
  fmt_money(wtp_txt, sizeof wtp_txt, wtp);
  /* the reference: the first strategy, as psa_summary.csv's increments */
  size_t ref = 0;
  /* ---- 2. the cloud with 95% ellipses ---- */
  fig_figure *g = new_figure(figs, n, "psa_cloud",
                             "PSA: incremental cost-effectiveness plane");
  if (g == NULL) {
    psa_free(&v);
    return HFS_ERR_NOMEM;
  }
  fig_buf *D = &g->data;
  fig_buf_printf(D, "# from psa.csv: per iteration, cost and QALYs minus "
                    "those of %s\n# then the 95%% ellipse of each "
                    "strategy (normal approximation, chi-square 2 df = "
                    "5.991)\n",
                 f->strategies[ref]);
  script_begin(g, "psa.csv", 760, 600);
  fig_buf *b = &g->script;
  fig_buf_printf(b,
                 "  set title 'PSA: incremental cost and QALYs of every "
                 "iteration against %s'\n",
                 f->strategies[ref]);
  fig_buf_printf(b, "  set xlabel ");
  {
    char lab[512];
    snprintf(lab, sizeof lab, "Incremental QALYs per patient vs %s",
             fig_label(f, ref));
    gp_str(b, lab);
  }
  fig_buf_printf(b,
                 "\n  set ylabel 'Incremental cost per patient (%s)'\n"
                 "  set format y \"%%.0f\"\n"
                 "  set xzeroaxis lt -1 lw 1\n  set yzeroaxis lt -1 lw 1\n"
                 "  wtp = %.17g  # willingness to pay, %s per QALY\n"
                 "  set key maxrows %zu\n"
                 "  plot",
                 f->currency, wtp, f->currency, S + 1);
  int block = 0, first = 1;
  for (size_t st = 0; st < S; st++) {
    if (st == ref)
      continue;
    /* points */
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    size_t k = 0;
    fig_buf_printf(D, "%s# block %d: %s, iterations (dqaly, dcost)\n",
                   block ? "\n\n" : "", block, f->strategies[st]);
    for (size_t it = 0; it < N; it++) {
      double dq = v.qaly[it * S + st] - v.qaly[it * S + ref];
      double dc = v.cost[it * S + st] - v.cost[it * S + ref];
      if (isnan(dq) || isnan(dc))
        continue;
      fig_buf_printf(D, "%.9g\t%.9g\n", dq, dc);
      k++;
      double ex = dq - mx, ey = dc - my;
      mx += ex / (double)k;
      my += ey / (double)k;
      sxx += ex * (dq - mx);
      syy += ey * (dc - my);
      sxy += ex * (dc - my);
    }
    int pts_block = block++;
    fig_buf_printf(D, "\n\n# block %d: %s, 95%% ellipse\n", block,
                   f->strategies[st]);
    if (k > 2) {
      double a = sxx / (double)(k - 1), c = syy / (double)(k - 1),
             bb = sxy / (double)(k - 1);
      /* eigen-decomposition of [[a, bb], [bb, c]] */
      double tr = a + c, det = a * c - bb * bb;
      double disc = sqrt(fmax(tr * tr / 4 - det, 0));
      double l1 = tr / 2 + disc, l2 = fmax(tr / 2 - disc, 0);
      double th = 0.5 * atan2(2 * bb, a - c);
      double r = sqrt(5.991464547107979);
      for (int i = 0; i <= 72; i++) {
        double u = 2 * 3.14159265358979323846 * i / 72.0;
        double x0 = r * sqrt(l1) * cos(u), y0 = r * sqrt(l2) * sin(u);
        fig_buf_printf(D, "%.9g\t%.9g\n", mx + x0 * cos(th) - y0 * sin(th),
                       my + x0 * sin(th) + y0 * cos(th));
      }
    }
    int ell_block = block++;
    fig_buf_printf(b, "%s'psa_cloud.dat' index %d using 1:2 with points pt 7 "
                      "ps 0.35 lt %zu title ",
                   first ? " " : ", \\\n       ", pts_block, st + 1);
    gp_str(b, fig_label(f, st));
    fig_buf_printf(b, ", \\\n       '' index %d using 1:2 with lines lw 2 lt "
                      "%zu notitle",
                   ell_block, st + 1);
    first = 0;
  }
  fig_buf_printf(b, "%swtp * x with lines lc rgb \"#555555\" dt 2 title "
                    "sprintf('WTP %s %s per QALY: below the line is "
                    "cost-effective')\n",
                 first ? " " : ", \\\n       ", wtp_txt, f->currency);
  script_end(g);
  set_caption(g,
              "Each dot is one PSA iteration's incremental QALYs and cost "
              "against %s, with a 95%% ellipse per strategy; points below "
              "the dashed willingness-to-pay line (%s %s per QALY) are "
              "cost-effective against it.",
              fig_label(f, ref), wtp_txt, f->currency);

  /* ---- 10. convergence of the incremental NMB ---- */
  if (S >= 2 && N >= 3) {
    double mean[FIG_MAX_STRATEGIES] = {0};
    for (size_t st = 0; st < S; st++) {
      for (size_t it = 0; it < N; it++)
        mean[st] += wtp * v.qaly[it * S + st] - v.cost[it * S + st];
      mean[st] /= (double)N;
    }
    size_t best = 0, second = 1;
    if (mean[1] > mean[0]) {
      best = 1;
      second = 0;
    }
    for (size_t st = 2; st < S; st++) {
      if (mean[st] > mean[best]) {
        second = best;
        best = st;
      } else if (mean[st] > mean[second])
        second = st;
    }
    fig_figure *h = new_figure(figs, n, "convergence_psa",
                               "Convergence of the PSA");
    if (h == NULL) {
      psa_free(&v);
      return HFS_ERR_NOMEM;
    }
    fig_buf *E = &h->data;
    fig_buf_printf(E,
                   "# from psa.csv: running mean and standard error of the "
                   "incremental NMB of %s vs %s\n# at WTP %.17g, after each "
                   "iteration\n# iterations\tmean\tse\n",
                   f->strategies[best], f->strategies[second], wtp);
    double m = 0, ss = 0;
    for (size_t it = 0; it < N; it++) {
      double x = (wtp * v.qaly[it * S + best] - v.cost[it * S + best]) -
                 (wtp * v.qaly[it * S + second] - v.cost[it * S + second]);
      double e = x - m;
      m += e / (double)(it + 1);
      ss += e * (x - m);
      if (it >= 1)
        fig_buf_printf(E, "%zu\t%.9g\t%.9g\n", it + 1, m,
                       sqrt(ss / (double)it / (double)(it + 1)));
    }
    script_begin(h, "psa.csv", 760, 520);
    fig_buf *c = &h->script;
    char lab[512];
    snprintf(lab, sizeof lab, "Incremental NMB, %s vs %s (%s)",
             f->strategies[best], f->strategies[second], f->currency);
    fig_buf_printf(c, "  set title 'Convergence: running mean of the "
                      "incremental net monetary benefit at WTP %s'\n"
                      "  set xlabel 'PSA iterations'\n  set ylabel ",
                   wtp_txt);
    gp_str(c, lab);
    fig_buf_printf(c, "\n  set format y \"%%.0f\"\n"
                      "  set yzeroaxis\n  set xzeroaxis lt -1 lw 1\n"
                      "  plot 'convergence_psa.dat' using 1:($2-2*$3):($2+2*$3) "
                      "with filledcurves fs transparent solid 0.25 noborder "
                      "lt 1 title 'Running mean ± 2 standard errors', \\\n"
                      "       '' using 1:2 with lines lt 1 title 'Running "
                      "mean'\n");
    script_end(h);
    set_caption(h,
                "The running mean of the incremental net monetary benefit of "
                "%s against %s at %s %s per QALY, with a band of two Monte "
                "Carlo standard errors: once the band is narrow and clear of "
                "zero, more iterations will not change the decision.",
                fig_label(f, best), fig_label(f, second), wtp_txt,
                f->currency);
  }
  psa_free(&v);

  /* ---- 3. CEAC with the CEAF ---- */
  fig_table *t = &f->ceac;
  if (t->n_rows == 0)
    return HFS_OK;
  int cw = fig_col(t, "wtp"), cs = fig_col(t, "strategy"),
      cp = fig_col(t, "probability_cost_effective"),
      ce = fig_col(t, "probability_se"), cf = fig_col(t, "on_frontier");
  fig_figure *c3 = new_figure(figs, n, "ceac", "CEAC and CEAF");
  if (c3 == NULL)
    return HFS_ERR_NOMEM;
  fig_buf *C = &c3->data;
  int present[FIG_MAX_STRATEGIES];
  strategies_in(t, f, present);
  fig_buf_printf(C, "# from ceac.csv: block 0 the frontier (CEAF), then one "
                    "block per strategy\n# wtp\tprobability\tse\n");
  for (size_t r = 0; r < t->n_rows; r++)
    if (strcmp(fig_cell(t, r, cf), "yes") == 0)
      fig_buf_printf(C, "%.17g\t%.17g\t0\n", fig_num(t, r, cw, 0, d),
                     fig_num(t, r, cp, 0, d));
  block = 1;
  script_begin(c3, "ceac.csv", 760, 560);
  fig_buf *B = &c3->script;
  fig_buf_printf(B,
                 "  set title 'Cost-effectiveness acceptability curves and "
                 "frontier'\n"
                 "  set xlabel 'Willingness to pay (%s per QALY)'\n"
                 "  set ylabel 'Probability cost-effective'\n"
                 "  set yrange [0:1]\n  set format x \"%%.0f\"\n"
                 "  set key maxrows %zu\n"
                 "  # grey band under the curves: the CEAF (the strategy with "
                 "the highest expected NMB);\n"
                 "  # shaded bands: +- 2 binomial standard errors\n"
                 "  plot 'ceac.dat' index 0 using 1:2 with lines lw 9 lc rgb "
                 "\"#c8c8c8\" title 'Acceptability frontier (CEAF)'",
                 f->currency, f->n_strategies + 1);
  for (size_t st = 0; st < f->n_strategies; st++) {
    if (!present[st])
      continue;
    fig_buf_printf(C, "\n\n# block %d: %s\n", block, f->strategies[st]);
    for (size_t r = 0; r < t->n_rows; r++)
      if (strcmp(fig_cell(t, r, cs), f->strategies[st]) == 0)
        fig_buf_printf(C, "%.17g\t%.17g\t%.17g\n", fig_num(t, r, cw, 0, d),
                       fig_num(t, r, cp, 0, d), fig_num(t, r, ce, 1, d));
    fig_buf_printf(B,
                   ", \\\n       '' index %d using 1:($2-2*$3 < 0 ? 0 : "
                   "$2-2*$3):($2+2*$3 > 1 ? 1 : $2+2*$3) with filledcurves fs "
                   "transparent solid 0.2 noborder lt %zu notitle",
                   block, st + 1);
    fig_buf_printf(B, ", \\\n       '' index %d using 1:2 with lines lt %zu "
                      "title ",
                   block, st + 1);
    gp_str(B, fig_label(f, st));
    block++;
  }
  fig_buf_printf(B, "\n");
  script_end(c3);
  set_caption(c3,
              "The probability that each strategy has the highest net "
              "monetary benefit across willingness-to-pay values, with a band "
              "of two binomial standard errors; the thick grey line is the "
              "frontier, the strategy with the highest expected benefit at "
              "each value, which is the one to adopt.");
  return HFS_OK;
}

/* ---- 4. EVPI and EVPPI ------------------------------------------------ */

static hfs_status fig_voi(fig_folder *f, fig_figure **figs, size_t *n,
                          hfs_diag *d)
{
  fig_table *t = &f->evpi;
  if (t->n_rows > 0) {
    int cw = fig_col(t, "wtp"), cp = fig_col(t, "evpi_per_patient"),
        cpop = fig_col(t, "evpi_population");
    double pop = HFS_NAN;
    const char *mp = fig_manifest(f, "psa_population");
    if (mp)
      pop = strtod(mp, NULL);
    fig_figure *g = new_figure(figs, n, "evpi",
                               "Expected value of perfect information");
    if (g == NULL)
      return HFS_ERR_NOMEM;
    fig_buf *D = &g->data;
    fig_buf_printf(D, "# from evpi.csv\n# wtp\tevpi_per_patient\t"
                      "evpi_population\n");
    for (size_t r = 0; r < t->n_rows; r++) {
      double w = fig_num(t, r, cw, 0, d), e = fig_num(t, r, cp, 0, d),
             ep = fig_num(t, r, cpop, 0, d);
      if (isnan(pop) && e > 0)
        pop = ep / e;
      fig_buf_printf(D, "%.17g\t%.17g\t%.17g\n", w, e, ep);
    }
    if (!(pop > 0))
      pop = 1;
    char pop_txt[64];
    fmt_money(pop_txt, sizeof pop_txt, pop);
    script_begin(g, "evpi.csv", 760, 520);
    fig_buf *b = &g->script;
    fig_buf_printf(b,
                   "  set title 'Expected value of perfect information'\n"
                   "  set xlabel 'Willingness to pay (%s per QALY)'\n"
                   "  set ylabel 'EVPI per patient (%s)'\n"
                   "  set y2label 'EVPI for the population of %s (%s)'\n"
                   "  population = %.17g\n"
                   "  # the right axis is the left one times the population\n"
                   "  set link y2 via y*population inverse y/population\n"
                   "  set y2tics\n  set ytics nomirror\n"
                   "  set format x \"%%.0f\"\n  set format y \"%%.0f\"\n"
                   "  set format y2 \"%%.1s%%c\"\n",
                   f->currency, f->currency, pop_txt, f->currency, pop);
    if (!isnan(f->wtp_main))
      fig_buf_printf(b,
                     "  set arrow from %.17g, graph 0 to %.17g, graph 1 "
                     "nohead dt 2 lc rgb \"#555555\"\n",
                     f->wtp_main, f->wtp_main);
    fig_buf_printf(b, "  plot 'evpi.dat' using 1:2 with lines lt 1 title "
                      "'EVPI (per patient on the left, population on the "
                      "right)'\n");
    script_end(g);
    set_caption(g,
                "The expected value of perfect information per patient (left "
                "axis) and for the population of %s (right axis) at each "
                "willingness to pay: an upper bound on what further research "
                "could be worth, highest where the decision is most "
                "uncertain.",
                pop_txt);
  }
  t = &f->evppi;
  if (t->n_rows == 0)
    return HFS_OK;
  int cw = fig_col(t, "wtp"), cpar = fig_col(t, "parameters"),
      cv = fig_col(t, "evppi_per_patient"),
      cev = fig_col(t, "evpi_per_patient");
  /* groups and WTPs, in file order */
  const char *groups[64];
  double wtps[16], evpi_at[16];
  size_t ng = 0, nw = 0;
  for (size_t r = 0; r < t->n_rows; r++) {
    const char *gname = fig_cell(t, r, cpar);
    size_t i;
    for (i = 0; i < ng; i++)
      if (strcmp(groups[i], gname) == 0)
        break;
    if (i == ng && ng < 64)
      groups[ng++] = gname;
    double w = fig_num(t, r, cw, 0, d);
    if (isnan(w))
      return HFS_ERR_INPUT;
    for (i = 0; i < nw; i++)
      if (wtps[i] == w)
        break;
    if (i == nw && nw < 16) {
      wtps[nw] = w;
      evpi_at[nw++] = fig_num(t, r, cev, 0, d);
    }
  }
  fig_figure *g = new_figure(figs, n, "evppi",
                             "Expected value of partial perfect information");
  if (g == NULL)
    return HFS_ERR_NOMEM;
  fig_buf *D = &g->data;
  double h = 0.8 / (double)nw;
  fig_buf_printf(D, "# from evppi.csv: one block per WTP; the last row of "
                    "each block is the EVPI of all parameters\n"
                    "# y\tevppi_per_patient\tgroup\n");
  for (size_t j = 0; j < nw; j++) {
    fig_buf_printf(D, "%s# block %zu: wtp %.17g\n", j ? "\n\n" : "", j,
                   wtps[j]);
    for (size_t i = 0; i < ng; i++) {
      double val = HFS_NAN;
      for (size_t r = 0; r < t->n_rows; r++)
        if (strcmp(fig_cell(t, r, cpar), groups[i]) == 0 &&
            fig_num(t, r, cw, 0, d) == wtps[j])
          val = fig_num(t, r, cv, 0, d);
      double y = (double)(ng - i) + ((double)nw / 2 - 0.5 - (double)j) * h;
      fig_buf_printf(D, "%.6f\t%.17g\t", y, val);
      dat_str(D, groups[i]);
      fig_buf_printf(D, "\n");
    }
    fig_buf_printf(D, "%.6f\t%.17g\tEVPI\n",
                   ((double)nw / 2 - 0.5 - (double)j) * h, evpi_at[j]);
  }
  script_begin(g, "evppi.csv", 820, 140 + 42 * (int)(ng + 1) * (nw > 2 ? 2 : 1));
  fig_buf *b = &g->script;
  fig_buf_printf(b,
                 "  set title 'EVPPI per patient, by group of parameters'\n"
                 "  set xlabel 'Value per patient (%s)'\n"
                 "  set format x \"%%.0f\"\n"
                 "  set yrange [-0.6:%zu.6]\n  set xrange [0:*]\n"
                 "  set grid noytics\n"
                 "  set style fill solid 0.85 noborder\n"
                 "  set ytics (",
                 f->currency, ng);
  for (size_t i = 0; i < ng; i++) {
    char lab[512];
    size_t o = 0;
    for (const char *p = groups[i]; *p && o + 4 < sizeof lab; p++) {
      if (*p == '+') {
        memcpy(lab + o, " + ", 3);
        o += 3;
      } else
        lab[o++] = *p;
    }
    lab[o] = '\0';
    gp_str(b, lab);
    fig_buf_printf(b, " %zu, ", ng - i);
  }
  fig_buf_printf(b, "'EVPI (all parameters)' 0) scale 0 font \",10\"\n");
  {
    size_t longest = 22;
    for (size_t i = 0; i < ng; i++) {
      size_t len = strlen(groups[i]);
      for (const char *p = groups[i]; *p; p++)
        len += 2 * (*p == '+');
      if (len > longest)
        longest = len;
    }
    fig_buf_printf(b, "  # gnuplot overestimates the width of long tick labels: "
                      "margins by hand\n  set lmargin %d\n  set rmargin 4\n"
                      "  set key below center horizontal\n  plot",
                   (int)((double)longest * 0.7) + 3);
  }
  for (size_t j = 0; j < nw; j++) {
    char w_txt[64];
    fmt_money(w_txt, sizeof w_txt, wtps[j]);
    fig_buf_printf(b, "%s'evppi.dat' index %zu using ($2/2):1:(0):2:($1-%.4f):"
                      "($1+%.4f) with boxxyerror lt %zu title 'WTP %s %s per "
                      "QALY'",
                   j ? ", \\\n       " : " ", j, h / 2 * 0.9, h / 2 * 0.9, j + 1,
                   w_txt, f->currency);
  }
  fig_buf_printf(b, "\n");
  script_end(g);
  set_caption(g,
              "The value per patient of learning each group of parameters "
              "perfectly, at each of the scenario's willingness-to-pay "
              "values, against the EVPI of all parameters at the bottom: "
              "long bars point to the research worth doing.");
  return HFS_OK;
}

/* ---- 5. tornado diagrams (owsa.csv) ------------------------------------ */

typedef struct tornado_row {
  const char *param;
  double low_value, high_value, low, high;
} tornado_row;

static int by_swing(const void *a, const void *b)
{
  const tornado_row *x = a, *y = b;
  double sx = fabs(x->high - x->low), sy = fabs(y->high - y->low);
  if (sx != sy)
    return sx < sy ? 1 : -1;
  return strcmp(x->param, y->param);
}

/* Left margin in characters for the tick labels "param (low to high)". */
static int tornado_margin(const tornado_row *rows, size_t m)
{
  size_t longest = 10;
  for (size_t i = 0; i < m; i++) {
    char buf[256];
    int len = snprintf(buf, sizeof buf, "%s (%g to %g)", rows[i].param,
                       rows[i].low_value, rows[i].high_value);
    if (len > 0 && (size_t)len > longest)
      longest = (size_t)len;
  }
  return (int)((double)longest * 0.7) + 3;
}

static void tornado_script(fig_figure *g, const fig_folder *f,
                           tornado_row *rows, size_t m, double base,
                           const char *title, const char *xlabel)
{
  fig_buf *D = &g->data;
  fig_buf_printf(D, "# y\tparameter\tlow_value\thigh_value\tat_low\tat_high"
                    "\n# base value %.17g\n",
                 base);
  for (size_t i = 0; i < m; i++) {
    fig_buf_printf(D, "%zu\t", m - i);
    dat_str(D, rows[i].param);
    fig_buf_printf(D, "\t%.9g\t%.9g\t%.17g\t%.17g\n", rows[i].low_value,
                   rows[i].high_value, rows[i].low, rows[i].high);
  }
  script_begin(g, "owsa.csv", 980, 150 + 30 * (int)m);
  fig_buf *b = &g->script;
  fig_buf_printf(b, "  set title ");
  gp_str(b, title);
  fig_buf_printf(b, "\n  set xlabel ");
  gp_str(b, xlabel);
  fig_buf_printf(b,
                 "\n  base = %.17g  # the base case\n"
                 "  set format x \"%%.0f\"\n"
                 "  set yrange [0.4:%zu.6]\n"
                 "  set grid noytics\n"
                 "  set key below center horizontal\n"
                 "  set style fill solid 0.9 noborder\n"
                 "  set arrow from base, graph 0 to base, graph 1 nohead lw 2 "
                 "lc rgb \"#000000\"\n"
                 "  set ytics scale 0 font \",10\"\n"
                 "  set lmargin %d  # by hand: gnuplot overestimates long "
                 "tick labels\n  set rmargin 4\n"
                 "  set offsets graph 0.05, graph 0.05, 0, 0\n"
                 "  # bars run from the base case to the value with the "
                 "parameter at its low (blue)\n"
                 "  # and high (orange) end; tick labels give the parameter "
                 "and its range\n"
                 "  plot 'NAME.dat' using (($5+base)/2):1:($5<base?$5:base):"
                 "($5<base?base:$5):($1-0.38):($1) with boxxyerror lt 1 "
                 "title 'Parameter at its low value', \\\n"
                 "       '' using (($6+base)/2):1:($6<base?$6:base):"
                 "($6<base?base:$6):($1):($1+0.38):ytic(sprintf('%%s "
                 "(%%g to %%g)', strcol(2), $3, $4)) with boxxyerror lt 2 "
                 "title 'Parameter at its high value', \\\n"
                 "       NaN with lines lc rgb \"#000000\" lw 2 title "
                 "'Base case'\n",
                 base, m, tornado_margin(rows, m));
  /* the data file's name */
  char *p = strstr(b->s, "'NAME.dat'");
  if (p) {
    char fixed[80];
    snprintf(fixed, sizeof fixed, "'%s.dat'", g->name);
    size_t off = (size_t)(p - b->s);
    fig_buf rest = {0};
    fig_buf_append(&rest, b->s + off + 10, b->len - off - 10);
    b->len = off;
    fig_buf_append(b, fixed, strlen(fixed));
    fig_buf_append(b, rest.s, rest.len);
    fig_buf_free(&rest);
  }
  script_end(g);
  (void)f;
}

static hfs_status fig_owsa(fig_folder *f, fig_figure **figs, size_t *n,
                           hfs_diag *d)
{
  fig_table *t = &f->owsa;
  if (t->n_rows == 0)
    return HFS_OK;
  int cs = fig_col(t, "strategy"), cp = fig_col(t, "parameter"),
      clv = fig_col(t, "low_value"), chv = fig_col(t, "high_value"),
      cb = fig_col(t, "nmb_base"), cl = fig_col(t, "nmb_low"),
      ch = fig_col(t, "nmb_high"), cw = fig_col(t, "wtp");
  double wtp = fig_num(t, 0, cw, 0, d);
  char wtp_txt[64];
  fmt_money(wtp_txt, sizeof wtp_txt, wtp);
  int present[FIG_MAX_STRATEGIES];
  strategies_in(t, f, present);
  double base[FIG_MAX_STRATEGIES];
  for (size_t s = 0; s < FIG_MAX_STRATEGIES; s++)
    base[s] = HFS_NAN;
  for (size_t r = 0; r < t->n_rows; r++) {
    int s = fig_strategy(f, fig_cell(t, r, cs));
    if (isnan(base[s]))
      base[s] = fig_num(t, r, cb, 0, d);
  }
  int best = -1, second = -1;
  for (size_t s = 0; s < f->n_strategies; s++) {
    if (!present[s])
      continue;
    if (best < 0 || base[s] > base[best]) {
      second = best;
      best = (int)s;
    } else if (second < 0 || base[s] > base[second])
      second = (int)s;
  }
  tornado_row *rows = calloc(t->n_rows + 1, sizeof *rows);
  if (rows == NULL)
    return HFS_ERR_NOMEM;
  enum { TOP = 15 };
  /* decision tornado: incremental NMB best - runner-up */
  if (second >= 0) {
    size_t m = 0;
    for (size_t r = 0; r < t->n_rows; r++) {
      if (strcmp(fig_cell(t, r, cs), f->strategies[best]) != 0)
        continue;
      const char *par = fig_cell(t, r, cp);
      for (size_t q = 0; q < t->n_rows; q++) {
        if (strcmp(fig_cell(t, q, cs), f->strategies[second]) != 0 ||
            strcmp(fig_cell(t, q, cp), par) != 0)
          continue;
        rows[m].param = par;
        rows[m].low_value = fig_num(t, r, clv, 0, d);
        rows[m].high_value = fig_num(t, r, chv, 0, d);
        rows[m].low = fig_num(t, r, cl, 0, d) - fig_num(t, q, cl, 0, d);
        rows[m].high = fig_num(t, r, ch, 0, d) - fig_num(t, q, ch, 0, d);
        m++;
        break;
      }
    }
    qsort(rows, m, sizeof *rows, by_swing);
    size_t shown = m < TOP ? m : TOP;
    fig_figure *g = new_figure(figs, n, "tornado_decision",
                               "Decision tornado: incremental NMB");
    if (g == NULL) {
      free(rows);
      return HFS_ERR_NOMEM;
    }
    fig_buf_printf(&g->data, "# from owsa.csv: incremental NMB of %s minus "
                             "%s at WTP %.17g, the %zu widest of %zu "
                             "parameters\n",
                   f->strategies[best], f->strategies[second], wtp, shown, m);
    char title[512], xlabel[512];
    snprintf(title, sizeof title,
             "Decision tornado: %s minus %s, WTP %s %s/QALY",
             f->strategies[best], f->strategies[second], wtp_txt,
             f->currency);
    snprintf(xlabel, sizeof xlabel,
             "Incremental NMB, %s minus %s (%s per patient)",
             f->strategies[best], f->strategies[second], f->currency);
    tornado_script(g, f, rows, shown, base[best] - base[second], title,
                   xlabel);
    /* the zero line: where the decision changes */
    fig_buf *b = &g->script;
    char *p = strstr(b->s, "  set ytics scale 0");
    if (p) {
      size_t off = (size_t)(p - b->s);
      fig_buf rest = {0};
      fig_buf_append(&rest, b->s + off, b->len - off);
      b->len = off;
      fig_buf_printf(b, "  # a bar that crosses zero changes the decision "
                        "(zero is kept in view)\n"
                        "  set xrange [*<0:0<*]\n"
                        "  set arrow from 0, graph 0 to 0, graph 1 nohead dt "
                        "2 lw 1.5 lc rgb \"#D55E00\"\n");
      fig_buf_append(b, rest.s, rest.len);
      fig_buf_free(&rest);
    }
    set_caption(g,
                "How the net monetary benefit of the best strategy (%s) over "
                "the runner-up (%s) at %s %s per QALY moves as each parameter "
                "goes to its low and high value, widest first; a bar that "
                "crosses the dashed zero line changes the decision.",
                fig_label(f, (size_t)best), fig_label(f, (size_t)second),
                wtp_txt, f->currency);
  }
  /* each strategy's own NMB */
  for (size_t s = 0; s < f->n_strategies; s++) {
    if (!present[s])
      continue;
    size_t m = 0;
    for (size_t r = 0; r < t->n_rows; r++) {
      if (strcmp(fig_cell(t, r, cs), f->strategies[s]) != 0)
        continue;
      rows[m].param = fig_cell(t, r, cp);
      rows[m].low_value = fig_num(t, r, clv, 0, d);
      rows[m].high_value = fig_num(t, r, chv, 0, d);
      rows[m].low = fig_num(t, r, cl, 0, d);
      rows[m].high = fig_num(t, r, ch, 0, d);
      m++;
    }
    qsort(rows, m, sizeof *rows, by_swing);
    size_t shown = m < TOP ? m : TOP;
    char name[64];
    snprintf(name, sizeof name, "tornado_nmb_%s", f->strategies[s]);
    fig_figure *g = new_figure(figs, n, name, "Tornado: NMB of a strategy");
    if (g == NULL) {
      free(rows);
      return HFS_ERR_NOMEM;
    }
    snprintf(g->title, sizeof g->title, "Tornado: net monetary benefit of %s",
             f->strategies[s]);
    fig_buf_printf(&g->data, "# from owsa.csv: NMB of %s at WTP %.17g, the "
                             "%zu widest of %zu parameters\n",
                   f->strategies[s], wtp, shown, m);
    char title[512], xlabel[512];
    snprintf(title, sizeof title, "Net monetary benefit of %s, WTP %s %s/QALY",
             f->strategies[s], wtp_txt, f->currency);
    snprintf(xlabel, sizeof xlabel, "Net monetary benefit (%s per patient)",
             f->currency);
    tornado_script(g, f, rows, shown, base[s], title, xlabel);
    set_caption(g,
                "How the net monetary benefit of %s at %s %s per QALY moves "
                "as each parameter goes to its low and high value, widest "
                "first, around the base case (black line).",
                fig_label(f, s), wtp_txt, f->currency);
  }
  free(rows);
  return HFS_OK;
}

/* ---- 6. two-way map (twsa.csv) ------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static size_t unique_sorted(double *v, size_t n)
{
  qsort(v, n, sizeof *v, cmp_double);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || v[i] != v[k - 1])
      v[k++] = v[i];
  return k;
}

/* the edges of the cell around V[i] on a grid of sorted unique values */
static void cell_edges(const double *v, size_t n, size_t i, double *lo,
                       double *hi)
{
  double step_lo = i > 0 ? (v[i] - v[i - 1]) / 2 : (n > 1 ? (v[1] - v[0]) / 2 : 0.5);
  double step_hi = i + 1 < n ? (v[i + 1] - v[i]) / 2 : step_lo;
  if (i == 0)
    step_lo = step_hi;
  *lo = v[i] - step_lo;
  *hi = v[i] + step_hi;
}

static hfs_status fig_twsa(fig_folder *f, fig_figure **figs, size_t *n,
                           hfs_diag *d)
{
  fig_table *t = &f->twsa;
  if (t->n_rows == 0)
    return HFS_OK;
  int ca = fig_col(t, "value_a"), cb = fig_col(t, "value_b"),
      cs = fig_col(t, "strategy"), co = fig_col(t, "optimal"),
      cpa = fig_col(t, "parameter_a"), cpb = fig_col(t, "parameter_b"),
      cw = fig_col(t, "wtp");
  double *va = malloc(t->n_rows * sizeof *va),
         *vb = malloc(t->n_rows * sizeof *vb);
  if (va == NULL || vb == NULL) {
    free(va);
    free(vb);
    return HFS_ERR_NOMEM;
  }
  for (size_t r = 0; r < t->n_rows; r++) {
    va[r] = fig_num(t, r, ca, 0, d);
    vb[r] = fig_num(t, r, cb, 0, d);
    if (isnan(va[r]) || isnan(vb[r])) {
      free(va);
      free(vb);
      return HFS_ERR_INPUT;
    }
  }
  size_t na = unique_sorted(va, t->n_rows), nb = unique_sorted(vb, t->n_rows);
  fig_figure *g = new_figure(figs, n, "twsa_map",
                             "Two-way sensitivity: the optimal strategy");
  if (g == NULL) {
    free(va);
    free(vb);
    return HFS_ERR_NOMEM;
  }
  const char *pa = fig_cell(t, 0, cpa), *pb = fig_cell(t, 0, cpb);
  double wtp = fig_num(t, 0, cw, 0, d);
  char wtp_txt[64];
  fmt_money(wtp_txt, sizeof wtp_txt, wtp);
  fig_buf *D = &g->data;
  fig_buf_printf(D, "# from twsa.csv: the optimal strategy at WTP %.17g in "
                    "each cell of the grid\n# %s\t%s\t%s_low\t%s_high\t%s_low"
                    "\t%s_high\tlinetype\tstrategy\n",
                 wtp, pa, pb, pa, pa, pb, pb);
  int used[FIG_MAX_STRATEGIES] = {0};
  for (size_t r = 0; r < t->n_rows; r++) {
    if (strcmp(fig_cell(t, r, co), "yes") != 0)
      continue;
    double a = strtod(fig_cell(t, r, ca), NULL),
           bv = strtod(fig_cell(t, r, cb), NULL);
    size_t ia = 0, ib = 0;
    while (ia + 1 < na && va[ia] != a)
      ia++;
    while (ib + 1 < nb && vb[ib] != bv)
      ib++;
    double alo, ahi, blo, bhi;
    cell_edges(va, na, ia, &alo, &ahi);
    cell_edges(vb, nb, ib, &blo, &bhi);
    int s = fig_strategy(f, fig_cell(t, r, cs));
    used[s] = 1;
    fig_buf_printf(D, "%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%d\t", a, bv, alo,
                   ahi, blo, bhi, s + 1);
    dat_str(D, f->strategies[s]);
    fig_buf_printf(D, "\n");
  }
  script_begin(g, "twsa.csv", 760, 600);
  fig_buf *b = &g->script;
  fig_buf_printf(b, "  set title 'Optimal strategy (highest NMB at WTP %s %s "
                    "per QALY) over the two-way grid'\n  set xlabel ",
                 wtp_txt, f->currency);
  /* costs are in the scenario's currency (parameters.csv checks it) */
  char axis[300];
  snprintf(axis, sizeof axis, "%s%s%s%s", pa,
           strncmp(pa, "cost_", 5) == 0 ? " (" : "",
           strncmp(pa, "cost_", 5) == 0 ? f->currency : "",
           strncmp(pa, "cost_", 5) == 0 ? ")" : "");
  gp_str(b, axis);
  fig_buf_printf(b, "\n  set ylabel ");
  snprintf(axis, sizeof axis, "%s%s%s%s", pb,
           strncmp(pb, "cost_", 5) == 0 ? " (" : "",
           strncmp(pb, "cost_", 5) == 0 ? f->currency : "",
           strncmp(pb, "cost_", 5) == 0 ? ")" : "");
  gp_str(b, axis);
  fig_buf_printf(b, "\n  set style fill solid 0.85 noborder\n"
                    "  set autoscale fix\n  unset grid\n"
                    "  set key maxrows %zu\n"
                    "  plot 'twsa_map.dat' using 1:2:3:4:5:6:7 with "
                    "boxxyerror lc variable notitle",
                 f->n_strategies);
  for (size_t s = 0; s < f->n_strategies; s++) {
    if (!used[s])
      continue;
    fig_buf_printf(b, ", \\\n       NaN with boxes lt %zu title ", s + 1);
    gp_str(b, fig_label(f, s));
  }
  fig_buf_printf(b, "\n");
  script_end(g);
  set_caption(g,
              "Which strategy has the highest net monetary benefit at %s %s "
              "per QALY as %s and %s vary together over their ranges: a "
              "boundary between colours is where the decision changes.",
              wtp_txt, f->currency, pa, pb);
  free(va);
  free(vb);
  return HFS_OK;
}

/* ---- 7. scenarios (scenarios.csv) ---------------------------------------- */

static hfs_status fig_scenarios(fig_folder *f, fig_figure **figs, size_t *n,
                                hfs_diag *d)
{
  fig_table *t = &f->scenarios;
  if (t->n_rows == 0)
    return HFS_OK;
  int csc = fig_col(t, "scenario"), cs = fig_col(t, "strategy"),
      cn = fig_col(t, "nmb"), ce = fig_col(t, "nmb_se"),
      co = fig_col(t, "optimal"), cw = fig_col(t, "wtp");
  const char *scen[128];
  size_t nsc = 0;
  for (size_t r = 0; r < t->n_rows; r++) {
    const char *sc = fig_cell(t, r, csc);
    size_t i;
    for (i = 0; i < nsc; i++)
      if (strcmp(scen[i], sc) == 0)
        break;
    if (i == nsc && nsc < 128)
      scen[nsc++] = sc;
  }
  /* the base decision: the optimal strategy of the first scenario (base) */
  int dec = -1;
  for (size_t r = 0; r < t->n_rows; r++)
    if (strcmp(fig_cell(t, r, csc), scen[0]) == 0 &&
        strcmp(fig_cell(t, r, co), "yes") == 0)
      dec = fig_strategy(f, fig_cell(t, r, cs));
  if (dec < 0)
    return HFS_OK;
  double wtp = fig_num(t, 0, cw, 0, d);
  char wtp_txt[64];
  fmt_money(wtp_txt, sizeof wtp_txt, wtp);
  int present[FIG_MAX_STRATEGIES];
  int k = strategies_in(t, f, present);
  fig_figure *g = new_figure(figs, n, "scenarios",
                             "Scenario analysis: incremental NMB");
  if (g == NULL)
    return HFS_ERR_NOMEM;
  fig_buf *D = &g->data;
  fig_buf_printf(D, "# from scenarios.csv: NMB of each strategy minus that of "
                    "%s (the base decision) per scenario,\n# with 1.96 x the "
                    "unpaired standard error sqrt(se^2 + se_base^2)\n"
                    "# y\tincremental_nmb\thalf_width\tscenario\n",
                 f->strategies[dec]);
  script_begin(g, "scenarios.csv", 820, 160 + 34 * (int)nsc * (k > 3 ? 2 : 1));
  fig_buf *b = &g->script;
  fig_buf_printf(b,
                 "  set title 'Scenarios: NMB against the base decision (%s), "
                 "WTP %s %s/QALY'\n"
                 "  set xlabel 'Incremental net monetary benefit vs %s (%s "
                 "per patient; k = thousand)'\n"
                 "  set format x \"%%.0s%%c\"  # SI prefix: -20k\n"
                 "  set xrange [*<0:0<*]  # zero in view\n"
                 "  set yrange [0.4:%zu.6]\n"
                 "  set grid noytics\n  set key maxrows %d\n"
                 "  set arrow from 0, graph 0 to 0, graph 1 nohead dt 2 lc "
                 "rgb \"#555555\"\n  set ytics (",
                 f->strategies[dec], wtp_txt, f->currency, f->strategies[dec],
                 f->currency, nsc, k);
  for (size_t i = 0; i < nsc; i++) {
    gp_str(b, scen[i]);
    fig_buf_printf(b, " %zu%s", nsc - i, i + 1 < nsc ? ", " : "");
  }
  fig_buf_printf(b, ") scale 0\n  # right of the dashed line: better than "
                    "the base decision in that scenario\n  plot");
  int block = 0, others = k - 1, first = 1;
  for (size_t s = 0; s < f->n_strategies; s++) {
    if (!present[s])
      continue;
    fig_buf_printf(D, "%s# block %d: %s\n", block ? "\n\n" : "", block,
                   f->strategies[s]);
    double off = others > 0 ? (others / 2.0 - (double)block) * 0.6 /
                                  (others > 1 ? others : 1)
                            : 0;
    if ((int)s == dec)
      off = 0;
    for (size_t i = 0; i < nsc; i++) {
      double x = HFS_NAN, se = HFS_NAN, xd = HFS_NAN, sed = HFS_NAN;
      for (size_t r = 0; r < t->n_rows; r++) {
        if (strcmp(fig_cell(t, r, csc), scen[i]) != 0)
          continue;
        if (strcmp(fig_cell(t, r, cs), f->strategies[s]) == 0) {
          x = fig_num(t, r, cn, 0, d);
          se = fig_num(t, r, ce, 1, d);
        }
        if (strcmp(fig_cell(t, r, cs), f->strategies[dec]) == 0) {
          xd = fig_num(t, r, cn, 0, d);
          sed = fig_num(t, r, ce, 1, d);
        }
      }
      if (isnan(x) || isnan(xd))
        continue;
      double hw = (int)s == dec ? 0 : HFS_Z95 * sqrt(se * se + sed * sed);
      fig_buf_printf(D, "%.4f\t%.17g\t%.17g\t", (double)(nsc - i) + off,
                     x - xd, isnan(hw) ? 0 : hw);
      dat_str(D, scen[i]);
      fig_buf_printf(D, "\n");
    }
    if ((int)s != dec) {
      fig_buf_printf(b, "%s'scenarios.dat' index %d using 2:1:($2-$3):($2+$3) "
                        "with xerrorbars pt 7 ps 1.2 lt %zu title ",
                     first ? " " : ", \\\n       ", block, s + 1);
      gp_str(b, fig_label(f, s));
      first = 0;
    }
    block++;
  }
  fig_buf_printf(b, "\n");
  script_end(g);
  set_caption(g,
              "For each scenario, the net monetary benefit of every strategy "
              "minus that of the base case's choice (%s) at %s %s per QALY, "
              "with 95%% error bars from the unpaired standard errors (wider "
              "than the paired ones, as strategies share patients); a point "
              "right of zero means that scenario changes the decision.",
              fig_label(f, (size_t)dec), wtp_txt, f->currency);
  return HFS_OK;
}

/* ---- 10. convergence of a run with --target-se (convergence.csv) ------ */

static hfs_status fig_convergence_run(fig_folder *f, fig_figure **figs,
                                      size_t *n, hfs_diag *d)
{
  fig_table *t = &f->convergence;
  if (t->n_rows == 0)
    return HFS_OK;
  int cp = fig_col(t, "patients"), cs = fig_col(t, "strategy"),
      cc = fig_col(t, "comparator"), cw = fig_col(t, "wtp"),
      cm = fig_col(t, "incremental_nmb"), ce = fig_col(t, "incremental_nmb_se"),
      ct = fig_col(t, "target_se");
  /* a convergence.csv left by an earlier --target-se run into the same
   * folder is not this run's: its last round must be the cohort of the
   * manifest */
  const char *mp = fig_manifest(f, "patients");
  if (mp && strtod(mp, NULL) != strtod(fig_cell(t, t->n_rows - 1, cp), NULL))
    return HFS_OK;
  fig_figure *g = new_figure(figs, n, "convergence_run",
                             "Convergence of the run (--target-se)");
  if (g == NULL)
    return HFS_ERR_NOMEM;
  fig_buf *D = &g->data;
  fig_buf_printf(D, "# from convergence.csv: one row per round of "
                    "--target-se (the cohort doubles)\n"
                    "# patients\tincremental_nmb\tse\tpair\n");
  for (size_t r = 0; r < t->n_rows; r++) {
    /* (an empty se, fewer than two patients: NaN, no bar) */
    fig_buf_printf(D, "%.17g\t%.17g\t%.17g\t", fig_num(t, r, cp, 0, d),
                   fig_num(t, r, cm, 0, d), fig_num(t, r, ce, 1, d));
    dat_str(D, fig_cell(t, r, cs));
    fig_buf_printf(D, " vs ");
    dat_str(D, fig_cell(t, r, cc));
    fig_buf_printf(D, "\n");
  }
  size_t last = t->n_rows - 1;
  double wtp = fig_num(t, last, cw, 0, d);
  double target = HFS_NAN;
  if (ct >= 0)
    target = fig_num(t, last, ct, 1, d);
  char wtp_txt[64];
  fmt_money(wtp_txt, sizeof wtp_txt, wtp);
  script_begin(g, "convergence.csv", 760, 520);
  fig_buf *b = &g->script;
  char lab[512];
  snprintf(lab, sizeof lab, "Incremental NMB, %s vs %s (%s per patient)",
           fig_cell(t, last, cs), fig_cell(t, last, cc), f->currency);
  fig_buf_printf(b, "  set title 'Convergence: incremental net monetary "
                    "benefit at WTP %s by cohort size'\n"
                    "  set xlabel 'Patients simulated (log scale)'\n"
                    "  set logscale x 2\n  set format x \"%%.0f\"\n"
                    "  set format y \"%%.0f\"\n  set offsets graph 0.05, "
                    "graph 0.05, 0, 0\n  set ylabel ",
                 wtp_txt);
  gp_str(b, lab);
  fig_buf_printf(b, "\n  # each round doubles the cohort; bars: +- 2 paired "
                    "standard errors\n"
                    "  plot 'convergence_run.dat' using 1:2:(2*$3) with "
                    "yerrorbars lt 1 pt 7 title 'Mean ± 2 standard errors', "
                    "\\\n       '' using 1:2 with lines lt 1 notitle\n");
  script_end(g);
  set_caption(g,
              "The incremental net monetary benefit of %s against %s at %s "
              "%s per QALY after each doubling of the cohort, with bars of "
              "two paired Monte Carlo standard errors%s: the run stopped "
              "when the bars were short enough.",
              fig_cell(t, last, cs), fig_cell(t, last, cc), wtp_txt,
              f->currency, isnan(target) ? "" : " (the target is one se)");
  return HFS_OK;
}

/* ---- the table ------------------------------------------------------------ */

typedef hfs_status (*fig_builder)(fig_folder *, fig_figure **, size_t *,
                                  hfs_diag *);

static const fig_builder builders[] = {
    fig_ce_plane, fig_trace, fig_convergence_run, fig_psa,
    fig_voi,      fig_owsa,  fig_twsa,            fig_scenarios,
    fig_calibration_fit, fig_posterior_pairs};

hfs_status fig_plan(fig_folder *f, fig_figure **figs, size_t *n, hfs_diag *d)
{
  *figs = NULL;
  *n = 0;
  for (size_t i = 0; i < sizeof builders / sizeof builders[0]; i++) {
    size_t errors = hfs_diag_count(d);
    hfs_status s = builders[i](f, figs, n, d);
    if (s == HFS_OK && hfs_diag_count(d) > errors)
      s = HFS_ERR_INPUT;
    if (s != HFS_OK)
      return s;
  }
  for (size_t i = 0; i < *n; i++)
    if ((*figs)[i].data.failed || (*figs)[i].script.failed ||
        (*figs)[i].caption == NULL)
      return HFS_ERR_NOMEM;
  return HFS_OK;
}

void fig_figures_free(fig_figure *figs, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    fig_buf_free(&figs[i].data);
    fig_buf_free(&figs[i].script);
    free(figs[i].caption);
    free(figs[i].svg);
    free(figs[i].png);
    free(figs[i].pdf);
  }
  free(figs);
}
