/*
 * cli.c - commands, options, help and exit codes of the hfsim program.
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/cli.h"
#include "cli_internal.h"
#include "hfsim/figures.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <omp.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <csv.h>

#include "hfsim/engine.h"
#include "hfsim/numfmt.h"
#include "hfsim/output.h"
#include "hfsim/params.h"
#include "hfsim/psa.h"
#include "hfsim/report.h"
#include "hfsim/sha256.h"
#include "hfsim/study.h"
#include "hfsim/verify.h"
#include "hfsim/version.h"

#define DEFAULT_CONFIG HFS_DEFAULT_CONFIG

volatile sig_atomic_t hfs_cli_stop_requested = 0;

static void on_signal(int sig)
{
  (void)sig;
  hfs_cli_stop_requested = 1;
}

static void install_signal_handlers(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* ---- help -----------------------------------------------------------------
 */

static const char *const main_help =
    "Usage: hfsim COMMAND [OPTIONS]\n"
    "\n"
    "Monte Carlo microsimulation of hemifacial spasm treatment outcomes:\n"
    "patient cohorts under each treatment strategy (no treatment, oral\n"
    "drugs, botulinum toxin, microvascular decompression, stepped care),\n"
    "with costs, QALYs, years free of spasm and complications as CSV.\n"
    "\n"
    "Commands:\n"
    "  run         simulate the scenario and write results (CSV)\n"
    "  check       validate the inputs and print the resolved parameters\n"
    "              and strategies, without simulating\n"
    "  psa         probabilistic sensitivity analysis: CEAC, EVPI, EVPPI\n"
    "  owsa        one-way sensitivity analysis (tornado)\n"
    "  twsa        two-way sensitivity analysis on a grid\n"
    "  scenarios   run the [scenario NAME] sections of the scenario file\n"
    "  verify      check the simulator against exact answers and published\n"
    "              figures (verification.csv, validation.csv)\n"
    "  bench       measure speed: patients and patient-years per second\n"
    "  dictionary  print the data dictionary of every output column\n"
    "  report      redraw the figures and report.html of an output folder\n"
    "\n"
    "Options for every command:\n"
    "  -h, --help     help (also 'hfsim COMMAND --help')\n"
    "  -V, --version  version\n"
    "\n"
    "Quick start (from the repository folder):\n"
    "  hfsim run                       default scenario -> results/default/\n"
    "  hfsim run --patients 1000 --set botox_p_primary_response=0.9\n"
    "  hfsim check --config my.ini     find every mistake in a scenario\n"
    "\n"
    "Files: the scenario (INI, default " DEFAULT_CONFIG ") names the\n"
    "parameter table (CSV, every model number with its source) and the life\n"
    "table; paths in it are relative to its own folder. See README.md,\n"
    "configs/README.md and results/README.md.\n"
    "\n"
    "Exit codes:\n"
    "  0    success\n"
    "  1    internal error (out of memory)\n"
    "  2    bad command line\n"
    "  3    invalid input: scenario, parameter table or life table\n"
    "       (every error is reported as FILE:LINE: error: ...)\n"
    "  4    a file could not be read or written (nothing half-written is\n"
    "       left behind; earlier results are kept)\n"
    "  5    hfsim verify: a verification check failed\n"
    "  130  interrupted (Ctrl-C or SIGTERM); no partial results\n";

static const char *const run_help =
    "Usage: hfsim run [--config FILE] [--out DIR] [--patients N] [--seed S]\n"
    "                 [--threads T] [--set NAME=VALUE]... [--patients-csv]\n"
    "\n"
    "Simulate every strategy of the scenario on the same patients (common\n"
    "random numbers) and write into the output folder:\n"
    "  summary.csv   one row per strategy: means, Monte Carlo standard\n"
    "                errors and 95% intervals of costs, QALYs, years free of\n"
    "                spasm, treatments, complications, ...\n"
    "  trace.csv     share of the cohort in each state, year by year\n"
    "  summary_subgroups.csv  the main outcomes by sex, age band and Asian\n"
    "                descent\n"
    "  cea.csv       incremental analysis: strategies by cost, dominance,\n"
    "                ICERs, net monetary and health benefit at each WTP\n"
    "  patients.csv  one row per patient and strategy (--patients-csv)\n"
    "  manifest.txt  version, command, input hashes, seed, threads, times\n"
    "Files appear only when complete; a failed run leaves earlier results.\n"
    "\n"
    "Options (each overrides the scenario file):\n"
    "  --config FILE     scenario file (default " DEFAULT_CONFIG ")\n"
    "  --out DIR         output folder ([run] output)\n"
    "  --patients N      cohort size ([run] patients)\n"
    "  --seed S          random seed, 0 to 2^64-1 ([run] seed)\n"
    "  --threads T       threads, 0 = all cores ([run] threads); results are\n"
    "                    identical for any T\n"
    "  --set NAME=VALUE  override a parameter of the table (NAME) or a\n"
    "                    scenario setting (SECTION.KEY, strategies as\n"
    "                    strategy.NAME.KEY); repeatable\n"
    "  --patients-csv    also write patients.csv ([run] patients_csv)\n"
    "  --target-se X     precision rule: keep adding patients (doubling)\n"
    "                    until the Monte Carlo standard error of the\n"
    "                    incremental net monetary benefit between the two\n"
    "                    best strategies at [economics] wtp_main is <= X;\n"
    "                    prints how many patients it took\n"
    "  --max-patients N  upper limit for --target-se (default 100000000)\n"
    "  -q, --quiet       print nothing but errors\n"
    "\n"
    "Examples:\n"
    "  hfsim run --patients 100000 --seed 7 --out results/try\n"
    "  hfsim run --set economics.discount_rate_costs=0.035 \\\n"
    "            --set economics.discount_rate_qalys=0.035\n"
    "  hfsim run --set run.horizon_years=10 --set cost_mvd=25000\n"
    "  hfsim run --set strategy.mvd_only.lines=mvd   (a new strategy)\n";

