/*
 * cmd_calibrate.c - `hfsim calibrate`: fit the parameters named in the
 * scenario's [calibration] section to its targets (see calibrate.h).
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
#include "hfsim/numfmt.h"
#include "hfsim/calibrate.h"
#include "hfsim/figures.h"
#include "hfsim/output.h"
#include "hfsim/parallel.h"
#include "hfsim/sha256.h"
#include "hfsim/version.h"

static const char *const calibrate_help =
    "Usage: hfsim calibrate [--config FILE] [--patients N] [--seed S]\n"
    "                       [--threads T] [--out DIR] [--set NAME=VALUE]...\n"
    "                       [--resume] [--no-wait] [--quiet]\n"
    "\n"
    "Fit the parameters named in the scenario's [calibration] section to\n"
    "its targets (rows of validation_targets.csv with use = calibration):\n"
    "  1. Nelder-Mead (GSL nmsimplex2) on the logit of each parameter within\n"
    "     its bounds, from [calibration] starts points drawn by Latin\n"
    "     hypercube; the best fit minimises -log-likelihood (binomial for\n"
    "     proportions, normal for means, target error plus Monte Carlo\n"
    "     error) or a weighted sum of squares;\n"
    "  2. sampling importance resampling from the priors of the parameter\n"
    "     table ([calibration] sir_draws; 0 skips it): a posterior sample\n"
    "     with its effective sample size, for hfsim psa --posterior.\n"
    "Every evaluation simulates the same patients (common random numbers).\n"
    "Under mpirun (README \"Cluster use\"): the same files for any number\n"
    "of ranks and threads; a Nelder-Mead point's patients are spread over\n"
    "the ranks, the SIR draws are shared out; rank 0 writes.\n"
    "Settings: [calibration] parameters, bounds.NAME, targets, targets_file,\n"
    "goodness_of_fit, starts, evaluations, tolerance, step, patients,\n"
    "sir_draws, posterior_size, output (configs/README.md).\n"
    "\n"
    "Writes into the output folder ([calibration] output, default\n"
    "<run output>-calibration):\n"
    "  calibration.csv             every evaluation: parameters, model value\n"
    "                              at each target, log-likelihood, SSQ\n"
    "  calibration_targets.csv     the fit at each target (best fit)\n"
    "  calibrated_parameters.csv   best fit, at a bound?, posterior mean, sd,\n"
    "                              95% interval, effective sample size\n"
    "  posterior.csv               posterior sample (for psa --posterior)\n"
    "  posterior_correlations.csv  prior and posterior correlation of each\n"
    "                              pair (non-identifiability)\n"
    "  manifest.txt\n"
    "  figures/calibration_fit     each target's 95% interval against the\n"
    "                              model at the best fit (+- 1.96 MCSE) and\n"
    "                              the posterior interval of its value\n"
    "  figures/posterior_pairs     scatterplot matrix of posterior.csv,\n"
    "                              histograms, correlations (after SIR)\n"
    "  report.html                 tables and figures (hfsim report DIR\n"
    "                              redraws them; HFSIM_FIGURES=off skips)\n"
    "\n"
    "Options:\n"
    "  --patients N  patients per evaluation ([calibration] patients)\n"
    "  --resume      continue an interrupted calibration (identical results,\n"
    "                with any number of threads and ranks)\n"
    "  -q, --quiet   no progress bar (it is shown only on a terminal)\n"
    "  other options as for 'hfsim run'\n"
    "\n"
    "Accepted without effect, with a warning: --patients-csv (only 'hfsim\n"
    "run' writes patients.csv).\n";

/* Everything that determines the numbers, hashed: a checkpoint is resumed
 * only by the same calibration. */
static void fingerprint(const hfs_study *st, const hfs_calib_settings *cs,
                        const options *o, char hex[65])
{
  hfs_sha256 c;
  hfs_sha256_init(&c);
  hfs_cli_hash_inputs(&c, st, cs->targets_path, o);
  char buf[256];
  snprintf(buf, sizeof buf, "%s %s %llu %llu", HFS_VERSION, HFS_GIT_COMMIT,
           (unsigned long long)cs->patients, (unsigned long long)cs->seed);
  hfs_sha256_update(&c, buf, strlen(buf));
  hfs_sha256_final_hex(&c, hex);
}

/* What a resumed calibration keeps of its checkpoint: the header and the
 * evaluations loaded from it. */
typedef struct ckpt_kept {
  const char *fingerprint;
  const hfs_calib_result *res;
} ckpt_kept;

static int write_kept(FILE *f, void *user)
{
  const ckpt_kept *k = user;
  if (hfs_calib_checkpoint_header(f, k->fingerprint) != 0)
    return -1;
  for (size_t e = 0; e < k->res->n_cached; e++)
    if (hfs_calib_checkpoint_line(f, k->res, e) != 0)
      return -1;
  return 0;
}

