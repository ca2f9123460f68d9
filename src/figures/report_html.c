/*
 * report_html.c - report.html: one self-contained file (inline CSS and SVG,
 * no script, no reference outside the file; a Content-Security-Policy that
 * forbids any request), readable on screen and printable (@media print).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fig_internal.h"
#include "hfsim/mathx.h"
#include "hfsim/figures.h"
#include "hfsim/version.h"

static void esc(FILE *o, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '&':
      fputs("&amp;", o);
      break;
    case '<':
      fputs("&lt;", o);
      break;
    case '>':
      fputs("&gt;", o);
      break;
    case '"':
      fputs("&quot;", o);
      break;
    default:
      fputc(*s, o);
    }
  }
}

/* X with DEC decimals and thousands separators; "" when NaN. */
static void num(FILE *o, double x, int dec)
{
  if (isnan(x))
    return;
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", dec, fabs(x));
  char *dot = strchr(buf, '.');
  size_t int_len = dot ? (size_t)(dot - buf) : strlen(buf);
  if (x < 0 && strspn(buf, "0.") != strlen(buf))
    fputc('-', o);
  for (size_t i = 0; i < int_len; i++) {
    fputc(buf[i], o);
    if ((int_len - 1 - i) % 3 == 0 && i + 1 < int_len)
      fputc(',', o);
  }
  if (dot)
    fputs(dot, o);
}

static double cellnum(const fig_table *t, size_t r, const char *col)
{
  const char *v = fig_cell(t, r, fig_col(t, col));
  if (v[0] == '\0')
    return HFS_NAN;
  char *end;
  double x = strtod(v, &end);
  if (*end)
    return HFS_NAN;
  return x;
}

static void label_cell(FILE *o, fig_folder *f, const char *name)
{
  int s = fig_strategy(f, name);
  fputs("<td><b>", o);
  esc(o, name);
  fputs("</b>", o);
  if (s >= 0 && f->labels[s]) {
    fputs("<br><small>", o);
    esc(o, f->labels[s]);
    fputs("</small>", o);
  }
  fputs("</td>", o);
}

static void mean_se(FILE *o, double m, double se, int dec)
{
  fputs("<td class=n>", o);
  num(o, m, dec);
  if (!isnan(se)) {
    fputs(" <span class=se>(", o);
    num(o, se, dec + 1);
    fputs(")</span>", o);
  }
  fputs("</td>", o);
}

static const char css[] =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:"
    "60rem;margin:1.5rem auto;padding:0 1rem;color:#222;line-height:1.45}"
    "h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-"
    "bottom:1px solid #ccc;margin-top:2rem}h3{font-size:1.05rem;margin:.2rem "
    "0}"
    "table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}"
    "th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;"
    "vertical-align:top}td.n{text-align:right;white-space:nowrap}"
    "th{background:#f3f3f3}.se{color:#666;font-size:.85em}"
    "small{color:#555}pre{background:#f6f6f6;padding:.6rem;font-size:.78rem;"
    "white-space:pre-wrap;word-break:break-all}"
    "figure{margin:1.5rem 0;page-break-inside:avoid;break-inside:avoid}"
    "figure svg{width:100%;height:auto;display:block;border:1px solid #eee}"
    "figcaption{font-size:.9rem;color:#333;margin-top:.3rem}"
    ".files{font-size:.8rem;color:#555}.warn{color:#a33}"
    "@media print{body{max-width:none;margin:0;font-size:10pt}"
    "h2{page-break-after:avoid;break-after:avoid}"
    "figure{page-break-inside:avoid;break-inside:avoid}"
    "figure svg{border:none;max-height:22cm}pre{font-size:7pt}"
    "a{color:inherit;text-decoration:none}}";

/* The SVG from gnuplot, inline: without the XML prolog, with every id
 * prefixed by the figure's name so the figures' ids do not collide. */
static void inline_svg(FILE *o, const fig_figure *g)
{
  const char *p = strstr(g->svg, "<svg");
  if (p == NULL)
    return;
  const char *end = g->svg + g->svg_len;
  while (p < end) {
    static const char *const pats[] = {"id='",  "id=\"",  "href='#",
                                       "href=\"#", "url(#"};
    size_t best_i = 5;
    const char *best = NULL;
    for (size_t i = 0; i < 5; i++) {
      const char *q = strstr(p, pats[i]);
      if (q && q < end && (best == NULL || q < best)) {
        best = q;
        best_i = i;
      }
    }
    if (best == NULL) {
      fwrite(p, 1, (size_t)(end - p), o);
      break;
    }
    size_t pl = strlen(pats[best_i]);
    fwrite(p, 1, (size_t)(best - p) + pl, o);
    fprintf(o, "%s-", g->name);
    p = best + pl;
  }
}

