/*
 * model.h - the interface between the engine and a disease model.
 *
 * The engine (random streams, patient loop, threads, discounting, streaming
 * aggregation, trace, output files) knows nothing about any disease. A
 * model describes itself with an hfs_model_class, filled with designated
 * initialisers:
 *
 *   - the parameters it reads (checked against parameters.csv),
 *   - the outcomes one simulated patient contributes (summary.csv columns),
 *     with the indices of the discounted cost and QALY outcomes (cea.csv,
 *     PSA, DSA, paired differences) and flags marking the outcomes reported
 *     by subgroup and in the console's headline table,
 *   - the states of the cohort trace (trace.csv), as {name, description},
 *   - the baseline attributes written to patients.csv,
 *   - how many random-stream purposes it uses,
 *
 * and provides create/destroy and simulate(). simulate() runs one patient
 * under one strategy from time 0 to the end, writing outcomes and trace
 * intervals into the hfs_sim_context. It must be a pure function of the
 * model and the context's streams (no global state), which is what makes
 * results independent of threads.
 *
 * hfs_model_create() checks the class's contract once (hfs_model_class_check)
 * and owns the strategy names: they are the scenario's [strategy NAME]
 * sections, in order, copied before create() runs.
 *
 * A new model is one folder src/models/NAME/ defining one hfs_model_class,
 * and one line in src/models/registry.c (README.md, "Adding a model").
 */
#ifndef HFSIM_MODEL_H
#define HFSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <gsl/gsl_rng.h>

#include "hfsim/diag.h"
#include "hfsim/discount.h"
#include "hfsim/lifetable.h"
#include "hfsim/params.h"
#include "hfsim/scenario.h"

/* How an outcome is summarised and written to summary.csv. */
enum hfs_outcome_flags {
  /* Written as NAME_mean and NAME_se (default) */
  HFS_OUT_MEAN = 0,
  /* A 0/1 indicator written as NAME and NAME_se (a proportion) */
  HFS_OUT_PROPORTION = 1u << 0,
  /* Also write NAME_sd, NAME_ci_low, NAME_ci_high (95% CI of the mean) */
  HFS_OUT_INTERVAL = 1u << 1,
  /* Accumulated but not written (e.g. the denominator of a condition) */
  HFS_OUT_HIDDEN = 1u << 2,
  /* Also reported by subgroup (summary_subgroups.csv), in table order */
  HFS_OUT_SUBGROUP = 1u << 3,
  /* Shown in the console's results table after cost and QALYs */
  HFS_OUT_HEADLINE = 1u << 4
};

typedef struct hfs_outcome_def {
  const char *name;        /* snake_case column stem */
  const char *unit;        /* "currency", "QALY", "years", "weeks",
                              "count" (events), "per_year" (a rate),
                              "share"; the data dictionary lists a model's
                              own */
  unsigned flags;          /* hfs_outcome_flags */
  int condition;           /* index of a 0/1 outcome: the mean is over the
                              patients where it is 1; -1 = all patients */
  const char *description; /* for results/README.md and --help */
} hfs_outcome_def;

typedef struct hfs_attribute_def {
  const char *name;          /* patients.csv column */
  const char *const *levels; /* labels for coded values, or NULL */
  const char *description;
  /* Subgroups (summary_subgroups.csv): 0 = not a subgroup dimension. A
   * coded attribute has N_LEVELS labels; a numeric one is cut into
   * N_LEVELS bands of BAND_WIDTH from BAND_ORIGIN (the last band open). */
  int n_levels;
  double band_origin, band_width;
} hfs_attribute_def;

/* What a trace state means for the symptom-free figure (figures.h): the
 * share of patients still followed who are free of symptoms, and of those
 * with a cure. Written to manifest.txt, so the figure needs no model names. */
enum hfs_state_role {
  HFS_STATE_OTHER = 0,        /* with symptoms, or no role */
  HFS_STATE_SYMPTOM_FREE = 1, /* free of symptoms while treated */
  HFS_STATE_CURED = 2,        /* free of symptoms for good (counts as free) */
  HFS_STATE_OUT = 3           /* no longer followed: dead, left the model */
};

/* A state of the cohort trace (a trace.csv row label). */
typedef struct hfs_state_def {
  const char *name;        /* snake_case */
  const char *description; /* for results/README.md */
  int role;                /* enum hfs_state_role; 0 when not given */
} hfs_state_def;

/* Trace of state occupancy at each whole year since the decision. */
typedef struct hfs_trace {
  uint64_t *counts; /* [year * n_states + state] */
  /* [year * n_states + state]: patients in STATE from whole year YEAR to
   * the end of the trace (dead, or the last state to the horizon). One
   * count instead of one per remaining year; the engine adds them into
   * COUNTS as running sums when the block is done. */
  uint64_t *from;
  size_t n_states;
  size_t n_years; /* years 0 .. n_years-1 */
} hfs_trace;

/* Record that the patient is in STATE on [T0, T1) (years, T0 >= 0; T1 may
 * be +inf): counts one for each whole year k with T0 <= k < T1.
 *
 * The cheap path for continuous time: most intervals are weeks long and
 * hold no whole year, which is found inline with one truncation and a few
 * comparisons; only intervals that hold one go out of line. */
