/*
 * cmd_bench.c - `hfsim bench`: the speed of the engine and of the PSA loop,
 * without writing files.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <omp.h>

#include "common.h"
#include "hfsim/bench.h"
#include "hfsim/engine.h"
#include "hfsim/parallel.h"
#include "hfsim/psa.h"
#include "hfsim/ranks.h"
#include "hfsim/study.h"

static const char *const bench_help =
    "Usage: hfsim bench [--config FILE] [--patients N] [--threads T]\n"
    "                   [--speedup] [--set NAME=VALUE]...\n"
    "       hfsim bench --psa [--iterations K] [--patients N] ...\n"
    "\n"
    "Simulate the scenario without writing files and print the wall and CPU\n"
    "time, patients per second (all strategies of one patient count once),\n"
    "ns per patient-strategy, the random numbers drawn and computed, and\n"
    "the in-process limit of the generator: the CPU time of an inline\n"
    "Philox4x64-10 for 60 million uniforms (measured before and after, the\n"
    "smaller kept), with the run's CPU time as a ratio to it (to 60M, and\n"
    "to the number of uniforms the run drew). Then simulated patient-years\n"
    "per second and peak memory. Default cohort: 1000000 patients.\n"
    "--speedup also runs the same cohort on one thread and prints the\n"
    "speed-up of T threads. With --psa: the PSA loop (default 1000\n"
    "iterations x 1000 patients) and iterations per second. Figures depend\n"
    "on the machine and its load; quote them with both (`uptime`).\n"
    "\n"
    "Under MPI (mpirun -n R hfsim bench ...) the work is spread over the R\n"
    "ranks as in run and psa; rank 0 prints the job's figures with ranks x\n"
    "threads per rank and the bytes each rank sends rank 0 per block of\n"
    "patients or per PSA iteration.\n"
    "\n"
    "Accepted without effect: --resume (with a warning), --quiet (bench\n"
    "writes no files and its figures are its output).\n";

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
  cfg.patients = o->patients_given ? o->patients : 1000;
  cfg.stop_flag = &hfs_cli_stop_requested;
  double t0 = omp_get_wtime();
  if (s == HFS_OK)
    s = hfs_psa_run(st, &cfg, &res, NULL, NULL, NULL, &d);
  double wall = omp_get_wtime() - t0;
  hfs_diag_print(&d, stderr);
  if (s == HFS_OK) {
    int threads =
        st->scenario.threads > 0 ? st->scenario.threads : omp_get_max_threads();
    printf("hfsim bench --psa: %s, %llu iterations x %llu patients x %zu "
           "strategies, %d ranks x %d threads\n",
           st->scenario.path, (unsigned long long)iterations,
           (unsigned long long)cfg.patients, st->model.n_strategies,
           hfs_par_size(), threads);
    printf("ranks: %d\nthreads_per_rank: %d\n", hfs_par_size(), threads);
    printf("message_bytes_per_iteration: %zu\n",
           (res.n_sampled + 2 * res.n_strategies) * sizeof(double));
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

static int cmd_bench(options *o, int argc, char **argv)
{
  (void)argc;
  (void)argv;
  int rc;
  if (o->bench_psa) {
    hfs_study pst;
    if ((rc = hfs_cli_load_study(&pst, o)) < 0) {
      rc = bench_psa(&pst, o);
      hfs_study_free(&pst);
    }
    return rc;
  }
  if (!o->patients_given &&
      hfs_cli_add_override(o, "run.patients=1000000", "bench default") != 0)
    return HFS_EXIT_FAILURE;
  hfs_study st;
  if ((rc = hfs_cli_load_study(&st, o)) >= 0)
    return rc;
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_run_config cfg = hfs_study_run_config(&st);
  cfg.stop_flag = &hfs_cli_stop_requested;
  hfs_bench_run b;
  memset(&b, 0, sizeof b);
  b.scenario = st.scenario.path;
  hfs_status s = hfs_bench_engine(&st.model, &cfg, o->bench_speedup, &b, &d);
  hfs_diag_print(&d, stderr);
  if (s == HFS_OK)
    hfs_bench_print(&b, stdout);
  hfs_diag_free(&d);
  hfs_study_free(&st);
  return hfs_cli_exit_code(s);
}

const hfs_cli_command hfs_cli_cmd_bench = {
    .name = "bench",
    .summary = "measure speed: patients per second, the ratio to the\n"
               "              random-number limit, the speed-up of threads",
    .help = bench_help,
    .options =
        ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS | ALLOW_PSA | ALLOW_BENCH,
    .no_effect = "--resume",
    .run = cmd_bench,
};
