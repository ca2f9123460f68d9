/*
 * cmd_run.c - `hfsim run` (simulate and write the results), `hfsim check`
 * (validate and describe the inputs) and `hfsim dictionary` (the data
 * dictionary).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "hfsim/numfmt.h"
#include "progress.h"
#include "hfsim/calibrate.h"
#include "hfsim/figures.h"
#include "hfsim/engine.h"
#include "hfsim/output.h"
#include "hfsim/parallel.h"
#include "hfsim/params.h"
#include "hfsim/psa.h"
#include "hfsim/ranks.h"
#include "hfsim/report.h"
#include "hfsim/study.h"
#include "hfsim/xlsx.h"

static const char *const run_help =
    "Usage: hfsim run [--config FILE] [--out DIR] [--patients N] [--seed S]\n"
    "                 [--threads T] [--set NAME=VALUE]... [--scenario NAME]\n"
    "                 [--patients-csv] [--xlsx] [--target-se X]\n"
    "                 [--max-patients N] [--no-wait] [--quiet]\n"
    "\n"
    "Simulate every strategy of the scenario on the same patients (common\n"
    "random numbers) and write into the output folder:\n"
    "  summary.csv   one row per strategy: means, Monte Carlo standard\n"
    "                errors and 95% intervals of costs, QALYs, years free of\n"
    "                spasm, treatments, complications, ...\n"
    "  summary_long.csv  the same in tidy long form: strategy, outcome,\n"
    "                statistic, value, unit\n"
    "  trace.csv     share of the cohort in each state, year by year\n"
    "  summary_subgroups.csv  the main outcomes by sex, age band and Asian\n"
    "                descent\n"
    "  cea.csv       incremental analysis: strategies by cost, dominance,\n"
    "                ICERs, net monetary and health benefit at each WTP\n"
    "  patients.csv  one row per patient and strategy (--patients-csv)\n"
    "  convergence.csv  each round of --target-se: patients, incremental\n"
    "                net monetary benefit and its standard error\n"
    "  results.xlsx  every CSV above but patients.csv, as a workbook (--xlsx)\n"
    "  figures/      ce_plane, trace, symptom_free (and convergence_run with\n"
    "                --target-se) as .svg, .png and .pdf, each with its\n"
    "                gnuplot script .gp and data .dat\n"
    "  report.html   settings, tables and figures in one self-contained page\n"
    "                ('hfsim report DIR' redraws both; HFSIM_FIGURES=off\n"
    "                skips them)\n"
    "  manifest.txt  version, command, input hashes, seed, threads, times,\n"
    "                and every file of the folder with its size and SHA-256\n"
    "The folder is replaced whole, in one step, when every file is complete;\n"
    "a failed or interrupted run leaves the earlier folder as it was. A\n"
    "second command into the same folder waits for the first.\n"
    "\n"
    "Options (each overrides the scenario file):\n"
    "  --config FILE     scenario file (default " HFS_DEFAULT_CONFIG ", else\n"
    "                    the installed one; see 'man hfsim')\n"
    "  --out DIR         output folder ([run] output)\n"
    "  --patients N      cohort size ([run] patients)\n"
    "  --seed S          random seed, 0 to 2^64-1 ([run] seed)\n"
    "  --threads T       threads, 0 = all cores ([run] threads); results are\n"
    "                    identical for any T\n"
    "  --set NAME=VALUE  override a parameter of the table (NAME) or a\n"
    "                    scenario setting (SECTION.KEY, strategies as\n"
    "                    strategy.NAME.KEY); repeatable\n"
    "  --scenario NAME   apply the overrides of the section [scenario NAME]\n"
    "                    (after the other options: its run.seed or\n"
    "                    run.patients wins over --seed or --patients)\n"
    "  --patients-csv    also write patients.csv ([run] patients_csv)\n"
    "  --xlsx            also write results.xlsx, every CSV as a sheet with\n"
    "                    typed numbers, for any spreadsheet locale\n"
    "                    ([run] xlsx)\n"
    "  --target-se X     precision rule: keep adding patients (doubling)\n"
    "                    until the Monte Carlo standard error of the\n"
    "                    incremental net monetary benefit between the two\n"
    "                    best strategies at [economics] wtp_main is <= X;\n"
    "                    prints how many patients it took\n"
    "  --max-patients N  upper limit for --target-se (default 100000000);\n"
    "                    only with --target-se\n"
    "  --no-wait         fail (exit 4) instead of waiting when another\n"
    "                    command is writing the same output folder\n"
    "  -q, --quiet       print nothing but errors\n"
    "\n"
    "Examples:\n"
    "  hfsim run --patients 100000 --seed 7 --out results/try\n"
    "  hfsim run --set economics.discount_rate_costs=0.035 \\\n"
    "            --set economics.discount_rate_qalys=0.035\n"
    "  hfsim run --set run.horizon_years=10 --set NAME=VALUE\n"
    "            (NAME a parameter: 'hfsim check' lists them)\n"
    "  hfsim run --set strategy.NEW.KEY=VALUE   (a new strategy)\n";

static const char *const check_help =
    "Usage: hfsim check [--config FILE] [--set NAME=VALUE]... [--scenario "
    "NAME]\n"
    "\n"
    "Read and validate the scenario, the parameter table and the life table,\n"
    "report every error at once (FILE:LINE: error: ...), and print the\n"
    "resolved settings, every parameter (name, value, unit, evidence tag\n"
    "F/D/E, the start of its source, or for an overridden one the --set\n"
    "or scenario line that set it), and each strategy's treatment lines\n"
    "with the rules for moving on, and the [calibration] section\n"
    "(parameters, bounds, targets) when there is one. Nothing is simulated\n"
    "or written. Exit code 0 when all is valid.\n"
    "\n"
    "Options:\n"
    "  --config FILE     scenario file (default " HFS_DEFAULT_CONFIG ", else\n"
    "                    the installed one)\n"
    "  --set NAME=VALUE  override, as for 'hfsim run'; repeatable\n"
    "  --scenario NAME   apply the overrides of [scenario NAME]\n"
    "\n"
    "Accepted without effect: --quiet (check always prints what it read).\n";

static const char *const dictionary_help =
    "Usage: hfsim dictionary [--config FILE]\n"
    "\n"
    "Print, as Markdown, the data dictionary of the scenario's model: the\n"
    "meaning of every column of every CSV file the commands write (run,\n"
    "psa, owsa, twsa, scenarios, verify, calibrate), which files each\n"
    "command writes, and what manifest.txt, results.xlsx, figures/ and\n"
    "report.html hold. This is how results/README.md is made.\n"
    "\n"
    "Accepted without effect: --quiet (the dictionary is the output).\n";

/* ---- commands ---------------------------------------------------------- */

