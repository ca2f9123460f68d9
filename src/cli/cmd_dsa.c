/*
 * cmd_dsa.c - deterministic sensitivity analysis: `hfsim owsa` (one-way,
 * tornado), `hfsim twsa` (two-way grid) and `hfsim scenarios` (named sets
 * of overrides). Every variant simulates the same patients (same seed and
 * streams), so differences between variants are not Monte Carlo noise
 * between cohorts.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "common.h"
#include "hfsim/cea.h"
#include "hfsim/mathx.h"
#include "hfsim/numfmt.h"
#include "hfsim/output.h"
#include "hfsim/report.h"

static const char *const owsa_help =
    "Usage: hfsim owsa [--config FILE] [--patients N] [--seed S]\n"
    "                  [--threads T] [--out DIR] [--set NAME=VALUE]...\n"
    "\n"
    "One-way sensitivity analysis: every parameter with low and high in the\n"
    "parameter table is set to its low, then its high value, one at a time,\n"
    "on the same patients. Writes owsa.csv: for each parameter and strategy\n"
    "the costs, QALYs, net monetary benefit at [economics] wtp_main and the\n"
    "ICER against the first strategy at low and high, and the swing of the\n"
    "net monetary benefit; rows are sorted by swing within each strategy,\n"
    "ready for a tornado diagram. Patients: [dsa] patients (default 20000).\n"
    "Output folder: <run output>-owsa unless --out is given.\n";

static const char *const twsa_help =
    "Usage: hfsim twsa --param NAME --param NAME [--steps N] [--config FILE]\n"
    "                  [--patients N] [--out DIR] [--set NAME=VALUE]...\n"
    "\n"
    "Two-way sensitivity analysis: an N x N grid (default 5) over the two\n"
    "parameters' low-high ranges (or NAME=LOW:HIGH to give the range), on\n"
    "the same patients. Writes twsa.csv: both values, and per strategy the\n"
    "cost, QALYs, net monetary benefit at [economics] wtp_main and whether\n"
    "it is the optimal strategy there. Output: <run output>-twsa.\n";

static const char *const scenarios_help =
    "Usage: hfsim scenarios [--config FILE] [--patients N] [--out DIR]\n"
    "                       [--set NAME=VALUE]...\n"
    "\n"
    "Run the base case and every [scenario NAME] section of the scenario\n"
    "file in one call. A scenario section lists overrides, one per line,\n"
    "exactly as --set takes them:\n"
    "    [scenario uk_discounting]\n"
    "    economics.discount_rate_costs = 0.035\n"
    "    economics.discount_rate_qalys = 0.035\n"
    "    cost_mvd = 25000\n"
    "Writes scenarios.csv: one block of rows per scenario (base first),\n"
    "each strategy's costs, QALYs, net benefit, dominance status, ICER and\n"
    "whether it is optimal at [economics] wtp_main. Output:\n"
    "<run output>-scenarios.\n";

/* ---- shared ----------------------------------------------------------- */

typedef struct variant_out {
  double cost[64], qaly[64], cost_se[64], qaly_se[64], nmb_se[64];
  double inc_nmb_se[64]; /* paired, against the first strategy */
} variant_out;

static uint64_t dsa_patients(hfs_study *st, const options *o, hfs_diag *d)
{
  if (o->patients_given)
    return o->patients;
  hfs_setting *e = hfs_scenario_get(&st->scenario, "dsa", "patients");
  static const char *const keys[] = {"patients"};
  hfs_scenario_report_unknown(&st->scenario, "dsa", keys, 1, d);
  if (e == NULL)
    return 20000;
  double v;
  if (hfs_parse_double(e->value, &v) != 0 || v < 1 || v != floor(v)) {
    hfs_diag_error(d, e->file, e->line,
                   "[dsa] patients: expected a whole number >= 1, got '%s'",
                   e->value);
    return 0;
  }
  return (uint64_t)v;
}

