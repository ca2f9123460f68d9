/*
 * check_csv.c - checks the result files of hfsim's economic analyses from
 * the outside: reads the CSV files a command wrote and recomputes what can
 * be recomputed from them (and from patients.csv, psa.csv or the parameter
 * table) without using hfsim's code. Used by tests/analyses_cli.cmake
 * through tests/cli/check_outputs.cmake.
 *
 *   check_csv cea DIR [NAME=STATUS[:COMPARATOR]]...
 *       cea.csv against summary.csv (and patients.csv when present): order,
 *       dominance and extended dominance (recomputed by brute force: the
 *       frontier is the lower convex hull), comparators, increments, ICERs,
 *       NMB/NHB, one optimal strategy per WTP with the highest NMB, and the
 *       standard errors against the per-patient values.
 *   check_csv summary DIR
 *       every mean in summary.csv and summary_subgroups.csv has its
 *       standard error; the levels of each subgroup dimension add up to the
 *       cohort and their weighted means to the overall mean.
 *   check_csv target-se DIR X START MAX WTP
 *       `run --target-se X`: from patients.csv, the standard error of the
 *       incremental NMB between the two best strategies at WTP is <= X (or
 *       the run reached MAX patients), the cohort is START doubled k times,
 *       and the round before did not meet the target.
 *   check_csv psa DIR TABLE K POPULATION
 *       psa_parameters.csv (sample means within 4.5 standard errors of the
 *       table's distribution means, Dirichlet rows sum to 1), psa.csv,
 *       psa_summary.csv, ceac.csv (recomputed; sums to 1; one frontier
 *       strategy per WTP), evpi.csv (recomputed, >= 0) and evppi.csv
 *       (0 <= EVPPI <= EVPI).
 *   check_csv owsa DIR TABLE [--run SIDE PARAM RUNDIR]...
 *       owsa.csv: one row per strategy and ranged parameter, sorted by swing
 *       within strategy, swing = |nmb_high - nmb_low|, values from the
 *       table, NMB and ICERs recomputed; SIDE low|high|base: that variant
 *       equals `hfsim run` RUNDIR bit for bit.
 *   check_csv twsa DIR TABLE A B STEPS [--invariant S1,S2,...]
 *       twsa.csv: STEPS^2 x strategies rows, the grid from the table's
 *       ranges, exactly one optimal strategy per grid point (the highest
 *       NMB); the listed strategies do not depend on parameter A.
 *   check_csv scenarios DIR NAME... [--same-as-run NAME RUNDIR]
 *       scenarios.csv: one block per scenario in the order given (base
 *       first), each a correct incremental analysis with one optimal
 *       strategy; block NAME equals `hfsim run` RUNDIR bit for bit.
 *   check_csv se-columns FILE COLUMN...
 *       each COLUMN has a standard error column (X_mean -> X_se, else X_se).
 *   check_csv interrupt CHECKPOINT N PROGRAM ARG...
 *       run PROGRAM, send SIGINT once CHECKPOINT holds N iterations, and
 *       expect exit code 130 (interrupted).
 *
 * Exit code 0 when every check passes, 1 when one fails, 2 on bad usage or
 * an unreadable file. Plain C11 + POSIX, no hfsim code.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NaN ((double)NAN)

/* A checking tool that exits at once: under AddressSanitizer (HFS_SANITIZE)
 * report memory errors but not the tables it never frees. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
  return "detect_leaks=0";
}

/* ---- reporting ---------------------------------------------------------- */

static unsigned long n_checks, n_failures;

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
  n_failures++;
  if (n_failures > 40)
    return;
  va_list ap;
  va_start(ap, fmt);
  fputs("check_csv: FAIL: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (n_failures == 40)
    fputs("check_csv: (further failures not shown)\n", stderr);
}

__attribute__((format(printf, 1, 2), noreturn)) static void
fatal(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("check_csv: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

#define CHECK(cond, ...) \
  do {                   \
    n_checks++;          \
    if (!(cond))         \
      fail(__VA_ARGS__); \
  } while (0)

static void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (p == NULL)
    fatal("out of memory");
  return p;
}

static void *xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (p == NULL)
    fatal("out of memory");
  return p;
}

static char *xstrdup(const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = xmalloc(n);
  memcpy(p, s, n);
  return p;
}

/* |a - b| <= rel * max(|a|, |b|) + abs_tol; two NANs (empty cells) agree */
static int near(double a, double b, double rel, double abs_tol)
{
  if (isnan(a) || isnan(b))
    return isnan(a) && isnan(b);
  return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + abs_tol;
}

static int same(double a, double b)
{
  return a == b || (isnan(a) && isnan(b));
}

/* ---- CSV (RFC 4180) ------------------------------------------------------ */

typedef struct csv {
  char *path;
  size_t nrows, ncols; /* data rows; columns of the header */
  char **head;         /* [ncols] */
  char **cells;        /* [row * ncols + col] */
} csv;

static char *read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = xmalloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0)
      buf = xrealloc(buf, cap *= 2);
  }
  fclose(f);
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

static int file_exists(const char *path)
{
  FILE *f = fopen(path, "r");
  if (f)
    fclose(f);
  return f != NULL;
}

/* Read PATH; with COMMENTS, records starting with '#' are skipped. */
static void csv_read(csv *t, const char *path, int comments)
{
  size_t len;
  char *text = read_file(path, &len);
  if (text == NULL)
    fatal("cannot read %s: %s", path, strerror(errno));
  memset(t, 0, sizeof *t);
  t->path = xstrdup(path);
  char **fields = NULL;
  size_t nf = 0, capf = 0, rec_fields = 0, nrec = 0;
  char *field = xmalloc(64);
  size_t fl = 0, capl = 64;
  size_t i = 0;
  while (i < len) {
    /* one record */
    if (comments && text[i] == '#') {
      while (i < len && text[i] != '\n')
        i++;
      i++;
      continue;
    }
    if (text[i] == '\n' ||
        (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')) {
      i += text[i] == '\r' ? 2 : 1; /* blank line */
      continue;
    }
    rec_fields = 0;
    for (;;) {
      fl = 0;
      int quoted = 0;
      if (i < len && text[i] == '"') {
        quoted = 1;
        i++;
      }
      for (; i < len; i++) {
        char c = text[i];
        if (quoted) {
          if (c == '"') {
            if (i + 1 < len && text[i + 1] == '"') {
              i++;
            } else {
              quoted = 0;
              continue;
            }
          }
        } else if (c == ',' || c == '\n' || c == '\r') {
          break;
        }
        if (fl + 2 > capl)
          field = xrealloc(field, capl *= 2);
        field[fl++] = c;
      }
      field[fl] = '\0';
      if (nf == capf)
        fields =
            xrealloc(fields, (capf = capf ? 2 * capf : 1024) * sizeof *fields);
      fields[nf++] = xstrdup(field);
      rec_fields++;
      if (i < len && text[i] == ',') {
        i++;
        continue;
      }
      if (i < len && text[i] == '\r')
        i++;
      if (i < len && text[i] == '\n')
        i++;
      break;
    }
    if (nrec == 0)
      t->ncols = rec_fields;
    else if (rec_fields != t->ncols)
      fatal("%s: record %zu has %zu fields, the header %zu", path, nrec + 1,
            rec_fields, t->ncols);
    nrec++;
  }
  free(field);
  free(text);
  if (nrec == 0)
    fatal("%s is empty", path);
  t->head = fields;
  t->cells = fields + t->ncols;
  t->nrows = nrec - 1;
}

static int csv_col(const csv *t, const char *name)
{
  for (size_t c = 0; c < t->ncols; c++)
    if (strcmp(t->head[c], name) == 0)
      return (int)c;
  return -1;
}

static int need_col(const csv *t, const char *name)
{
  int c = csv_col(t, name);
  if (c < 0)
    fatal("%s has no column '%s'", t->path, name);
  return c;
}

static const char *cell(const csv *t, size_t row, int col)
{
  return t->cells[row * t->ncols + (size_t)col];
}

/* The number in a cell; NAN for an empty cell. */
static double num(const csv *t, size_t row, int col)
{
  const char *s = cell(t, row, col);
  if (*s == '\0')
    return NaN;
  char *end;
  double v = strtod(s, &end);
  if (*end != '\0') {
    fail("%s row %zu column %s: '%s' is not a number", t->path, row + 2,
         t->head[col], s);
    return NaN;
  }
  return v;
}

static char *join(const char *dir, const char *name)
{
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = xmalloc(n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* ---- statistics ---------------------------------------------------------- */

static double mean_of(const double *x, size_t n)
{
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += x[i];
  return s / (double)n;
}

/* Standard error of the mean, two passes. */
static double se_of(const double *x, size_t n)
{
  if (n < 2)
    return 0;
  double m = mean_of(x, n), v = 0;
  for (size_t i = 0; i < n; i++)
    v += (x[i] - m) * (x[i] - m);
  return sqrt(v / (double)(n - 1) / (double)n);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Quantile P of X[0..n) (R's type 7); sorts X. */
static double quantile7(double *x, size_t n, double p)
{
  qsort(x, n, sizeof *x, cmp_double);
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= n)
    return x[n - 1];
  return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

static double Phi(double x)
{
  return 0.5 * erfc(-x / sqrt(2.0));
}
static double phi(double x)
{
  return exp(-0.5 * x * x) / 2.5066282746310002; /* sqrt(2 pi) */
}

/* ---- the parameter table ------------------------------------------------- */

typedef struct param {
  char *name, *dist, *group;
  char *value_text, *low_text, *high_text;
  double value, low, high, a, b;
} param;

typedef struct table {
  param *p;
  size_t n;
} table;

static double parse_or_nan(const char *s)
{
  return *s ? strtod(s, NULL) : NaN;
}

static void table_read(table *t, const char *path)
{
  csv c;
  csv_read(&c, path, 1);
  int cn = need_col(&c, "name"), cv = need_col(&c, "value"),
      cl = need_col(&c, "low"), ch = need_col(&c, "high"),
      cd = need_col(&c, "distribution"), ca = need_col(&c, "dist_a"),
      cb = need_col(&c, "dist_b"), cg = need_col(&c, "group");
  t->n = c.nrows;
  t->p = xmalloc(t->n * sizeof *t->p);
  for (size_t i = 0; i < c.nrows; i++) {
    param *p = &t->p[i];
    p->name = xstrdup(cell(&c, i, cn));
    p->dist = xstrdup(cell(&c, i, cd));
    p->group = xstrdup(cell(&c, i, cg));
    p->value_text = xstrdup(cell(&c, i, cv));
    p->low_text = xstrdup(cell(&c, i, cl));
    p->high_text = xstrdup(cell(&c, i, ch));
    p->value = parse_or_nan(p->value_text);
    p->low = parse_or_nan(p->low_text);
    p->high = parse_or_nan(p->high_text);
    p->a = parse_or_nan(cell(&c, i, ca));
    p->b = parse_or_nan(cell(&c, i, cb));
  }
}

static const param *table_find(const table *t, const char *name)
{
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->p[i].name, name) == 0)
      return &t->p[i];
  return NULL;
}

/* Mean and sd of P's distribution, from the textbook formulas (params.h
 * gives the meaning of dist_a and dist_b). Returns 0 when unknown. */
static int moments(const table *t, const param *p, double *mean, double *sd)
{
  const char *d = p->dist;
  double a = p->a, b = p->b;
  if (!strcmp(d, "beta")) {
    double n = a + b;
    *mean = a / n;
    *sd = sqrt(a * b / (n * n * (n + 1)));
  } else if (!strcmp(d, "beta_mean_sd") || !strcmp(d, "gamma_mean_sd") ||
             !strcmp(d, "lognormal_mean_sd") || !strcmp(d, "normal")) {
    *mean = a;
    *sd = b;
  } else if (!strcmp(d, "gamma")) {
    *mean = a * b;
    *sd = sqrt(a) * b;
  } else if (!strcmp(d, "lognormal")) {
    *mean = exp(a + 0.5 * b * b);
    *sd = sqrt(expm1(b * b)) * *mean;
  } else if (!strcmp(d, "truncnormal")) {
    double al = (p->low - a) / b, be = (p->high - a) / b;
    double z = Phi(be) - Phi(al);
    double r = (phi(al) - phi(be)) / z;
    *mean = a + b * r;
    *sd = b * sqrt(1 + (al * phi(al) - be * phi(be)) / z - r * r);
  } else if (!strcmp(d, "uniform")) {
    *mean = 0.5 * (a + b);
    *sd = (b - a) / sqrt(12.0);
  } else if (!strcmp(d, "triangular")) {
    double c = p->value;
    *mean = (a + b + c) / 3;
    *sd = sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18);
  } else if (!strcmp(d, "dirichlet")) {
    double total = 0;
    for (size_t j = 0; j < t->n; j++)
      if (!strcmp(t->p[j].dist, "dirichlet") &&
          !strcmp(t->p[j].group, p->group))
        total += t->p[j].a;
    *mean = a / total;
    *sd = sqrt(a * (total - a) / (total * total * (total + 1)));
  } else {
    return 0;
  }
  return 1;
}

/* ---- strategies -----------------------------------------------------------
 */

/* The strategy names of a run folder, in the scenario's order: the
 * "strategies:" line of manifest.txt. */
typedef struct names {
  char **v;
  size_t n;
} names;

static void manifest_strategies(names *out, const char *dir)
{
  char *path = join(dir, "manifest.txt");
  char *text = read_file(path, NULL);
  if (text == NULL)
    fatal("cannot read %s", path);
  char *line = strstr(text, "\nstrategies:");
  if (line == NULL)
    fatal("%s has no strategies line", path);
  line += 12;
  char *eol = strchr(line, '\n');
  if (eol)
    *eol = '\0';
  out->v = xmalloc(64 * sizeof *out->v);
  out->n = 0;
  for (char *save = NULL, *tok = strtok_r(line, " ", &save); tok && out->n < 64;
       tok = strtok_r(NULL, " ", &save))
    out->v[out->n++] = xstrdup(tok);
  free(text);
  free(path);
}

static int name_index(const names *s, const char *name)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->v[i], name) == 0)
      return (int)i;
  return -1;
}