static void summary_table(FILE *o, fig_folder *f)
{
  fig_table *t = &f->summary;
  if (t->n_rows == 0)
    return;
  int has_ly = fig_col(t, "life_years_mean") >= 0;
  int has_sf = fig_col(t, "spasm_free_years_mean") >= 0;
  fprintf(o, "<h2>Summary</h2><p>Mean per patient with its Monte Carlo "
             "standard error in brackets (summary.csv); costs in %s and QALYs "
             "discounted.</p><table><tr><th>Strategy</th><th>Patients</th>"
             "<th>Cost (%s)</th><th>QALYs</th>",
          f->currency, f->currency);
  if (has_ly)
    fputs("<th>Life-years</th>", o);
  if (has_sf)
    fputs("<th>Spasm-free years</th>", o);
  fputs("</tr>\n", o);
  for (size_t r = 0; r < t->n_rows; r++) {
    fputs("<tr>", o);
    label_cell(o, f, fig_cell(t, r, fig_col(t, "strategy")));
    fputs("<td class=n>", o);
    num(o, cellnum(t, r, "patients"), 0);
    fputs("</td>", o);
    mean_se(o, cellnum(t, r, "cost_mean"), cellnum(t, r, "cost_se"), 0);
    mean_se(o, cellnum(t, r, "qaly_mean"), cellnum(t, r, "qaly_se"), 3);
    if (has_ly)
      mean_se(o, cellnum(t, r, "life_years_mean"),
              cellnum(t, r, "life_years_se"), 2);
    if (has_sf)
      mean_se(o, cellnum(t, r, "spasm_free_years_mean"),
              cellnum(t, r, "spasm_free_years_se"), 2);
    fputs("</tr>\n", o);
  }
  fputs("</table>\n", o);
}

static void icer_table(FILE *o, fig_folder *f)
{
  fig_table *t = &f->cea;
  if (t->n_rows == 0)
    return;
  int cw = fig_col(t, "wtp");
  const char *w0 = fig_cell(t, 0, cw);
  fprintf(o,
          "<h2>Incremental analysis (ICERs)</h2><p>Strategies by cost, with "
          "strict and extended dominance as in dampack's "
          "<code>calculate_icers()</code> (cea.csv). Increments are against "
          "the comparator, with paired standard errors; ICERs in %s per "
          "QALY.</p><table><tr><th>Strategy</th><th>Cost (%s)</th><th>QALYs"
          "</th><th>Status</th><th>vs</th><th>Incr. cost</th><th>Incr. QALYs"
          "</th><th>ICER</th></tr>\n",
          f->currency, f->currency);
  for (size_t r = 0; r < t->n_rows; r++) {
    if (strcmp(fig_cell(t, r, cw), w0) != 0)
      continue;
    fputs("<tr>", o);
    label_cell(o, f, fig_cell(t, r, fig_col(t, "strategy")));
    mean_se(o, cellnum(t, r, "cost"), cellnum(t, r, "cost_se"), 0);
    mean_se(o, cellnum(t, r, "qaly"), cellnum(t, r, "qaly_se"), 3);
    fputs("<td>", o);
    const char *st = fig_cell(t, r, fig_col(t, "status"));
    esc(o, strcmp(st, "extendedly_dominated") == 0 ? "extendedly dominated"
                                                    : st);
    fputs("</td><td>", o);
    esc(o, fig_cell(t, r, fig_col(t, "comparator")));
    fputs("</td>", o);
    mean_se(o, cellnum(t, r, "incremental_cost"),
            cellnum(t, r, "incremental_cost_se"), 0);
    mean_se(o, cellnum(t, r, "incremental_qaly"),
            cellnum(t, r, "incremental_qaly_se"), 3);
    fputs("<td class=n>", o);
    num(o, cellnum(t, r, "icer"), 0);
    fputs("</td></tr>\n", o);
  }
  fputs("</table>\n<p>Net monetary benefit per patient, with its standard "
        "error in brackets; the increment against the comparator with the "
        "paired standard error of the difference:</p><table><tr>"
        "<th>WTP</th><th>Strategy</th><th>NMB</th><th>Incr. NMB</th>"
        "<th>Optimal</th></tr>\n",
        o);
  for (size_t r = 0; r < t->n_rows; r++) {
    fputs("<tr><td class=n>", o);
    num(o, cellnum(t, r, "wtp"), 0);
    fputs("</td><td>", o);
    esc(o, fig_cell(t, r, fig_col(t, "strategy")));
    fputs("</td>", o);
    mean_se(o, cellnum(t, r, "nmb"), cellnum(t, r, "nmb_se"), 0);
    mean_se(o, cellnum(t, r, "incremental_nmb"),
            cellnum(t, r, "incremental_nmb_se"), 0);
    fputs("<td>", o);
    esc(o, fig_cell(t, r, fig_col(t, "optimal")));
    fputs("</td></tr>\n", o);
  }
  fputs("</table>\n", o);
}