static void print_fit(const hfs_study *st, const hfs_calib_settings *cs,
                      const hfs_calib_result *r)
{
  const size_t P = cs->n_params, T = cs->n_targets;
  printf("\n%-36s %12s %8s", "parameter", "best fit", "bound");
  if (r->sir_n)
    printf(" %12s %25s", "post. mean", "95% interval");
  printf("\n");
  for (size_t j = 0; j < P; j++) {
    printf("%-36s %12.6g %8s", cs->params[j].name, r->theta[r->best * P + j],
           r->at_bound[j] < 0   ? "low"
           : r->at_bound[j] > 0 ? "high"
                                : "-");
    if (r->sir_n)
      printf(" %12.6g   [%10.6g, %10.6g]", r->post_mean[j], r->post_q025[j],
             r->post_q975[j]);
    printf("\n");
  }
  printf("\n%-36s %10s %23s %12s %7s\n", "target", "published", "interval",
         "model", "z");
  for (size_t k = 0; k < T; k++) {
    const hfs_calib_target *t = &cs->targets[k];
    double m = r->value[r->best * T + k], e = r->mcse[r->best * T + k];
    printf("%-36s %10.6g [%10.6g, %10.6g] %12.6g %+7.2f\n", t->metric, t->value,
           t->low, t->high, m, (m - t->value) / sqrt(t->se * t->se + e * e));
  }
  printf("(best fit: evaluation %zu, log-likelihood %.4g, weighted SSQ %.4g; "
         "%s)\n",
         r->best + 1, r->loglik[r->best], r->ssq[r->best], st->scenario.path);
  if (r->sir_n)
    printf("SIR: %zu prior draws, effective sample size %.1f\n", r->sir_n,
           r->ess);
}

