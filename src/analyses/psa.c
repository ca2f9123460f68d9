/*
 * psa.c - probabilistic sensitivity analysis (see psa.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/psa.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "hfsim/cea.h"
#include "hfsim/dist.h"
#include "hfsim/mathx.h"
#include "hfsim/numfmt.h"
#include "hfsim/output.h"
#include "hfsim/rng.h"
#include "hfsim/voi.h"

hfs_status hfs_psa_result_init(hfs_psa_result *r, const hfs_study *st,
                               uint64_t iterations)
{
  memset(r, 0, sizeof *r);
  r->iterations = iterations;
  r->n_strategies = st->model.n_strategies;
  const hfs_param_table *t = &st->params;
  r->sampled = calloc(t->count ? t->count : 1, sizeof *r->sampled);
  if (r->sampled == NULL)
    return HFS_ERR_NOMEM;
  for (size_t i = 0; i < t->count; i++)
    if (t->items[i].dist != HFS_DIST_FIXED)
      r->sampled[r->n_sampled++] = i;
  r->values =
      calloc(iterations * (r->n_sampled ? r->n_sampled : 1), sizeof *r->values);
  r->cost = calloc(iterations * r->n_strategies, sizeof *r->cost);
  r->qaly = calloc(iterations * r->n_strategies, sizeof *r->qaly);
  if (!r->values || !r->cost || !r->qaly) {
    hfs_psa_result_free(r);
    return HFS_ERR_NOMEM;
  }
  return HFS_OK;
}

void hfs_psa_result_free(hfs_psa_result *r)
{
  free(r->sampled);
  free(r->values);
  free(r->cost);
  free(r->qaly);
  memset(r, 0, sizeof *r);
}

hfs_status hfs_psa_draw(const hfs_param_table *t, gsl_rng *r, double *values,
                        hfs_diag *d)
{
  size_t n = t->count;
  char *done = calloc(n ? n : 1, 1);
  double *alpha = malloc((n ? n : 1) * sizeof *alpha);
  double *draw = malloc((n ? n : 1) * sizeof *draw);
  size_t *members = malloc((n ? n : 1) * sizeof *members);
  hfs_status st = HFS_OK;
  if (!done || !alpha || !draw || !members)
    st = HFS_ERR_NOMEM;
  for (size_t i = 0; st == HFS_OK && i < n; i++) {
    const hfs_param *p = &t->items[i];
    if (done[i])
      continue;
    if (p->dist == HFS_DIST_DIRICHLET) {
      /* the whole group at its first member, in table order */
      size_t k = 0;
      for (size_t j = i; j < n; j++)
        if (t->items[j].dist == HFS_DIST_DIRICHLET &&
            strcmp(t->items[j].group, p->group) == 0) {
          members[k] = j;
          alpha[k++] = t->items[j].dist_a;
        }
      hfs_dist_sample_dirichlet(alpha, k, r, draw);
      for (size_t j = 0; j < k; j++) {
        values[members[j]] = draw[j];
        done[members[j]] = 1;
      }
      continue;
    }
    hfs_dist_fitted f;
    char why[256];
    if (hfs_dist_fit(p->dist, p->dist_a, p->dist_b, p->low, p->high, p->value,
                     &f, why, sizeof why) != HFS_OK) {
      hfs_diag_error(d, t->path, p->line, "%s: %s", p->name, why);
      st = HFS_ERR_INPUT;
      break;
    }
    values[i] = hfs_dist_sample(&f, r);
    done[i] = 1;
  }
  free(done);
  free(alpha);
  free(draw);
  free(members);
  return st;
}

/* ---- running ---------------------------------------------------------- */

/* Flush F: 0, or -1 with errno set if any write to it failed. */
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

int hfs_psa_checkpoint_line(FILE *f, const hfs_psa_result *r, uint64_t k)
{
  char buf[40];
  fprintf(f, "%llu", (unsigned long long)k);
  for (size_t j = 0; j < r->n_sampled; j++)
    fprintf(
        f, ",%s",
        hfs_format_double(buf, sizeof buf, r->values[k * r->n_sampled + j]));
  for (size_t s = 0; s < r->n_strategies; s++) {
    fprintf(
        f, ",%s",
        hfs_format_double(buf, sizeof buf, r->cost[k * r->n_strategies + s]));
    fprintf(
        f, ",%s",
        hfs_format_double(buf, sizeof buf, r->qaly[k * r->n_strategies + s]));
  }
  fputc('\n', f);
  return flushed(f);
}

