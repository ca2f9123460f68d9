/*
 * engine.c - the patient loop: blocks, threads, in-order aggregation
 * (see engine.h for the determinism argument).
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/engine.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "hfsim/numfmt.h"
#include "hfsim/rng.h"

void hfs__trace_span(hfs_trace *tr, size_t state, double first_years,
                     double t1_years)
{
  /* FIRST_YEARS is whole (see hfs_trace_state in model.h) */
  if (!(first_years < (double)tr->n_years))
    return;
  size_t k = (size_t)first_years;
  if (!(t1_years < (double)tr->n_years)) { /* to the end of the trace */
    tr->from[k * tr->n_states + state]++;
    return;
  }
  size_t end = (size_t)ceil(t1_years);
  for (; k < end; k++)
    tr->counts[k * tr->n_states + state]++;
}

void hfs_results_init(hfs_results *r)
{
  memset(r, 0, sizeof *r);
}

void hfs_results_free(hfs_results *r)
{
  free(r->subgroups);
  free(r->outcomes);
  free(r->trace);
  free(r->paired);
  hfs_results_init(r);
}

/* A growable text buffer for one block's patients.csv rows. */
typedef struct textbuf {
  char *data;
  size_t len, cap;
  int nomem;
} textbuf;

static void tb_append(textbuf *b, const char *s, size_t n)
{
  if (b->nomem)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
      b->nomem = 1;
      return;
    }
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

static void tb_puts(textbuf *b, const char *s)
{
  tb_append(b, s, strlen(s));
}

/* Within a block, outcomes are summed as shifted sums (shift = the first
 * value seen): two additions and a multiplication per value instead of
 * Welford's division, and no cancellation since values are taken relative
 * to a typical one. At the end of the block they become hfs_accum, which
 * merge across blocks (Chan et al.). */
typedef struct block_sum {
  uint64_t n;
  double shift, s1, s2;
} block_sum;

static inline void block_sum_add(block_sum *b, double x)
{
  if (b->n == 0)
    b->shift = x;
  double y = x - b->shift;
  b->n++;
  b->s1 += y;
  b->s2 += y * y;
}

/* SUMS[k] += X[k] for the K outcomes with KEEP[k], or for all of them when
 * KEEP is NULL (a model without conditional outcomes: no test per
 * outcome). */
static inline void block_sums_add(block_sum *sums, const double *x,
                                  const unsigned char *keep, size_t K)
{
  if (keep == NULL) {
    for (size_t k = 0; k < K; k++)
      block_sum_add(&sums[k], x[k]);
    return;
  }
  for (size_t k = 0; k < K; k++)
    if (keep[k])
      block_sum_add(&sums[k], x[k]);
}

/* The same for the outcomes IDX[0..n) only. */
static inline void block_sums_add_list(block_sum *sums, const double *x,
                                       const unsigned char *keep,
                                       const size_t *idx, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (keep == NULL || keep[idx[i]])
      block_sum_add(&sums[idx[i]], x[idx[i]]);
}

static void block_sum_finish(const block_sum *b, hfs_accum *a)
{
  a->n = b->n;
  if (b->n == 0) {
    a->mean = 0.0;
    a->m2 = 0.0;
    return;
  }
  double n = (double)b->n, d = b->s1 / n;
  a->mean = b->shift + d;
  a->m2 = b->s2 - b->s1 * d;
  if (a->m2 < 0.0)
    a->m2 = 0.0;
}

/* Everything one block produces; merged in block order. */
typedef struct block_out {
  block_sum *sums;      /* [S * K + G * S * K] while simulating */
  hfs_accum *outcomes;  /* [S * K] */
  uint64_t *trace;      /* [S * Y * ns] */
  uint64_t *trace_from; /* [S * Y * ns] (hfs_trace.from) */
  hfs_accum2 *paired;   /* [S * S] */
  hfs_accum *subgroups; /* [G * S * K] */
  double simulated_years;
  textbuf rows;
} block_out;

