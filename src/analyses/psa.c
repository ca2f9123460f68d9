/*
 * psa.c - probabilistic sensitivity analysis (see psa.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/psa.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "hfsim/cea.h"
#include "hfsim/csvread.h"
#include "hfsim/dist.h"
#include "hfsim/mathx.h"
#include "hfsim/numfmt.h"
#include "hfsim/output.h"
#include "hfsim/parallel.h"
#include "hfsim/rng.h"
#include "hfsim/sha256.h"
#include "hfsim/voi.h"

/* Whether a member of Dirichlet group GROUP was set by an override. */
static int group_overridden(const hfs_param_table *t, const char *group)
{
  for (size_t j = 0; j < t->count; j++)
    if (t->items[j].dist == HFS_DIST_DIRICHLET && t->items[j].origin &&
        strcmp(t->items[j].group, group) == 0)
      return 1;
  return 0;
}

/* Whether parameter I was set by an override (--set, --scenario), itself
 * or through its Dirichlet group, whatever its distribution. */
static int overridden(const hfs_param_table *t, size_t i)
{
  const hfs_param *p = &t->items[i];
  return p->origin != NULL ||
         (p->dist == HFS_DIST_DIRICHLET && group_overridden(t, p->group));
}

int hfs_psa_fixed_by_override(const hfs_param_table *t, size_t i)
{
  const hfs_param *p = &t->items[i];
  if (p->dist == HFS_DIST_FIXED)
    return 0; /* fixed anyway */
  if (p->origin != NULL)
    return 1;
  return p->dist == HFS_DIST_DIRICHLET && group_overridden(t, p->group);
}

size_t hfs_psa_report_fixed(FILE *f, const hfs_param_table *t,
                            const char *prefix)
{
  size_t n = 0;
  char buf[40];
  for (size_t i = 0; i < t->count; i++) {
    if (!hfs_psa_fixed_by_override(t, i))
      continue;
    const hfs_param *p = &t->items[i];
    fprintf(f, "%s%s = %s (%s)\n", prefix, p->name,
            hfs_format_double(buf, sizeof buf, p->value),
            p->origin ? p->origin : "its Dirichlet group was overridden");
    n++;
  }
  return n;
}

hfs_status hfs_psa_result_init(hfs_psa_result *r, const hfs_study *st,
                               uint64_t iterations)
{
  memset(r, 0, sizeof *r);
  r->iterations = iterations;
  r->n_strategies = st->model.n_strategies;
  if (st->scenario.currency != NULL)
    snprintf(r->currency, sizeof r->currency, "%s", st->scenario.currency);
  const hfs_param_table *t = &st->params;
  r->sampled = calloc(t->count ? t->count : 1, sizeof *r->sampled);
  if (r->sampled == NULL)
    return HFS_ERR_NOMEM;
  for (size_t i = 0; i < t->count; i++)
    if (t->items[i].dist != HFS_DIST_FIXED &&
        !hfs_psa_fixed_by_override(t, i))
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
  free(r->posterior_used);
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
  /* Overridden parameters are drawn above all the same, so that the
   * stream stays aligned and every other parameter gets the very values
   * it gets without the override; then they are put back. */
  for (size_t i = 0; st == HFS_OK && i < n; i++)
    if (hfs_psa_fixed_by_override(t, i))
      values[i] = t->items[i].value;
  free(done);
  free(alpha);
  free(draw);
  free(members);
  return st;
}

/* ---- a calibrated posterior --------------------------------------------- */

void hfs_psa_posterior_free(hfs_psa_posterior *p)
{
  free(p->path);
  free(p->index);
  free(p->values);
  free(p->lines);
  memset(p, 0, sizeof *p);
}

typedef struct posterior_reader {
  hfs_psa_posterior *p;
  const hfs_param_table *t;
  hfs_diag *d;
  size_t n_fields;
  size_t *column; /* [field] parameter slot, or SIZE_MAX for other columns */
  int bad, nomem;
} posterior_reader;