/* Iterations run in parallel, one per thread, each simulating its patients
 * on one thread: with a thousand patients per iteration there are only a
 * few blocks, so splitting iterations keeps both cores busy. Models are
 * created serially (creation reads the shared scenario) for a chunk of
 * iterations, simulated in parallel, and recorded in iteration order. */
hfs_status hfs_psa_run(const hfs_study *st, const hfs_run_config *cfg,
                       hfs_psa_result *r, FILE *checkpoint,
                       hfs_psa_progress_fn progress, void *user, hfs_diag *d)
{
  const hfs_param_table *t = &st->params;
  volatile sig_atomic_t *stop = cfg->stop_flag;
  const size_t P = t->count ? t->count : 1;
  int threads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
  const size_t chunk = (size_t)(threads > 0 ? threads : 1);
  double *values = malloc(chunk * P * sizeof *values);
  hfs_model *models = calloc(chunk, sizeof *models);
  hfs_results *res = calloc(chunk, sizeof *res);
  hfs_status *status = calloc(chunk, sizeof *status);
  hfs_diag *diags = calloc(chunk, sizeof *diags);
  hfs_stream_id id = {cfg->seed, 0, 0, 0};
  gsl_rng *rng = hfs_rng_alloc(id);
  hfs_status s = HFS_OK;
  if (!values || !models || !res || !status || !diags || !rng)
    s = HFS_ERR_NOMEM;
  for (size_t j = 0; s == HFS_OK && j < chunk; j++) {
    hfs_results_init(&res[j]);
    hfs_diag_init(&diags[j]);
  }

  while (s == HFS_OK && r->done < r->iterations) {
    if (stop != NULL && *stop) {
      s = HFS_ERR_INTERRUPTED;
      break;
    }
    uint64_t k0 = r->done;
    size_t n =
        (size_t)(r->iterations - k0 < chunk ? r->iterations - k0 : chunk);
    /* draw and build serially, in iteration order */
    size_t built = 0;
    for (size_t j = 0; s == HFS_OK && j < n; j++) {
      uint64_t k = k0 + j;
      hfs_stream_id pid = {cfg->seed, k + 1, 0, 0};
      hfs_rng_set_stream(rng, pid);
      double *v = values + j * P;
      s = hfs_psa_draw(t, rng, v, d);
      if (s != HFS_OK)
        break;
      size_t before = hfs_diag_count(d);
      s = hfs_study_instantiate(st, v, &models[j], d);
      if (s != HFS_OK) {
        hfs_diag_error(d, t->path, 0,
                       "PSA iteration %llu drew parameters the model rejects "
                       "(%zu problems above); narrow the distributions",
                       (unsigned long long)k + 1, hfs_diag_count(d) - before);
        break;
      }
      built++;
    }
    if (s == HFS_OK) {
      hfs_run_config c = *cfg;
      c.replicate = 0; /* the same patients in every iteration */
      c.patient_rows = NULL;
      c.stop_flag = stop; /* a stopped chunk is not recorded */
      c.threads = 1;
#pragma omp parallel for schedule(static, 1) num_threads(threads)
      for (long j = 0; j < (long)n; j++)
        status[j] = hfs_engine_run(&models[j], &c, &res[j], &diags[j]);
      for (size_t j = 0; j < n; j++) {
        hfs_diag_print(&diags[j], stderr);
        if (status[j] != HFS_OK && s == HFS_OK)
          s = status[j];
      }
    }
    for (size_t j = 0; s == HFS_OK && j < n; j++) {
      uint64_t k = k0 + j;
      for (size_t q = 0; q < r->n_sampled; q++)
        r->values[k * r->n_sampled + q] = values[j * P + r->sampled[q]];
      for (size_t q = 0; q < r->n_strategies; q++) {
        r->cost[k * r->n_strategies + q] =
            res[j].outcomes[q * res[j].n_outcomes + st->cls->cost_outcome].mean;
        r->qaly[k * r->n_strategies + q] =
            res[j].outcomes[q * res[j].n_outcomes + st->cls->qaly_outcome].mean;
      }
      r->done = k + 1;
      if (checkpoint != NULL &&
          hfs_psa_checkpoint_line(checkpoint, r, k) != 0) {
        hfs_diag_error(d, NULL, 0,
                       "cannot write the PSA checkpoint (.psa-checkpoint in "
                       "the output folder): %s",
                       strerror(errno));
        s = HFS_ERR_IO;
      }
      if (progress != NULL)
        progress(user, r->done, r->iterations);
    }
    for (size_t j = 0; j < built; j++)
      hfs_model_destroy(&models[j]);
  }
  for (size_t j = 0; res && diags && j < chunk; j++) {
    hfs_results_free(&res[j]);
    hfs_diag_free(&diags[j]);
  }
  if (rng)
    gsl_rng_free(rng);
  free(values);
  free(models);
  free(res);
  free(status);
  free(diags);
  return s;
}

