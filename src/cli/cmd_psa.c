/*
 * cmd_psa.c - `hfsim psa`: probabilistic sensitivity analysis from the
 * command line (see psa.h for the method).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "common.h"
#include "progress.h"
#include "hfsim/numfmt.h"
#include "hfsim/figures.h"
#include "hfsim/output.h"
#include "hfsim/parallel.h"
#include "hfsim/params.h"
#include "hfsim/psa.h"
#include "hfsim/sha256.h"
#include "hfsim/version.h"
#include "hfsim/xlsx.h"

static const char *const psa_help =
    "Usage: hfsim psa [--config FILE] [--iterations K] [--patients N]\n"
    "                 [--seed S] [--threads T] [--out DIR]\n"
    "                 [--set NAME=VALUE]... [--scenario NAME]\n"
    "                 [--posterior FILE] [--resume] [--xlsx] [--no-wait]\n"
    "                 [--quiet]\n"
    "\n"
    "Probabilistic sensitivity analysis. Each iteration draws every\n"
    "parameter with a distribution in the parameter table (beta, gamma,\n"
    "lognormal, truncated normal, uniform, triangular, Dirichlet groups,\n"
    "...; 'fixed' rows keep their value) and simulates N patients under\n"
    "every strategy. The same N patients serve every iteration and\n"
    "strategy (common random numbers). Settings come from the scenario's\n"
    "[psa] section (iterations, patients, ceac_wtp_max, ceac_wtp_step,\n"
    "population, evppi); options override them.\n"
    "\n"
    "A parameter set with --set NAME=V, or by a line of the section\n"
    "chosen with --scenario NAME, is fixed at V in every draw (not sampled;\n"
    "the console and manifest.txt list it); every other parameter gets the\n"
    "same draws as without it. Setting one member of a Dirichlet group\n"
    "fixes the whole group.\n"
    "\n"
    "Writes into the output folder ([psa] output, default <run output>-psa):\n"
    "  psa_parameters.csv  iteration and every sampled value\n"
    "  psa.csv             iteration, strategy, cost, QALYs, NMB at each WTP\n"
    "  psa_summary.csv     mean, Monte Carlo se, 2.5/97.5 percentiles of\n"
    "                      costs, QALYs and increments vs the first strategy\n"
    "  ceac.csv            probability each strategy is cost-effective over\n"
    "                      a WTP grid, and the acceptability frontier\n"
    "  evpi.csv            expected value of perfect information\n"
    "  evppi.csv           EVPPI of the [psa] evppi parameter groups\n"
    "                      (regression metamodel; when [psa] evppi is set)\n"
    "  results.xlsx        the files above as one workbook (--xlsx)\n"
    "  figures/            psa_cloud, convergence_psa, ceac, evpi, evppi\n"
    "                      (.svg, .png, .pdf, with .gp script and .dat data)\n"
    "  report.html         settings, tables and figures in one page\n"
    "  manifest.txt\n"
    "\n"
    "Options:\n"
    "  --iterations K  number of parameter draws ([psa] iterations)\n"
    "  --patients N    patients per iteration ([psa] patients)\n"
    "  --posterior FILE  draw the calibrated parameters jointly from a\n"
    "                  posterior sample (posterior.csv of hfsim calibrate):\n"
    "                  one row per iteration, uniformly; the other\n"
    "                  parameters from their distributions as without it\n"
    "  --resume        continue an interrupted PSA from its last completed\n"
    "                  iteration (results are identical to an uninterrupted\n"
    "                  run); needs the same inputs and options\n"
    "  --xlsx          also write results.xlsx (typed numbers, any locale)\n"
    "  -q, --quiet     no progress bar (it is shown only on a terminal)\n"
    "  other options as for 'hfsim run'\n"
    "\n"
    "Accepted without effect, with a warning: --patients-csv (only 'hfsim\n"
    "run' writes patients.csv).\n";

typedef struct psa_settings {
  uint64_t iterations, patients;
  double wtp_max, wtp_step, population;
  char *evppi;
  char *output_dir;
} psa_settings;

static int read_number(hfs_setting *e, double *out, double min, hfs_diag *d)
{
  double v;
  (void)d; /* reported by hfs_psa_check_section() */
  if (hfs_parse_double(e->value, &v) != 0 || v < min)
    return -1;
  *out = v;
  return 0;
}

