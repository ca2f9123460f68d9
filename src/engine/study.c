/*
 * study.c - load and check all inputs of a run (see study.h).
 */
#include "hfsim/study.h"

#include "hfsim/numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void hfs_study_init(hfs_study *st)
{
  memset(st, 0, sizeof *st);
  hfs_scenario_init(&st->scenario);
  hfs_param_table_init(&st->params);
  hfs_life_table_init(&st->life_table);
}

void hfs_study_free(hfs_study *st)
{
  if (st->have_model)
    hfs_model_destroy(&st->model);
  hfs_scenario_free(&st->scenario);
  hfs_param_table_free(&st->params);
  hfs_life_table_free(&st->life_table);
  memset(st, 0, sizeof *st);
}

static hfs_status worse(hfs_status a, hfs_status b)
{
  /* I/O and memory problems outrank invalid content. */
  if (a == HFS_ERR_NOMEM || b == HFS_ERR_NOMEM)
    return HFS_ERR_NOMEM;
  if (a == HFS_ERR_IO || b == HFS_ERR_IO)
    return HFS_ERR_IO;
  return a != HFS_OK ? a : b;
}

hfs_status hfs_param_override(hfs_param_table *t, const char *assignment,
                              const char *label, hfs_diag *d)
{
  const char *eq = strchr(assignment, '=');
  char name[256];
  size_t n = eq ? (size_t)(eq - assignment) : 0;
  if (eq == NULL || n == 0 || n >= sizeof name) {
    hfs_diag_error(d, label, 0, "expected NAME=VALUE");
    return HFS_ERR_INPUT;
  }
  memcpy(name, assignment, n);
  name[n] = '\0';
  while (n > 0 && name[n - 1] == ' ')
    name[--n] = '\0';
  hfs_param *p = hfs_param_find(t, name);
  if (p == NULL) {
    const char *sug = hfs_closest_name_strided(
        name, t->items, t->count, sizeof *t->items, offsetof(hfs_param, name));
    hfs_diag_error(d, label, 0,
                   "unknown parameter '%s'%s%s%s (settings are written "
                   "SECTION.KEY, e.g. run.patients)",
                   name, sug ? " (did you mean '" : "", sug ? sug : "",
                   sug ? "'?)" : "");
    return HFS_ERR_INPUT;
  }
  double v;
  if (hfs_parse_double(eq + 1, &v) != 0) {
    hfs_diag_error(d, label, 0, "%s: expected a number, got '%s'", name,
                   eq + 1);
    return HFS_ERR_INPUT;
  }
  char *origin = hfs_strdup(label);
  if (origin == NULL)
    return HFS_ERR_NOMEM;
  free(p->origin);
  p->origin = origin;
  p->value = v;
  p->line = 0;
  return HFS_OK;
}

/* A value set by an override outside the table's one-way range is legal
 * (the range is for sensitivity analysis, not a limit) but often a slip:
 * warn, and widen the range to contain it, so that owsa's bar and twsa's
 * grid still hold the base case. Done once the table passed its checks
 * (an inadmissible value is an error, not a warning). */
static void widen_ranges(hfs_param_table *t, hfs_diag *d)
{
  for (size_t i = 0; i < t->count; i++) {
    hfs_param *p = &t->items[i];
    double v = p->value;
    if (p->origin == NULL || isnan(p->low) || isnan(p->high) ||
        (v >= p->low && v <= p->high))
      continue;
    char tv[40], tl[40], th[40], nl[40], nh[40];
    double lo = v < p->low ? v : p->low, hi = v > p->high ? v : p->high;
    hfs_diag_warning(d, p->origin, 0,
                     "%s = %s lies outside its range in the table [%s, %s]; "
                     "owsa and twsa vary it over [%s, %s]",
                     p->name, hfs_format_double(tv, sizeof tv, v),
                     hfs_format_double(tl, sizeof tl, p->low),
                     hfs_format_double(th, sizeof th, p->high),
                     hfs_format_double(nl, sizeof nl, lo),
                     hfs_format_double(nh, sizeof nh, hi));
    p->low = lo;
    p->high = hi;
  }
}

