/*
 * calibrate.c - fitting parameters to targets (see calibrate.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/calibrate.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>

#include "hfsim/mathx.h"
#include "hfsim/numfmt.h"
#include "hfsim/output.h"
#include "hfsim/parallel.h"
#include "hfsim/params.h"
#include "hfsim/ranks.h"
#include "hfsim/rng.h"
#include "hfsim/targets.h"

/* a fitted value this close to a bound (share of the range) is "at" it */
#define AT_BOUND_SHARE 0.01
/* the search's value for a point whose objective is not a number */
#define BAD_OBJECTIVE 1e300
/* draws of one parameter tried before its prior is declared outside the
 * bounds */
#define MAX_PRIOR_TRIES 10000
/* SIR evaluations per batch and rank (results do not depend on it; a
 * batch is also what one checkpoint write holds) */
#define SIR_BATCH 64

/* ---- settings ----------------------------------------------------------- */

static const char *const calib_keys[] = {
    "parameters", "targets",     "targets_file",   "goodness_of_fit",
    "starts",     "evaluations", "tolerance",      "step",
    "patients",   "sir_draws",   "posterior_size", "output"};
#define N_CALIB_KEYS (sizeof calib_keys / sizeof *calib_keys)

void hfs_calib_settings_free(hfs_calib_settings *cs)
{
  for (size_t j = 0; j < cs->n_params; j++)
    free(cs->params[j].name);
  for (size_t k = 0; k < cs->n_targets; k++) {
    free(cs->targets[k].metric);
    free(cs->targets[k].strategy);
    free(cs->targets[k].outcome);
  }
  free(cs->params);
  free(cs->targets);
  free(cs->targets_path);
  free(cs->output_dir);
  memset(cs, 0, sizeof *cs);
}

/* Split a comma-separated list in place into trimmed, non-empty items.
 * Returns the count (at most MAX). */
static size_t split_list(char *s, char **items, size_t max)
{
  size_t n = 0;
  char *save = NULL;
  for (char *tok = strtok_r(s, ",", &save); tok != NULL;
       tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ' || *tok == '\t')
      tok++;
    size_t len = strlen(tok);
    while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
      tok[--len] = '\0';
    if (len > 0 && n < max)
      items[n++] = tok;
  }
  return n;
}

static int read_count(hfs_setting *e, double min, double max, double *out,
                      hfs_diag *d)
{
  double v;
  if (hfs_parse_double(e->value, &v) != 0 || v < min || v > max ||
      v != floor(v)) {
    hfs_diag_error(d, e->file, e->line,
                   "[calibration] %s: expected a whole number from %g to %g, "
                   "got '%s'",
                   e->key, min, max, e->value);
    return -1;
  }
  *out = v;
  return 0;
}

static int read_positive(hfs_setting *e, double *out, hfs_diag *d)
{
  double v;
  if (hfs_parse_double(e->value, &v) != 0 || !(v > 0)) {
    hfs_diag_error(d, e->file, e->line,
                   "[calibration] %s: expected a number > 0, got '%s'", e->key,
                   e->value);
    return -1;
  }
  *out = v;
  return 0;
}

static int has_section(const hfs_scenario *s, const char *section)
{
  for (size_t i = 0; i < s->n_settings; i++)
    if (strcmp(s->settings[i].section, section) == 0)
      return 1;
  return 0;
}

static int bounds_admitted(hfs_study *st, const hfs_calib_param *cp,
                           const char *file, long line, hfs_diag *d)
{
  hfs_param *p = &st->params.items[cp->index];
  double keep = p->value, bound[2] = {cp->low, cp->high};
  int ok = 1;
  for (int i = 0; i < 2; i++) {
    hfs_diag scratch;
    hfs_diag_init(&scratch);
    p->value = bound[i];
    if (hfs_param_table_check(&st->params, st->cls->params, st->cls->n_params,
                              st->scenario.currency, &scratch) != HFS_OK) {
      hfs_diag_error(d, file, line,
                     "%s: the calibration bound %g is not a value the model "
                     "accepts (%s)",
                     p->name, bound[i],
                     scratch.count ? scratch.entries[0].message : "?");
      ok = 0;
    }
    hfs_diag_free(&scratch);
  }
  p->value = keep;
  return ok;
}

static hfs_status read_params(hfs_study *st, hfs_calib_settings *cs,
                              hfs_diag *d)
{
  hfs_scenario *sc = &st->scenario;
  const hfs_param_table *t = &st->params;
  hfs_setting *e = hfs_scenario_get(sc, "calibration", "parameters");
  if (e == NULL) {
    hfs_diag_error(d, sc->path, 0,
                   "[calibration] parameters: missing (the parameters to "
                   "fit, e.g. parameters = p_a, p_b)");
    return HFS_ERR_INPUT;
  }
  /* reported, and the named parameters still read (their bounds are
   * known keys) */
  int empty_item = hfs_setting_list_has_empty(e, ",", d);
  char *copy = hfs_strdup(e->value);
  char **names = calloc(t->count + 1, sizeof *names);
  cs->params = calloc(t->count + 1, sizeof *cs->params);
  if (!copy || !names || !cs->params) {
    free(copy);
    free(names);
    return HFS_ERR_NOMEM;
  }
  size_t n = split_list(copy, names, t->count + 1);
  hfs_status s = empty_item ? HFS_ERR_INPUT : HFS_OK;
  if (n == 0 && !empty_item) {
    hfs_diag_error(d, e->file, e->line,
                   "[calibration] parameters: no parameter named");
    s = HFS_ERR_INPUT;
  }
  for (size_t i = 0; i < n; i++) {
    const hfs_param *p = hfs_param_find(t, names[i]);
    if (p == NULL) {
      const char *sug =
          hfs_closest_name_strided(names[i], t->items, t->count,
                                   sizeof *t->items, offsetof(hfs_param, name));
      hfs_diag_error(d, e->file, e->line,
                     "[calibration] parameters: unknown parameter '%s'%s%s%s",
                     names[i], sug ? " (did you mean '" : "", sug ? sug : "",
                     sug ? "'?)" : "");
      s = HFS_ERR_INPUT;
      continue;
    }
    int dup = 0;
    for (size_t j = 0; j < cs->n_params; j++)
      dup |= strcmp(cs->params[j].name, p->name) == 0;
    if (dup) {
      hfs_diag_error(d, e->file, e->line,
                     "[calibration] parameters: '%s' is named twice", p->name);
      s = HFS_ERR_INPUT;
      continue;
    }
    if (p->dist == HFS_DIST_DIRICHLET) {
      hfs_diag_error(d, e->file, e->line,
                     "[calibration] parameters: '%s' is part of the "
                     "Dirichlet group '%s', whose shares must sum to 1; it "
                     "cannot be fitted alone",
                     p->name, p->group);
      s = HFS_ERR_INPUT;
      continue;
    }
    hfs_calib_param *cp = &cs->params[cs->n_params++];
    cp->name = hfs_strdup(p->name);
    if (cp->name == NULL) {
      s = HFS_ERR_NOMEM;
      break;
    }
    cp->index = (size_t)(p - t->items);
    cp->low = p->low;
    cp->high = p->high;
    /* bounds.NAME = low, high overrides the table's range */
    char key[300];
    snprintf(key, sizeof key, "bounds.%s", p->name);
    hfs_setting *b = hfs_scenario_get(sc, "calibration", key);
    const char *where_file = t->path;
    long where_line = p->line;
    if (b != NULL && hfs_setting_list_has_empty(b, ",", d)) {
      s = HFS_ERR_INPUT;
      continue;
    }
    if (b != NULL) {
      char *bc = hfs_strdup(b->value);
      char *parts[3];
      size_t np = bc ? split_list(bc, parts, 3) : 0;
      if (np != 2 || hfs_parse_double(parts[0], &cp->low) != 0 ||
          hfs_parse_double(parts[1], &cp->high) != 0) {
        hfs_diag_error(d, b->file, b->line,
                       "[calibration] %s: expected two numbers 'low, high', "
                       "got '%s'",
                       key, b->value);
        s = HFS_ERR_INPUT;
        free(bc);
        continue;
      }
      free(bc);
      where_file = b->file;
      where_line = b->line;
    }
    if (isnan(cp->low) || isnan(cp->high)) {
      hfs_diag_error(d, e->file, e->line,
                     "[calibration] parameters: '%s' has no range: give low "
                     "and high in the parameter table or bounds.%s = low, "
                     "high in [calibration]",
                     p->name, p->name);
      s = HFS_ERR_INPUT;
      continue;
    }
    if (!(cp->low < cp->high)) {
      hfs_diag_error(d, where_file, where_line,
                     "%s: empty calibration range [%g, %g] (need low < high)",
                     p->name, cp->low, cp->high);
      s = HFS_ERR_INPUT;
      continue;
    }
    /* both bounds must be values the model accepts: checked with the
     * table's own rules, the parameter set to each bound in turn */
    if (!bounds_admitted(st, cp, where_file, where_line, d)) {
      s = HFS_ERR_INPUT;
      continue;
    }
    if (p->dist == HFS_DIST_FIXED) {
      cp->prior.dist = cp->prior.given = HFS_DIST_UNIFORM;
      cp->prior.p.uniform.min = cp->low;
      cp->prior.p.uniform.max = cp->high;
    } else {
      char why[256];
      if (hfs_dist_fit(p->dist, p->dist_a, p->dist_b, p->low, p->high, p->value,
                       &cp->prior, why, sizeof why) != HFS_OK) {
        hfs_diag_error(d, t->path, p->line, "%s: %s", p->name, why);
        s = HFS_ERR_INPUT;
      }
    }
  }
  /* bounds.NAME for a parameter that is not fitted */
  for (size_t i = 0; i < sc->n_settings; i++) {
    hfs_setting *b = &sc->settings[i];
    if (strcmp(b->section, "calibration") != 0 ||
        strncmp(b->key, "bounds.", 7) != 0)
      continue;
    int found = 0;
    for (size_t j = 0; j < cs->n_params; j++)
      found |= strcmp(cs->params[j].name, b->key + 7) == 0;
    b->used = 1;
    if (!found && hfs_param_find(t, b->key + 7) != NULL) {
      hfs_diag_error(d, b->file, b->line,
                     "[calibration] %s: '%s' is not in parameters", b->key,
                     b->key + 7);
      s = HFS_ERR_INPUT;
    } else if (!found) {
      hfs_diag_error(d, b->file, b->line,
                     "[calibration] %s: unknown parameter '%s'", b->key,
                     b->key + 7);
      s = HFS_ERR_INPUT;
    }
  }
  free(copy);
  free(names);
  return s;
}

