/*
 * params.c - read and check the parameter table (see params.h).
 */
#include "hfsim/mathx.h"
#include "hfsim/params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hfsim/csvread.h"
#include "hfsim/dist.h"
#include "hfsim/numfmt.h"

static const char *const dist_names[HFS_DIST_COUNT_] = {
    "fixed",         "beta",      "beta_mean_sd",      "gamma",
    "gamma_mean_sd", "lognormal", "lognormal_mean_sd", "normal",
    "truncnormal",   "uniform",   "triangular",        "dirichlet"};

const char *hfs_dist_name(hfs_dist d)
{
  return (d >= 0 && d < HFS_DIST_COUNT_) ? dist_names[d] : "?";
}

int hfs_dist_parse(const char *s, hfs_dist *out)
{
  for (int i = 0; i < HFS_DIST_COUNT_; i++)
    if (strcmp(s, dist_names[i]) == 0) {
      *out = (hfs_dist)i;
      return 0;
    }
  return -1;
}

int hfs_is_identifier(const char *name)
{
  if (!(isalpha((unsigned char)name[0]) || name[0] == '_'))
    return 0;
  for (const char *p = name; *p; p++)
    if (!(isalnum((unsigned char)*p) || *p == '_'))
      return 0;
  return 1;
}

int hfs_parse_double(const char *s, double *out)
{
  /* strtod honours LC_NUMERIC; the program never calls setlocale, so the
   * "C" locale and '.' as decimal point hold. */
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '\0')
    return -1;
  /* Decimal notation only, the same in every input (INI, CSV, --set):
   * [+-] digits [. digits] [e [+-] digits], at least one digit before the
   * exponent. strtod alone would also take hexadecimal ("0x1p3"), "inf"
   * and "nan". */
  const char *p = s;
  if (*p == '+' || *p == '-')
    p++;
  int digits = 0;
  while (isdigit((unsigned char)*p))
    p++, digits++;
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p))
      p++, digits++;
  }
  if (digits == 0)
    return -1;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-')
      p++;
    if (!isdigit((unsigned char)*p))
      return -1;
    while (isdigit((unsigned char)*p))
      p++;
  }
  const char *tail = p;
  while (*tail == ' ' || *tail == '\t' || *tail == '\r')
    tail++;
  if (*tail != '\0')
    return -1;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end != p || errno == ERANGE || !isfinite(v))
    return -1;
  *out = v;
  return 0;
}

void hfs_param_table_init(hfs_param_table *t)
{
  memset(t, 0, sizeof *t);
}

static void param_free(hfs_param *p)
{
  free(p->origin);
  free(p->name);
  free(p->group);
  free(p->unit);
  free(p->evidence);
  free(p->description);
  free(p->source);
}

void hfs_param_table_free(hfs_param_table *t)
{
  for (size_t i = 0; i < t->count; i++)
    param_free(&t->items[i]);
  free(t->items);
  free(t->path);
  hfs_param_table_init(t);
}

hfs_param *hfs_param_find(const hfs_param_table *t, const char *name)
{
  for (size_t i = 0; i < t->count; i++)
    if (strcmp(t->items[i].name, name) == 0)
      return &t->items[i];
  return NULL;
}

/* ---- reading ------------------------------------------------------------ */

enum col {
  COL_NAME,
  COL_VALUE,
  COL_LOW,
  COL_HIGH,
  COL_DIST,
  COL_A,
  COL_B,
  COL_GROUP,
  COL_UNIT,
  COL_EVIDENCE,
  COL_DESCRIPTION,
  COL_SOURCE,
  N_COLS
};

static const char *const col_names[N_COLS] = {
    "name",   "value", "low",  "high",     "distribution", "dist_a",
    "dist_b", "group", "unit", "evidence", "description",  "source"};

typedef struct read_state {
  hfs_param_table *t;
  hfs_diag *d;
  const char *path;
  int have_header;
  int col_index[N_COLS]; /* field index of each column */
  size_t n_header;
  int nomem;
} read_state;