static int posterior_row(void *user, const hfs_csv_row *row)
{
  posterior_reader *pr = user;
  hfs_psa_posterior *p = pr->p;
  if (pr->n_fields == 0) {
    pr->n_fields = row->n_fields;
    pr->column = malloc(row->n_fields * sizeof *pr->column);
    p->index = malloc(row->n_fields * sizeof *p->index);
    if (!pr->column || !p->index) {
      pr->nomem = 1;
      return 1;
    }
    for (size_t i = 0; i < row->n_fields; i++) {
      const char *name = row->fields[i];
      pr->column[i] = SIZE_MAX;
      if (!strcmp(name, "sample") || !strcmp(name, "evaluation") ||
          !strcmp(name, "log_likelihood"))
        continue;
      const hfs_param *q = hfs_param_find(pr->t, name);
      if (q == NULL) {
        const char *sug = hfs_closest_name_strided(
            name, pr->t->items, pr->t->count, sizeof *pr->t->items,
            offsetof(hfs_param, name));
        hfs_diag_error(pr->d, p->path, row->line,
                       "column '%s' is not a parameter of %s%s%s%s", name,
                       pr->t->path, sug ? " (did you mean '" : "",
                       sug ? sug : "", sug ? "'?)" : "");
        pr->bad = 1;
        continue;
      }
      if (q->dist == HFS_DIST_DIRICHLET) {
        hfs_diag_error(pr->d, p->path, row->line,
                       "'%s' is part of a Dirichlet group; it cannot be "
                       "drawn from a posterior alone",
                       name);
        pr->bad = 1;
        continue;
      }
      for (size_t j = 0; j < p->n_params; j++)
        if (p->index[j] == (size_t)(q - pr->t->items)) {
          hfs_diag_error(pr->d, p->path, row->line, "column '%s' appears twice",
                         name);
          pr->bad = 1;
        }
      pr->column[i] = p->n_params;
      p->index[p->n_params++] = (size_t)(q - pr->t->items);
    }
    if (p->n_params == 0 && !pr->bad) {
      hfs_diag_error(pr->d, p->path, row->line,
                     "no parameter column (expected the header of "
                     "posterior.csv: sample,evaluation,NAME...,"
                     "log_likelihood)");
      pr->bad = 1;
    }
    return pr->bad;
  }
  if (row->n_fields != pr->n_fields) {
    hfs_diag_error(pr->d, p->path, row->line, "expected %zu fields, got %zu",
                   pr->n_fields, row->n_fields);
    pr->bad = 1;
    return 0;
  }
  double *v =
      realloc(p->values, (p->n_rows + 1) * p->n_params * sizeof *p->values);
  if (v != NULL)
    p->values = v;
  long *ln = v ? realloc(p->lines, (p->n_rows + 1) * sizeof *p->lines) : NULL;
  if (v == NULL || ln == NULL) {
    pr->nomem = 1;
    return 1;
  }
  p->lines = ln;
  ln[p->n_rows] = row->line;
  for (size_t i = 0; i < row->n_fields; i++) {
    if (pr->column[i] == SIZE_MAX)
      continue;
    double x;
    if (hfs_parse_double(row->fields[i], &x) != 0) {
      hfs_diag_error(
          pr->d, p->path, row->line, "%s: expected a number, got '%s'",
          pr->t->items[p->index[pr->column[i]]].name, row->fields[i]);
      pr->bad = 1;
      return 0;
    }
    v[p->n_rows * p->n_params + pr->column[i]] = x;
  }
  p->n_rows++;
  return 0;
}

hfs_status hfs_psa_posterior_read(hfs_psa_posterior *p, const char *path,
                                  const hfs_param_table *t, hfs_diag *d)
{
  memset(p, 0, sizeof *p);
  p->path = hfs_strdup(path);
  if (p->path == NULL)
    return HFS_ERR_NOMEM;
  posterior_reader pr = {p, t, d, 0, NULL, 0, 0};
  hfs_status s = hfs_csv_read(path, posterior_row, &pr, d);
  free(pr.column);
  if (pr.nomem)
    s = HFS_ERR_NOMEM;
  else if (s == HFS_OK && pr.bad)
    s = HFS_ERR_INPUT;
  else if (s == HFS_OK && p->n_rows == 0) {
    hfs_diag_error(d, path, 0, "no posterior draws (only a header, or empty)");
    s = HFS_ERR_INPUT;
  }
  if (s != HFS_OK)
    hfs_psa_posterior_free(p);
  return s;
}

hfs_status hfs_psa_use_posterior(hfs_psa_result *r, const hfs_study *st,
                                 const hfs_psa_posterior *p)
{
  const hfs_param_table *t = &st->params;
  size_t n = 0;
  for (size_t i = 0; i < t->count; i++) {
    /* an override fixes a calibrated parameter too (README, "Overrides
     * are fixed values"): its posterior column is not used */
    int in = t->items[i].dist != HFS_DIST_FIXED;
    for (size_t j = 0; j < p->n_params; j++)
      in |= p->index[j] == i;
    if (in && !overridden(t, i))
      r->sampled[n++] = i;
  }
  free(r->posterior_used);
  r->posterior_used = calloc(p->n_params ? p->n_params : 1,
                             sizeof *r->posterior_used);
  if (r->posterior_used == NULL)
    return HFS_ERR_NOMEM;
  for (size_t j = 0; j < p->n_params; j++)
    r->posterior_used[j] = !overridden(t, p->index[j]);
  if (n != r->n_sampled) {
    double *v = calloc(r->iterations * n, sizeof *v);
    if (v == NULL)
      return HFS_ERR_NOMEM;
    free(r->values);
    r->values = v;
    r->n_sampled = n;
  }
  r->posterior = p;
  return HFS_OK;
}