/* Simulate the current parameters of ST; fill OUT. */
static hfs_status simulate_variant(hfs_study *st, const hfs_run_config *cfg,
                                   variant_out *out, hfs_diag *d)
{
  /* variant_out holds 64 strategies */
  if (st->model.n_strategies > sizeof out->cost / sizeof out->cost[0]) {
    hfs_diag_error(d, st->scenario.path, 0,
                   "owsa, twsa and scenarios compare at most %zu strategies; "
                   "this scenario has %zu",
                   sizeof out->cost / sizeof out->cost[0],
                   st->model.n_strategies);
    return HFS_ERR_INPUT;
  }
  hfs_status s = hfs_study_rebuild(st, d);
  if (s != HFS_OK)
    return s;
  hfs_results r;
  hfs_results_init(&r);
  s = hfs_engine_run(&st->model, cfg, &r, d);
  if (s == HFS_OK)
    for (size_t k = 0; k < r.n_strategies && k < 64; k++) {
      const hfs_accum *c =
          &r.outcomes[k * r.n_outcomes + (size_t)cfg->cost_outcome];
      const hfs_accum *q =
          &r.outcomes[k * r.n_outcomes + (size_t)cfg->qaly_outcome];
      out->cost[k] = c->mean;
      out->qaly[k] = q->mean;
      out->cost_se[k] = hfs_accum_se(c);
      out->qaly_se[k] = hfs_accum_se(q);
      const hfs_accum2 *p = &r.paired[k * r.n_strategies + k];
      double w = st->scenario.wtp_main, n = (double)p->n;
      double v =
          n > 1 ? (w * w * p->m2_y + p->m2_x - 2 * w * p->c_xy) / (n - 1) : 0.0;
      out->nmb_se[k] = sqrt(fmax(v, 0.0) / n);
      out->inc_nmb_se[k] = hfs_results_paired_se(&r, k, 0, 2, w);
    }
  hfs_results_free(&r);
  return s;
}

static void put(FILE *f, double x)
{
  char buf[40];
  fputc(',', f);
  fputs(hfs_format_double(buf, sizeof buf, x), f);
}

static char *default_dir(const hfs_study *st, const options *o,
                         const char *suffix)
{
  return hfs_cli_output_dir(o, st->scenario.output_dir, suffix);
}

/* Make the output folder before simulating, so that one that cannot be
 * made is reported at once, not after the whole analysis. */
static hfs_status open_early(const hfs_study *st, const options *o,
                             const char *suffix, hfs_diag *d)
{
  char *dir = default_dir(st, o, suffix);
  if (dir == NULL)
    return HFS_ERR_NOMEM;
  hfs_output_set out;
  hfs_status s = hfs_output_open(&out, dir, d);
  hfs_output_free(&out);
  free(dir);
  return s;
}

/* Write FILE_NAME through WRITE into DIR atomically, with a manifest. */
typedef void (*writer_fn)(FILE *f, void *user);

static hfs_status write_outputs(const char *dir, const char *file_name,
                                writer_fn write, void *user, hfs_study *st,
                                const options *o, int argc, char **argv,
                                const char *started, double seconds,
                                hfs_diag *d)
{
  hfs_output_set out;
  hfs_status s = hfs_output_open(&out, dir, d);
  if (s == HFS_OK) {
    FILE *f = hfs_output_add(&out, file_name, d);
    FILE *m = f ? hfs_output_add(&out, "manifest.txt", d) : NULL;
    if (f && m) {
      write(f, user);
      hfs_cli_run_info info = {0, st->scenario.threads, seconds};
      hfs_cli_write_manifest(m, st, o, argc, argv, &info, started);
      s = hfs_cli_stop_requested ? HFS_ERR_INTERRUPTED
                                 : hfs_output_commit(&out, d);
    } else {
      s = HFS_ERR_IO;
    }
    if (s != HFS_OK)
      hfs_output_abort(&out);
  }
  hfs_output_free(&out);
  return s;
}

static double icer_vs(const variant_out *v, size_t s)
{
  double dq = v->qaly[s] - v->qaly[0];
  return s == 0 || dq == 0.0 ? HFS_NAN : (v->cost[s] - v->cost[0]) / dq;
}

/* ---- owsa --------------------------------------------------------------- */

