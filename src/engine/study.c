/*
 * study.c - load and check all inputs of a run (see study.h).
 */
#include "hfsim/study.h"

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
  hfs_status s = hfs_scenario_load(sc, config, d);
  if (s == HFS_ERR_IO || s == HFS_ERR_NOMEM)
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
  if (s == HFS_OK && hfs_diag_count(d) > 0)
    s = HFS_ERR_INPUT;
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
