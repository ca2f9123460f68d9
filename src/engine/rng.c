/*
 * rng.c - Philox4x64-10 streams as a gsl_rng type.
 *
 * Why Philox (Random123) rather than a seeded sequential generator: a
 * stream is addressed by (seed, replicate, patient, purpose) directly, so
 * there are no seeds to derive, no jump-ahead, and no overlap between
 * streams (each key is a bijection of the 256-bit counter). See rng.h.
 */
#include "hfsim/mathx.h"
#include "hfsim/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

typedef struct philox_state {
  philox4x64_key_t key;
  philox4x64_ctr_t ctr; /* {patient, purpose, block, 0} */
  philox4x64_ctr_t out; /* current block of 4 outputs */
  int next;             /* index of the next unused output; 4 = empty */
} philox_state;

static inline uint64_t next_u64(philox_state *s)
{
  if (s->next == 4) {
    s->out = philox4x64(s->ctr, s->key);
    s->ctr.v[2]++;
    s->next = 0;
  }
  return s->out.v[s->next++];
}

static void philox_set(void *vstate, unsigned long seed)
{
  /* Plain gsl_rng_set(): stream (seed, 0, 0, 0). The engine addresses
   * streams with hfs_rng_set_stream() instead. */
  philox_state *s = vstate;
  memset(s, 0, sizeof *s);
  s->key.v[0] = seed;
  s->next = 4;
}

static unsigned long philox_get(void *vstate)
{
  return (unsigned long)(next_u64(vstate) >> 32);
}

static double philox_get_double(void *vstate)
{
  /* 53 high bits -> [0, 1) with spacing 2^-53 */
  return (double)(next_u64(vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type philox_type = {
    "hfs_philox4x64", 0xffffffffUL,     0, sizeof(philox_state), philox_set,
    philox_get,       philox_get_double};

const gsl_rng_type *hfs_rng_philox = &philox_type;

void hfs_rng_set_stream(gsl_rng *r, hfs_stream_id id)
{
  philox_state *s = r->state;
  s->key.v[0] = id.seed;
  s->key.v[1] = id.replicate;
  s->ctr.v[0] = id.patient;
  s->ctr.v[1] = id.purpose;
  s->ctr.v[2] = 0;
  s->ctr.v[3] = 0;
  s->next = 4;
}

gsl_rng *hfs_rng_alloc(hfs_stream_id id)
{
  gsl_rng *r = gsl_rng_alloc(hfs_rng_philox);
  if (r != NULL)
    hfs_rng_set_stream(r, id);
  return r;
}

double hfs_rng_uniform_pos(gsl_rng *r)
{
  double u;
  do {
    u = gsl_rng_uniform(r);
  } while (u == 0.0);
  return u;
}

double hfs_rng_exponential_years(gsl_rng *r, double rate_per_year)
{
  double u = hfs_rng_uniform_pos(r);
  if (rate_per_year <= 0.0)
    return HFS_INF;
  return -log(u) / rate_per_year;
}

int hfs_rng_bernoulli(gsl_rng *r, double p)
{
  return gsl_rng_uniform(r) < p;
}

int hfs_rng_categorical(gsl_rng *r, const double *probs, int n)
{
  double u = gsl_rng_uniform(r), cum = 0.0;
  for (int i = 0; i < n - 1; i++) {
    cum += probs[i];
    if (u < cum)
      return i;
  }
  return n - 1;
}