static hfs_status add_target(hfs_study *st, hfs_calib_settings *cs,
                             const hfs_target *x, const char *path, hfs_diag *d)
{
  const hfs_model *m = &st->model;
  const hfs_model_class *c = st->cls;
  hfs_calib_target *ct = &cs->targets[cs->n_targets];
  memset(ct, 0, sizeof *ct);
  hfs_status s = HFS_OK;
  size_t si = m->n_strategies, oi = c->n_outcomes;
  for (size_t i = 0; i < m->n_strategies; i++)
    if (strcmp(m->strategy_names[i], x->strategy) == 0)
      si = i;
  for (size_t k = 0; k < c->n_outcomes; k++)
    if (strcmp(c->outcomes[k].name, x->outcome) == 0)
      oi = k;
  if (si == m->n_strategies) {
    const char *sug = hfs_closest_name(
        x->strategy, (const char *const *)m->strategy_names, m->n_strategies);
    hfs_diag_error(d, path, x->line,
                   "%s: no strategy '%s' in the scenario%s%s%s", x->metric,
                   x->strategy, sug ? " (did you mean '" : "", sug ? sug : "",
                   sug ? "'?)" : "");
    s = HFS_ERR_INPUT;
  }
  if (oi == c->n_outcomes) {
    const char *sug = hfs_closest_name_strided(
        x->outcome, c->outcomes, c->n_outcomes, sizeof *c->outcomes,
        offsetof(hfs_outcome_def, name));
    hfs_diag_error(d, path, x->line,
                   "%s: the %s model has no outcome '%s'%s%s%s", x->metric,
                   c->name, x->outcome, sug ? " (did you mean '" : "",
                   sug ? sug : "", sug ? "'?)" : "");
    s = HFS_ERR_INPUT;
  }
  if (!hfs_is_identifier(x->metric)) {
    hfs_diag_error(d, path, x->line,
                   "calibration target '%s': the metric must be an "
                   "identifier (letters, digits, _): it names columns of "
                   "calibration.csv",
                   x->metric);
    s = HFS_ERR_INPUT;
  }
  if (!(x->low < x->high) || !(x->low <= x->value && x->value <= x->high)) {
    hfs_diag_error(d, path, x->line,
                   "%s: a calibration target needs an error: low < high "
                   "around published_value (got %g in [%g, %g])",
                   x->metric, x->value, x->low, x->high);
    s = HFS_ERR_INPUT;
  }
  if (s != HFS_OK)
    return s;
  ct->proportion = (c->outcomes[oi].flags & HFS_OUT_PROPORTION) != 0;
  if (ct->proportion && !(x->value > 0 && x->value < 1)) {
    hfs_diag_error(d, path, x->line,
                   "%s: '%s' is a proportion; its published_value must be "
                   "strictly between 0 and 1 for the binomial likelihood "
                   "(got %g)",
                   x->metric, x->outcome, x->value);
    return HFS_ERR_INPUT;
  }
  /* A proportion's interval within [0, 1], and an interval whose standard
   * error is a finite number: -1e308 to 1e308 gave an infinite one, every
   * evaluation the same fit, and nothing fitted, silently. */
  if (ct->proportion && !(x->low >= 0 && x->high <= 1)) {
    hfs_diag_error(d, path, x->line,
                   "%s: '%s' is a proportion; its 95%% interval must lie "
                   "within [0, 1] (got [%g, %g])",
                   x->metric, x->outcome, x->low, x->high);
    return HFS_ERR_INPUT;
  }
  const double se = (x->high - x->low) / (2.0 * HFS_Z95);
  if (!isfinite(se)) {
    hfs_diag_error(d, path, x->line,
                   "%s: the 95%% interval [%g, %g] is too wide for a "
                   "standard error (it overflows)",
                   x->metric, x->low, x->high);
    return HFS_ERR_INPUT;
  }
  ct->metric = hfs_strdup(x->metric);
  ct->strategy = hfs_strdup(x->strategy);
  ct->outcome = hfs_strdup(x->outcome);
  if (!ct->metric || !ct->strategy || !ct->outcome) {
    free(ct->metric);
    free(ct->strategy);
    free(ct->outcome);
    return HFS_ERR_NOMEM;
  }
  ct->strategy_index = si;
  ct->outcome_index = oi;
  ct->value = x->value;
  ct->low = x->low;
  ct->high = x->high;
  ct->se = se;
  ct->line = x->line;
  cs->n_targets++;
  return HFS_OK;
}

static hfs_status read_targets(hfs_study *st, hfs_calib_settings *cs,
                               hfs_diag *d)
{
  hfs_scenario *sc = &st->scenario;
  hfs_setting *f = hfs_scenario_get(sc, "calibration", "targets_file");
  cs->targets_path = f == NULL ? hfs_scenario_path(sc, "validation_targets.csv")
                                : hfs_setting_path(sc, f);
  if (cs->targets_path == NULL)
    return HFS_ERR_NOMEM;
  hfs_target_table t;
  hfs_target_table_init(&t);
  hfs_status s = hfs_target_table_read(&t, cs->targets_path, d);
  if (s != HFS_OK) {
    hfs_target_table_free(&t);
    return s;
  }
  cs->targets = calloc(t.n + 1, sizeof *cs->targets);
  if (cs->targets == NULL) {
    hfs_target_table_free(&t);
    return HFS_ERR_NOMEM;
  }
  hfs_setting *e = hfs_scenario_get(sc, "calibration", "targets");
  if (e == NULL) {
    for (size_t i = 0; i < t.n; i++)
      if (t.items[i].use == HFS_TARGET_CALIBRATION) {
        hfs_status a = add_target(st, cs, &t.items[i], t.path, d);
        if (a != HFS_OK)
          s = a;
      }
    if (s == HFS_OK && cs->n_targets == 0) {
      hfs_diag_error(d, t.path, 0,
                     "no row has use = calibration, and [calibration] "
                     "targets does not name any");
      s = HFS_ERR_INPUT;
    }
  } else if (hfs_setting_list_has_empty(e, ",", d)) {
    s = HFS_ERR_INPUT;
  } else {
    char *copy = hfs_strdup(e->value);
    char **names = calloc(t.n + 2, sizeof *names);
    size_t n = copy && names ? split_list(copy, names, t.n + 2) : 0;
    if (!copy || !names)
      s = HFS_ERR_NOMEM;
    else if (n == 0) {
      hfs_diag_error(d, e->file, e->line,
                     "[calibration] targets: no target named");
      s = HFS_ERR_INPUT;
    }
    for (size_t i = 0; s != HFS_ERR_NOMEM && i < n; i++) {
      const hfs_target *x = hfs_target_find(&t, names[i]);
      int dup = 0;
      for (size_t k = 0; k < cs->n_targets; k++)
        dup |= strcmp(cs->targets[k].metric, names[i]) == 0;
      if (x == NULL) {
        const char *sug =
            hfs_closest_name_strided(names[i], t.items, t.n, sizeof *t.items,
                                     offsetof(hfs_target, metric));
        hfs_diag_error(d, e->file, e->line,
                       "[calibration] targets: no target '%s' in %s%s%s%s",
                       names[i], t.path, sug ? " (did you mean '" : "",
                       sug ? sug : "", sug ? "'?)" : "");
        s = HFS_ERR_INPUT;
      } else if (dup) {
        hfs_diag_error(d, e->file, e->line,
                       "[calibration] targets: '%s' is named twice", names[i]);
        s = HFS_ERR_INPUT;
      } else if (x->use != HFS_TARGET_CALIBRATION) {
        hfs_diag_error(d, e->file, e->line,
                       "[calibration] targets: '%s' (%s:%ld) is held out for "
                       "validation; mark it use = calibration to fit it",
                       names[i], t.path, x->line);
        s = HFS_ERR_INPUT;
      } else {
        hfs_status a = add_target(st, cs, x, t.path, d);
        if (a != HFS_OK)
          s = a;
      }
    }
    free(copy);
    free(names);
  }
  hfs_target_table_free(&t);
  return s;
}