/* ---- incremental analysis, recomputed ---------------------------------- */

enum { FRONTIER, DOMINATED, EXT_DOMINATED };
static const char *const status_name[] = {"frontier", "dominated",
                                          "extendedly_dominated"};

/* Does (cj, qj) of input index J strictly dominate (ci, qi) of I? Equal
 * points: the lower input index is kept (cea.h). */
static int dominates(double cj, double qj, int j, double ci, double qi, int i)
{
  if (cj == ci && qj == qi)
    return j < i;
  return cj <= ci && qj >= qi;
}

/* Brute force: strictly dominated by any other strategy; else extendedly
 * dominated when a pair of non-dominated strategies around it in cost has
 * a chord below it (the frontier is the lower convex hull in the
 * QALY-cost plane); collinear (relative 1e-9) stays on the frontier.
 * Comparators as in cea.h. */
static void classify(const double *c, const double *q, const int *input,
                     size_t n, int *status, long *comp)
{
  for (size_t i = 0; i < n; i++) {
    status[i] = FRONTIER;
    comp[i] = -1;
    for (size_t j = 0; j < n; j++) {
      if (j == i || !dominates(c[j], q[j], input[j], c[i], q[i], input[i]))
        continue;
      status[i] = DOMINATED;
      long k = comp[i];
      if (k < 0 || c[j] < c[k] || (c[j] == c[k] && q[j] > q[k]) ||
          (c[j] == c[k] && q[j] == q[k] && input[j] < input[k]))
        comp[i] = (long)j;
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (status[i] == DOMINATED)
      continue;
    for (size_t j = 0; j < n && status[i] == FRONTIER; j++)
      for (size_t k = 0; k < n; k++) {
        if (status[j] == DOMINATED || status[k] == DOMINATED || j == i ||
            k == i || !(c[j] < c[i] && c[i] < c[k]))
          continue;
        double left = (c[i] - c[j]) / (q[i] - q[j]);
        double right = (c[k] - c[i]) / (q[k] - q[i]);
        if (left > right && !near(left, right, 1e-9, 0)) {
          status[i] = EXT_DOMINATED;
          break;
        }
      }
  }
  /* comparators of frontier and extendedly dominated strategies: the next
   * less costly frontier strategy */
  for (size_t i = 0; i < n; i++) {
    if (status[i] == DOMINATED)
      continue;
    for (size_t j = 0; j < n; j++)
      if (status[j] == FRONTIER && c[j] < c[i] &&
          (comp[i] < 0 || c[j] > c[comp[i]]))
        comp[i] = (long)j;
  }
}

typedef struct cea_row {
  const char *name;
  int input;
  double cost, qaly, inc_cost, inc_qaly, icer;
  const char *status, *comparator;
} cea_row;

/* One incremental analysis (a WTP of cea.csv, a block of scenarios.csv). */
static void check_cea_block(const char *label, const cea_row *r, size_t n,
                            int has_increments)
{
  for (size_t i = 1; i < n; i++) {
    const cea_row *a = &r[i - 1], *b = &r[i];
    CHECK(a->cost < b->cost || (a->cost == b->cost &&
                                (a->qaly > b->qaly ||
                                 (a->qaly == b->qaly && a->input < b->input))),
          "%s: %s before %s is not by cost, then QALYs descending, then "
          "input order",
          label, a->name, b->name);
  }
  double *c = xmalloc(n * sizeof *c), *q = xmalloc(n * sizeof *q);
  int *input = xmalloc(n * sizeof *input), *st = xmalloc(n * sizeof *st);
  long *comp = xmalloc(n * sizeof *comp);
  for (size_t i = 0; i < n; i++) {
    c[i] = r[i].cost;
    q[i] = r[i].qaly;
    input[i] = r[i].input;
  }
  classify(c, q, input, n, st, comp);
  for (size_t i = 0; i < n; i++) {
    const cea_row *x = &r[i];
    CHECK(!strcmp(x->status, status_name[st[i]]), "%s: %s is %s, recomputed %s",
          label, x->name, x->status, status_name[st[i]]);
    const char *want = comp[i] >= 0 ? r[comp[i]].name : "";
    CHECK(!strcmp(x->comparator, want),
          "%s: %s has comparator '%s', "
          "recomputed '%s'",
          label, x->name, x->comparator, want);
    double dc = comp[i] >= 0 ? x->cost - r[comp[i]].cost : NaN;
    double dq = comp[i] >= 0 ? x->qaly - r[comp[i]].qaly : NaN;
    if (has_increments) {
      CHECK(same(x->inc_cost, dc),
            "%s: %s incremental_cost %.17g, "
            "recomputed %.17g",
            label, x->name, x->inc_cost, dc);
      CHECK(same(x->inc_qaly, dq),
            "%s: %s incremental_qaly %.17g, "
            "recomputed %.17g",
            label, x->name, x->inc_qaly, dq);
    }
    double icer = st[i] == FRONTIER && comp[i] >= 0 ? dc / dq : NaN;
    CHECK(near(x->icer, icer, 1e-12, 0),
          "%s: %s icer %.17g, recomputed "
          "%.17g",
          label, x->name, x->icer, icer);
    if (st[i] == FRONTIER && comp[i] >= 0)
      CHECK(dc > 0 && dq > 0 && x->icer > 0,
            "%s: %s on the frontier without positive increments", label,
            x->name);
  }
  free(c);
  free(q);
  free(input);
  free(st);
  free(comp);
}

/* Exactly one "yes" among N rows; it has the highest NMB (ties: lower
 * cost) and is on the frontier. */
static void check_optimal(const char *label, const cea_row *r,
                          const double *nmb, const char *const *optimal,
                          size_t n, double wtp)
{
  size_t yes = 0, best = 0;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(optimal[i], "yes")) {
      yes++;
      best = i;
    } else {
      CHECK(!strcmp(optimal[i], "no"), "%s: optimal is '%s'", label,
            optimal[i]);
    }
  CHECK(yes == 1, "%s: %zu strategies marked optimal", label, yes);
  if (yes != 1)
    return;
  for (size_t i = 0; i < n; i++) {
    double tol = 1e-12 * (fabs(wtp * r[i].qaly) + fabs(r[i].cost) +
                          fabs(wtp * r[best].qaly) + fabs(r[best].cost));
    CHECK(nmb[i] <= nmb[best] + tol,
          "%s: %s has NMB %.17g above the "
          "optimal %s's %.17g",
          label, r[i].name, nmb[i], r[best].name, nmb[best]);
    if (i != best && fabs(nmb[i] - nmb[best]) <= tol)
      CHECK(r[best].cost <= r[i].cost,
            "%s: NMB tie between %s and %s goes "
            "to the dearer",
            label, r[best].name, r[i].name);
  }
  if (r[best].status)
    CHECK(!strcmp(r[best].status, "frontier"), "%s: optimal %s is %s", label,
          r[best].name, r[best].status);
}

/* ---- per-patient values ------------------------------------------------ */

typedef struct patients {
  size_t n, S;  /* patients, strategies */
  double *cost; /* [s * n + i] */
  double *qaly;
} patients;