static int is_parameter_override(const char *assignment)
{
  const char *eq = strchr(assignment, '=');
  const char *dot = strchr(assignment, '.');
  return dot == NULL || (eq != NULL && dot > eq);
}

/* hfs_study_instantiate; *TABLE_OK (if not NULL) says whether the values
 * passed the table's checks, so that create() ran. */
static hfs_status instantiate(const hfs_study *st, const double *values,
                              hfs_model *m, int *table_ok, hfs_diag *d)
{
  memset(m, 0, sizeof *m);
  /* A shallow copy of the table with the new values: names, units and
   * sources (and so every message) are the study's. */
  hfs_param_table t = st->params;
  if (values != NULL) {
    t.items = malloc((t.count ? t.count : 1) * sizeof *t.items);
    if (t.items == NULL)
      return HFS_ERR_NOMEM;
    memcpy(t.items, st->params.items, t.count * sizeof *t.items);
    for (size_t i = 0; i < t.count; i++)
      t.items[i].value = values[i];
  }
  hfs_status s = hfs_param_table_check(&t, st->cls->params, st->cls->n_params,
                                       st->scenario.currency, d);
  if (table_ok != NULL)
    *table_ok = s == HFS_OK;
  if (s == HFS_OK) {
    /* create() reads the scenario's settings and marks them read, which
     * hfs_study_load does first: the scenario does not change. */
    hfs_model_inputs in = {&t, &st->life_table,
                           (hfs_scenario *)(uintptr_t)&st->scenario};
    s = hfs_model_create(m, st->cls, &in, d);
  }
  if (values != NULL)
    free(t.items);
  return s;
}

hfs_status hfs_study_instantiate(const hfs_study *st, const double *values,
                                 hfs_model *m, hfs_diag *d)
{
  return instantiate(st, values, m, NULL, d);
}

static hfs_status build_model(hfs_study *st, hfs_diag *d)
{
  hfs_status s = instantiate(st, NULL, &st->model, &st->create_attempted, d);
  st->have_model = s == HFS_OK;
  return s;
}