hfs_status hfs_calib_settings_read(hfs_study *st, hfs_calib_settings *cs,
                                   hfs_diag *d)
{
  hfs_scenario *sc = &st->scenario;
  memset(cs, 0, sizeof *cs);
  cs->gof = HFS_GOF_LIKELIHOOD;
  cs->starts = 4;
  cs->max_evaluations = 200;
  cs->tolerance = 1e-3;
  cs->step = 0.5;
  cs->patients = 5000;
  cs->sir_draws = 1000;
  cs->posterior_size = 1000;
  cs->seed = sc->seed;
  if (!has_section(sc, "calibration")) {
    hfs_diag_error(d, sc->path, 0,
                   "no [calibration] section: it names the parameters to fit "
                   "and the targets (see configs/README.md)");
    return HFS_ERR_INPUT;
  }
  size_t before = hfs_diag_count(d);
  hfs_status s = HFS_OK;
  hfs_setting *e;
  double v;
  if ((e = hfs_scenario_get(sc, "calibration", "goodness_of_fit")) != NULL) {
    if (strcmp(e->value, "likelihood") == 0)
      cs->gof = HFS_GOF_LIKELIHOOD;
    else if (strcmp(e->value, "weighted_ssq") == 0)
      cs->gof = HFS_GOF_WEIGHTED_SSQ;
    else
      hfs_diag_error(d, e->file, e->line,
                     "[calibration] goodness_of_fit: expected likelihood or "
                     "weighted_ssq, got '%s'",
                     e->value);
  }
  if ((e = hfs_scenario_get(sc, "calibration", "starts")) &&
      read_count(e, 1, 1000, &v, d) == 0)
    cs->starts = (unsigned)v;
  if ((e = hfs_scenario_get(sc, "calibration", "evaluations")) &&
      read_count(e, 1, 1e6, &v, d) == 0)
    cs->max_evaluations = (unsigned)v;
  if ((e = hfs_scenario_get(sc, "calibration", "tolerance")) &&
      read_positive(e, &v, d) == 0)
    cs->tolerance = v;
  if ((e = hfs_scenario_get(sc, "calibration", "step")) &&
      read_positive(e, &v, d) == 0)
    cs->step = v;
  if ((e = hfs_scenario_get(sc, "calibration", "patients")) &&
      read_count(e, 1, 1e9, &v, d) == 0)
    cs->patients = (uint64_t)v;
  if ((e = hfs_scenario_get(sc, "calibration", "sir_draws")) &&
      read_count(e, 0, 1e8, &v, d) == 0)
    cs->sir_draws = (uint64_t)v;
  if ((e = hfs_scenario_get(sc, "calibration", "posterior_size")) &&
      read_count(e, 1, 1e8, &v, d) == 0)
    cs->posterior_size = (uint64_t)v;
  e = hfs_scenario_get(sc, "calibration", "output");
  if (e != NULL) {
    cs->output_dir = hfs_setting_path(sc, e);
  } else if (sc->output_dir != NULL) {
    size_t n = strlen(sc->output_dir) + 13;
    cs->output_dir = malloc(n);
    if (cs->output_dir)
      snprintf(cs->output_dir, n, "%s-calibration", sc->output_dir);
  } else {
    cs->output_dir = hfs_strdup("calibration");
  }
  if (cs->output_dir == NULL)
    return HFS_ERR_NOMEM;
  /* read below only when their inputs are; known keys either way */
  hfs_scenario_get(sc, "calibration", "targets");
  hfs_scenario_get(sc, "calibration", "targets_file");
  hfs_status a = read_params(st, cs, d);
  if (a == HFS_ERR_NOMEM)
    return a;
  hfs_status b = HFS_OK;
  if (st->have_model)
    b = read_targets(st, cs, d);
  if (b == HFS_ERR_NOMEM || b == HFS_ERR_IO)
    s = b;
  hfs_scenario_report_unknown(sc, "calibration", calib_keys, N_CALIB_KEYS, d);
  if (s == HFS_OK && hfs_diag_count(d) > before)
    s = HFS_ERR_INPUT;
  return s;
}

hfs_status hfs_calib_check(hfs_study *st, FILE *out)
{
  if (!has_section(&st->scenario, "calibration"))
    return HFS_OK;
  hfs_calib_settings cs;
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_status s = hfs_calib_settings_read(st, &cs, &d);
  if (s == HFS_OK) {
    fprintf(out,
            "\ncalibration (%s; %u starts x <= %u evaluations, %llu "
            "SIR draws, %llu patients each):\n",
            cs.gof == HFS_GOF_LIKELIHOOD ? "likelihood" : "weighted SSQ",
            cs.starts, cs.max_evaluations, (unsigned long long)cs.sir_draws,
            (unsigned long long)cs.patients);
    for (size_t j = 0; j < cs.n_params; j++)
      fprintf(out, "  fit %-36s in [%g, %g]\n", cs.params[j].name,
              cs.params[j].low, cs.params[j].high);
    for (size_t k = 0; k < cs.n_targets; k++)
      fprintf(out, "  target %-33s %s %s = %g [%g, %g] (%s)\n",
              cs.targets[k].metric, cs.targets[k].strategy,
              cs.targets[k].outcome, cs.targets[k].value, cs.targets[k].low,
              cs.targets[k].high,
              cs.targets[k].proportion ? "binomial" : "normal");
  }
  hfs_diag_print(&d, stderr);
  hfs_diag_free(&d);
  hfs_calib_settings_free(&cs);
  return s;
}

/* ---- goodness of fit ---------------------------------------------------- */

/* The variance a model value adds to a target: its Monte Carlo error
 * squared; none when that error is not available (NaN: the model value is
 * over fewer than two patients, whose spread one cannot estimate), as it
 * counted before such errors were written as empty cells. */
static double mc_variance(double e)
{
  return isnan(e) ? 0.0 : e * e;
}

double hfs_calib_z(const hfs_calib_target *t, double m, double e)
{
  return (m - t->value) / sqrt(t->se * t->se + mc_variance(e));
}

double hfs_calib_loglik(const hfs_calib_target *t, double m, double e)
{
  if (!isfinite(m) || isinf(e))
    return -HFS_INF;
  double var = t->se * t->se + mc_variance(e);
  double y = t->value;
  if (t->proportion) {
    double n = y * (1.0 - y) / var;
    double p = fmin(fmax(m, 1e-12), 1.0 - 1e-12);
    return n * (y * log(p / y) + (1.0 - y) * log((1.0 - p) / (1.0 - y)));
  }
  double z2 = (m - y) * (m - y) / var;
  return -0.5 * z2 - 0.5 * log(var / (t->se * t->se));
}

double hfs_calib_ssq(const hfs_calib_target *t, double m)
{
  double z = (m - t->value) / t->se;
  return isfinite(z) ? z * z : HFS_INF;
}

/* ---- the model as a function of the parameters ----------------------------
 */

void hfs_calib_model_init(hfs_calib_model *m, hfs_study *st,
                          const hfs_calib_settings *cs,
                          volatile sig_atomic_t *stop)
{
  memset(m, 0, sizeof *m);
  m->st = st;
  m->cs = cs;
  m->stop = stop;
  m->cfg = hfs_study_run_config(st);
  m->cfg.patients = cs->patients;
  m->cfg.first_patient = 0;
  m->cfg.replicate = 0; /* the same patients in every evaluation */
  m->cfg.stop_flag = stop;
}

static void extract(const hfs_calib_settings *cs, const hfs_results *res,
                    double *value, double *mcse)
{
  for (size_t k = 0; k < cs->n_targets; k++) {
    const hfs_calib_target *t = &cs->targets[k];
    const hfs_accum *a =
        &res->outcomes[t->strategy_index * res->n_outcomes + t->outcome_index];
    value[k] = a->n > 0 ? a->mean : HFS_NAN;
    mcse[k] = a->n > 0 ? hfs_accum_se(a) : HFS_NAN;
  }
}

/* Remove D's errors after the first BEFORE. */
static void drop_diags(hfs_diag *d, size_t before)
{
  while (d->count > before) {
    d->count--;
    free(d->entries[d->count].file);
    free(d->entries[d->count].message);
  }
}

/* Evaluate N points on this rank (one point per thread when N > 1). With
 * COLLECTIVE (every rank calls this with the same single point), a single
 * point's cohort is spread over the ranks (hfs_engine_run_ranks). */