static int read_patients(patients *p, const char *dir, const names *order)
{
  char *path = join(dir, "patients.csv");
  if (!file_exists(path)) {
    free(path);
    return 0;
  }
  csv t;
  csv_read(&t, path, 0);
  int cp = need_col(&t, "patient"), cs = need_col(&t, "strategy"),
      cc = need_col(&t, "cost"), cq = need_col(&t, "qaly");
  p->S = order->n;
  CHECK(t.nrows % p->S == 0,
        "%s: %zu rows is not a multiple of %zu "
        "strategies",
        path, t.nrows, p->S);
  p->n = t.nrows / p->S;
  p->cost = xmalloc(p->n * p->S * sizeof *p->cost);
  p->qaly = xmalloc(p->n * p->S * sizeof *p->qaly);
  for (size_t r = 0; r < t.nrows; r++) {
    unsigned long long id = strtoull(cell(&t, r, cp), NULL, 10);
    int s = name_index(order, cell(&t, r, cs));
    if (id < 1 || id > p->n || s < 0) {
      fail("%s row %zu: patient %llu, strategy %s", path, r + 2, id,
           cell(&t, r, cs));
      continue;
    }
    CHECK(r / p->S + 1 == id && (size_t)s == r % p->S,
          "%s row %zu: rows not patient by patient in strategy order", path,
          r + 2);
    p->cost[(size_t)s * p->n + (id - 1)] = num(&t, r, cc);
    p->qaly[(size_t)s * p->n + (id - 1)] = num(&t, r, cq);
  }
  free(path);
  return 1;
}

/* se of the mean of f(a) - f(b) (or of f(a) when b < 0) over the first M
 * patients, where f = cost (what 0), QALYs (1) or NMB at WTP (2). */
static double patients_se(const patients *p, size_t m, int a, int b, int what,
                          double wtp)
{
  double *x = xmalloc(m * sizeof *x);
  for (size_t i = 0; i < m; i++) {
    double ca = p->cost[(size_t)a * p->n + i],
           qa = p->qaly[(size_t)a * p->n + i];
    double cb = b >= 0 ? p->cost[(size_t)b * p->n + i] : 0;
    double qb = b >= 0 ? p->qaly[(size_t)b * p->n + i] : 0;
    double dc = ca - cb, dq = qa - qb;
    x[i] = what == 0 ? dc : what == 1 ? dq : wtp * dq - dc;
  }
  double se = se_of(x, m);
  free(x);
  return se;
}

/* ---- cea ------------------------------------------------------------------
 */

static int cmd_cea(int argc, char **argv)
{
  if (argc < 1)
    fatal("usage: check_csv cea DIR [NAME=STATUS[:COMPARATOR]]...");
  const char *dir = argv[0];
  names order;
  manifest_strategies(&order, dir);
  char *sp = join(dir, "summary.csv"), *cp = join(dir, "cea.csv");
  csv sum, cea;
  csv_read(&sum, sp, 0);
  csv_read(&cea, cp, 0);
  const size_t S = order.n;
  CHECK(sum.nrows == S, "summary.csv has %zu rows for %zu strategies",
        sum.nrows, S);
  int s_name = need_col(&sum, "strategy"), s_cost = need_col(&sum, "cost_mean"),
      s_cse = need_col(&sum, "cost_se"), s_qaly = need_col(&sum, "qaly_mean"),
      s_qse = need_col(&sum, "qaly_se");
  for (size_t i = 0; i < sum.nrows && i < S; i++)
    CHECK(!strcmp(cell(&sum, i, s_name), order.v[i]),
          "summary.csv row %zu is %s, manifest says %s", i + 2,
          cell(&sum, i, s_name), order.v[i]);
  static const char *const cols[] = {"wtp",
                                     "strategy",
                                     "cost",
                                     "cost_se",
                                     "qaly",
                                     "qaly_se",
                                     "status",
                                     "comparator",
                                     "incremental_cost",
                                     "incremental_cost_se",
                                     "incremental_qaly",
                                     "incremental_qaly_se",
                                     "icer",
                                     "nmb",
                                     "nmb_se",
                                     "nhb",
                                     "nhb_se",
                                     "optimal"};
  int c[18];
  for (int k = 0; k < 18; k++)
    c[k] = need_col(&cea, cols[k]);
  CHECK(cea.nrows % S == 0 && cea.nrows > 0,
        "cea.csv has %zu rows, not a multiple of %zu strategies", cea.nrows, S);
  patients pat;
  int have_pat = read_patients(&pat, dir, &order);
  /* added to cea.csv later: checked when present */
  int c_inmb = csv_col(&cea, "incremental_nmb"),
      c_inmb_se = csv_col(&cea, "incremental_nmb_se");
  size_t n_inmb = 0;
  size_t n_wtp = cea.nrows / S;
  cea_row *rows = xmalloc(S * sizeof *rows);
  double *nmb = xmalloc(S * sizeof *nmb);
  const char **opt = xmalloc(S * sizeof *opt);
  char label[128];
  for (size_t w = 0; w < n_wtp; w++) {
    double wtp = num(&cea, w * S, c[0]);
    snprintf(label, sizeof label, "cea.csv wtp %g", wtp);
    if (w > 0)
      CHECK(wtp > num(&cea, (w - 1) * S, c[0]), "%s: WTPs not increasing",
            label);
    for (size_t i = 0; i < S; i++) {
      size_t r = w * S + i;
      cea_row *x = &rows[i];
      x->name = cell(&cea, r, c[1]);
      x->input = name_index(&order, x->name);
      CHECK(same(num(&cea, r, c[0]), wtp), "%s: row %zu has another wtp", label,
            r + 2);
      if (x->input < 0) {
        fail("%s: unknown strategy %s", label, x->name);
        x->input = 0;
      }
      x->cost = num(&cea, r, c[2]);
      x->qaly = num(&cea, r, c[4]);
      x->status = cell(&cea, r, c[6]);
      x->comparator = cell(&cea, r, c[7]);
      x->inc_cost = num(&cea, r, c[8]);
      x->inc_qaly = num(&cea, r, c[10]);
      x->icer = num(&cea, r, c[12]);
      nmb[i] = num(&cea, r, c[13]);
      opt[i] = cell(&cea, r, c[17]);
      size_t s = (size_t)x->input;
      /* the same numbers as summary.csv, every mean with its se */
      CHECK(same(x->cost, num(&sum, s, s_cost)) &&
                same(num(&cea, r, c[3]), num(&sum, s, s_cse)) &&
                same(x->qaly, num(&sum, s, s_qaly)) &&
                same(num(&cea, r, c[5]), num(&sum, s, s_qse)),
            "%s: %s cost/QALYs/se differ from summary.csv", label, x->name);
      CHECK(near(nmb[i], wtp * x->qaly - x->cost, 1e-12, 1e-9),
            "%s: %s nmb %.17g, wtp*qaly - cost = %.17g", label, x->name, nmb[i],
            wtp * x->qaly - x->cost);
      double nhb = num(&cea, r, c[15]), nmb_se = num(&cea, r, c[14]);
      if (wtp > 0) {
        CHECK(near(nhb, x->qaly - x->cost / wtp, 1e-12, 1e-12),
              "%s: %s nhb %.17g, qaly - cost/wtp = %.17g", label, x->name, nhb,
              x->qaly - x->cost / wtp);
        CHECK(near(num(&cea, r, c[16]), nmb_se / wtp, 1e-12, 0),
              "%s: %s nhb_se is not nmb_se / wtp", label, x->name);
      }
      CHECK(nmb_se >= 0, "%s: %s has no nmb_se", label, x->name);
      int has_comp = x->comparator[0] != '\0';
      CHECK(has_comp == !isnan(num(&cea, r, c[9])) &&
                has_comp == !isnan(num(&cea, r, c[11])),
            "%s: %s: incremental se present without a comparator or "
            "missing with one",
            label, x->name);
      /* incremental NMB against the comparator, when cea.csv has it */
      if (c_inmb >= 0 && c_inmb_se >= 0) {
        int k = has_comp ? name_index(&order, x->comparator) : -1;
        double want = k >= 0 ? (wtp * x->qaly - x->cost) -
                                   (wtp * num(&sum, (size_t)k, s_qaly) -
                                    num(&sum, (size_t)k, s_cost))
                             : NaN;
        double got = num(&cea, r, c_inmb), got_se = num(&cea, r, c_inmb_se);
        CHECK(near(got, want, 0, 1e-12 * fabs(nmb[i]) + 1e-9),
              "%s: %s incremental_nmb %.17g, recomputed %.17g", label, x->name,
              got, want);
        CHECK(has_comp == !isnan(got_se),
              "%s: %s: incremental_nmb_se "
              "present without a comparator or missing with one",
              label, x->name);
        if (have_pat && k >= 0) {
          double want_se = patients_se(&pat, pat.n, (int)s, k, 2, wtp);
          CHECK(near(got_se, want_se, 1e-8, 1e-9),
                "%s: %s "
                "incremental_nmb_se %.17g, from patients.csv %.17g",
                label, x->name, got_se, want_se);
        }
        n_inmb++;
      }
      if (have_pat) {
        CHECK(near(num(&cea, r, c[3]),
                   patients_se(&pat, pat.n, (int)s, -1, 0, 0), 1e-8, 1e-12),
              "%s: %s cost_se differs from patients.csv", label, x->name);
        CHECK(near(nmb_se, patients_se(&pat, pat.n, (int)s, -1, 2, wtp), 1e-8,
                   1e-12),
              "%s: %s nmb_se %.17g, from patients.csv %.17g", label, x->name,
              nmb_se, patients_se(&pat, pat.n, (int)s, -1, 2, wtp));
        if (has_comp) {
          int k = name_index(&order, x->comparator);
          if (k >= 0) {
            double want_c = patients_se(&pat, pat.n, (int)s, k, 0, 0);
            double want_q = patients_se(&pat, pat.n, (int)s, k, 1, 0);
            CHECK(near(num(&cea, r, c[9]), want_c, 1e-8, 1e-12),
                  "%s: %s incremental_cost_se %.17g, from patients.csv "
                  "%.17g",
                  label, x->name, num(&cea, r, c[9]), want_c);
            CHECK(near(num(&cea, r, c[11]), want_q, 1e-8, 1e-15),
                  "%s: %s incremental_qaly_se %.17g, from patients.csv "
                  "%.17g",
                  label, x->name, num(&cea, r, c[11]), want_q);
          }
        }
      }
    }
    check_cea_block(label, rows, S, 1);
    check_optimal(label, rows, nmb, opt, S, wtp);
    /* dominance does not depend on the WTP */
    if (w > 0)
      for (size_t i = 0; i < S; i++)
        CHECK(!strcmp(cell(&cea, w * S + i, c[1]), cell(&cea, i, c[1])) &&
                  !strcmp(cell(&cea, w * S + i, c[6]), cell(&cea, i, c[6])),
              "%s: order or status differs from the first WTP", label);
  }
  /* expected statuses: NAME=STATUS[:COMPARATOR] */
  for (int a = 1; a < argc; a++) {
    char *spec = xstrdup(argv[a]);
    char *eq = strchr(spec, '='), *colon = eq ? strchr(eq, ':') : NULL;
    if (eq == NULL)
      fatal("expected NAME=STATUS[:COMPARATOR], got %s", argv[a]);
    *eq = '\0';
    if (colon)
      *colon = '\0';
    int found = 0;
    for (size_t i = 0; i < S; i++) {
      if (strcmp(cell(&cea, i, c[1]), spec) != 0)
        continue;
      found = 1;
      CHECK(!strcmp(cell(&cea, i, c[6]), eq + 1),
            "cea.csv: %s is %s, "
            "expected %s",
            spec, cell(&cea, i, c[6]), eq + 1);
      if (colon)
        CHECK(!strcmp(cell(&cea, i, c[7]), colon + 1),
              "cea.csv: %s is "
              "compared with '%s', expected '%s'",
              spec, cell(&cea, i, c[7]), colon + 1);
    }
    CHECK(found, "cea.csv has no strategy %s", spec);
    free(spec);
  }
  printf("check_csv cea %s: %zu strategies x %zu WTP%s%s\n", dir, S, n_wtp,
         have_pat ? ", standard errors against patients.csv" : "",
         n_inmb ? ", incremental NMB" : "");
  return 0;
}