static int read_header(read_state *rs, const hfs_csv_row *row)
{
  int ok = 1;
  for (int c = 0; c < N_COLS; c++)
    rs->col_index[c] = -1;
  for (size_t i = 0; i < row->n_fields; i++) {
    int found = -1;
    for (int c = 0; c < N_COLS; c++)
      if (strcmp(row->fields[i], col_names[c]) == 0)
        found = c;
    if (found < 0) {
      const char *s = hfs_closest_name(row->fields[i], col_names, N_COLS);
      hfs_diag_error(rs->d, rs->path, row->line, "unknown column '%s'%s%s%s",
                     row->fields[i], s ? " (did you mean '" : "", s ? s : "",
                     s ? "'?)" : "");
      ok = 0;
    } else if (rs->col_index[found] >= 0) {
      hfs_diag_error(rs->d, rs->path, row->line, "column '%s' appears twice",
                     col_names[found]);
      ok = 0;
    } else {
      rs->col_index[found] = (int)i;
    }
  }
  for (int c = 0; c < N_COLS; c++)
    if (rs->col_index[c] < 0) {
      hfs_diag_error(rs->d, rs->path, row->line,
                     "missing column '%s' in the header (expected: "
                     "name,value,low,high,distribution,dist_a,dist_b,group,"
                     "unit,evidence,description,source)",
                     col_names[c]);
      ok = 0;
    }
  rs->n_header = row->n_fields;
  rs->have_header = 1;
  return ok ? 0 : 1; /* a bad header stops reading: rows are meaningless */
}

static const char *field(const read_state *rs, const hfs_csv_row *row, int c)
{
  int i = rs->col_index[c];
  return (i >= 0 && (size_t)i < row->n_fields) ? row->fields[i] : "";
}

static int parse_optional(read_state *rs, const hfs_csv_row *row, int c,
                          double *out)
{
  const char *s = field(rs, row, c);
  const char *p = s;
  while (*p == ' ')
    p++;
  if (*p == '\0') {
    *out = HFS_NAN;
    return 1;
  }
  if (hfs_parse_double(s, out) != 0) {
    hfs_diag_error(rs->d, rs->path, row->line,
                   "%s: column '%s' must be a number, got '%s'",
                   field(rs, row, COL_NAME), col_names[c], s);
    *out = HFS_NAN;
    return 0;
  }
  return 1;
}

static char *dup_or_flag(read_state *rs, const char *s)
{
  char *p = hfs_strdup(s);
  if (p == NULL)
    rs->nomem = 1;
  return p;
}