static hfs_status eval_points(hfs_calib_model *cm, size_t n,
                              const double *theta, double *value,
                              double *mcse, hfs_diag *d, int collective)
{
  hfs_study *st = cm->st;
  const hfs_calib_settings *cs = cm->cs;
  hfs_param_table *t = &st->params;
  const size_t P = cs->n_params, T = cs->n_targets;
  int threads = cm->cfg.threads > 0 ? cm->cfg.threads : omp_get_max_threads();
  size_t chunk = n == 1 ? 1 : (size_t)(threads > 0 ? threads : 1);
  /* every parameter's value: the table's, the calibrated ones replaced */
  double *values = malloc((t->count ? t->count : 1) * sizeof *values);
  hfs_model *models = calloc(chunk, sizeof *models);
  hfs_results *res = calloc(chunk, sizeof *res);
  hfs_status *status = calloc(chunk, sizeof *status);
  hfs_diag *diags = calloc(chunk, sizeof *diags);
  hfs_status s = HFS_OK;
  if (!values || !models || !res || !status || !diags)
    s = HFS_ERR_NOMEM;
  for (size_t j = 0; s == HFS_OK && j < t->count; j++)
    values[j] = t->items[j].value;
  for (size_t j = 0; s == HFS_OK && j < chunk; j++) {
    hfs_results_init(&res[j]);
    hfs_diag_init(&diags[j]);
  }
  for (size_t i0 = 0; s == HFS_OK && i0 < n; i0 += chunk) {
    size_t m = n - i0 < chunk ? n - i0 : chunk, built = 0;
    /* models are created serially: creation reads the shared scenario */
    for (size_t i = 0; s == HFS_OK && i < m; i++) {
      for (size_t j = 0; j < P; j++)
        values[cs->params[j].index] = theta[(i0 + i) * P + j];
      size_t before = hfs_diag_count(d);
      s = hfs_study_instantiate(st, values, &models[i], d);
      if (s == HFS_OK)
        built++; /* (destroyed below, whatever happens next) */
      /* A stop request while the model read its input files: interrupted,
       * not rejected (and without the readers' messages) */
      if (s != HFS_OK && cm->stop != NULL && *cm->stop)
        s = HFS_ERR_INTERRUPTED;
      if (s == HFS_ERR_INTERRUPTED)
        drop_diags(d, before);
      if (collective) {
        /* the same point on every rank: all agree before simulating it
         * (1: a rank was interrupted, 2: a rank's model failed) */
        int code = hfs_par_max_int(s == HFS_OK ? 0
                                   : s == HFS_ERR_INTERRUPTED ? 1
                                                               : 2);
        if (code == 1 && s == HFS_OK)
          s = HFS_ERR_INTERRUPTED;
        else if (code == 2 && s == HFS_OK)
          s = HFS_ERR_INPUT;
      }
      if (s == HFS_ERR_INTERRUPTED)
        break;
      if (s != HFS_OK) {
        hfs_diag_error(d, t->path, 0,
                       "calibration: the model rejects the parameters of an "
                       "evaluation (%zu problem%s above); narrow the bounds",
                       hfs_diag_count(d) - before,
                       hfs_diag_count(d) - before == 1 ? "" : "s");
        break;
      }
    }
    if (s == HFS_OK && m == 1 && collective) {
      status[0] =
          hfs_engine_run_ranks(&models[0], &cm->cfg, &res[0], &diags[0]);
    } else if (s == HFS_OK && m == 1) {
      status[0] = hfs_engine_run(&models[0], &cm->cfg, &res[0], &diags[0]);
    } else if (s == HFS_OK) {
      hfs_run_config c = cm->cfg;
      c.threads = 1;
#pragma omp parallel for schedule(static, 1) num_threads(threads)
      for (long i = 0; i < (long)m; i++)
        status[i] = hfs_engine_run(&models[i], &c, &res[i], &diags[i]);
    }
    for (size_t i = 0; s == HFS_OK && i < m; i++) {
      hfs_diag_print(&diags[i], stderr);
      if (status[i] != HFS_OK)
        s = status[i];
      else
        extract(cs, &res[i], value + (i0 + i) * T, mcse + (i0 + i) * T);
    }
    for (size_t i = 0; i < built; i++)
      hfs_model_destroy(&models[i]);
  }
  for (size_t j = 0; res && diags && j < chunk; j++) {
    hfs_results_free(&res[j]);
    hfs_diag_free(&diags[j]);
  }
  free(values);
  free(models);
  free(res);
  free(status);
  free(diags);
  return s;
}

hfs_status hfs_calib_model_eval(void *user, size_t n, const double *theta,
                                double *value, double *mcse, hfs_diag *d)
{
  return eval_points(user, n, theta, value, mcse, d, 0);
}

/* ---- the evaluations over the ranks of an MPI job -------------------------
 *
 * Rank 0 runs the calibration (hfs_calib_run: every Nelder-Mead decision,
 * the SIR draws, the checkpoint, the progress bar); the other ranks serve
 * its evaluations. Why this split: Nelder-Mead is sequential, and running
 * it on every rank would need every rank to take exactly the same
 * floating-point decisions; with rank 0 alone deciding, the points come
 * from one place, the checkpoint is replayed on rank 0 alone (a resume may
 * use any number of ranks), and the results are rank 0's evaluations,
 * which are the one-process bits:
 *  - one point (a Nelder-Mead step): its cohort is spread over all ranks
 *    (hfs_engine_run_ranks merges the blocks in block order: the same bits
 *    as one process);
 *  - a batch of points (SIR draws): each rank evaluates a contiguous share
 *    of the points (each point alone, as one process does), and rank 0
 *    gathers them in point order.
 * Every exchange is a broadcast from rank 0 (the command: the number of
 * points, 0 to finish; then the points) or an agreement (a stop request
 * or a failure on any rank stops all). */

/* One command from rank 0, on every rank (collective). THETA is rank 0's
 * points (NULL elsewhere); rank 0 gets the values. */
static hfs_status serve(hfs_calib_model *cm, size_t n, const double *theta,
                        double *value, double *mcse, hfs_diag *d)
{
  const hfs_calib_settings *cs = cm->cs;
  const size_t P = cs->n_params, T = cs->n_targets;
  const int me = hfs_par_rank(), R = hfs_par_size();
  double *pts = malloc(n * (P ? P : 1) * sizeof *pts);
  /* rows of [value T, mcse T] */
  double *rows = malloc(n * 2 * (T ? T : 1) * sizeof *rows);
  if (pts == NULL || rows == NULL)
    hfs_par_abort(1, "out of memory for %zu calibration points", n);
  if (me == 0)
    memcpy(pts, theta, n * P * sizeof *pts);
  hfs_par_bcast_bytes(pts, n * P * sizeof *pts);
  hfs_status s = HFS_OK;
  if (n == 1) {
    s = eval_points(cm, 1, pts, rows, rows + T, d, 1);
  } else {
    size_t per = (n + (size_t)R - 1) / (size_t)R;
    size_t lo = (size_t)me * per, hi = me == R - 1 ? n : lo + per;
    if (lo > n)
      lo = n;
    if (hi > n)
      hi = n;
    double *v = malloc((hi - lo) * (T ? T : 1) * sizeof *v);
    double *e = malloc((hi - lo) * (T ? T : 1) * sizeof *e);
    if (v == NULL || e == NULL)
      hfs_par_abort(1, "out of memory for %zu calibration points", hi - lo);
    size_t before = hfs_diag_count(d);
    if (hi > lo)
      s = eval_points(cm, hi - lo, pts + lo * P, v, e, d, 0);
    if (s != HFS_OK && s != HFS_ERR_INTERRUPTED && me != 0)
      hfs_par_abort(1,
                    "evaluating points %zu to %zu of a batch of %zu "
                    "calibration points failed: %s",
                    lo + 1, hi, n,
                    hfs_diag_count(d) > before ? d->entries[before].message
                                               : "unknown error");
    for (size_t i = lo; i < hi; i++) {
      memcpy(rows + i * 2 * T, v + (i - lo) * T, T * sizeof *v);
      memcpy(rows + i * 2 * T + T, e + (i - lo) * T, T * sizeof *e);
    }
    free(v);
    free(e);
    /* all agree: go on (0), stop (1: a signal reached a rank), or rank 0
     * failed (2) */
    int local = s != HFS_OK && s != HFS_ERR_INTERRUPTED ? 2
                : s != HFS_OK || (cm->stop != NULL && *cm->stop) ? 1
                                                                 : 0;
    int code = hfs_par_max_int(local);
    if (code == 1 && s == HFS_OK)
      s = HFS_ERR_INTERRUPTED;
    if (code == 2 && s == HFS_OK)
      s = HFS_ERR_IO; /* (rank 0's error; only rank 0's status counts) */
    if (code == 0)
      hfs_par_gather_rows(rows, 2 * T, n, per);
  }
  if (me == 0 && s == HFS_OK)
    for (size_t i = 0; i < n; i++) {
      memcpy(value + i * T, rows + i * 2 * T, T * sizeof *value);
      memcpy(mcse + i * T, rows + i * 2 * T + T, T * sizeof *mcse);
    }
  free(pts);
  free(rows);
  return s;
}

/* The evaluator of rank 0: each call is one command to every rank. */
static hfs_status eval_ranks(void *user, size_t n, const double *theta,
                             double *value, double *mcse, hfs_diag *d)
{
  hfs_par_bcast_u64((uint64_t)n);
  return serve(user, n, theta, value, mcse, d);
}