static void print_results_table(const hfs_study *st, const hfs_results *r)
{
  const hfs_model_class *c = st->cls;
  const size_t K = r->n_outcomes, cost = c->cost_outcome,
               qaly = c->qaly_outcome;
  printf("\n%-16s %14s %10s %10s %8s", "strategy", "cost", "(se)", "QALYs",
         "(se)");
  for (size_t k = 0; k < K; k++)
    if (c->outcomes[k].flags & HFS_OUT_HEADLINE)
      printf(" %16s", c->outcomes[k].name);
  printf("\n");
  for (size_t s = 0; s < r->n_strategies; s++) {
    const hfs_accum *ac = &r->outcomes[s * K + cost];
    const hfs_accum *aq = &r->outcomes[s * K + qaly];
    /* ("n/a": no standard error from fewer than two patients) */
    char se_c[32] = "n/a", se_q[32] = "n/a";
    if (!isnan(hfs_accum_se(ac)))
      snprintf(se_c, sizeof se_c, "%.2f", hfs_accum_se(ac));
    if (!isnan(hfs_accum_se(aq)))
      snprintf(se_q, sizeof se_q, "%.4f", hfs_accum_se(aq));
    printf("%-16s %14.2f %10s %10.4f %8s", st->model.strategy_names[s],
           ac->mean, se_c, aq->mean, se_q);
    for (size_t k = 0; k < K; k++)
      if (c->outcomes[k].flags & HFS_OUT_HEADLINE)
        printf(" %16.3f", r->outcomes[s * K + k].mean);
    printf("\n");
  }
  /* the other columns are the model's own outcomes, discounted or not as
   * summary.csv's columns of the same name (the data dictionary says) */
  printf("(mean per patient; cost in %s and QALYs discounted, with Monte "
         "Carlo standard errors;\n other columns as the same names in "
         "summary.csv, see results/README.md)\n",
         st->scenario.currency);
  hfs_print_icer_table(stdout, &st->model, r, st->scenario.wtp,
                       st->scenario.n_wtp, (int)cost, (int)qaly,
                       st->scenario.currency);
}

