/*
 * cmd_dsa.c - `hfsim owsa`, `hfsim twsa` and `hfsim scenarios`: the
 * deterministic sensitivity analyses of dsa.h from the command line (the
 * analyses themselves are in src/analyses/dsa.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "common.h"
#include "progress.h"
#include "hfsim/figures.h"
#include "hfsim/dsa.h"
#include "hfsim/output.h"
#include "hfsim/parallel.h"

static const char *const owsa_help =
    "Usage: hfsim owsa [--config FILE] [--patients N] [--seed S]\n"
    "                  [--threads T] [--out DIR] [--set NAME=VALUE]...\n"
    "                  [--no-wait] [--quiet]\n"
    "\n"
    "One-way sensitivity analysis: every parameter with low and high in the\n"
    "parameter table is set to its low, then its high value, one at a time,\n"
    "on the same patients. Writes owsa.csv: for each parameter and strategy\n"
    "the costs, QALYs, net monetary benefit at [economics] wtp_main and the\n"
    "ICER against the first strategy at low and high, and the swing of the\n"
    "net monetary benefit; rows are sorted by swing within each strategy,\n"
    "ready for a tornado diagram. Patients: [dsa] patients (default 20000).\n"
    "Output folder: <run output>-owsa unless --out is given; beside\n"
    "owsa.csv, as every analysis: figures/ (tornado_decision and\n"
    "tornado_nmb_STRATEGY), report.html and manifest.txt. Other options\n"
    "as for 'hfsim run'.\n"
    "\n"
    "Accepted without effect, with a warning: --patients-csv (only 'hfsim\n"
    "run' writes patients.csv).\n";

static const char *const twsa_help =
    "Usage: hfsim twsa --param NAME --param NAME [--steps N] [--config FILE]\n"
    "                  [--patients N] [--seed S] [--threads T] [--out DIR]\n"
    "                  [--set NAME=VALUE]... [--no-wait] [--quiet]\n"
    "\n"
    "Two-way sensitivity analysis: an N x N grid (default 5) over the two\n"
    "parameters' low-high ranges (or NAME=LOW:HIGH to give the range), on\n"
    "the same patients. Writes twsa.csv: both values, and per strategy the\n"
    "cost, QALYs, net monetary benefit at [economics] wtp_main and whether\n"
    "it is the optimal strategy there. Output: <run output>-twsa, with\n"
    "figures/ (twsa_map), report.html and manifest.txt. Patients: [dsa]\n"
    "patients (default 20000). Other options as for 'hfsim run'.\n"
    "\n"
    "Accepted without effect, with a warning: --patients-csv (only 'hfsim\n"
    "run' writes patients.csv).\n";

static const char *const scenarios_help =
    "Usage: hfsim scenarios [--config FILE] [--patients N] [--seed S]\n"
    "                       [--threads T] [--out DIR] [--set NAME=VALUE]...\n"
    "                       [--no-wait] [--quiet]\n"
    "\n"
    "Run the base case and every [scenario NAME] section of the scenario\n"
    "file in one call. A scenario section lists overrides, one per line,\n"
    "exactly as --set takes them:\n"
    "    [scenario uk_discounting]\n"
    "    economics.discount_rate_costs = 0.035\n"
    "    economics.discount_rate_qalys = 0.035\n"
    "    NAME = VALUE       (a parameter of the table)\n"
    "Every scenario simulates the same patients (common random numbers):\n"
    "a line that changes the patients, the run or the output (run.seed,\n"
    "run.patients, dsa.patients, run.model, run.threads, run.output,\n"
    "run.patients_csv, run.xlsx) is refused before anything is simulated.\n"
    "Writes scenarios.csv: one block of rows per scenario (base first),\n"
    "each strategy's costs, QALYs, net benefit, dominance status, ICER and\n"
    "whether it is optimal at [economics] wtp_main. Output:\n"
    "<run output>-scenarios, with figures/ (scenarios), report.html and\n"
    "manifest.txt. Patients: [dsa] patients (default 20000). Other options\n"
    "as for 'hfsim run'.\n"
    "\n"
    "Accepted without effect, with a warning: --patients-csv (only 'hfsim\n"
    "run' writes patients.csv).\n";

/* ---- shared ----------------------------------------------------------- */


/* Open the command's output folder OUT (zeroed by the caller) before
 * simulating: its lock is taken and its staging folder made, so that one
 * that cannot be made is reported at once, not after the whole analysis,
 * and so that the lock is held for the whole command (output.h). The
 * caller commits it with write_outputs() and frees it (lock released,
 * staging folder removed if not committed) at the end of the command. */
static hfs_status open_early(hfs_output_set *out, const char *dir, hfs_diag *d)
{
  if (dir == NULL)
    return HFS_ERR_NOMEM;
  /* MPI: only rank 0 opens (and locks) the folder; its verdict holds for
   * all ranks */
  hfs_status s = hfs_par_rank() == 0 ? hfs_output_open(out, dir, d) : HFS_OK;
  return (hfs_status)hfs_par_bcast_int((int)s);
}