/* ---- summary and subgroups --------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The standard error column of a mean column: X_mean -> X_se, else X_se. */
static void se_name(const char *col, char *out, size_t n)
{
  const char *m = strstr(col, "_mean");
  if (m != NULL)
    snprintf(out, n, "%.*s_se%s", (int)(m - col), col, m + 5);
  else
    snprintf(out, n, "%s_se", col);
}

/* Every column of T that is a mean (not a count, se, sd or interval) has
 * its se column. */
static void check_every_mean_has_se(const csv *t, const char *const *skip)
{
  for (size_t k = 0; k < t->ncols; k++) {
    const char *h = t->head[k];
    int meta = 0;
    for (size_t j = 0; skip[j]; j++)
      meta |= !strcmp(h, skip[j]);
    if (meta || ends_with(h, "_se") || ends_with(h, "_sd") ||
        ends_with(h, "_ci_low") || ends_with(h, "_ci_high") ||
        ends_with(h, "_n"))
      continue;
    char want[256];
    se_name(h, want, sizeof want);
    CHECK(csv_col(t, want) >= 0, "%s: column %s has no %s", t->path, h, want);
  }
}

static int cmd_summary(int argc, char **argv)
{
  if (argc != 1)
    fatal("usage: check_csv summary DIR");
  const char *dir = argv[0];
  char *sp = join(dir, "summary.csv"), *gp = join(dir, "summary_subgroups.csv");
  csv sum, sub;
  csv_read(&sum, sp, 0);
  csv_read(&sub, gp, 0);
  static const char *const skip_sum[] = {"strategy", "patients", "currency",
                                         NULL};
  static const char *const skip_sub[] = {"subgroup", "level", "strategy",
                                         "patients", "currency", NULL};
  check_every_mean_has_se(&sum, skip_sum);
  check_every_mean_has_se(&sub, skip_sub);
  int s_name = need_col(&sum, "strategy"), s_pat = need_col(&sum, "patients");
  /* the 95% interval is mean +- 1.96 se */
  for (size_t k = 0; k < sum.ncols; k++) {
    if (!ends_with(sum.head[k], "_ci_low"))
      continue;
    char base[200], m[220], s[220];
    snprintf(base, sizeof base, "%.*s", (int)(strlen(sum.head[k]) - 7),
             sum.head[k]);
    snprintf(m, sizeof m, "%s_mean", base);
    snprintf(s, sizeof s, "%s_se", base);
    int cm = need_col(&sum, m), cs = need_col(&sum, s);
    for (size_t r = 0; r < sum.nrows; r++)
      CHECK(near(num(&sum, r, (int)k),
                 num(&sum, r, cm) - 1.959963984540054 * num(&sum, r, cs), 1e-12,
                 1e-12),
            "summary.csv: %s of %s is not mean - 1.96 se", sum.head[k],
            cell(&sum, r, s_name));
  }
  int g_dim = need_col(&sub, "subgroup"), g_lev = need_col(&sub, "level"),
      g_str = need_col(&sub, "strategy"), g_pat = need_col(&sub, "patients");
  size_t dims = 0, compared = 0;
  for (size_t r0 = 0; r0 < sub.nrows;) {
    /* one dimension: consecutive rows with the same subgroup */
    const char *dim = cell(&sub, r0, g_dim);
    size_t r1 = r0;
    while (r1 < sub.nrows && !strcmp(cell(&sub, r1, g_dim), dim))
      r1++;
    dims++;
    for (size_t s = 0; s < sum.nrows; s++) {
      const char *name = cell(&sum, s, s_name);
      double n_all = num(&sum, s, s_pat), n = 0;
      size_t levels = 0;
      for (size_t r = r0; r < r1; r++)
        if (!strcmp(cell(&sub, r, g_str), name)) {
          n += num(&sub, r, g_pat);
          levels++;
        }
      CHECK(levels >= 2, "summary_subgroups.csv: %s has %zu levels for %s", dim,
            levels, name);
      CHECK(n == n_all,
            "summary_subgroups.csv: the %s levels of %s hold %.0f "
            "patients, the cohort %.0f",
            dim, name, n, n_all);
      /* weighted means of the unconditional outcomes (no X_n column) */
      for (size_t k = 0; k < sub.ncols; k++) {
        const char *h = sub.head[k];
        if (!ends_with(h, "_mean"))
          continue;
        char base[200], ncol[220];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(h) - 5), h);
        snprintf(ncol, sizeof ncol, "%s_n", base);
        if (csv_col(&sum, ncol) >= 0)
          continue; /* conditional: not over all patients */
        int cs = need_col(&sum, h);
        double w = 0;
        for (size_t r = r0; r < r1; r++)
          if (!strcmp(cell(&sub, r, g_str), name) && num(&sub, r, g_pat) > 0)
            w += num(&sub, r, g_pat) * num(&sub, r, (int)k);
        double all = num(&sum, s, cs);
        CHECK(near(w / n, all, 1e-9, 1e-12),
              "summary_subgroups.csv: %s "
              "levels of %s give %s %.17g, summary.csv %.17g",
              dim, name, h, w / n, all);
        compared++;
      }
    }
    /* levels distinct within the dimension (per strategy) */
    for (size_t r = r0; r < r1; r++)
      for (size_t u = r + 1; u < r1; u++)
        CHECK(strcmp(cell(&sub, r, g_lev), cell(&sub, u, g_lev)) ||
                  strcmp(cell(&sub, r, g_str), cell(&sub, u, g_str)),
              "summary_subgroups.csv: %s level %s repeated", dim,
              cell(&sub, r, g_lev));
    r0 = r1;
  }
  CHECK(dims >= 1, "summary_subgroups.csv has no subgroup");
  printf("check_csv summary %s: %zu subgroup dimensions, %zu weighted "
         "means\n",
         dir, dims, compared);
  return 0;
}

/* ---- --target-se ----------------------------------------------------------
 */

/* se of the incremental NMB between the two strategies with the highest
 * mean NMB at WTP, over the first M patients. */
static double best_two_se(const patients *p, size_t m, double wtp, int *best,
                          int *second)
{
  double b1 = -HUGE_VAL, b2 = -HUGE_VAL;
  *best = *second = -1;
  for (size_t s = 0; s < p->S; s++) {
    double sum = 0;
    for (size_t i = 0; i < m; i++)
      sum += wtp * p->qaly[s * p->n + i] - p->cost[s * p->n + i];
    double v = sum / (double)m;
    if (v > b1) {
      b2 = b1;
      *second = *best;
      b1 = v;
      *best = (int)s;
    } else if (v > b2) {
      b2 = v;
      *second = (int)s;
    }
  }
  return patients_se(p, m, *best, *second, 2, wtp);
}

static int cmd_target_se(int argc, char **argv)
{
  if (argc != 5)
    fatal("usage: check_csv target-se DIR X START MAX WTP");
  const char *dir = argv[0];
  double target = strtod(argv[1], NULL), wtp = strtod(argv[4], NULL);
  size_t start = strtoul(argv[2], NULL, 10), max = strtoul(argv[3], NULL, 10);
  names order;
  manifest_strategies(&order, dir);
  patients p;
  if (!read_patients(&p, dir, &order))
    fatal("%s has no patients.csv (run with --patients-csv)", dir);
  char *sp = join(dir, "summary.csv");
  csv sum;
  csv_read(&sum, sp, 0);
  int s_pat = need_col(&sum, "patients");
  for (size_t r = 0; r < sum.nrows; r++)
    CHECK(num(&sum, r, s_pat) == (double)p.n,
          "summary.csv says %s patients, "
          "patients.csv holds %zu",
          cell(&sum, r, s_pat), p.n);
  size_t m = start, prev = 0;
  while (m < p.n && m < max) {
    prev = m;
    m = 2 * m < max ? 2 * m : max;
  }
  CHECK(m == p.n, "%zu patients is not %zu doubled (capped at %zu)", p.n, start,
        max);
  int b, s;
  double se = best_two_se(&p, p.n, wtp, &b, &s);
  CHECK(se <= target || p.n == max,
        "stopped at %zu patients with se %.6g "
        "above the target %g and below the maximum %zu",
        p.n, se, target, max);
  printf("check_csv target-se %s: %zu patients, se of NMB %s - %s = %.6g "
         "(target %g)",
         dir, p.n, order.v[b], order.v[s], se, target);
  if (prev > 0) {
    int b0, s0;
    double se0 = best_two_se(&p, prev, wtp, &b0, &s0);
    CHECK(se0 > target,
          "the round of %zu patients already had se %.6g <= "
          "%g: the rule went on too long",
          prev, se0, target);
    printf("; at %zu patients se %.6g", prev, se0);
  }
  /* convergence.csv: one row per round, the last at the final cohort, and
   * every number in the shortest form that reads back to the same double
   * (the data dictionary's rule for every CSV) */
  char *cp = join(dir, "convergence.csv");
  csv conv;
  csv_read(&conv, cp, 0);
  int c_pat = need_col(&conv, "patients");
  CHECK(conv.nrows > 0 && num(&conv, conv.nrows - 1, c_pat) == (double)p.n,
        "convergence.csv: the last round is not the final cohort of %zu",
        p.n);
  static const char *const numeric[] = {"wtp", "incremental_nmb",
                                        "incremental_nmb_se", "target_se"};
  for (size_t k = 0; k < 4; k++) {
    int c = need_col(&conv, numeric[k]);
    for (size_t r = 0; r < conv.nrows; r++) {
      const char *text = cell(&conv, r, c);
      double x = strtod(text, NULL);
      char shortest[40];
      for (int digits = 15; digits <= 17; digits++) {
        snprintf(shortest, sizeof shortest, "%.*g", digits, x);
        if (strtod(shortest, NULL) == x)
          break;
      }
      CHECK(strcmp(text, shortest) == 0,
            "convergence.csv:%zu: %s is '%s', not the shortest form '%s'",
            r + 2, numeric[k], text, shortest);
    }
  }
  printf("\n");
  return 0;
}