static const char *const check_help =
    "Usage: hfsim check [--config FILE] [--set NAME=VALUE]...\n"
    "\n"
    "Read and validate the scenario, the parameter table and the life table,\n"
    "report every error at once (FILE:LINE: error: ...), and print the\n"
    "resolved settings, every parameter with its unit, evidence tag and\n"
    "source, and each strategy's treatment lines with the rules for moving\n"
    "on. Nothing is simulated or written. Exit code 0 when all is valid.\n";

static const char *const bench_help =
    "Usage: hfsim bench [--config FILE] [--patients N] [--threads T]\n"
    "                   [--set NAME=VALUE]...\n"
    "       hfsim bench --psa [--iterations K] [--patients N] ...\n"
    "\n"
    "Simulate the scenario without writing files and print the wall time,\n"
    "patients per second (all strategies of one patient count once),\n"
    "simulated patient-years per second and peak memory. Default cohort:\n"
    "1000000 patients. With --psa: the PSA loop (default 1000 iterations x\n"
    "1000 patients) and iterations per second. Figures depend on the\n"
    "machine; quote them with it.\n";

static const char *const dictionary_help =
    "Usage: hfsim dictionary [--config FILE]\n"
    "\n"
    "Print, as Markdown, the meaning of every column of summary.csv,\n"
    "trace.csv and patients.csv for the scenario's model (this is how\n"
    "results/README.md is made).\n";

/* ---- options ---------------------------------------------------------- */

void hfs_cli_options_free(options *o)
{
  for (size_t i = 0; i < o->n_owned; i++)
    free(o->owned[i]);
  free(o->owned);
  free(o->overrides);
}

int hfs_cli_usage_error(const char *command, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "hfsim: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'hfsim %s%s--help' for more information.\n",
          command ? command : "", command ? " " : "");
  return HFS_EXIT_USAGE;
}

static int keep(options *o, char *s)
{
  char **owned = realloc(o->owned, (o->n_owned + 1) * sizeof *owned);
  if (owned == NULL || s == NULL) {
    free(s);
    if (owned)
      o->owned = owned;
    return -1;
  }
  o->owned = owned;
  o->owned[o->n_owned++] = s;
  return 0;
}

int hfs_cli_add_override(options *o, const char *assignment, const char *label)
{
  hfs_override *ov = realloc(o->overrides, (o->n_overrides + 1) * sizeof *ov);
  if (ov == NULL)
    return -1;
  o->overrides = ov;
  ov[o->n_overrides].assignment = assignment;
  ov[o->n_overrides].label = label;
  o->n_overrides++;
  return 0;
}

/* "--patients 10" becomes the override "run.patients=10", labelled with the
 * option as typed so errors point at it. */
static int add_setting_option(options *o, const char *opt, const char *key,
                              const char *value)
{
  size_t n = strlen(key) + strlen(value) + 2;
  char *a = malloc(n), *l = malloc(strlen(opt) + strlen(value) + 2);
  if (a == NULL || l == NULL) {
    free(a);
    free(l);
    return -1;
  }
  snprintf(a, n, "%s=%s", key, value);
  sprintf(l, "%s %s", opt, value);
  if (keep(o, a) != 0 || keep(o, l) != 0)
    return -1;
  return hfs_cli_add_override(o, a, l);
}

