/*
 * rng.c - Philox4x64-10 streams as a gsl_rng type, with a rewindable
 * buffer (see rng.h).
 *
 * Why Philox (Random123) rather than a seeded sequential generator: a
 * stream is addressed by (seed, replicate, patient, purpose) directly, so
 * there are no seeds to derive, no jump-ahead, and no overlap between
 * streams (each key is a bijection of the 256-bit counter). See rng.h.
 */
#include "hfsim/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

/* Blocks B .. B + 3, written to OUT[0..16): four independent Philox
 * computations the processor overlaps (each is a chain of dependent
 * multiplications), with one call per 16 outputs. Measured against one
 * and two blocks at a time: the fastest, and a stream of the Sick-Sicker
 * model (25 draws on average) computes no more blocks than with two. */
static inline void philox_four_blocks(const hfs_philox_state *s, uint64_t b,
                                      uint64_t *out)
{
  philox4x64_key_t key = {{s->key[0], s->key[1]}};
  philox4x64_ctr_t c0 = {{s->addr[0], s->addr[1], b, 0}};
  philox4x64_ctr_t c1 = {{s->addr[0], s->addr[1], b + 1, 0}};
  philox4x64_ctr_t c2 = {{s->addr[0], s->addr[1], b + 2, 0}};
  philox4x64_ctr_t c3 = {{s->addr[0], s->addr[1], b + 3, 0}};
  philox4x64_ctr_t x0 = philox4x64(c0, key);
  philox4x64_ctr_t x1 = philox4x64(c1, key);
  philox4x64_ctr_t x2 = philox4x64(c2, key);
  philox4x64_ctr_t x3 = philox4x64(c3, key);
  memcpy(out, x0.v, sizeof x0.v);
  memcpy(out + 4, x1.v, sizeof x1.v);
  memcpy(out + 8, x2.v, sizeof x2.v);
  memcpy(out + 12, x3.v, sizeof x3.v);
}

/* Not inlined into philox_get_double() and friends: their fast path
 * should stay a few instructions without this function's frame. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
uint64_t
hfs__philox_refill(hfs_philox_state *s)
{
  /* Called when output POS is not buffered; draws are sequential, so
   * POS = BASE + FILLED, a multiple of 16. */
  if (s->base == 0 && s->filled + 16 <= HFS_RNG_CACHE) {
    /* still within the start of the stream: append, keep for rewinds */
    philox_four_blocks(s, s->pos / 4, s->buf + s->filled);
    s->filled += 16;
  } else {
    /* past the buffer: go on 16 at a time; the start is lost */
    s->base = s->pos;
    philox_four_blocks(s, s->pos / 4, s->buf);
    s->filled = 16;
  }
  s->computed += 16;
  return s->buf[s->pos++ - s->base];
}

static void philox_reset(hfs_philox_state *s, hfs_stream_id id)
{
  s->drawn += s->pos;
  s->key[0] = id.seed;
  s->key[1] = id.replicate;
  s->addr[0] = id.patient;
  s->addr[1] = id.purpose;
  s->pos = 0;
  s->base = 0;
  s->filled = 0;
}

static void philox_set(void *vstate, unsigned long seed)
{
  /* Plain gsl_rng_set(): stream (seed, 0, 0, 0). The engine addresses
   * streams with hfs_rng_set_stream() instead. */
  hfs_stream_id id = {seed, 0, 0, 0};
  hfs_philox_state *s = vstate;
  memset(s, 0, sizeof *s - sizeof s->buf);
  philox_reset(s, id);
}

static unsigned long philox_get(void *vstate)
{
  gsl_rng r = {hfs_rng_philox, vstate};
  return (unsigned long)(hfs_rng_u64(&r) >> 32);
}

static double philox_get_double(void *vstate)
{
  gsl_rng r = {hfs_rng_philox, vstate};
  return hfs_rng_uniform(&r);
}

static const gsl_rng_type philox_type = {
    "hfs_philox4x64", 0xffffffffUL,     0, sizeof(hfs_philox_state), philox_set,
    philox_get,       philox_get_double};

const gsl_rng_type *hfs_rng_philox = &philox_type;

void hfs__rng_readdress(gsl_rng *r, hfs_stream_id id)
{
  philox_reset(r->state, id);
}

gsl_rng *hfs_rng_alloc(hfs_stream_id id)
{
  gsl_rng *r = gsl_rng_alloc(hfs_rng_philox);
  if (r != NULL)
    philox_reset(r->state, id);
  return r;
}

void hfs_rng_counts(const gsl_rng *r, uint64_t *drawn, uint64_t *computed)
{
  const hfs_philox_state *s = r->state;
  *drawn = s->drawn + s->pos;
  *computed = s->computed;
}
