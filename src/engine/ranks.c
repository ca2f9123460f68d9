/*
 * ranks.c - the cohort run over MPI ranks, merged in block order on rank 0
 * (see ranks.h for why the bits do not change).
 */
#include "hfsim/ranks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "hfsim/parallel.h"

/* One block's results and patients.csv rows. */
typedef struct block_slot {
  hfs_results res;
  char *rows;
  size_t rows_len, rows_cap;
  int rows_nomem;
  hfs_status status;
  hfs_diag diag;
} block_slot;

static int capture_rows(void *user, const char *rows, size_t len)
{
  block_slot *b = user;
  if (b->rows_len + len > b->rows_cap) {
    size_t cap = b->rows_cap ? b->rows_cap : 65536;
    while (cap < b->rows_len + len)
      cap *= 2;
    char *p = realloc(b->rows, cap);
    if (p == NULL) {
      errno = ENOMEM;
      return -1;
    }
    b->rows = p;
    b->rows_cap = cap;
  }
  memcpy(b->rows + b->rows_len, rows, len);
  b->rows_len += len;
  return 0;
}

/* Sizes in bytes of the arrays of a result shaped like R. */
typedef struct shape_bytes {
  size_t outcomes, trace, paired, subgroups;
} shape_bytes;

static shape_bytes shape_of(const hfs_results *r)
{
  size_t S = r->n_strategies, K = r->n_outcomes;
  shape_bytes b = {S * K * sizeof(hfs_accum),
                   S * r->n_years * r->n_states * sizeof(uint64_t),
                   S * S * sizeof(hfs_accum2),
                   r->n_subgroup_levels * S * K * sizeof(hfs_accum)};
  return b;
}

/* Empty R (n = 0 everywhere), as if PATIENTS patients came before. */
static void clear_like(hfs_results *r, const shape_bytes *b, uint64_t patients)
{
  memset(r->outcomes, 0, b->outcomes);
  memset(r->trace, 0, b->trace);
  memset(r->paired, 0, b->paired);
  memset(r->subgroups, 0, b->subgroups);
  r->simulated_years = 0.0;
  r->patients = patients;
}

void hfs_results_bcast(hfs_results *r)
{
  if (!hfs_par_active())
    return;
  shape_bytes b = shape_of(r);
  hfs_par_bcast_bytes(r->outcomes, b.outcomes);
  hfs_par_bcast_bytes(r->trace, b.trace);
  hfs_par_bcast_bytes(r->paired, b.paired);
  hfs_par_bcast_bytes(r->subgroups, b.subgroups);
  hfs_par_bcast_bytes(&r->simulated_years, sizeof r->simulated_years);
  r->patients = hfs_par_bcast_u64(r->patients);
}

/* A packed block: patients, simulated years, the four arrays, the length
 * of its rows (padded to 8 bytes), its rows. */
static size_t packed_size(const shape_bytes *b, size_t rows_len)
{
  return 3 * sizeof(uint64_t) + b->outcomes + b->trace + b->paired +
         b->subgroups + (rows_len + 7) / 8 * 8;
}

static char *put(char *p, const void *src, size_t n)
{
  memcpy(p, src, n);
  return p + n;
}

static const char *get(const char *p, void *dst, size_t n)
{
  memcpy(dst, p, n);
  return p + n;
}

/* Merge block B (results and rows) into R on rank 0, in order; 0, or -1
 * with errno set when its rows could not be written. */
static int merge_block(hfs_results *r, const hfs_results *b, const char *rows,
                       size_t rows_len, const hfs_run_config *cfg)
{
  hfs_results_merge(r, b);
  if (cfg->patient_rows != NULL && rows_len > 0)
    return cfg->patient_rows(cfg->patient_rows_user, rows, rows_len);
  return 0;
}