/* Write FILE_NAME through WRITE into OUT, opened by open_early(), with a
 * manifest, and commit. */
typedef void (*writer_fn)(FILE *f, const hfs_study *st, const void *result);

static hfs_status write_outputs(hfs_output_set *out, const char *file_name,
                                writer_fn write, const void *result,
                                const hfs_study *st, const options *o, int argc,
                                char **argv, const char *started,
                                uint64_t patients, double seconds, hfs_diag *d)
{
  if (hfs_par_rank() != 0) /* (MPI: only rank 0 writes) */
    return hfs_cli_stop_requested ? HFS_ERR_INTERRUPTED : HFS_OK;
  FILE *f = hfs_output_add(out, file_name, d);
  FILE *m = f ? hfs_output_add(out, "manifest.txt", d) : NULL;
  hfs_status s;
  if (f && m) {
    write(f, st, result);
    hfs_cli_run_info info = {patients, hfs_cli_threads_used(st), seconds};
    hfs_cli_write_manifest(m, st, o, argc, argv, &info, started);
    if (!hfs_cli_stop_requested)
      hfs_figures_add(out, o->quiet, &hfs_cli_stop_requested);
    /* (a signal while the figures were drawn stops the command too) */
    s = hfs_cli_stop_requested ? HFS_ERR_INTERRUPTED
                               : hfs_output_commit(out, d);
  } else {
    s = HFS_ERR_IO;
  }
  if (s != HFS_OK)
    hfs_output_abort(out);
  return s;
}

/* Progress on a terminal (progress.h): USER is the hfs_cli_progress. */
static void show_progress(void *user, size_t done, size_t total,
                          const char *label)
{
  (void)label;
  hfs_cli_progress_update(user, done, total);
}

/* Scenarios: the bar on a terminal; elsewhere (a log) one line per
 * scenario, unless --quiet. */
typedef struct scenario_progress {
  hfs_cli_progress bar;
  int quiet;
} scenario_progress;

static void show_scenario(void *user, size_t done, size_t total,
                          const char *label)
{
  scenario_progress *p = user;
  if (p->bar.enabled)
    hfs_cli_progress_update(&p->bar, done, total);
  else if (!p->quiet && label != NULL)
    fprintf(stderr, "hfsim: scenario %s\n", label);
}

static void write_owsa(FILE *f, const hfs_study *st, const void *r)
{
  hfs_owsa_write(f, st, r);
}

static void write_twsa(FILE *f, const hfs_study *st, const void *r)
{
  hfs_twsa_write(f, st, r);
}

static void write_scenarios(FILE *f, const hfs_study *st, const void *r)
{
  (void)st;
  hfs_scenarios_write(f, r);
}

/* ---- the commands ------------------------------------------------------- */

/* What the three commands share: the study, the clock, the diagnostics,
 * the run configuration and the output folder, opened before simulating. */
typedef struct dsa_command {
  hfs_study st;
  char started[32];
  double t0;
  hfs_diag d;
  hfs_run_config cfg;
  char *dir;
  hfs_output_set out;
} dsa_command;

/* Load the study and open the output folder <run output>SUFFIX (or --out).
 * Returns an exit code if the study could not be loaded (nothing to free);
 * otherwise -1, with *S saying whether to go on: any error so far (a bad
 * [dsa] setting, one the caller found) stops the command before it
 * simulates. Finish with dsa_finish() in every case. */
static int dsa_begin(dsa_command *c, options *o, const char *suffix,
                     hfs_status *s)
{
  int rc = hfs_cli_load_study(&c->st, o);
  if (rc >= 0)
    return rc;
  hfs_cli_now_utc(c->started);
  c->t0 = omp_get_wtime();
  hfs_diag_init(&c->d);
  c->cfg = hfs_study_run_config(&c->st);
  /* [dsa] patients, which --patients sets (an override of dsa.patients,
   * common.c), checked against its range */
  c->cfg.patients = hfs_dsa_patients(&c->st, &c->d);
  c->cfg.stop_flag = &hfs_cli_stop_requested;
  c->dir = hfs_cli_output_dir(o, c->st.scenario.output_dir, suffix);
  memset(&c->out, 0, sizeof c->out);
  *s = hfs_diag_count(&c->d) || c->cfg.patients == 0 ? HFS_ERR_INPUT
                                                     : HFS_OK;
  if (*s == HFS_OK)
    *s = open_early(&c->out, c->dir, &c->d);
  return -1;
}

/* Write FILE_NAME (when S is still HFS_OK), report (WHAT names what was
 * done, for the closing line), free everything but the analysis's own
 * result, and return the exit code. */
static int dsa_finish(dsa_command *c, hfs_status s, const char *what,
                      const char *file_name, writer_fn write,
                      const void *result, const options *o, int argc,
                      char **argv)
{
  if (s == HFS_OK)
    s = write_outputs(&c->out, file_name, write, result, &c->st, o, argc,
                      argv, c->started, c->cfg.patients,
                      omp_get_wtime() - c->t0, &c->d);
  hfs_output_free(&c->out);
  hfs_diag_print(&c->d, stderr);
  if (s == HFS_ERR_INTERRUPTED)
    fprintf(stderr, "hfsim: interrupted; no results were written\n");
  if (s == HFS_OK && !o->quiet)
    printf("hfsim: %s in %.1f s; wrote %s/%s and manifest.txt\n", what,
           omp_get_wtime() - c->t0, c->dir, file_name);
  free(c->dir);
  hfs_diag_free(&c->d);
  hfs_study_free(&c->st);
  return hfs_cli_exit_code(s);
}