int hfs_psa_checkpoint_header(FILE *f, const char *fingerprint)
{
  fprintf(f, "hfsim-psa-checkpoint %s\n", fingerprint);
  return flushed(f);
}

hfs_status hfs_psa_checkpoint_read(const char *path, const char *fingerprint,
                                   hfs_psa_result *r, hfs_diag *d)
{
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return HFS_OK; /* nothing to resume: start from the beginning */
  char *line = NULL;
  size_t cap = 0;
  hfs_status st = HFS_OK;
  long lineno = 0;
  ssize_t first = getline(&line, &cap, f);
  if (first <= 0 || line[first - 1] != '\n') {
    /* empty (a full disk, or killed before its first line was out) */
    free(line);
    fclose(f);
    return HFS_OK;
  }
  if (strncmp(line, "hfsim-psa-checkpoint ", 21) != 0 ||
      strncmp(line + 21, fingerprint, strlen(fingerprint)) != 0 ||
      line[21 + strlen(fingerprint)] != '\n') {
    hfs_diag_error(d, path, 1,
                   "this checkpoint belongs to a different PSA (other "
                   "inputs, seed, patients or iterations); delete it or run "
                   "without --resume");
    st = HFS_ERR_INPUT;
  }
  lineno = 1;
  while (st == HFS_OK && getline(&line, &cap, f) > 0) {
    lineno++;
    if (line[strlen(line) - 1] != '\n')
      break; /* a torn last line (killed while writing): redo it */
    char *p = line, *end;
    unsigned long long k = strtoull(p, &end, 10);
    if (end == p || *end != ',' || k != r->done || k >= r->iterations) {
      hfs_diag_error(d, path, lineno, "damaged checkpoint line");
      st = HFS_ERR_INPUT;
      break;
    }
    size_t n = r->n_sampled + 2 * r->n_strategies;
    double *vals = malloc((n ? n : 1) * sizeof *vals);
    size_t got = 0;
    p = end;
    while (vals != NULL && *p == ',' && got < n) {
      vals[got++] = strtod(p + 1, &end);
      p = end;
    }
    if (vals == NULL || got != n || *p != '\n') {
      free(vals);
      hfs_diag_error(d, path, lineno, "damaged checkpoint line");
      st = HFS_ERR_INPUT;
      break;
    }
    for (size_t j = 0; j < r->n_sampled; j++)
      r->values[k * r->n_sampled + j] = vals[j];
    for (size_t s = 0; s < r->n_strategies; s++) {
      r->cost[k * r->n_strategies + s] = vals[r->n_sampled + 2 * s];
      r->qaly[k * r->n_strategies + s] = vals[r->n_sampled + 2 * s + 1];
    }
    free(vals);
    r->done = k + 1;
  }
  free(line);
  fclose(f);
  return st;
}

/* ---- outputs ------------------------------------------------------------ */

static void put(FILE *f, double x)
{
  char buf[40];
  fputs(hfs_format_double(buf, sizeof buf, x), f);
}

void hfs_psa_write_parameters(FILE *f, const hfs_study *st,
                              const hfs_psa_result *r)
{
  fputs("iteration", f);
  for (size_t j = 0; j < r->n_sampled; j++)
    fprintf(f, ",%s", st->params.items[r->sampled[j]].name);
  fputc('\n', f);
  for (uint64_t k = 0; k < r->done; k++) {
    fprintf(f, "%llu", (unsigned long long)k + 1);
    for (size_t j = 0; j < r->n_sampled; j++) {
      fputc(',', f);
      put(f, r->values[k * r->n_sampled + j]);
    }
    fputc('\n', f);
  }
}

static void wtp_column(FILE *f, const char *stem, double wtp)
{
  char buf[40];
  fprintf(f, ",%s_at_wtp_%s", stem, hfs_format_double(buf, sizeof buf, wtp));
}