/* Returns -1 when parsing succeeded, else an exit code. */
int hfs_cli_parse_options(options *o, int argc, char **argv, int allow,
                          const char *help)
{
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *value = NULL;
    char name[64];
    const char *eq = strchr(a, '=');
    if (strncmp(a, "--", 2) == 0 && eq != NULL &&
        (size_t)(eq - a) < sizeof name) {
      snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
      value = eq + 1;
    } else {
      snprintf(name, sizeof name, "%s", a);
    }
#define NEED_VALUE()                                                        \
  do {                                                                      \
    if (value == NULL) {                                                    \
      if (i + 1 >= argc)                                                    \
        return hfs_cli_usage_error(o->command, "option '%s' needs a value", \
                                   name);                                   \
      value = argv[++i];                                                    \
    }                                                                       \
  } while (0)
    if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
      fputs(help, stdout);
      return HFS_EXIT_OK;
    } else if (!strcmp(name, "--config") || !strcmp(name, "-c")) {
      NEED_VALUE();
      o->config = value;
    } else if (!strcmp(name, "--set") && (allow & ALLOW_SET)) {
      NEED_VALUE();
      if (strchr(value, '=') == NULL)
        return hfs_cli_usage_error(o->command,
                                   "--set needs NAME=VALUE, got '%s'", value);
      char *label = malloc(strlen(value) + 7);
      if (label == NULL)
        return HFS_EXIT_FAILURE;
      sprintf(label, "--set %s", value);
      if (keep(o, label) != 0 || hfs_cli_add_override(o, value, label) != 0)
        return HFS_EXIT_FAILURE;
    } else if (!strcmp(name, "--patients") && (allow & ALLOW_PATIENTS)) {
      NEED_VALUE();
      o->patients_given = 1;
      char *end;
      errno = 0;
      unsigned long long v = strtoull(value, &end, 10);
      if (*value == '-' || *end != '\0' || errno != 0 || v == 0)
        return hfs_cli_usage_error(
            o->command, "--patients takes a whole number >= 1, got '%s'",
            value);
      o->bench_patients = v;
      if (add_setting_option(o, "--patients", "run.patients", value) != 0)
        return HFS_EXIT_FAILURE;
    } else if (!strcmp(name, "--threads") && (allow & ALLOW_THREADS)) {
      NEED_VALUE();
      if (add_setting_option(o, "--threads", "run.threads", value) != 0)
        return HFS_EXIT_FAILURE;
    } else if (!strcmp(name, "--seed") && (allow & ALLOW_RUN)) {
      NEED_VALUE();
      if (add_setting_option(o, "--seed", "run.seed", value) != 0)
        return HFS_EXIT_FAILURE;
    } else if ((!strcmp(name, "--out") || !strcmp(name, "-o")) &&
               (allow & ALLOW_RUN)) {
      NEED_VALUE();
      if (add_setting_option(o, "--out", "run.output", value) != 0)
        return HFS_EXIT_FAILURE;
    } else if (!strcmp(name, "--patients-csv") && (allow & ALLOW_RUN)) {
      if (value != NULL)
        return hfs_cli_usage_error(o->command, "--patients-csv takes no value");
      if (hfs_cli_add_override(o, "run.patients_csv=yes", "--patients-csv") !=
          0)
        return HFS_EXIT_FAILURE;
    } else if (!strcmp(name, "--iterations") && (allow & ALLOW_PSA)) {
      NEED_VALUE();
      char *end;
      errno = 0;
      unsigned long long v = strtoull(value, &end, 10);
      if (*value == '-' || *end != '\0' || errno != 0 || v == 0 ||
          v > 100000000ULL)
        return hfs_cli_usage_error(
            o->command,
            "--iterations takes a whole number from 1 to 1e8, "
            "got '%s'",
            value);
      o->iterations = v;
    } else if (!strcmp(name, "--target-se") && (allow & ALLOW_TARGET)) {
      NEED_VALUE();
      if (hfs_parse_double(value, &o->target_se) != 0 || !(o->target_se > 0))
        return hfs_cli_usage_error(
            o->command, "--target-se takes a number > 0 (currency), got '%s'",
            value);
    } else if (!strcmp(name, "--max-patients") && (allow & ALLOW_TARGET)) {
      NEED_VALUE();
      char *end;
      errno = 0;
      unsigned long long v = strtoull(value, &end, 10);
      if (*value == '-' || *end != '\0' || errno != 0 || v == 0)
        return hfs_cli_usage_error(
            o->command, "--max-patients takes a whole number >= 1, got '%s'",
            value);
      o->max_patients = v;
    } else if (!strcmp(name, "--resume") && (allow & ALLOW_PSA)) {
      o->resume = 1;
    } else if (!strcmp(name, "-q") || !strcmp(name, "--quiet")) {
      o->quiet = 1;
    } else if (a[0] == '-') {
      return hfs_cli_usage_error(o->command, "unknown option '%s'", a);
    } else {
      return hfs_cli_usage_error(o->command, "unexpected argument '%s'", a);
    }
#undef NEED_VALUE
  }
  if (o->config == NULL)
    o->config = DEFAULT_CONFIG;
  return -1;
}

int hfs_cli_exit_code(hfs_status s)
{
  switch (s) {
  case HFS_OK:
    return HFS_EXIT_OK;
  case HFS_ERR_INPUT:
    return HFS_EXIT_INPUT;
  case HFS_ERR_IO:
    return HFS_EXIT_IO;
  case HFS_ERR_INTERRUPTED:
    return HFS_EXIT_INTERRUPTED;
  default:
    return HFS_EXIT_FAILURE;
  }
}

/* Load everything; on failure print all errors and return the exit code,
 * else -1. */
int hfs_cli_load_study(hfs_study *st, const options *o)
{
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_study_init(st);
  hfs_status s =
      hfs_study_load(st, o->config, o->overrides, o->n_overrides, &d);
  hfs_diag_print(&d, stderr);
  size_t n = hfs_diag_count(&d);
  hfs_diag_free(&d);
  if (s == HFS_OK)
    return -1;
  if (n > 1)
    fprintf(stderr, "hfsim: %zu errors; nothing was simulated\n", n);
  if (s == HFS_ERR_IO && strcmp(o->config, DEFAULT_CONFIG) == 0 && n == 1)
    fprintf(stderr,
            "hfsim: run from the repository folder, or name a scenario with "
            "--config FILE\n");
  hfs_study_free(st);
  return hfs_cli_exit_code(s);
}

int hfs_cli_start(options *o, hfs_study *st, const char *command, int argc,
                  char **argv, int allow, const char *help)
{
  memset(o, 0, sizeof *o);
  o->command = command;
  int rc = hfs_cli_parse_options(o, argc, argv, allow, help);
  if (rc < 0)
    rc = hfs_cli_load_study(st, o);
  if (rc >= 0)
    hfs_cli_options_free(o);
  return rc;
}