hfs_status hfs_calib_run_ranks(const hfs_calib_settings *cs,
                               hfs_calib_model *cm, hfs_calib_result *r,
                               FILE *checkpoint,
                               hfs_calib_progress_fn progress, void *puser,
                               volatile sig_atomic_t *stop, hfs_diag *d)
{
  if (!hfs_par_active())
    return hfs_calib_run(cs, hfs_calib_model_eval, cm, r, checkpoint,
                         progress, puser, stop, d);
  hfs_status s = HFS_OK;
  if (hfs_par_rank() == 0) {
    s = hfs_calib_run(cs, eval_ranks, cm, r, checkpoint, progress, puser,
                      stop, d);
    hfs_par_bcast_u64(0); /* done */
  } else {
    uint64_t n;
    while ((n = hfs_par_bcast_u64(0)) != 0)
      serve(cm, (size_t)n, NULL, NULL, NULL, d);
  }
  return (hfs_status)hfs_par_bcast_int((int)s); /* rank 0's */
}

/* ---- results ------------------------------------------------------------ */

void hfs_calib_result_free(hfs_calib_result *r)
{
  free(r->phase);
  free(r->start);
  free(r->theta);
  free(r->value);
  free(r->mcse);
  free(r->loglik);
  free(r->ssq);
  free(r->start_theta);
  free(r->start_converged);
  free(r->start_best);
  free(r->at_bound);
  free(r->post_mean);
  free(r->post_sd);
  free(r->post_q025);
  free(r->post_q500);
  free(r->post_q975);
  free(r->prior_corr);
  free(r->post_corr);
  free(r->resampled);
  memset(r, 0, sizeof *r);
}

uint64_t hfs_calib_planned(const hfs_calib_settings *cs)
{
  return (uint64_t)cs->starts * cs->max_evaluations + cs->sir_draws;
}

static hfs_status reserve(hfs_calib_result *r, size_t n)
{
  if (n <= r->cap)
    return HFS_OK;
  size_t cap = r->cap ? r->cap : 256;
  while (cap < n)
    cap *= 2;
  size_t P = r->n_params ? r->n_params : 1, T = r->n_targets ? r->n_targets : 1;
#define GROW(field, count)                                    \
  do {                                                        \
    void *p_ = realloc(r->field, (count) * sizeof *r->field); \
    if (p_ == NULL)                                           \
      return HFS_ERR_NOMEM;                                   \
    r->field = p_;                                            \
  } while (0)
  GROW(phase, cap);
  GROW(start, cap);
  GROW(theta, cap * P);
  GROW(value, cap * T);
  GROW(mcse, cap * T);
  GROW(loglik, cap);
  GROW(ssq, cap);
#undef GROW
  r->cap = cap;
  return HFS_OK;
}

static void score(const hfs_calib_settings *cs, hfs_calib_result *r, size_t e)
{
  double ll = 0.0, q = 0.0;
  for (size_t k = 0; k < cs->n_targets; k++) {
    double m = r->value[e * cs->n_targets + k];
    double se = r->mcse[e * cs->n_targets + k];
    ll += hfs_calib_loglik(&cs->targets[k], m, se);
    q += hfs_calib_ssq(&cs->targets[k], m);
  }
  r->loglik[e] = ll;
  r->ssq[e] = q;
}

static double objective(const hfs_calib_settings *cs, const hfs_calib_result *r,
                        size_t e)
{
  double f = cs->gof == HFS_GOF_LIKELIHOOD ? -r->loglik[e] : r->ssq[e];
  return isfinite(f) ? f : BAD_OBJECTIVE;
}

typedef struct run_ctx {
  const hfs_calib_settings *cs;
  hfs_calib_eval_fn fn;
  void *user;
  hfs_calib_result *r;
  FILE *checkpoint;
  hfs_calib_progress_fn progress;
  void *puser;
  volatile sig_atomic_t *stop;
  hfs_diag *d;
  size_t next; /* index of the next evaluation */
  hfs_status status;
  uint64_t planned;
} run_ctx;

/* Evaluate N points: replayed from the checkpoint while it lasts, then
 * computed. Sets c->status on failure. */
static void evaluate(run_ctx *c, size_t n, const double *theta,
                     unsigned char phase, const int *start)
{
  hfs_calib_result *r = c->r;
  const size_t P = r->n_params, T = r->n_targets;
  if (c->status != HFS_OK)
    return;
  if (c->stop != NULL && *c->stop) {
    c->status = HFS_ERR_INTERRUPTED;
    return;
  }
  size_t fresh = 0; /* first point not in the checkpoint */
  for (size_t i = 0; i < n; i++) {
    size_t e = c->next + i;
    if (e >= r->n_cached)
      break;
    if (r->phase[e] != phase || r->start[e] != start[i] ||
        memcmp(&r->theta[e * P], &theta[i * P], P * sizeof *theta) != 0) {
      hfs_diag_error(c->d, NULL, 0,
                     "the checkpoint's evaluation %zu differs from this "
                     "calibration's; delete it or run without --resume",
                     e + 1);
      c->status = HFS_ERR_INPUT;
      return;
    }
    fresh = i + 1;
  }
  if (fresh < n) {
    size_t e0 = c->next + fresh, m = n - fresh;
    hfs_status s = reserve(r, e0 + m);
    if (s == HFS_OK)
      s = c->fn(c->user, m, theta + fresh * P, r->value + e0 * T,
                r->mcse + e0 * T, c->d);
    if (s == HFS_OK && c->stop != NULL && *c->stop)
      s = HFS_ERR_INTERRUPTED;
    if (s != HFS_OK) {
      c->status = s;
      return;
    }
    for (size_t i = 0; i < m; i++) {
      size_t e = e0 + i;
      r->phase[e] = phase;
      r->start[e] = start[fresh + i];
      memcpy(&r->theta[e * P], &theta[(fresh + i) * P], P * sizeof *theta);
      r->n_evals = e + 1;
      if (c->checkpoint != NULL &&
          hfs_calib_checkpoint_line(c->checkpoint, r, e) != 0) {
        hfs_diag_error(
            c->d, NULL, 0,
            "cannot write the calibration checkpoint "
            "(.NAME.calibration-checkpoint beside the output folder): "
            "%s",
            strerror(errno));
        c->status = HFS_ERR_IO;
        return;
      }
    }
  }
  for (size_t i = 0; i < n; i++)
    score(c->cs, r, c->next + i);
  c->next += n;
  if (c->progress != NULL)
    c->progress(c->puser, c->next, c->planned);
}

static double to_theta(const hfs_calib_param *p, double x)
{
  return p->low + (p->high - p->low) / (1.0 + exp(-x));
}

static double to_x(const hfs_calib_param *p, double theta)
{
  double u = (theta - p->low) / (p->high - p->low);
  return log(u / (1.0 - u));
}

typedef struct nm_ctx {
  run_ctx *run;
  int start;
  double *theta;
} nm_ctx;

static double nm_f(const gsl_vector *x, void *params)
{
  nm_ctx *nc = params;
  run_ctx *c = nc->run;
  const hfs_calib_settings *cs = c->cs;
  if (c->status != HFS_OK)
    return BAD_OBJECTIVE;
  for (size_t j = 0; j < cs->n_params; j++)
    nc->theta[j] = to_theta(&cs->params[j], gsl_vector_get(x, j));
  size_t e = c->next;
  evaluate(c, 1, nc->theta, HFS_CALIB_SEARCH, &nc->start);
  if (c->status != HFS_OK)
    return BAD_OBJECTIVE;
  return objective(cs, c->r, e);
}