hfs_status hfs_psa_posterior_check(const hfs_psa_result *r,
                                   const hfs_study *st,
                                   const volatile sig_atomic_t *stop,
                                   hfs_diag *d)
{
  const hfs_psa_posterior *p = r->posterior;
  const hfs_param_table *t = &st->params;
  double *values = malloc((t->count ? t->count : 1) * sizeof *values);
  if (values == NULL)
    return HFS_ERR_NOMEM;
  hfs_status s = HFS_OK;
  size_t bad = 0;
  for (size_t k = 0; k < p->n_rows && bad < 5; k++) {
    if (stop != NULL && *stop) { /* (Ctrl-C: no row is to blame) */
      s = HFS_ERR_INTERRUPTED;
      break;
    }
    for (size_t i = 0; i < t->count; i++)
      values[i] = t->items[i].value;
    for (size_t j = 0; j < p->n_params; j++)
      if (r->posterior_used[j])
        values[p->index[j]] = p->values[k * p->n_params + j];
    hfs_diag quiet;
    hfs_diag_init(&quiet);
    hfs_model m;
    hfs_status ms = hfs_study_instantiate(st, values, &m, &quiet);
    if (ms == HFS_OK) {
      hfs_model_destroy(&m);
    } else if (stop != NULL && *stop) {
      s = HFS_ERR_INTERRUPTED; /* the tables' reading was cut short */
    } else if (ms == HFS_ERR_INPUT) {
      hfs_diag_error(d, p->path, p->lines[k],
                     "this draw is not a valid parameter set: %s",
                     quiet.count ? quiet.entries[0].message : "rejected");
      bad++;
      s = HFS_ERR_INPUT;
    } else {
      s = ms;
    }
    hfs_diag_free(&quiet);
    if (s != HFS_OK && s != HFS_ERR_INPUT)
      break;
  }
  free(values);
  return s;
}

/* Replace the calibrated parameters of VALUES by one posterior row, but
 * for those an override fixes (R->posterior_used). */
static void posterior_draw(const hfs_psa_result *r, gsl_rng *rng,
                           double *values)
{
  const hfs_psa_posterior *p = r->posterior;
  size_t row = (size_t)gsl_rng_uniform_int(rng, p->n_rows);
  for (size_t j = 0; j < p->n_params; j++)
    if (r->posterior_used[j])
      values[p->index[j]] = p->values[row * p->n_params + j];
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

/* The checksum that ends a checkpoint line: the first 16 hex digits of
 * the SHA-256 of the line before it. An edited or damaged line (a cost
 * changed by hand, a flipped bit) no longer matches. */
static void line_checksum(const char *text, size_t n, char out[17])
{
  hfs_sha256 c;
  char hex[65];
  hfs_sha256_init(&c);
  hfs_sha256_update(&c, text, n);
  hfs_sha256_final_hex(&c, hex);
  memcpy(out, hex, 16);
  out[16] = '\0';
}

int hfs_psa_checkpoint_line(FILE *f, const hfs_psa_result *r, uint64_t k)
{
  char buf[40];
  char *line = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&line, &len);
  if (m == NULL)
    return -1;
  fprintf(m, "%llu", (unsigned long long)k);
  for (size_t j = 0; j < r->n_sampled; j++)
    fprintf(
        m, ",%s",
        hfs_format_double(buf, sizeof buf, r->values[k * r->n_sampled + j]));
  for (size_t s = 0; s < r->n_strategies; s++) {
    fprintf(
        m, ",%s",
        hfs_format_double(buf, sizeof buf, r->cost[k * r->n_strategies + s]));
    fprintf(
        m, ",%s",
        hfs_format_double(buf, sizeof buf, r->qaly[k * r->n_strategies + s]));
  }
  if (fclose(m) != 0 || line == NULL) {
    free(line);
    errno = ENOMEM;
    return -1;
  }
  char sum[17];
  line_checksum(line, len, sum);
  fprintf(f, "%s,#%s\n", line, sum);
  free(line);
  return flushed(f);
}

/* Iterations run in parallel, each simulating its patients on one thread:
 * with a thousand patients per iteration there are only a few blocks, so
 * splitting iterations keeps both cores busy. Models are created serially
 * (creation reads the shared scenario) for a chunk of iterations,
 * simulated in parallel, and recorded in iteration order.
 *
 * MPI (parallel.h): a chunk has 8 x THREADS iterations per rank; rank q
 * draws, builds and simulates the q-th share of them, and rank 0 gathers
 * the chunk in iteration order and alone records it (checkpoint,
 * progress). An iteration depends only on (seed, k), so any number of
 * ranks gives the same numbers, and a checkpoint resumes with any number
 * of ranks. The ranks agree at every chunk on stopping; a rank that fails
 * stops the job with a message naming it. */