typedef struct owsa_row {
  size_t param;
  size_t strategy;
  double swing;
} owsa_row;

typedef struct owsa_data {
  hfs_study *st;
  size_t n_params;
  size_t *params;
  variant_out base;
  variant_out *low, *high;
  double *low_value, *high_value, *base_value;
} owsa_data;

static int by_strategy_then_swing(const void *a, const void *b)
{
  const owsa_row *x = a, *y = b;
  if (x->strategy != y->strategy)
    return x->strategy < y->strategy ? -1 : 1;
  if (x->swing != y->swing)
    return x->swing > y->swing ? -1 : 1;
  return x->param < y->param ? -1 : (x->param > y->param);
}

static void write_owsa(FILE *f, void *user)
{
  owsa_data *od = user;
  hfs_study *st = od->st;
  double w = st->scenario.wtp_main;
  size_t S = st->model.n_strategies;
  fputs("strategy,reference,parameter,base_value,low_value,high_value,"
        "nmb_base,nmb_base_se,nmb_low,nmb_low_se,nmb_high,nmb_high_se,swing,"
        "swing_se,incremental_nmb_low,incremental_nmb_low_se,"
        "incremental_nmb_high,incremental_nmb_high_se,cost_low,cost_low_se,"
        "cost_high,cost_high_se,qaly_low,qaly_low_se,qaly_high,qaly_high_se,"
        "icer_low,icer_high,wtp\n",
        f);
  owsa_row *rows = calloc(od->n_params * S + 1, sizeof *rows);
  if (rows == NULL)
    return;
  size_t n = 0;
  for (size_t i = 0; i < od->n_params; i++)
    for (size_t s = 0; s < S; s++) {
      double lo = w * od->low[i].qaly[s] - od->low[i].cost[s];
      double hi = w * od->high[i].qaly[s] - od->high[i].cost[s];
      rows[n].param = i;
      rows[n].strategy = s;
      rows[n++].swing = fabs(hi - lo);
    }
  qsort(rows, n, sizeof *rows, by_strategy_then_swing);
  for (size_t j = 0; j < n; j++) {
    size_t i = rows[j].param, s = rows[j].strategy;
    const variant_out *lo = &od->low[i], *hi = &od->high[i];
    hfs_csv_write_text(f, st->model.strategy_names[s]);
    fputc(',', f);
    hfs_csv_write_text(f, st->model.strategy_names[0]);
    fputc(',', f);
    hfs_csv_write_text(f, st->params.items[od->params[i]].name);
    put(f, od->base_value[i]);
    put(f, od->low_value[i]);
    put(f, od->high_value[i]);
    put(f, w * od->base.qaly[s] - od->base.cost[s]);
    put(f, od->base.nmb_se[s]);
    put(f, w * lo->qaly[s] - lo->cost[s]);
    put(f, lo->nmb_se[s]);
    put(f, w * hi->qaly[s] - hi->cost[s]);
    put(f, hi->nmb_se[s]);
    put(f, rows[j].swing);
    /* conservative: low and high share patients, which makes the true
     * error of their difference smaller */
    put(f, sqrt(lo->nmb_se[s] * lo->nmb_se[s] + hi->nmb_se[s] * hi->nmb_se[s]));
    put(f, (w * lo->qaly[s] - lo->cost[s]) - (w * lo->qaly[0] - lo->cost[0]));
    put(f, lo->inc_nmb_se[s]);
    put(f, (w * hi->qaly[s] - hi->cost[s]) - (w * hi->qaly[0] - hi->cost[0]));
    put(f, hi->inc_nmb_se[s]);
    put(f, lo->cost[s]);
    put(f, lo->cost_se[s]);
    put(f, hi->cost[s]);
    put(f, hi->cost_se[s]);
    put(f, lo->qaly[s]);
    put(f, lo->qaly_se[s]);
    put(f, hi->qaly[s]);
    put(f, hi->qaly_se[s]);
    put(f, icer_vs(lo, s));
    put(f, icer_vs(hi, s));
    put(f, w);
    fputc('\n', f);
  }
  free(rows);
}