static hfs_status search(run_ctx *c)
{
  const hfs_calib_settings *cs = c->cs;
  hfs_calib_result *r = c->r;
  const size_t P = cs->n_params, S = cs->starts;
  r->start_theta = calloc(S * P, sizeof *r->start_theta);
  r->start_converged = calloc(S, sizeof *r->start_converged);
  r->start_best = calloc(S, sizeof *r->start_best);
  r->at_bound = calloc(P, sizeof *r->at_bound);
  size_t *perm = malloc(S * sizeof *perm);
  double *theta = malloc(P * sizeof *theta);
  hfs_stream_id id = {cs->seed, 0, 0, 3};
  gsl_rng *rng = hfs_rng_alloc(id);
  gsl_vector *x = gsl_vector_alloc(P), *step = gsl_vector_alloc(P);
  gsl_multimin_fminimizer *mm =
      gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, P);
  if (!r->start_theta || !r->start_converged || !r->start_best ||
      !r->at_bound || !perm || !theta || !rng || !x || !step || !mm)
    c->status = HFS_ERR_NOMEM;
  /* Latin hypercube: one point per stratum of each parameter */
  for (size_t j = 0; c->status == HFS_OK && j < P; j++) {
    for (size_t s = 0; s < S; s++)
      perm[s] = s;
    gsl_ran_shuffle(rng, perm, S, sizeof *perm);
    const hfs_calib_param *p = &cs->params[j];
    for (size_t s = 0; s < S; s++) {
      double u = ((double)perm[s] + hfs_rng_uniform_pos(rng)) / (double)S;
      r->start_theta[s * P + j] = p->low + u * (p->high - p->low);
    }
  }
  r->best = 0;
  double best_f = HFS_INF;
  for (size_t s = 0; c->status == HFS_OK && s < S; s++) {
    nm_ctx nc = {c, (int)s, theta};
    gsl_multimin_function fn = {nm_f, P, &nc};
    for (size_t j = 0; j < P; j++) {
      gsl_vector_set(x, j, to_x(&cs->params[j], r->start_theta[s * P + j]));
      gsl_vector_set(step, j, cs->step);
    }
    size_t first = c->next;
    gsl_multimin_fminimizer_set(mm, &fn, x, step);
    while (c->status == HFS_OK &&
           c->next - first < (size_t)cs->max_evaluations) {
      int g = gsl_multimin_fminimizer_iterate(mm);
      if (c->status != HFS_OK || g != GSL_SUCCESS)
        break;
      if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mm),
                                 cs->tolerance) == GSL_SUCCESS) {
        r->start_converged[s] = 1;
        break;
      }
    }
    if (c->status != HFS_OK)
      break;
    size_t sb = first;
    for (size_t e = first; e < c->next; e++)
      if (objective(cs, r, e) < objective(cs, r, sb))
        sb = e;
    r->start_best[s] = sb;
    if (objective(cs, r, sb) < best_f) {
      best_f = objective(cs, r, sb);
      r->best = sb;
    }
  }
  for (size_t j = 0; c->status == HFS_OK && j < P; j++) {
    const hfs_calib_param *p = &cs->params[j];
    double u = (r->theta[r->best * P + j] - p->low) / (p->high - p->low);
    r->at_bound[j] = u < AT_BOUND_SHARE ? -1 : u > 1 - AT_BOUND_SHARE ? 1 : 0;
  }
  if (mm)
    gsl_multimin_fminimizer_free(mm);
  if (x)
    gsl_vector_free(x);
  if (step)
    gsl_vector_free(step);
  if (rng)
    gsl_rng_free(rng);
  free(perm);
  free(theta);
  return c->status;
}