static int cmd_owsa(options *o, int argc, char **argv)
{
  dsa_command c;
  hfs_status s;
  int rc = dsa_begin(&c, o, "-owsa", &s);
  if (rc >= 0)
    return rc;
  hfs_owsa_result r;
  memset(&r, 0, sizeof r);
  if (s == HFS_OK) {
    if (!o->quiet) {
      size_t n = 0;
      for (size_t i = 0; i < c.st.params.count; i++)
        n += !isnan(c.st.params.items[i].low);
      fprintf(stderr,
              "hfsim: one-way analysis of %zu parameters x 2 values, %llu "
              "patients each\n",
              n, (unsigned long long)c.cfg.patients);
    }
    hfs_cli_progress bar;
    hfs_cli_progress_init(&bar, o->quiet || hfs_par_rank() != 0, "owsa",
                          "parameters");
    s = hfs_owsa_run(&c.st, &c.cfg, show_progress, &bar, &r, &c.d);
    hfs_cli_progress_end(&bar);
  }
  rc = dsa_finish(&c, s, "one-way analysis", "owsa.csv", write_owsa, &r, o,
                  argc, argv);
  hfs_owsa_result_free(&r);
  return rc;
}

static int cmd_twsa(options *o, int argc, char **argv)
{
  if (o->n_params != 2)
    return hfs_cli_usage_error("twsa",
                               "name two parameters: --param A --param B");
  size_t steps = o->steps ? o->steps : 5;
  dsa_command c;
  hfs_status s;
  int rc = dsa_begin(&c, o, "-twsa", &s);
  if (rc >= 0)
    return rc;
  hfs_twsa_result r;
  memset(&r, 0, sizeof r);
  if (s == HFS_OK) {
    hfs_cli_progress bar;
    hfs_cli_progress_init(&bar, o->quiet || hfs_par_rank() != 0, "twsa",
                          "grid points");
    s = hfs_twsa_run(&c.st, &c.cfg, o->params, "--param", steps,
                     show_progress, &bar, &r, &c.d);
    hfs_cli_progress_end(&bar);
  }
  char what[64];
  snprintf(what, sizeof what, "two-way grid of %zu x %zu", steps, steps);
  rc = dsa_finish(&c, s, what, "twsa.csv", write_twsa, &r, o, argc, argv);
  hfs_twsa_result_free(&r);
  return rc;
}

static int cmd_scenarios(options *o, int argc, char **argv)
{
  dsa_command c;
  hfs_status s;
  int rc = dsa_begin(&c, o, "-scenarios", &s);
  if (rc >= 0)
    return rc;
  hfs_scenarios_result r;
  memset(&r, 0, sizeof r);
  if (s == HFS_OK) {
    int any = 0;
    for (size_t i = 0; i < c.st.scenario.n_settings; i++)
      any |= strncmp(c.st.scenario.settings[i].section, "scenario ", 9) == 0;
    if (!any)
      fprintf(stderr,
              "hfsim: note: no [scenario NAME] sections in %s; only "
              "the base case is run\n",
              c.st.scenario.path);
    scenario_progress sp;
    hfs_cli_progress_init(&sp.bar, o->quiet || hfs_par_rank() != 0,
                          "scenarios", "scenarios");
    sp.quiet = o->quiet;
    s = hfs_scenarios_run(&c.st, o->config, o->overrides, o->n_overrides,
                          &c.cfg, show_scenario, &sp, &r, &c.d);
    hfs_cli_progress_end(&sp.bar);
  }
  char what[64];
  snprintf(what, sizeof what, "%zu scenarios", r.n);
  rc = dsa_finish(&c, s, what, "scenarios.csv", write_scenarios, &r, o, argc,
                  argv);
  hfs_scenarios_result_free(&r);
  return rc;
}

const hfs_cli_command hfs_cli_cmd_owsa = {
    .name = "owsa",
    .summary = "one-way sensitivity analysis (tornado)",
    .help = owsa_help,
    .options = ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS,
    .no_effect = "--patients-csv",
    .run = cmd_owsa,
};

const hfs_cli_command hfs_cli_cmd_twsa = {
    .name = "twsa",
    .summary = "two-way sensitivity analysis on a grid",
    .help = twsa_help,
    .options =
        ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS | ALLOW_TWSA,
    .no_effect = "--patients-csv",
    .run = cmd_twsa,
};

const hfs_cli_command hfs_cli_cmd_scenarios = {
    .name = "scenarios",
    .summary = "run the [scenario NAME] sections of the scenario file",
    .help = scenarios_help,
    .options = ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS,
    .no_effect = "--patients-csv",
    .run = cmd_scenarios,
};