/* ---- psa -------------------------------------------------------------------
 */

/* WTP of a column named STEM_at_wtp_X (or NAN). */
static double column_wtp(const char *col, const char *stem)
{
  size_t n = strlen(stem);
  if (strncmp(col, stem, n) != 0 || strncmp(col + n, "_at_wtp_", 8) != 0)
    return NaN;
  return strtod(col + n + 8, NULL);
}

typedef struct psa {
  size_t K, S;
  names strategies;
  double *cost, *qaly; /* [k * S + s] */
} psa;

/* NMB of every iteration at WTP: mean NMB argmax (ties: lowest index), the
 * count of iterations each strategy wins (ties: lowest index), EVPI. */
static void psa_at(const psa *p, double wtp, size_t *frontier, size_t *wins,
                   double *evpi, int *near_tie)
{
  size_t S = p->S, K = p->K;
  double *mean = calloc(S + 1, sizeof *mean);
  double mean_max_row = 0;
  if (mean == NULL)
    fatal("out of memory");
  for (size_t s = 0; s < S; s++)
    wins[s] = 0;
  for (size_t k = 0; k < K; k++) {
    size_t best = 0;
    double bv = wtp * p->qaly[k * S] - p->cost[k * S];
    for (size_t s = 0; s < S; s++) {
      double v = wtp * p->qaly[k * S + s] - p->cost[k * S + s];
      mean[s] += v;
      if (v > bv) {
        bv = v;
        best = s;
      }
    }
    wins[best]++;
    mean_max_row += bv;
  }
  size_t f = 0;
  for (size_t s = 0; s < S; s++) {
    mean[s] /= (double)K;
    if (mean[s] > mean[f])
      f = s;
  }
  *near_tie = 0;
  for (size_t s = 0; s < S; s++)
    if (s != f && near(mean[s], mean[f], 1e-9, 1e-9))
      *near_tie = 1;
  *frontier = f;
  *evpi = mean_max_row / (double)K - mean[f];
  free(mean);
}

