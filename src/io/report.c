/*
 * report.c - summary.csv, trace.csv and the data dictionary (see report.h).
 */
#include "hfsim/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hfsim/calibrate.h"
#include "hfsim/cea.h"
#include "hfsim/mathx.h"
#include "hfsim/numfmt.h"
#include "hfsim/output.h"

static const char *unit_text(const char *unit)
{
  if (strcmp(unit, "currency") == 0)
    return "currency of the scenario ([economics] currency)";
  return unit;
}

hfs_column *hfs_summary_columns(const hfs_model_class *c, size_t *n)
{
  size_t cap = 3 + 6 * c->n_outcomes;
  hfs_column *cols = calloc(cap, sizeof *cols);
  if (cols == NULL)
    return NULL;
  size_t k = 0;
  snprintf(cols[k].name, sizeof cols[k].name, "strategy");
  snprintf(cols[k].description, sizeof cols[k].description,
           "strategy name, as in the scenario file's [strategy NAME]");
  cols[k].outcome = -1;
  cols[k++].what = HFS_COL_STRATEGY;
  snprintf(cols[k].name, sizeof cols[k].name, "patients");
  snprintf(cols[k].description, sizeof cols[k].description,
           "number of simulated patients");
  cols[k].outcome = -1;
  cols[k++].what = HFS_COL_PATIENTS;
  for (size_t o = 0; o < c->n_outcomes; o++) {
    const hfs_outcome_def *def = &c->outcomes[o];
    if (def->flags & HFS_OUT_HIDDEN)
      continue;
    int prop = (def->flags & HFS_OUT_PROPORTION) != 0;
    const char *u = unit_text(def->unit);
    hfs_column *col = &cols[k++];
    col->outcome = (int)o;
    col->what = HFS_COL_MEAN;
    if (prop) {
      snprintf(col->name, sizeof col->name, "%s", def->name);
      snprintf(col->description, sizeof col->description, "%s (0-1)",
               def->description);
    } else {
      snprintf(col->name, sizeof col->name, "%s_mean", def->name);
      snprintf(col->description, sizeof col->description, "mean %s (%s)",
               def->description, u);
    }
    col = &cols[k++];
    col->outcome = (int)o;
    col->what = HFS_COL_SE;
    snprintf(col->name, sizeof col->name, "%s_se", def->name);
    snprintf(col->description, sizeof col->description,
             "Monte Carlo standard error of %s%s (empty for fewer than 2 "
             "patients)",
             def->name, prop ? "" : "_mean");
    if (def->flags & HFS_OUT_INTERVAL) {
      col = &cols[k++];
      col->outcome = (int)o;
      col->what = HFS_COL_SD;
      snprintf(col->name, sizeof col->name, "%s_sd", def->name);
      snprintf(col->description, sizeof col->description,
               "standard deviation of %s across patients (%s; empty for "
               "fewer than 2 patients)",
               def->description, u);
      col = &cols[k++];
      col->outcome = (int)o;
      col->what = HFS_COL_CI_LOW;
      snprintf(col->name, sizeof col->name, "%s_ci_low", def->name);
      snprintf(col->description, sizeof col->description,
               "lower end of the 95%% confidence interval of %s_mean "
               "(mean - 1.959964 se, the normal 97.5%% quantile; empty for "
               "fewer than 2 patients)",
               def->name);
      col = &cols[k++];
      col->outcome = (int)o;
      col->what = HFS_COL_CI_HIGH;
      snprintf(col->name, sizeof col->name, "%s_ci_high", def->name);
      snprintf(col->description, sizeof col->description,
               "upper end of the 95%% confidence interval of %s_mean "
               "(mean + 1.959964 se; empty for fewer than 2 patients)",
               def->name);
    }
    if (def->condition >= 0) {
      col = &cols[k++];
      col->outcome = (int)o;
      col->what = HFS_COL_N;
      snprintf(col->name, sizeof col->name, "%s_n", def->name);
      snprintf(col->description, sizeof col->description,
               "number of patients %s is computed over (%s)", def->name,
               c->outcomes[def->condition].description);
    }
  }
  snprintf(cols[k].name, sizeof cols[k].name, "currency");
  snprintf(cols[k].description, sizeof cols[k].description,
           "the currency of every money column ([economics] currency), so "
           "a table read on its own still says what its costs are in");
  cols[k].outcome = -1;
  cols[k++].what = HFS_COL_CURRENCY;
  *n = k;
  return cols;
}

static void put_number(FILE *f, double x)
{
  char buf[40];
  fputs(hfs_format_double(buf, sizeof buf, x), f);
}

void hfs_write_summary(FILE *f, const hfs_model *m, const hfs_results *r)
{
  size_t n;
  hfs_column *cols = hfs_summary_columns(m->cls, &n);
  if (cols == NULL)
    return; /* out of memory: the file stays empty */
  for (size_t k = 0; k < n; k++)
    fprintf(f, "%s%s", k ? "," : "", cols[k].name);
  fputc('\n', f);
  for (size_t s = 0; s < r->n_strategies; s++) {
    for (size_t k = 0; k < n; k++) {
      if (k)
        fputc(',', f);
      const hfs_column *col = &cols[k];
      if (col->what == HFS_COL_STRATEGY) {
        hfs_csv_write_text(f, m->strategy_names[s]);
        continue;
      }
      if (col->what == HFS_COL_PATIENTS) {
        fprintf(f, "%llu", (unsigned long long)r->patients);
        continue;
      }
      if (col->what == HFS_COL_CURRENCY) {
        hfs_csv_write_text(f, m->currency);
        continue;
      }
      const hfs_accum *a = &r->outcomes[s * r->n_outcomes + col->outcome];
      if (col->what == HFS_COL_N) {
        fprintf(f, "%llu", (unsigned long long)a->n);
        continue;
      }
      if (a->n == 0)
        continue; /* empty cell: not available (an empty condition) */
      double se = hfs_accum_se(a);
      switch (col->what) {
      case HFS_COL_MEAN:
        put_number(f, a->mean);
        break;
      case HFS_COL_SE:
        put_number(f, se);
        break;
      case HFS_COL_SD:
        put_number(f, hfs_accum_sd(a));
        break;
      case HFS_COL_CI_LOW:
        put_number(f, a->mean - HFS_Z95 * se);
        break;
      case HFS_COL_CI_HIGH:
        put_number(f, a->mean + HFS_Z95 * se);
        break;
      default:
        break;
      }
    }
    fputc('\n', f);
  }
  free(cols);
}