hfs_status hfs_engine_run_ranks(const hfs_model *m, const hfs_run_config *cfg,
                                hfs_results *r, hfs_diag *d)
{
  if (!hfs_par_active())
    return hfs_engine_run(m, cfg, r, d);
  const int R = hfs_par_size(), me = hfs_par_rank();
  double t_start = omp_get_wtime();
  double wall_before = cfg->first_patient == 0 ? 0.0 : r->wall_seconds;
  hfs_status st = HFS_OK;

  /* the totals: an empty run gives their shapes */
  if (cfg->first_patient == 0) {
    hfs_run_config z = *cfg;
    z.patients = 0;
    z.patient_rows = NULL;
    z.stop_flag = NULL;
    z.progress = NULL;
    st = hfs_engine_run(m, &z, r, d);
  } else if (r->patients != cfg->first_patient || r->outcomes == NULL) {
    hfs_diag_error(d, NULL, 0,
                   "internal error: continuing a run with other settings");
    st = HFS_ERR_NOMEM;
  }
  if (st != HFS_OK)
    hfs_par_abort(1, "%s",
                  hfs_diag_count(d) ? d->entries[0].message
                                    : "cannot start the run");
  const shape_bytes sb = shape_of(r);

  int threads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
  if (threads < 1)
    threads = 1;
  const uint64_t end_patient = cfg->first_patient + cfg->patients;
  const uint64_t first_block = cfg->first_patient / HFS_BLOCK_PATIENTS;
  const uint64_t n_blocks =
      (end_patient + HFS_BLOCK_PATIENTS - 1) / HFS_BLOCK_PATIENTS - first_block;
  /* blocks per rank per round: HFS_RANK_BLOCKS, or fewer to share a small
   * run among all ranks (any split gives the same bits) */
  uint64_t rank_blocks = (n_blocks + (uint64_t)R - 1) / (uint64_t)R;
  if (rank_blocks > HFS_RANK_BLOCKS)
    rank_blocks = HFS_RANK_BLOCKS;
  if (rank_blocks == 0)
    rank_blocks = 1;
  const uint64_t round_blocks = (uint64_t)R * rank_blocks;
  const int want_rows = cfg->patient_rows != NULL;

  /* one round of this rank's blocks (rank 0 reuses slot 0 to unpack the
   * other ranks' blocks, after merging its own) */
  size_t n_slots = (size_t)rank_blocks;
  block_slot *slots = calloc(n_slots, sizeof *slots);
  char *pack = NULL;
  size_t pack_cap = 0;
  if (slots == NULL)
    hfs_par_abort(1, "out of memory while simulating");
  for (size_t i = 0; i < n_slots; i++) {
    hfs_results_init(&slots[i].res);
    hfs_diag_init(&slots[i].diag);
    hfs_run_config z = *cfg;
    z.first_patient = 0;
    z.patients = 0;
    z.patient_rows = NULL;
    z.stop_flag = NULL;
    z.progress = NULL;
    if (hfs_engine_run(m, &z, &slots[i].res, &slots[i].diag) != HFS_OK)
      hfs_par_abort(1, "out of memory while simulating");
  }

  int write_errno = 0;
  for (uint64_t round = 0; round * round_blocks < n_blocks; round++) {
    /* every rank takes the same decision: stop (1) or rank 0 failed (2) */
    int local = st != HFS_OK ? 2 : 0;
    if (local == 0 && cfg->stop_flag != NULL && *cfg->stop_flag)
      local = 1;
    int code = hfs_par_max_int(local);
    if (code != 0) {
      if (st == HFS_OK)
        st = HFS_ERR_INTERRUPTED;
      break;
    }
    const uint64_t round_first = round * round_blocks; /* relative block */
    /* this rank's blocks: [mine0, mine1) relative to first_block */
    uint64_t mine0 = round_first + (uint64_t)me * rank_blocks;
    uint64_t mine1 = mine0 + rank_blocks;
    if (mine0 > n_blocks)
      mine0 = n_blocks;
    if (mine1 > n_blocks)
      mine1 = n_blocks;
    long nb = (long)(mine1 - mine0);
    int fault = hfs_par_test_fault();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (long i = 0; i < nb; i++) {
      block_slot *b = &slots[i];
      uint64_t first = (first_block + mine0 + (uint64_t)i) * HFS_BLOCK_PATIENTS;
      uint64_t last = first + HFS_BLOCK_PATIENTS;
      if (first < cfg->first_patient)
        first = cfg->first_patient;
      if (last > end_patient)
        last = end_patient;
      clear_like(&b->res, &sb, first);
      b->rows_len = 0;
      hfs_run_config c = *cfg;
      c.first_patient = first;
      c.patients = last - first;
      c.threads = 1;
      c.stop_flag = NULL; /* stopping is decided per round, by all ranks */
      c.progress = NULL;  /* rank 0 reports whole rounds */
      c.patient_rows = want_rows ? capture_rows : NULL;
      c.patient_rows_user = b;
      b->status =
          fault ? HFS_ERR_NOMEM : hfs_engine_run(m, &c, &b->res, &b->diag);
      if (fault)
        hfs_diag_error(&b->diag, NULL, 0,
                       "simulated failure (test hook HFSIM_TEST_FAIL_RANK)");
    }
    for (long i = 0; i < nb; i++)
      if (slots[i].status != HFS_OK) {
        uint64_t first =
            (first_block + mine0 + (uint64_t)i) * HFS_BLOCK_PATIENTS;
        hfs_par_abort(1, "simulating patients %llu to %llu failed: %s",
                      (unsigned long long)first + 1,
                      (unsigned long long)first + HFS_BLOCK_PATIENTS,
                      hfs_diag_count(&slots[i].diag)
                          ? slots[i].diag.entries[0].message
                          : "unknown error");
      }

    if (me != 0) {
      /* one message per round: the packed blocks, in block order */
      size_t bytes = 0;
      for (long i = 0; i < nb; i++)
        bytes += packed_size(&sb, slots[i].rows_len);
      if (bytes > pack_cap) {
        free(pack);
        pack = malloc(bytes);
        pack_cap = pack ? bytes : 0;
        if (pack == NULL)
          hfs_par_abort(1, "out of memory for a message of %zu bytes", bytes);
      }
      char *p = pack;
      for (long i = 0; i < nb; i++) {
        const block_slot *b = &slots[i];
        uint64_t first =
            (first_block + mine0 + (uint64_t)i) * HFS_BLOCK_PATIENTS;
        uint64_t last = first + HFS_BLOCK_PATIENTS;
        if (first < cfg->first_patient)
          first = cfg->first_patient;
        if (last > end_patient)
          last = end_patient;
        uint64_t patients = last - first;
        uint64_t rl = b->rows_len;
        p = put(p, &patients, sizeof patients);
        p = put(p, &b->res.simulated_years, sizeof(double));
        p = put(p, &rl, sizeof rl);
        p = put(p, b->res.outcomes, sb.outcomes);
        p = put(p, b->res.trace, sb.trace);
        p = put(p, b->res.paired, sb.paired);
        p = put(p, b->res.subgroups, sb.subgroups);
        if (rl > 0)
          memcpy(p, b->rows, rl);
        p += (rl + 7) / 8 * 8;
      }
      uint64_t n = (uint64_t)bytes;
      if (nb > 0) {
        hfs_par_send(0, &n, sizeof n);
        hfs_par_send(0, pack, bytes);
      }
      continue;
    }

    /* rank 0: its own blocks, then every other rank's, in block order */
    for (long i = 0; i < nb && st == HFS_OK; i++) {
      block_slot *b = &slots[i];
      hfs_results part = b->res;
      uint64_t first = (first_block + mine0 + (uint64_t)i) * HFS_BLOCK_PATIENTS;
      if (first < cfg->first_patient)
        first = cfg->first_patient;
      part.patients = b->res.patients - first; /* it ran from FIRST */
      if (merge_block(r, &part, b->rows, b->rows_len, cfg) != 0) {
        write_errno = errno;
        st = HFS_ERR_IO;
      }
    }
    for (int q = 1; q < R; q++) {
      uint64_t q0 = round_first + (uint64_t)q * rank_blocks;
      if (q0 >= n_blocks)
        break;
      uint64_t n = 0;
      hfs_par_recv(q, &n, sizeof n);
      if (n > pack_cap) {
        free(pack);
        pack = malloc((size_t)n);
        pack_cap = pack ? (size_t)n : 0;
        if (pack == NULL)
          hfs_par_abort(1, "out of memory for a message of %llu bytes",
                        (unsigned long long)n);
      }
      hfs_par_recv(q, pack, (size_t)n);
      const char *p = pack, *end = pack + n;
      hfs_results part = slots[0].res; /* shapes; arrays overwritten */
      while (p < end) {
        uint64_t patients, rl;
        p = get(p, &patients, sizeof patients);
        p = get(p, &part.simulated_years, sizeof(double));
        p = get(p, &rl, sizeof rl);
        p = get(p, part.outcomes, sb.outcomes);
        p = get(p, part.trace, sb.trace);
        p = get(p, part.paired, sb.paired);
        p = get(p, part.subgroups, sb.subgroups);
        part.patients = patients;
        if (st == HFS_OK && merge_block(r, &part, p, (size_t)rl, cfg) != 0) {
          write_errno = errno;
          st = HFS_ERR_IO;
        }
        p += (rl + 7) / 8 * 8;
      }
    }
    if (cfg->progress != NULL && st == HFS_OK)
      cfg->progress(cfg->progress_user, r->patients, end_patient);
  }
  /* (after a stop, rank 0's R->patients says how far the run got) */
  if (me == 0 && st == HFS_ERR_IO)
    hfs_diag_error(
        d, cfg->patients_csv_name ? cfg->patients_csv_name : "patients.csv", 0,
        "cannot write: %s", strerror(write_errno));

  for (size_t i = 0; i < n_slots; i++) {
    hfs_results_free(&slots[i].res);
    hfs_diag_free(&slots[i].diag);
    free(slots[i].rows);
  }
  free(slots);
  free(pack);

  /* rank 0's status and totals on every rank */
  st = (hfs_status)hfs_par_bcast_int((int)st);
  if (st == HFS_OK || st == HFS_ERR_INTERRUPTED)
    hfs_results_bcast(r);
  r->threads_used = threads;
  r->wall_seconds = wall_before + (omp_get_wtime() - t_start);
  return st;
}