/* ---- manifest ---------------------------------------------------------- */

static void write_hash_line(FILE *f, const char *what, const char *path)
{
  char hex[65];
  if (path == NULL)
    return;
  if (hfs_sha256_file(path, hex) == 0)
    fprintf(f, "%s: %s\n%s_sha256: %s\n", what, path, what, hex);
  else
    fprintf(f, "%s: %s\n%s_sha256: (unreadable)\n", what, path, what);
}

void hfs_cli_write_manifest(FILE *f, const hfs_study *st, const options *o,
                            int argc, char **argv, const hfs_results *r,
                            const char *started)
{
  const hfs_scenario *sc = &st->scenario;
  fprintf(f, "hfsim_version: %s\n", HFS_VERSION);
  fprintf(f, "git_commit: %s\n", HFS_GIT_COMMIT);
  fprintf(f, "command:");
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int plain = strpbrk(a, " \t\"'\\$`") == NULL && a[0] != '\0';
    if (plain) {
      fprintf(f, " %s", a);
    } else {
      fputs(" '", f);
      for (const char *p = a; *p; p++)
        if (*p == '\'')
          fputs("'\\''", f);
        else
          fputc(*p, f);
      fputc('\'', f);
    }
  }
  fputc('\n', f);
  write_hash_line(f, "scenario", sc->path);
  write_hash_line(f, "parameters", sc->parameters_path);
  if (st->cls->needs_life_table)
    write_hash_line(f, "life_table", sc->life_table_path);
  for (size_t i = 0; i < o->n_overrides; i++)
    fprintf(f, "override: %s\n", o->overrides[i].assignment);
  fprintf(f, "model: %s\n", st->cls->name);
  fprintf(f, "strategies:");
  for (size_t s = 0; s < st->model.n_strategies; s++)
    fprintf(f, " %s", st->model.strategy_names[s]);
  fprintf(f, "\nseed: %llu\n", (unsigned long long)sc->seed);
  fprintf(f, "patients: %llu\n",
          (unsigned long long)(r->patients ? r->patients : sc->patients));
  fprintf(f, "threads: %d\n", r->threads_used);
  if (isinf(sc->horizon_years))
    fprintf(f, "horizon_years: lifetime\n");
  else
    fprintf(f, "horizon_years: %.17g\n", sc->horizon_years);
  fprintf(f, "discount_rate_costs: %.17g\n", sc->discount_rate_costs);
  fprintf(f, "discount_rate_qalys: %.17g\n", sc->discount_rate_qalys);
  fprintf(f, "currency: %s\n", sc->currency);
  /* for `hfsim report`, which reads the folder only: WTPs and labels */
  fprintf(f, "wtp:");
  for (size_t i = 0; i < sc->n_wtp; i++)
    fprintf(f, " %.17g", sc->wtp[i]);
  fprintf(f, "\nwtp_main: %.17g\n", sc->wtp_main);
  for (size_t s = 0; s < st->model.n_strategies; s++) {
    char section[300];
    snprintf(section, sizeof section, "strategy %s",
             st->model.strategy_names[s]);
    const hfs_setting *e =
        hfs_scenario_get((hfs_scenario *)sc, section, "label");
    if (e && e->value[0] && !strpbrk(e->value, "\r\n"))
      fprintf(f, "strategy_label: %s = %s\n", st->model.strategy_names[s],
              e->value);
  }
  fprintf(f, "started_utc: %s\n", started);
  fprintf(f, "wall_seconds: %.3f\n", r->wall_seconds);
  fprintf(f, "gsl_version: %s\n", GSL_VERSION);
  fprintf(f, "libcsv_version: %d.%d.%d\n", CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
}

