/*
 * figdata.c - the output folder as the figures see it: its CSV files held
 * as text tables, and manifest.txt.
 *
 * The figures read what the analysis commands wrote and nothing else, so a
 * folder copied from another machine redraws the same figures. Every cell
 * read as a number is checked, and a bad one is reported with its file,
 * line and column.
 */
#define _POSIX_C_SOURCE 200809L
#include "fig_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hfsim/csvread.h"
#include "hfsim/mathx.h"

/* ---- fig_buf ------------------------------------------------------------- */

void fig_buf_append(fig_buf *b, const char *s, size_t n)
{
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->s, cap);
    if (p == NULL) {
      b->failed = 1;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void fig_buf_printf(fig_buf *b, const char *fmt, ...)
{
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    fig_buf_append(b, small, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (big == NULL) {
    b->failed = 1;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  fig_buf_append(b, big, (size_t)n);
  free(big);
}

void fig_buf_free(fig_buf *b)
{
  free(b->s);
  memset(b, 0, sizeof *b);
}

/* ---- tables ---------------------------------------------------------------- */

typedef struct load_ctx {
  fig_table *t;
  hfs_diag *d;
  int oom;
} load_ctx;

static int on_row(void *user, const hfs_csv_row *row)
{
  load_ctx *c = user;
  fig_table *t = c->t;
  if (t->header == NULL) {
    t->header = calloc(row->n_fields ? row->n_fields : 1, sizeof *t->header);
    if (t->header == NULL)
      return c->oom = 1;
    t->n_cols = row->n_fields;
    for (size_t i = 0; i < row->n_fields; i++)
      if ((t->header[i] = hfs_strdup(row->fields[i])) == NULL)
        return c->oom = 1;
    return 0;
  }
  if (row->n_fields != t->n_cols) {
    hfs_diag_error(c->d, t->path, row->line,
                   "expected %zu fields as in the header, got %zu", t->n_cols,
                   row->n_fields);
    return 1;
  }
  if (t->n_rows == t->cap_rows) {
    /* grown by half each time: one realloc per row made a large table
     * quadratic (minutes under AddressSanitizer for 200,000 rows) */
    size_t cap = t->cap_rows < 16 ? 16 : t->cap_rows + t->cap_rows / 2;
    char **grown = realloc(t->cells, cap * t->n_cols * sizeof *grown);
    if (grown == NULL)
      return c->oom = 1;
    t->cells = grown;
    long *more = realloc(t->lines, cap * sizeof *more);
    if (more == NULL)
      return c->oom = 1;
    t->lines = more;
    t->cap_rows = cap;
  }
  char **cells = t->cells;
  for (size_t i = 0; i < t->n_cols; i++)
    cells[t->n_rows * t->n_cols + i] = NULL;
  t->lines[t->n_rows] = row->line;
  t->n_rows++;
  for (size_t i = 0; i < t->n_cols; i++) {
    const char *v = row->fields[i];
    /* hfs_csv_write_text protects text a spreadsheet would read as a
     * formula with a leading apostrophe; undo it for display. */
    if (v[0] == '\'' && (v[1] == '=' || v[1] == '+' || v[1] == '-' ||
                         v[1] == '@'))
      v++;
    if ((cells[(t->n_rows - 1) * t->n_cols + i] = hfs_strdup(v)) == NULL)
      return c->oom = 1;
  }
  return 0;
}

void fig_table_free(fig_table *t)
{
  for (size_t i = 0; i < t->n_cols; i++)
    free(t->header ? t->header[i] : NULL);
  for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
    free(t->cells[i]);
  free(t->header);
  free(t->cells);
  free(t->lines);
  free(t->path);
  free(t->name);
  memset(t, 0, sizeof *t);
}

static char *join_path(const char *dir, const char *name)
{
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

hfs_status fig_table_load(fig_table *t, const char *dir, const char *name,
                          const char *const *required, hfs_diag *d)
{
  memset(t, 0, sizeof *t);
  t->path = join_path(dir, name);
  t->name = hfs_strdup(name);
  if (t->path == NULL || t->name == NULL)
    return HFS_ERR_NOMEM;
  load_ctx c = {t, d, 0};
  hfs_status s = hfs_csv_read(t->path, on_row, &c, d);
  if (c.oom)
    return HFS_ERR_NOMEM;
  if (s != HFS_OK)
    return s;
  if (t->header == NULL) {
    hfs_diag_error(d, t->path, 0, "empty file: no header row");
    return HFS_ERR_INPUT;
  }
  int bad = 0;
  for (size_t i = 0; required && required[i]; i++)
    if (fig_col(t, required[i]) < 0) {
      hfs_diag_error(d, t->path, 1, "missing column '%s'", required[i]);
      bad = 1;
    }
  return bad ? HFS_ERR_INPUT : HFS_OK;
}

int fig_col(const fig_table *t, const char *name)
{
  for (size_t i = 0; i < t->n_cols; i++)
    if (strcmp(t->header[i], name) == 0)
      return (int)i;
  return -1;
}

const char *fig_cell(const fig_table *t, size_t row, int col)
{
  if (col < 0 || row >= t->n_rows)
    return "";
  return t->cells[row * t->n_cols + (size_t)col];
}

/* A figure may read a cell more than once: report a bad one once. */
static void num_error(hfs_diag *d, const fig_table *t, size_t row,
                      const char *msg)
{
  if (d->count > 0) {
    const hfs_diag_entry *e = &d->entries[d->count - 1];
    if (e->line == t->lines[row] && e->file && strcmp(e->file, t->path) == 0 &&
        strcmp(e->message, msg) == 0)
      return;
  }
  hfs_diag_error(d, t->path, t->lines[row], "%s", msg);
}

double fig_num(const fig_table *t, size_t row, int col, int empty_ok,
               hfs_diag *d)
{
  char msg[512];
  const char *v = fig_cell(t, row, col);
  if (v[0] == '\0') {
    if (!empty_ok) {
      snprintf(msg, sizeof msg,
               "column '%s': expected a number, got an empty field",
               col >= 0 ? t->header[col] : "?");
      num_error(d, t, row, msg);
    }
    return HFS_NAN;
  }
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (*end != '\0' || end == v || errno == ERANGE || !isfinite(x)) {
    snprintf(msg, sizeof msg, "column '%s': expected a number, got '%.200s'",
             t->header[col], v);
    num_error(d, t, row, msg);
    return HFS_NAN;
  }
  return x;
}

/* ---- the folder --------------------------------------------------------- */

const char *fig_manifest(const fig_folder *f, const char *key)
{
  for (size_t i = 0; i < f->n_manifest; i++)
    if (strcmp(f->mkeys[i], key) == 0)
      return f->mvalues[i];
  return NULL;
}

int fig_strategy(fig_folder *f, const char *name)
{
  for (size_t i = 0; i < f->n_strategies; i++)
    if (strcmp(f->strategies[i], name) == 0)
      return (int)i;
  if (f->n_strategies == FIG_MAX_STRATEGIES) {
    f->strategies_overflow = 1;
    return -1;
  }
  char *p = hfs_strdup(name);
  if (p == NULL) {
    f->strategies_overflow = 1;
    return -1;
  }
  f->strategies[f->n_strategies] = p;
  f->labels[f->n_strategies] = NULL;
  return (int)f->n_strategies++;
}

const char *fig_label(const fig_folder *f, size_t s)
{
  /* figures have room for about 50 characters; the tables of report.html
   * give the whole label */
  static char buf[4][64];
  static int next;
  const char *l = f->labels[s] ? f->labels[s] : f->strategies[s];
  if (strlen(l) <= 50)
    return l;
  char *b = buf[next++ % 4];
  size_t cut = 47;
  while (cut > 20 && l[cut] != ' ')
    cut--;
  memcpy(b, l, cut);
  memcpy(b + cut, "\xe2\x80\xa6", 4); /* ellipsis, UTF-8 */
  return b;
}

static hfs_status load_manifest(fig_folder *f, hfs_diag *d)
{
  char *path = join_path(f->dir, "manifest.txt");
  if (path == NULL)
    return HFS_ERR_NOMEM;
  FILE *in = fopen(path, "r");
  if (in == NULL) {
    hfs_diag_error(d, path, 0,
                   "cannot read: %s (every hfsim output folder has one; is "
                   "this an hfsim output folder?)",
                   strerror(errno));
    free(path);
    return errno == ENOENT ? HFS_ERR_INPUT : HFS_ERR_IO;
  }
  char line[8192];
  long lineno = 0;
  hfs_status s = HFS_OK;
  while (fgets(line, sizeof line, in)) {
    lineno++;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (n == 0)
      continue;
    char *colon = strstr(line, ": ");
    if (colon == NULL && n && line[n - 1] == ':')
      colon = line + n - 1;
    if (colon == NULL) {
      hfs_diag_error(d, path, lineno, "expected 'key: value', got '%.60s'",
                     line);
      s = HFS_ERR_INPUT;
      break;
    }
    *colon = '\0';
    const char *value = colon[1] ? colon + 2 : "";
    char **k = realloc(f->mkeys, (f->n_manifest + 1) * sizeof *k);
    if (k == NULL) {
      s = HFS_ERR_NOMEM;
      break;
    }
    f->mkeys = k;
    char **v = realloc(f->mvalues, (f->n_manifest + 1) * sizeof *v);
    if (v == NULL) {
      s = HFS_ERR_NOMEM;
      break;
    }
    f->mvalues = v;
    f->mkeys[f->n_manifest] = hfs_strdup(line);
    f->mvalues[f->n_manifest] = hfs_strdup(value);
    f->n_manifest++;
    if (!f->mkeys[f->n_manifest - 1] || !f->mvalues[f->n_manifest - 1]) {
      s = HFS_ERR_NOMEM;
      break;
    }
  }
  fclose(in);
  free(path);
  return s;
}

/* The CSV files each command writes (the report needs all of them when the
 * manifest says the command ran) and the columns the figures read. */
static const char *const summary_cols[] = {"strategy", "patients", "cost_mean",
                                           "cost_se", "qaly_mean", "qaly_se",
                                           NULL};
static const char *const cea_cols[] = {
    "wtp", "strategy", "cost", "cost_se", "qaly", "qaly_se", "status",
    "comparator", "incremental_cost", "incremental_qaly", "icer", "nmb",
    "nmb_se", "incremental_nmb", "incremental_nmb_se", "optimal", NULL};
static const char *const trace_cols[] = {"strategy", "year", "state",
                                         "proportion", NULL};
static const char *const convergence_cols[] = {
    "patients", "strategy", "comparator", "wtp", "incremental_nmb",
    "incremental_nmb_se", NULL};
static const char *const psa_cols[] = {"iteration", "strategy", "cost", "qaly",
                                       NULL};
static const char *const psa_summary_cols[] = {"strategy", "cost_mean",
                                               "cost_se", "qaly_mean",
                                               "qaly_se", NULL};
static const char *const ceac_cols[] = {"wtp", "strategy",
                                        "probability_cost_effective",
                                        "probability_se", "on_frontier", NULL};
static const char *const evpi_cols[] = {"wtp", "evpi_per_patient",
                                        "evpi_population", NULL};
static const char *const evppi_cols[] = {"wtp", "parameters",
                                         "evppi_per_patient",
                                         "evpi_per_patient", NULL};
static const char *const owsa_cols[] = {
    "strategy", "parameter", "base_value", "low_value", "high_value",
    "nmb_base", "nmb_low", "nmb_high", "wtp", NULL};
static const char *const twsa_cols[] = {"parameter_a", "value_a",
                                        "parameter_b", "value_b", "strategy",
                                        "nmb", "optimal", "wtp", NULL};
static const char *const scenarios_cols[] = {
    "scenario", "strategy", "cost", "qaly", "nmb", "nmb_se", "optimal", "wtp",
    NULL};

static const char *const calibration_cols[] = {"evaluation", "phase", NULL};
static const char *const calibration_targets_cols[] = {
    "metric", "strategy", "outcome", "published_value", "published_low",
    "published_high", "model_value", "model_mcse", "z", "within_interval",
    NULL};
static const char *const calibrated_parameters_cols[] = {
    "parameter", "low", "high", "best_fit", NULL};
static const char *const posterior_cols[] = {"sample", "evaluation", NULL};
static const char *const posterior_correlations_cols[] = {
    "parameter_a", "parameter_b", "posterior_correlation", NULL};

typedef struct known_file {
  const char *name;
  const char *command; /* the command that writes it */
  const char *const *cols;
  size_t offset; /* of the fig_table in fig_folder */
} known_file;

static const known_file known_files[] = {
    {"summary.csv", "run", summary_cols, offsetof(fig_folder, summary)},
    {"cea.csv", "run", cea_cols, offsetof(fig_folder, cea)},
    {"trace.csv", "run", trace_cols, offsetof(fig_folder, trace)},
    /* only with --target-se: never required */
    {"convergence.csv", "", convergence_cols,
     offsetof(fig_folder, convergence)},
    {"psa.csv", "psa", psa_cols, offsetof(fig_folder, psa)},
    {"psa_summary.csv", "psa", psa_summary_cols,
     offsetof(fig_folder, psa_summary)},
    {"ceac.csv", "psa", ceac_cols, offsetof(fig_folder, ceac)},
    {"evpi.csv", "psa", evpi_cols, offsetof(fig_folder, evpi)},
    /* only with [psa] evppi groups: never required */
    {"evppi.csv", "", evppi_cols, offsetof(fig_folder, evppi)},
    {"owsa.csv", "owsa", owsa_cols, offsetof(fig_folder, owsa)},
    {"twsa.csv", "twsa", twsa_cols, offsetof(fig_folder, twsa)},
    {"scenarios.csv", "scenarios", scenarios_cols,
     offsetof(fig_folder, scenarios)},
    {"calibration.csv", "calibrate", calibration_cols,
     offsetof(fig_folder, calibration)},
    {"calibration_targets.csv", "calibrate", calibration_targets_cols,
     offsetof(fig_folder, calibration_targets)},
    {"calibrated_parameters.csv", "calibrate", calibrated_parameters_cols,
     offsetof(fig_folder, calibrated_parameters)},
    /* only with SIR ([calibration] sir_draws > 0): never required */
    {"posterior.csv", "", posterior_cols, offsetof(fig_folder, posterior)},
    {"posterior_correlations.csv", "", posterior_correlations_cols,
     offsetof(fig_folder, posterior_correlations)},
};
enum { N_KNOWN = sizeof known_files / sizeof known_files[0] };

static int file_exists(const char *dir, const char *name)
{
  char *p = join_path(dir, name);
  if (p == NULL)
    return 0;
  FILE *f = fopen(p, "r");
  free(p);
  if (f)
    fclose(f);
  return f != NULL;
}

/* Strategy labels: "strategy_label: NAME = LABEL" lines of the manifest. */
static void read_labels(fig_folder *f)
{
  for (size_t i = 0; i < f->n_manifest; i++) {
    if (strcmp(f->mkeys[i], "strategy_label") != 0)
      continue;
    const char *v = f->mvalues[i];
    const char *eq = strstr(v, " = ");
    if (eq == NULL)
      continue;
    char name[256];
    size_t n = (size_t)(eq - v) < sizeof name - 1 ? (size_t)(eq - v)
                                                   : sizeof name - 1;
    memcpy(name, v, n);
    name[n] = '\0';
    int s = fig_strategy(f, name);
    if (s >= 0 && f->labels[s] == NULL)
      f->labels[s] = hfs_strdup(eq + 3);
  }
}

hfs_status fig_folder_load(fig_folder *f, const char *dir, hfs_diag *d)
{
  memset(f, 0, sizeof *f);
  f->dir = dir;
  f->wtp_main = HFS_NAN;
  snprintf(f->currency, sizeof f->currency, "%s", "currency units");
  hfs_status s = load_manifest(f, d);
  if (s != HFS_OK)
    return s;
  const char *cur = fig_manifest(f, "currency");
  if (cur && cur[0])
    snprintf(f->currency, sizeof f->currency, "%s", cur);
  const char *cmdline = fig_manifest(f, "command");
  char *command = f->command;
  if (cmdline) {
    /* "PATH/hfsim COMMAND ..." */
    const char *sp = strchr(cmdline, ' ');
    if (sp) {
      size_t n = strcspn(sp + 1, " ");
      if (n < sizeof f->command) {
        memcpy(command, sp + 1, n);
        command[n] = '\0';
      }
    }
  }
  /* strategies in the manifest's order, then their labels */
  const char *strats = fig_manifest(f, "strategies");
  if (strats) {
    char *copy = hfs_strdup(strats);
    if (copy == NULL)
      return HFS_ERR_NOMEM;
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " "))
      fig_strategy(f, tok);
    free(copy);
  }
  read_labels(f);
  const char *wm = fig_manifest(f, "wtp_main");
  if (wm)
    f->wtp_main = strtod(wm, NULL);

  int any = 0;
  for (size_t i = 0; i < N_KNOWN; i++) {
    const known_file *k = &known_files[i];
    fig_table *t = (fig_table *)((char *)f + k->offset);
    int present = file_exists(dir, k->name);
    int needed = k->command[0] && strcmp(f->command, k->command) == 0;
    if (!present && !needed)
      continue;
    if (!present) {
      char *p = join_path(dir, k->name);
      hfs_diag_error(d, p ? p : k->name, 0,
                     "missing: manifest.txt says this folder was written by "
                     "'hfsim %s', which writes it",
                     k->command);
      free(p);
      s = HFS_ERR_INPUT;
      continue;
    }
    hfs_status ts = fig_table_load(t, dir, k->name, k->cols, d);
    if (ts != HFS_OK) {
      s = s == HFS_OK ? ts : s;
      fig_table_free(t);
      continue;
    }
    any = 1;
    int sc = fig_col(t, "strategy");
    for (size_t r = 0; sc >= 0 && r < t->n_rows; r++)
      fig_strategy(f, fig_cell(t, r, sc));
    int wc = fig_col(t, "wtp");
    if (isnan(f->wtp_main) && wc >= 0 && t->n_rows > 0 &&
        (t == &f->owsa || t == &f->twsa || t == &f->scenarios))
      f->wtp_main = strtod(fig_cell(t, 0, wc), NULL);
  }
  if (s == HFS_OK && f->strategies_overflow) {
    hfs_diag_error(d, dir, 0,
                   "more than %d strategies: the figures and report.html "
                   "show at most %d (the CSV results hold them all)",
                   FIG_MAX_STRATEGIES, FIG_MAX_STRATEGIES);
    s = HFS_ERR_INPUT;
  }
  if (s == HFS_OK && !any) {
    /* the folder of `hfsim verify`: its results are tables to read */
    char *v = join_path(dir, "verification.csv");
    struct stat sb;
    int verify_folder = v != NULL && stat(v, &sb) == 0;
    free(v);
    if (verify_folder)
      hfs_diag_error(d, dir, 0,
                     "the results of 'hfsim verify' have no figures: read "
                     "verification.csv and validation.csv (report draws "
                     "those of run, psa, owsa, twsa, scenarios and "
                     "calibrate)");
    else
      hfs_diag_error(d, dir, 0,
                     "no hfsim results here (summary.csv, cea.csv, psa.csv, "
                     "owsa.csv, twsa.csv, scenarios.csv or "
                     "calibration_targets.csv)");
    s = HFS_ERR_INPUT;
  }
  return s;
}

void fig_folder_free(fig_folder *f)
{
  for (size_t i = 0; i < f->n_manifest; i++) {
    free(f->mkeys[i]);
    free(f->mvalues[i]);
  }
  free(f->mkeys);
  free(f->mvalues);
  for (size_t i = 0; i < f->n_strategies; i++) {
    free(f->strategies[i]);
    free(f->labels[i]);
  }
  for (size_t i = 0; i < N_KNOWN; i++)
    fig_table_free((fig_table *)((char *)f + known_files[i].offset));
  memset(f, 0, sizeof *f);
}
