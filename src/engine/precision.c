/*
 * precision.c - the precision rule (`hfsim run --target-se`): simulate more
 * patients until the Monte Carlo error of the decision is small enough (see
 * engine.h).
 */
#include "hfsim/engine.h"
#include "hfsim/parallel.h"
#include "hfsim/ranks.h"

uint64_t hfs_precision_first_round(uint64_t patients, uint64_t max_patients)
{
  if (patients > max_patients) /* the cap holds for the first round too */
    return max_patients;
  if (patients % HFS_BLOCK_PATIENTS == 0)
    return patients;
  uint64_t up = (patients / HFS_BLOCK_PATIENTS + 1) * HFS_BLOCK_PATIENTS;
  return up <= max_patients ? up : patients;
}

/* Net monetary benefit of strategy S at WTP. */
static double nmb(const hfs_model *m, const hfs_results *r, size_t s,
                  double wtp)
{
  const hfs_accum *o = r->outcomes + s * r->n_outcomes;
  return wtp * o[m->cls->qaly_outcome].mean - o[m->cls->cost_outcome].mean;
}

hfs_status hfs_engine_run_to_precision(const hfs_model *m,
                                       const hfs_run_config *cfg, double wtp,
                                       double target_se, uint64_t max_patients,
                                       hfs_precision_fn report, void *user,
                                       hfs_results *r, hfs_diag *d)
{
  size_t S = m->n_strategies;
  if (S < 2) {
    hfs_diag_error(d, NULL, 0,
                   "the precision rule needs at least two strategies to "
                   "compare");
    return HFS_ERR_INPUT;
  }
  hfs_run_config c = *cfg;
  c.first_patient = 0;
  c.patients = hfs_precision_first_round(cfg->patients, max_patients);
  hfs_status st = hfs_engine_run_ranks(m, &c, r, d);
  while (st == HFS_OK) {
    size_t best = 0, second = 1;
    if (nmb(m, r, 1, wtp) > nmb(m, r, 0, wtp)) {
      best = 1;
      second = 0;
    }
    for (size_t s = 2; s < S; s++) {
      if (nmb(m, r, s, wtp) > nmb(m, r, best, wtp)) {
        second = best;
        best = s;
      } else if (nmb(m, r, s, wtp) > nmb(m, r, second, wtp)) {
        second = s;
      }
    }
    hfs_precision_round round = {
        best, second, nmb(m, r, best, wtp) - nmb(m, r, second, wtp),
        hfs_results_paired_se(r, best, second, 2, wtp), 0};
    /* (a NaN se, from fewer than two patients, is not available and
     * never meets the target: NaN <= x is false) */
    round.done = round.se <= target_se         ? 1
                 : r->patients >= max_patients ? 2
                                               : 0;
    if (report != NULL)
      report(user, r, &round);
    if (round.done)
      return HFS_OK;
    /* (MPI ranks agree: every rank holds the same R, see ranks.h) */
    if (hfs_par_max_int(c.stop_flag != NULL && *c.stop_flag))
      return HFS_ERR_INTERRUPTED;
    c.first_patient = r->patients;
    c.patients = r->patients < max_patients - r->patients
                     ? r->patients
                     : max_patients - r->patients;
    st = hfs_engine_run_ranks(m, &c, r, d);
  }
  return st;
}