/* Each round of the precision rule, on stderr and in convergence.csv
 * (drawn by figures.h as convergence_run). */
typedef struct target_report {
  const hfs_study *st;
  const options *o;
  uint64_t max;
  FILE *conv;
} target_report;

static void report_round(void *user, const hfs_results *r,
                         const hfs_precision_round *round)
{
  const target_report *t = user;
  char *const *names = t->st->model.strategy_names;
  if (t->conv != NULL) { /* (NULL on MPI ranks other than 0) */
    /* numbers in the shortest form that reads back (the dictionary's
     * promise for every CSV) */
    char w[32], nmb[32], se[32], target[32];
    fprintf(t->conv, "%llu,%s,%s,%s,%s,%s,%s\n",
            (unsigned long long)r->patients, names[round->best],
            names[round->second],
            hfs_format_double(w, sizeof w, t->st->scenario.wtp_main),
            hfs_format_double(nmb, sizeof nmb, round->incremental_nmb),
            hfs_format_double(se, sizeof se, round->se),
            hfs_format_double(target, sizeof target, t->o->target_se));
  }
  /* (no standard error from fewer than two patients: not available, and
   * never taken for a met target) */
  char se_text[64] = "not available (fewer than 2 patients)";
  if (!isnan(round->se))
    snprintf(se_text, sizeof se_text, "%.3f", round->se);
  if (!t->o->quiet)
    fprintf(stderr,
            "hfsim: %llu patients: incremental NMB %s vs %s at wtp %g = "
            "%.2f, se %s (target %g)\n",
            (unsigned long long)r->patients, names[round->best],
            names[round->second], t->st->scenario.wtp_main,
            round->incremental_nmb, se_text, t->o->target_se);
  if (round->done == 2)
    fprintf(stderr,
            "hfsim: warning: stopped at --max-patients %llu with se %s "
            "%s the target %g\n",
            (unsigned long long)t->max, se_text,
            isnan(round->se) ? "instead of" : "above", t->o->target_se);
}

