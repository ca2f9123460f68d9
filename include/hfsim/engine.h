/*
 * engine.h - simulate a cohort under every strategy, in parallel, with
 * results that do not depend on the number of threads.
 *
 * Patients are cut into blocks of HFS_BLOCK_PATIENTS, independent of the
 * thread count. Threads claim blocks in order and simulate each into its
 * own accumulators (a ring of HFS_WAVE_BLOCKS slots); a finished block is
 * merged into the totals as soon as every block before it has been, so
 * blocks are always merged in block order. Floating-point sums are
 * therefore formed in the same order whatever the thread count, memory is
 * bounded by the ring (it does not grow with the number of patients), and
 * there is no barrier: a thread waits only when it is a whole ring ahead
 * of the oldest unfinished block.
 *
 * Each patient is simulated under every strategy in turn with the same
 * stream addresses (common random numbers); the engine also accumulates the
 * paired differences of discounted costs and QALYs between every pair of
 * strategies, whose Monte Carlo error is far smaller than the difference of
 * two independent means.
 */
#ifndef HFSIM_ENGINE_H
#define HFSIM_ENGINE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "hfsim/accum.h"
#include "hfsim/model.h"

#define HFS_BLOCK_PATIENTS 256
/* blocks between simulation and their in-order merge (the ring): without
 * barriers a few per thread suffice; 32 lets one thread run 31 blocks
 * ahead of a preempted one on a loaded machine */
#define HFS_WAVE_BLOCKS 32

typedef struct hfs_run_config {
  uint64_t first_patient; /* 0, or continue a run (see hfs_engine_run) */
  uint64_t patients;
  uint64_t seed;
  uint64_t replicate;   /* 0 for a plain run; PSA iteration otherwise */
  int threads;          /* 0 = OpenMP default */
  double horizon_years; /* +inf = lifetime */
  double discount_rate_costs;
  double discount_rate_qalys;
  /* outcome indices of discounted cost and QALY (for paired differences) */
  int cost_outcome;
  int qaly_outcome;
  FILE *patients_csv;            /* per-patient rows, or NULL */
  const char *patients_csv_name; /* its path, for messages */
  /* polled before each block; a non-zero value stops the run with
   * HFS_ERR_INTERRUPTED */
  volatile sig_atomic_t *stop_flag;
} hfs_run_config;

typedef struct hfs_results {
  size_t n_strategies;
  size_t n_outcomes;
  size_t n_states;
  size_t n_years;
  uint64_t patients;   /* simulated (after an interrupt: so far) */
  hfs_accum *outcomes; /* [strategy * n_outcomes + outcome] */
  uint64_t *trace;     /* [(strategy * n_years + year) * n_states + state] */
  /* paired differences (a - b) of (cost, QALY): [a * n_strategies + b] */
  hfs_accum2 *paired;
  /* by subgroup level g (all levels of all subgroup attributes in order):
   * [(g * n_strategies + strategy) * n_outcomes + outcome] */
  size_t n_subgroup_levels;
  hfs_accum *subgroups;
  double simulated_years; /* patient-years simulated, all strategies */
  /* random numbers read by the models, and computed by Philox (fewer:
   * common random numbers re-read a patient's streams; see rng.h) */
  uint64_t random_drawn, random_computed;
  double wall_seconds;
  int threads_used;
} hfs_results;

void hfs_results_init(hfs_results *r);
void hfs_results_free(hfs_results *r);

/* Number of subgroup levels of model class C (sum of n_levels). */
size_t hfs_subgroup_levels(const hfs_model_class *c);

/* Run the cohort: patients first_patient .. first_patient + patients - 1.
 * With first_patient = 0, R is reset; otherwise the new patients are
 * merged into R, which must come from a run of the same model and
 * configuration covering 0 .. first_patient - 1. When first_patient is a
 * multiple of HFS_BLOCK_PATIENTS the result is bit-identical to one run of
 * all patients. On error nothing in R is meaningful. */
hfs_status hfs_engine_run(const hfs_model *m, const hfs_run_config *cfg,
                          hfs_results *r, hfs_diag *d);

/* Write the header row of patients.csv for model M. */
void hfs_engine_patients_header(const hfs_model *m, FILE *f);

#endif