void hfs_cli_now_utc(char buf[32])
{
  time_t now = time(NULL);
  strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

/* ---- commands ---------------------------------------------------------- */

static void print_results_table(const hfs_study *st, const hfs_results *r)
{
  const hfs_model_class *c = st->cls;
  int cost = -1, qaly = -1, free_years = -1;
  for (size_t k = 0; k < c->n_outcomes; k++) {
    if (!strcmp(c->outcomes[k].name, "cost"))
      cost = (int)k;
    if (!strcmp(c->outcomes[k].name, "qaly"))
      qaly = (int)k;
    if (!strcmp(c->outcomes[k].name, "spasm_free_years"))
      free_years = (int)k;
  }
  if (cost < 0 || qaly < 0)
    return;
  printf("\n%-16s %14s %10s %10s %8s", "strategy", "cost", "(se)", "QALYs",
         "(se)");
  if (free_years >= 0)
    printf(" %16s", "spasm-free yrs");
  printf("\n");
  for (size_t s = 0; s < r->n_strategies; s++) {
    const hfs_accum *ac = &r->outcomes[s * r->n_outcomes + (size_t)cost];
    const hfs_accum *aq = &r->outcomes[s * r->n_outcomes + (size_t)qaly];
    printf("%-16s %14.2f %10.2f %10.4f %8.4f", st->model.strategy_names[s],
           ac->mean, hfs_accum_se(ac), aq->mean, hfs_accum_se(aq));
    if (free_years >= 0)
      printf(" %16.3f",
             r->outcomes[s * r->n_outcomes + (size_t)free_years].mean);
    printf("\n");
  }
  printf("(discounted; %s; mean per patient with Monte Carlo standard "
         "error)\n",
         st->scenario.currency);
}

/* The precision rule: add patients (doubling, so the patients of every
 * round are a continuation of the same streams) until the Monte Carlo
 * standard error of the incremental net monetary benefit between the two
 * best strategies at the main WTP is below the target. */
static hfs_status run_to_target_se(hfs_study *st, const options *o,
                                   hfs_run_config *cfg, hfs_results *res,
                                   FILE *conv, hfs_diag *d)
{
  uint64_t max = o->max_patients ? o->max_patients : 100000000ULL;
  double wtp = st->scenario.wtp_main;
  size_t S = res->n_strategies;
  if (S < 2 || cfg->cost_outcome < 0) {
    hfs_diag_error(d, NULL, 0,
                   "--target-se needs at least two strategies to compare");
    return HFS_ERR_INPUT;
  }
  for (;;) {
    size_t best = 0, second = 1;
#define NMB(s)                                                                 \
  (wtp * res->outcomes[(s)*res->n_outcomes + (size_t)cfg->qaly_outcome].mean - \
   res->outcomes[(s)*res->n_outcomes + (size_t)cfg->cost_outcome].mean)
    if (NMB(1) > NMB(0)) {
      best = 1;
      second = 0;
    }
    for (size_t s = 2; s < S; s++) {
      if (NMB(s) > NMB(best)) {
        second = best;
        best = s;
      } else if (NMB(s) > NMB(second)) {
        second = s;
      }
    }
    double se = hfs_results_paired_se(res, best, second, 2, wtp);
    if (conv) /* convergence.csv: one row per round (figure 10) */
      fprintf(conv, "%llu,%s,%s,%.17g,%.17g,%.17g,%.17g\n",
              (unsigned long long)res->patients,
              st->model.strategy_names[best], st->model.strategy_names[second],
              wtp, NMB(best) - NMB(second), se, o->target_se);
    if (!o->quiet)
      fprintf(stderr,
              "hfsim: %llu patients: incremental NMB %s vs %s at wtp %g = "
              "%.2f, se %.3f (target %g)\n",
              (unsigned long long)res->patients, st->model.strategy_names[best],
              st->model.strategy_names[second], wtp, NMB(best) - NMB(second),
              se, o->target_se);
    if (se <= o->target_se)
      return HFS_OK;
    if (res->patients >= max) {
      fprintf(stderr,
              "hfsim: warning: stopped at --max-patients %llu with se %.3f "
              "above the target %g\n",
              (unsigned long long)max, se, o->target_se);
      return HFS_OK;
    }
    if (hfs_cli_stop_requested)
      return HFS_ERR_INTERRUPTED;
    cfg->first_patient = res->patients;
    cfg->patients = res->patients < max - res->patients ? res->patients
                                                        : max - res->patients;
    hfs_status s = hfs_engine_run(&st->model, cfg, res, d);
    if (s != HFS_OK)
      return s;
  }
#undef NMB
}

static int cmd_run(int argc, char **argv)
{
  options o;
  hfs_study st;
  int rc = hfs_cli_start(&o, &st, "run", argc, argv,
                         ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS |
                             ALLOW_THREADS | ALLOW_TARGET,
                         run_help);
  if (rc >= 0)
    return rc;
  char started[32];
  hfs_cli_now_utc(started);

  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set out;
  hfs_results res;
  hfs_results_init(&res);
  hfs_status s = hfs_output_open(&out, st.scenario.output_dir, &d);
  FILE *patients = NULL;
  if (s == HFS_OK && st.scenario.patients_csv) {
    patients = hfs_output_add(&out, "patients.csv", &d);
    if (patients == NULL)
      s = HFS_ERR_IO;
    else
      hfs_engine_patients_header(&st.model, patients);
  }
  if (s == HFS_OK) {
    hfs_run_config cfg = hfs_study_run_config(&st);
    cfg.patients_csv = patients;
    cfg.patients_csv_name = out.n_files ? out.files[0].final_path : NULL;
    cfg.stop_flag = &hfs_cli_stop_requested;
    /* --target-se doubles the cohort: start on a whole number of blocks so
     * that every round ends on one and the result is bit-identical to a
     * plain run of the final cohort (engine.h) */
    if (o.target_se > 0 && cfg.patients % HFS_BLOCK_PATIENTS != 0) {
      uint64_t up =
          (cfg.patients / HFS_BLOCK_PATIENTS + 1) * HFS_BLOCK_PATIENTS;
      uint64_t max = o.max_patients ? o.max_patients : 100000000ULL;
      if (up <= max) {
        if (!o.quiet)
          fprintf(stderr,
                  "hfsim: --target-se: starting from %llu patients "
                  "(a multiple of %d)\n",
                  (unsigned long long)up, HFS_BLOCK_PATIENTS);
        cfg.patients = up;
      }
    }
    if (!o.quiet)
      fprintf(stderr, "hfsim: simulating %llu patients x %zu strategies...\n",
              (unsigned long long)cfg.patients, st.model.n_strategies);
    s = hfs_engine_run(&st.model, &cfg, &res, &d);
    FILE *conv = NULL;
    if (s == HFS_OK && o.target_se > 0 &&
        (conv = hfs_output_add(&out, "convergence.csv", &d)) != NULL)
      fputs("patients,strategy,comparator,wtp,incremental_nmb,"
            "incremental_nmb_se,target_se\n",
            conv);
    if (s == HFS_OK && o.target_se > 0)
      s = conv ? run_to_target_se(&st, &o, &cfg, &res, conv, &d) : HFS_ERR_IO;
  }
  if (s == HFS_OK) {
    FILE *f = hfs_output_add(&out, "summary.csv", &d);
    if (f)
      hfs_write_summary(f, &st.model, &res);
    FILE *t = hfs_output_add(&out, "trace.csv", &d);
    if (t)
      hfs_write_trace(t, &st.model, &res);
    hfs_run_config cfg = hfs_study_run_config(&st);
    FILE *g = hfs_output_add(&out, "summary_subgroups.csv", &d);
    if (g)
      hfs_write_subgroups(g, &st.model, &res);
    FILE *c = hfs_output_add(&out, "cea.csv", &d);
    if (c)
      hfs_write_cea(c, &st.model, &res, st.scenario.wtp, st.scenario.n_wtp,
                    cfg.cost_outcome, cfg.qaly_outcome);
    FILE *m = hfs_output_add(&out, "manifest.txt", &d);
    if (m)
      hfs_cli_write_manifest(m, &st, &o, argc, argv, &res, started);
    s = (f && t && g && c && m) ? HFS_OK : HFS_ERR_IO;
    if (s == HFS_OK && hfs_cli_stop_requested)
      s = HFS_ERR_INTERRUPTED;
    if (s == HFS_OK)
      s = hfs_output_commit(&out, &d);
  }
  if (s != HFS_OK)
    hfs_output_abort(&out);
  hfs_diag_print(&d, stderr);
  if (s == HFS_ERR_INTERRUPTED)
    fprintf(stderr,
            "hfsim: interrupted after %llu of %llu patients; no results were "
            "written (earlier results in %s are unchanged)\n",
            (unsigned long long)res.patients,
            (unsigned long long)st.scenario.patients, st.scenario.output_dir);
  if (s == HFS_OK && !o.quiet) {
    printf("hfsim: %llu patients x %zu strategies in %.2f s (%d threads)\n",
           (unsigned long long)res.patients, res.n_strategies, res.wall_seconds,
           res.threads_used);
    print_results_table(&st, &res);
    printf(
        "\nwrote %s/summary.csv, summary_subgroups.csv, trace.csv, cea.csv%s%s "
        "and manifest.txt\n",
        st.scenario.output_dir, patients ? ", patients.csv" : "",
        o.target_se > 0 ? ", convergence.csv" : "");
  }
  if (s == HFS_OK)
    hfs_figures_after_command(st.scenario.output_dir, o.quiet); /* figures.h */
  hfs_diag_free(&d);
  hfs_results_free(&res);
  hfs_output_free(&out);
  hfs_study_free(&st);
  hfs_cli_options_free(&o);
  return hfs_cli_exit_code(s);
}

static int cmd_check(int argc, char **argv)
{
  options o;
  hfs_study st;
  int rc = hfs_cli_start(&o, &st, "check", argc, argv, ALLOW_SET, check_help);
  if (rc >= 0)
    return rc;
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
    printf("  %-38s %12.6g %-11s %s%s\n", p->name, p->value, p->unit,
           p->evidence, p->line == 0 ? "  (set on the command line)" : "");
  }
  printf("\nstrategies (%zu):\n", st.model.n_strategies);
  st.cls->describe(&st.model, stdout);
  printf("\nok: no errors\n");
  hfs_study_free(&st);
  hfs_cli_options_free(&o);
  return HFS_EXIT_OK;
}