static hfs_status read_psa_settings(hfs_study *st, const options *o,
                                    psa_settings *ps, hfs_diag *d)
{
  hfs_scenario *sc = &st->scenario;
  size_t before = hfs_diag_count(d);
  memset(ps, 0, sizeof *ps);
  ps->iterations = 1000;
  ps->patients = 1000;
  ps->wtp_max = sc->n_wtp ? 2.0 * sc->wtp[sc->n_wtp - 1] : 100000.0;
  ps->wtp_step = ps->wtp_max / 200.0;
  ps->population = 1.0;
  hfs_setting *e;
  double v;
  if ((e = hfs_scenario_get(sc, "psa", "iterations")) &&
      read_number(e, &v, 1, d) == 0)
    ps->iterations = (uint64_t)v;
  if ((e = hfs_scenario_get(sc, "psa", "patients")) &&
      read_number(e, &v, 1, d) == 0)
    ps->patients = (uint64_t)v;
  if ((e = hfs_scenario_get(sc, "psa", "ceac_wtp_max")) &&
      read_number(e, &v, 0, d) == 0)
    ps->wtp_max = v;
  if ((e = hfs_scenario_get(sc, "psa", "ceac_wtp_step")) &&
      read_number(e, &v, 1e-9, d) == 0)
    ps->wtp_step = v;
  if ((e = hfs_scenario_get(sc, "psa", "population")) &&
      read_number(e, &v, 0, d) == 0)
    ps->population = v;
  e = hfs_scenario_get(sc, "psa", "evppi");
  ps->evppi = hfs_strdup(e ? e->value : "");
  e = hfs_scenario_get(sc, "psa", "output");
  if (e != NULL) {
    ps->output_dir = hfs_setting_path(sc, e);
  } else {
    size_t n = strlen(sc->output_dir) + 5;
    ps->output_dir = malloc(n);
    if (ps->output_dir)
      snprintf(ps->output_dir, n, "%s-psa", sc->output_dir);
  }
  /* --out names the PSA folder directly */
  if (o->out_dir != NULL) {
    free(ps->output_dir);
    ps->output_dir = hfs_strdup(o->out_dir);
  }
  if (o->iterations)
    ps->iterations = o->iterations;
  if (o->patients_given)
    ps->patients = o->patients;
  /* the same rules as `hfsim check` (psa.h), then the grid as used */
  hfs_psa_check_section(st, d);
  if (hfs_diag_count(d) == before) {
    e = hfs_scenario_get(sc, "psa", "ceac_wtp_step");
    hfs_psa_check_grid(ps->wtp_max, ps->wtp_step, e ? e->file : sc->path,
                       e ? e->line : 0, d);
  }
  if (!ps->evppi || !ps->output_dir)
    return HFS_ERR_NOMEM;
  return hfs_diag_count(d) > before ? HFS_ERR_INPUT : HFS_OK;
}

/* Everything that determines the PSA's numbers, hashed: a checkpoint is
 * only resumed by the same PSA. */
static void fingerprint(const hfs_study *st, const psa_settings *ps,
                        const options *o, char hex[65])
{
  hfs_sha256 c;
  hfs_sha256_init(&c);
  if (o->posterior != NULL) {
    char h[65];
    if (hfs_sha256_file(o->posterior, h) == 0)
      hfs_sha256_update(&c, h, 64);
    hfs_sha256_update(&c, "posterior", 10);
  }
  hfs_cli_hash_inputs(&c, st, NULL, o);
  if (o->scenario != NULL)
    hfs_sha256_update(&c, o->scenario, strlen(o->scenario) + 1);
  /* another build may simulate differently: never mix two in one PSA */
  char buf[256];
  snprintf(buf, sizeof buf, "%s %s %llu %llu %llu", HFS_VERSION, HFS_GIT_COMMIT,
           (unsigned long long)ps->iterations, (unsigned long long)ps->patients,
           (unsigned long long)st->scenario.seed);
  hfs_sha256_update(&c, buf, strlen(buf));
  hfs_sha256_final_hex(&c, hex);
}

/* What a resumed PSA keeps of its checkpoint: the header and the
 * iterations loaded from it. */
typedef struct ckpt_kept {
  const char *fingerprint;
  const hfs_psa_result *res;
} ckpt_kept;

static int write_kept(FILE *f, void *user)
{
  const ckpt_kept *k = user;
  if (hfs_psa_checkpoint_header(f, k->fingerprint) != 0)
    return -1;
  for (uint64_t i = 0; i < k->res->done; i++)
    if (hfs_psa_checkpoint_line(f, k->res, i) != 0)
      return -1;
  return 0;
}