static void psa_table(FILE *o, fig_folder *f)
{
  fig_table *t = &f->psa_summary;
  if (t->n_rows == 0)
    return;
  fprintf(o, "<h2>PSA summary</h2><p>Mean over iterations with its Monte "
             "Carlo standard error in brackets, and the 2.5&ndash;97.5%% "
             "interval (psa_summary.csv); costs in %s.</p><table><tr><th>"
             "Strategy</th><th>Cost</th><th>95%% interval</th><th>QALYs</th>"
             "<th>95%% interval</th></tr>\n",
          f->currency);
  for (size_t r = 0; r < t->n_rows; r++) {
    fputs("<tr>", o);
    label_cell(o, f, fig_cell(t, r, fig_col(t, "strategy")));
    mean_se(o, cellnum(t, r, "cost_mean"), cellnum(t, r, "cost_se"), 0);
    fputs("<td class=n>", o);
    num(o, cellnum(t, r, "cost_p2_5"), 0);
    fputs(" &ndash; ", o);
    num(o, cellnum(t, r, "cost_p97_5"), 0);
    fputs("</td>", o);
    mean_se(o, cellnum(t, r, "qaly_mean"), cellnum(t, r, "qaly_se"), 3);
    fputs("<td class=n>", o);
    num(o, cellnum(t, r, "qaly_p2_5"), 3);
    fputs(" &ndash; ", o);
    num(o, cellnum(t, r, "qaly_p97_5"), 3);
    fputs("</td></tr>\n", o);
  }
  fputs("</table>\n", o);
}

static void scenarios_table(FILE *o, fig_folder *f)
{
  fig_table *t = &f->scenarios;
  if (t->n_rows == 0)
    return;
  fprintf(o, "<h2>Scenarios</h2><p>Each scenario's results on the same "
             "patients (scenarios.csv): means per patient with Monte Carlo "
             "standard errors, costs and net monetary benefit in %s at the "
             "WTP shown.</p><table><tr><th>Scenario</th><th>Strategy</th>"
             "<th>Cost</th><th>QALYs</th><th>NMB</th><th>Status</th>"
             "<th>ICER</th><th>Optimal</th></tr>\n",
          f->currency);
  for (size_t r = 0; r < t->n_rows; r++) {
    fputs("<tr><td>", o);
    esc(o, fig_cell(t, r, fig_col(t, "scenario")));
    fputs("</td><td>", o);
    esc(o, fig_cell(t, r, fig_col(t, "strategy")));
    fputs("</td>", o);
    mean_se(o, cellnum(t, r, "cost"), cellnum(t, r, "cost_se"), 0);
    mean_se(o, cellnum(t, r, "qaly"), cellnum(t, r, "qaly_se"), 3);
    mean_se(o, cellnum(t, r, "nmb"), cellnum(t, r, "nmb_se"), 0);
    fputs("<td>", o);
    esc(o, fig_cell(t, r, fig_col(t, "status")));
    fputs("</td><td class=n>", o);
    num(o, cellnum(t, r, "icer"), 0);
    fputs("</td><td>", o);
    esc(o, fig_cell(t, r, fig_col(t, "optimal")));
    fputs("</td></tr>\n", o);
  }
  fputs("</table>\n", o);
}

/* A number with 4 significant digits ("%.4g"); "" when NaN. Calibration
 * targets and parameters have any scale, so no fixed decimals. */
static void sig(FILE *o, double x)
{
  if (!isnan(x))
    fprintf(o, "%.4g", x);
}

static void text_cell(FILE *o, const fig_table *t, size_t r, const char *col)
{
  fputs("<td>", o);
  esc(o, fig_cell(t, r, fig_col(t, col)));
  fputs("</td>", o);
}

