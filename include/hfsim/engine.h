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
  /* Per-patient rows (patients.csv, without its header): when not NULL,
   * called with each block's rows in block order, from one thread; it
   * returns 0, or -1 with errno set, which stops the run with HFS_ERR_IO
   * ("cannot write" under PATIENTS_CSV_NAME). hfs_rows_to_file writes them
   * to a FILE *. */
  int (*patient_rows)(void *user, const char *rows, size_t len);
  void *patient_rows_user;
  const char *patients_csv_name; /* for messages */
  /* polled before each block; a non-zero value stops the run with
   * HFS_ERR_INTERRUPTED */
  volatile sig_atomic_t *stop_flag;
  /* When not NULL, called as blocks are merged with DONE, the patients
   * merged so far (counted from patient 0, so a continued run starts at
   * first_patient), and TOTAL = first_patient + patients: from one thread
   * at a time (under the engine's lock; under MPI on rank 0 only, once a
   * round), so it may draw a progress line without a lock of its own. */
  void (*progress)(void *user, uint64_t done, uint64_t total);
  void *progress_user;
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
   * [(g * n_strategies + strategy) * n_outcomes + outcome]; only outcome 0
   * and the outcomes flagged HFS_OUT_SUBGROUP are summed, the others are
   * empty (n = 0) */
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

/* Add PART (results of other patients of the same model and configuration)
 * to INTO: counts, means, variances, paired moments, trace and subgroups
 * combine as if one run had simulated both (accum.h). The engine merges
 * every block of patients into its results this way, in block order, which
 * is why a continued run (first_patient > 0) equals one run; MPI ranks
 * merge their results with it in rank order. HFS_ERR_INPUT (INTO
 * unchanged) when the shapes differ. */
hfs_status hfs_results_merge(hfs_results *into, const hfs_results *part);

/* A patient_rows callback that writes to the FILE * USER. */
int hfs_rows_to_file(void *user, const char *rows, size_t len);

/* Monte Carlo standard error of strategy S's own net monetary benefit at
 * WTP (hfs_accum2_nmb_se of its costs and QALYs). */
double hfs_results_nmb_se(const hfs_results *r, size_t s, double wtp);
/* Standard error of the paired difference (a - b) of discounted costs
 * (WHAT = 0), QALYs (1) or net monetary benefit at WTP (2): the error of an
 * increment, far smaller than that of two independent means. */
double hfs_results_paired_se(const hfs_results *r, size_t a, size_t b, int what,
                             double wtp);

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

/* ---- the precision rule ------------------------------------------------ */

/* One round of hfs_engine_run_to_precision: the two strategies with the
 * highest net monetary benefit, its increment and that increment's
 * (paired) Monte Carlo standard error; DONE = 1 when the target is met, 2
 * when the patient limit is reached first, 0 when another round follows. */
typedef struct hfs_precision_round {
  size_t best, second;
  double incremental_nmb, se;
  int done;
} hfs_precision_round;

typedef void (*hfs_precision_fn)(void *user, const hfs_results *r,
                                 const hfs_precision_round *round);

/* The first cohort of the rule for PATIENTS: rounded up to whole blocks
 * (when that stays within MAX_PATIENTS), so that every doubling ends on a
 * block boundary and the result is bit-identical to one run of the final
 * cohort; MAX_PATIENTS when PATIENTS is above it. */
uint64_t hfs_precision_first_round(uint64_t patients, uint64_t max_patients);

/* The precision rule: run M with CFG (from hfs_precision_first_round of
 * CFG->patients patients), then double the cohort (a continuation of the
 * same streams) until the standard error of the incremental net monetary
 * benefit at WTP between the two best strategies is <= TARGET_SE (a NaN
 * error, from fewer than two patients, never is), or
 * MAX_PATIENTS are simulated. REPORT (may be NULL) gets every round.
 * HFS_ERR_INPUT with fewer than two strategies; HFS_ERR_INTERRUPTED when
 * CFG->stop_flag is raised between rounds. */
hfs_status hfs_engine_run_to_precision(const hfs_model *m,
                                       const hfs_run_config *cfg, double wtp,
                                       double target_se, uint64_t max_patients,
                                       hfs_precision_fn report, void *user,
                                       hfs_results *r, hfs_diag *d);

/* Write the header row of patients.csv for model M. */
void hfs_engine_patients_header(const hfs_model *m, FILE *f);

#endif