typedef struct workspace {
  gsl_rng **streams;
  double *outcomes;    /* [S * K]: this patient under every strategy */
  double *attributes;  /* [S * A] */
  int *condition;      /* [K]: outcome k's condition (hfs_outcome_def) */
  unsigned char *keep; /* [K]: does this patient count in outcome k */
  /* the outcomes summed by subgroup: those of summary_subgroups.csv
   * (HFS_OUT_SUBGROUP) and outcome 0, whose count gives a level's
   * patients; the others' subgroup sums stay empty (issue 13: summing all
   * of them was a tenth of the HFS model's time) */
  size_t *subgroup_k, n_subgroup_k;
  int any_condition;   /* does any outcome have a condition */
  int nomem;
} workspace;

/* Zeroed memory for N items of SIZE bytes on cache lines of its own:
 * each thread writes its workspace for every patient, and two threads'
 * small arrays allocated one after the other would otherwise share a line
 * and make the cores fight over it (false sharing). Free with free(). */
#define CACHE_LINE_BYTES 64
static void *calloc_own_lines(size_t n, size_t size)
{
  if (size != 0 && n > (SIZE_MAX - CACHE_LINE_BYTES) / size)
    return NULL; /* n * size, rounded up to whole lines, would overflow */
  size_t bytes = n * size;
  bytes = (bytes / CACHE_LINE_BYTES + 1) * CACHE_LINE_BYTES;
  void *p = aligned_alloc(CACHE_LINE_BYTES, bytes);
  if (p != NULL)
    memset(p, 0, bytes);
  return p;
}

static void workspace_free(workspace *w, size_t n_purposes)
{
  if (w->streams)
    for (size_t p = 0; p < n_purposes; p++)
      if (w->streams[p])
        gsl_rng_free(w->streams[p]);
  free(w->streams);
  free(w->outcomes);
  free(w->attributes);
  free(w->condition);
  free(w->keep);
  free(w->subgroup_k);
}

static int workspace_alloc(workspace *w, const hfs_model *m)
{
  const hfs_model_class *c = m->cls;
  memset(w, 0, sizeof *w);
  w->streams =
      calloc_own_lines(c->n_purposes ? c->n_purposes : 1, sizeof *w->streams);
  w->outcomes =
      calloc_own_lines(m->n_strategies * c->n_outcomes, sizeof(double));
  w->attributes =
      calloc_own_lines(m->n_strategies * (c->n_attributes + 1), sizeof(double));
  w->condition = calloc_own_lines(c->n_outcomes + 1, sizeof *w->condition);
  w->keep = calloc_own_lines(c->n_outcomes + 1, 1);
  w->subgroup_k = calloc_own_lines(c->n_outcomes + 1, sizeof *w->subgroup_k);
  if (!w->streams || !w->outcomes || !w->attributes || !w->condition ||
      !w->keep || !w->subgroup_k)
    return -1;
  for (size_t k = 0; k < c->n_outcomes; k++) {
    w->condition[k] = c->outcomes[k].condition;
    if (w->condition[k] >= 0)
      w->any_condition = 1;
    if (k == 0 || (c->outcomes[k].flags & HFS_OUT_SUBGROUP))
      w->subgroup_k[w->n_subgroup_k++] = k;
  }
  hfs_stream_id id = {0, 0, 0, 0};
  for (size_t p = 0; p < c->n_purposes; p++)
    if ((w->streams[p] = hfs_rng_alloc(id)) == NULL)
      return -1;
  return 0;
}

static void write_patient_rows(const hfs_model *m, uint64_t patient,
                               const workspace *w, textbuf *b)
{
  const hfs_model_class *c = m->cls;
  char num[40];
  for (size_t s = 0; s < m->n_strategies; s++) {
    snprintf(num, sizeof num, "%llu,", (unsigned long long)(patient + 1));
    tb_puts(b, num);
    tb_puts(b, m->strategy_names[s]);
    const double *attr = w->attributes + s * (c->n_attributes + 1);
    for (size_t a = 0; a < c->n_attributes; a++) {
      tb_puts(b, ",");
      const hfs_attribute_def *def = &c->attributes[a];
      if (def->levels != NULL)
        tb_puts(b, def->levels[(int)attr[a]]);
      else
        tb_puts(b, hfs_format_double(num, sizeof num, attr[a]));
    }
    const double *out = w->outcomes + s * c->n_outcomes;
    for (size_t k = 0; k < c->n_outcomes; k++) {
      if (c->outcomes[k].flags & HFS_OUT_HIDDEN)
        continue;
      tb_puts(b, ",");
      int cond = c->outcomes[k].condition;
      if (cond < 0 || out[cond] != 0.0)
        tb_puts(b, hfs_format_double(num, sizeof num, out[k]));
    }
    tb_puts(b, "\n");
  }
}

