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
 *
 * The stream is wrapped as a gsl_rng so every GSL sampler (gsl_ran_gamma,
 * gsl_ran_lognormal, ...) draws from it. Re-address an existing gsl_rng with
 * hfs_rng_set_stream() instead of allocating one per patient.
 *
 * Common random numbers: a model asks for the same (patient, purpose) under
 * every strategy, so baseline attributes, background death and natural
 * history are identical across strategies.
 */
#ifndef HFSIM_RNG_H
#define HFSIM_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* The gsl_rng_type of the Philox stream. get() returns 32-bit integers
 * (max = 2^32 - 1); get_double() returns 53-bit uniforms in [0, 1). */
extern const gsl_rng_type *hfs_rng_philox;

typedef struct hfs_stream_id {
  uint64_t seed;
  uint64_t replicate; /* PSA iteration, scenario, ...; 0 for a plain run */
  uint64_t patient;
  uint64_t purpose; /* model-defined: baseline, death, natural history, ... */
} hfs_stream_id;

/* Allocate a gsl_rng of type hfs_rng_philox addressed by ID. NULL on OOM. */
gsl_rng *hfs_rng_alloc(hfs_stream_id id);

/* Re-address R (which must be of type hfs_rng_philox) to the start of ID. */
void hfs_rng_set_stream(gsl_rng *r, hfs_stream_id id);

/* A uniform in the open interval (0, 1): safe for log(u) and quantiles. */
double hfs_rng_uniform_pos(gsl_rng *r);

/* Exponential waiting time with RATE_PER_YEAR (> 0), or +inf when the rate
 * is 0. Uses one uniform. */
double hfs_rng_exponential_years(gsl_rng *r, double rate_per_year);

/* Bernoulli draw: 1 with probability P. Uses one uniform. */
int hfs_rng_bernoulli(gsl_rng *r, double p);

/* Index drawn from the discrete distribution PROBS[0..n) (sums to 1). */
int hfs_rng_categorical(gsl_rng *r, const double *probs, int n);

#endif