static int cmd_owsa(options *o, int argc, char **argv)
{
  hfs_study st;
  int rc = hfs_cli_load_study(&st, o);
  if (rc >= 0)
    return rc;
  char started[32];
  hfs_cli_now_utc(started);
  double t0 = omp_get_wtime();
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_run_config cfg = hfs_study_run_config(&st);
  cfg.patients = dsa_patients(&st, o, &d);
  hfs_status s = cfg.patients ? HFS_OK : HFS_ERR_INPUT;
  if (s == HFS_OK)
    s = open_early(&st, o, "-owsa", &d);
  owsa_data od;
  memset(&od, 0, sizeof od);
  od.st = &st;
  size_t P = st.params.count;
  od.params = calloc(P + 1, sizeof *od.params);
  od.low = calloc(P + 1, sizeof *od.low);
  od.high = calloc(P + 1, sizeof *od.high);
  od.low_value = calloc(P + 1, sizeof(double));
  od.high_value = calloc(P + 1, sizeof(double));
  od.base_value = calloc(P + 1, sizeof(double));
  if (!od.params || !od.low || !od.high || !od.low_value || !od.high_value ||
      !od.base_value)
    s = HFS_ERR_NOMEM;
  for (size_t i = 0; s == HFS_OK && i < P; i++)
    if (!isnan(st.params.items[i].low))
      od.params[od.n_params++] = i;
  /* Check every low and high value first: nothing is simulated when one
   * of them is invalid for the model. */
  for (size_t j = 0; s == HFS_OK && j < od.n_params; j++) {
    hfs_param *p = &st.params.items[od.params[j]];
    double base = p->value;
    for (int side = 0; side < 2; side++) {
      p->value = side ? p->high : p->low;
      size_t before = hfs_diag_count(&d);
      if (hfs_study_rebuild(&st, &d) != HFS_OK)
        hfs_diag_error(&d, st.params.path, p->line,
                       "%s: its %s value %g is rejected by the model (see "
                       "above); fix the range",
                       p->name, side ? "high" : "low", p->value);
      (void)before;
    }
    p->value = base;
  }
  if (s == HFS_OK && hfs_diag_count(&d) > 0)
    s = HFS_ERR_INPUT;
  if (s == HFS_OK) {
    if (!o->quiet)
      fprintf(stderr,
              "hfsim: one-way analysis of %zu parameters x 2 values, %llu "
              "patients each\n",
              od.n_params, (unsigned long long)cfg.patients);
    s = simulate_variant(&st, &cfg, &od.base, &d);
  }
  for (size_t j = 0; s == HFS_OK && j < od.n_params; j++) {
    if (hfs_cli_stop_requested) {
      s = HFS_ERR_INTERRUPTED;
      break;
    }
    hfs_param *p = &st.params.items[od.params[j]];
    double base = p->value;
    od.base_value[j] = base;
    od.low_value[j] = p->low;
    od.high_value[j] = p->high;
    p->value = p->low;
    s = simulate_variant(&st, &cfg, &od.low[j], &d);
    if (s == HFS_OK) {
      p->value = p->high;
      s = simulate_variant(&st, &cfg, &od.high[j], &d);
    }
    p->value = base;
    if (!o->quiet && isatty(2))
      fprintf(stderr, "\rhfsim: %zu/%zu parameters", j + 1, od.n_params);
  }
  if (!o->quiet && isatty(2))
    fputc('\n', stderr);
  char *dir = default_dir(&st, o, "-owsa");
  if (s == HFS_OK)
    s = write_outputs(dir, "owsa.csv", write_owsa, &od, &st, o, argc, argv,
                      started, omp_get_wtime() - t0, &d);
  hfs_diag_print(&d, stderr);
  if (s == HFS_ERR_INTERRUPTED)
    fprintf(stderr, "hfsim: interrupted; no results were written\n");
  if (s == HFS_OK && !o->quiet)
    printf("hfsim: one-way analysis in %.1f s; wrote %s/owsa.csv and "
           "manifest.txt\n",
           omp_get_wtime() - t0, dir);
  free(dir);
  free(od.params);
  free(od.low);
  free(od.high);
  free(od.low_value);
  free(od.high_value);
  free(od.base_value);
  hfs_diag_free(&d);
  hfs_study_free(&st);
  return hfs_cli_exit_code(s);
}

