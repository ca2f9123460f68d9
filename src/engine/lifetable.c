/*
 * lifetable.c - read a period life table and draw times of death
 * (see lifetable.h; MODEL.md section 7).
 */
#include "hfsim/mathx.h"
#include "hfsim/lifetable.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hfsim/csvread.h"
#include "hfsim/params.h"

#define MAX_AGE 130

void hfs_life_table_init(hfs_life_table *lt)
{
  memset(lt, 0, sizeof *lt);
}

void hfs_life_table_free(hfs_life_table *lt)
{
  free(lt->hazard[0]);
  free(lt->hazard[1]);
  free(lt->cumulative[0]);
  free(lt->cumulative[1]);
  free(lt->path);
  hfs_life_table_init(lt);
}

typedef struct lt_read {
  const char *path;
  hfs_diag *d;
  int have_header;
  int col_age, col_sex, col_qx;
  size_t n_header;
  double qx[2][MAX_AGE + 1];
  long line[2][MAX_AGE + 1];  /* 0 = not seen */
  char rejected[MAX_AGE + 1]; /* a row for this age was reported already */
} lt_read;

static int lt_row(void *user, const hfs_csv_row *row)
{
  lt_read *r = user;
  if (!r->have_header) {
    r->have_header = 1;
    r->col_age = r->col_sex = r->col_qx = -1;
    for (size_t i = 0; i < row->n_fields; i++) {
      if (strcmp(row->fields[i], "age") == 0)
        r->col_age = (int)i;
      else if (strcmp(row->fields[i], "sex") == 0)
        r->col_sex = (int)i;
      else if (strcmp(row->fields[i], "qx") == 0)
        r->col_qx = (int)i;
      else
        hfs_diag_error(r->d, r->path, row->line,
                       "unknown column '%s' (expected age,sex,qx)",
                       row->fields[i]);
    }
    r->n_header = row->n_fields;
    if (r->col_age < 0 || r->col_sex < 0 || r->col_qx < 0) {
      hfs_diag_error(r->d, r->path, row->line,
                     "header must have the columns age,sex,qx");
      return 1;
    }
    return 0;
  }
  if (row->n_fields != r->n_header) {
    hfs_diag_error(r->d, r->path, row->line,
                   "expected %zu fields as in the header, got %zu", r->n_header,
                   row->n_fields);
    return 0;
  }
  const char *as = row->fields[r->col_age], *ss = row->fields[r->col_sex],
             *qs = row->fields[r->col_qx];
  double age, qx;
  int ok = 1, sex = -1;
  if (hfs_parse_double(as, &age) != 0 || age != floor(age) || age < 0 ||
      age > MAX_AGE) {
    hfs_diag_error(r->d, r->path, row->line,
                   "age must be a whole number from 0 to %d, got '%s'", MAX_AGE,
                   as);
    ok = 0;
  }
  if (strcmp(ss, "female") == 0)
    sex = HFS_SEX_FEMALE;
  else if (strcmp(ss, "male") == 0)
    sex = HFS_SEX_MALE;
  else {
    hfs_diag_error(r->d, r->path, row->line,
                   "sex must be 'female' or 'male', got '%s'", ss);
    ok = 0;
  }
  if (hfs_parse_double(qs, &qx) != 0 || qx < 0 || qx > 1) {
    hfs_diag_error(r->d, r->path, row->line,
                   "qx is a probability and must be in [0, 1], got '%s'", qs);
    ok = 0;
  }
  if (!ok) {
    /* Its age, if readable, is not a gap: the row itself was reported. */
    if (hfs_parse_double(as, &age) == 0 && age == floor(age) && age >= 0 &&
        age <= MAX_AGE)
      r->rejected[(int)age] = 1;
    return 0;
  }
  int a = (int)age;
  if (r->line[sex][a] != 0) {
    hfs_diag_error(r->d, r->path, row->line,
                   "age %d (%s) appears twice (first at line %ld)", a, ss,
                   r->line[sex][a]);
    return 0;
  }
  r->line[sex][a] = row->line;
  r->qx[sex][a] = qx;
  return 0;
}