static int on_row(void *user, const hfs_csv_row *row)
{
  read_state *rs = user;
  if (!rs->have_header)
    return read_header(rs, row);
  if (row->n_fields != rs->n_header) {
    hfs_diag_error(rs->d, rs->path, row->line,
                   "expected %zu fields as in the header, got %zu "
                   "(a comma inside a text field needs double quotes)",
                   rs->n_header, row->n_fields);
    return 0;
  }
  const char *name = field(rs, row, COL_NAME);
  int ok = 1;
  if (!hfs_is_identifier(name)) {
    hfs_diag_error(rs->d, rs->path, row->line,
                   "parameter name '%s' must be an identifier (letters, "
                   "digits and '_', not starting with a digit)",
                   name);
    ok = 0;
  } else {
    hfs_param *prev = hfs_param_find(rs->t, name);
    if (prev != NULL) {
      hfs_diag_error(rs->d, rs->path, row->line,
                     "parameter '%s' is defined twice (first at line %ld)",
                     name, prev->line);
      ok = 0;
    }
  }
  hfs_param p;
  memset(&p, 0, sizeof p);
  p.line = row->line;
  const char *vs = field(rs, row, COL_VALUE);
  if (hfs_parse_double(vs, &p.value) != 0) {
    hfs_diag_error(rs->d, rs->path, row->line,
                   "%s: value must be a number, got '%s'", name, vs);
    ok = 0;
  }
  ok &= parse_optional(rs, row, COL_LOW, &p.low);
  ok &= parse_optional(rs, row, COL_HIGH, &p.high);
  ok &= parse_optional(rs, row, COL_A, &p.dist_a);
  ok &= parse_optional(rs, row, COL_B, &p.dist_b);
  const char *ds = field(rs, row, COL_DIST);
  if (ds[0] == '\0') {
    p.dist = HFS_DIST_FIXED;
  } else if (hfs_dist_parse(ds, &p.dist) != 0) {
    const char *s = hfs_closest_name(ds, dist_names, HFS_DIST_COUNT_);
    hfs_diag_error(rs->d, rs->path, row->line,
                   "%s: unknown distribution '%s'%s%s%s", name, ds,
                   s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    ok = 0;
  }
  const char *ev = field(rs, row, COL_EVIDENCE);
  if (strcmp(ev, "F") != 0 && strcmp(ev, "D") != 0 && strcmp(ev, "E") != 0) {
    hfs_diag_error(rs->d, rs->path, row->line,
                   "%s: evidence must be F (found), D (derived) or E "
                   "(estimate), got '%s'",
                   name, ev);
    ok = 0;
  }
  /* The base value must lie in its one-way range. Checked here, on the
   * file, because later values (--set, PSA draws) may leave that range:
   * it is for sensitivity analysis, not a limit. */
  if (ok && !isnan(p.low) && !isnan(p.high) &&
      !(p.low <= p.value && p.value <= p.high)) {
    char lbuf[40], vbuf[40], hbuf[40];
    hfs_diag_error(rs->d, rs->path, row->line,
                   "%s: need low <= value <= high, got %s <= %s <= %s", name,
                   hfs_format_double(lbuf, sizeof lbuf, p.low),
                   hfs_format_double(vbuf, sizeof vbuf, p.value),
                   hfs_format_double(hbuf, sizeof hbuf, p.high));
    ok = 0;
  }
  if (!ok)
    return 0; /* keep reading: report every row's problems */

  hfs_param *items = realloc(rs->t->items, (rs->t->count + 1) * sizeof *items);
  if (items == NULL) {
    rs->nomem = 1;
    return 1;
  }
  rs->t->items = items;
  p.name = dup_or_flag(rs, name);
  p.group = dup_or_flag(rs, field(rs, row, COL_GROUP));
  p.unit = dup_or_flag(rs, field(rs, row, COL_UNIT));
  p.evidence = dup_or_flag(rs, ev);
  p.description = dup_or_flag(rs, field(rs, row, COL_DESCRIPTION));
  p.source = dup_or_flag(rs, field(rs, row, COL_SOURCE));
  rs->t->items[rs->t->count++] = p;
  return rs->nomem;
}

hfs_status hfs_param_table_read(hfs_param_table *t, const char *path,
                                hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  read_state rs;
  memset(&rs, 0, sizeof rs);
  rs.t = t;
  rs.d = d;
  rs.path = path;
  t->path = hfs_strdup(path);
  if (t->path == NULL)
    return HFS_ERR_NOMEM;
  hfs_status st = hfs_csv_read(path, on_row, &rs, d);
  if (rs.nomem)
    return HFS_ERR_NOMEM;
  if (st == HFS_OK && !rs.have_header) {
    hfs_diag_error(d, path, 0, "empty file: expected a header row");
    st = HFS_ERR_INPUT;
  }
  if (st == HFS_OK && hfs_diag_count(d) > before)
    st = HFS_ERR_INPUT;
  return st;
}

/* ---- checking ----------------------------------------------------------- */

const char *hfs_param_kind_range_text(hfs_param_kind k)
{
  switch (k) {
  case HFS_KIND_PROBABILITY:
    return "is a probability and must be in [0, 1]";
  case HFS_KIND_RATE:
    return "is a rate per year and must be >= 0";
  case HFS_KIND_COST:
    return "is a cost and must be >= 0";
  case HFS_KIND_DURATION:
    return "is a duration and must be >= 0";
  case HFS_KIND_POSITIVE:
    return "must be > 0";
  case HFS_KIND_UTILITY:
    return "is a utility and must be <= 1";
  case HFS_KIND_DECREMENT:
    return "is a utility decrement and must be in [0, 1]";
  case HFS_KIND_AGE:
    return "is an age and must be in [0, 120]";
  case HFS_KIND_MULTIPLIER:
    return "is a multiplier and must be >= 0";
  case HFS_KIND_REAL:
    return "must be finite";
  }
  return "";
}

int hfs_param_kind_admits(hfs_param_kind k, double v)
{
  switch (k) {
  case HFS_KIND_PROBABILITY:
  case HFS_KIND_DECREMENT:
    return v >= 0.0 && v <= 1.0;
  case HFS_KIND_RATE:
  case HFS_KIND_COST:
  case HFS_KIND_DURATION:
  case HFS_KIND_MULTIPLIER:
    return v >= 0.0;
  case HFS_KIND_POSITIVE:
    return v > 0.0;
  case HFS_KIND_UTILITY:
    return v <= 1.0;
  case HFS_KIND_AGE:
    return v >= 0.0 && v <= 120.0;
  case HFS_KIND_REAL:
    return isfinite(v);
  }
  return 0;
}

/* Check that P's distribution is possible; returns 1 when fine. */
static int check_distribution(const hfs_param *p, hfs_param_kind kind,
                              const char *path, hfs_diag *d)
{
  double a = p->dist_a, b = p->dist_b;
  int ok = 1;
#define BAD(...)                                   \
  do {                                             \
    hfs_diag_error(d, path, p->line, __VA_ARGS__); \
    ok = 0;                                        \
  } while (0)
  int needs_a = p->dist != HFS_DIST_FIXED;
  int needs_b = needs_a && p->dist != HFS_DIST_DIRICHLET;
  if (needs_a && isnan(a))
    BAD("%s: distribution %s needs dist_a", p->name, hfs_dist_name(p->dist));
  if (needs_b && isnan(b))
    BAD("%s: distribution %s needs dist_b", p->name, hfs_dist_name(p->dist));
  if (!needs_a && !isnan(a))
    BAD("%s: distribution fixed takes no dist_a", p->name);
  if (!needs_b && !isnan(b))
    BAD("%s: distribution %s takes no dist_b", p->name, hfs_dist_name(p->dist));
  if (!ok)
    return 0;
  int bounded01 = kind == HFS_KIND_PROBABILITY || kind == HFS_KIND_DECREMENT;
  int nonneg = kind == HFS_KIND_RATE || kind == HFS_KIND_COST ||
               kind == HFS_KIND_DURATION || kind == HFS_KIND_POSITIVE ||
               kind == HFS_KIND_MULTIPLIER;
  /* Whether the parameters are possible: the same fit the PSA uses. */
  hfs_dist_fitted fitted;
  char why[256];
  if (hfs_dist_fit(p->dist, a, b, p->low, p->high, p->value, &fitted, why,
                   sizeof why) != HFS_OK)
    BAD("%s: %s", p->name, why);
  if (p->dist == HFS_DIST_NORMAL && (bounded01 || nonneg))
    BAD("%s: a normal distribution can leave the admissible range of "
        "this parameter; use truncnormal, beta or gamma",
        p->name);
  if (p->dist == HFS_DIST_TRUNCNORMAL && (isnan(p->low) || isnan(p->high)))
    BAD("%s: truncnormal is truncated to [low, high]; both are needed",
        p->name);
  if (p->dist == HFS_DIST_DIRICHLET && p->group[0] == '\0')
    BAD("%s: dirichlet needs a group name in column 'group'", p->name);
  /* Support of the distribution against the kind's range. */
  if (ok && bounded01 &&
      (p->dist == HFS_DIST_GAMMA || p->dist == HFS_DIST_GAMMA_MEAN_SD ||
       p->dist == HFS_DIST_LOGNORMAL || p->dist == HFS_DIST_LOGNORMAL_MEAN_SD))
    BAD("%s: %s can draw values above 1 for a parameter that %s; use beta",
        p->name, hfs_dist_name(p->dist), hfs_param_kind_range_text(kind));
  if (ok && (p->dist == HFS_DIST_UNIFORM || p->dist == HFS_DIST_TRIANGULAR) &&
      (!hfs_param_kind_admits(kind, a) || !hfs_param_kind_admits(kind, b)))
    BAD("%s: the %s bounds [%g, %g] leave the admissible range: it %s", p->name,
        hfs_dist_name(p->dist), a, b, hfs_param_kind_range_text(kind));
#undef BAD
  return ok;
}

const hfs_param_spec *hfs_param_spec_find(const hfs_param_spec *specs,
                                          size_t n_specs, const char *name)
{
  const hfs_param_spec *spec = NULL;
  for (size_t j = 0; j < n_specs; j++) /* (the last one, as before) */
    if (strcmp(specs[j].name, name) == 0)
      spec = &specs[j];
  return spec;
}

hfs_status hfs_param_table_check(const hfs_param_table *t,
                                 const hfs_param_spec *specs, size_t n_specs,
                                 const char *currency, hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  const char *table_path = t->path ? t->path : "parameters";
  for (size_t i = 0; i < t->count; i++) {
    const hfs_param *p = &t->items[i];
    /* a value set with --set is reported against that option */
    const char *path = p->origin ? p->origin : table_path;
    const hfs_param_spec *spec = hfs_param_spec_find(specs, n_specs, p->name);
    if (spec == NULL) {
      const char *s =
          hfs_closest_name_strided(p->name, specs, n_specs, sizeof *specs,
                                   offsetof(hfs_param_spec, name));
      hfs_diag_error(d, path, p->line, "unknown parameter '%s'%s%s%s", p->name,
                     s ? " (did you mean '" : "", s ? s : "",
                     s ? "'?)" : " (this model does not use it)");
      continue;
    }
    /* the value as read back exactly (%g showed 1.0000001 as 1, which
     * seemed to meet the rule it broke) */
    char vbuf[40], lbuf[40], hbuf[40];
    if (!hfs_param_kind_admits(spec->kind, p->value))
      hfs_diag_error(d, path, p->line, "'%s' %s, got %s", p->name,
                     hfs_param_kind_range_text(spec->kind),
                     hfs_format_double(vbuf, sizeof vbuf, p->value));
    if (isnan(p->low) != isnan(p->high))
      hfs_diag_error(d, path, p->line, "%s: give both low and high, or neither",
                     p->name);
    if (!isnan(p->low) && !isnan(p->high)) {
      if (!hfs_param_kind_admits(spec->kind, p->low) ||
          !hfs_param_kind_admits(spec->kind, p->high))
        hfs_diag_error(d, path, p->line,
                       "%s: range [%s, %s] leaves the admissible range: it %s",
                       p->name, hfs_format_double(lbuf, sizeof lbuf, p->low),
                       hfs_format_double(hbuf, sizeof hbuf, p->high),
                       hfs_param_kind_range_text(spec->kind));
    }
    const char *unit = spec->unit;
    int is_money = strcmp(unit, "currency") == 0;
    if (is_money && currency != NULL)
      unit = currency;
    /* (no currency: the scenario's currency is invalid and reported there;
     * comparing would only repeat that error on every cost row) */
    if (!(is_money && currency == NULL) && strcmp(p->unit, unit) != 0)
      hfs_diag_error(d, path, p->line, "%s: unit must be '%s'%s, got '%s'",
                     p->name, unit,
                     unit == currency ? " (the scenario's currency)"
                                      : " (the model reads it so)",
                     p->unit);
    check_distribution(p, spec->kind, path, d);
  }
  for (size_t j = 0; j < n_specs; j++)
    if (hfs_param_find(t, specs[j].name) == NULL)
      hfs_diag_error(d, table_path, 0, "missing parameter '%s' (unit %s)",
                     specs[j].name, specs[j].unit);

  /* Dirichlet groups: members share the distribution, values sum to 1.
   * A group with a single member is almost always a misspelt group name,
   * which also leaves its real group short: report that root cause first
   * (with the closest group), then what it causes. */
  const char *path = table_path;
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < t->count; i++) {
      const hfs_param *p = &t->items[i];
      if (p->group[0] == '\0')
        continue;
      int first = 1;
      for (size_t k = 0; k < i; k++)
        if (strcmp(t->items[k].group, p->group) == 0)
          first = 0;
      if (!first)
        continue;
      double sum = 0.0;
      size_t members = 0;
      for (size_t k = i; k < t->count; k++) {
        const hfs_param *q = &t->items[k];
        if (strcmp(q->group, p->group) != 0)
          continue;
        members++;
        sum += q->value;
        if (pass == 1 && q->dist != HFS_DIST_DIRICHLET)
          hfs_diag_error(d, path, q->line,
                         "%s: member of group '%s' must have distribution "
                         "dirichlet, got %s",
                         q->name, p->group, hfs_dist_name(q->dist));
      }
      if (pass == 0 && members < 2) {
        const char *sug = NULL;
        size_t best = (size_t)-1;
        for (size_t k = 0; k < t->count; k++) {
          const char *g = t->items[k].group;
          if (g[0] == '\0' || strcmp(g, p->group) == 0)
            continue;
          size_t dist = hfs_edit_distance(p->group, g);
          if (dist < best) {
            best = dist;
            sug = g;
          }
        }
        if (sug != NULL && best > strlen(p->group) / 3 + 1)
          sug = NULL;
        hfs_diag_error(d, path, p->line,
                       "group '%s' has a single member%s%s%s; a Dirichlet "
                       "group needs at least two",
                       p->group, sug ? " (did you mean '" : "",
                       sug ? sug : "", sug ? "'?)" : "");
      }
      if (pass == 1 && members >= 2 && fabs(sum - 1.0) > 1e-6)
        hfs_diag_error(d, path, p->line,
                       "values of Dirichlet group '%s' must sum to 1, got %.9g "
                       "(with --set, set every member)",
                       p->group, sum);
    }
  return hfs_diag_count(d) > before ? HFS_ERR_INPUT : HFS_OK;
}