void hfs_engine_patients_header(const hfs_model *m, FILE *f)
{
  const hfs_model_class *c = m->cls;
  fputs("patient,strategy", f);
  for (size_t a = 0; a < c->n_attributes; a++)
    fprintf(f, ",%s", c->attributes[a].name);
  for (size_t k = 0; k < c->n_outcomes; k++)
    if (!(c->outcomes[k].flags & HFS_OUT_HIDDEN))
      fprintf(f, ",%s", c->outcomes[k].name);
  fputs("\n", f);
}

size_t hfs_subgroup_levels(const hfs_model_class *c)
{
  size_t g = 0;
  for (size_t a = 0; a < c->n_attributes; a++)
    g += (size_t)c->attributes[a].n_levels;
  return g;
}

/* Level of attribute DEF for VALUE, 0 .. n_levels-1. */
static size_t level_of(const hfs_attribute_def *def, double value)
{
  double x = def->band_width > 0
                 ? floor((value - def->band_origin) / def->band_width)
                 : value;
  if (!(x > 0))
    return 0;
  if (x >= def->n_levels - 1)
    return (size_t)def->n_levels - 1;
  return (size_t)x;
}

static void simulate_block(const hfs_model *m, const hfs_run_config *cfg,
                           const hfs_discount *discount_costs,
                           const hfs_discount *discount_qalys, size_t n_years,
                           uint64_t first, uint64_t last, workspace *w,
                           block_out *b)
{
  const hfs_model_class *c = m->cls;
  const size_t S = m->n_strategies, K = c->n_outcomes, ns = c->n_states;
  const size_t co = c->cost_outcome, qo = c->qaly_outcome;
  hfs_sim_context ctx;
  ctx.streams = w->streams;
  ctx.horizon_years = cfg->horizon_years;
  ctx.discount_costs = *discount_costs;
  ctx.discount_qalys = *discount_qalys;
  hfs_trace tr;
  tr.n_states = ns;
  tr.n_years = n_years;

  /* Summed here and stored once: block_out structs of different threads
   * share cache lines, and a store per patient into them made the two
   * threads' caches fight over those lines (false sharing). Same order of
   * additions, so the same bits. */
  double simulated_years = b->simulated_years;
  for (uint64_t patient = first; patient < last; patient++) {
    ctx.patient = patient;
    for (size_t s = 0; s < S; s++) {
      /* Same stream addresses under every strategy: common random
       * numbers. */
      for (size_t p = 0; p < c->n_purposes; p++) {
        hfs_stream_id id = {cfg->seed, cfg->replicate, patient, p};
        hfs_rng_set_stream(w->streams[p], id);
      }
      ctx.outcomes = w->outcomes + s * K;
      ctx.attributes = w->attributes + s * (c->n_attributes + 1);
      memset(ctx.outcomes, 0, K * sizeof(double));
      tr.counts = b->trace + s * n_years * ns;
      tr.from = b->trace_from + s * n_years * ns;
      ctx.trace = &tr;
      ctx.simulated_years = 0.0;
      c->simulate(m, s, &ctx);
      simulated_years += ctx.simulated_years;
      /* which outcomes this patient counts in (conditional means), found
       * once for the totals and every subgroup */
      const double *o = ctx.outcomes;
      const unsigned char *keep = NULL;
      if (w->any_condition) {
        for (size_t k = 0; k < K; k++)
          w->keep[k] = w->condition[k] < 0 || o[w->condition[k]] != 0.0;
        keep = w->keep;
      }
      block_sums_add(b->sums + s * K, o, keep, K);
      size_t g0 = 0;
      for (size_t a = 0; a < c->n_attributes; a++) {
        const hfs_attribute_def *def = &c->attributes[a];
        if (def->n_levels == 0)
          continue;
        size_t g = g0 + level_of(def, ctx.attributes[a]);
        block_sums_add_list(b->sums + S * K + (g * S + s) * K, o, keep,
                            w->subgroup_k, w->n_subgroup_k);
        g0 += (size_t)def->n_levels;
      }
    }
    /* Diagonal: (cost, QALY) of each strategy, for the variance of its net
     * benefit; above it: paired differences between strategies. */
    for (size_t a = 0; a < S; a++) {
      const double *oa = w->outcomes + a * K;
      hfs_accum2_add(&b->paired[a * S + a], oa[co], oa[qo]);
      for (size_t bb = a + 1; bb < S; bb++) {
        const double *ob = w->outcomes + bb * K;
        hfs_accum2_add(&b->paired[a * S + bb], oa[co] - ob[co],
                       oa[qo] - ob[qo]);
      }
    }
    if (cfg->patient_rows != NULL)
      write_patient_rows(m, patient, w, &b->rows);
  }
  b->simulated_years = simulated_years;
}

