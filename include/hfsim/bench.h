/*
 * bench.h - what `hfsim bench` measures (the CLI only parses and prints).
 *
 * The floor of a Monte Carlo simulation is its random numbers, so a run is
 * compared with the generator's own limit measured in the same process: the
 * CPU time of an inline Philox4x64-10 loop turning 60 million outputs into
 * uniforms (issue 13). A run's ratio to that limit is portable between
 * machines in a way that seconds are not.
 */
#ifndef HFSIM_BENCH_H
#define HFSIM_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "hfsim/engine.h"

/* Uniforms in the reference measurement: a Sick-Sicker run of 1M patients
 * x 2 strategies x 30 cycles draws at most this many. */
#define HFS_BENCH_PHILOX_UNIFORMS 60000000ull

/* CPU seconds of this thread to draw N uniforms from an inline
 * Philox4x64-10 (one block per 4 uniforms, 53-bit conversion as in
 * hfs_rng_uniform). *CHECKSUM gets their sum, so the loop cannot be
 * optimised away. */
double hfs_bench_philox_seconds(uint64_t n, double *checksum);

/* CPU seconds used by the process so far (all threads). */
double hfs_bench_cpu_seconds(void);

/* Peak resident memory of the process, in MiB (-1 if unknown). */
double hfs_bench_peak_rss_mib(void);

typedef struct hfs_bench_run {
  const char *scenario;
  uint64_t patients;
  size_t strategies;
  int threads;
  double wall_seconds, cpu_seconds;
  uint64_t random_drawn, random_computed;
  double simulated_years;
  /* the same run on one thread, when asked for (0 otherwise) */
  double one_thread_wall_seconds, one_thread_cpu_seconds;
  double philox_seconds; /* hfs_bench_philox_seconds(60M) */
  double peak_rss_mib;
} hfs_bench_run;

/* Run M with CFG (timed, wall and CPU), then, when COMPARE_ONE_THREAD and
 * CFG asks for more than one thread, the same run on one thread. The
 * Philox limit is measured before and after, and the smaller kept.
 * Results of the runs are discarded. */
hfs_status hfs_bench_engine(const hfs_model *m, const hfs_run_config *cfg,
                            int compare_one_thread, hfs_bench_run *b,
                            hfs_diag *d);

/* Print B as "name: value" lines (the format `hfsim bench` documents). */
void hfs_bench_print(const hfs_bench_run *b, FILE *out);

#endif