static int cmp_pair(const void *a, const void *b)
{
  const double *x = a, *y = b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Weighted quantile Q of VALUES with weights W (sum 1), via PAIRS[2n]. */
static double wquantile(const double *values, const double *w, size_t n,
                        double q, double *pairs)
{
  for (size_t i = 0; i < n; i++) {
    pairs[2 * i] = values[i];
    pairs[2 * i + 1] = w[i];
  }
  qsort(pairs, n, 2 * sizeof *pairs, cmp_pair);
  double cum = 0.0;
  for (size_t i = 0; i < n; i++) {
    cum += pairs[2 * i + 1];
    if (cum >= q)
      return pairs[2 * i];
  }
  return pairs[2 * (n - 1)];
}

static hfs_status sir(run_ctx *c)
{
  const hfs_calib_settings *cs = c->cs;
  hfs_calib_result *r = c->r;
  const size_t P = cs->n_params, N = (size_t)cs->sir_draws;
  r->sir_first = c->next;
  r->sir_n = N;
  /* every rank gets SIR_BATCH points of each batch (hfs_calib_run_ranks) */
  const size_t B = SIR_BATCH * (size_t)hfs_par_size();
  double *batch = malloc(B * P * sizeof *batch);
  int *idx = malloc(B * sizeof *idx);
  hfs_stream_id id = {cs->seed, 0, 0, 1};
  gsl_rng *rng = hfs_rng_alloc(id);
  if (!batch || !idx || !rng)
    c->status = HFS_ERR_NOMEM;
  for (size_t i0 = 0; c->status == HFS_OK && i0 < N; i0 += B) {
    size_t m = N - i0 < B ? N - i0 : B;
    for (size_t i = 0; c->status == HFS_OK && i < m; i++) {
      hfs_stream_id did = {cs->seed, i0 + i + 1, 0, 1};
      hfs_rng_set_stream(rng, did);
      idx[i] = (int)(i0 + i);
      for (size_t j = 0; j < P; j++) {
        const hfs_calib_param *p = &cs->params[j];
        double v = HFS_NAN;
        int tries = 0;
        do
          v = hfs_dist_sample(&p->prior, rng);
        while (!(v >= p->low && v <= p->high) && ++tries < MAX_PRIOR_TRIES);
        if (tries >= MAX_PRIOR_TRIES) {
          hfs_diag_error(c->d, NULL, 0,
                         "calibration: the prior of '%s' puts almost no "
                         "mass inside its bounds [%g, %g]; widen them",
                         p->name, p->low, p->high);
          c->status = HFS_ERR_INPUT;
          break;
        }
        batch[i * P + j] = v;
      }
    }
    evaluate(c, m, batch, HFS_CALIB_SIR, idx);
  }
  free(batch);
  free(idx);
  if (c->status != HFS_OK) {
    if (rng)
      gsl_rng_free(rng);
    return c->status;
  }
  /* importance weights, normalised */
  double *w = malloc((N ? N : 1) * sizeof *w);
  double *col = malloc((N ? N : 1) * sizeof *col);
  double *pairs = malloc((N ? N : 1) * 2 * sizeof *pairs);
  r->post_mean = calloc(P, sizeof *r->post_mean);
  r->post_sd = calloc(P, sizeof *r->post_sd);
  r->post_q025 = calloc(P, sizeof *r->post_q025);
  r->post_q500 = calloc(P, sizeof *r->post_q500);
  r->post_q975 = calloc(P, sizeof *r->post_q975);
  r->prior_corr = calloc(P * P, sizeof *r->prior_corr);
  r->post_corr = calloc(P * P, sizeof *r->post_corr);
  r->posterior_size = (size_t)cs->posterior_size;
  r->resampled = calloc(r->posterior_size, sizeof *r->resampled);
  if (!w || !col || !pairs || !r->post_mean || !r->post_sd || !r->post_q025 ||
      !r->post_q500 || !r->post_q975 || !r->prior_corr || !r->post_corr ||
      !r->resampled)
    c->status = HFS_ERR_NOMEM;
  double max = -HFS_INF;
  for (size_t i = 0; c->status == HFS_OK && i < N; i++)
    if (r->loglik[r->sir_first + i] > max)
      max = r->loglik[r->sir_first + i];
  if (c->status == HFS_OK && !isfinite(max)) {
    hfs_diag_error(c->d, NULL, 0,
                   "calibration: no prior draw has a finite likelihood; the "
                   "model cannot reach the targets within the bounds");
    c->status = HFS_ERR_INPUT;
  }
  if (c->status == HFS_OK) {
    double sum = 0.0, sum2 = 0.0;
    for (size_t i = 0; i < N; i++) {
      w[i] = exp(r->loglik[r->sir_first + i] - max);
      sum += w[i];
    }
    for (size_t i = 0; i < N; i++) {
      w[i] /= sum;
      sum2 += w[i] * w[i];
    }
    r->ess = 1.0 / sum2;
    const double *th = r->theta + r->sir_first * P;
    for (size_t j = 0; j < P; j++) {
      double m = 0.0, v = 0.0;
      for (size_t i = 0; i < N; i++)
        m += w[i] * th[i * P + j];
      for (size_t i = 0; i < N; i++)
        v += w[i] * (th[i * P + j] - m) * (th[i * P + j] - m);
      r->post_mean[j] = m;
      r->post_sd[j] = sqrt(v);
      for (size_t i = 0; i < N; i++)
        col[i] = th[i * P + j];
      r->post_q025[j] = wquantile(col, w, N, 0.025, pairs);
      r->post_q500[j] = wquantile(col, w, N, 0.5, pairs);
      r->post_q975[j] = wquantile(col, w, N, 0.975, pairs);
    }
    /* correlations: prior (equal weights) and posterior (importance
     * weights) */
    for (int which = 0; which < 2; which++) {
      double *out = which ? r->post_corr : r->prior_corr;
      for (size_t a = 0; a < P; a++)
        for (size_t b = 0; b < P; b++) {
          double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
          for (size_t i = 0; i < N; i++) {
            double wi = which ? w[i] : 1.0 / (double)N;
            ma += wi * th[i * P + a];
            mb += wi * th[i * P + b];
          }
          for (size_t i = 0; i < N; i++) {
            double wi = which ? w[i] : 1.0 / (double)N;
            double da = th[i * P + a] - ma, db = th[i * P + b] - mb;
            saa += wi * da * da;
            sbb += wi * db * db;
            sab += wi * da * db;
          }
          out[a * P + b] = saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : HFS_NAN;
        }
    }
    /* resample with replacement in proportion to the weights */
    gsl_ran_discrete_t *table = gsl_ran_discrete_preproc(N, w);
    if (table == NULL) {
      c->status = HFS_ERR_NOMEM;
    } else {
      hfs_stream_id rid = {cs->seed, 0, 0, 2};
      hfs_rng_set_stream(rng, rid);
      for (size_t i = 0; i < r->posterior_size; i++)
        r->resampled[i] = r->sir_first + gsl_ran_discrete(rng, table);
      gsl_ran_discrete_free(table);
    }
  }
  free(w);
  free(col);
  free(pairs);
  if (rng)
    gsl_rng_free(rng);
  return c->status;
}

hfs_status hfs_calib_run(const hfs_calib_settings *cs, hfs_calib_eval_fn fn,
                         void *user, hfs_calib_result *r, FILE *checkpoint,
                         hfs_calib_progress_fn progress, void *puser,
                         volatile sig_atomic_t *stop, hfs_diag *d)
{
  r->n_params = cs->n_params;
  r->n_targets = cs->n_targets;
  r->starts = cs->starts;
  run_ctx c = {cs,    fn,   user, r, checkpoint, progress,
               puser, stop, d,    0, HFS_OK,     hfs_calib_planned(cs)};
  if (reserve(r, 1) != HFS_OK)
    return HFS_ERR_NOMEM;
  if (search(&c) != HFS_OK)
    return c.status;
  if (cs->sir_draws > 0 && sir(&c) != HFS_OK)
    return c.status;
  if (c.next < r->n_cached) {
    hfs_diag_error(d, NULL, 0,
                   "the checkpoint holds more evaluations than this "
                   "calibration makes; delete it or run without --resume");
    return HFS_ERR_INPUT;
  }
  if (progress != NULL)
    progress(puser, c.planned, c.planned);
  return HFS_OK;
}

/* ---- checkpoint ---------------------------------------------------------- */

static int flushed(FILE *f)
{
  if (fflush(f) != 0)
    return -1;
  if (ferror(f)) {
    errno = EIO;
    return -1;
  }
  return 0;
}

int hfs_calib_checkpoint_header(FILE *f, const char *fingerprint)
{
  fprintf(f, "hfsim-calibration-checkpoint %s\n", fingerprint);
  return flushed(f);
}

int hfs_calib_checkpoint_line(FILE *f, const hfs_calib_result *r, size_t e)
{
  char buf[40];
  fprintf(f, "%zu,%u,%d", e, (unsigned)r->phase[e], r->start[e]);
  for (size_t j = 0; j < r->n_params; j++)
    fprintf(f, ",%s",
            hfs_format_double(buf, sizeof buf, r->theta[e * r->n_params + j]));
  for (size_t k = 0; k < r->n_targets; k++) {
    fprintf(f, ",%s",
            hfs_format_double(buf, sizeof buf, r->value[e * r->n_targets + k]));
    fprintf(f, ",%s",
            hfs_format_double(buf, sizeof buf, r->mcse[e * r->n_targets + k]));
  }
  fputc('\n', f);
  return flushed(f);
}

/* One number of a checkpoint line: "" is NaN; otherwise a finite decimal
 * as hfs_format_double() writes it (strtod's hex, inf and nan are not). */
static int field(char **p, double *out)
{
  if (**p != ',')
    return -1;
  (*p)++;
  size_t len = strcspn(*p, ",\n");
  if (len == 0) {
    *out = HFS_NAN;
    return 0;
  }
  char buf[64];
  if (len >= sizeof buf)
    return -1;
  memcpy(buf, *p, len);
  buf[len] = '\0';
  if (hfs_parse_double(buf, out) != 0)
    return -1;
  *p += len;
  return 0;
}

hfs_status hfs_calib_checkpoint_read(const char *path, const char *fingerprint,
                                     const hfs_calib_settings *cs,
                                     hfs_calib_result *r, hfs_diag *d)
{
  r->n_params = cs->n_params;
  r->n_targets = cs->n_targets;
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return HFS_OK;
  char *line = NULL;
  size_t cap = 0;
  hfs_status s = HFS_OK;
  ssize_t first = getline(&line, &cap, f);
  if (first <= 0 || line[first - 1] != '\n') {
    free(line);
    fclose(f);
    return HFS_OK;
  }
  size_t hl = strlen("hfsim-calibration-checkpoint ");
  if (strncmp(line, "hfsim-calibration-checkpoint ", hl) != 0 ||
      strncmp(line + hl, fingerprint, strlen(fingerprint)) != 0 ||
      line[hl + strlen(fingerprint)] != '\n') {
    hfs_diag_error(d, path, 1,
                   "this checkpoint belongs to a different calibration (other "
                   "inputs, settings or build); delete it or run without "
                   "--resume");
    s = HFS_ERR_INPUT;
  }
  long lineno = 1;
  const size_t P = cs->n_params, T = cs->n_targets;
  ssize_t got_len;
  while (s == HFS_OK && (got_len = getline(&line, &cap, f)) > 0) {
    lineno++;
    /* torn last line (or zeros after a crash): redo that evaluation */
    if (line[got_len - 1] != '\n')
      break;
    if ((size_t)got_len != strlen(line)) { /* a NUL byte: not ours */
      hfs_diag_error(d, path, lineno, "damaged checkpoint line (a NUL byte)");
      s = HFS_ERR_INPUT;
      break;
    }
    char *p = line, *end;
    unsigned long long e = strtoull(p, &end, 10);
    int ok = end != p && e == r->n_evals && reserve(r, e + 1) == HFS_OK;
    unsigned long phase = 0;
    long start = 0;
    if (ok && *end == ',') {
      p = end + 1;
      phase = strtoul(p, &end, 10);
      ok = end != p && phase <= HFS_CALIB_SIR && *end == ',';
    } else {
      ok = 0;
    }
    if (ok) {
      p = end + 1;
      errno = 0;
      start = strtol(p, &end, 10);
      ok = end != p && errno == 0 && start >= 0 && start <= INT_MAX;
      p = end;
    }
    for (size_t j = 0; ok && j < P; j++)
      ok = field(&p, &r->theta[e * P + j]) == 0;
    for (size_t k = 0; ok && k < T; k++)
      ok = field(&p, &r->value[e * T + k]) == 0 &&
           field(&p, &r->mcse[e * T + k]) == 0;
    if (!ok || *p != '\n') {
      hfs_diag_error(d, path, lineno, "damaged checkpoint line");
      s = HFS_ERR_INPUT;
      break;
    }
    r->phase[e] = (unsigned char)phase;
    r->start[e] = (int)start;
    r->n_evals = (size_t)e + 1;
    r->n_cached = r->n_evals;
  }
  free(line);
  fclose(f);
  if (s != HFS_OK) {
    r->n_evals = 0;
    r->n_cached = 0;
  }
  return s;
}

/* ---- output files -------------------------------------------------------- */

static void put(FILE *f, double x)
{
  char buf[40];
  fputc(',', f);
  fputs(hfs_format_double(buf, sizeof buf, x), f);
}

void hfs_calib_write_evaluations(FILE *f, const hfs_calib_settings *cs,
                                 const hfs_calib_result *r)
{
  const size_t P = cs->n_params, T = cs->n_targets;
  fputs("evaluation,phase,start_or_draw", f);
  for (size_t j = 0; j < P; j++)
    fprintf(f, ",%s", cs->params[j].name);
  for (size_t k = 0; k < T; k++)
    fprintf(f, ",model_%s,mcse_%s", cs->targets[k].metric,
            cs->targets[k].metric);
  fputs(",log_likelihood,weighted_ssq\n", f);
  for (size_t e = 0; e < r->n_evals; e++) {
    fprintf(f, "%zu,%s,%d", e + 1,
            r->phase[e] == HFS_CALIB_SEARCH ? "nelder_mead" : "sir",
            r->start[e] + 1);
    for (size_t j = 0; j < P; j++)
      put(f, r->theta[e * P + j]);
    for (size_t k = 0; k < T; k++) {
      put(f, r->value[e * T + k]);
      put(f, r->mcse[e * T + k]);
    }
    put(f, isfinite(r->loglik[e]) ? r->loglik[e] : HFS_NAN);
    put(f, isfinite(r->ssq[e]) ? r->ssq[e] : HFS_NAN);
    fputc('\n', f);
  }
}

/* Posterior mean of the model's value at target K (importance weights). */
static double posterior_value(const hfs_calib_result *r, size_t k)
{
  if (r->sir_n == 0)
    return HFS_NAN;
  double max = -HFS_INF, sw = 0.0, m = 0.0;
  for (size_t i = 0; i < r->sir_n; i++)
    max = fmax(max, r->loglik[r->sir_first + i]);
  for (size_t i = 0; i < r->sir_n; i++) {
    size_t e = r->sir_first + i;
    double w = exp(r->loglik[e] - max);
    double v = r->value[e * r->n_targets + k];
    if (w > 0 && isfinite(v)) {
      sw += w;
      m += w * v;
    }
  }
  return sw > 0 ? m / sw : HFS_NAN;
}

void hfs_calib_write_targets(FILE *f, const hfs_calib_settings *cs,
                             const hfs_calib_result *r)
{
  const size_t T = cs->n_targets;
  fputs("metric,strategy,outcome,likelihood,published_value,published_low,"
        "published_high,target_se,model_value,model_mcse,z,log_likelihood,"
        "weighted_ssq,within_interval,posterior_model_mean\n",
        f);
  size_t e = r->best;
  for (size_t k = 0; k < T; k++) {
    const hfs_calib_target *t = &cs->targets[k];
    double m = r->value[e * T + k], mc = r->mcse[e * T + k];
    hfs_csv_write_text(f, t->metric);
    fputc(',', f);
    hfs_csv_write_text(f, t->strategy);
    fputc(',', f);
    hfs_csv_write_text(f, t->outcome);
    fprintf(f, ",%s", t->proportion ? "binomial" : "normal");
    put(f, t->value);
    put(f, t->low);
    put(f, t->high);
    put(f, t->se);
    put(f, m);
    put(f, mc);
    put(f, hfs_calib_z(t, m, mc));
    double ll = hfs_calib_loglik(t, m, mc);
    put(f, isfinite(ll) ? ll : HFS_NAN);
    double q = hfs_calib_ssq(t, m);
    put(f, isfinite(q) ? q : HFS_NAN);
    fprintf(f, ",%s", m >= t->low && m <= t->high ? "yes" : "no");
    put(f, posterior_value(r, k));
    fputc('\n', f);
  }
}

void hfs_calib_write_parameters(FILE *f, const hfs_calib_settings *cs,
                                const hfs_param_table *t,
                                const hfs_calib_result *r)
{
  const size_t P = cs->n_params;
  fputs("parameter,table_value,low,high,prior,prior_mean,prior_sd,best_fit,"
        "at_bound,posterior_mean,posterior_sd,posterior_p2_5,"
        "posterior_median,posterior_p97_5,posterior_ess\n",
        f);
  for (size_t j = 0; j < P; j++) {
    const hfs_calib_param *p = &cs->params[j];
    const hfs_param *tp = &t->items[p->index];
    hfs_csv_write_text(f, p->name);
    put(f, tp->value);
    put(f, p->low);
    put(f, p->high);
    fprintf(f, ",%s%s",
            tp->dist == HFS_DIST_FIXED ? "uniform" : hfs_dist_name(tp->dist),
            tp->dist == HFS_DIST_FIXED ? " (bounds)" : "");
    put(f, hfs_dist_mean(&p->prior));
    put(f, hfs_dist_sd(&p->prior));
    put(f, r->theta[r->best * P + j]);
    fprintf(f, ",%s",
            r->at_bound[j] < 0   ? "low"
            : r->at_bound[j] > 0 ? "high"
                                 : "no");
    int post = r->sir_n > 0 && r->post_mean != NULL;
    put(f, post ? r->post_mean[j] : HFS_NAN);
    put(f, post ? r->post_sd[j] : HFS_NAN);
    put(f, post ? r->post_q025[j] : HFS_NAN);
    put(f, post ? r->post_q500[j] : HFS_NAN);
    put(f, post ? r->post_q975[j] : HFS_NAN);
    put(f, post ? r->ess : HFS_NAN);
    fputc('\n', f);
  }
}

void hfs_calib_write_posterior(FILE *f, const hfs_calib_settings *cs,
                               const hfs_calib_result *r)
{
  const size_t P = cs->n_params;
  fputs("sample,evaluation", f);
  for (size_t j = 0; j < P; j++)
    fprintf(f, ",%s", cs->params[j].name);
  fputs(",log_likelihood\n", f);
  for (size_t i = 0; i < r->posterior_size; i++) {
    size_t e = r->resampled[i];
    fprintf(f, "%zu,%zu", i + 1, e + 1);
    for (size_t j = 0; j < P; j++)
      put(f, r->theta[e * P + j]);
    put(f, r->loglik[e]);
    fputc('\n', f);
  }
}

void hfs_calib_write_correlations(FILE *f, const hfs_calib_settings *cs,
                                  const hfs_calib_result *r)
{
  const size_t P = cs->n_params;
  fputs("parameter_a,parameter_b,prior_correlation,posterior_correlation\n", f);
  for (size_t a = 0; a < P; a++)
    for (size_t b = a + 1; b < P; b++) {
      hfs_csv_write_text(f, cs->params[a].name);
      fputc(',', f);
      hfs_csv_write_text(f, cs->params[b].name);
      put(f, r->prior_corr[a * P + b]);
      put(f, r->post_corr[a * P + b]);
      fputc('\n', f);
    }
}

void hfs_calib_write_dictionary(FILE *f)
{
  fputs("\n## calibration.csv (hfsim calibrate)\n\n"
        "Every evaluation of the model, in the order made: the Nelder-Mead "
        "searches, then the prior draws of sampling importance resampling.\n\n"
        "| column | meaning |\n|---|---|\n"
        "| `evaluation` | 1, 2, ... |\n"
        "| `phase` | `nelder_mead` or `sir` |\n"
        "| `start_or_draw` | the Nelder-Mead start (1..starts) or the prior "
        "draw (1..sir_draws) |\n"
        "| `NAME` | one column per calibrated parameter ([calibration] "
        "parameters): its value |\n"
        "| `model_METRIC` | the model's value at target METRIC "
        "(validation_targets.csv) |\n"
        "| `mcse_METRIC` | its Monte Carlo standard error |\n"
        "| `log_likelihood` | sum over targets: binomial for shares, normal "
        "for means, with variance target se^2 + mcse^2, relative to a perfect "
        "fit (include/hfsim/calibrate.h) |\n"
        "| `weighted_ssq` | sum over targets of ((model - target) / target "
        "se)^2 |\n"
        "\n## calibration_targets.csv (hfsim calibrate)\n\n"
        "The fit at each target, at the best fit.\n\n"
        "| column | meaning |\n|---|---|\n"
        "| `metric` | the target (its name in validation_targets.csv) |\n"
        "| `strategy` | the strategy of the model output the target is "
        "compared with |\n"
        "| `outcome` | the model output (as named in summary.csv) the "
        "target is compared with |\n"
        "| `likelihood` | `binomial` (a share) or `normal` (a mean) |\n"
        "| `published_value` | the target's published value |\n"
        "| `published_low` | the low end of its 95% interval |\n"
        "| `published_high` | the high end of its 95% interval |\n"
        "| `target_se` | (high - low) / (2 x 1.959964), the normal 97.5% quantile |\n"
        "| `model_value` | the model at the best fit |\n"
        "| `model_mcse` | Monte Carlo standard error of `model_value` |\n"
        "| `z` | (model - target) / sqrt(target_se^2 + model_mcse^2) |\n"
        "| `log_likelihood` | this target's term of the log-likelihood |\n"
        "| `weighted_ssq` | this target's term of the weighted sum of "
        "squares |\n"
        "| `within_interval` | `yes` when the model is inside [low, high] |\n"
        "| `posterior_model_mean` | the model's value averaged over the "
        "posterior (importance weights); empty without SIR |\n"
        "\n## calibrated_parameters.csv (hfsim calibrate)\n\n"
        "| column | meaning |\n|---|---|\n"
        "| `parameter` | a calibrated parameter |\n"
        "| `table_value` | its value in the parameter table (before "
        "calibration) |\n"
        "| `low` | the lower search bound |\n"
        "| `high` | the upper search bound |\n"
        "| `prior` | the prior: the table's distribution, or `uniform "
        "(bounds)` for a fixed row; truncated to the bounds |\n"
        "| `prior_mean` | the prior's mean (before truncation) |\n"
        "| `prior_sd` | the prior's sd (before truncation) |\n"
        "| `best_fit` | the value at the best fit (Nelder-Mead) |\n"
        "| `at_bound` | `low` or `high` when the best fit is within 1% of the "
        "range from a bound (the bound, not the data, may hold it), else "
        "`no` |\n"
        "| `posterior_mean` | importance-weighted mean of the prior draws "
        "|\n"
        "| `posterior_sd` | importance-weighted sd of the prior draws |\n"
        "| `posterior_p2_5` | weighted 2.5% quantile of the prior draws |\n"
        "| `posterior_median` | weighted median of the prior draws |\n"
        "| `posterior_p97_5` | weighted 97.5% quantile of the prior draws "
        "|\n"
        "| `posterior_ess` | effective sample size of the weights, (sum w)^2 "
        "/ sum w^2 |\n"
        "\n## posterior.csv (hfsim calibrate)\n\n"
        "A posterior sample: prior draws resampled with replacement in "
        "proportion to their likelihood; the input of `hfsim psa "
        "--posterior`.\n\n"
        "| column | meaning |\n|---|---|\n"
        "| `sample` | 1..posterior_size |\n"
        "| `evaluation` | the row of calibration.csv it copies |\n"
        "| `NAME` | one column per calibrated parameter |\n"
        "| `log_likelihood` | as in calibration.csv |\n"
        "\n## posterior_correlations.csv (hfsim calibrate)\n\n"
        "| column | meaning |\n|---|---|\n"
        "| `parameter_a` | the first of a pair of calibrated parameters |\n"
        "| `parameter_b` | the second of the pair |\n"
        "| `prior_correlation` | Pearson correlation among the prior draws "
        "(about 0: drawn independently) |\n"
        "| `posterior_correlation` | the same with importance weights: far "
        "from 0 when the targets pin down a combination of the two rather than "
        "each (non-identifiability) |\n",
        f);
}