/* TRACE[y] += FROM[0] + ... + FROM[y], per strategy and state: patients
 * counted once in the year they reached a state they keep to the end. */
static void trace_add_from(uint64_t *trace, const uint64_t *from, size_t S,
                           size_t n_years, size_t ns)
{
  for (size_t s = 0; s < S; s++) {
    uint64_t *t = trace + s * n_years * ns;
    const uint64_t *f = from + s * n_years * ns;
    for (size_t j = 0; j < ns; j++) {
      uint64_t running = 0;
      for (size_t y = 0; y < n_years; y++) {
        running += f[y * ns + j];
        t[y * ns + j] += running;
      }
    }
  }
}

/* R += B (patients FIRST .. LAST - 1), then B's patients.csv rows to
 * cfg->patient_rows. Called in block order only: the same bits for any
 * thread count. */
static hfs_status merge_block(hfs_results *r, const block_out *b,
                              uint64_t first, uint64_t last,
                              const hfs_run_config *cfg, int *write_errno)
{
  hfs_results part = *r;
  part.patients = last - first;
  part.outcomes = b->outcomes;
  part.trace = b->trace;
  part.paired = b->paired;
  part.subgroups = b->subgroups;
  part.simulated_years = b->simulated_years;
  hfs_results_merge(r, &part);
  if (b->rows.nomem)
    return HFS_ERR_NOMEM;
  if (cfg->patient_rows != NULL && b->rows.len > 0 &&
      cfg->patient_rows(cfg->patient_rows_user, b->rows.data, b->rows.len) !=
          0) {
    *write_errno = errno;
    return HFS_ERR_IO;
  }
  return HFS_OK;
}