static int cmd_psa(options *o, int argc, char **argv)
{
  hfs_study st;
  int rc = hfs_cli_load_study(&st, o);
  if (rc >= 0)
    return rc;
  char started[32];
  hfs_cli_now_utc(started);
  double t0 = omp_get_wtime();
  hfs_diag d;
  hfs_diag_init(&d);
  psa_settings ps;
  hfs_psa_result res;
  memset(&res, 0, sizeof res);
  hfs_output_set out;
  memset(&out, 0, sizeof out);
  FILE *ckpt = NULL;
  char *ckpt_path = NULL;
  hfs_status s = read_psa_settings(&st, o, &ps, &d);
  if (s == HFS_OK) {
    s = hfs_psa_result_init(&res, &st, ps.iterations);
    if (s == HFS_ERR_NOMEM)
      hfs_diag_error(&d, NULL, 0,
                     "out of memory: %llu iterations need %zu MiB for their "
                     "draws and results; use fewer iterations",
                     (unsigned long long)ps.iterations,
                     hfs_psa_result_bytes(&st, ps.iterations) >> 20);
  }
  hfs_psa_posterior post;
  memset(&post, 0, sizeof post);
  if (s == HFS_OK && o->posterior != NULL) {
    s = hfs_psa_posterior_read(&post, o->posterior, &st.params, &d);
    if (s == HFS_OK)
      s = hfs_psa_use_posterior(&res, &st, &post);
    if (s == HFS_OK)
      s = hfs_psa_posterior_check(&res, &st, &hfs_cli_stop_requested, &d);
  }
  if (s == HFS_OK && ps.evppi[0] != '\0') {
    /* errors at the setting's line (or its --set) */
    const hfs_setting *e = hfs_scenario_get(&st.scenario, "psa", "evppi");
    s = hfs_psa_check_groups(&st, &res, ps.evppi,
                             e ? e->file : st.scenario.path, e ? e->line : 0,
                             &d);
  }
  /* MPI: rank 0 alone opens the folder, reads and writes the checkpoint
   * and writes the results; the other ranks simulate (psa.h) */
  const int root = hfs_par_rank() == 0;
  if (s == HFS_OK && root)
    s = hfs_output_open(&out, ps.output_dir, &d);
  char fp[65];
  if (s == HFS_OK && root) {
    fingerprint(&st, &ps, o, fp);
    /* beside the folder, not in it: the folder is replaced whole at the
     * end, and the checkpoint must outlive an interrupted PSA */
    ckpt_path = hfs_output_sibling_path(&out, "psa-checkpoint");
    if (ckpt_path == NULL)
      s = HFS_ERR_NOMEM;
    if (s == HFS_OK && !o->resume)
      hfs_cli_warn_checkpoint_replaced(ckpt_path);
    if (s == HFS_OK && o->resume) {
      hfs_cli_warn_no_checkpoint(ckpt_path, "iteration");
      s = hfs_psa_checkpoint_read(ckpt_path, fp, &res, &d);
      if (s == HFS_OK)
        s = hfs_psa_checkpoint_verify(&st, &res, ckpt_path, &d);
      if (s == HFS_OK && !o->quiet && res.done > 0)
        fprintf(stderr, "hfsim: resuming after iteration %llu of %llu\n",
                (unsigned long long)res.done,
                (unsigned long long)res.iterations);
    }
  }
  if (s == HFS_OK && root) {
    /* Rewrite the checkpoint with the iterations kept, then append. It is
     * written beside the old one and renamed over it, so a failure (full
     * disk) keeps the iterations the old one holds. */
    ckpt_kept kept = {fp, &res};
    ckpt = hfs_cli_checkpoint_rewrite(ckpt_path, write_kept, &kept, &d);
    if (ckpt == NULL)
      s = HFS_ERR_IO;
  }
  s = (hfs_status)hfs_par_bcast_int((int)s); /* rank 0's */
  res.done = hfs_par_bcast_u64(res.done);    /* where it resumes */
  if (s == HFS_OK) {
    hfs_run_config cfg = hfs_study_run_config(&st);
    cfg.patients = ps.patients;
    hfs_cli_progress prog; /* (rank 0's, on a terminal) */
    hfs_cli_progress_init(&prog, o->quiet || !root, "psa", "iterations");
    if (!o->quiet) {
      fprintf(stderr,
              "hfsim: PSA of %llu iterations x %llu patients x %zu "
              "strategies\n",
              (unsigned long long)ps.iterations,
              (unsigned long long)ps.patients, st.model.n_strategies);
      hfs_psa_report_fixed(stderr, &st.params,
                           "hfsim: fixed in every draw (override): ");
    }
    cfg.stop_flag = &hfs_cli_stop_requested;
    s = hfs_psa_run(&st, &cfg, &res, ckpt, hfs_cli_progress_fn, &prog, &d);
    hfs_cli_progress_end(&prog);
  }
  if (ckpt != NULL)
    fclose(ckpt);
  /* (rank 0 alone holds every iteration, checks and writes them) */
  if (s == HFS_OK && root) /* an overflow is an error, not an empty cell */
    s = hfs_psa_check_totals(&st, &res, ps.wtp_max, &d);
  if (s == HFS_OK && root) {
    const double *wtp = st.scenario.wtp;
    size_t n_wtp = st.scenario.n_wtp;
    FILE *f;
    if ((f = hfs_output_add(&out, "psa_parameters.csv", &d)))
      hfs_psa_write_parameters(f, &st, &res);
    else
      s = HFS_ERR_IO;
    if (s == HFS_OK && (f = hfs_output_add(&out, "psa.csv", &d)))
      hfs_psa_write_iterations(f, &st, &res, wtp, n_wtp);
    if (s == HFS_OK && (f = hfs_output_add(&out, "psa_summary.csv", &d)))
      hfs_psa_write_summary(f, &st, &res, wtp, n_wtp);
    if (s == HFS_OK && (f = hfs_output_add(&out, "ceac.csv", &d)))
      hfs_psa_write_ceac(f, &st, &res, ps.wtp_max, ps.wtp_step);
    if (s == HFS_OK && (f = hfs_output_add(&out, "evpi.csv", &d)))
      hfs_psa_write_evpi(f, &res, ps.wtp_max, ps.wtp_step, ps.population);
    if (s == HFS_OK && ps.evppi[0] != '\0' &&
        (f = hfs_output_add(&out, "evppi.csv", &d)))
      s = hfs_psa_write_evppi(f, &st, &res, ps.evppi, wtp, n_wtp, ps.population,
                              &d);
    if (s == HFS_OK && st.scenario.xlsx)
      s = hfs_xlsx_add_workbook(&out, "results.xlsx", st.cls, &st.params, &d);
    if (s == HFS_OK && (f = hfs_output_add(&out, "manifest.txt", &d))) {
      hfs_cli_run_info info = {ps.patients, hfs_cli_threads_used(&st),
                               omp_get_wtime() - t0};
      hfs_cli_write_manifest(f, &st, o, argc, argv, &info, started);
      fprintf(f, "psa_iterations: %llu\npsa_patients_per_iteration: %llu\n",
              (unsigned long long)ps.iterations,
              (unsigned long long)ps.patients);
      char num[40];
      fprintf(f, "psa_population: %s\n",
              hfs_format_double(num, sizeof num, ps.population));
      char h[65];
      if (o->posterior != NULL && hfs_sha256_file(o->posterior, h) == 0)
        fprintf(f,
                "posterior: %s\nposterior_sha256: %s\n"
                "posterior_draws: %zu\n",
                o->posterior, h, post.n_rows);
      hfs_psa_report_fixed(f, &st.params, "psa_fixed_by_override: ");
    }
    if (s == HFS_OK && hfs_cli_stop_requested)
      s = HFS_ERR_INTERRUPTED;
    if (s == HFS_OK) {
      hfs_figures_add(&out, o->quiet, &hfs_cli_stop_requested); /* figures.h: same commit */
      /* a signal while the figures were drawn stops the command too */
      s = hfs_cli_stop_requested ? HFS_ERR_INTERRUPTED
                                 : hfs_output_commit(&out, &d);
    }
    if (s == HFS_OK)
      remove(ckpt_path);
  }
  if (s != HFS_OK)
    hfs_output_abort(&out);
  hfs_diag_print(&d, stderr);
  if (s == HFS_ERR_INTERRUPTED)
    fprintf(stderr,
            "hfsim: interrupted after %llu of %llu iterations; no results "
            "were written. Continue with the same command and --resume.\n",
            (unsigned long long)res.done, (unsigned long long)res.iterations);
  if (s == HFS_OK && !o->quiet)
    printf("hfsim: PSA of %llu iterations in %.1f s; wrote %s/psa.csv, "
           "psa_summary.csv, psa_parameters.csv, ceac.csv, evpi.csv%s%s and "
           "manifest.txt\n",
           (unsigned long long)res.done, omp_get_wtime() - t0, ps.output_dir,
           ps.evppi[0] ? ", evppi.csv" : "",
           st.scenario.xlsx ? ", results.xlsx" : "");
  free(ckpt_path);
  free(ps.evppi);
  free(ps.output_dir);
  hfs_psa_result_free(&res);
  hfs_psa_posterior_free(&post);
  hfs_output_free(&out);
  hfs_diag_free(&d);
  hfs_study_free(&st);
  return hfs_cli_exit_code(s);
}

const hfs_cli_command hfs_cli_cmd_psa = {
    .name = "psa",
    .summary = "probabilistic sensitivity analysis: CEAC, EVPI, EVPPI",
    .help = psa_help,
    .options = ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS |
               ALLOW_PSA | ALLOW_POSTERIOR | ALLOW_SCENARIO | ALLOW_XLSX,
    .no_effect = "--patients-csv",
    .run = cmd_psa,
};