void hfs__trace_span(hfs_trace *tr, size_t state, double t0_years,
                    double t1_years);

static inline void hfs_trace_state(hfs_trace *tr, size_t state,
                                   double t0_years, double t1_years)
{
  if (!(t0_years < (double)tr->n_years)) /* also +inf, and no overflow */
    return;
  /* first whole year >= t0: k, or k + 1 when t0 is not whole */
  double k = (double)(uint64_t)t0_years;
  double first = k == t0_years ? k : k + 1.0;
  if (t1_years > first)
    hfs__trace_span(tr, state, first, t1_years);
}

/* The integer-cycle fast path for discrete-time models: the patient is in
 * STATE during the whole of year (cycle) YEAR, i.e. on [YEAR, YEAR + 1).
 * Same count as hfs_trace_state(tr, state, year, year + 1). */
static inline void hfs_trace_year(hfs_trace *tr, size_t state, size_t year)
{
  if (year < tr->n_years)
    tr->counts[year * tr->n_states + state]++;
}

/* What simulate() gets: streams addressed for this patient, discounting,
 * horizon, and where to write. */
typedef struct hfs_sim_context {
  uint64_t patient;
  gsl_rng **streams;    /* [n_purposes], positioned at the start of
                           (seed, replicate, patient, purpose) */
  double horizon_years; /* +inf for lifetime */
  hfs_discount discount_costs;
  hfs_discount discount_qalys;
  double *outcomes;   /* [n_outcomes], zeroed by the engine */
  double *attributes; /* [n_attributes] */
  hfs_trace *trace;
  double simulated_years; /* set by simulate(): time simulated (benchmark) */
} hfs_sim_context;

/* What create() gets. */
typedef struct hfs_model_inputs {
  const hfs_param_table *params; /* checked against the class's specs */
  const hfs_life_table *life_table;
  hfs_scenario *scenario; /* model reads [cohort] and strategies */
} hfs_model_inputs;

typedef struct hfs_model hfs_model;
struct hfs_verifier; /* verify.h */

typedef struct hfs_model_class {
  const char *name; /* `model = NAME` in a scenario */
  const char *description;
  const hfs_param_spec *params;
  size_t n_params;
  const hfs_outcome_def *outcomes;
  size_t n_outcomes;
  /* The discounted cost and QALY per patient: indices into OUTCOMES of two
   * distinct, visible, unconditional mean outcomes with units "currency"
   * and "QALY". Every economic analysis reads these, never a name. */
  size_t cost_outcome;
  size_t qaly_outcome;
  const hfs_state_def *states;
  size_t n_states;
  const hfs_attribute_def *attributes;
  size_t n_attributes;
  size_t n_purposes;
  int needs_life_table;

  /* Build M->impl and M->max_years from the inputs; report every problem
   * to D. M->n_strategies and M->strategy_names are already set (the
   * scenario's strategies, in order) and belong to the engine. */
  hfs_status (*create)(hfs_model *m, const hfs_model_inputs *in, hfs_diag *d);
  /* Free M->impl (may be partly built: create() failed). */
  void (*destroy)(hfs_model *m);
  void (*simulate)(const hfs_model *m, size_t strategy, hfs_sim_context *ctx);
  /* Print the resolved strategies for `hfsim check`. */
  void (*describe)(const hfs_model *m, FILE *out);
  /* Optional: check the model's scenario sections (cohort, strategies)
   * without parameters, so their errors are reported even when the
   * parameter table is invalid and create() cannot run. */
  hfs_status (*check_settings)(hfs_scenario *s, hfs_diag *d);
  /* Optional: the model's own verification checks (`hfsim verify`), run on
   * a scenario of this model through the helpers of verify.h. Returns
   * HFS_OK, or the error that stopped it (reported to the verifier's
   * diagnostics). */
  hfs_status (*verify)(struct hfs_verifier *v);
  /* The engine runs (hfs_probe_run calls) verify makes: the total of the
   * progress line. tests/test_analyses.c holds it to the real count. */
  size_t verify_runs;
} hfs_model_class;

struct hfs_model {
  const hfs_model_class *cls;
  void *impl;
  size_t n_strategies;
  char **strategy_names; /* owned by the engine (hfs_model_create) */
  double max_years;      /* longest possible simulated time (sizes the trace) */
  char currency[16]; /* the scenario's [economics] currency, which every
                        money column of the result files names */
};

/* The registry (src/models/registry.c): the number of models and model I
 * (0 .. count-1), and the model called NAME (NULL if unknown). */
size_t hfs_model_class_count(void);
const hfs_model_class *hfs_model_class_at(size_t i);
const hfs_model_class *hfs_model_class_find(const char *name);

/* Check that class C keeps the contract above (indices in range, cost and
 * QALY outcomes of the right kind, conditions pointing at 0/1 outcomes,
 * every name and hook present). Returns NULL when it does, else a message
 * naming the first broken rule (a programming error in the model). */
const char *hfs_model_class_check(const hfs_model_class *c);

/* Create a model of class CLS: checks the class, copies the strategy names
 * from IN->scenario, then calls cls->create. On failure M is cleaned up. */
hfs_status hfs_model_create(hfs_model *m, const hfs_model_class *cls,
                            const hfs_model_inputs *in, hfs_diag *d);
void hfs_model_destroy(hfs_model *m);

#endif