static long peak_rss_kib(void)
{
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return -1;
  return ru.ru_maxrss;
}

/* `hfsim bench --psa`: the PSA loop without files. */
static int bench_psa(hfs_study *st, const options *o)
{
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_psa_result res;
  uint64_t iterations = o->iterations ? o->iterations : 1000;
  hfs_status s = hfs_psa_result_init(&res, st, iterations);
  hfs_run_config cfg = hfs_study_run_config(st);
  cfg.patients = o->patients_given ? o->bench_patients : 1000;
  double t0 = omp_get_wtime();
  if (s == HFS_OK)
    s = hfs_psa_run(st, &cfg, &res, NULL, NULL, NULL, &hfs_cli_stop_requested,
                    &d);
  double wall = omp_get_wtime() - t0;
  hfs_diag_print(&d, stderr);
  if (s == HFS_OK) {
    int threads =
        st->scenario.threads > 0 ? st->scenario.threads : omp_get_max_threads();
    printf("hfsim bench --psa: %s, %llu iterations x %llu patients x %zu "
           "strategies, %d threads\n",
           st->scenario.path, (unsigned long long)iterations,
           (unsigned long long)cfg.patients, st->model.n_strategies, threads);
    printf("wall_seconds: %.3f\n", wall);
    printf("iterations_per_second: %.1f\n", (double)iterations / wall);
    printf("patient_strategy_runs_per_second: %.0f\n",
           (double)iterations * (double)cfg.patients *
               (double)st->model.n_strategies / wall);
    printf("peak_memory_mib: %.1f\n", (double)peak_rss_kib() / 1024.0);
  }
  hfs_psa_result_free(&res);
  hfs_diag_free(&d);
  return hfs_cli_exit_code(s);
}