static int cmd_calibrate(options *op, int argc, char **argv)
{
  const options o = *op;
  hfs_study st;
  int rc = hfs_cli_load_study(&st, op);
  if (rc >= 0)
    return rc;
  char started[32];
  hfs_cli_now_utc(started);
  double t0 = omp_get_wtime();
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_calib_settings cs;
  hfs_calib_result res;
  memset(&res, 0, sizeof res);
  hfs_output_set out;
  memset(&out, 0, sizeof out);
  FILE *ckpt = NULL;
  char *ckpt_path = NULL;
  hfs_status s = hfs_calib_settings_read(&st, &cs, &d);
  /* An override fixes a value (--set, --scenario); fitting the parameter
   * would silently discard it. (`hfsim check` allows it: the override may
   * be meant for a run.) */
  for (size_t j = 0; s == HFS_OK && j < cs.n_params; j++) {
    const hfs_param *p = &st.params.items[cs.params[j].index];
    if (p->origin != NULL)
      hfs_diag_error(&d, p->origin, 0,
                     "%s is one of the [calibration] parameters, which "
                     "calibrate fits; it cannot be fixed too",
                     p->name);
  }
  if (s == HFS_OK && hfs_diag_count(&d) > 0)
    s = HFS_ERR_INPUT;
  if (s == HFS_OK) {
    if (o.patients_given)
      cs.patients = o.patients;
    if (o.out_dir != NULL) {
      free(cs.output_dir);
      cs.output_dir = hfs_strdup(o.out_dir);
    }
    if (cs.output_dir == NULL)
      s = HFS_ERR_NOMEM;
  }
  /* MPI: every rank reads the settings (a bad one fails on every rank,
   * reported by rank 0); rank 0 alone opens the folder, reads and writes
   * the checkpoint and writes the results; the other ranks evaluate
   * (hfs_calib_run_ranks) */
  const int root = hfs_par_rank() == 0;
  if (s == HFS_OK && root)
    s = hfs_output_open(&out, cs.output_dir, &d);
  char fp[65];
  if (s == HFS_OK && root) {
    fingerprint(&st, &cs, &o, fp);
    /* beside the folder, not in it: the folder is replaced whole at the
     * end, and the checkpoint must outlive an interrupted calibration */
    ckpt_path = hfs_output_sibling_path(&out, "calibration-checkpoint");
    if (ckpt_path == NULL)
      s = HFS_ERR_NOMEM;
  }
  if (s == HFS_OK && root && !o.resume)
    hfs_cli_warn_checkpoint_replaced(ckpt_path);
  if (s == HFS_OK && root && o.resume) {
    hfs_cli_warn_no_checkpoint(ckpt_path, "evaluation");
    s = hfs_calib_checkpoint_read(ckpt_path, fp, &cs, &res, &d);
    if (s == HFS_OK && !o.quiet && res.n_cached > 0)
      fprintf(stderr, "hfsim: resuming after evaluation %zu\n", res.n_cached);
  }
  if (s == HFS_OK && root) {
    /* the kept evaluations, beside the old checkpoint, renamed over it */
    ckpt_kept kept = {fp, &res};
    ckpt = hfs_cli_checkpoint_rewrite(ckpt_path, write_kept, &kept, &d);
    if (ckpt == NULL)
      s = HFS_ERR_IO;
  }
  s = (hfs_status)hfs_par_bcast_int((int)s); /* rank 0's */
  if (s == HFS_OK) {
    if (!o.quiet)
      fprintf(stderr,
              "hfsim: calibrating %zu parameters to %zu targets: %u "
              "Nelder-Mead starts (<= %u evaluations each), %llu SIR draws, "
              "%llu patients per evaluation\n",
              cs.n_params, cs.n_targets, cs.starts, cs.max_evaluations,
              (unsigned long long)cs.sir_draws,
              (unsigned long long)cs.patients);
    hfs_calib_model cm;
    hfs_calib_model_init(&cm, &st, &cs, &hfs_cli_stop_requested);
    /* (the planned count is an upper bound: Nelder-Mead may converge
     * sooner; rank 0's line, on a terminal) */
    hfs_cli_progress prog;
    hfs_cli_progress_init(&prog, o.quiet || !root, "calibrate",
                          "evaluations (at most)");
    s = hfs_calib_run_ranks(&cs, &cm, &res, ckpt, hfs_cli_progress_fn, &prog,
                            &hfs_cli_stop_requested, &d);
    hfs_cli_progress_end(&prog);
  }
  if (ckpt != NULL)
    fclose(ckpt);
  /* (rank 0 alone holds the evaluations and writes them) */
  if (s == HFS_OK && root) {
    FILE *f;
    if ((f = hfs_output_add(&out, "calibration.csv", &d)))
      hfs_calib_write_evaluations(f, &cs, &res);
    else
      s = HFS_ERR_IO;
    if (s == HFS_OK &&
        (f = hfs_output_add(&out, "calibration_targets.csv", &d)))
      hfs_calib_write_targets(f, &cs, &res);
    if (s == HFS_OK &&
        (f = hfs_output_add(&out, "calibrated_parameters.csv", &d)))
      hfs_calib_write_parameters(f, &cs, &st.params, &res);
    if (s == HFS_OK && cs.sir_draws > 0 &&
        (f = hfs_output_add(&out, "posterior.csv", &d)))
      hfs_calib_write_posterior(f, &cs, &res);
    if (s == HFS_OK && cs.sir_draws > 0 &&
        (f = hfs_output_add(&out, "posterior_correlations.csv", &d)))
      hfs_calib_write_correlations(f, &cs, &res);
    if (s == HFS_OK && (f = hfs_output_add(&out, "manifest.txt", &d))) {
      hfs_cli_run_info info = {cs.patients, hfs_cli_threads_used(&st),
                               omp_get_wtime() - t0};
      hfs_cli_write_manifest(f, &st, &o, argc, argv, &info, started);
      fprintf(f, "calibration_targets_file: %s\n", cs.targets_path);
      fprintf(f, "calibration_evaluations: %zu\n", res.n_evals);
      fprintf(f, "calibration_patients_per_evaluation: %llu\n",
              (unsigned long long)cs.patients);
      char num[40];
      if (res.sir_n)
        fprintf(f, "calibration_sir_ess: %s\n",
                hfs_format_double(num, sizeof num, res.ess));
    }
    if (s == HFS_OK && hfs_diag_count(&d) > 0)
      s = HFS_ERR_IO;
    if (s == HFS_OK && hfs_cli_stop_requested)
      s = HFS_ERR_INTERRUPTED;
    if (s == HFS_OK) {
      hfs_figures_add(&out, o.quiet, &hfs_cli_stop_requested); /* figures.h: same commit */
      if (hfs_cli_stop_requested)
        s = HFS_ERR_INTERRUPTED;
    }
    if (s == HFS_OK)
      s = hfs_output_commit(&out, &d);
    if (s == HFS_OK)
      remove(ckpt_path);
  }
  if (s != HFS_OK)
    hfs_output_abort(&out);
  s = (hfs_status)hfs_par_bcast_int((int)s); /* every rank exits as rank 0 */
  hfs_diag_print(&d, stderr);
  if (s == HFS_ERR_INTERRUPTED)
    fprintf(stderr,
            "hfsim: interrupted after %zu evaluations; no results were "
            "written. Continue with the same command and --resume.\n",
            res.n_evals);
  if (s == HFS_OK && root && !o.quiet) {
    print_fit(&st, &cs, &res);
    printf("\nhfsim: %zu evaluations in %.1f s; wrote %s/calibration.csv, "
           "calibration_targets.csv, calibrated_parameters.csv%s and "
           "manifest.txt\n",
           res.n_evals, omp_get_wtime() - t0, cs.output_dir,
           cs.sir_draws ? ", posterior.csv, posterior_correlations.csv" : "");
  }
  free(ckpt_path);
  hfs_calib_settings_free(&cs);
  hfs_calib_result_free(&res);
  hfs_output_free(&out);
  hfs_diag_free(&d);
  hfs_study_free(&st);
  return hfs_cli_exit_code(s);
}

const hfs_cli_command hfs_cli_cmd_calibrate = {
    .name = "calibrate",
    .summary = "fit the [calibration] parameters to published targets:\n"
               "              best fit (Nelder-Mead) and posterior (SIR)",
    .help = calibrate_help,
    .options =
        ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS | ALLOW_RESUME,
    .no_effect = "--patients-csv",
    .run = cmd_calibrate,
};