hfs_status hfs_study_load(hfs_study *st, const char *config,
                          const hfs_override *overrides, size_t n_overrides,
                          hfs_diag *d)
{
  hfs_scenario *sc = &st->scenario;
  size_t before_load = hfs_diag_count(d);
  hfs_status s = hfs_scenario_load(sc, config, d);
  if (s == HFS_ERR_IO || s == HFS_ERR_NOMEM || s == HFS_ERR_INTERRUPTED)
    return s;
  /* a file that is not text (NUL bytes, stray carriage returns) holds no
   * settings: the "missing setting" errors that would follow are noise */
  if (s != HFS_OK && sc->n_settings == 0 &&
      hfs_diag_count(d) == before_load + 1)
    return s;
  for (size_t i = 0; i < n_overrides; i++)
    if (!is_parameter_override(overrides[i].assignment))
      s = worse(s, hfs_scenario_set_labeled(sc, overrides[i].assignment,
                                            overrides[i].label, d));
  s = worse(s, hfs_scenario_resolve(sc, d));

  st->cls = sc->model ? hfs_model_class_find(sc->model) : NULL;
  if (sc->model != NULL && st->cls == NULL) {
    const char *names[64];
    size_t n = 0;
    for (; n < hfs_model_class_count() && n < 64; n++)
      names[n] = hfs_model_class_at(n)->name;
    const char *sug = hfs_closest_name(sc->model, names, n);
    hfs_setting *e = hfs_scenario_get(sc, "run", "model");
    hfs_diag_error(d, e ? e->file : sc->path, e ? e->line : 0,
                   "[run] model: unknown model '%s'%s%s%s", sc->model,
                   sug ? " (did you mean '" : "", sug ? sug : "",
                   sug ? "'?)" : "");
    s = worse(s, HFS_ERR_INPUT);
  }

  hfs_status tables = HFS_OK;
  if (sc->parameters_path != NULL) {
    tables = hfs_param_table_read(&st->params, sc->parameters_path, d);
    if (tables == HFS_OK)
      for (size_t i = 0; i < n_overrides; i++)
        if (is_parameter_override(overrides[i].assignment))
          tables = worse(tables, hfs_param_override(&st->params,
                                                    overrides[i].assignment,
                                                    overrides[i].label, d));
  }
  if (sc->life_table_path != NULL &&
      (st->cls == NULL || st->cls->needs_life_table))
    tables = worse(
        tables, hfs_life_table_read(&st->life_table, sc->life_table_path, d));
  s = worse(s, tables);
  if (st->cls != NULL && tables == HFS_OK && sc->parameters_path != NULL &&
      (sc->life_table_path != NULL || !st->cls->needs_life_table)) {
    size_t before = hfs_diag_count(d);
    hfs_status b = build_model(st, d);
    /* the table failed its checks, so create() did not run: check the
     * strategies and cohort on their own, to report everything at once */
    if (b == HFS_ERR_INPUT && !st->have_model && st->cls->check_settings &&
        hfs_diag_count(d) > before && !st->create_attempted)
      st->cls->check_settings(sc, d);
    s = worse(s, b);
  } else if (st->cls != NULL && st->cls->check_settings != NULL) {
    s = worse(s, st->cls->check_settings(sc, d));
  }
  if (st->cls != NULL)
    hfs_scenario_report_unknown_sections(sc, d);
  /* (errors of this load only: `hfsim scenarios` loads every scenario
   * into one list, and a scenario after a bad one is not bad) */
  if (s == HFS_OK && hfs_diag_count(d) == before_load)
    widen_ranges(&st->params, d);
  if (s == HFS_OK && hfs_diag_count(d) > before_load)
    s = HFS_ERR_INPUT;
  return s;
}

hfs_status hfs_study_load_scenario(hfs_study *st, const char *config,
                                   const hfs_override *overrides,
                                   size_t n_overrides, const char *scenario,
                                   hfs_diag *d)
{
  if (scenario == NULL)
    return hfs_study_load(st, config, overrides, n_overrides, d);
  hfs_scenario sc;
  hfs_scenario_init(&sc);
  hfs_status s = hfs_scenario_load(&sc, config, d);
  if (s != HFS_OK) {
    hfs_scenario_free(&sc);
    return s;
  }
  size_t cap = n_overrides + sc.n_settings + 1, n = n_overrides;
  hfs_override *ov = calloc(cap, sizeof *ov);
  char **owned = calloc(2 * sc.n_settings + 1, sizeof *owned);
  size_t n_owned = 0;
  const char **names = calloc(sc.n_settings + 1, sizeof *names);
  size_t n_names = 0;
  if (!ov || !owned || !names)
    s = HFS_ERR_NOMEM;
  if (s == HFS_OK && n_overrides > 0)
    memcpy(ov, overrides, n_overrides * sizeof *ov);
  int found = 0;
  for (size_t i = 0; s == HFS_OK && i < sc.n_settings; i++) {
    const hfs_setting *e = &sc.settings[i];
    if (strncmp(e->section, "scenario ", 9) != 0)
      continue;
    int seen = 0;
    for (size_t k = 0; k < n_names; k++)
      seen |= strcmp(names[k], e->section + 9) == 0;
    if (!seen)
      names[n_names++] = e->section + 9;
    if (strcmp(e->section + 9, scenario) != 0)
      continue;
    found = 1;
    size_t la = strlen(e->key) + strlen(e->value) + 2;
    size_t ll = strlen(e->file) + 32;
    char *a = malloc(la), *l = malloc(ll);
    owned[n_owned++] = a;
    owned[n_owned++] = l;
    if (!a || !l) {
      s = HFS_ERR_NOMEM;
      break;
    }
    snprintf(a, la, "%s=%s", e->key, e->value);
    snprintf(l, ll, "%s:%ld", e->file, e->line);
    ov[n].assignment = a;
    ov[n].label = l;
    n++;
  }
  if (s == HFS_OK && !found) {
    char list[1024] = "";
    for (size_t k = 0; k < n_names; k++) {
      if (k > 0)
        strncat(list, ", ", sizeof list - strlen(list) - 1);
      strncat(list, names[k], sizeof list - strlen(list) - 1);
    }
    const char *sug = hfs_closest_name(scenario, names, n_names);
    hfs_diag_error(d, sc.path, 0,
                   "no section [scenario %s]%s%s%s (the file has: %s)",
                   scenario, sug ? " (did you mean '" : "", sug ? sug : "",
                   sug ? "'?)" : "", n_names ? list : "none");
    s = HFS_ERR_INPUT;
  }
  if (s == HFS_OK)
    s = hfs_study_load(st, config, ov, n, d);
  for (size_t k = 0; owned && k < n_owned; k++)
    free(owned[k]);
  free(owned);
  free(names);
  free(ov);
  hfs_scenario_free(&sc);
  return s;
}

