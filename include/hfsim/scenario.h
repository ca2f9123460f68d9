/*
 * scenario.h - the scenario file (INI) and command-line overrides.
 *
 * A scenario names everything a run needs: cohort size, seed, horizon,
 * discounting, currency, willingness-to-pay values, output folder, the
 * parameter and life tables, and the strategies. See configs/default.ini for
 * every key with its meaning.
 *
 *   [run]        model, patients, seed, threads, horizon_years, output,
 *                patients_csv, xlsx
 *   [economics]  discount_rate_costs, discount_rate_qalys, currency, wtp,
 *                wtp_main
 *   [inputs]     parameters, life_table     (paths relative to this file)
 *   [cohort]     model-specific cohort settings (read by the model)
 *   [strategy NAME]  one per strategy, read by the model
 *
 * Every setting is kept with its file and line, so that whoever interprets
 * it (the engine for run/economics/inputs, the model for cohort and
 * strategies) can report errors precisely. Unknown sections and keys are
 * errors, with the closest known name suggested.
 *
 * --set NAME=VALUE overrides a parameter (NAME without a dot) or a setting
 * (SECTION.KEY; strategies as strategy.NAME.KEY).
 */
#ifndef HFSIM_SCENARIO_H
#define HFSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include "hfsim/diag.h"

/* The model of a scenario without `[run] model`. */
#define HFS_DEFAULT_MODEL "hfs"

typedef struct hfs_setting {
  char *section; /* "run", "strategy NAME", ... */
  char *key;
  char *value;
  char *file; /* scenario path, or "--set NAME=VALUE" */
  long line;
  long section_line; /* its section's header in FILE; 0 from --set */
  int used; /* set by the reader that consumed it */
} hfs_setting;

typedef struct hfs_scenario {
  char *path; /* as given */
  char *dir;  /* folder of the file: base of relative paths */

  /* every setting, in file order, overrides replacing values in place */
  hfs_setting *settings;
  size_t n_settings;

  /* [run] */
  char *model; /* [run] model, default HFS_DEFAULT_MODEL */
  uint64_t patients;
  uint64_t seed;
  int threads;          /* 0 = all available */
  double horizon_years; /* +inf = lifetime */
  char *output_dir;     /* resolved against dir */
  int patients_csv;
  int xlsx; /* [run] xlsx: also write results.xlsx (--xlsx) */

  /* [economics] */
  double discount_rate_costs;
  double discount_rate_qalys;
  char *currency;
  double *wtp; /* per QALY, ascending */
  size_t n_wtp;
  double wtp_main; /* for one-number summaries (owsa, --target-se);
                      default: the middle of the list */

  /* [inputs] (resolved against dir) */
  char *parameters_path;
  char *life_table_path;

  /* strategy sections, in file order: names (after "strategy ") */
  char **strategy_names;
  long *strategy_lines;
  size_t n_strategies;
} hfs_scenario;

void hfs_scenario_init(hfs_scenario *s);
void hfs_scenario_free(hfs_scenario *s);

/* Parse PATH into raw settings (syntax only). HFS_ERR_IO if unreadable. */
hfs_status hfs_scenario_load(hfs_scenario *s, const char *path, hfs_diag *d);

/* Apply "SECTION.KEY=VALUE" (a setting override). Parameter overrides
 * (no dot) are not handled here: hfs_param_override (study.h) sets them
 * in the parameter table, and hfs_study_load applies both kinds. */
hfs_status hfs_scenario_set(hfs_scenario *s, const char *assignment,
                            hfs_diag *d);
/* Same, with LABEL naming the origin in messages (e.g. "--patients 1e9"). */
hfs_status hfs_scenario_set_labeled(hfs_scenario *s, const char *assignment,
                                    const char *label, hfs_diag *d);

/* Interpret the engine's sections ([run], [economics], [inputs]) into the
 * typed fields, validating every value; the model interprets the rest. */
hfs_status hfs_scenario_resolve(hfs_scenario *s, hfs_diag *d);

/* Find the setting SECTION/KEY (NULL if absent) and mark it used. */
hfs_setting *hfs_scenario_get(hfs_scenario *s, const char *section,
                              const char *key);

/* Report every setting of SECTION not marked used, suggesting the closest
 * of KNOWN[0..n). */
void hfs_scenario_report_unknown(const hfs_scenario *s, const char *section,
                                 const char *const *known, size_t n,
                                 hfs_diag *d);

/* Report settings of sections that no reader claimed: any section other
 * than run, economics, inputs, cohort, "strategy NAME". */
void hfs_scenario_report_unknown_sections(const hfs_scenario *s, hfs_diag *d);

/* A yes/no value: yes, true, on, 1 or no, false, off, 0. Returns 0 and
 * sets *OUT, or -1 for anything else. */
int hfs_parse_yes_no(const char *value, int *out);

/* Resolve PATH against the scenario folder (absolute paths unchanged).
 * Returns a new string or NULL on OOM. */
char *hfs_scenario_path(const hfs_scenario *s, const char *path);

/* The path setting E names: as given when it comes from the command line
 * (line 0: relative to the working folder), else resolved against the
 * scenario folder. Returns a new string or NULL on OOM. */
char *hfs_setting_path(const hfs_scenario *s, const hfs_setting *e);

/* Whether the list value of E holds an empty item: only blanks between two
 * of the SEPARATORS, or before the first or after the last ('50000,,100000',
 * 'a, b,'). Such an item is a typo, never meant, so it is reported as
 * an error of E (FILE:LINE, section and key) and 1 returned; 0 when every
 * item has text. A wholly blank value is left to the caller ("name at
 * least one"). */
int hfs_setting_list_has_empty(const hfs_setting *e, const char *separators,
                               hfs_diag *d);

#endif