static int cmd_psa(int argc, char **argv)
{
  if (argc != 4)
    fatal("usage: check_csv psa DIR TABLE K POPULATION");
  const char *dir = argv[0];
  table tab;
  table_read(&tab, argv[1]);
  size_t K = strtoul(argv[2], NULL, 10);
  double population = strtod(argv[3], NULL);
  psa p;
  memset(&p, 0, sizeof p);
  manifest_strategies(&p.strategies, dir);
  const size_t S = p.strategies.n;
  p.K = K;
  p.S = S;
  char label[160];

  /* psa_parameters.csv */
  char *path = join(dir, "psa_parameters.csv");
  csv par;
  csv_read(&par, path, 0);
  CHECK(par.nrows == K, "psa_parameters.csv has %zu rows, expected %zu",
        par.nrows, K);
  CHECK(!strcmp(par.head[0], "iteration"),
        "psa_parameters.csv: first "
        "column %s",
        par.head[0]);
  size_t col = 1, sampled = 0, moved = 0;
  double worst_z = 0;
  const char *worst = "";
  for (size_t i = 0; i < tab.n; i++) {
    const param *q = &tab.p[i];
    if (!strcmp(q->dist, "fixed"))
      continue;
    sampled++;
    if (col >= par.ncols || strcmp(par.head[col], q->name) != 0) {
      fail("psa_parameters.csv: column %zu is %s, expected %s (every "
           "non-fixed parameter in table order)",
           col + 1, col < par.ncols ? par.head[col] : "(none)", q->name);
      col++;
      continue;
    }
    double mu, sd;
    if (!moments(&tab, q, &mu, &sd)) {
      fail("unknown distribution %s of %s", q->dist, q->name);
      col++;
      continue;
    }
    double *x = xmalloc(K * sizeof *x);
    for (size_t k = 0; k < K; k++)
      x[k] = num(&par, k, (int)col);
    double m = mean_of(x, K), z = fabs(m - mu) / (sd / sqrt((double)K));
    CHECK(z <= 4.5,
          "psa_parameters.csv: %s (%s) sample mean %.8g, "
          "distribution mean %.8g: %.2f standard errors away",
          q->name, q->dist, m, mu, z);
    if (z > worst_z) {
      worst_z = z;
      worst = q->name;
    }
    /* PSA centred away from the base case by more than 1% */
    if (fabs(mu - q->value) > 0.01 * fabs(q->value)) {
      moved++;
      printf("note: %s (%s): distribution mean %.6g, base-case value %s\n",
             q->name, q->dist, mu, q->value_text);
    }
    free(x);
    col++;
  }
  CHECK(par.ncols == sampled + 1,
        "psa_parameters.csv has %zu columns, the "
        "table %zu sampled parameters",
        par.ncols, sampled);
  for (size_t k = 0; k < par.nrows; k++) {
    CHECK(num(&par, k, 0) == (double)(k + 1),
          "psa_parameters.csv row %zu: "
          "iteration %s",
          k + 2, cell(&par, k, 0));
    /* Dirichlet groups sum to 1 */
    for (size_t i = 0; i < tab.n; i++) {
      const param *q = &tab.p[i];
      if (strcmp(q->dist, "dirichlet") != 0)
        continue;
      int first = 1;
      for (size_t j = 0; j < i; j++)
        if (!strcmp(tab.p[j].dist, "dirichlet") &&
            !strcmp(tab.p[j].group, q->group))
          first = 0;
      if (!first)
        continue;
      double g = 0;
      for (size_t j = 0; j < tab.n; j++)
        if (!strcmp(tab.p[j].dist, "dirichlet") &&
            !strcmp(tab.p[j].group, q->group))
          g += num(&par, k, need_col(&par, tab.p[j].name));
      CHECK(near(g, 1.0, 0, 1e-12),
            "psa_parameters.csv row %zu: Dirichlet "
            "group %s sums to %.17g",
            k + 2, q->group, g);
    }
  }

  /* psa.csv */
  path = join(dir, "psa.csv");
  csv it;
  csv_read(&it, path, 0);
  CHECK(it.nrows == K * S, "psa.csv has %zu rows, expected %zu x %zu", it.nrows,
        K, S);
  if (it.nrows != K * S)
    fatal("psa.csv: cannot go on");
  int ci = need_col(&it, "iteration"), cs = need_col(&it, "strategy"),
      cc = need_col(&it, "cost"), cq = need_col(&it, "qaly");
  p.cost = xmalloc(K * S * sizeof *p.cost);
  p.qaly = xmalloc(K * S * sizeof *p.qaly);
  size_t n_wtp_cols = 0;
  for (size_t r = 0; r < it.nrows; r++) {
    CHECK(num(&it, r, ci) == (double)(r / S + 1) &&
              !strcmp(cell(&it, r, cs), p.strategies.v[r % S]),
          "psa.csv row %zu: iteration %s strategy %s out of order", r + 2,
          cell(&it, r, ci), cell(&it, r, cs));
    double c = p.cost[r] = num(&it, r, cc), q = p.qaly[r] = num(&it, r, cq);
    CHECK(isfinite(c) && isfinite(q) && c >= 0 && q > 0,
          "psa.csv row %zu: cost %g, qaly %g", r + 2, c, q);
    for (size_t k = 0; k < it.ncols; k++) {
      double w = column_wtp(it.head[k], "nmb");
      if (isnan(w))
        continue;
      n_wtp_cols += r == 0;
      CHECK(near(num(&it, r, (int)k), w * q - c, 1e-12, 1e-9),
            "psa.csv row %zu: %s is not wtp * qaly - cost", r + 2, it.head[k]);
    }
  }
  CHECK(n_wtp_cols >= 1, "psa.csv has no nmb_at_wtp_ column");

  /* psa_summary.csv */
  path = join(dir, "psa_summary.csv");
  csv su;
  csv_read(&su, path, 0);
  CHECK(su.nrows == S, "psa_summary.csv has %zu rows", su.nrows);
  double *x = xmalloc(K * sizeof *x);
  for (size_t s = 0; s < S && s < su.nrows; s++) {
    snprintf(label, sizeof label, "psa_summary.csv %s", p.strategies.v[s]);
    CHECK(!strcmp(cell(&su, s, need_col(&su, "strategy")), p.strategies.v[s]) &&
              !strcmp(cell(&su, s, need_col(&su, "reference")),
                      p.strategies.v[0]),
          "%s: strategy or reference wrong", label);
    static const char *const stems[] = {"cost", "qaly", "incremental_cost",
                                        "incremental_qaly"};
    double means[4];
    for (int w = 0; w < 4; w++) {
      for (size_t k = 0; k < K; k++) {
        double c = p.cost[k * S + s], q = p.qaly[k * S + s];
        double c0 = p.cost[k * S], q0 = p.qaly[k * S];
        x[k] = w == 0 ? c : w == 1 ? q : w == 2 ? c - c0 : q - q0;
      }
      char n_mean[64], n_se[64], n_lo[64], n_hi[64];
      snprintf(n_mean, sizeof n_mean, "%s_mean", stems[w]);
      snprintf(n_se, sizeof n_se, "%s_se", stems[w]);
      snprintf(n_lo, sizeof n_lo, "%s_p2_5", stems[w]);
      snprintf(n_hi, sizeof n_hi, "%s_p97_5", stems[w]);
      means[w] = mean_of(x, K);
      double scale = 1e-9 * (fabs(mean_of(p.cost, K * S)) + 1);
      CHECK(near(num(&su, s, need_col(&su, n_mean)), means[w], 1e-10, scale),
            "%s: %s %.17g, recomputed %.17g", label, n_mean,
            num(&su, s, need_col(&su, n_mean)), means[w]);
      CHECK(near(num(&su, s, need_col(&su, n_se)), se_of(x, K), 1e-9, scale),
            "%s: %s %.17g, recomputed %.17g", label, n_se,
            num(&su, s, need_col(&su, n_se)), se_of(x, K));
      double lo = quantile7(x, K, 0.025), hi = quantile7(x, K, 0.975);
      CHECK(near(num(&su, s, need_col(&su, n_lo)), lo, 1e-9, scale) &&
                near(num(&su, s, need_col(&su, n_hi)), hi, 1e-9, scale),
            "%s: %s/%s %.17g/%.17g, recomputed %.17g/%.17g", label, n_lo, n_hi,
            num(&su, s, need_col(&su, n_lo)), num(&su, s, need_col(&su, n_hi)),
            lo, hi);
    }
    double icer = s > 0 && means[3] != 0 ? means[2] / means[3] : NaN;
    CHECK(near(num(&su, s, need_col(&su, "icer")), icer, 1e-9, 1e-9),
          "%s: icer %.17g, recomputed %.17g", label,
          num(&su, s, need_col(&su, "icer")), icer);
    for (size_t k = 0; k < su.ncols; k++) {
      double w = column_wtp(su.head[k], "nmb_mean");
      if (isnan(w))
        continue;
      for (size_t j = 0; j < K; j++)
        x[j] = w * p.qaly[j * S + s] - p.cost[j * S + s];
      CHECK(near(num(&su, s, (int)k), mean_of(x, K), 1e-10, 1e-6), "%s: %s",
            label, su.head[k]);
    }
  }

  /* ceac.csv and evpi.csv: the same grid */
  path = join(dir, "ceac.csv");
  csv ce;
  csv_read(&ce, path, 0);
  path = join(dir, "evpi.csv");
  csv ev;
  csv_read(&ev, path, 0);
  int e_w = need_col(&ce, "wtp"), e_s = need_col(&ce, "strategy"),
      e_p = need_col(&ce, "probability_cost_effective"),
      e_se = need_col(&ce, "probability_se"),
      e_f = need_col(&ce, "on_frontier");
  int v_w = need_col(&ev, "wtp"), v_pp = need_col(&ev, "evpi_per_patient"),
      v_pop = need_col(&ev, "evpi_population");
  CHECK(ce.nrows % S == 0 && ce.nrows / S == ev.nrows && ev.nrows >= 2,
        "ceac.csv has %zu rows, evpi.csv %zu, for %zu strategies", ce.nrows,
        ev.nrows, S);
  size_t G = ev.nrows < ce.nrows / S ? ev.nrows : ce.nrows / S;
  double step = G >= 2 ? num(&ev, 1, v_w) - num(&ev, 0, v_w) : 0;
  size_t *wins = xmalloc(S * sizeof *wins);
  double scale = 0;
  for (size_t k = 0; k < K * S; k++)
    scale = fmax(scale, fabs(p.cost[k]) + 1e6 * fabs(p.qaly[k]));
  size_t ties = 0, positive = 0;
  for (size_t g = 0; g < G; g++) {
    double wtp = num(&ev, g, v_w);
    snprintf(label, sizeof label, "ceac.csv wtp %g", wtp);
    CHECK(g == 0 ? wtp == 0 : near(wtp - num(&ev, g - 1, v_w), step, 1e-9, 0),
          "%s: the grid does not start at 0 in equal steps", label);
    size_t frontier;
    double evpi;
    int tie;
    psa_at(&p, wtp, &frontier, wins, &evpi, &tie);
    double total = 0;
    size_t marked = 0;
    for (size_t s = 0; s < S; s++) {
      size_t r = g * S + s;
      double pr = num(&ce, r, e_p);
      CHECK(same(num(&ce, r, e_w), wtp) &&
                !strcmp(cell(&ce, r, e_s), p.strategies.v[s]),
            "%s: row %zu out of order", label, r + 2);
      CHECK(pr >= 0 && pr <= 1, "%s: probability %g", label, pr);
      CHECK(pr == (double)wins[s] / (double)K,
            "%s: %s probability %.17g, "
            "recomputed %zu/%zu",
            label, p.strategies.v[s], pr, wins[s], K);
      CHECK(near(num(&ce, r, e_se), sqrt(pr * (1 - pr) / (double)K), 1e-12,
                 1e-15),
            "%s: %s probability_se", label, p.strategies.v[s]);
      total += pr;
      int yes = !strcmp(cell(&ce, r, e_f), "yes");
      CHECK(yes || !strcmp(cell(&ce, r, e_f), "no"), "%s: on_frontier '%s'",
            label, cell(&ce, r, e_f));
      marked += (size_t)yes;
      if (yes && !tie)
        CHECK(s == frontier, "%s: on_frontier %s, highest mean NMB %s", label,
              p.strategies.v[s], p.strategies.v[frontier]);
    }
    ties += (size_t)tie;
    CHECK(near(total, 1.0, 0, 1e-12), "%s: probabilities sum to %.17g", label,
          total);
    CHECK(marked == 1, "%s: %zu strategies on the frontier", label, marked);
    double e = num(&ev, g, v_pp);
    CHECK(e >= 0, "evpi.csv wtp %g: EVPI %.17g < 0", wtp, e);
    CHECK(near(e, evpi, 0, 1e-9 * scale),
          "evpi.csv wtp %g: EVPI %.17g, "
          "recomputed %.17g",
          wtp, e, evpi);
    CHECK(near(num(&ev, g, v_pop), e * population, 1e-12, 0),
          "evpi.csv wtp %g: evpi_population is not evpi x %g", wtp, population);
    positive += e > 0;
  }

  /* evppi.csv: 0 <= EVPPI <= EVPI */
  size_t n_evppi = 0;
  path = join(dir, "evppi.csv");
  if (file_exists(path)) {
    csv vp;
    csv_read(&vp, path, 0);
    int a_w = need_col(&vp, "wtp"), a_g = need_col(&vp, "parameters"),
        a_pp = need_col(&vp, "evppi_per_patient"),
        a_pop = need_col(&vp, "evppi_population"),
        a_ev = need_col(&vp, "evpi_per_patient");
    for (size_t r = 0; r < vp.nrows; r++) {
      double wtp = num(&vp, r, a_w), e = num(&vp, r, a_pp),
             ev_row = num(&vp, r, a_ev), evpi;
      size_t frontier;
      int tie;
      psa_at(&p, wtp, &frontier, wins, &evpi, &tie);
      snprintf(label, sizeof label, "evppi.csv wtp %g %s", wtp,
               cell(&vp, r, a_g));
      CHECK(e >= 0 && e <= ev_row, "%s: EVPPI %.17g not in [0, EVPI %.17g]",
            label, e, ev_row);
      CHECK(near(ev_row, evpi, 0, 1e-9 * scale),
            "%s: EVPI %.17g, "
            "recomputed %.17g",
            label, ev_row, evpi);
      CHECK(near(num(&vp, r, a_pop), e * population, 1e-12, 0),
            "%s: evppi_population is not evppi x %g", label, population);
      n_evppi++;
    }
  }
  printf("check_csv psa %s: %zu iterations x %zu strategies, %zu sampled "
         "parameters (largest deviation %s, %.2f se; %zu with a distribution "
         "mean more than 1%% from the base value), %zu WTP points (EVPI > 0 "
         "at %zu, near ties %zu), %zu EVPPI rows\n",
         dir, K, S, sampled, worst, worst_z, moved, G, positive, ties, n_evppi);
  free(x);
  free(wins);
  return 0;
}

/* ---- owsa ------------------------------------------------------------------
 */

