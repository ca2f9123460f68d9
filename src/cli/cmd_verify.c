/*
 * cmd_verify.c - `hfsim verify`: the models' verification checks and the
 * validation against published figures (see verify.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "progress.h"
#include "hfsim/output.h"
#include "hfsim/parallel.h"
#include "hfsim/verify.h"

static const char *const verify_help =
    "Usage: hfsim verify [--config FILE] [--patients N] [--out DIR]\n"
    "                    [--no-wait] [--quiet]\n"
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
    "  manifest.txt\n"
    "The Sick-Sicker scenario is sick_sicker.ini beside the --config file.\n"
    "Patients per check: --patients (default 50000); each check uses the\n"
    "seed of its scenario. --no-wait and --quiet as for 'hfsim run'.\n"
    "Exit code 5 when any verification check fails.\n"
    "\n"
    "Accepted without effect, with a warning: --seed (each check has its\n"
    "own), --patients-csv.\n";

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

static int cmd_verify(options *o, int argc, char **argv)
{
  (void)argc;
  (void)argv;
  const char *dir = o->out_dir ? o->out_dir : "results/verification";
  uint64_t patients = o->patients_given ? o->patients : 50000;
  char *ss = sibling(o->config, "sick_sicker.ini");
  char *targets = sibling(o->config, "validation_targets.csv");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_check checks[32];
  if (!o->quiet)
    fprintf(stderr, "hfsim: verification with %llu patients per check...\n",
            (unsigned long long)patients);
  /* the folder first: its lock is held for the whole command, and a
   * folder that cannot be made is reported before the checks run. MPI:
   * every rank simulates (each check's run is spread over the ranks by
   * patient blocks); only rank 0 opens and writes the folder */
  hfs_output_set out;
  memset(&out, 0, sizeof out);
  const int root = hfs_par_rank() == 0;
  hfs_status s = root ? hfs_output_open(&out, dir, &d) : HFS_OK;
  s = (hfs_status)hfs_par_bcast_int((int)s); /* rank 0's */
  long n = -1;
  /* progress in engine runs: the checks', then validation's one */
  const char *scenarios[] = {o->config, ss};
  hfs_cli_progress bar;
  hfs_cli_progress_init(&bar, o->quiet || !root, "verify", "runs");
  hfs_verify_progress vp = {hfs_cli_progress_fn, &bar, 0,
                            hfs_verify_planned_runs(scenarios, 2) + 1};
  if (s == HFS_OK) {
    n = hfs_verify_run(scenarios, 2, patients, &hfs_cli_stop_requested, checks,
                       32, &vp, &d);
    s = n < 0 ? HFS_ERR_INPUT : HFS_OK;
  }
  if (hfs_par_max_int(hfs_cli_stop_requested)) /* (all ranks agree) */
    s = HFS_ERR_INTERRUPTED;
  if (s == HFS_OK && !root) {
    FILE *null = fopen("/dev/null", "w");
    if (null == NULL)
      hfs_par_abort(HFS_EXIT_IO, "cannot open /dev/null");
    s = hfs_validate_write(null, o->config, targets, patients,
                           &hfs_cli_stop_requested, &d);
    fclose(null);
  }
  if (s == HFS_OK && root) {
    FILE *f = hfs_output_add(&out, "verification.csv", &d);
    FILE *v = f ? hfs_output_add(&out, "validation.csv", &d) : NULL;
    if (f == NULL || v == NULL)
      s = HFS_ERR_IO;
    else {
      hfs_verify_write(f, checks, (size_t)n);
      s = hfs_validate_write(v, o->config, targets, patients,
                             &hfs_cli_stop_requested, &d);
      if (s == HFS_OK)
        hfs_cli_progress_update(&bar, vp.planned, vp.planned);
    }
    hfs_cli_progress_end(&bar);
    if (hfs_cli_stop_requested)
      s = HFS_ERR_INTERRUPTED;
    if (s == HFS_OK)
      s = hfs_output_commit(&out, &d);
    if (s != HFS_OK)
      hfs_output_abort(&out);
  }
  hfs_diag_print(&d, stderr);
  if (s == HFS_ERR_INTERRUPTED) {
    char note[4200];
    fprintf(stderr, "hfsim: interrupted; no results were written%s\n",
            hfs_cli_earlier_results_note(dir, note, sizeof note));
  }
  int failed = 0;
  if (s == HFS_OK) {
    for (long i = 0; i < n; i++) {
      failed += !checks[i].pass;
      /* (no z without a standard error: fewer than two patients) */
      char z[64] = "z n/a: no standard error from fewer than 2 patients";
      if (!isnan(checks[i].z))
        snprintf(z, sizeof z, "z %+.2f", checks[i].z);
      if (!o->quiet || !checks[i].pass)
        printf("%-4s %-34s expected %14.6g observed %14.6g (%s)\n",
               checks[i].pass ? "ok" : "FAIL", checks[i].name,
               checks[i].expected, checks[i].observed, z);
    }
    if (!o->quiet)
      printf("%ld checks, %d failed; wrote %s/verification.csv and "
             "validation.csv\n",
             n, failed, dir);
  }
  hfs_output_free(&out);
  hfs_diag_free(&d);
  free(ss);
  free(targets);
  if (s == HFS_OK && failed)
    return HFS_EXIT_VERIFY;
  return hfs_cli_exit_code(s);
}

const hfs_cli_command hfs_cli_cmd_verify = {
    .name = "verify",
    .summary = "check the simulator against exact answers and published\n"
               "              figures (verification.csv, validation.csv)",
    .help = verify_help,
    .options = ALLOW_RUN | ALLOW_PATIENTS,
    .no_effect = "--seed --patients-csv",
    .run = cmd_verify,
};

/* ---- verify-folder --------------------------------------------------------
 */

static const char *const verify_folder_help =
    "Usage: hfsim verify-folder DIR [--quiet]\n"
    "\n"
    "Re-check a results folder against its manifest.txt: every file it\n"
    "lists is present with the size and SHA-256 recorded when it was\n"
    "written, and the folder holds no other file. Prints 'ok' or one line\n"
    "per problem; exit 0 (whole), 5 (differs) or 4 (no readable\n"
    "manifest). --quiet: no 'ok' line (the exit code says it).\n"
    "\n"
    "Accepted without effect, with a warning: --config.\n";

static int cmd_verify_folder(options *o, int argc, char **argv)
{
  (void)argc;
  (void)argv;
  if (o->argument == NULL)
    return hfs_cli_usage_error("verify-folder",
                               "give the folder: hfsim verify-folder DIR");
  hfs_diag d;
  hfs_diag_init(&d);
  long problems = hfs_output_verify_folder(o->argument, &d);
  hfs_diag_print(&d, stderr);
  hfs_diag_free(&d);
  if (problems < 0)
    return HFS_EXIT_IO;
  if (problems > 0) {
    fprintf(stderr,
            "hfsim: %s: %ld problem%s: not the folder its manifest "
            "describes\n",
            o->argument, problems, problems == 1 ? "" : "s");
    return HFS_EXIT_VERIFY;
  }
  if (!o->quiet)
    printf("ok: %s matches its manifest\n", o->argument);
  return HFS_EXIT_OK;
}

const hfs_cli_command hfs_cli_cmd_verify_folder = {
    .name = "verify-folder",
    .summary = "re-check a results folder against its manifest (every\n"
               "              file present, with its size and SHA-256)",
    .help = verify_folder_help,
    .options = ALLOW_ARGUMENT,
    .no_effect = "--config",
    .run = cmd_verify_folder,
};