hfs_status hfs_psa_run(const hfs_study *st, const hfs_run_config *cfg,
                       hfs_psa_result *r, FILE *checkpoint,
                       hfs_psa_progress_fn progress, void *user, hfs_diag *d)
{
  const hfs_param_table *t = &st->params;
  volatile sig_atomic_t *stop = cfg->stop_flag;
  const size_t P = t->count ? t->count : 1;
  int threads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
  /* 8 iterations per thread between the serial steps, taken dynamically:
   * iterations differ in length (their parameters differ), and with one
   * per thread the faster thread idled at every chunk's end (issue 13).
   * MPI: that many per rank (rank 0's thread count: every rank cuts
   * alike). */
  const size_t per_rank =
      (size_t)hfs_par_bcast_int(8 * (threads > 0 ? threads : 1));
  const int me = hfs_par_rank();
  const size_t chunk = per_rank * (size_t)hfs_par_size();
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

  if (s != HFS_OK && me != 0)
    hfs_par_abort(1, "out of memory for the PSA");
  while (r->done < r->iterations) {
    /* the ranks agree: go on, stop (a signal reached one), or rank 0
     * failed (a checkpoint it could not write) */
    if (hfs_par_max_int(s != HFS_OK ? 2 : stop != NULL && *stop)) {
      if (s == HFS_OK)
        s = HFS_ERR_INTERRUPTED;
      break;
    }
    uint64_t k0 = r->done;
    size_t n =
        (size_t)(r->iterations - k0 < chunk ? r->iterations - k0 : chunk);
    /* this rank's iterations of the chunk: k0 + [lo, hi) */
    size_t lo = (size_t)me * per_rank, hi = lo + per_rank;
    if (lo > n)
      lo = n;
    if (hi > n)
      hi = n;
    /* draw and build serially, in iteration order */
    size_t built = 0;
    for (size_t j = lo; s == HFS_OK && j < hi; j++) {
      uint64_t k = k0 + j;
      hfs_stream_id pid = {cfg->seed, k + 1, 0, 0};
      hfs_rng_set_stream(rng, pid);
      double *v = values + j * P;
      s = hfs_psa_draw(t, rng, v, d);
      if (s != HFS_OK)
        break;
      if (r->posterior != NULL)
        posterior_draw(r, rng, v);
      size_t before = hfs_diag_count(d);
      s = hfs_study_instantiate(st, v, &models[j], d);
      if (s != HFS_OK && stop != NULL && *stop) {
        /* a model reading its own tables was interrupted: not a bad draw */
        s = HFS_ERR_INTERRUPTED;
        break;
      }
      if (s != HFS_OK) {
        hfs_diag_error(d, t->path, 0,
                       "PSA iteration %llu drew parameters the model rejects "
                       "(%zu problem%s above); narrow the distributions",
                       (unsigned long long)k + 1, hfs_diag_count(d) - before,
                       hfs_diag_count(d) - before == 1 ? "" : "s");
        break;
      }
      built++;
    }
    if (s == HFS_OK) {
      hfs_run_config c = *cfg;
      c.replicate = 0; /* the same patients in every iteration */
      c.patient_rows = NULL;
      c.stop_flag = stop; /* a stopped chunk is not recorded */
      c.progress = NULL;  /* the PSA reports iterations, not patients */
      c.threads = 1;
      const int fault = hfs_par_test_fault();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
      for (long j = (long)lo; j < (long)hi; j++) {
        status[j] = hfs_engine_run(&models[j], &c, &res[j], &diags[j]);
        if (fault) {
          hfs_diag_error(&diags[j], NULL, 0,
                         "simulated failure (test hook HFSIM_TEST_FAIL_RANK)");
          status[j] = HFS_ERR_NOMEM;
        }
      }
      for (size_t j = lo; j < hi; j++) {
        if (me != 0 && status[j] != HFS_OK && status[j] != HFS_ERR_INTERRUPTED)
          hfs_par_abort(1, "PSA iteration %llu failed: %s",
                        (unsigned long long)(k0 + j) + 1,
                        hfs_diag_count(&diags[j]) ? diags[j].entries[0].message
                                                  : "unknown error");
        hfs_diag_print(&diags[j], stderr);
        if (status[j] != HFS_OK && s == HFS_OK)
          s = status[j];
      }
    } else if (me != 0 && s != HFS_ERR_INTERRUPTED) {
      hfs_par_abort(
          hfs_diag_count(d) ? 3 : 1, "PSA iteration in %llu..%llu: %s",
          (unsigned long long)(k0 + lo) + 1, (unsigned long long)(k0 + hi),
          hfs_diag_count(d) ? d->entries[0].message : "cannot build the model");
    }
    /* every rank agrees whether the chunk is complete */
    if (hfs_par_max_int(s != HFS_OK) && s == HFS_OK)
      s = HFS_ERR_INTERRUPTED;
    for (size_t j = lo; s == HFS_OK && j < hi; j++) {
      uint64_t k = k0 + j;
      for (size_t q = 0; q < r->n_sampled; q++)
        r->values[k * r->n_sampled + q] = values[j * P + r->sampled[q]];
      for (size_t q = 0; q < r->n_strategies; q++) {
        r->cost[k * r->n_strategies + q] =
            res[j].outcomes[q * res[j].n_outcomes + st->cls->cost_outcome].mean;
        r->qaly[k * r->n_strategies + q] =
            res[j].outcomes[q * res[j].n_outcomes + st->cls->qaly_outcome].mean;
      }
    }
    if (s == HFS_OK && hfs_par_active()) {
      /* rank 0 gets the chunk, in iteration order */
      hfs_par_gather_rows(r->values + k0 * r->n_sampled, r->n_sampled, n,
                          per_rank);
      hfs_par_gather_rows(r->cost + k0 * r->n_strategies, r->n_strategies, n,
                          per_rank);
      hfs_par_gather_rows(r->qaly + k0 * r->n_strategies, r->n_strategies, n,
                          per_rank);
      if (me != 0)
        r->done = k0 + n; /* (recorded by rank 0) */
    }
    for (size_t j = 0; s == HFS_OK && me == 0 && j < n; j++) {
      uint64_t k = k0 + j;
      r->done = k + 1;
      if (checkpoint != NULL &&
          hfs_psa_checkpoint_line(checkpoint, r, k) != 0) {
        hfs_diag_error(d, NULL, 0,
                       "cannot write the PSA checkpoint (.NAME.psa-checkpoint "
                       "beside the output folder): %s",
                       strerror(errno));
        s = HFS_ERR_IO;
      }
      if (progress != NULL)
        progress(user, r->done, r->iterations);
      /* a stop between iterations: what is recorded stays, the rest of
       * the chunk is dropped (as a stopped chunk is) */
      if (s == HFS_OK && stop != NULL && *stop && r->done < r->iterations)
        s = HFS_ERR_INTERRUPTED;
    }
    for (size_t j = lo; j < lo + built; j++)
      hfs_model_destroy(&models[j]);
  }
  /* rank 0's verdict on every rank */
  s = (hfs_status)hfs_par_bcast_int((int)s);
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
  ssize_t got_len;
  while (st == HFS_OK && (got_len = getline(&line, &cap, f)) > 0) {
    lineno++;
    /* a torn last line (killed while writing, or zeros after a crash):
     * redo it */
    if (line[got_len - 1] != '\n')
      break;
    if ((size_t)got_len != strlen(line)) { /* a NUL byte: not ours */
      hfs_diag_error(d, path, lineno,
                     "damaged checkpoint line (a NUL byte); delete the "
                     "checkpoint or run without --resume");
      st = HFS_ERR_INPUT;
      break;
    }
    /* the checksum first: "...,#0123456789abcdef\n" */
    size_t len = strlen(line);
    char sum[17];
    if (len < 19 || line[len - 19] != ',' || line[len - 18] != '#') {
      hfs_diag_error(d, path, lineno,
                     "damaged checkpoint line (no checksum); delete the "
                     "checkpoint or run without --resume");
      st = HFS_ERR_INPUT;
      break;
    }
    line_checksum(line, len - 19, sum);
    if (memcmp(sum, line + len - 17, 16) != 0) {
      hfs_diag_error(d, path, lineno,
                     "checkpoint line changed since it was written (checksum "
                     "mismatch); delete the checkpoint or run without "
                     "--resume");
      st = HFS_ERR_INPUT;
      break;
    }
    line[len - 19] = '\n';
    line[len - 18] = '\0';
    char *p = line, *end;
    errno = 0;
    unsigned long long k = strtoull(p, &end, 10);
    /* the iterations in order, each once, within the PSA: a checksum is
     * no signature, and k indexes the result arrays */
    if (end == p || !isdigit((unsigned char)*p) || errno != 0 ||
        k != r->done || k >= r->iterations) {
      hfs_diag_error(d, path, lineno,
                     "damaged checkpoint line (not iteration %llu, the next "
                     "of %llu); delete the checkpoint or run without "
                     "--resume",
                     (unsigned long long)r->done,
                     (unsigned long long)r->iterations);
      st = HFS_ERR_INPUT;
      break;
    }
    size_t n = r->n_sampled + 2 * r->n_strategies;
    double *vals = malloc((n ? n : 1) * sizeof *vals);
    size_t got = 0;
    p = end;
    while (vals != NULL && *p == ',' && got < n) {
      vals[got] = strtod(p + 1, &end);
      if (end == p + 1 || !isfinite(vals[got]))
        break;
      got++;
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

/* The CEAC/EVPI grid: 0, step, 2 step, ... and ceac_wtp_max itself, also
 * when the step does not divide it (the grid stopped short of the maximum
 * asked for). grid_points() counts them, grid_wtp() gives point I of N. */
static size_t grid_points(double wtp_max, double wtp_step)
{
  size_t steps = (size_t)floor(wtp_max / wtp_step + 1e-9);
  int off_grid = (double)steps * wtp_step < wtp_max * (1 - 1e-12);
  return steps + 1 + (size_t)off_grid;
}

static double grid_wtp(size_t i, size_t n, double wtp_max, double wtp_step)
{
  return i + 1 == n ? wtp_max : (double)i * wtp_step;
}

hfs_status hfs_psa_check_grid(double wtp_max, double wtp_step, const char *file,
                              long line, hfs_diag *d)
{
  if (!(wtp_step > 0) || !isfinite(wtp_max) || wtp_max < 0) {
    hfs_diag_error(d, file, line,
                   "[psa] the CEAC grid needs ceac_wtp_max >= 0 and "
                   "ceac_wtp_step > 0, got %g and %g",
                   wtp_max, wtp_step);
    return HFS_ERR_INPUT;
  }
  /* as grid_points() counts them, in double (no overflow for a huge grid):
   * the maximum is one more point only when the step does not reach it */
  double steps = floor(wtp_max / wtp_step + 1e-9);
  double points = steps + 1 + (steps * wtp_step < wtp_max * (1 - 1e-12));
  if (points > HFS_CEAC_MAX_POINTS) {
    hfs_diag_error(d, file, line,
                   "[psa] a CEAC grid from 0 to %g in steps of %g has %.0f "
                   "points; at most %d are allowed (ceac.csv and evpi.csv "
                   "would be huge): raise ceac_wtp_step",
                   wtp_max, wtp_step, points, HFS_CEAC_MAX_POINTS);
    return HFS_ERR_INPUT;
  }
  return HFS_OK;
}

/* [psa] KEY as a whole number in [LO, HI] (default unchanged when unset). */
static int psa_whole(hfs_scenario *sc, const char *key, double lo, double hi,
                     uint64_t *out, hfs_diag *d)
{
  hfs_setting *e = hfs_scenario_get(sc, "psa", key);
  double v;
  if (e == NULL)
    return 0;
  if (hfs_parse_double(e->value, &v) != 0 || v != floor(v) || v < lo ||
      v > hi) {
    hfs_diag_error(d, e->file, e->line,
                   "[psa] %s: expected a whole number from %.0f to %.0f, got "
                   "'%s'",
                   key, lo, hi, e->value);
    return -1;
  }
  *out = (uint64_t)v;
  return 0;
}

static int psa_number(hfs_scenario *sc, const char *key, double lo, double *out,
                      hfs_diag *d)
{
  hfs_setting *e = hfs_scenario_get(sc, "psa", key);
  double v;
  if (e == NULL)
    return 0;
  if (hfs_parse_double(e->value, &v) != 0 || !(v >= lo) ||
      (lo > 0 && !(v > 0))) {
    hfs_diag_error(d, e->file, e->line,
                   "[psa] %s: expected a number %s %g, got '%s'", key,
                   lo > 0 ? ">" : ">=", lo > 0 ? 0.0 : lo, e->value);
    return -1;
  }
  *out = v;
  return 0;
}

hfs_status hfs_psa_check_section(hfs_study *st, hfs_diag *d)
{
  hfs_scenario *sc = &st->scenario;
  size_t before = hfs_diag_count(d);
  uint64_t iterations = 1000, patients = 1000;
  double wtp_max = sc->n_wtp ? 2.0 * sc->wtp[sc->n_wtp - 1] : 100000.0;
  double wtp_step = wtp_max / 200.0, population = 1.0;
  psa_whole(sc, "iterations", 1, 1e8, &iterations, d);
  psa_whole(sc, "patients", 1, 1e10, &patients, d);
  int grid_ok = psa_number(sc, "ceac_wtp_max", 0, &wtp_max, d) == 0;
  grid_ok &= psa_number(sc, "ceac_wtp_step", 1e-300, &wtp_step, d) == 0;
  psa_number(sc, "population", 0, &population, d);
  if (grid_ok) {
    const hfs_setting *e = hfs_scenario_get(sc, "psa", "ceac_wtp_step");
    if (e == NULL)
      e = hfs_scenario_get(sc, "psa", "ceac_wtp_max");
    hfs_psa_check_grid(wtp_max, wtp_step, e ? e->file : sc->path,
                       e ? e->line : 0, d);
  }
  hfs_setting *e = hfs_scenario_get(sc, "psa", "evppi");
  if (e != NULL && hfs_setting_list_has_empty(e, ",;", d))
    return HFS_ERR_INPUT;
  if (e != NULL && e->value[0] != '\0') {
    /* the sampled parameters, as hfs_psa_result_init() finds them */
    hfs_psa_result r;
    memset(&r, 0, sizeof r);
    r.iterations = iterations;
    r.sampled =
        calloc(st->params.count ? st->params.count : 1, sizeof *r.sampled);
    if (r.sampled == NULL) {
      hfs_diag_error(d, NULL, 0, "out of memory (%zu bytes)",
                     st->params.count * sizeof *r.sampled);
      return HFS_ERR_NOMEM;
    }
    for (size_t i = 0; i < st->params.count; i++)
      if (st->params.items[i].dist != HFS_DIST_FIXED)
        r.sampled[r.n_sampled++] = i;
    hfs_psa_check_groups(st, &r, e->value, e->file, e->line, d);
    free(r.sampled);
  }
  static const char *const keys[] = {
      "iterations", "patients", "ceac_wtp_max", "ceac_wtp_step",
      "population", "evppi",    "output"};
  hfs_scenario_report_unknown(sc, "psa", keys, sizeof keys / sizeof *keys, d);
  return hfs_diag_count(d) > before ? HFS_ERR_INPUT : HFS_OK;
}

size_t hfs_psa_result_bytes(const hfs_study *st, uint64_t iterations)
{
  size_t sampled = 0;
  for (size_t i = 0; i < st->params.count; i++)
    sampled += st->params.items[i].dist != HFS_DIST_FIXED;
  double bytes =
      (double)iterations *
      (double)((sampled ? sampled : 1) + 2 * st->model.n_strategies) *
      sizeof(double);
  return bytes > (double)SIZE_MAX ? SIZE_MAX : (size_t)bytes;
}

hfs_status hfs_psa_check_totals(const hfs_study *st, const hfs_psa_result *r,
                                double wtp_max, hfs_diag *d)
{
  char what[256];
  double w_top = wtp_max;
  for (size_t w = 0; w < st->scenario.n_wtp; w++)
    if (st->scenario.wtp[w] > w_top)
      w_top = st->scenario.wtp[w];
  for (uint64_t k = 0; k < r->done; k++)
    for (size_t q = 0; q < r->n_strategies; q++) {
      double c = r->cost[k * r->n_strategies + q];
      double e = r->qaly[k * r->n_strategies + q];
      const char *name = st->model.strategy_names[q];
      snprintf(what, sizeof what,
               "the net monetary benefit of strategy '%s' in PSA iteration "
               "%llu at WTP %g",
               name, (unsigned long long)k + 1, w_top);
      if (hfs_study_check_value(st, c, what, d) != HFS_OK ||
          hfs_study_check_value(st, e, what, d) != HFS_OK ||
          hfs_study_check_value(st, w_top * e - c, what, d) != HFS_OK)
        return HFS_ERR_INPUT;
    }
  return HFS_OK;
}

hfs_status hfs_psa_checkpoint_verify(hfs_study *st, const hfs_psa_result *r,
                                     const char *path, hfs_diag *d)
{
  hfs_param_table *t = &st->params;
  const size_t P = t->count ? t->count : 1;
  double *base = malloc(P * sizeof *base);
  double *v = malloc(P * sizeof *v);
  hfs_stream_id id = {st->scenario.seed, 0, 0, 0};
  gsl_rng *rng = hfs_rng_alloc(id);
  hfs_status s = HFS_OK;
  if (!base || !v || !rng) {
    hfs_diag_error(d, path, 0,
                   "out of memory (%zu bytes to re-check the checkpoint)",
                   2 * P * sizeof *base);
    s = HFS_ERR_NOMEM;
  }
  for (size_t i = 0; s == HFS_OK && i < t->count; i++)
    base[i] = t->items[i].value;
  for (uint64_t k = 0; s == HFS_OK && k < r->done; k++) {
    /* the draws of iteration k depend only on (seed, k): draw them again,
     * as hfs_psa_run() does, and compare bit for bit */
    hfs_stream_id pid = {st->scenario.seed, k + 1, 0, 0};
    hfs_rng_set_stream(rng, pid);
    for (size_t i = 0; i < t->count; i++)
      t->items[i].value = base[i];
    s = hfs_psa_draw(t, rng, v, d);
    if (s == HFS_OK && r->posterior != NULL)
      posterior_draw(r, rng, v);
    for (size_t j = 0; s == HFS_OK && j < r->n_sampled; j++) {
      double want = v[r->sampled[j]], got = r->values[k * r->n_sampled + j];
      if (memcmp(&want, &got, sizeof want) != 0) {
        hfs_diag_error(d, path, (long)k + 2,
                       "iteration %llu: %s is %.17g in the checkpoint but "
                       "this PSA draws %.17g; the checkpoint was changed: "
                       "delete it or run without --resume",
                       (unsigned long long)k + 1, t->items[r->sampled[j]].name,
                       got, want);
        s = HFS_ERR_INPUT;
      }
    }
    for (size_t q = 0; s == HFS_OK && q < r->n_strategies; q++) {
      double c = r->cost[k * r->n_strategies + q];
      double e = r->qaly[k * r->n_strategies + q];
      if (!isfinite(c) || !isfinite(e)) {
        hfs_diag_error(d, path, (long)k + 2,
                       "iteration %llu: a cost or QALY that is not a finite "
                       "number",
                       (unsigned long long)k + 1);
        s = HFS_ERR_INPUT;
      }
    }
  }
  for (size_t i = 0; base != NULL && i < t->count; i++)
    t->items[i].value = base[i];
  if (rng)
    gsl_rng_free(rng);
  free(base);
  free(v);
  return s;
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
  fputs(",currency\n", f);
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
      fputc(',', f);
      hfs_csv_write_text(f, r->currency);
      fputc('\n', f);
    }
}

/* mean, Monte Carlo se, 2.5% and 97.5% (R's type 7) of X[0..n) */
static void describe(FILE *f, double *x, size_t n)
{
  double mean = gsl_stats_mean(x, 1, n);
  /* (no spread from one iteration: the se is not available, empty) */
  double sd = n > 1 ? gsl_stats_sd_m(x, 1, n, mean) : HFS_NAN;
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
  fputs(",currency\n", f);
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
      double sd = K > 1 ? gsl_stats_sd_m(x, 1, K, m) : HFS_NAN;
      fputc(',', f);
      put(f, m);
      fputc(',', f);
      put(f, sd / sqrt((double)K));
      for (size_t k = 0; k < K; k++)
        x[k] -= wtp[w] * r->qaly[k * S] - r->cost[k * S];
      m = gsl_stats_mean(x, 1, K);
      sd = K > 1 ? gsl_stats_sd_m(x, 1, K, m) : HFS_NAN;
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
    fputc(',', f);
    hfs_csv_write_text(f, r->currency);
    fputc('\n', f);
  }
  free(x);
}

void hfs_psa_write_ceac(FILE *f, const hfs_study *st, const hfs_psa_result *r,
                        double wtp_max, double wtp_step)
{
  size_t S = r->n_strategies, K = (size_t)r->done;
  fputs("wtp,strategy,probability_cost_effective,probability_se,"
        "on_frontier,currency\n",
        f);
  double *prob = malloc(S * sizeof *prob);
  if (prob == NULL || K == 0) {
    free(prob);
    return;
  }
  size_t n = grid_points(wtp_max, wtp_step);
  for (size_t i = 0; i < n; i++) {
    double wtp = grid_wtp(i, n, wtp_max, wtp_step);
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
      /* (not available from one iteration, like every se) */
      put(f, K > 1 ? sqrt(prob[s] * (1 - prob[s]) / (double)K) : HFS_NAN);
      fprintf(f, ",%s,", s == frontier ? "yes" : "no");
      hfs_csv_write_text(f, r->currency);
      fputc('\n', f);
    }
  }
  free(prob);
}