hfs_status hfs_engine_run(const hfs_model *m, const hfs_run_config *cfg,
                          hfs_results *r, hfs_diag *d)
{
  const hfs_model_class *c = m->cls;
  const size_t S = m->n_strategies, K = c->n_outcomes, ns = c->n_states;
  double t_start = omp_get_wtime();
  double span = fmin(cfg->horizon_years, m->max_years);
  size_t n_years = (size_t)floor(span) + 1;

  const size_t G = hfs_subgroup_levels(c);
  int write_errno = 0;
  /* once per run: the tables of factors (discount.h) */
  const hfs_discount discount_costs =
      hfs_discount_make(cfg->discount_rate_costs);
  const hfs_discount discount_qalys =
      hfs_discount_make(cfg->discount_rate_qalys);
  if (cfg->first_patient == 0) {
    hfs_results_free(r);
    r->n_strategies = S;
    r->n_outcomes = K;
    r->n_states = ns;
    r->n_years = n_years;
    r->n_subgroup_levels = G;
    r->outcomes = calloc(S * K, sizeof *r->outcomes);
    r->trace = calloc(S * n_years * ns, sizeof *r->trace);
    r->paired = calloc(S * S, sizeof *r->paired);
    r->subgroups = calloc(G * S * K + 1, sizeof *r->subgroups);
  } else if (r->n_strategies != S || r->n_outcomes != K ||
             r->n_years != n_years || r->patients != cfg->first_patient) {
    hfs_diag_error(d, NULL, 0,
                   "internal error: continuing a run with other settings");
    return HFS_ERR_NOMEM;
  }
  /* blocks add their patients (and patient-years) in block order, as in
   * one run */
  double wall_before = r->wall_seconds;

  int threads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
  const uint64_t end_patient = cfg->first_patient + cfg->patients;
  const uint64_t first_block = cfg->first_patient / HFS_BLOCK_PATIENTS;
  const uint64_t n_blocks =
      (end_patient + HFS_BLOCK_PATIENTS - 1) / HFS_BLOCK_PATIENTS - first_block;
  /* a small run needs fewer block buffers than a full ring */
  const size_t ring_blocks =
      n_blocks < HFS_WAVE_BLOCKS ? (size_t)n_blocks : HFS_WAVE_BLOCKS;
  if ((uint64_t)threads > n_blocks)
    threads = n_blocks > 0 ? (int)n_blocks : 1;
  block_out *blocks = calloc(ring_blocks ? ring_blocks : 1, sizeof *blocks);
  workspace *ws = calloc((size_t)threads, sizeof *ws);
  hfs_status st = HFS_OK;
  if (!r->outcomes || !r->trace || !r->paired || !r->subgroups || !blocks ||
      !ws)
    st = HFS_ERR_NOMEM;
  for (size_t i = 0; st == HFS_OK && i < ring_blocks; i++) {
    /* own cache lines: neighbouring blocks are simulated by different
     * threads */
    blocks[i].outcomes = calloc_own_lines(S * K, sizeof(hfs_accum));
    blocks[i].trace = calloc_own_lines(S * n_years * ns, sizeof(uint64_t));
    blocks[i].trace_from =
        calloc_own_lines(S * n_years * ns, sizeof(uint64_t));
    blocks[i].paired = calloc_own_lines(S * S, sizeof(hfs_accum2));
    blocks[i].subgroups = calloc_own_lines(G * S * K + 1, sizeof(hfs_accum));
    blocks[i].sums = calloc_own_lines((G + 1) * S * K, sizeof(block_sum));
    if (!blocks[i].outcomes || !blocks[i].trace || !blocks[i].trace_from ||
        !blocks[i].paired || !blocks[i].subgroups || !blocks[i].sums)
      st = HFS_ERR_NOMEM;
  }
  for (int t = 0; st == HFS_OK && t < threads; t++)
    if (workspace_alloc(&ws[t], m) != 0)
      st = HFS_ERR_NOMEM;

  /* No waves and no barriers (issue 13): one parallel region for the run.
   * A thread claims the next block, simulates it into ring slot
   * (block % ring), then, under the lock, merges every block that is
   * ready, in block order. The merge order, hence every bit of the result,
   * is that of one thread; a thread waits only when it is a whole ring
   * ahead of the oldest unmerged block (a preempted thread on a loaded
   * machine), never at the end of each wave. */
  const uint64_t ring = ring_blocks ? ring_blocks : 1;
  uint64_t *slot_block = malloc(ring * sizeof *slot_block);
  if (slot_block == NULL)
    st = HFS_ERR_NOMEM;
  for (uint64_t i = 0; slot_block && i < ring; i++)
    slot_block[i] = UINT64_MAX; /* empty */
  uint64_t next_block = 0, merged = 0;
  int stopping = st != HFS_OK, interrupted = 0;
  omp_lock_t lock;
  omp_init_lock(&lock);
#pragma omp parallel num_threads(threads)
  {
    workspace *w = &ws[omp_get_thread_num()];
    for (;;) {
      omp_set_lock(&lock);
      if (!stopping && cfg->stop_flag != NULL && *cfg->stop_flag)
        stopping = interrupted = 1;
      uint64_t j = next_block;
      int go = !stopping && j < n_blocks;
      if (go)
        next_block++;
      omp_unset_lock(&lock);
      if (!go)
        break;
      /* slot j % ring is free once block j - ring is merged */
      for (;;) {
        omp_set_lock(&lock);
        int free_slot = merged + ring > j;
        omp_unset_lock(&lock);
        if (free_slot)
          break;
        struct timespec pause = {0, 50000}; /* 50 us */
        nanosleep(&pause, NULL);
      }
      block_out *b = &blocks[j % ring];
      memset(b->sums, 0, (G + 1) * S * K * sizeof(block_sum));
      memset(b->trace, 0, S * n_years * ns * sizeof(uint64_t));
      memset(b->trace_from, 0, S * n_years * ns * sizeof(uint64_t));
      for (size_t k = 0; k < S * S; k++)
        hfs_accum2_reset(&b->paired[k]);
      b->simulated_years = 0.0;
      b->rows.len = 0;
      uint64_t first = (first_block + j) * HFS_BLOCK_PATIENTS;
      uint64_t last = first + HFS_BLOCK_PATIENTS;
      if (first < cfg->first_patient)
        first = cfg->first_patient;
      if (last > end_patient)
        last = end_patient;
      simulate_block(m, cfg, &discount_costs, &discount_qalys, n_years, first,
                     last, w, b);
      for (size_t k = 0; k < S * K; k++)
        block_sum_finish(&b->sums[k], &b->outcomes[k]);
      for (size_t k = 0; k < G * S * K; k++)
        block_sum_finish(&b->sums[S * K + k], &b->subgroups[k]);
      trace_add_from(b->trace, b->trace_from, S, n_years, ns);

      omp_set_lock(&lock);
      slot_block[j % ring] = j;
      const uint64_t merged_before = merged;
      while (st == HFS_OK && slot_block[merged % ring] == merged) {
        uint64_t m0 = (first_block + merged) * HFS_BLOCK_PATIENTS;
        uint64_t m1 = m0 + HFS_BLOCK_PATIENTS;
        if (m0 < cfg->first_patient)
          m0 = cfg->first_patient;
        if (m1 > end_patient)
          m1 = end_patient;
        hfs_status ms =
            merge_block(r, &blocks[merged % ring], m0, m1, cfg, &write_errno);
        slot_block[merged % ring] = UINT64_MAX;
        merged++;
        if (ms != HFS_OK) {
          st = ms;
          stopping = 1;
        }
      }
      if (cfg->progress != NULL && merged != merged_before) {
        uint64_t done = (first_block + merged) * HFS_BLOCK_PATIENTS;
        cfg->progress(cfg->progress_user, done < end_patient ? done : end_patient,
                      end_patient);
      }
      omp_unset_lock(&lock);
    }
  }
  omp_destroy_lock(&lock);
  free(slot_block);
  if (st == HFS_OK && interrupted && merged < n_blocks) {
    /* R->patients says how far the run got: whole blocks, in order */
    uint64_t done = (first_block + merged) * HFS_BLOCK_PATIENTS;
    r->patients = done > cfg->first_patient ? done : cfg->first_patient;
    st = HFS_ERR_INTERRUPTED;
  }
  if (st == HFS_ERR_NOMEM) {
    /* what the run's buffers need (issue 8: say what and how much): the
     * totals, a ring of block results and one workspace per thread */
    const double per_result = (double)S * K * sizeof(hfs_accum) +
                              (double)S * n_years * ns * sizeof(uint64_t) +
                              (double)S * S * sizeof(hfs_accum2) +
                              (double)(G * S * K + 1) * sizeof(hfs_accum);
    const double per_block = per_result +
                             (double)S * n_years * ns * sizeof(uint64_t) +
                             (double)(G + 1) * S * K * sizeof(block_sum);
    const double need_mib =
        (per_result + (double)ring_blocks * per_block) / (1024.0 * 1024.0);
    hfs_diag_error(d, NULL, 0,
                   "out of memory while simulating: the totals and %zu "
                   "block buffers need about %.1f MiB (%zu strategies, %zu "
                   "outcomes, %zu trace years), plus one workspace for each "
                   "of %d threads",
                   ring_blocks, need_mib, S, K, n_years, threads);
  } else if (st == HFS_ERR_IO)
    hfs_diag_error(
        d, cfg->patients_csv_name ? cfg->patients_csv_name : "patients.csv", 0,
        "cannot write: %s", strerror(write_errno));
  for (size_t i = 0; blocks && i < ring_blocks; i++) {
    free(blocks[i].outcomes);
    free(blocks[i].trace);
    free(blocks[i].trace_from);
    free(blocks[i].paired);
    free(blocks[i].subgroups);
    free(blocks[i].sums);
    free(blocks[i].rows.data);
  }
  free(blocks);
  for (int t = 0; ws && t < threads; t++) {
    for (size_t p = 0; ws[t].streams && p < c->n_purposes; p++)
      if (ws[t].streams[p] != NULL) {
        uint64_t drawn, computed;
        hfs_rng_counts(ws[t].streams[p], &drawn, &computed);
        r->random_drawn += drawn;
        r->random_computed += computed;
      }
    workspace_free(&ws[t], c->n_purposes);
  }
  free(ws);
  r->threads_used = threads;
  r->wall_seconds = wall_before + (omp_get_wtime() - t_start);
  return st;
}