static int cmd_run(options *o, int argc, char **argv)
{
  if (o->max_patients && !(o->target_se > 0))
    return hfs_cli_usage_error("run", "--max-patients limits --target-se; "
                                      "without it, the cohort is --patients");
  hfs_study st;
  int rc = hfs_cli_load_study(&st, o);
  if (rc >= 0)
    return rc;
  const char *dir = o->out_dir ? o->out_dir : st.scenario.output_dir;
  char started[32];
  hfs_cli_now_utc(started);

  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set out;
  hfs_results res;
  hfs_results_init(&res);
  /* MPI: only rank 0 writes (ranks.h); the others simulate */
  const int root = hfs_par_rank() == 0;
  hfs_cli_progress progress;
  hfs_cli_progress_init(&progress, o->quiet || !root, "run", "patients");
  memset(&out, 0, sizeof out);
  hfs_status s = root ? hfs_output_open(&out, dir, &d) : HFS_OK;
  FILE *patients = NULL;
  if (s == HFS_OK && root && st.scenario.patients_csv) {
    patients = hfs_output_add(&out, "patients.csv", &d);
    if (patients == NULL)
      s = HFS_ERR_IO;
    else
      hfs_engine_patients_header(&st.model, patients);
  }
  s = (hfs_status)hfs_par_bcast_int((int)s); /* rank 0's */
  if (s == HFS_OK) {
    hfs_run_config cfg = hfs_study_run_config(&st);
    /* (on ranks other than 0 only "rows wanted" counts: never called) */
    cfg.patient_rows = patients || (!root && st.scenario.patients_csv)
                           ? hfs_rows_to_file
                           : NULL;
    cfg.patient_rows_user = patients;
    cfg.patients_csv_name = out.n_files ? out.files[0].final_path : NULL;
    cfg.stop_flag = &hfs_cli_stop_requested;
    if (root) {
      cfg.progress = hfs_cli_progress_fn;
      cfg.progress_user = &progress;
    }
    uint64_t max = o->max_patients ? o->max_patients : 100000000ULL;
    if (o->target_se > 0 && st.model.n_strategies < 2) {
      hfs_diag_error(&d, NULL, 0,
                     "--target-se needs at least two strategies to compare");
      s = HFS_ERR_INPUT;
    } else if (o->target_se > 0) {
      /* --target-se doubles the cohort from a whole number of blocks */
      uint64_t first = hfs_precision_first_round(cfg.patients, max);
      if (first > cfg.patients && !o->quiet)
        fprintf(stderr,
                "hfsim: --target-se: starting from %llu patients "
                "(a multiple of %d)\n",
                (unsigned long long)first, HFS_BLOCK_PATIENTS);
      else if (first < cfg.patients && !o->quiet)
        fprintf(stderr,
                "hfsim: --target-se: starting from %llu patients "
                "(--max-patients)\n",
                (unsigned long long)first);
      if (!o->quiet)
        fprintf(stderr, "hfsim: simulating %llu patients x %zu strategies...\n",
                (unsigned long long)first, st.model.n_strategies);
      /* only rank 0 has an output folder (MPI); every rank runs the
       * rounds, whose collectives need them all */
      target_report t = {&st, o, max,
                         root ? hfs_output_add(&out, "convergence.csv", &d)
                              : NULL};
      if (root && t.conv == NULL)
        s = HFS_ERR_IO;
      else {
        if (t.conv != NULL)
          fputs("patients,strategy,comparator,wtp,incremental_nmb,"
                "incremental_nmb_se,target_se\n",
                t.conv);
        s = hfs_engine_run_to_precision(&st.model, &cfg, st.scenario.wtp_main,
                                        o->target_se, max, report_round, &t,
                                        &res, &d);
      }
    } else {
      if (!o->quiet)
        fprintf(stderr, "hfsim: simulating %llu patients x %zu strategies...\n",
                (unsigned long long)cfg.patients, st.model.n_strategies);
      s = hfs_engine_run_ranks(&st.model, &cfg, &res, &d);
    }
    if (s == HFS_OK) /* an overflow is an error, not an empty cell */
      s = hfs_study_check_totals(&st, &res, &d);
  }
  if (s == HFS_OK && root) {
    FILE *f = hfs_output_add(&out, "summary.csv", &d);
    if (f)
      hfs_write_summary(f, &st.model, &res);
    FILE *l = hfs_output_add(&out, "summary_long.csv", &d);
    if (l)
      hfs_write_summary_long(l, &st.model, &res);
    FILE *t = hfs_output_add(&out, "trace.csv", &d);
    if (t)
      hfs_write_trace(t, &st.model, &res);
    FILE *g = hfs_output_add(&out, "summary_subgroups.csv", &d);
    if (g)
      hfs_write_subgroups(g, &st.model, &res);
    FILE *c = hfs_output_add(&out, "cea.csv", &d);
    if (c)
      hfs_write_cea(c, &st.model, &res, st.scenario.wtp, st.scenario.n_wtp);
    FILE *m = hfs_output_add(&out, "manifest.txt", &d);
    if (m) {
      hfs_cli_run_info info = {res.patients, res.threads_used,
                               res.wall_seconds};
      hfs_cli_write_manifest(m, &st, o, argc, argv, &info, started);
    }
    s = (f && l && t && g && c && m) ? HFS_OK : HFS_ERR_IO;
    if (s == HFS_OK && st.scenario.xlsx)
      s = hfs_xlsx_add_workbook(&out, "results.xlsx", st.cls, &st.params, &d);
    if (s == HFS_OK && hfs_cli_stop_requested)
      s = HFS_ERR_INTERRUPTED;
    if (s == HFS_OK) {
      hfs_figures_add(&out, o->quiet, &hfs_cli_stop_requested); /* figures.h: same commit */
      /* a signal while the figures were drawn stops the command too */
      s = hfs_cli_stop_requested ? HFS_ERR_INTERRUPTED
                                 : hfs_output_commit(&out, &d);
    }
  }
  if (s != HFS_OK)
    hfs_output_abort(&out);
  hfs_cli_progress_end(&progress); /* (interrupted: the line is open) */
  hfs_diag_print(&d, stderr);
  if (s == HFS_ERR_INTERRUPTED) {
    char note[4200];
    fprintf(stderr,
            "hfsim: interrupted after %llu of %llu patients; no results were "
            "written%s\n",
            (unsigned long long)res.patients,
            (unsigned long long)st.scenario.patients,
            hfs_cli_earlier_results_note(dir, note, sizeof note));
  }
  if (s == HFS_OK && !o->quiet) {
    printf("hfsim: %llu patients x %zu strategies in %.2f s (%d thread%s)\n",
           (unsigned long long)res.patients, res.n_strategies, res.wall_seconds,
           res.threads_used, res.threads_used == 1 ? "" : "s");
    print_results_table(&st, &res);
    printf("\nwrote %s/summary.csv, summary_long.csv, summary_subgroups.csv, "
           "trace.csv, cea.csv%s%s%s and manifest.txt\n",
           dir, patients ? ", patients.csv" : "",
           o->target_se > 0 ? ", convergence.csv" : "",
           st.scenario.xlsx ? ", results.xlsx" : "");
  }
  hfs_diag_free(&d);
  hfs_results_free(&res);
  hfs_output_free(&out);
  hfs_study_free(&st);
  return hfs_cli_exit_code(s);
}

