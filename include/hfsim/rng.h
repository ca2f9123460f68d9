/*
 * rng.h - counter-based random streams, addressed by what they are for.
 *
 * Every random number in a run comes from a Philox4x64-10 generator
 * (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC11;
 * Random123). A counter-based generator has no sequential state to share:
 * stream (seed, replicate, patient, purpose) is simply the key/counter pair
 *
 *     key     = { seed, replicate }
 *     counter = { patient, purpose, i, 0 }      i = 0, 1, 2, ...
 *
 * so any patient's numbers can be produced by any thread in any order, and
 * the results cannot depend on the number of threads or processes. Philox
 * is a bijection of the counter for each key, so distinct (patient, purpose,
 * i) never repeat a block within a key: streams do not overlap by
 * construction (no probabilistic argument needed, unlike hashed seeds).
 * Output j of a stream is word j % 4 of block j / 4.
 *
 * The stream is wrapped as a gsl_rng so every GSL sampler (gsl_ran_gamma,
 * gsl_ran_lognormal, ...) draws from it. Re-address an existing gsl_rng with
 * hfs_rng_set_stream() instead of allocating one per patient.
 *
 * Speed (issue 13). The draw functions below are inline and read the
 * stream's buffer directly: no call through gsl_rng's function pointer per
 * number. The buffer keeps the first HFS_RNG_CACHE outputs of the current
 * stream, and hfs_rng_set_stream() to the SAME address only rewinds it:
 * under common random numbers every strategy re-reads a patient's streams,
 * and the Philox blocks are computed once per patient instead of once per
 * patient and strategy. The numbers are exactly those of the unbuffered
 * generator (output j is a pure function of the address and j), so
 * buffering changes speed only, never results.
 *
 * Common random numbers: a model asks for the same (patient, purpose) under
 * every strategy, so baseline attributes, background death and natural
 * history are identical across strategies.
 */
#ifndef HFSIM_RNG_H
#define HFSIM_RNG_H

#include <math.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "hfsim/mathx.h"

/* The gsl_rng_type of the Philox stream. get() returns 32-bit integers
 * (max = 2^32 - 1, the high half of an output); get_double() returns 53-bit
 * uniforms in [0, 1) (the high 53 bits). */
extern const gsl_rng_type *hfs_rng_philox;

typedef struct hfs_stream_id {
  uint64_t seed;
  uint64_t replicate; /* PSA iteration, scenario, ...; 0 for a plain run */
  uint64_t patient;
  uint64_t purpose; /* model-defined: baseline, death, natural history, ... */
} hfs_stream_id;

/* Outputs of a stream kept for re-reading (a multiple of 16: outputs are
 * computed four Philox blocks at a time). A patient under injections for
 * decades draws about 8 numbers per session, over a thousand from that
 * stream (with 1,024 the HFS model recomputed a quarter of its numbers:
 * 187 per patient-strategy against 142 now); beyond this the stream goes
 * on correctly, 16 outputs at a time, and a rewind recomputes it. 32 KiB
 * per stream. */
#define HFS_RNG_CACHE 4096

/* The state behind a gsl_rng of type hfs_rng_philox. Outputs
 * [base, base + filled) of the stream are in buf; pos is the index of the
 * next output. Use the functions, not the fields. */
typedef struct hfs_philox_state {
  uint64_t key[2];  /* {seed, replicate} */
  uint64_t addr[2]; /* {patient, purpose} */
  uint64_t pos, base;
  uint32_t filled;
  /* for `hfsim bench`: outputs read from earlier addresses, and outputs
   * computed (4 per Philox block) */
  uint64_t drawn, computed;
  uint64_t buf[HFS_RNG_CACHE];
} hfs_philox_state;

/* Allocate a gsl_rng of type hfs_rng_philox addressed by ID. NULL on OOM. */
gsl_rng *hfs_rng_alloc(hfs_stream_id id);

/* Re-address R to the start of ID (out of line; see hfs_rng_set_stream). */
void hfs__rng_readdress(gsl_rng *r, hfs_stream_id id);

/* Re-address R (which must be of type hfs_rng_philox) to the start of ID.
 * Inline and cheap when ID is R's current address and its start is still
 * buffered: a rewind. */
static inline void hfs_rng_set_stream(gsl_rng *r, hfs_stream_id id)
{
  hfs_philox_state *s = (hfs_philox_state *)r->state;
  if (s->base == 0 && s->key[0] == id.seed && s->key[1] == id.replicate &&
      s->addr[0] == id.patient && s->addr[1] == id.purpose) {
    s->drawn += s->pos;
    s->pos = 0;
    return;
  }
  hfs__rng_readdress(r, id);
}

/* Outputs of R read so far (all addresses) and outputs computed: with
 * common random numbers most reads are rewinds, which compute nothing. */
void hfs_rng_counts(const gsl_rng *r, uint64_t *drawn, uint64_t *computed);