static int cmd_bench(int argc, char **argv)
{
  options o;
  memset(&o, 0, sizeof o);
  o.command = "bench";
  /* --psa selects the PSA benchmark; the rest is parsed as usual. */
  int psa = 0, n = 0;
  char **args = calloc((size_t)argc + 1, sizeof *args);
  if (args == NULL)
    return HFS_EXIT_FAILURE;
  for (int i = 0; i < argc; i++) {
    if (i >= 2 && strcmp(argv[i], "--psa") == 0)
      psa = 1;
    else
      args[n++] = argv[i];
  }
  int rc = hfs_cli_parse_options(
      &o, n, args, ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS | ALLOW_PSA,
      bench_help);
  free(args);
  if (rc >= 0) {
    hfs_cli_options_free(&o);
    return rc;
  }
  if (psa) {
    hfs_study pst;
    if ((rc = hfs_cli_load_study(&pst, &o)) < 0) {
      rc = bench_psa(&pst, &o);
      hfs_study_free(&pst);
    }
    hfs_cli_options_free(&o);
    return rc;
  }
  if (!o.patients_given &&
      hfs_cli_add_override(&o, "run.patients=1000000", "bench default") != 0) {
    hfs_cli_options_free(&o);
    return HFS_EXIT_FAILURE;
  }
  hfs_study st;
  if ((rc = hfs_cli_load_study(&st, &o)) >= 0) {
    hfs_cli_options_free(&o);
    return rc;
  }
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_results res;
  hfs_results_init(&res);
  hfs_run_config cfg = hfs_study_run_config(&st);
  cfg.stop_flag = &hfs_cli_stop_requested;
  hfs_status s = hfs_engine_run(&st.model, &cfg, &res, &d);
  hfs_diag_print(&d, stderr);
  if (s == HFS_OK) {
    printf("hfsim bench: %s, %llu patients x %zu strategies, %d threads\n",
           st.scenario.path, (unsigned long long)res.patients, res.n_strategies,
           res.threads_used);
    printf("wall_seconds: %.3f\n", res.wall_seconds);
    printf("patients_per_second: %.0f\n",
           (double)res.patients / res.wall_seconds);
    printf("patient_strategy_runs_per_second: %.0f\n",
           (double)res.patients * (double)res.n_strategies / res.wall_seconds);
    printf("simulated_patient_years_per_second: %.0f\n",
           res.simulated_years / res.wall_seconds);
    printf("peak_memory_mib: %.1f\n", (double)peak_rss_kib() / 1024.0);
  }
  hfs_diag_free(&d);
  hfs_results_free(&res);
  hfs_study_free(&st);
  hfs_cli_options_free(&o);
  return hfs_cli_exit_code(s);
}

static const char *const verify_help =
    "Usage: hfsim verify [--config FILE] [--patients N] [--out DIR]\n"
    "\n"
    "Check the simulator against answers computed independently of it, and\n"
    "set its outputs beside published figures. Writes into DIR (default\n"
    "results/verification):\n"
    "  verification.csv  check, expected, observed, mcse, z, pass: life\n"
    "                    expectancy from the life table, discounted\n"
    "                    life-years, a truncated horizon, time controlled on\n"
    "                    a fixed injection schedule, surgical shares, no\n"
    "                    discounting at 0%, and the Sick-Sicker model\n"
    "                    (Krijkamp et al. 2018) against its exact cohort\n"
    "                    calculation; a check passes within 4 Monte Carlo\n"
    "                    standard errors\n"
    "  validation.csv    model outputs beside the published figures of\n"
    "                    configs/validation_targets.csv, with sources\n"
    "The Sick-Sicker scenario is sick_sicker.ini beside the --config file.\n"
    "Patients per check: --patients (default 50000).\n"
    "Exit code 5 when any verification check fails.\n";

static char *sibling(const char *path, const char *name)
{
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) + 1 : 0;
  char *p = malloc(n + strlen(name) + 1);
  if (p) {
    memcpy(p, path, n);
    strcpy(p + n, name);
  }
  return p;
}