void hfs_psa_write_evpi(FILE *f, const hfs_psa_result *r, double wtp_max,
                        double wtp_step, double population)
{
  size_t S = r->n_strategies, K = (size_t)r->done;
  fputs("wtp,evpi_per_patient,evpi_population,currency\n", f);
  if (K == 0)
    return;
  size_t n = grid_points(wtp_max, wtp_step);
  for (size_t i = 0; i < n; i++) {
    double wtp = grid_wtp(i, n, wtp_max, wtp_step);
    double e = hfs_evpi(r->cost, r->qaly, K, S, wtp);
    put(f, wtp);
    fputc(',', f);
    put(f, e);
    fputc(',', f);
    put(f, e * population);
    fputc(',', f);
    hfs_csv_write_text(f, r->currency);
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
      } else if (col < 0 &&
                 hfs_psa_fixed_by_override(&st->params,
                                           (size_t)(p - st->params.items))) {
        /* fixed at its overridden value: it has no uncertainty left, so
         * it adds nothing to its group (a group of such parameters has
         * EVPPI 0) */
        if (label[0])
          strncat(label, "+", sizeof label - strlen(label) - 1);
        strncat(label, nm, sizeof label - strlen(label) - 1);
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
    if (label[0] == '\0')
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
    if (sizes[g] > 0 && (size_t)r->iterations <= terms) {
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
        "evpi_per_patient,currency\n",
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
      double e = 0; /* every member fixed by an override */
      if (P > 0 && hfs_evppi(r->cost, r->qaly, K, S, wtp[w], x, P, &e) != HFS_OK) {
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
      fputc(',', f);
      hfs_csv_write_text(f, r->currency);
      fputc('\n', f);
    }
  }
  free(x);
  free_groups(cols, sizes, labels);
  return status;
}