/* ---- twsa ------------------------------------------------------------ */

typedef struct twsa_data {
  hfs_study *st;
  const char *name[2];
  size_t steps;
  double *value[2];
  variant_out *grid; /* [i * steps + j] */
} twsa_data;

static void write_twsa(FILE *f, void *user)
{
  twsa_data *td = user;
  size_t S = td->st->model.n_strategies;
  double w = td->st->scenario.wtp_main;
  fputs("parameter_a,value_a,parameter_b,value_b,strategy,cost,cost_se,"
        "qaly,qaly_se,nmb,nmb_se,optimal,wtp\n",
        f);
  for (size_t i = 0; i < td->steps; i++)
    for (size_t j = 0; j < td->steps; j++) {
      const variant_out *v = &td->grid[i * td->steps + j];
      size_t best = hfs_cea_optimal(v->cost, v->qaly, S, w);
      for (size_t s = 0; s < S; s++) {
        hfs_csv_write_text(f, td->name[0]);
        put(f, td->value[0][i]);
        fputc(',', f);
        hfs_csv_write_text(f, td->name[1]);
        put(f, td->value[1][j]);
        fputc(',', f);
        hfs_csv_write_text(f, td->st->model.strategy_names[s]);
        put(f, v->cost[s]);
        put(f, v->cost_se[s]);
        put(f, v->qaly[s]);
        put(f, v->qaly_se[s]);
        put(f, w * v->qaly[s] - v->cost[s]);
        put(f, v->nmb_se[s]);
        fprintf(f, ",%s", s == best ? "yes" : "no");
        put(f, w);
        fputc('\n', f);
      }
    }
}