static int cmd_owsa(int argc, char **argv)
{
  if (argc < 2)
    fatal("usage: check_csv owsa DIR TABLE [--run SIDE PARAM RUNDIR]...");
  const char *dir = argv[0];
  table tab;
  table_read(&tab, argv[1]);
  names order;
  manifest_strategies(&order, dir);
  const size_t S = order.n;
  char *path = join(dir, "owsa.csv");
  csv t;
  csv_read(&t, path, 0);
  static const char *const cols[] = {
      "strategy",   "parameter", "base_value", "low_value",
      "high_value", "nmb_base",  "nmb_low",    "nmb_high",
      "swing",      "cost_low",  "cost_high",  "qaly_low",
      "qaly_high",  "icer_low",  "icer_high",  "wtp"};
  int c[16];
  for (int k = 0; k < 16; k++)
    c[k] = need_col(&t, cols[k]);
  /* parameters with a range, in table order */
  size_t P = 0;
  for (size_t i = 0; i < tab.n; i++)
    P += !isnan(tab.p[i].low) && !isnan(tab.p[i].high);
  CHECK(t.nrows == P * S,
        "owsa.csv has %zu rows, expected %zu parameters "
        "with a range x %zu strategies",
        t.nrows, P, S);
  if (t.nrows != P * S)
    fatal("owsa.csv: cannot go on");
  double wtp = num(&t, 0, c[15]);
  size_t crn = 0;
  for (size_t s = 0; s < S; s++) {
    size_t r0 = s * P;
    const char *name = cell(&t, r0, c[0]);
    CHECK(!strcmp(name, order.v[s]),
          "owsa.csv: block %zu is %s, expected "
          "%s",
          s + 1, name, order.v[s]);
    char *seen = calloc(tab.n, 1);
    for (size_t j = 0; j < P; j++) {
      size_t r = r0 + j;
      const char *pn = cell(&t, r, c[1]);
      char label[200];
      snprintf(label, sizeof label, "owsa.csv %s %s", name, pn);
      CHECK(!strcmp(cell(&t, r, c[0]), name),
            "%s: strategy rows not "
            "together",
            label);
      const param *q = table_find(&tab, pn);
      if (q == NULL || isnan(q->low)) {
        fail("%s: not a parameter with a range in the table", label);
        continue;
      }
      CHECK(!seen[q - tab.p], "%s: parameter twice", label);
      seen[q - tab.p] = 1;
      double base = num(&t, r, c[2]), lo = num(&t, r, c[3]),
             hi = num(&t, r, c[4]);
      CHECK(base == q->value && lo == q->low && hi == q->high,
            "%s: base/low/high %.17g/%.17g/%.17g, the table %s/%s/%s", label,
            base, lo, hi, q->value_text, q->low_text, q->high_text);
      double nb = num(&t, r, c[5]), nl = num(&t, r, c[6]),
             nh = num(&t, r, c[7]), sw = num(&t, r, c[8]);
      double cl = num(&t, r, c[9]), ch = num(&t, r, c[10]),
             ql = num(&t, r, c[11]), qh = num(&t, r, c[12]);
      CHECK(sw == fabs(nh - nl),
            "%s: swing %.17g, |nmb_high - nmb_low| = "
            "%.17g",
            label, sw, fabs(nh - nl));
      CHECK(near(nl, wtp * ql - cl, 1e-12, 1e-9) &&
                near(nh, wtp * qh - ch, 1e-12, 1e-9),
            "%s: nmb_low/high are not wtp * qaly - cost", label);
      CHECK(same(nb, num(&t, r0, c[5])),
            "%s: nmb_base differs within the "
            "strategy",
            label);
      CHECK(same(num(&t, r, c[15]), wtp), "%s: another wtp", label);
      /* common random numbers: a side equal to the base value gives the
       * base case exactly */
      if (lo == base) {
        CHECK(nl == nb,
              "%s: low = base value but nmb_low %.17g != nmb_base "
              "%.17g",
              label, nl, nb);
        crn++;
      }
      if (hi == base) {
        CHECK(nh == nb,
              "%s: high = base value but nmb_high %.17g != "
              "nmb_base %.17g",
              label, nh, nb);
        crn++;
      }
      if (j > 0)
        CHECK(num(&t, r - 1, c[8]) >= sw, "%s: not sorted by swing", label);
      /* ICER against the first strategy, from its row of the same
       * parameter */
      for (size_t k = 0; k < P; k++) {
        if (strcmp(cell(&t, k, c[1]), pn) != 0)
          continue;
        double dcl = cl - num(&t, k, c[9]), dql = ql - num(&t, k, c[11]);
        double dch = ch - num(&t, k, c[10]), dqh = qh - num(&t, k, c[12]);
        double il = s == 0 || dql == 0 ? NaN : dcl / dql;
        double ih = s == 0 || dqh == 0 ? NaN : dch / dqh;
        CHECK(near(num(&t, r, c[13]), il, 1e-12, 0) &&
                  near(num(&t, r, c[14]), ih, 1e-12, 0),
              "%s: icer_low/high %.17g/%.17g, recomputed %.17g/%.17g", label,
              num(&t, r, c[13]), num(&t, r, c[14]), il, ih);
      }
    }
    free(seen);
  }
  /* variants against plain runs: --run SIDE PARAM RUNDIR */
  size_t runs = 0;
  for (int a = 2; a < argc; a += 4) {
    if (strcmp(argv[a], "--run") != 0 || a + 3 >= argc)
      fatal("expected --run low|high|base PARAM RUNDIR");
    const char *side = argv[a + 1], *pn = argv[a + 2], *rundir = argv[a + 3];
    char *sp = join(rundir, "summary.csv");
    csv sum;
    csv_read(&sum, sp, 0);
    int sc = need_col(&sum, "cost_mean"), sq = need_col(&sum, "qaly_mean"),
        sn = need_col(&sum, "strategy");
    for (size_t r = 0; r < t.nrows; r++) {
      if (strcmp(cell(&t, r, c[1]), pn) != 0)
        continue;
      int s = name_index(&order, cell(&t, r, c[0]));
      CHECK(s >= 0 && (size_t)s < sum.nrows &&
                !strcmp(cell(&sum, (size_t)s, sn), cell(&t, r, c[0])),
            "%s: strategy %s not in the run", rundir, cell(&t, r, c[0]));
      if (s < 0 || (size_t)s >= sum.nrows)
        continue;
      double cost = num(&sum, (size_t)s, sc), qaly = num(&sum, (size_t)s, sq);
      if (!strcmp(side, "base")) {
        CHECK(num(&t, r, c[5]) == wtp * qaly - cost,
              "owsa.csv %s: nmb_base "
              "%.17g, `hfsim run` %.17g",
              cell(&t, r, c[0]), num(&t, r, c[5]), wtp * qaly - cost);
      } else {
        int lo = !strcmp(side, "low");
        CHECK(num(&t, r, lo ? c[9] : c[10]) == cost &&
                  num(&t, r, lo ? c[11] : c[12]) == qaly,
              "owsa.csv %s %s %s: cost/qaly %.17g/%.17g, `hfsim run` "
              "%.17g/%.17g",
              cell(&t, r, c[0]), pn, side, num(&t, r, lo ? c[9] : c[10]),
              num(&t, r, lo ? c[11] : c[12]), cost, qaly);
      }
    }
    runs++;
  }
  printf("check_csv owsa %s: %zu parameters x %zu strategies at wtp %g, %zu "
         "sides equal to the base value, %zu variants against hfsim run\n",
         dir, P, S, wtp, crn, runs);
  return 0;
}

/* ---- twsa ------------------------------------------------------------------
 */

static int cmd_twsa(int argc, char **argv)
{
  if (argc != 5 && argc != 7)
    fatal("usage: check_csv twsa DIR TABLE A B STEPS [--invariant S,...]");
  const char *dir = argv[0];
  table tab;
  table_read(&tab, argv[1]);
  const param *pa = table_find(&tab, argv[2]), *pb = table_find(&tab, argv[3]);
  if (!pa || !pb)
    fatal("no parameter %s or %s in %s", argv[2], argv[3], argv[1]);
  size_t steps = strtoul(argv[4], NULL, 10);
  names order;
  manifest_strategies(&order, dir);
  const size_t S = order.n;
  char *path = join(dir, "twsa.csv");
  csv t;
  csv_read(&t, path, 0);
  static const char *const cols[] = {
      "parameter_a", "value_a", "parameter_b", "value_b", "strategy", "cost",
      "qaly",        "nmb",     "nmb_se",      "optimal", "wtp"};
  int c[11];
  for (int k = 0; k < 11; k++)
    c[k] = need_col(&t, cols[k]);
  CHECK(t.nrows == steps * steps * S,
        "twsa.csv has %zu rows, expected %zu^2 "
        "x %zu",
        t.nrows, steps, S);
  if (t.nrows != steps * steps * S)
    fatal("twsa.csv: cannot go on");
  double wtp = num(&t, 0, c[10]);
  cea_row *rows = xmalloc(S * sizeof *rows);
  double *nmb = xmalloc(S * sizeof *nmb);
  const char **opt = xmalloc(S * sizeof *opt);
  char label[200];
  size_t inexact = 0;
  for (size_t i = 0; i < steps; i++)
    for (size_t j = 0; j < steps; j++) {
      size_t r0 = (i * steps + j) * S;
      double va = num(&t, r0, c[1]), vb = num(&t, r0, c[3]);
      snprintf(label, sizeof label, "twsa.csv (%s %g, %s %g)", pa->name, va,
               pb->name, vb);
      double wa =
          pa->low + (pa->high - pa->low) * (double)i / (double)(steps - 1);
      double wb =
          pb->low + (pb->high - pb->low) * (double)j / (double)(steps - 1);
      CHECK(near(va, wa, 1e-12, 0) && near(vb, wb, 1e-12, 0),
            "%s: grid point (%zu, %zu) should be (%.17g, %.17g)", label, i, j,
            wa, wb);
      if (i == 0)
        CHECK(va == pa->low, "%s: first value of %s %.17g, table low %s", label,
              pa->name, va, pa->low_text);
      if (j == 0)
        CHECK(vb == pb->low, "%s: first value of %s %.17g, table low %s", label,
              pb->name, vb, pb->low_text);
      if (i == steps - 1)
        CHECK(va == pa->high, "%s: last value of %s %.17g, table high %s",
              label, pa->name, va, pa->high_text);
      if (j == steps - 1)
        CHECK(vb == pb->high, "%s: last value of %s %.17g, table high %s",
              label, pb->name, vb, pb->high_text);
      /* a grid value that prints with more digits than the ends of its
       * range (0.8999999999999999 for 0.85..0.95) */
      if (strlen(cell(&t, r0, c[1])) > 12 || strlen(cell(&t, r0, c[3])) > 12)
        inexact++;
      for (size_t s = 0; s < S; s++) {
        size_t r = r0 + s;
        CHECK(!strcmp(cell(&t, r, c[0]), pa->name) &&
                  !strcmp(cell(&t, r, c[2]), pb->name) &&
                  same(num(&t, r, c[1]), va) && same(num(&t, r, c[3]), vb) &&
                  !strcmp(cell(&t, r, c[4]), order.v[s]) &&
                  same(num(&t, r, c[10]), wtp),
              "%s: row %zu out of order", label, r + 2);
        rows[s].name = order.v[s];
        rows[s].input = (int)s;
        rows[s].cost = num(&t, r, c[5]);
        rows[s].qaly = num(&t, r, c[6]);
        rows[s].status = NULL;
        nmb[s] = num(&t, r, c[7]);
        opt[s] = cell(&t, r, c[9]);
        CHECK(near(nmb[s], wtp * rows[s].qaly - rows[s].cost, 1e-12, 1e-9),
              "%s: %s nmb is not wtp * qaly - cost", label, order.v[s]);
        CHECK(num(&t, r, c[8]) > 0, "%s: %s nmb_se %s", label, order.v[s],
              cell(&t, r, c[8]));
      }
      check_optimal(label, rows, nmb, opt, S, wtp);
    }
  /* strategies that do not depend on parameter A: the same numbers along
   * A (common random numbers) */
  size_t invariant = 0;
  if (argc == 7) {
    if (strcmp(argv[5], "--invariant") != 0)
      fatal("expected --invariant S1,S2,...");
    char *list = xstrdup(argv[6]);
    for (char *save = NULL, *nm = strtok_r(list, ",", &save); nm;
         nm = strtok_r(NULL, ",", &save)) {
      int s = name_index(&order, nm);
      if (s < 0)
        fatal("no strategy %s", nm);
      for (size_t i = 1; i < steps; i++)
        for (size_t j = 0; j < steps; j++) {
          size_t r = (i * steps + j) * S + (size_t)s, r0 = j * S + (size_t)s;
          CHECK(same(num(&t, r, c[5]), num(&t, r0, c[5])) &&
                    same(num(&t, r, c[6]), num(&t, r0, c[6])),
                "twsa.csv: %s changes with %s, which it does not use", nm,
                pa->name);
        }
      invariant++;
    }
    free(list);
  }
  /* grid points are rounded to 15 significant digits, so a round point
   * prints as such */
  CHECK(inexact == 0, "twsa.csv: %zu grid points printed with more digits "
        "than the ends of their ranges", inexact);
  printf("check_csv twsa %s: %zu x %zu grid x %zu strategies at wtp %g, %zu "
         "grid points printed inexactly, %zu strategies invariant in %s\n",
         dir, steps, steps, S, wtp, inexact, invariant, pa->name);
  return 0;
}