void hfs_psa_write_iterations(FILE *f, const hfs_study *st,
                              const hfs_psa_result *r, const double *wtp,
                              size_t n_wtp)
{
  fputs("iteration,strategy,cost,qaly", f);
  for (size_t w = 0; w < n_wtp; w++)
    wtp_column(f, "nmb", wtp[w]);
  fputc('\n', f);
  size_t S = r->n_strategies;
  for (uint64_t k = 0; k < r->done; k++)
    for (size_t s = 0; s < S; s++) {
      fprintf(f, "%llu,", (unsigned long long)k + 1);
      hfs_csv_write_text(f, st->model.strategy_names[s]);
      double c = r->cost[k * S + s], q = r->qaly[k * S + s];
      fputc(',', f);
      put(f, c);
      fputc(',', f);
      put(f, q);
      for (size_t w = 0; w < n_wtp; w++) {
        fputc(',', f);
        put(f, wtp[w] * q - c);
      }
      fputc('\n', f);
    }
}

/* mean, Monte Carlo se, 2.5% and 97.5% (R's type 7) of X[0..n) */
static void describe(FILE *f, double *x, size_t n)
{
  double mean = gsl_stats_mean(x, 1, n);
  double sd = n > 1 ? gsl_stats_sd_m(x, 1, n, mean) : 0.0;
  gsl_sort(x, 1, n);
  fputc(',', f);
  put(f, mean);
  fputc(',', f);
  put(f, sd / sqrt((double)n));
  fputc(',', f);
  put(f, gsl_stats_quantile_from_sorted_data(x, 1, n, 0.025));
  fputc(',', f);
  put(f, gsl_stats_quantile_from_sorted_data(x, 1, n, 0.975));
}

void hfs_psa_write_summary(FILE *f, const hfs_study *st,
                           const hfs_psa_result *r, const double *wtp,
                           size_t n_wtp)
{
  static const char *const stems[] = {"cost", "qaly", "incremental_cost",
                                      "incremental_qaly"};
  fputs("strategy,reference", f);
  for (size_t i = 0; i < 4; i++)
    fprintf(f, ",%s_mean,%s_se,%s_p2_5,%s_p97_5", stems[i], stems[i], stems[i],
            stems[i]);
  fputs(",icer", f);
  for (size_t w = 0; w < n_wtp; w++) {
    wtp_column(f, "nmb_mean", wtp[w]);
    wtp_column(f, "nmb_se", wtp[w]);
    wtp_column(f, "incremental_nmb_mean", wtp[w]);
    wtp_column(f, "incremental_nmb_se", wtp[w]);
    wtp_column(f, "incremental_nmb_p2_5", wtp[w]);
    wtp_column(f, "incremental_nmb_p97_5", wtp[w]);
  }
  fputc('\n', f);
  size_t S = r->n_strategies, K = (size_t)r->done;
  double *x = malloc((K ? K : 1) * sizeof *x);
  if (x == NULL || K == 0) {
    free(x);
    return;
  }
  for (size_t s = 0; s < S; s++) {
    hfs_csv_write_text(f, st->model.strategy_names[s]);
    fputc(',', f);
    hfs_csv_write_text(f, st->model.strategy_names[0]);
    double inc_c = 0, inc_q = 0;
    for (int which = 0; which < 4; which++) {
      for (size_t k = 0; k < K; k++) {
        double c = r->cost[k * S + s], q = r->qaly[k * S + s];
        double c0 = r->cost[k * S], q0 = r->qaly[k * S];
        x[k] = which == 0 ? c : which == 1 ? q : which == 2 ? c - c0 : q - q0;
      }
      if (which == 2)
        inc_c = gsl_stats_mean(x, 1, K);
      if (which == 3)
        inc_q = gsl_stats_mean(x, 1, K);
      describe(f, x, K);
    }
    fputc(',', f);
    if (s != 0 && inc_q != 0.0)
      put(f, inc_c / inc_q);
    for (size_t w = 0; w < n_wtp; w++) {
      for (size_t k = 0; k < K; k++)
        x[k] = wtp[w] * r->qaly[k * S + s] - r->cost[k * S + s];
      double m = gsl_stats_mean(x, 1, K);
      double sd = K > 1 ? gsl_stats_sd_m(x, 1, K, m) : 0.0;
      fputc(',', f);
      put(f, m);
      fputc(',', f);
      put(f, sd / sqrt((double)K));
      for (size_t k = 0; k < K; k++)
        x[k] -= wtp[w] * r->qaly[k * S] - r->cost[k * S];
      m = gsl_stats_mean(x, 1, K);
      sd = K > 1 ? gsl_stats_sd_m(x, 1, K, m) : 0.0;
      fputc(',', f);
      put(f, m);
      fputc(',', f);
      put(f, sd / sqrt((double)K));
      gsl_sort(x, 1, K);
      fputc(',', f);
      put(f, gsl_stats_quantile_from_sorted_data(x, 1, K, 0.025));
      fputc(',', f);
      put(f, gsl_stats_quantile_from_sorted_data(x, 1, K, 0.975));
    }
    fputc('\n', f);
  }
  free(x);
}