hfs_run_config hfs_study_run_config(const hfs_study *st)
{
  const hfs_scenario *sc = &st->scenario;
  hfs_run_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.patients = sc->patients;
  cfg.seed = sc->seed;
  cfg.threads = sc->threads;
  cfg.horizon_years = sc->horizon_years;
  cfg.discount_rate_costs = sc->discount_rate_costs;
  cfg.discount_rate_qalys = sc->discount_rate_qalys;
  return cfg;
}

/* ---- finiteness of computed totals ---------------------------------------
 */

/* The inputs most likely to have overflowed: the parameters of the largest
 * magnitude, and the largest WTP. Appended to BUF. */
static void name_large_inputs(const hfs_study *st, char *buf, size_t n)
{
  const hfs_param_table *t = &st->params;
  size_t used = strlen(buf);
  int top[3] = {-1, -1, -1};
  for (size_t i = 0; i < t->count; i++) {
    double v = fabs(t->items[i].value);
    for (int k = 0; k < 3; k++)
      if (top[k] < 0 || v > fabs(t->items[top[k]].value)) {
        for (int j = 2; j > k; j--)
          top[j] = top[j - 1];
        top[k] = (int)i;
        break;
      }
  }
  used += (size_t)snprintf(buf + used, used < n ? n - used : 0,
                           "; the inputs of the largest magnitude:");
  for (int k = 0; k < 3 && top[k] >= 0 && used < n; k++) {
    const hfs_param *p = &t->items[top[k]];
    if (p->origin != NULL)
      used += (size_t)snprintf(buf + used, n - used, " %s = %g (%s)%s", p->name,
                               p->value, p->origin,
                               k < 2 && top[k + 1] >= 0 ? "," : "");
    else
      used += (size_t)snprintf(buf + used, n - used, " %s = %g (%s:%ld)%s",
                               p->name, p->value, t->path, p->line,
                               k < 2 && top[k + 1] >= 0 ? "," : "");
  }
  const hfs_scenario *sc = &st->scenario;
  if (sc->n_wtp > 0 && used < n)
    snprintf(buf + used, n - used, "; the largest WTP: %g ([economics] wtp)",
             sc->wtp[sc->n_wtp - 1]);
}

hfs_status hfs_study_check_value(const hfs_study *st, double v,
                                 const char *what, hfs_diag *d)
{
  if (isfinite(v))
    return HFS_OK;
  char msg[1024];
  snprintf(msg, sizeof msg,
           "%s is not a finite number (%g): the inputs overflow the range of "
           "double precision (about 1.8e308) in the sums",
           what, v);
  name_large_inputs(st, msg, sizeof msg);
  hfs_diag_error(d, st->scenario.path, 0, "%s", msg);
  return HFS_ERR_INPUT;
}