/* ---- scenarios ---------------------------------------------------------- */

static int cmd_scenarios(int argc, char **argv)
{
  if (argc < 2)
    fatal("usage: check_csv scenarios DIR NAME... [--same-as-run NAME DIR]");
  const char *dir = argv[0];
  names order;
  manifest_strategies(&order, dir);
  char *path = join(dir, "scenarios.csv");
  csv t;
  csv_read(&t, path, 0);
  static const char *const cols[] = {
      "scenario", "strategy", "cost",   "cost_se", "qaly",
      "qaly_se",  "nmb",      "nmb_se", "status",  "comparator",
      "icer",     "optimal",  "wtp"};
  int c[13];
  for (int k = 0; k < 13; k++)
    c[k] = need_col(&t, cols[k]);
  int c_ic = need_col(&t, "incremental_cost"),
      c_ics = need_col(&t, "incremental_cost_se"),
      c_iq = need_col(&t, "incremental_qaly"),
      c_iqs = need_col(&t, "incremental_qaly_se");
  int n_names = argc - 1;
  const char *same_name = NULL, *same_dir = NULL;
  for (int a = 1; a < argc; a++)
    if (!strcmp(argv[a], "--same-as-run")) {
      if (a + 2 >= argc)
        fatal("--same-as-run NAME RUNDIR");
      n_names = a - 1;
      same_name = argv[a + 1];
      same_dir = argv[a + 2];
      break;
    }
  CHECK(n_names >= 1 && !strcmp(argv[1], "base"), "the first scenario must "
                                                  "be base");
  size_t r = 0, compared = 0;
  cea_row *rows = xmalloc(64 * sizeof *rows);
  double *nmb = xmalloc(64 * sizeof *nmb);
  const char **opt = xmalloc(64 * sizeof *opt);
  for (int b = 0; b < n_names; b++) {
    const char *name = argv[1 + b];
    char label[200];
    snprintf(label, sizeof label, "scenarios.csv %s", name);
    size_t r0 = r;
    while (r < t.nrows && !strcmp(cell(&t, r, c[0]), name))
      r++;
    size_t S = r - r0;
    CHECK(S >= 1 && S <= 64,
          "%s: %zu rows (blocks must follow the order "
          "base, then the file's sections)",
          label, S);
    if (S == 0 || S > 64)
      continue;
    double wtp = num(&t, r0, c[12]);
    for (size_t i = 0; i < S; i++) {
      size_t k = r0 + i;
      cea_row *x = &rows[i];
      x->name = cell(&t, k, c[1]);
      x->input = name_index(&order, x->name);
      if (x->input < 0)
        x->input = 64 + (int)i; /* a strategy only this scenario has */
      x->cost = num(&t, k, c[2]);
      x->qaly = num(&t, k, c[4]);
      x->status = cell(&t, k, c[8]);
      x->comparator = cell(&t, k, c[9]);
      x->inc_cost = num(&t, k, c_ic);
      x->inc_qaly = num(&t, k, c_iq);
      x->icer = num(&t, k, c[10]);
      nmb[i] = num(&t, k, c[6]);
      opt[i] = cell(&t, k, c[11]);
      CHECK(same(num(&t, k, c[12]), wtp), "%s: another wtp", label);
      CHECK(near(nmb[i], wtp * x->qaly - x->cost, 1e-12, 1e-9),
            "%s: %s nmb is not wtp * qaly - cost", label, x->name);
      CHECK(num(&t, k, c[3]) >= 0 && num(&t, k, c[5]) > 0 &&
                num(&t, k, c[7]) > 0,
            "%s: %s: a standard error is missing", label, x->name);
    }
    check_cea_block(label, rows, S, 1);
    check_optimal(label, rows, nmb, opt, S, wtp);
    if (same_name && !strcmp(same_name, name)) {
      /* the same numbers as `hfsim run` */
      char *sp = join(same_dir, "summary.csv"), *cp = join(same_dir, "cea.csv");
      csv sum, cea;
      csv_read(&sum, sp, 0);
      csv_read(&cea, cp, 0);
      int sc = need_col(&sum, "cost_mean"), sce = need_col(&sum, "cost_se"),
          sq = need_col(&sum, "qaly_mean"), sqe = need_col(&sum, "qaly_se"),
          sn = need_col(&sum, "strategy");
      int ew = need_col(&cea, "wtp"), es = need_col(&cea, "strategy"),
          en = need_col(&cea, "nmb_se"), et = need_col(&cea, "status"),
          eo = need_col(&cea, "comparator"), ei = need_col(&cea, "icer"),
          ecs = need_col(&cea, "incremental_cost_se"),
          eqs = need_col(&cea, "incremental_qaly_se");
      for (size_t i = 0; i < S; i++) {
        size_t k = r0 + i;
        for (size_t u = 0; u < sum.nrows; u++) {
          if (strcmp(cell(&sum, u, sn), rows[i].name) != 0)
            continue;
          CHECK(num(&t, k, c[2]) == num(&sum, u, sc) &&
                    num(&t, k, c[3]) == num(&sum, u, sce) &&
                    num(&t, k, c[4]) == num(&sum, u, sq) &&
                    num(&t, k, c[5]) == num(&sum, u, sqe),
                "%s: %s differs from `hfsim run` %s", label, rows[i].name,
                same_dir);
          compared++;
        }
        for (size_t u = 0; u < cea.nrows; u++)
          if (num(&cea, u, ew) == wtp &&
              !strcmp(cell(&cea, u, es), rows[i].name))
            CHECK(num(&t, k, c[7]) == num(&cea, u, en) &&
                      !strcmp(cell(&t, k, c[8]), cell(&cea, u, et)) &&
                      !strcmp(cell(&t, k, c[9]), cell(&cea, u, eo)) &&
                      same(num(&t, k, c[10]), num(&cea, u, ei)) &&
                      same(num(&t, k, c_ics), num(&cea, u, ecs)) &&
                      same(num(&t, k, c_iqs), num(&cea, u, eqs)),
                  "%s: %s nmb_se/status/comparator/icer/increment ses "
                  "differ from cea.csv of `hfsim run`",
                  label, rows[i].name);
      }
    }
  }
  CHECK(r == t.nrows,
        "scenarios.csv: %zu rows after the last expected "
        "block",
        t.nrows - r);
  printf("check_csv scenarios %s: %d blocks in order%s\n", dir, n_names,
         compared ? ", one equal to hfsim run" : "");
  if (same_name)
    CHECK(compared > 0, "scenario %s not compared with %s", same_name,
          same_dir);
  return 0;
}

/* ---- se-columns ------------------------------------------------------------
 */

static int cmd_se_columns(int argc, char **argv)
{
  if (argc < 2)
    fatal("usage: check_csv se-columns FILE COLUMN...");
  csv t;
  csv_read(&t, argv[0], 0);
  for (int a = 1; a < argc; a++) {
    need_col(&t, argv[a]);
    char want[256];
    se_name(argv[a], want, sizeof want);
    CHECK(csv_col(&t, want) >= 0, "%s: %s has no standard error column %s",
          argv[0], argv[a], want);
  }
  printf("check_csv se-columns %s: %d columns\n", argv[0], argc - 1);
  return 0;
}

/* ---- interrupt -------------------------------------------------------------
 */

static size_t lines_in(const char *path)
{
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return 0;
  size_t n = 0;
  int ch;
  while ((ch = fgetc(f)) != EOF)
    n += ch == '\n';
  fclose(f);
  return n;
}

static int cmd_interrupt(int argc, char **argv)
{
  if (argc < 3)
    fatal("usage: check_csv interrupt CHECKPOINT N PROGRAM ARG...");
  const char *ckpt = argv[0];
  size_t want = strtoul(argv[1], NULL, 10);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    fatal("fork: %s", strerror(errno));
  if (pid == 0) {
    execv(argv[2], argv + 2);
    fprintf(stderr, "check_csv: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  struct timespec tick = {0, 2000000}; /* 2 ms */
  int status = 0, sent = 0;
  for (long waited = 0;; waited++) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid)
      break;
    if (!sent && lines_in(ckpt) >= want + 1) {
      kill(pid, SIGINT);
      sent = 1;
    }
    if (waited > 60 * 500) { /* 60 s */
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      fatal("%s did not finish within 60 s", argv[2]);
    }
    nanosleep(&tick, NULL);
  }
  size_t kept = lines_in(ckpt);
  CHECK(sent,
        "the program finished before its checkpoint held %zu "
        "iterations: nothing was interrupted",
        want);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 130,
        "after SIGINT the program ended with %s %d, expected exit code 130",
        WIFEXITED(status) ? "exit code" : "signal",
        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  CHECK(kept >= want + 1,
        "the checkpoint holds %zu lines after the "
        "interrupt",
        kept);
  printf("check_csv interrupt: SIGINT after %zu iterations; the checkpoint "
         "keeps %zu\n",
         want, kept ? kept - 1 : 0);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2)
    fatal("usage: check_csv cea|summary|target-se|psa|owsa|twsa|scenarios|"
          "se-columns|interrupt ...");
  const char *cmd = argv[1];
  int rc;
  if (!strcmp(cmd, "cea"))
    rc = cmd_cea(argc - 2, argv + 2);
  else if (!strcmp(cmd, "summary"))
    rc = cmd_summary(argc - 2, argv + 2);
  else if (!strcmp(cmd, "target-se"))
    rc = cmd_target_se(argc - 2, argv + 2);
  else if (!strcmp(cmd, "psa"))
    rc = cmd_psa(argc - 2, argv + 2);
  else if (!strcmp(cmd, "owsa"))
    rc = cmd_owsa(argc - 2, argv + 2);
  else if (!strcmp(cmd, "twsa"))
    rc = cmd_twsa(argc - 2, argv + 2);
  else if (!strcmp(cmd, "scenarios"))
    rc = cmd_scenarios(argc - 2, argv + 2);
  else if (!strcmp(cmd, "se-columns"))
    rc = cmd_se_columns(argc - 2, argv + 2);
  else if (!strcmp(cmd, "interrupt"))
    rc = cmd_interrupt(argc - 2, argv + 2);
  else
    fatal("unknown check '%s'", cmd);
  if (rc != 0)
    return rc;
  if (n_failures > 0) {
    fprintf(stderr, "check_csv %s: %lu of %lu checks failed\n", cmd, n_failures,
            n_checks);
    return 1;
  }
  printf("check_csv %s: all %lu checks passed\n", cmd, n_checks);
  return 0;
}