static int cmd_twsa(options *o, int argc, char **argv)
{
  if (o->n_params != 2)
    return hfs_cli_usage_error("twsa",
                               "name two parameters: --param A --param B");
  const char *names[2] = {o->params[0], o->params[1]};
  size_t steps = o->steps ? o->steps : 5;
  hfs_study st;
  int rc = hfs_cli_load_study(&st, o);
  if (rc >= 0)
    return rc;
  char started[32];
  hfs_cli_now_utc(started);
  double t0 = omp_get_wtime();
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_run_config cfg = hfs_study_run_config(&st);
  cfg.patients = dsa_patients(&st, o, &d);
  twsa_data td;
  memset(&td, 0, sizeof td);
  td.st = &st;
  td.steps = steps;
  hfs_param *p[2] = {NULL, NULL};
  double lo[2] = {0, 0}, hi[2] = {0, 0};
  char nm[2][128];
  for (int k = 0; k < 2; k++) {
    snprintf(nm[k], sizeof nm[k], "%s", names[k]);
    char *eq = strchr(nm[k], '=');
    if (eq)
      *eq = '\0';
    td.name[k] = nm[k];
    p[k] = hfs_param_find(&st.params, nm[k]);
    if (p[k] == NULL) {
      const char *sug = hfs_closest_name_strided(
          nm[k], st.params.items, st.params.count, sizeof(hfs_param),
          offsetof(hfs_param, name));
      hfs_diag_error(&d, "--param", 0, "unknown parameter '%s'%s%s%s", nm[k],
                     sug ? " (did you mean '" : "", sug ? sug : "",
                     sug ? "'?)" : "");
      continue;
    }
    lo[k] = p[k]->low;
    hi[k] = p[k]->high;
    if (eq) {
      char *colon = strchr(eq + 1, ':');
      if (colon == NULL) {
        hfs_diag_error(&d, "--param", 0, "%s: expected NAME=LOW:HIGH", nm[k]);
        continue;
      }
      *colon = '\0';
      if (hfs_parse_double(eq + 1, &lo[k]) != 0 ||
          hfs_parse_double(colon + 1, &hi[k]) != 0 || !(lo[k] < hi[k]))
        hfs_diag_error(&d, "--param", 0,
                       "%s: LOW:HIGH must be two numbers with LOW < HIGH",
                       nm[k]);
    } else if (isnan(lo[k])) {
      hfs_diag_error(&d, st.params.path, p[k]->line,
                     "%s has no low/high range; give one as "
                     "--param %s=LOW:HIGH",
                     nm[k], nm[k]);
    }
  }
  if (p[0] && p[1] && p[0] == p[1])
    hfs_diag_error(&d, "--param", 0, "the two parameters must differ");
  hfs_status s = hfs_diag_count(&d) ? HFS_ERR_INPUT : HFS_OK;
  if (s == HFS_OK && cfg.patients == 0)
    s = HFS_ERR_INPUT;
  if (s == HFS_OK)
    s = open_early(&st, o, "-twsa", &d);
  if (s == HFS_OK) {
    td.value[0] = calloc(steps, sizeof(double));
    td.value[1] = calloc(steps, sizeof(double));
    td.grid = calloc(steps * steps, sizeof *td.grid);
    if (!td.value[0] || !td.value[1] || !td.grid)
      s = HFS_ERR_NOMEM;
  }
  double base[2] = {p[0] ? p[0]->value : 0, p[1] ? p[1]->value : 0};
  for (size_t i = 0; s == HFS_OK && i < steps; i++)
    for (int k = 0; k < 2; k++)
      /* weights rather than lo + i*step, so that round grid points print
       * as such (0.9, not 0.8999999999999999) */
      td.value[k][i] = (lo[k] * (double)(steps - 1 - i) + hi[k] * (double)i) /
                       (double)(steps - 1);
  for (size_t i = 0; s == HFS_OK && i < steps; i++)
    for (size_t j = 0; s == HFS_OK && j < steps; j++) {
      if (hfs_cli_stop_requested) {
        s = HFS_ERR_INTERRUPTED;
        break;
      }
      p[0]->value = td.value[0][i];
      p[1]->value = td.value[1][j];
      s = simulate_variant(&st, &cfg, &td.grid[i * steps + j], &d);
    }
  if (p[0] && p[1]) {
    p[0]->value = base[0];
    p[1]->value = base[1];
  }
  char *dir = default_dir(&st, o, "-twsa");
  if (s == HFS_OK)
    s = write_outputs(dir, "twsa.csv", write_twsa, &td, &st, o, argc, argv,
                      started, omp_get_wtime() - t0, &d);
  hfs_diag_print(&d, stderr);
  if (s == HFS_OK && !o->quiet)
    printf("hfsim: two-way grid of %zu x %zu in %.1f s; wrote %s/twsa.csv "
           "and manifest.txt\n",
           steps, steps, omp_get_wtime() - t0, dir);
  free(dir);
  free(td.value[0]);
  free(td.value[1]);
  free(td.grid);
  hfs_diag_free(&d);
  hfs_study_free(&st);
  return hfs_cli_exit_code(s);
}

/* ---- scenarios ------------------------------------------------------- */

typedef struct scenario_data {
  hfs_study *base;
  size_t n;
  char **names; /* [0] = "base" */
  variant_out *out;
  char ***strategy_names; /* per scenario */
  size_t *n_strategies;
  double *wtp;
} scenario_data;

static void write_scenarios(FILE *f, void *user)
{
  scenario_data *sd = user;
  fputs("scenario,strategy,cost,cost_se,qaly,qaly_se,nmb,nmb_se,status,"
        "comparator,icer,optimal,wtp\n",
        f);
  for (size_t i = 0; i < sd->n; i++) {
    const variant_out *v = &sd->out[i];
    size_t S = sd->n_strategies[i];
    hfs_cea_row rows[64];
    if (hfs_cea_analyse(v->cost, v->qaly, S, rows) != HFS_OK)
      continue;
    double w = sd->wtp[i];
    size_t best = hfs_cea_optimal(v->cost, v->qaly, S, w);
    for (size_t r = 0; r < S; r++) {
      size_t s = rows[r].strategy;
      hfs_csv_write_text(f, sd->names[i]);
      fputc(',', f);
      hfs_csv_write_text(f, sd->strategy_names[i][s]);
      put(f, v->cost[s]);
      put(f, v->cost_se[s]);
      put(f, v->qaly[s]);
      put(f, v->qaly_se[s]);
      put(f, w * v->qaly[s] - v->cost[s]);
      put(f, v->nmb_se[s]);
      fprintf(f, ",%s,", hfs_cea_status_name(rows[r].status));
      if (rows[r].comparator >= 0)
        hfs_csv_write_text(f, sd->strategy_names[i][rows[r].comparator]);
      put(f, rows[r].icer);
      fprintf(f, ",%s", s == best ? "yes" : "no");
      put(f, w);
      fputc('\n', f);
    }
  }
}