void hfs_psa_write_ceac(FILE *f, const hfs_study *st, const hfs_psa_result *r,
                        double wtp_max, double wtp_step)
{
  size_t S = r->n_strategies, K = (size_t)r->done;
  fputs("wtp,strategy,probability_cost_effective,probability_se,"
        "on_frontier\n",
        f);
  double *prob = malloc(S * sizeof *prob);
  if (prob == NULL || K == 0) {
    free(prob);
    return;
  }
  size_t steps = (size_t)floor(wtp_max / wtp_step + 1e-9);
  for (size_t i = 0; i <= steps; i++) {
    double wtp = (double)i * wtp_step;
    size_t frontier = 0;
    if (hfs_ceac(r->cost, r->qaly, K, S, wtp, prob, &frontier) != HFS_OK)
      continue;
    for (size_t s = 0; s < S; s++) {
      put(f, wtp);
      fputc(',', f);
      hfs_csv_write_text(f, st->model.strategy_names[s]);
      fputc(',', f);
      put(f, prob[s]);
      fputc(',', f);
      put(f, sqrt(prob[s] * (1 - prob[s]) / (double)K));
      fprintf(f, ",%s\n", s == frontier ? "yes" : "no");
    }
  }
  free(prob);
}

void hfs_psa_write_evpi(FILE *f, const hfs_psa_result *r, double wtp_max,
                        double wtp_step, double population)
{
  size_t S = r->n_strategies, K = (size_t)r->done;
  fputs("wtp,evpi_per_patient,evpi_population\n", f);
  if (K == 0)
    return;
  size_t steps = (size_t)floor(wtp_max / wtp_step + 1e-9);
  for (size_t i = 0; i <= steps; i++) {
    double wtp = (double)i * wtp_step;
    double e = hfs_evpi(r->cost, r->qaly, K, S, wtp);
    put(f, wtp);
    fputc(',', f);
    put(f, e);
    fputc(',', f);
    put(f, e * population);
    fputc('\n', f);
  }
}

/* Parse GROUPS into arrays of sampled-column indices; returns number of
 * groups or -1 with errors in D. */
static long parse_groups(const hfs_study *st, const hfs_psa_result *r,
                         const char *groups, const char *origin, long line,
                         size_t **cols, size_t **sizes, char ***labels,
                         hfs_diag *d)
{
  char *copy = hfs_strdup(groups);
  size_t cap = 1, n = 0; /* groups: one more than the semicolons */
  for (const char *q = groups; *q; q++)
    cap += *q == ';';
  *cols = calloc(r->n_sampled * cap + 1, sizeof **cols);
  *sizes = calloc(cap, sizeof **sizes);
  *labels = calloc(cap + 1, sizeof **labels); /* NULL-terminated */
  if (!copy || !*cols || !*sizes || !*labels) {
    free(copy);
    return -1;
  }
  int ok = 1;
  char *save_g = NULL;
  for (char *g = strtok_r(copy, ";", &save_g); g && n < cap;
       g = strtok_r(NULL, ";", &save_g)) {
    char label[512] = "";
    size_t m = 0;
    char *save_p = NULL;
    for (char *nm = strtok_r(g, ", \t", &save_p); nm;
         nm = strtok_r(NULL, ", \t", &save_p)) {
      const hfs_param *p = hfs_param_find(&st->params, nm);
      long col = -1;
      for (size_t j = 0; p && j < r->n_sampled; j++)
        if (&st->params.items[r->sampled[j]] == p)
          col = (long)j;
      if (p == NULL) {
        const char *sug = hfs_closest_name_strided(
            nm, st->params.items, st->params.count, sizeof(hfs_param),
            offsetof(hfs_param, name));
        hfs_diag_error(d, origin, line, "evppi: unknown parameter '%s'%s%s%s",
                       nm, sug ? " (did you mean '" : "", sug ? sug : "",
                       sug ? "'?)" : "");
        ok = 0;
      } else if (col < 0) {
        hfs_diag_error(d, origin, line,
                       "evppi: parameter '%s' is fixed (distribution fixed), "
                       "so it has no uncertainty to value",
                       nm);
        ok = 0;
      } else if (m < r->n_sampled) {
        (*cols)[n * r->n_sampled + m++] = (size_t)col;
        if (label[0])
          strncat(label, "+", sizeof label - strlen(label) - 1);
        strncat(label, nm, sizeof label - strlen(label) - 1);
      }
    }
    if (m == 0)
      continue;
    (*sizes)[n] = m;
    (*labels)[n] = hfs_strdup(label);
    n++;
  }
  free(copy);
  return ok ? (long)n : -1;
}