hfs_status hfs_study_check_totals(const hfs_study *st, const hfs_results *r,
                                  hfs_diag *d)
{
  const hfs_model_class *c = st->cls;
  char what[256];
  for (size_t s = 0; s < r->n_strategies; s++) {
    const char *sname = st->model.strategy_names[s];
    for (size_t k = 0; k < r->n_outcomes; k++) {
      const hfs_accum *a = &r->outcomes[s * r->n_outcomes + k];
      snprintf(what, sizeof what, "the mean %s of strategy '%s'",
               c->outcomes[k].name, sname);
      if (hfs_study_check_value(st, a->mean, what, d) != HFS_OK)
        return HFS_ERR_INPUT;
      snprintf(what, sizeof what,
               "the Monte Carlo standard error of %s of strategy '%s'",
               c->outcomes[k].name, sname);
      /* (NaN with fewer than two patients: not available, no overflow) */
      double se = hfs_accum_se(a);
      if (!(isnan(se) && a->n < 2) &&
          hfs_study_check_value(st, se, what, d) != HFS_OK)
        return HFS_ERR_INPUT;
    }
    /* the class's cost and QALY indices (hfs_model_class_check validated
     * them) */
    double cost = r->outcomes[s * r->n_outcomes + c->cost_outcome].mean;
    double qaly = r->outcomes[s * r->n_outcomes + c->qaly_outcome].mean;
    for (size_t w = 0; w < st->scenario.n_wtp; w++) {
      snprintf(what, sizeof what,
               "the net monetary benefit of strategy '%s' at WTP %g", sname,
               st->scenario.wtp[w]);
      if (hfs_study_check_value(st, st->scenario.wtp[w] * qaly - cost, what,
                                d) != HFS_OK)
        return HFS_ERR_INPUT;
    }
  }
  return HFS_OK;
}

/* ---- the sections of the analyses ----------------------------------------
 */

/* The settings `hfsim scenarios` keeps the same for every scenario, and
 * why. (A scenario's horizon, discount rates, WTP, cohort, inputs,
 * strategies and parameters are the model's: all allowed.) */
static const struct {
  const char *key;
  const char *why;
} scenario_fixed[] = {
    {"run.seed", "every scenario simulates the same patients (common random "
                 "numbers); set it in [run] or with --seed for all"},
    {"run.patients", "every scenario simulates the same patients (common "
                     "random numbers), [dsa] patients of them; set it in "
                     "[dsa] or with --patients for all"},
    {"dsa.patients", "every scenario simulates the same patients (common "
                     "random numbers); set it in [dsa] or with --patients "
                     "for all"},
    {"run.model", "every scenario simulates the same patients with the same "
                  "model; compare models in separate runs"},
    {"run.threads", "the threads are the whole command's (the results do not "
                    "depend on them); set them in [run] or with --threads"},
    {"run.output", "hfsim scenarios writes one folder for all scenarios; set "
                   "it in [run] or with --out"},
    {"run.patients_csv", "hfsim scenarios writes no patients.csv"},
    {"run.xlsx", "hfsim scenarios writes no results.xlsx"},
};

size_t hfs_study_scenario_fixed_settings(const hfs_scenario *sc,
                                         const char *name, int warn,
                                         hfs_diag *d)
{
  size_t n = 0;
  for (size_t i = 0; i < sc->n_settings; i++) {
    const hfs_setting *e = &sc->settings[i];
    if (strncmp(e->section, "scenario ", 9) != 0 ||
        strcmp(e->section + 9, name) != 0)
      continue;
    for (size_t k = 0; k < sizeof scenario_fixed / sizeof scenario_fixed[0];
         k++) {
      if (strcmp(e->key, scenario_fixed[k].key) != 0)
        continue;
      if (warn)
        hfs_diag_warning(d, e->file, e->line,
                         "[scenario %s] %s: hfsim scenarios refuses this "
                         "line: %s",
                         name, e->key, scenario_fixed[k].why);
      else
        hfs_diag_error(d, e->file, e->line, "[scenario %s] %s: %s", name,
                       e->key, scenario_fixed[k].why);
      n++;
    }
  }
  return n;
}