static int cmd_check(options *o, int argc, char **argv)
{
  (void)argc;
  (void)argv;
  hfs_study st;
  int rc = hfs_cli_load_study(&st, o);
  if (rc >= 0)
    return rc;
  {
    /* every section any command reads: [psa], [dsa], [scenario NAME] */
    hfs_diag d;
    hfs_diag_init(&d);
    hfs_status s = hfs_psa_check_section(&st, &d);
    hfs_status s2 = hfs_study_check_analyses(&st, o->config, o->overrides,
                                             o->n_overrides, &d);
    hfs_diag_print(&d, stderr);
    if (s == HFS_OK)
      s = s2;
    if (s != HFS_OK && hfs_diag_count(&d) > 1)
      fprintf(stderr, "hfsim: %zu errors\n", hfs_diag_count(&d));
    hfs_diag_free(&d);
    if (s != HFS_OK) {
      hfs_study_free(&st);
      return hfs_cli_exit_code(s);
    }
  }
  const hfs_scenario *sc = &st.scenario;
  printf("scenario: %s\nmodel: %s (%s)\n", sc->path, st.cls->name,
         st.cls->description);
  printf("patients: %llu\nseed: %llu\nthreads: %d%s\n",
         (unsigned long long)sc->patients, (unsigned long long)sc->seed,
         sc->threads, sc->threads == 0 ? " (all cores)" : "");
  if (isinf(sc->horizon_years))
    printf("horizon: lifetime\n");
  else
    printf("horizon: %g years\n", sc->horizon_years);
  printf("discount rates: costs %g, QALYs %g per year\ncurrency: %s\nwtp:",
         sc->discount_rate_costs, sc->discount_rate_qalys, sc->currency);
  for (size_t i = 0; i < sc->n_wtp; i++)
    printf(" %g", sc->wtp[i]);
  printf(" per QALY\noutput: %s%s\nparameters: %s\nlife table: %s",
         sc->output_dir, sc->patients_csv ? " (with patients.csv)" : "",
         sc->parameters_path, sc->life_table_path);
  if (st.cls->needs_life_table)
    printf(" (ages %d-%d)", st.life_table.age_min, st.life_table.age_max);
  printf("\n\nparameters (%zu):\n", st.params.count);
  for (size_t i = 0; i < st.params.count; i++) {
    const hfs_param *p = &st.params.items[i];
    /* the source column that check --help promises; an override says
     * where it came from, before the table's source */
    const int width = 60; /* the start of it: the table has it whole */
    int cut = (int)strlen(p->source) > width;
    if (p->origin != NULL)
      printf("  %-38s %12.6g %-11s %s  (set by %s)\n", p->name, p->value,
             p->unit, p->evidence, p->origin);
    else
      printf("  %-38s %12.6g %-11s %s  %.*s%s\n", p->name, p->value, p->unit,
             p->evidence, cut ? width - 3 : width, p->source, cut ? "..." : "");
  }
  printf("\nstrategies (%zu):\n", st.model.n_strategies);
  st.cls->describe(&st.model, stdout);
  hfs_status cal = hfs_calib_check(&st, stdout);
  if (cal != HFS_OK) {
    hfs_study_free(&st);
    return hfs_cli_exit_code(cal);
  }
  printf("\nok: no errors\n");
  hfs_study_free(&st);
  return HFS_EXIT_OK;
}