void hfs_param_table_bind(const hfs_param_table *t, const hfs_param_spec *specs,
                          size_t n_specs, void *out)
{
  for (size_t j = 0; j < n_specs; j++) {
    const hfs_param *p = hfs_param_find(t, specs[j].name);
    double v = p ? p->value : HFS_NAN;
    memcpy((char *)out + specs[j].offset, &v, sizeof v);
  }
}

hfs_status hfs_param_table_copy(hfs_param_table *dst,
                                const hfs_param_table *src)
{
  hfs_param_table_init(dst);
  dst->items = calloc(src->count ? src->count : 1, sizeof *dst->items);
  dst->path = src->path ? hfs_strdup(src->path) : NULL;
  if (dst->items == NULL || (src->path && dst->path == NULL)) {
    hfs_param_table_free(dst);
    return HFS_ERR_NOMEM;
  }
  for (size_t i = 0; i < src->count; i++) {
    const hfs_param *s = &src->items[i];
    hfs_param *p = &dst->items[i];
    *p = *s;
    p->name = hfs_strdup(s->name);
    p->group = hfs_strdup(s->group);
    p->unit = hfs_strdup(s->unit);
    p->evidence = hfs_strdup(s->evidence);
    p->description = hfs_strdup(s->description);
    p->source = hfs_strdup(s->source);
    p->origin = s->origin ? hfs_strdup(s->origin) : NULL;
    dst->count = i + 1;
    if (!p->name || !p->group || !p->unit || !p->evidence || !p->description ||
        !p->source) {
      hfs_param_table_free(dst);
      return HFS_ERR_NOMEM;
    }
  }
  return HFS_OK;
}