static const char *level_label(const hfs_attribute_def *def, size_t level,
                               char *buf, size_t n)
{
  if (def->band_width <= 0)
    return def->levels[level];
  double lo = def->band_origin + (double)level * def->band_width;
  if ((int)level == def->n_levels - 1)
    snprintf(buf, n, "%g+", lo);
  else if (level == 0)
    snprintf(buf, n, "under %g", lo + def->band_width);
  else
    snprintf(buf, n, "%g-%g", lo, lo + def->band_width - 1);
  return buf;
}

void hfs_write_subgroups(FILE *f, const hfs_model *m, const hfs_results *r)
{
  const hfs_model_class *c = m->cls;
  fputs("subgroup,level,strategy,patients", f);
  for (size_t k = 0; k < c->n_outcomes; k++) {
    const hfs_outcome_def *o = &c->outcomes[k];
    if (!(o->flags & HFS_OUT_SUBGROUP))
      continue;
    int prop = (o->flags & HFS_OUT_PROPORTION) != 0;
    fprintf(f, ",%s%s,%s_se", o->name, prop ? "" : "_mean", o->name);
  }
  fputs(",currency\n", f);
  size_t S = r->n_strategies, K = r->n_outcomes, g = 0;
  char buf[64];
  for (size_t a = 0; a < c->n_attributes; a++) {
    const hfs_attribute_def *def = &c->attributes[a];
    for (size_t l = 0; l < (size_t)def->n_levels; l++, g++)
      for (size_t s = 0; s < S; s++) {
        const hfs_accum *acc = r->subgroups + (g * S + s) * K;
        /* patients in the level: the count of an unconditional outcome */
        fprintf(f, "%s,", def->name);
        hfs_csv_write_text(f, level_label(def, l, buf, sizeof buf));
        fputc(',', f);
        hfs_csv_write_text(f, m->strategy_names[s]);
        fprintf(f, ",%llu", (unsigned long long)acc[0].n);
        for (size_t k = 0; k < K; k++) {
          if (!(c->outcomes[k].flags & HFS_OUT_SUBGROUP))
            continue;
          const hfs_accum *x = &acc[k];
          fputc(',', f);
          if (x->n > 0)
            put_number(f, x->mean);
          fputc(',', f);
          if (x->n > 0)
            put_number(f, hfs_accum_se(x));
        }
        fputc(',', f);
        hfs_csv_write_text(f, m->currency);
        fputc('\n', f);
      }
  }
}

void hfs_write_summary_long(FILE *f, const hfs_model *m, const hfs_results *r)
{
  static const char *const stat_names[] = {
      [HFS_COL_MEAN] = "mean", [HFS_COL_SE] = "se",
      [HFS_COL_SD] = "sd",     [HFS_COL_CI_LOW] = "ci_low",
      [HFS_COL_CI_HIGH] = "ci_high", [HFS_COL_N] = "n"};
  size_t n;
  hfs_column *cols = hfs_summary_columns(m->cls, &n);
  if (cols == NULL)
    return;
  fputs("strategy,outcome,statistic,value,unit\n", f);
  for (size_t s = 0; s < r->n_strategies; s++)
    for (size_t k = 0; k < n; k++) {
      const hfs_column *col = &cols[k];
      if (col->outcome < 0)
        continue;
      const hfs_outcome_def *def = &m->cls->outcomes[col->outcome];
      const hfs_accum *a = &r->outcomes[s * r->n_outcomes + col->outcome];
      double se = hfs_accum_se(a), v;
      switch (col->what) {
      case HFS_COL_MEAN:
        v = a->mean;
        break;
      case HFS_COL_SE:
        v = se;
        break;
      case HFS_COL_SD:
        v = hfs_accum_sd(a);
        break;
      case HFS_COL_CI_LOW:
        v = a->mean - HFS_Z95 * se;
        break;
      case HFS_COL_CI_HIGH:
        v = a->mean + HFS_Z95 * se;
        break;
      default:
        v = (double)a->n;
        break;
      }
      hfs_csv_write_text(f, m->strategy_names[s]);
      fprintf(f, ",%s,%s,", def->name, stat_names[col->what]);
      if (col->what == HFS_COL_N || a->n > 0)
        put_number(f, v);
      fputc(',', f);
      const char *unit = col->what == HFS_COL_N ? "patients"
                         : strcmp(def->unit, "currency") == 0 ? m->currency
                                                              : def->unit;
      hfs_csv_write_text(f, unit);
      fputc('\n', f);
    }
  free(cols);
}

void hfs_write_trace(FILE *f, const hfs_model *m, const hfs_results *r)
{
  const hfs_model_class *c = m->cls;
  fputs("strategy,year,state,proportion\n", f);
  for (size_t s = 0; s < r->n_strategies; s++)
    for (size_t y = 0; y < r->n_years; y++) {
      const uint64_t *row = r->trace + (s * r->n_years + y) * r->n_states;
      uint64_t total = 0;
      for (size_t k = 0; k < r->n_states; k++)
        total += row[k];
      if (total == 0)
        continue; /* beyond a finite horizon */
      for (size_t k = 0; k < r->n_states; k++) {
        hfs_csv_write_text(f, m->strategy_names[s]);
        fprintf(f, ",%zu,%s,", y, c->states[k].name);
        put_number(f, (double)row[k] / (double)r->patients);
        fputc('\n', f);
      }
    }
}