static int cmd_dictionary(options *o, int argc, char **argv)
{
  (void)argc;
  (void)argv;
  int rc;
  /* Only the scenario's [run] model matters here. */
  hfs_scenario sc;
  hfs_scenario_init(&sc);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_status s = hfs_scenario_load(&sc, o->config, &d);
  const hfs_setting *e = hfs_scenario_get(&sc, "run", "model");
  const char *name = e ? e->value : HFS_DEFAULT_MODEL;
  const hfs_model_class *c = hfs_model_class_find(name);
  if (s == HFS_OK && c == NULL)
    hfs_diag_error(&d, e ? e->file : o->config, e ? e->line : 0,
                   "[run] model: unknown model '%s'", name);
  if (s == HFS_OK && c != NULL)
    hfs_write_dictionary(stdout, c);
  hfs_diag_print(&d, stderr);
  rc = hfs_diag_count(&d) ? hfs_cli_exit_code(s == HFS_OK ? HFS_ERR_INPUT : s)
                          : HFS_EXIT_OK;
  hfs_diag_free(&d);
  hfs_scenario_free(&sc);
  return rc;
}

const hfs_cli_command hfs_cli_cmd_run = {
    .name = "run",
    .summary = "simulate the scenario and write results (CSV)",
    .help = run_help,
    .options = ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS |
               ALLOW_TARGET | ALLOW_SCENARIO | ALLOW_XLSX,
    .run = cmd_run,
};

const hfs_cli_command hfs_cli_cmd_check = {
    .name = "check",
    .summary = "validate the inputs and print the resolved parameters\n"
               "              and strategies, without simulating",
    .help = check_help,
    .options = ALLOW_SET | ALLOW_SCENARIO,
    .run = cmd_check,
};

const hfs_cli_command hfs_cli_cmd_dictionary = {
    .name = "dictionary",
    .summary = "print the data dictionary of every output column",
    .help = dictionary_help,
    .options = 0,
    .run = cmd_dictionary,
};