static int cmd_scenarios(options *o, int argc, char **argv)
{
  hfs_study base;
  int rc = hfs_cli_load_study(&base, o);
  if (rc >= 0)
    return rc;
  char started[32];
  hfs_cli_now_utc(started);
  double t0 = omp_get_wtime();
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_run_config base_cfg = hfs_study_run_config(&base);
  uint64_t patients = dsa_patients(&base, o, &d);
  /* Collect scenario names in file order. */
  const hfs_scenario *sc = &base.scenario;
  size_t cap = 1 + sc->n_settings;
  scenario_data sd;
  memset(&sd, 0, sizeof sd);
  sd.base = &base;
  sd.names = calloc(cap, sizeof *sd.names);
  sd.out = calloc(cap, sizeof *sd.out);
  sd.strategy_names = calloc(cap, sizeof *sd.strategy_names);
  sd.n_strategies = calloc(cap, sizeof *sd.n_strategies);
  sd.wtp = calloc(cap, sizeof *sd.wtp);
  hfs_status s = patients ? HFS_OK : HFS_ERR_INPUT;
  if (!sd.names || !sd.out || !sd.strategy_names || !sd.n_strategies || !sd.wtp)
    s = HFS_ERR_NOMEM;
  if (s == HFS_OK)
    s = open_early(&base, o, "-scenarios", &d);
  if (s == HFS_OK)
    sd.names[sd.n++] = hfs_strdup("base");
  for (size_t i = 0; s == HFS_OK && i < sc->n_settings; i++) {
    const char *sec = sc->settings[i].section;
    if (strncmp(sec, "scenario ", 9) != 0)
      continue;
    int seen = 0;
    for (size_t k = 1; k < sd.n; k++)
      seen |= strcmp(sd.names[k], sec + 9) == 0;
    if (!seen)
      sd.names[sd.n++] = hfs_strdup(sec + 9);
  }
  if (s == HFS_OK && sd.n == 1)
    fprintf(stderr,
            "hfsim: note: no [scenario NAME] sections in %s; only "
            "the base case is run\n",
            sc->path);
  for (size_t i = 0; s == HFS_OK && i < sd.n; i++) {
    if (hfs_cli_stop_requested) {
      s = HFS_ERR_INTERRUPTED;
      break;
    }
    /* Each scenario is loaded afresh: command-line overrides, then the
     * scenario's own, so all validation applies with file and line. */
    size_t n_ov = o->n_overrides;
    hfs_override *ov = calloc(n_ov + sc->n_settings + 1, sizeof *ov);
    char **labels = calloc(sc->n_settings + 1, sizeof *labels);
    char **assign = calloc(sc->n_settings + 1, sizeof *assign);
    size_t n_lab = 0;
    if (!ov || !labels || !assign) {
      s = HFS_ERR_NOMEM;
      free(ov);
      free(labels);
      free(assign);
      break;
    }
    if (n_ov > 0) /* memcpy from NULL is undefined even for 0 bytes */
      memcpy(ov, o->overrides, n_ov * sizeof *ov);
    for (size_t k = 0; i > 0 && k < sc->n_settings; k++) {
      const hfs_setting *e = &sc->settings[k];
      if (strncmp(e->section, "scenario ", 9) != 0 ||
          strcmp(e->section + 9, sd.names[i]) != 0)
        continue;
      size_t la = strlen(e->key) + strlen(e->value) + 2;
      size_t ll = strlen(e->file) + 32;
      assign[n_lab] = malloc(la);
      labels[n_lab] = malloc(ll);
      if (!assign[n_lab] || !labels[n_lab]) {
        s = HFS_ERR_NOMEM;
        break;
      }
      snprintf(assign[n_lab], la, "%s=%s", e->key, e->value);
      snprintf(labels[n_lab], ll, "%s:%ld", e->file, e->line);
      ov[n_ov].assignment = assign[n_lab];
      ov[n_ov].label = labels[n_lab];
      n_ov++;
      n_lab++;
    }
    hfs_study st;
    hfs_study_init(&st);
    if (s == HFS_OK)
      s = i == 0 ? HFS_OK : hfs_study_load(&st, o->config, ov, n_ov, &d);
    hfs_study *use = i == 0 ? &base : &st;
    if (s == HFS_OK) {
      hfs_run_config cfg = i == 0 ? base_cfg : hfs_study_run_config(&st);
      cfg.patients = patients;
      sd.wtp[i] = use->scenario.wtp_main;
      sd.n_strategies[i] = use->model.n_strategies;
      sd.strategy_names[i] =
          calloc(use->model.n_strategies + 1, sizeof(char *));
      for (size_t k = 0; sd.strategy_names[i] && k < use->model.n_strategies;
           k++)
        sd.strategy_names[i][k] = hfs_strdup(use->model.strategy_names[k]);
      if (!o->quiet)
        fprintf(stderr, "hfsim: scenario %s\n", sd.names[i]);
      s = simulate_variant(use, &cfg, &sd.out[i], &d);
    } else if (s == HFS_ERR_INPUT) {
      fprintf(stderr, "hfsim: scenario '%s' is invalid:\n", sd.names[i]);
    }
    hfs_study_free(&st);
    for (size_t k = 0; k < n_lab; k++) {
      free(labels[k]);
      free(assign[k]);
    }
    free(labels);
    free(assign);
    free(ov);
  }
  char *dir = default_dir(&base, o, "-scenarios");
  if (s == HFS_OK)
    s = write_outputs(dir, "scenarios.csv", write_scenarios, &sd, &base, o,
                      argc, argv, started, omp_get_wtime() - t0, &d);
  hfs_diag_print(&d, stderr);
  if (s == HFS_OK && !o->quiet)
    printf("hfsim: %zu scenarios in %.1f s; wrote %s/scenarios.csv and "
           "manifest.txt\n",
           sd.n, omp_get_wtime() - t0, dir);
  for (size_t i = 0; i < sd.n; i++) {
    free(sd.names[i]);
    for (size_t k = 0;
         sd.strategy_names && sd.strategy_names[i] && k < sd.n_strategies[i];
         k++)
      free(sd.strategy_names[i][k]);
    if (sd.strategy_names)
      free(sd.strategy_names[i]);
  }
  free(sd.names);
  free(sd.out);
  free(sd.strategy_names);
  free(sd.n_strategies);
  free(sd.wtp);
  free(dir);
  hfs_diag_free(&d);
  hfs_study_free(&base);
  return hfs_cli_exit_code(s);
}

const hfs_cli_command hfs_cli_cmd_owsa = {
    .name = "owsa",
    .summary = "one-way sensitivity analysis (tornado)",
    .help = owsa_help,
    .options = ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS,
    .run = cmd_owsa,
};

const hfs_cli_command hfs_cli_cmd_twsa = {
    .name = "twsa",
    .summary = "two-way sensitivity analysis on a grid",
    .help = twsa_help,
    .options =
        ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS | ALLOW_TWSA,
    .run = cmd_twsa,
};

const hfs_cli_command hfs_cli_cmd_scenarios = {
    .name = "scenarios",
    .summary = "run the [scenario NAME] sections of the scenario file",
    .help = scenarios_help,
    .options = ALLOW_RUN | ALLOW_SET | ALLOW_PATIENTS | ALLOW_THREADS,
    .run = cmd_scenarios,
};