void hfs_write_cea(FILE *f, const hfs_model *m, const hfs_results *r,
                   const double *wtp, size_t n_wtp)
{
  size_t S = r->n_strategies, K = r->n_outcomes;
  double *cost = calloc(S, sizeof *cost), *qaly = calloc(S, sizeof *qaly);
  hfs_cea_row *rows = calloc(S, sizeof *rows);
  const size_t cost_outcome = m->cls->cost_outcome,
               qaly_outcome = m->cls->qaly_outcome;
  if (!cost || !qaly || !rows) {
    free(cost);
    free(qaly);
    free(rows);
    return;
  }
  for (size_t s = 0; s < S; s++) {
    cost[s] = r->outcomes[s * K + cost_outcome].mean;
    qaly[s] = r->outcomes[s * K + qaly_outcome].mean;
  }
  fputs("wtp,strategy,cost,cost_se,qaly,qaly_se,status,comparator,"
        "incremental_cost,incremental_cost_se,incremental_qaly,"
        "incremental_qaly_se,icer,nmb,nmb_se,nhb,nhb_se,incremental_nmb,"
        "incremental_nmb_se,optimal,currency\n",
        f);
  if (hfs_cea_analyse(cost, qaly, S, rows) == HFS_OK)
    for (size_t w = 0; w < n_wtp; w++) {
      size_t best = hfs_cea_optimal(cost, qaly, S, wtp[w]);
      for (size_t i = 0; i < S; i++) {
        const hfs_cea_row *row = &rows[i];
        size_t s = row->strategy;
        put_number(f, wtp[w]);
        fputc(',', f);
        hfs_csv_write_text(f, m->strategy_names[s]);
        fputc(',', f);
        put_number(f, cost[s]);
        fputc(',', f);
        put_number(f, hfs_accum_se(&r->outcomes[s * K + cost_outcome]));
        fputc(',', f);
        put_number(f, qaly[s]);
        fputc(',', f);
        put_number(f, hfs_accum_se(&r->outcomes[s * K + qaly_outcome]));
        fprintf(f, ",%s,", hfs_cea_status_name(row->status));
        if (row->comparator >= 0) {
          size_t c = (size_t)row->comparator;
          hfs_csv_write_text(f, m->strategy_names[c]);
          fputc(',', f);
          put_number(f, row->inc_cost);
          fputc(',', f);
          put_number(f, hfs_results_paired_se(r, s, c, 0, 0.0));
          fputc(',', f);
          put_number(f, row->inc_qaly);
          fputc(',', f);
          put_number(f, hfs_results_paired_se(r, s, c, 1, 0.0));
          fputc(',', f);
        } else {
          fputs(",,,,,", f);
        }
        put_number(f, row->icer);
        fputc(',', f);
        put_number(f, hfs_cea_nmb(cost[s], qaly[s], wtp[w]));
        fputc(',', f);
        double se = hfs_results_nmb_se(r, s, wtp[w]);
        put_number(f, se);
        fputc(',', f);
        put_number(f, hfs_cea_nhb(cost[s], qaly[s], wtp[w]));
        fputc(',', f);
        put_number(f, wtp[w] > 0 ? se / wtp[w] : HFS_NAN);
        fputc(',', f);
        if (row->comparator >= 0) {
          size_t c = (size_t)row->comparator;
          put_number(f, hfs_cea_nmb(cost[s], qaly[s], wtp[w]) -
                            hfs_cea_nmb(cost[c], qaly[c], wtp[w]));
          fputc(',', f);
          put_number(f, hfs_results_paired_se(r, s, c, 2, wtp[w]));
        } else {
          fputc(',', f);
        }
        fprintf(f, ",%s,", s == best ? "yes" : "no");
        hfs_csv_write_text(f, m->currency);
        fputc('\n', f);
      }
    }
  free(cost);
  free(qaly);
  free(rows);
}

/* A standard error for the terminal: "n/a" when not available (NaN: fewer
 * than two patients), never "nan". */
static const char *se_text(char *buf, size_t n, int decimals, double se)
{
  if (isnan(se))
    snprintf(buf, n, "n/a");
  else
    snprintf(buf, n, "%.*f", decimals, se);
  return buf;
}

void hfs_print_icer_table(FILE *f, const hfs_model *m, const hfs_results *r,
                          const double *wtp, size_t n_wtp, int cost_outcome,
                          int qaly_outcome, const char *currency)
{
  size_t S = r->n_strategies, K = r->n_outcomes;
  if (S == 0 || cost_outcome < 0 || qaly_outcome < 0)
    return;
  double *cost = calloc(S, sizeof *cost), *qaly = calloc(S, sizeof *qaly);
  hfs_cea_row *rows = calloc(S, sizeof *rows);
  for (size_t s = 0; cost && qaly && s < S; s++) {
    cost[s] = r->outcomes[s * K + (size_t)cost_outcome].mean;
    qaly[s] = r->outcomes[s * K + (size_t)qaly_outcome].mean;
  }
  if (!cost || !qaly || !rows || hfs_cea_analyse(cost, qaly, S, rows) != HFS_OK) {
    free(cost);
    free(qaly);
    free(rows);
    return;
  }
  fprintf(f, "\n%-14s %-14s %-14s %10s %7s %9s %7s %8s\n", "strategy",
          "status", "vs", "inc. cost", "(se)", "inc. QALY", "(se)", "ICER");
  for (size_t i = 0; i < S; i++) {
    const hfs_cea_row *row = &rows[i];
    const char *status = row->status == HFS_CEA_EXT_DOMINATED
                             ? "ext. dominated"
                             : hfs_cea_status_name(row->status);
    if (row->comparator < 0) {
      fprintf(f, "%-14s %s\n", m->strategy_names[row->strategy], status);
      continue;
    }
    size_t s = row->strategy, c = (size_t)row->comparator;
    char se_c[32], se_q[32];
    fprintf(f, "%-14s %-14s %-14s %10.0f %7s %9.4f %7s",
            m->strategy_names[s], status, m->strategy_names[c], row->inc_cost,
            se_text(se_c, sizeof se_c, 0,
                    hfs_results_paired_se(r, s, c, 0, 0)),
            row->inc_qaly,
            se_text(se_q, sizeof se_q, 4,
                    hfs_results_paired_se(r, s, c, 1, 0)));
    if (!isnan(row->icer))
      fprintf(f, " %8.0f", row->icer);
    fputc('\n', f);
  }
  fprintf(f, "(strategies by cost; increments against the comparator 'vs', "
             "with paired\nstandard errors; ICER in %s per QALY between "
             "adjacent frontier strategies)\n\n",
          currency);
  for (size_t w = 0; w < n_wtp; w++) {
    size_t best = hfs_cea_optimal(cost, qaly, S, wtp[w]);
    if (best >= S)
      continue; /* no finite net benefit */
    fprintf(f, "optimal at %.0f %s/QALY: %s", wtp[w], currency,
            m->strategy_names[best]);
    /* its margin over the runner-up, which decides how sure the choice is */
    size_t second = best == 0 ? 1 : 0;
    for (size_t s = 0; s < S; s++)
      if (s != best && hfs_cea_nmb(cost[s], qaly[s], wtp[w]) >
                           hfs_cea_nmb(cost[second], qaly[second], wtp[w]))
        second = s;
    char se_n[32];
    if (S > 1)
      fprintf(f, " (net monetary benefit %.0f more than %s, se %s)",
              hfs_cea_nmb(cost[best], qaly[best], wtp[w]) -
                  hfs_cea_nmb(cost[second], qaly[second], wtp[w]),
              m->strategy_names[second],
              se_text(se_n, sizeof se_n, 0,
                      hfs_results_paired_se(r, best, second, 2, wtp[w])));
    fputc('\n', f);
  }
  free(cost);
  free(qaly);
  free(rows);
}