static void calibration_tables(FILE *o, fig_folder *f)
{
  fig_table *t = &f->calibration_targets;
  if (t->n_rows > 0) {
    fputs("<h2>Calibration: fit at each target</h2><p>The published value "
          "and its 95% interval against the model at the best fit, with its "
          "Monte Carlo standard error in brackets; z = (model - target) / "
          "sqrt(target se<sup>2</sup> + MCSE<sup>2</sup>) "
          "(calibration_targets.csv).</p><table><tr><th>Target</th>"
          "<th>Strategy</th><th>Outcome</th><th>Published</th>"
          "<th>95% interval</th><th>Model, best fit</th><th>z</th>"
          "<th>Inside</th><th>Model, posterior mean</th></tr>\n",
          o);
    for (size_t r = 0; r < t->n_rows; r++) {
      fputs("<tr>", o);
      text_cell(o, t, r, "metric");
      text_cell(o, t, r, "strategy");
      text_cell(o, t, r, "outcome");
      fputs("<td class=n>", o);
      sig(o, cellnum(t, r, "published_value"));
      fputs("</td><td class=n>", o);
      sig(o, cellnum(t, r, "published_low"));
      fputs(" &ndash; ", o);
      sig(o, cellnum(t, r, "published_high"));
      fputs("</td><td class=n>", o);
      sig(o, cellnum(t, r, "model_value"));
      fputs(" <span class=se>(", o);
      sig(o, cellnum(t, r, "model_mcse"));
      fputs(")</span></td><td class=n>", o);
      double z = cellnum(t, r, "z");
      if (!isnan(z))
        fprintf(o, "%+.2f", z);
      fputs("</td>", o);
      text_cell(o, t, r, "within_interval");
      fputs("<td class=n>", o);
      sig(o, cellnum(t, r, "posterior_model_mean"));
      fputs("</td></tr>\n", o);
    }
    fputs("</table>\n", o);
  }
  t = &f->calibrated_parameters;
  if (t->n_rows > 0) {
    fputs("<h2>Calibrated parameters</h2><p>Search bounds, the best fit "
          "(Nelder-Mead) and whether it sits at a bound, and the posterior "
          "mean (sd) and 95% interval from sampling importance resampling "
          "(calibrated_parameters.csv; empty without it).</p><table><tr>"
          "<th>Parameter</th><th>Table value</th><th>Bounds</th>"
          "<th>Best fit</th><th>At a bound</th><th>Posterior mean</th>"
          "<th>95% interval</th></tr>\n",
          o);
    for (size_t r = 0; r < t->n_rows; r++) {
      fputs("<tr>", o);
      text_cell(o, t, r, "parameter");
      fputs("<td class=n>", o);
      sig(o, cellnum(t, r, "table_value"));
      fputs("</td><td class=n>", o);
      sig(o, cellnum(t, r, "low"));
      fputs(" &ndash; ", o);
      sig(o, cellnum(t, r, "high"));
      fputs("</td><td class=n>", o);
      sig(o, cellnum(t, r, "best_fit"));
      fputs("</td>", o);
      text_cell(o, t, r, "at_bound");
      fputs("<td class=n>", o);
      sig(o, cellnum(t, r, "posterior_mean"));
      if (!isnan(cellnum(t, r, "posterior_sd"))) {
        fputs(" <span class=se>(", o);
        sig(o, cellnum(t, r, "posterior_sd"));
        fputs(")</span>", o);
      }
      fputs("</td><td class=n>", o);
      if (!isnan(cellnum(t, r, "posterior_p2_5"))) {
        sig(o, cellnum(t, r, "posterior_p2_5"));
        fputs(" &ndash; ", o);
        sig(o, cellnum(t, r, "posterior_p97_5"));
      }
      fputs("</td></tr>\n", o);
    }
    fputs("</table>\n", o);
  }
}