/* Compute the next block(s) and return the next output (out of line). */
uint64_t hfs__philox_refill(hfs_philox_state *s);

/* The next 64-bit output of the stream behind R (of type hfs_rng_philox). */
static inline uint64_t hfs_rng_u64(const gsl_rng *r)
{
  hfs_philox_state *s = (hfs_philox_state *)r->state;
  uint64_t k = s->pos - s->base;
  if (k < s->filled) {
    s->pos++;
    return s->buf[k];
  }
  return hfs__philox_refill(s);
}

/* A uniform in [0, 1) with 53 random bits: the same number as
 * gsl_rng_uniform(r), without the call through gsl_rng's function pointer.
 * R must be of type hfs_rng_philox. */
static inline double hfs_rng_uniform(const gsl_rng *r)
{
  return (double)(hfs_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* A cursor over R's buffer, for a model's tight loop. Drawing through R
 * reads and writes the stream's fields (pos, base, filled) in memory, and
 * the compiler must reload them after every store the loop makes through a
 * pointer of the same type (a trace count is a uint64_t, like pos). A
 * cursor is a local copy the compiler keeps in registers. Take it with
 * hfs_rng_cursor_begin(), draw with hfs_rng_cursor_uniform(), and give it
 * back with hfs_rng_cursor_end() before R is used in any other way. Same
 * numbers as hfs_rng_uniform(R). */
typedef struct hfs_rng_cursor {
  hfs_philox_state *state;
  const uint64_t *buf;
  uint64_t k;      /* index into buf of the next output */
  uint64_t filled; /* outputs in buf */
} hfs_rng_cursor;

static inline hfs_rng_cursor hfs_rng_cursor_begin(const gsl_rng *r)
{
  hfs_philox_state *s = (hfs_philox_state *)r->state;
  hfs_rng_cursor c = {s, s->buf, s->pos - s->base, s->filled};
  return c;
}

static inline void hfs_rng_cursor_end(hfs_rng_cursor *c)
{
  c->state->pos = c->state->base + c->k;
}

/* The next uniform of C as its 53-bit integer: hfs_rng_cursor_uniform(C)
 * is exactly this times 2^-53. With hfs_uniform_threshold() a model can
 * compare it with a probability in integers. */
static inline uint64_t hfs_rng_cursor_u53(hfs_rng_cursor *c)
{
  uint64_t x;
  if (c->k < c->filled) {
    x = c->buf[c->k++];
  } else {
    /* out of line, and without taking C's address, so that C stays in
     * registers */
    hfs_philox_state *s = c->state;
    s->pos = s->base + c->k;
    x = hfs__philox_refill(s);
    c->buf = s->buf;
    c->k = s->pos - s->base;
    c->filled = s->filled;
  }
  return x >> 11;
}

static inline double hfs_rng_cursor_uniform(hfs_rng_cursor *c)
{
  return (double)hfs_rng_cursor_u53(c) * 0x1.0p-53;
}

/* The integer T with (u < P) == (m < T) for every uniform u = m 2^-53 the
 * streams produce (m an integer in [0, 2^53)): T = ceil(P 2^53), clamped
 * to [0, 2^53]. Exact: P 2^53 only shifts P's exponent, and m < x holds for
 * an integer m exactly when m < ceil(x). So a model that compares a draw
 * with fixed probabilities many times can compare integers instead, and
 * draw the same paths. */
static inline uint64_t hfs_uniform_threshold(double p)
{
  if (!(p > 0.0)) /* also NaN: u < NaN never holds */
    return 0;
  if (p >= 1.0)
    return UINT64_C(1) << 53;
  return (uint64_t)ceil(p * 0x1.0p53);
}

/* A uniform in the open interval (0, 1): safe for log(u) and quantiles. */
static inline double hfs_rng_uniform_pos(const gsl_rng *r)
{
  double u;
  do {
    u = hfs_rng_uniform(r);
  } while (u == 0.0);
  return u;
}

/* Exponential waiting time with RATE_PER_YEAR (> 0), or +inf when the rate
 * is 0. Uses one uniform. */
static inline double hfs_rng_exponential_years(const gsl_rng *r,
                                               double rate_per_year)
{
  double u = hfs_rng_uniform_pos(r);
  if (rate_per_year <= 0.0)
    return HFS_INF;
  return -log(u) / rate_per_year;
}

/* Bernoulli draw: 1 with probability P. Uses one uniform. */
static inline int hfs_rng_bernoulli(const gsl_rng *r, double p)
{
  return hfs_rng_uniform(r) < p;
}

/* Index drawn from the discrete distribution PROBS[0..n) (sums to 1). Uses
 * one uniform. */
static inline int hfs_rng_categorical(const gsl_rng *r, const double *probs,
                                      int n)
{
  double u = hfs_rng_uniform(r), cum = 0.0;
  for (int i = 0; i < n - 1; i++) {
    cum += probs[i];
    if (u < cum)
      return i;
  }
  return n - 1;
}

#endif
