/*
 * bench.c - measurements for `hfsim bench` (see bench.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/bench.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <Random123/philox.h>

#include "hfsim/parallel.h"
#include "hfsim/ranks.h"

static double clock_seconds(clockid_t id)
{
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0)
    return 0.0;
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double hfs_bench_cpu_seconds(void)
{
  return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

double hfs_bench_philox_seconds(uint64_t n, double *checksum)
{
  philox4x64_key_t key = {{20261126u, 0}};
  philox4x64_ctr_t ctr = {{0, 0, 0, 0}};
  double sum = 0.0;
  double t0 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
  for (uint64_t i = 0; i < n / 4; i++) {
    ctr.v[2] = i;
    philox4x64_ctr_t x = philox4x64(ctr, key);
    for (int k = 0; k < 4; k++)
      sum += (double)(x.v[k] >> 11) * 0x1.0p-53;
  }
  double t1 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
  *checksum = sum;
  return t1 - t0;
}

double hfs_bench_peak_rss_mib(void)
{
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return -1.0;
  return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static hfs_status timed_run(const hfs_model *m, const hfs_run_config *cfg,
                            hfs_results *r, double *cpu, hfs_diag *d)
{
  hfs_results_init(r);
  double c0 = hfs_bench_cpu_seconds();
  /* (MPI: blocks over the ranks, ranks.h; one rank: hfs_engine_run) */
  hfs_status s = hfs_engine_run_ranks(m, cfg, r, d);
  *cpu = hfs_bench_cpu_seconds() - c0;
  return s;
}

hfs_status hfs_bench_engine(const hfs_model *m, const hfs_run_config *cfg,
                            int compare_one_thread, hfs_bench_run *b,
                            hfs_diag *d)
{
  hfs_results r;
  double cpu, checksum;
  /* the limit before and after the runs, the smaller kept: on a shared
   * machine the load changes while a benchmark runs */
  double limit_before =
      hfs_bench_philox_seconds(HFS_BENCH_PHILOX_UNIFORMS, &checksum);
  hfs_status s = timed_run(m, cfg, &r, &cpu, d);
  b->patients = r.patients;
  b->strategies = m->n_strategies;
  b->threads = r.threads_used;
  b->wall_seconds = r.wall_seconds;
  b->cpu_seconds = cpu;
  b->random_drawn = r.random_drawn;
  b->random_computed = r.random_computed;
  b->simulated_years = r.simulated_years;
  b->one_thread_wall_seconds = b->one_thread_cpu_seconds = 0.0;
  hfs_results_free(&r);
  if (s == HFS_OK && compare_one_thread && b->threads > 1) {
    hfs_run_config one = *cfg;
    one.threads = 1;
    s = timed_run(m, &one, &r, &cpu, d);
    b->one_thread_wall_seconds = r.wall_seconds;
    b->one_thread_cpu_seconds = cpu;
    hfs_results_free(&r);
  }
  b->philox_seconds =
      hfs_bench_philox_seconds(HFS_BENCH_PHILOX_UNIFORMS, &checksum);
  if (limit_before < b->philox_seconds)
    b->philox_seconds = limit_before;
  b->peak_rss_mib = hfs_bench_peak_rss_mib();
  return s;
}

void hfs_bench_print(const hfs_bench_run *b, FILE *out)
{
  const double n = (double)b->patients,
               ns = (double)b->patients * (double)b->strategies;
  const double per_uniform = b->philox_seconds / HFS_BENCH_PHILOX_UNIFORMS;
  fprintf(out,
          "hfsim bench: %s, %llu patients x %zu strategies, %d ranks x %d "
          "threads\n",
          b->scenario, (unsigned long long)b->patients, b->strategies,
          hfs_par_size(), b->threads);
  fprintf(out, "ranks: %d\nthreads_per_rank: %d\n", hfs_par_size(), b->threads);
  fprintf(out, "wall_seconds: %.3f\n", b->wall_seconds);
  fprintf(out, "cpu_seconds: %.3f\n", b->cpu_seconds);
  fprintf(out, "patients_per_second: %.0f\n", n / b->wall_seconds);
  fprintf(out, "patient_strategy_runs_per_second: %.0f\n",
          ns / b->wall_seconds);
  fprintf(out, "ns_per_patient_strategy: %.1f (cpu %.1f)\n",
          1e9 * b->wall_seconds / ns, 1e9 * b->cpu_seconds / ns);
  fprintf(out, "random_numbers_drawn: %llu (%.1f per patient-strategy)\n",
          (unsigned long long)b->random_drawn, (double)b->random_drawn / ns);
  fprintf(out,
          "random_numbers_computed: %llu (the rest re-read, common "
          "random numbers)\n",
          (unsigned long long)b->random_computed);
  fprintf(out,
          "philox_limit_seconds_60m_uniforms: %.3f (%.2f ns per uniform, "
          "one thread, in process)\n",
          b->philox_seconds, 1e9 * per_uniform);
  fprintf(out, "cpu_over_philox_60m: %.2f\n",
          b->cpu_seconds / b->philox_seconds);
  fprintf(out, "cpu_over_philox_for_the_draws: %.2f\n",
          b->cpu_seconds / (per_uniform * (double)b->random_drawn));
  if (b->one_thread_wall_seconds > 0.0) {
    fprintf(out, "one_thread_wall_seconds: %.3f\nspeedup_%d_threads: %.2f\n",
            b->one_thread_wall_seconds, b->threads,
            b->one_thread_wall_seconds / b->wall_seconds);
    /* CPU time is what threads cost: 1.00 when no time goes to waiting
     * or contention, whatever else runs on the machine (a wall-clock
     * speed-up needs idle cores) */
    fprintf(out,
            "one_thread_cpu_seconds: %.3f\ncpu_%d_threads_over_one: %.2f\n",
            b->one_thread_cpu_seconds, b->threads,
            b->cpu_seconds / b->one_thread_cpu_seconds);
  }
  fprintf(out, "simulated_patient_years_per_second: %.0f\n",
          b->simulated_years / b->wall_seconds);
  fprintf(out, "peak_memory_mib: %.1f\n", b->peak_rss_mib);
}
