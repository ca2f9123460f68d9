/*
 * study.h - everything a command needs, loaded and checked in one call:
 * the scenario (with overrides), the parameter table, the life table and
 * the model with its strategies.
 *
 * Loading goes as far as it can before giving up, so that one run reports
 * every error of every input file at once.
 */
#ifndef HFSIM_STUDY_H
#define HFSIM_STUDY_H

#include "hfsim/engine.h"
#include "hfsim/lifetable.h"
#include "hfsim/model.h"
#include "hfsim/params.h"
#include "hfsim/scenario.h"

typedef struct hfs_override {
  const char *assignment; /* "NAME=VALUE" */
  const char *label;      /* how to name it in messages, e.g. "--set x=1" */
} hfs_override;

typedef struct hfs_study {
  hfs_scenario scenario;
  hfs_param_table params;
  hfs_life_table life_table;
  const hfs_model_class *cls;
  hfs_model model;
  int have_model;
  int create_attempted; /* the table passed its checks; create() ran */
} hfs_study;

void hfs_study_init(hfs_study *st);
void hfs_study_free(hfs_study *st);

/* Load CONFIG, apply OVERRIDES (parameters: NAME=VALUE; settings:
 * SECTION.KEY=VALUE) in order, read the tables, check everything and create
 * the model. Returns the most serious status: HFS_ERR_IO when an input file
 * could not be read, HFS_ERR_INPUT for invalid content. */
hfs_status hfs_study_load(hfs_study *st, const char *config,
                          const hfs_override *overrides, size_t n_overrides,
                          hfs_diag *d);

/* The same, then (when SCENARIO is not NULL) the lines of the config's
 * [scenario SCENARIO] section as further overrides, labelled FILE:LINE,
 * after the command line's (the order `hfsim scenarios` applies them in).
 * An unknown name is an error naming the sections there are. */
hfs_status hfs_study_load_scenario(hfs_study *st, const char *config,
                                   const hfs_override *overrides,
                                   size_t n_overrides, const char *scenario,
                                   hfs_diag *d);

/* Set parameter NAME to VALUE in table T; errors (unknown name with a
 * suggestion, not a number) go to D under LABEL. */
hfs_status hfs_param_override(hfs_param_table *t, const char *assignment,
                              const char *label, hfs_diag *d);

/* The one way to run a study again with other parameter values (PSA, DSA,
 * verification): create in M a model of the study's class from its
 * scenario and life table and the parameter VALUES ([st->params.count], in
 * table order; NULL = the table's own values). The values are checked as
 * the table is (errors with the table's file and lines). ST is not
 * changed, so one study serves any number of models. Destroy M with
 * hfs_model_destroy() (on failure it is already clean). */
hfs_status hfs_study_instantiate(const hfs_study *st, const double *values,
                                 hfs_model *m, hfs_diag *d);

/* The engine configuration the scenario describes. */
hfs_run_config hfs_study_run_config(const hfs_study *st);

/* For `hfsim check`: the sections only the analyses read. [dsa] patients
 * (whole, 1 to 1e10) and its unknown keys; every [scenario NAME] loaded
 * with CONFIG, OVERRIDES and its own settings, as `hfsim scenarios` does.
 * ([psa] is checked by hfs_psa_check_section(), psa.h.) Errors to D;
 * HFS_ERR_INPUT. */
hfs_status hfs_study_check_analyses(hfs_study *st, const char *config,
                                    const hfs_override *overrides,
                                    size_t n_overrides, hfs_diag *d);

/* What a [scenario NAME] section may not change for `hfsim scenarios`:
 * the settings of the run itself rather than of the model. run.seed,
 * run.patients and dsa.patients (every scenario simulates the same
 * patients: common random numbers), run.model, run.threads, and the
 * output (run.output, run.patients_csv, run.xlsx). Each such line of
 * section NAME of SC is reported to D at its file and line, as an error,
 * or (WARN, for `hfsim check`: `hfsim run --scenario NAME` applies these
 * lines) as a warning. Returns the number reported. */
size_t hfs_study_scenario_fixed_settings(const hfs_scenario *sc,
                                         const char *name, int warn,
                                         hfs_diag *d);

/* Every computed total must be finite before it is written: an overflow
 * (costs or a WTP near 1e308) would otherwise be an empty cell. V not
 * finite: an error naming WHAT and the inputs of the largest magnitude
 * (with their files and lines), HFS_ERR_INPUT. */
hfs_status hfs_study_check_value(const hfs_study *st, double v,
                                 const char *what, hfs_diag *d);
/* The same for every mean and standard error of R, and the net monetary
 * benefit of every strategy at every WTP of the scenario. */
hfs_status hfs_study_check_totals(const hfs_study *st, const hfs_results *r,
                                  hfs_diag *d);

#endif
