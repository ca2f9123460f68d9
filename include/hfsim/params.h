/*
 * params.h - the parameter table: every number the model uses.
 *
 * configs/parameters.csv has one row per model number (RFC 4180, header row,
 * lines starting with '#' are comments):
 *
 *   name,value,low,high,distribution,dist_a,dist_b,group,unit,evidence,
 *   description,source
 *
 *   name          identifier (letters, digits, '_'), unique
 *   value         base-case value
 *   low, high     range for one-way sensitivity analysis (both or neither)
 *   distribution  for probabilistic analysis, with dist_a and dist_b:
 *                   fixed                  (no parameters)
 *                   beta        a=alpha     b=beta
 *                   beta_mean_sd a=mean     b=sd
 *                   gamma       a=shape     b=scale
 *                   gamma_mean_sd a=mean    b=sd
 *                   lognormal   a=meanlog   b=sdlog (natural-log scale)
 *                   lognormal_mean_sd a=mean b=sd (of the value itself)
 *                   normal      a=mean      b=sd
 *                   truncnormal a=mean      b=sd, truncated to [low, high]
 *                   uniform     a=min       b=max
 *                   triangular  a=min       b=max, mode = value
 *                   dirichlet   a=alpha     (b empty); rows sharing `group`
 *                               form one Dirichlet; their values sum to 1
 *   group         Dirichlet group name (empty otherwise)
 *   unit          must equal the unit the model expects (so a duration in
 *                 weeks cannot be read as years by mistake)
 *   evidence      F (found in a source), D (derived), E (estimate)
 *   description, source   free text
 *
 * A model declares the parameters it reads as an array of hfs_param_spec;
 * hfs_param_table_check() verifies the table against it (unknown and missing
 * names, ranges by kind, units, distributions, Dirichlet sums) and reports
 * every problem with its line.
 */
#ifndef HFSIM_PARAMS_H
#define HFSIM_PARAMS_H

#include <stddef.h>
#include "hfsim/diag.h"

/* What a number is; sets its admissible range. */
typedef enum hfs_param_kind {
  HFS_KIND_PROBABILITY, /* [0, 1] */
  HFS_KIND_RATE,        /* >= 0, per year */
  HFS_KIND_COST,        /* >= 0 */
  HFS_KIND_DURATION,    /* >= 0 */
  HFS_KIND_POSITIVE,    /* > 0 (durations used as divisors, shapes) */
  HFS_KIND_UTILITY,    /* <= 1 (utilities below 0 are states worse than dead) */
  HFS_KIND_DECREMENT,  /* [0, 1] utility loss */
  HFS_KIND_AGE,        /* [0, 120] years */
  HFS_KIND_MULTIPLIER, /* >= 0 */
  HFS_KIND_REAL        /* any finite number */
} hfs_param_kind;

typedef enum hfs_dist {
  HFS_DIST_FIXED,
  HFS_DIST_BETA,
  HFS_DIST_BETA_MEAN_SD,
  HFS_DIST_GAMMA,
  HFS_DIST_GAMMA_MEAN_SD,
  HFS_DIST_LOGNORMAL,
  HFS_DIST_LOGNORMAL_MEAN_SD,
  HFS_DIST_NORMAL,
  HFS_DIST_TRUNCNORMAL,
  HFS_DIST_UNIFORM,
  HFS_DIST_TRIANGULAR,
  HFS_DIST_DIRICHLET,
  HFS_DIST_COUNT_
} hfs_dist;

/* Name of a distribution as written in the CSV ("beta", ...). */
const char *hfs_dist_name(hfs_dist d);
/* Parse a distribution name; returns 0 on success. */
int hfs_dist_parse(const char *s, hfs_dist *out);

typedef struct hfs_param_spec {
  const char *name;
  hfs_param_kind kind;
  const char *unit;
  size_t offset; /* where hfs_param_table_bind() stores the value (a double) */
} hfs_param_spec;

typedef struct hfs_param {
  char *name;
  double value;
  double low, high; /* NAN when no range is given */
  hfs_dist dist;
  double dist_a, dist_b; /* NAN when empty */
  char *group;           /* "" when none */
  char *unit;
  char *evidence;
  char *description;
  char *source;
  long line;    /* line in the CSV file, 0 when set from the command line */
  char *origin; /* NULL, or the override that set the value ("--set x=1") */
} hfs_param;

typedef struct hfs_param_table {
  hfs_param *items;
  size_t count;
  char *path;
} hfs_param_table;

void hfs_param_table_init(hfs_param_table *t);
void hfs_param_table_free(hfs_param_table *t);

/* Read PATH. Syntax errors (malformed CSV, wrong header, non-numeric values,
 * duplicate names, unknown distributions) are appended to D; returns
 * HFS_ERR_IO when the file cannot be read, HFS_ERR_INPUT when D got errors. */
hfs_status hfs_param_table_read(hfs_param_table *t, const char *path,
                                hfs_diag *d);

/* Check T against the model's SPECS: every spec present, no unknown rows
 * (with a did-you-mean), value/low/high inside the kind's range, low <= value
 * <= high, unit as expected, distribution parameters possible and consistent
 * with the kind, Dirichlet groups summing to 1. All problems go to D. */
/* A spec unit of "currency" matches the scenario's CURRENCY (so costs in
 * the table must be in the currency the results are labelled with). */
hfs_status hfs_param_table_check(const hfs_param_table *t,
                                 const hfs_param_spec *specs, size_t n_specs,
                                 const char *currency, hfs_diag *d);

/* Whether V is inside KIND's admissible range (1) or not (0), and that
 * range as the rest of a sentence ("is a utility and must be <= 1"): the
 * rules hfs_param_table_check() applies, for callers that take a value
 * from elsewhere (twsa's --param NAME=LOW:HIGH). */
int hfs_param_kind_admits(hfs_param_kind k, double v);
const char *hfs_param_kind_range_text(hfs_param_kind k);

/* The spec named NAME among SPECS, or NULL. */
const hfs_param_spec *hfs_param_spec_find(const hfs_param_spec *specs,
                                          size_t n_specs, const char *name);

/* Copy the value of each spec into (char *)OUT + spec.offset. The table must
 * have passed hfs_param_table_check(). */
void hfs_param_table_bind(const hfs_param_table *t, const hfs_param_spec *specs,
                          size_t n_specs, void *out);

hfs_param *hfs_param_find(const hfs_param_table *t, const char *name);

/* Deep copy (for PSA iterations that modify values). */
hfs_status hfs_param_table_copy(hfs_param_table *dst,
                                const hfs_param_table *src);

/* Whether NAME is an identifier: [A-Za-z_][A-Za-z0-9_]*. */
int hfs_is_identifier(const char *name);

/* Strict number parsing: the whole string (after trimming blanks) must be a
 * finite number in C locale syntax. Returns 0 on success. */
int hfs_parse_double(const char *s, double *out);

#endif