static int cmd_verify(int argc, char **argv)
{
  options o;
  memset(&o, 0, sizeof o);
  o.command = "verify";
  int rc = hfs_cli_parse_options(&o, argc, argv, ALLOW_RUN | ALLOW_PATIENTS,
                                 verify_help);
  if (rc >= 0) {
    hfs_cli_options_free(&o);
    return rc;
  }
  const char *dir = "results/verification";
  for (size_t i = 0; i < o.n_overrides; i++)
    if (strncmp(o.overrides[i].assignment, "run.output=", 11) == 0)
      dir = o.overrides[i].assignment + 11;
  uint64_t patients = o.patients_given ? o.bench_patients : 50000;
  char *ss = sibling(o.config, "sick_sicker.ini");
  char *targets = sibling(o.config, "validation_targets.csv");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_check checks[32];
  if (!o.quiet)
    fprintf(stderr, "hfsim: verification with %llu patients per check...\n",
            (unsigned long long)patients);
  hfs_verify_set_stop_flag(&hfs_cli_stop_requested);
  long n = hfs_verify_run(o.config, ss, patients, checks, 32, &d);
  hfs_status s = n < 0 ? HFS_ERR_INPUT : HFS_OK;
  if (hfs_cli_stop_requested)
    s = HFS_ERR_INTERRUPTED;
  hfs_output_set out;
  memset(&out, 0, sizeof out);
  if (s == HFS_OK)
    s = hfs_output_open(&out, dir, &d);
  if (s == HFS_OK) {
    FILE *f = hfs_output_add(&out, "verification.csv", &d);
    FILE *v = f ? hfs_output_add(&out, "validation.csv", &d) : NULL;
    if (f == NULL || v == NULL)
      s = HFS_ERR_IO;
    else {
      hfs_verify_write(f, checks, (size_t)n);
      s = hfs_validate_write(v, o.config, targets, patients, &d);
    }
    if (hfs_cli_stop_requested)
      s = HFS_ERR_INTERRUPTED;
    if (s == HFS_OK)
      s = hfs_output_commit(&out, &d);
    if (s != HFS_OK)
      hfs_output_abort(&out);
  }
  hfs_diag_print(&d, stderr);
  if (s == HFS_ERR_INTERRUPTED)
    fprintf(stderr,
            "hfsim: interrupted; no results were written (earlier "
            "results in %s are unchanged)\n",
            dir);
  int failed = 0;
  if (s == HFS_OK) {
    for (long i = 0; i < n; i++) {
      failed += !checks[i].pass;
      if (!o.quiet || !checks[i].pass)
        printf("%-4s %-34s expected %14.6g observed %14.6g (z %+.2f)\n",
               checks[i].pass ? "ok" : "FAIL", checks[i].name,
               checks[i].expected, checks[i].observed, checks[i].z);
    }
    if (!o.quiet)
      printf("%ld checks, %d failed; wrote %s/verification.csv and "
             "validation.csv\n",
             n, failed, dir);
  }
  hfs_output_free(&out);
  hfs_diag_free(&d);
  free(ss);
  free(targets);
  hfs_cli_options_free(&o);
  if (s == HFS_OK && failed)
    return HFS_EXIT_VERIFY;
  return hfs_cli_exit_code(s);
}

static int cmd_dictionary(int argc, char **argv)
{
  options o;
  memset(&o, 0, sizeof o);
  o.command = "dictionary";
  int rc = hfs_cli_parse_options(&o, argc, argv, 0, dictionary_help);
  if (rc >= 0) {
    hfs_cli_options_free(&o);
    return rc;
  }
  /* Only the scenario's [run] model matters here. */
  hfs_scenario sc;
  hfs_scenario_init(&sc);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_status s = hfs_scenario_load(&sc, o.config, &d);
  const hfs_setting *e = hfs_scenario_get(&sc, "run", "model");
  const char *name = e ? e->value : "hfs";
  const hfs_model_class *c = hfs_model_class_find(name);
  if (s == HFS_OK && c == NULL)
    hfs_diag_error(&d, e ? e->file : o.config, e ? e->line : 0,
                   "[run] model: unknown model '%s'", name);
  if (s == HFS_OK && c != NULL)
    hfs_write_dictionary(stdout, c);
  hfs_diag_print(&d, stderr);
  rc = hfs_diag_count(&d) ? hfs_cli_exit_code(s == HFS_OK ? HFS_ERR_INPUT : s)
                          : HFS_EXIT_OK;
  hfs_diag_free(&d);
  hfs_scenario_free(&sc);
  hfs_cli_options_free(&o);
  return rc;
}

int hfs_cli_main(int argc, char **argv)
{
  /* GSL's default handler aborts; we check return values ourselves. */
  gsl_set_error_handler_off();
  install_signal_handlers();
  if (argc < 2) {
    fputs(main_help, stderr);
    return HFS_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    fputs(main_help, stdout);
    return HFS_EXIT_OK;
  }
  if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
    printf("hfsim %s (git %s)\n", HFS_VERSION, HFS_GIT_COMMIT);
    return HFS_EXIT_OK;
  }
  if (!strcmp(cmd, "run"))
    return cmd_run(argc, argv);
  if (!strcmp(cmd, "check"))
    return cmd_check(argc, argv);
  if (!strcmp(cmd, "bench"))
    return cmd_bench(argc, argv);
  if (!strcmp(cmd, "dictionary"))
    return cmd_dictionary(argc, argv);
  if (!strcmp(cmd, "report"))
    return hfs_cmd_report(argc, argv);
  if (!strcmp(cmd, "psa"))
    return hfs_cmd_psa(argc, argv);
  if (!strcmp(cmd, "verify"))
    return cmd_verify(argc, argv);
  if (!strcmp(cmd, "owsa") || !strcmp(cmd, "twsa") || !strcmp(cmd, "scenarios"))
    return hfs_cmd_dsa(cmd, argc, argv);
  static const char *const commands[] = {
      "run",  "check",     "bench",  "dictionary", "psa", "owsa",
      "twsa", "scenarios", "verify", "report"};
  const char *sug = hfs_closest_name(cmd, commands, 10);
  if (sug != NULL) {
    fprintf(stderr, "hfsim: unknown command '%s' (did you mean '%s'?)\n", cmd,
            sug);
    fprintf(stderr, "Try 'hfsim --help' for more information.\n");
    return HFS_EXIT_USAGE;
  }
  return hfs_cli_usage_error(NULL, "unknown command '%s'", cmd);
}