void fig_report_html(FILE *o, const fig_folder *cf, const fig_figure *figs,
                     size_t n, const hfs_report_result *res)
{
  fig_folder *f = (fig_folder *)cf; /* fig_strategy may add a name */
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
        "\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
        "'none'; style-src 'unsafe-inline'\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "\n<title>hfsim report",
        o);
  if (f->command[0]) {
    fputs(": ", o);
    esc(o, f->command);
  }
  fprintf(o, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
  fputs("<h1>hfsim report", o);
  if (f->command[0]) {
    fputs(": <code>", o);
    esc(o, f->command);
    fputs("</code>", o);
  }
  fputs("</h1>\n<p>", o);
  const char *v = fig_manifest(f, "hfsim_version");
  const char *git = fig_manifest(f, "git_commit");
  const char *model = fig_manifest(f, "model");
  fputs("Results written by hfsim ", o);
  esc(o, v ? v : "?");
  fputs(" (git ", o);
  esc(o, git ? git : "?");
  fputs(")", o);
  if (model) {
    fputs(", model <b>", o);
    esc(o, model);
    fputs("</b>", o);
  }
  const char *when = fig_manifest(f, "started_utc");
  if (when) {
    fputs(", started ", o);
    esc(o, when);
  }
  fprintf(o, ". This page was rebuilt from the folder's CSV files by hfsim "
             "%s (git %s); <code>hfsim report DIR</code> rebuilds it.</p>\n",
          HFS_VERSION, HFS_GIT_COMMIT);

  /* key settings */
  static const char *const keys[][2] = {
      {"command", "Command"},
      {"scenario", "Scenario file"},
      {"model", "Model"},
      {"strategies", "Strategies"},
      {"patients", "Patients"},
      {"seed", "Seed"},
      {"scenario_section", "Scenario section (--scenario)"},
      {"horizon_years", "Horizon (years)"},
      {"discount_rate_costs", "Discount rate, costs"},
      {"discount_rate_qalys", "Discount rate, QALYs"},
      {"currency", "Currency"},
      {"wtp", "Willingness to pay (per QALY)"},
      {"wtp_main", "Main willingness to pay"},
      {"psa_iterations", "PSA iterations"},
      {"psa_patients_per_iteration", "Patients per PSA iteration"},
      {"psa_population", "Population for EVPI"},
      {"calibration_targets_file", "Calibration targets"},
      {"calibration_evaluations", "Calibration: model evaluations"},
      {"calibration_patients_per_evaluation",
       "Calibration: patients per evaluation"},
      {"calibration_sir_ess", "Calibration: SIR effective sample size"}};
  fputs("<h2>Key settings</h2><table>\n", o);
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *val = fig_manifest(f, keys[i][0]);
    if (val == NULL)
      continue;
    fprintf(o, "<tr><th>%s</th><td>", keys[i][1]);
    if (strncmp(keys[i][0], "discount", 8) == 0) {
      fprintf(o, "%g", strtod(val, NULL));
    } else
      esc(o, val);
    fputs("</td></tr>\n", o);
  }
  int overrides = 0;
  for (size_t i = 0; i < f->n_manifest; i++)
    if (strcmp(f->mkeys[i], "override") == 0) {
      fputs(overrides++ ? "<br>" : "<tr><th>Overrides (--set)</th><td>", o);
      esc(o, f->mvalues[i]);
    }
  if (overrides)
    fputs("</td></tr>\n", o);
  fputs("</table>\n", o);

  summary_table(o, f);
  icer_table(o, f);
  psa_table(o, f);
  scenarios_table(o, f);
  calibration_tables(o, f);

  fputs("<h2>Figures</h2>\n", o);
  if (n == 0)
    fputs("<p>This folder's files allow no figure.</p>\n", o);
  if (res->gnuplot_missing)
    fputs("<p class=warn>The figures were not drawn: gnuplot was not found. "
          "Install it (<code>apt-get install gnuplot-nox</code>) and run "
          "<code>hfsim report DIR</code>.</p>\n",
          o);
  for (size_t i = 0; i < n; i++) {
    const fig_figure *g = &figs[i];
    fprintf(o, "<figure id=\"fig-%s\">\n<h3>Figure %zu. ", g->name, i + 1);
    esc(o, g->title);
    fputs("</h3>\n", o);
    if (g->drawn)
      inline_svg(o, g);
    else
      fputs("<p class=warn>Not drawn (see the warning hfsim printed).</p>",
            o);
    fputs("<figcaption>", o);
    esc(o, g->caption);
    fprintf(o, " <span class=files>Files: figures/%s.svg, .png, .pdf; "
               "re-draw with <code>cd figures &amp;&amp; gnuplot %s.gp"
               "</code>.</span></figcaption>\n</figure>\n",
            g->name, g->name);
  }

  fputs("<h2>Manifest</h2><p>manifest.txt: what is needed to re-run these "
        "results.</p><pre>",
        o);
  for (size_t i = 0; i < f->n_manifest; i++) {
    esc(o, f->mkeys[i]);
    fputs(": ", o);
    esc(o, f->mvalues[i]);
    fputc('\n', o);
  }
  fputs("</pre>\n</body>\n</html>\n", o);
}
