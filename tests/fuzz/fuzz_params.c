/*
 * fuzz_params.c - libFuzzer target for the parameter table (CSV).
 *
 * The input is the text of a parameter table, written to parameters.csv in
 * the harness's private folder. Per input: hfs_param_table_read; unless that
 * failed for I/O or memory, hfs_param_table_check against the specs of the
 * model of every scenario in the repository's configs/ (configs/default.ini
 * for "hfs", configs/sick_sicker.ini for "sick_sicker", ...; with that
 * scenario's currency) -- also for tables with bad rows, since the checker
 * must cope with whatever the reader kept. When the table is clean and
 * passes a model's check: hfs_param_table_bind, hfs_param_table_copy and
 * hfs_model_create with that scenario and the real life table (which runs
 * the model's cross-parameter checks and derived rates on the fuzzed
 * numbers). Everything is freed; nothing is printed.
 */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "hfsim/lifetable.h"
#include "hfsim/model.h"
#include "hfsim/params.h"
#include "hfsim/scenario.h"

enum { MAX_CONFIGS = 16 };

/* The repository's scenarios with their model and life table, read once. */
typedef struct config {
  hfs_scenario scenario;
  hfs_life_table life_table;
  const hfs_model_class *cls;
} config;

static config configs[MAX_CONFIGS];
static size_t n_configs;
static int loaded;

static void free_configs(void)
{
  for (size_t i = 0; i < n_configs; i++) {
    hfs_scenario_free(&configs[i].scenario);
    hfs_life_table_free(&configs[i].life_table);
  }
  n_configs = 0;
}

static void load_configs(void)
{
  if (loaded)
    return;
  loaded = 1;
  atexit(free_configs);
  char names[MAX_CONFIGS][64];
  size_t n = hfs_fuzz_list_configs(".ini", names, MAX_CONFIGS);
  for (size_t i = 0; i < n; i++) {
    config *c = &configs[n_configs];
    hfs_diag d;
    hfs_diag_init(&d);
    hfs_scenario_init(&c->scenario);
    hfs_life_table_init(&c->life_table);
    int ok = hfs_scenario_load(&c->scenario, hfs_fuzz_config(names[i]), &d) ==
                 HFS_OK &&
             hfs_scenario_resolve(&c->scenario, &d) == HFS_OK;
    c->cls = ok ? hfs_model_class_find(c->scenario.model) : NULL;
    if (c->cls != NULL && c->cls->needs_life_table)
      ok = hfs_life_table_read(&c->life_table, c->scenario.life_table_path,
                               &d) == HFS_OK;
    if (!ok || c->cls == NULL) {
      /* The repository's own configs must load: a harness failure. */
      fprintf(stderr, "fuzz harness: configs/%s does not load:\n", names[i]);
      hfs_diag_print(&d, stderr);
      abort();
    }
    hfs_diag_free(&d);
    n_configs++;
  }
  if (n_configs == 0) {
    fprintf(stderr, "fuzz harness: no scenario in configs/\n");
    abort();
  }
}

static void model_checks(const hfs_param_table *t, config *c)
{
  const hfs_model_class *cls = c->cls;
  size_t size = sizeof(double);
  for (size_t i = 0; i < cls->n_params; i++)
    if (cls->params[i].offset + sizeof(double) > size)
      size = cls->params[i].offset + sizeof(double);
  void *values = malloc(size);
  if (values == NULL)
    abort();
  hfs_param_table_bind(t, cls->params, cls->n_params, values);
  free(values);

  hfs_param_table copy;
  if (hfs_param_table_copy(&copy, t) == HFS_OK)
    hfs_param_table_free(&copy);

  hfs_diag d;
  hfs_diag_init(&d);
  hfs_model m;
  hfs_model_inputs in = {t, &c->life_table, &c->scenario};
  if (hfs_model_create(&m, cls, &in, &d) == HFS_OK)
    hfs_model_destroy(&m);
  hfs_diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  load_configs();
  const char *path = hfs_fuzz_write("parameters.csv", data, size);

  hfs_diag d;
  hfs_diag_init(&d);
  hfs_param_table t;
  hfs_param_table_init(&t);
  hfs_status st = hfs_param_table_read(&t, path, &d);
  if (st == HFS_OK || st == HFS_ERR_INPUT)
    for (size_t i = 0; i < n_configs; i++) {
      config *c = &configs[i];
      hfs_status chk = hfs_param_table_check(
          &t, c->cls->params, c->cls->n_params, c->scenario.currency, &d);
      if (st == HFS_OK && chk == HFS_OK)
        model_checks(&t, c);
    }
  hfs_param_table_free(&t);
  hfs_diag_free(&d);
  return 0;
}