hfs_status hfs_life_table_read(hfs_life_table *lt, const char *path,
                               hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  lt_read *r = calloc(1, sizeof *r);
  if (r == NULL)
    return HFS_ERR_NOMEM;
  r->path = path;
  r->d = d;
  hfs_status st = hfs_csv_read(path, lt_row, r, d);
  if (st == HFS_ERR_IO || st == HFS_ERR_NOMEM) {
    free(r);
    return st;
  }
  /* Contiguous ages, same range for both sexes. */
  int lo = -1, hi = -1;
  for (int a = 0; a <= MAX_AGE; a++)
    if (r->line[0][a] || r->line[1][a]) {
      if (lo < 0)
        lo = a;
      hi = a;
    }
  if (lo < 0 && st == HFS_OK) {
    hfs_diag_error(d, path, 0, "no data rows");
  } else if (lo >= 0) {
    static const char *const sex_name[2] = {"female", "male"};
    for (int s = 0; s < 2; s++)
      for (int a = lo; a <= hi; a++) {
        if (r->line[s][a] || r->rejected[a])
          continue;
        int b = a; /* report a run of missing ages as one range */
        while (b + 1 <= hi && !r->line[s][b + 1] && !r->rejected[b + 1])
          b++;
        if (a == b)
          hfs_diag_error(d, path, 0,
                         "gap in the life table: no row for age %d, %s "
                         "(ages must run from %d to %d for both sexes)",
                         a, sex_name[s], lo, hi);
        else
          hfs_diag_error(d, path, 0,
                         "gap in the life table: no rows for ages %d-%d, %s "
                         "(ages must run from %d to %d for both sexes)",
                         a, b, sex_name[s], lo, hi);
        a = b;
      }
    /* qx = 1 is certain death within the year: an infinite hazard. It is
     * accepted at the last age only (the table's closing row, as many
     * published tables end), where it means death at exactly that age
     * for everyone who reaches it. Before the last age it would make the
     * later rows meaningless (and once made everyone past it immortal). */
    for (int s = 0; s < 2; s++)
      for (int a = lo; a < hi; a++)
        if (r->line[s][a] && r->qx[s][a] >= 1.0)
          hfs_diag_error(d, path, r->line[s][a],
                         "qx = 1 at age %d (%s) before the last age of the "
                         "table (%d): certain death is allowed only in the "
                         "last row; give the probability of dying at this "
                         "age (< 1)",
                         a, sex_name[s], hi);
  }
  if (hfs_diag_count(d) > before) {
    free(r);
    return HFS_ERR_INPUT;
  }
  lt->age_min = lo;
  lt->age_max = hi;
  lt->path = hfs_strdup(path);
  for (int s = 0; s < 2; s++) {
    lt->hazard[s] = malloc((size_t)(hi - lo + 1) * sizeof(double));
    lt->cumulative[s] = malloc((size_t)(hi - lo + 2) * sizeof(double));
    if (lt->hazard[s] == NULL || lt->cumulative[s] == NULL ||
        lt->path == NULL) {
      free(r);
      hfs_life_table_free(lt);
      return HFS_ERR_NOMEM;
    }
    for (int a = lo; a <= hi; a++)
      lt->hazard[s][a - lo] =
          r->qx[s][a] >= 1.0 ? HFS_INF : -log1p(-r->qx[s][a]);
    lt->cumulative[s][0] = 0.0;
    for (int a = lo; a <= hi; a++)
      lt->cumulative[s][a - lo + 1] =
          lt->cumulative[s][a - lo] + lt->hazard[s][a - lo];
  }
  free(r);
  return HFS_OK;
}

static double hazard_at(const hfs_life_table *lt, int sex, int age)
{
  if (age > lt->age_max)
    age = lt->age_max;
  if (age < lt->age_min)
    age = lt->age_min;
  return lt->hazard[sex][age - lt->age_min];
}

/* Cumulative hazard from age_min to AGE (piecewise linear in age). */
static double cumulative_at(const hfs_life_table *lt, int sex, double age)
{
  if (age <= lt->age_min)
    return 0.0;
  if (age >= lt->age_max + 1) {
    /* (no 0 * inf when the last qx is 1 and AGE is its end) */
    double beyond = age - (lt->age_max + 1);
    return lt->cumulative[sex][lt->age_max - lt->age_min + 1] +
           (beyond > 0 ? beyond * hazard_at(lt, sex, lt->age_max) : 0.0);
  }
  int year = (int)floor(age);
  return lt->cumulative[sex][year - lt->age_min] +
         (age - year) * lt->hazard[sex][year - lt->age_min];
}

double hfs_life_table_time_to_death(const hfs_life_table *lt, int sex,
                                    double age_years, double u,
                                    double limit_age_years)
{
  /* Find the age where the cumulative hazard has grown by -ln(u): locate
   * the year of age in the cumulative table by bisection, then solve
   * linearly within it (the hazard is constant there). */
  double start = cumulative_at(lt, sex, age_years);
  if (isinf(start)) /* at or past an age with qx = 1: death now */
    return 0.0;
  double target = start - log(u);
  if (target >= cumulative_at(lt, sex, limit_age_years))
    return HFS_INF;
  int n = lt->age_max - lt->age_min + 1;
  const double *cum = lt->cumulative[sex];
  double age;
  if (target >= cum[n]) {
    age = lt->age_max + 1 + (target - cum[n]) / hazard_at(lt, sex, lt->age_max);
  } else {
    int lo = 0, hi = n; /* cum[lo] <= target < cum[hi] */
    while (hi - lo > 1) {
      int mid = (lo + hi) / 2;
      if (cum[mid] <= target)
        lo = mid;
      else
        hi = mid;
    }
    age = lt->age_min + lo + (target - cum[lo]) / lt->hazard[sex][lo];
  }
  double t = age - age_years;
  return t > 0.0 ? t : 0.0;
}

double hfs_life_table_survival(const hfs_life_table *lt, int sex,
                               double age_years, double t_years)
{
  double cum = 0.0, age = age_years, end = age_years + t_years;
  while (age < end) {
    int year = (int)floor(age);
    double next = fmin((double)year + 1.0, end);
    cum += hazard_at(lt, sex, year) * (next - age);
    age = next;
  }
  return exp(-cum);
}
