/*
 * targets.c - the table of published figures (see targets.h).
 */
#include "hfsim/targets.h"

#include <stdlib.h>
#include <string.h>

#include "hfsim/csvread.h"
#include "hfsim/params.h"

#define N_BASE_FIELDS 7

typedef struct reader {
  hfs_target_table *t;
  size_t n_fields; /* 7 or 8, from the header; 0 before it */
  hfs_diag *d;
  int nomem;
} reader;

static const char *const header[] = {"metric",          "strategy", "outcome",
                                     "published_value", "low",      "high",
                                     "source",          "use"};

void hfs_target_table_init(hfs_target_table *t)
{
  memset(t, 0, sizeof *t);
}

void hfs_target_table_free(hfs_target_table *t)
{
  for (size_t i = 0; i < t->n; i++) {
    free(t->items[i].metric);
    free(t->items[i].strategy);
    free(t->items[i].outcome);
    free(t->items[i].source);
  }
  free(t->items);
  free(t->path);
  memset(t, 0, sizeof *t);
}

const char *hfs_target_use_name(hfs_target_use u)
{
  return u == HFS_TARGET_CALIBRATION ? "calibration" : "validation";
}

const hfs_target *hfs_target_find(const hfs_target_table *t, const char *metric)
{
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->items[i].metric, metric) == 0)
      return &t->items[i];
  return NULL;
}

static int row_fn(void *user, const hfs_csv_row *row)
{
  reader *r = user;
  const char *path = r->t->path;
  if (r->n_fields == 0) {
    int ok =
        row->n_fields == N_BASE_FIELDS || row->n_fields == N_BASE_FIELDS + 1;
    for (size_t i = 0; ok && i < row->n_fields; i++)
      ok = strcmp(row->fields[i], header[i]) == 0;
    if (!ok) {
      hfs_diag_error(r->d, path, row->line,
                     "expected the header metric,strategy,outcome,"
                     "published_value,low,high,source[,use]");
      return 1;
    }
    r->n_fields = row->n_fields;
    return 0;
  }
  /* the use column may be left off a row (validation) */
  if (row->n_fields != r->n_fields && row->n_fields != N_BASE_FIELDS) {
    hfs_diag_error(r->d, path, row->line, "expected %zu fields, got %zu",
                   r->n_fields, row->n_fields);
    return 0;
  }
  hfs_target x;
  memset(&x, 0, sizeof x);
  x.line = row->line;
  int ok = 1;
  if (hfs_target_find(r->t, row->fields[0]) != NULL) {
    hfs_diag_error(r->d, path, row->line, "metric '%s' appears twice",
                   row->fields[0]);
    ok = 0;
  }
  if (hfs_parse_double(row->fields[3], &x.value) != 0 ||
      hfs_parse_double(row->fields[4], &x.low) != 0 ||
      hfs_parse_double(row->fields[5], &x.high) != 0) {
    hfs_diag_error(r->d, path, row->line,
                   "published_value, low and high must be numbers");
    ok = 0;
  }
  x.use = HFS_TARGET_VALIDATION;
  if (row->n_fields > N_BASE_FIELDS) {
    const char *u = row->fields[N_BASE_FIELDS];
    if (strcmp(u, "calibration") == 0)
      x.use = HFS_TARGET_CALIBRATION;
    else if (u[0] != '\0' && strcmp(u, "validation") != 0) {
      hfs_diag_error(r->d, path, row->line,
                     "use: expected calibration or validation, got '%s'", u);
      ok = 0;
    }
  }
  if (!ok)
    return 0;
  hfs_target *items = realloc(r->t->items, (r->t->n + 1) * sizeof *items);
  if (items == NULL) {
    r->nomem = 1;
    return 1;
  }
  r->t->items = items;
  x.metric = hfs_strdup(row->fields[0]);
  x.strategy = hfs_strdup(row->fields[1]);
  x.outcome = hfs_strdup(row->fields[2]);
  x.source = hfs_strdup(row->fields[6]);
  r->t->items[r->t->n++] = x;
  if (!x.metric || !x.strategy || !x.outcome || !x.source) {
    r->nomem = 1;
    return 1;
  }
  return 0;
}

hfs_status hfs_target_table_read(hfs_target_table *t, const char *path,
                                 hfs_diag *d)
{
  hfs_target_table_free(t);
  t->path = hfs_strdup(path);
  if (t->path == NULL)
    return HFS_ERR_NOMEM;
  reader r = {t, 0, d, 0};
  size_t before = hfs_diag_count(d);
  hfs_status s = hfs_csv_read(path, row_fn, &r, d);
  if (r.nomem)
    return HFS_ERR_NOMEM;
  if (s == HFS_OK && r.n_fields == 0) {
    hfs_diag_error(d, path, 0, "no header row");
    s = HFS_ERR_INPUT;
  }
  if (s == HFS_OK && hfs_diag_count(d) > before)
    s = HFS_ERR_INPUT;
  return s;
}