void hfs_write_dictionary(FILE *f, const hfs_model_class *c)
{
  size_t n;
  hfs_column *cols = hfs_summary_columns(c, &n);
  if (cols == NULL)
    return;
  fprintf(f,
          "# Data dictionary of hfsim's output files\n\n"
          "Generated by `hfsim dictionary` for the `%s` model (%s); a test "
          "checks that this file matches the program. For another model, "
          "run `hfsim dictionary --config SCENARIO`.\n\n"
          "All files are CSV per RFC 4180: a header row, snake_case column "
          "names, `.` as the decimal point whatever the locale, numbers in "
          "the shortest form that reads back to the same double (full "
          "precision), text quoted only when it holds a comma, quote or line "
          "break. An empty cell means \"not available\": among others, "
          "every standard error, standard deviation, confidence interval "
          "and z-score computed from fewer than 2 observations (patients, "
          "or PSA iterations) is empty, never 0, since one value says "
          "nothing about the spread. Costs are in the "
          "currency of the scenario (`[economics] currency`, recorded in "
          "manifest.txt and in the `currency` column of every table of "
          "money); QALYs and years are per patient. Costs and QALYs "
          "named without `_undiscounted` are discounted (continuous-time, "
          "exact: a cost at time t is worth c (1+r)^-t; a utility held from "
          "a to b is worth u times the integral of (1+r)^-s over [a, b]).\n\n"
          "Every folder also holds `manifest.txt` (one `key: value` per line: "
          "hfsim version, git commit, the full command line, path and SHA-256 "
          "of the scenario, parameter table and life table, one "
          "`input_file: [model] KEY = PATH sha256=HEX` line per input file "
          "of the model's own (a [model] setting naming a file), every "
          "override, `scenario_section` (the `[scenario NAME]` applied with "
          "--scenario, if any), "
          "model, strategies, seed, patients (per simulation: the cohort of "
          "a run, of each PSA iteration, DSA variant or calibration "
          "evaluation), threads (the number used, per rank, with "
          "mpi_ranks under MPI), horizon, discount "
          "rates, currency, willingness-to-pay values (`wtp`, `wtp_main`), "
          "one `strategy_label: NAME = LABEL` line per labelled strategy, "
          "the trace states by role (`symptom_free_states`, `cured_states`, "
          "`out_states`), start time in UTC, wall time, GSL and libcsv "
          "versions): everything needed to rerun the results. It ends with "
          "`folder_command:` (the command that wrote the folder) and one "
          "line per other file of the folder, `file: NAME bytes=SIZE "
          "sha256=HEX`; `hfsim verify-folder DIR` re-checks them. A folder "
          "is written whole or not at all and holds the files of one "
          "command only (README.md, \"Robustness\").\n\n"
          "With `--xlsx` (or `[run] xlsx = yes`), `hfsim run` and `hfsim "
          "psa` also write `results.xlsx`: one sheet per CSV file of the "
          "folder (but patients.csv), named as the file, with numbers stored "
          "as numbers (any spreadsheet locale shows the same values; 16 "
          "significant digits), the header row frozen and each header's "
          "meaning and unit, as below, in its note.\n\n"
          "Files of `hfsim run`: summary.csv, summary_long.csv, "
          "summary_subgroups.csv, trace.csv, cea.csv, patients.csv "
          "(optional), convergence.csv (with `--target-se`). Of `hfsim "
          "psa`: "
          "psa_parameters.csv, psa.csv, psa_summary.csv, ceac.csv, evpi.csv, "
          "evppi.csv. Of `hfsim owsa`, `twsa`, `scenarios`: owsa.csv, "
          "twsa.csv, scenarios.csv. Of `hfsim verify`: verification.csv, "
          "validation.csv. Of `hfsim calibrate`: calibration.csv, "
          "calibration_targets.csv, calibrated_parameters.csv, "
          "posterior.csv, posterior_correlations.csv.\n\n",
          c->name, c->description);
  fprintf(f, "## summary.csv\n\n"
             "One row per strategy, in the order of the scenario file. An "
             "empty cell means \"not available\" (for example a share "
             "among patients of whom there were none, a milestone "
             "beyond the horizon, or a standard error, standard deviation "
             "or confidence interval over fewer than 2 patients).\n\n"
             "| column | meaning |\n|---|---|\n");
  for (size_t k = 0; k < n; k++)
    fprintf(f, "| `%s` | %s |\n", cols[k].name, cols[k].description);
  free(cols);
  fprintf(f, "\n## trace.csv\n\n"
             "Long format: the share of the cohort in each state at each whole "
             "year since the decision (year 0 is the start). For each "
             "strategy and year the proportions sum to 1.\n\n"
             "| column | meaning |\n|---|---|\n"
             "| `strategy` | strategy name |\n"
             "| `year` | whole years since the treatment decision (0, 1, 2, "
             "...) |\n"
             "| `state` | one of the states below |\n"
             "| `proportion` | share of all simulated patients in that state "
             "at that moment (0-1) |\n\n"
             "States:\n\n| state | meaning |\n|---|---|\n");
  for (size_t k = 0; k < c->n_states; k++)
    fprintf(f, "| `%s` | %s |\n", c->states[k].name, c->states[k].description);
  fprintf(f,
          "\n## summary_subgroups.csv\n\n"
          "The headline outcomes by subgroup, one row per subgroup level and "
          "strategy. Each subgroup dimension (column `subgroup`) splits the "
          "same patients, so the levels of one dimension add up to the "
          "cohort.\n\n"
          "| column | meaning |\n|---|---|\n"
          "| `subgroup` | the dimension:");
  size_t n_dims = 0;
  for (size_t a = 0; a < c->n_attributes; a++)
    if (c->attributes[a].n_levels > 0) {
      fprintf(f, " `%s`%s", c->attributes[a].name,
              c->attributes[a].band_width > 0 ? " (in bands)" : "");
      n_dims++;
    }
  if (n_dims == 0)
    fputs(" none (this model has no subgroup dimensions, so the file "
          "holds its header row only)",
          f);
  fprintf(f, " |\n"
             "| `level` | the level: a label, or an age band such as `50-59` "
             "(the first band is open below, the last open above) |\n"
             "| `strategy` | strategy name |\n"
             "| `patients` | patients in this level |\n");
  for (size_t k = 0; k < c->n_outcomes; k++)
    if (c->outcomes[k].flags & HFS_OUT_SUBGROUP) {
      int prop = (c->outcomes[k].flags & HFS_OUT_PROPORTION) != 0;
      const hfs_outcome_def *o = &c->outcomes[k];
      if (prop)
        fprintf(f, "| `%s` | %s (0-1), within the level |\n", o->name,
                o->description);
      else
        fprintf(f, "| `%s_mean` | mean %s (%s), within the level |\n",
                o->name, o->description, unit_text(o->unit));
      fprintf(f,
              "| `%s_se` | Monte Carlo standard error of %s%s within the "
              "level (empty when that is over fewer than 2 patients) |\n",
              o->name, o->name, prop ? "" : "_mean");
    }
  fputs("| `currency` | the currency of every money column (`[economics] "
        "currency`) |\n",
        f);
  fprintf(
      f, "\n## cea.csv\n\n"
         "The incremental cost-effectiveness analysis, one row per "
         "willingness-to-pay value (scenario `[economics] wtp`) and strategy; "
         "within each value, strategies are ordered by cost (ties: more QALYs "
         "first). Costs and QALYs are discounted means per patient. Dominance "
         "follows dampack's `calculate_icers`: a strategy is *dominated* when "
         "another costs no more and gives no fewer QALYs (one strictly), "
         "*extendedly dominated* when its ICER exceeds that of the next more "
         "effective strategy on the frontier; identical strategies keep the "
         "first and mark later copies dominated. Standard errors of increments "
         "use the paired patient-level differences (common random numbers), "
         "so they are much smaller than those of the two means.\n\n"
         "| column | meaning |\n|---|---|\n"
         "| `wtp` | willingness to pay per QALY (currency of the scenario) |\n"
         "| `strategy` | strategy name |\n"
         "| `cost` | mean discounted cost per patient |\n"
         "| `cost_se` | Monte Carlo standard error of `cost` |\n"
         "| `qaly` | mean discounted QALYs per patient |\n"
         "| `qaly_se` | Monte Carlo standard error of `qaly` |\n"
         "| `status` | `frontier`, `dominated` or `extendedly_dominated` |\n"
         "| `comparator` | strategy the increments are against: the previous "
         "frontier strategy (for frontier and extendedly dominated rows) or "
         "the cheapest strategy that dominates it (dominated rows); empty for "
         "the cheapest frontier strategy |\n"
         "| `incremental_cost` | `cost` minus the comparator's cost |\n"
         "| `incremental_cost_se` | Monte Carlo standard error of "
         "`incremental_cost` (paired) |\n"
         "| `incremental_qaly` | `qaly` minus the comparator's QALYs |\n"
         "| `incremental_qaly_se` | Monte Carlo standard error of "
         "`incremental_qaly` (paired) |\n"
         "| `icer` | incremental cost per QALY gained against the comparator; "
         "only for frontier strategies after the first, empty otherwise |\n"
         "| `nmb` | net monetary benefit, `wtp * qaly - cost` |\n"
         "| `nmb_se` | Monte Carlo standard error of `nmb` |\n"
         "| `nhb` | net health benefit in QALYs, `qaly - cost / wtp` (empty "
         "when wtp is 0) |\n"
         "| `nhb_se` | Monte Carlo standard error of `nhb` |\n"
         "| `incremental_nmb` | `nmb` minus the comparator's at this wtp |\n"
         "| `incremental_nmb_se` | Monte Carlo standard error of "
         "`incremental_nmb` (paired) |\n"
         "| `optimal` | `yes` for the strategy with the highest `nmb` at this "
         "wtp (ties: the cheaper), `no` otherwise |\n"
         "| `currency` | the currency of every money column (`[economics] "
         "currency`) |\n");
  fprintf(f, "\n## summary_long.csv\n\n"
             "summary.csv in tidy long form, for R (`tidyr`), Stata or a "
             "pivot table: one row per strategy, outcome and statistic, "
             "with the unit. The same numbers as summary.csv, but its "
             "`patients` column (the number simulated per strategy, the same "
             "for every outcome).\n\n"
             "| column | meaning |\n|---|---|\n"
             "| `strategy` | strategy name |\n"
             "| `outcome` | the outcome: the stem of summary.csv's columns "
             "(`cost`, `qaly`, `life_years`, ...) |\n"
             "| `statistic` | `mean` (for a 0-1 outcome, the proportion), "
             "`se` (its Monte Carlo standard error), `sd`, `ci_low`, "
             "`ci_high` (95%% interval of the mean), `n` (patients a "
             "conditional outcome is computed over) |\n"
             "| `value` | the number; empty when not available |\n"
             "| `unit` | the currency code for money (e.g. USD), else");
  /* the units of this model's outcomes, each once, in table order; a
   * rate's unit says per what (`per_year`), a count is a number of
   * events */
  size_t n_units = 0;
  const char *units[64];
  for (size_t o = 0; o < c->n_outcomes && n_units < 64; o++) {
    const char *u = c->outcomes[o].unit;
    int seen = strcmp(u, "currency") == 0 ||
               (c->outcomes[o].flags & HFS_OUT_HIDDEN) != 0;
    for (size_t i = 0; i < n_units && !seen; i++)
      seen = strcmp(units[i], u) == 0;
    if (!seen)
      units[n_units++] = u;
  }
  for (size_t i = 0; i < n_units; i++)
    fprintf(f, " `%s`,", units[i]);
  fputs(" or `patients` (for `n`) |\n", f);
  fprintf(f, "\n## patients.csv (only with `--patients-csv`)\n\n"
             "One row per patient and strategy: baseline attributes (identical "
             "across strategies: common random numbers), then the patient's "
             "outcomes. A conditional outcome is empty where it does not "
             "apply (e.g. the time to an event for a patient who never "
             "had it).\n\n"
             "| column | meaning |\n|---|---|\n"
             "| `patient` | patient number, 1 to N |\n"
             "| `strategy` | strategy name |\n");
  for (size_t a = 0; a < c->n_attributes; a++)
    fprintf(f, "| `%s` | %s |\n", c->attributes[a].name,
            c->attributes[a].description);
  for (size_t o = 0; o < c->n_outcomes; o++)
    if (!(c->outcomes[o].flags & HFS_OUT_HIDDEN))
      fprintf(f, "| `%s` | %s (%s)%s |\n", c->outcomes[o].name,
              c->outcomes[o].description, unit_text(c->outcomes[o].unit),
              (c->outcomes[o].flags & HFS_OUT_PROPORTION) ? ", 0 or 1" : "");
  static const char *const sections[] = {
      "\n## psa_parameters.csv (hfsim psa)\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `iteration` | PSA iteration, 1 to K |\n"
      "| one column per parameter with a distribution | the value drawn in "
      "that iteration (parameters with distribution `fixed` keep their "
      "value and are not listed) |\n",
      "\n## psa.csv (hfsim psa)\n\n"
      "One row per iteration and strategy.\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `iteration` | PSA iteration, 1 to K |\n"
      "| `strategy` | strategy name |\n"
      "| `cost` | mean discounted cost per patient in this iteration |\n"
      "| `qaly` | mean discounted QALYs per patient in this iteration |\n"
      "| `nmb_at_wtp_W` | net monetary benefit `W * qaly - cost` at a "
      "willingness to pay of W per QALY; one such column per value of "
      "`[economics] wtp` |\n"
      "| `currency` | the currency of every money column (`[economics] "
      "currency`) |\n",
      "\n## psa_summary.csv (hfsim psa)\n\n"
      "One row per strategy, over the K iterations. Increments are against "
      "the first strategy of the scenario (column `reference`), iteration "
      "by iteration. `_se` is the Monte Carlo standard error of the mean "
      "over iterations (sd / sqrt(K)); `_p2_5` and `_p97_5` are the 2.5% "
      "and 97.5% percentiles (R's type 7).\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `strategy` | strategy name |\n"
      "| `reference` | the strategy increments are taken against |\n"
      "| `cost_mean` | mean over the iterations of: discounted cost per "
      "patient |\n"
      "| `cost_se` | Monte Carlo standard error (sd / sqrt(K)) of "
      "`cost_mean`, the mean over the iterations of: discounted cost per "
      "patient |\n"
      "| `cost_p2_5` | 2.5% percentile over the iterations of: discounted "
      "cost per patient |\n"
      "| `cost_p97_5` | 97.5% percentile over the iterations of: "
      "discounted cost per patient |\n"
      "| `qaly_mean` | mean over the iterations of: discounted QALYs per "
      "patient |\n"
      "| `qaly_se` | Monte Carlo standard error (sd / sqrt(K)) of "
      "`qaly_mean`, the mean over the iterations of: discounted QALYs per "
      "patient |\n"
      "| `qaly_p2_5` | 2.5% percentile over the iterations of: discounted "
      "QALYs per patient |\n"
      "| `qaly_p97_5` | 97.5% percentile over the iterations of: "
      "discounted QALYs per patient |\n"
      "| `incremental_cost_mean` | mean over the iterations of: cost minus "
      "the reference's |\n"
      "| `incremental_cost_se` | Monte Carlo standard error (sd / sqrt(K)) "
      "of `incremental_cost_mean`, the mean over the iterations of: cost "
      "minus the reference's |\n"
      "| `incremental_cost_p2_5` | 2.5% percentile over the iterations of: "
      "cost minus the reference's |\n"
      "| `incremental_cost_p97_5` | 97.5% percentile over the iterations "
      "of: cost minus the reference's |\n"
      "| `incremental_qaly_mean` | mean over the iterations of: QALYs "
      "minus the reference's |\n"
      "| `incremental_qaly_se` | Monte Carlo standard error (sd / sqrt(K)) "
      "of `incremental_qaly_mean`, the mean over the iterations of: QALYs "
      "minus the reference's |\n"
      "| `incremental_qaly_p2_5` | 2.5% percentile over the iterations of: "
      "QALYs minus the reference's |\n"
      "| `incremental_qaly_p97_5` | 97.5% percentile over the iterations "
      "of: QALYs minus the reference's |\n"
      "| `icer` | `incremental_cost_mean / incremental_qaly_mean` (ratio "
      "of means); empty for the reference |\n"
      "| `nmb_mean_at_wtp_W` | mean over the iterations of: net monetary "
      "benefit at W |\n"
      "| `nmb_se_at_wtp_W` | Monte Carlo standard error (sd / sqrt(K)) of "
      "`nmb_mean_at_wtp_W`, the mean over the iterations of: net monetary "
      "benefit at W |\n"
      "| `incremental_nmb_mean_at_wtp_W` | mean over the iterations of: "
      "net monetary benefit minus the reference's at W |\n"
      "| `incremental_nmb_se_at_wtp_W` | Monte Carlo standard error (sd / "
      "sqrt(K)) of `incremental_nmb_mean_at_wtp_W`, the mean over the "
      "iterations of: net monetary benefit minus the reference's at W |\n"
      "| `incremental_nmb_p2_5_at_wtp_W` | 2.5% percentile over the "
      "iterations of: net monetary benefit minus the reference's at W |\n"
      "| `incremental_nmb_p97_5_at_wtp_W` | 97.5% percentile over the "
      "iterations of: net monetary benefit minus the reference's at W |\n"
      "| `currency` | the currency of every money column (`[economics] "
      "currency`) |\n",
      "\n## ceac.csv (hfsim psa)\n\n"
      "Cost-effectiveness acceptability curves and frontier, over the grid "
      "0, step, ..., `[psa] ceac_wtp_max` (the maximum itself is the last "
      "point, also when the step does not divide it).\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `wtp` | willingness to pay per QALY |\n"
      "| `strategy` | strategy name |\n"
      "| `probability_cost_effective` | share of iterations in which the "
      "strategy has the highest net monetary benefit (ties: the earlier "
      "strategy); sums to 1 over strategies at each wtp |\n"
      "| `probability_se` | Monte Carlo standard error, sqrt(p(1-p)/K) |\n"
      "| `on_frontier` | `yes` for the strategy with the highest mean net "
      "monetary benefit at this wtp (the acceptability frontier, CEAF), "
      "which need not be the most often cost-effective |\n"
      "| `currency` | the currency of every money column (`[economics] "
      "currency`) |\n",
      "\n## evpi.csv (hfsim psa)\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `wtp` | willingness to pay per QALY |\n"
      "| `evpi_per_patient` | expected value of perfect information: mean "
      "over iterations of the best net benefit, minus the best mean net "
      "benefit (currency per patient) |\n"
      "| `evpi_population` | `evpi_per_patient` times `[psa] population` |\n"
      "| `currency` | the currency of every money column (`[economics] "
      "currency`) |\n",
      "\n## evppi.csv (hfsim psa)\n\n"
      "Expected value of partial perfect information for the parameter "
      "groups of `[psa] evppi`, by regression of each strategy's "
      "incremental net benefit on the group's sampled values (Strong, "
      "Oakley & Brennan 2014: a natural cubic spline of each parameter, "
      "plus the products of pairs of parameters in a group, so a group's "
      "regression contains that of each subset of it), clamped to [0, EVPI]."
      "\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `wtp` | willingness to pay per QALY (the scenario's values) |\n"
      "| `parameters` | the group, names joined by `+` |\n"
      "| `evppi_per_patient` | EVPPI per patient |\n"
      "| `evppi_population` | times `[psa] population` |\n"
      "| `evpi_per_patient` | EVPI at the same wtp, for comparison |\n"
      "| `currency` | the currency of every money column (`[economics] "
      "currency`) |\n",
      "\n## owsa.csv (hfsim owsa)\n\n"
      "One row per strategy and parameter with a low/high range, sorted by "
      "`swing` (largest first) within each strategy: ready for a tornado "
      "diagram. Every variant simulates the same patients.\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `strategy` | strategy name |\n"
      "| `reference` | the first strategy of the scenario: increments and "
      "ICERs are against it |\n"
      "| `parameter` | the parameter varied |\n"
      "| `base_value` | the parameter's value in the base case, in the "
      "parameter table's units (a cost at its own price year, before any "
      "conversion the model makes: `hfsim check` lists them) |\n"
      "| `low_value` | the low value tried, in the same units |\n"
      "| `high_value` | the high value tried, in the same units |\n"
      "| `nmb_base` | the strategy's net monetary benefit at `wtp` in the "
      "base case (the tornado of each strategy, as dampack's owsa_tornado) "
      "|\n"
      "| `nmb_base_se` | Monte Carlo standard error of `nmb_base` |\n"
      "| `nmb_low` | the strategy's net monetary benefit at `wtp` with the "
      "parameter at `low_value` |\n"
      "| `nmb_low_se` | Monte Carlo standard error of `nmb_low` |\n"
      "| `nmb_high` | the strategy's net monetary benefit at `wtp` with "
      "the parameter at `high_value` |\n"
      "| `nmb_high_se` | Monte Carlo standard error of `nmb_high` |\n"
      "| `swing` | `abs(nmb_high - nmb_low)` |\n"
      "| `swing_se` | its standard error, conservative: sqrt(nmb_low_se^2 "
      "+ nmb_high_se^2), which ignores that low and high share patients |\n"
      "| `incremental_nmb_low` | net monetary benefit minus the "
      "reference's, at `low_value`: what the decision turns on (a "
      "parameter that moves every strategy alike cancels here) |\n"
      "| `incremental_nmb_low_se` | paired Monte Carlo standard error of "
      "`incremental_nmb_low` |\n"
      "| `incremental_nmb_high` | net monetary benefit minus the "
      "reference's, at `high_value` |\n"
      "| `incremental_nmb_high_se` | paired Monte Carlo standard error of "
      "`incremental_nmb_high` |\n"
      "| `cost_low` | discounted cost per patient at `low_value` |\n"
      "| `cost_low_se` | Monte Carlo standard error of `cost_low` |\n"
      "| `cost_high` | discounted cost per patient at `high_value` |\n"
      "| `cost_high_se` | Monte Carlo standard error of `cost_high` |\n"
      "| `qaly_low` | discounted QALYs per patient at `low_value` |\n"
      "| `qaly_low_se` | Monte Carlo standard error of `qaly_low` |\n"
      "| `qaly_high` | discounted QALYs per patient at `high_value` |\n"
      "| `qaly_high_se` | Monte Carlo standard error of `qaly_high` |\n"
      "| `icer_low` | ICER against the reference at `low_value` (not "
      "sequential; empty for the reference) |\n"
      "| `icer_high` | ICER against the reference at `high_value` (not "
      "sequential; empty for the reference) |\n"
      "| `wtp` | the willingness to pay used (`[economics] wtp_main`) |\n"
      "| `currency` | the currency of every money column (`[economics] "
      "currency`) |\n",
      "\n## twsa.csv (hfsim twsa)\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `parameter_a` | the first parameter varied |\n"
      "| `value_a` | its value at this grid point, in the parameter "
      "table's units (as in owsa.csv) |\n"
      "| `parameter_b` | the second parameter varied |\n"
      "| `value_b` | its value at this grid point, in the same way |\n"
      "| `strategy` | strategy name |\n"
      "| `cost` | discounted cost per patient at this grid point |\n"
      "| `cost_se` | Monte Carlo standard error of `cost` |\n"
      "| `qaly` | discounted QALYs per patient at this grid point |\n"
      "| `qaly_se` | Monte Carlo standard error of `qaly` |\n"
      "| `nmb` | net monetary benefit at `wtp` |\n"
      "| `nmb_se` | Monte Carlo standard error of `nmb` |\n"
      "| `optimal` | `yes` for the strategy with the highest nmb at this "
      "grid point |\n"
      "| `wtp` | the willingness to pay used (`[economics] wtp_main`) |\n"
      "| `currency` | the currency of every money column (`[economics] "
      "currency`) |\n",
      "\n## scenarios.csv (hfsim scenarios)\n\n"
      "One block of rows per scenario, the base case first, strategies in "
      "cost order within a block (as in cea.csv).\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `scenario` | `base` or the name of a `[scenario NAME]` section |\n"
      "| `strategy` | strategy name |\n"
      "| `cost` | discounted cost per patient in the scenario |\n"
      "| `cost_se` | Monte Carlo standard error of `cost` |\n"
      "| `qaly` | discounted QALYs per patient in the scenario |\n"
      "| `qaly_se` | Monte Carlo standard error of `qaly` |\n"
      "| `nmb` | net monetary benefit at `wtp` |\n"
      "| `nmb_se` | Monte Carlo standard error of `nmb` |\n"
      "| `status` | as in cea.csv, within the scenario |\n"
      "| `comparator` | as in cea.csv, within the scenario |\n"
      "| `incremental_cost` | `cost` minus the comparator's, as in "
      "cea.csv; empty without a comparator |\n"
      "| `incremental_cost_se` | paired Monte Carlo standard error of "
      "`incremental_cost`; empty without a comparator |\n"
      "| `incremental_qaly` | `qaly` minus the comparator's, as in "
      "cea.csv; empty without a comparator |\n"
      "| `incremental_qaly_se` | paired Monte Carlo standard error of "
      "`incremental_qaly`; empty without a comparator |\n"
      "| `icer` | as in cea.csv |\n"
      "| `optimal` | `yes` for the highest nmb in the scenario |\n"
      "| `wtp` | the scenario's `[economics] wtp_main` |\n"
      "| `currency` | the currency of every money column (`[economics] "
      "currency`) |\n",
      "\n## verification.csv (hfsim verify)\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `check` | name of the check |\n"
      "| `expected` | the exact answer, computed without simulating |\n"
      "| `observed` | the simulated mean |\n"
      "| `mcse` | its Monte Carlo standard error (0 for deterministic "
      "checks; for a share with no spread in the sample, the binomial one "
      "of the expected share; empty for other checks over fewer than 2 "
      "patients) |\n"
      "| `z` | `(observed - expected) / mcse`; empty when `mcse` is |\n"
      "| `pass` | `yes` when abs(z) <= 4 (deterministic: equal to 1e-9 "
      "relative); `no` when `z` is empty |\n"
      "| `description` | what is compared with what |\n",
      "\n## validation.csv (hfsim verify)\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `metric` | the published figure compared |\n"
      "| `use` | `calibration` (fitted by hfsim calibrate: agreement is "
      "expected, not evidence) or `validation` (held out); calibration "
      "rows come first |\n"
      "| `strategy` | the strategy the model's value comes from |\n"
      "| `outcome` | the outcome (as named in summary.csv) the model's "
      "value comes from |\n"
      "| `model_value` | the model's value |\n"
      "| `model_mcse` | Monte Carlo standard error of `model_value` |\n"
      "| `published_value` | the published figure "
      "(configs/validation_targets.csv) |\n"
      "| `published_low` | the low end of its interval or range |\n"
      "| `published_high` | the high end of its interval or range |\n"
      "| `within_range` | `yes` when the model's value is inside "
      "[low, high] |\n"
      "| `source` | the publication |\n",
      "\n## convergence.csv (hfsim run --target-se)\n\n"
      "One row per round of `--target-se`, the cohort doubling each "
      "round.\n\n"
      "| column | meaning |\n|---|---|\n"
      "| `patients` | patients simulated so far |\n"
      "| `strategy` | the strategy with the highest net monetary benefit "
      "at `wtp` in that round |\n"
      "| `comparator` | the strategy with the second-highest net monetary "
      "benefit at `wtp` in that round |\n"
      "| `wtp` | the willingness to pay (`[economics] wtp_main`) |\n"
      "| `incremental_nmb` | net monetary benefit of `strategy` minus "
      "`comparator` |\n"
      "| `incremental_nmb_se` | paired Monte Carlo standard error of "
      "`incremental_nmb` |\n"
      "| `target_se` | the target given to `--target-se` |\n",
      "\n## figures/ and report.html (every simulating command but verify; "
      "`hfsim report DIR`)\n\n"
      "After its CSV files, each command draws the figures its files allow "
      "into `figures/` and writes `report.html` (self-contained: tables, "
      "inline SVG figures, manifest). For each figure NAME: `NAME.gp`, the "
      "commented gnuplot script; `NAME.dat`, the numbers it plots "
      "(tab-separated); `NAME.svg`, `NAME.png`, `NAME.pdf`. Names: "
      "`ce_plane`, `trace`, `symptom_free`, `convergence_run` (hfsim run); "
      "`psa_cloud`, `convergence_psa`, `ceac`, `evpi`, `evppi` (hfsim psa); "
      "`tornado_decision`, `tornado_nmb_STRATEGY` (hfsim owsa); `twsa_map` "
      "(hfsim twsa); `scenarios` (hfsim scenarios); `calibration_fit`, "
      "`posterior_pairs` (hfsim calibrate; posterior_pairs only after "
      "SIR).\n"};
  for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
    fputs(sections[i], f);
  hfs_calib_write_dictionary(f);
}