static void free_groups(size_t *cols, size_t *sizes, char **labels)
{
  for (size_t i = 0; labels != NULL && labels[i] != NULL; i++)
    free(labels[i]);
  free(labels);
  free(cols);
  free(sizes);
}

hfs_status hfs_psa_check_groups(const hfs_study *st, const hfs_psa_result *r,
                                const char *groups, const char *origin,
                                long line, hfs_diag *d)
{
  size_t *cols, *sizes;
  char **labels;
  long n = parse_groups(st, r, groups, origin, line, &cols, &sizes, &labels, d);
  /* the regression needs more iterations than terms: say so now, not
   * after the whole PSA has run */
  int too_few = 0;
  for (long g = 0; g < n; g++) {
    size_t terms = hfs_evppi_n_terms(sizes[g], (size_t)r->iterations);
    if ((size_t)r->iterations <= terms) {
      hfs_diag_error(d, origin, line,
                     "evppi for %s: %llu iterations are too few for the "
                     "regression (need more than %zu); raise --iterations or "
                     "leave the group out of [psa] evppi",
                     labels[g], (unsigned long long)r->iterations, terms);
      too_few = 1;
    }
  }
  free_groups(cols, sizes, labels);
  return n < 0 || too_few ? HFS_ERR_INPUT : HFS_OK;
}

hfs_status hfs_psa_write_evppi(FILE *f, const hfs_study *st,
                               const hfs_psa_result *r, const char *groups,
                               const double *wtp, size_t n_wtp,
                               double population, hfs_diag *d)
{
  size_t *cols, *sizes;
  char **labels;
  long n = parse_groups(st, r, groups, "evppi", 0, &cols, &sizes, &labels, d);
  if (n < 0) {
    free_groups(cols, sizes, labels);
    return HFS_ERR_INPUT;
  }
  size_t K = (size_t)r->done, S = r->n_strategies;
  fputs("wtp,parameters,evppi_per_patient,evppi_population,"
        "evpi_per_patient\n",
        f);
  double *x =
      malloc((K ? K : 1) * (r->n_sampled ? r->n_sampled : 1) * sizeof *x);
  hfs_status status = x ? HFS_OK : HFS_ERR_NOMEM;
  for (size_t w = 0; status == HFS_OK && w < n_wtp; w++) {
    double evpi = hfs_evpi(r->cost, r->qaly, K, S, wtp[w]);
    for (long g = 0; g < n; g++) {
      size_t P = sizes[g];
      for (size_t k = 0; k < K; k++)
        for (size_t j = 0; j < P; j++)
          x[k * P + j] =
              r->values[k * r->n_sampled + cols[(size_t)g * r->n_sampled + j]];
      double e = HFS_NAN;
      if (hfs_evppi(r->cost, r->qaly, K, S, wtp[w], x, P, &e) != HFS_OK) {
        hfs_diag_error(d, NULL, 0,
                       "evppi for %s: %zu iterations are too few for the "
                       "regression (need more than %zu)",
                       labels[g], K, hfs_evppi_n_terms(P, K));
        status = HFS_ERR_INPUT;
        break;
      }
      put(f, wtp[w]);
      fputc(',', f);
      hfs_csv_write_text(f, labels[g]);
      fputc(',', f);
      put(f, e);
      fputc(',', f);
      put(f, e * population);
      fputc(',', f);
      put(f, evpi);
      fputc('\n', f);
    }
  }
  free(x);
  free_groups(cols, sizes, labels);
  return status;
}