hfs_status hfs_study_check_analyses(hfs_study *st, const char *config,
                                    const hfs_override *overrides,
                                    size_t n_overrides, hfs_diag *d)
{
  hfs_scenario *sc = &st->scenario;
  size_t before = hfs_diag_count(d);
  /* [dsa] patients, as owsa, twsa and scenarios read it */
  hfs_setting *e = hfs_scenario_get(sc, "dsa", "patients");
  double v;
  if (e != NULL && (hfs_parse_double(e->value, &v) != 0 || v < 1 || v > 1e10 ||
                    v != floor(v)))
    hfs_diag_error(d, e->file, e->line,
                   "[dsa] patients: expected a whole number from 1 to "
                   "10000000000, got '%s'",
                   e->value);
  static const char *const dsa_keys[] = {"patients"};
  hfs_scenario_report_unknown(sc, "dsa", dsa_keys, 1, d);
  /* every [scenario NAME]: the study loaded with its overrides, as
   * `hfsim scenarios` loads it (errors carry the scenario file's lines) */
  for (size_t i = 0; i < sc->n_settings; i++) {
    const hfs_setting *first = &sc->settings[i];
    if (strncmp(first->section, "scenario ", 9) != 0)
      continue;
    int seen = 0;
    for (size_t k = 0; k < i; k++)
      seen |= strcmp(sc->settings[k].section, first->section) == 0;
    if (seen)
      continue;
    size_t n = n_overrides;
    hfs_override *ov = calloc(n_overrides + sc->n_settings + 1, sizeof *ov);
    char **text = calloc(2 * sc->n_settings + 1, sizeof *text);
    size_t n_text = 0;
    if (ov == NULL || text == NULL) {
      free(ov);
      free(text);
      hfs_diag_error(d, NULL, 0, "out of memory (%zu settings)",
                     sc->n_settings);
      return HFS_ERR_NOMEM;
    }
    if (n_overrides > 0) /* NULL when there are none */
      memcpy(ov, overrides, n_overrides * sizeof *ov);
    for (size_t k = i; k < sc->n_settings; k++) {
      const hfs_setting *s = &sc->settings[k];
      if (strcmp(s->section, first->section) != 0)
        continue;
      size_t la = strlen(s->key) + strlen(s->value) + 2;
      size_t ll = strlen(s->file) + 32;
      char *a = malloc(la), *l = malloc(ll);
      text[n_text++] = a;
      text[n_text++] = l;
      if (a == NULL || l == NULL)
        break;
      snprintf(a, la, "%s=%s", s->key, s->value);
      snprintf(l, ll, "%s:%ld", s->file, s->line);
      ov[n].assignment = a;
      ov[n].label = l;
      n++;
    }
    hfs_study_scenario_fixed_settings(sc, first->section + 9, 1, d);
    hfs_study tmp;
    hfs_study_init(&tmp);
    hfs_diag sub;
    hfs_diag_init(&sub);
    hfs_status s = hfs_study_load(&tmp, config, ov, n, &sub);
    /* each problem once, named by its section (a heading line counted as
     * one more error: "2 errors" for one problem) */
    for (size_t k = 0; s != HFS_OK && k < sub.count; k++)
      hfs_diag_error(d, sub.entries[k].file, sub.entries[k].line,
                     "[%s] does not load: %s", first->section,
                     sub.entries[k].message);
    if (s != HFS_OK && sub.count == 0)
      hfs_diag_error(d, first->file, first->line, "[%s] does not load",
                     first->section);
    hfs_diag_free(&sub);
    hfs_study_free(&tmp);
    for (size_t k = 0; k < n_text; k++)
      free(text[k]);
    free(text);
    free(ov);
  }
  return hfs_diag_count(d) > before ? HFS_ERR_INPUT : HFS_OK;
}
