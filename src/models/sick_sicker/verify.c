/*
 * verify.c - the Sick-Sicker model's verification checks (`hfsim verify`):
 * each strategy's microsimulated discounted cost and QALYs against the exact
 * Markov cohort calculation (ss_cohort).
 */
#include <stdio.h>

#include "hfsim/verify.h"
#include "sick_sicker.h"

hfs_status ss_verify(hfs_verifier *v)
{
  hfs_probe p;
  hfs_status st = hfs_probe_run(&p, v, NULL, 0, 0);
  if (st != HFS_OK) {
    hfs_probe_free(&p);
    return st;
  }
  for (size_t s = 0; s < p.st.model.n_strategies; s++) {
    int treated = ss_treated(&p.st.model, s);
    double cost, qaly;
    if (ss_cohort(&p.st.params, p.st.scenario.discount_rate_costs,
                  p.st.scenario.discount_rate_qalys, treated, &cost, &qaly,
                  NULL) != HFS_OK)
      continue;
    const char *name = p.st.model.strategy_names[s];
    char label[64], desc[256];
    snprintf(label, sizeof label, "sick_sicker_%s_cost", name);
    snprintf(desc, sizeof desc,
             "Sick-Sicker (Krijkamp et al. 2018), %s: microsimulated "
             "discounted cost vs the Markov cohort",
             name);
    hfs_verifier_add(v, label, desc, cost, hfs_probe_outcome(&p, name, "cost"),
                     0);
    snprintf(label, sizeof label, "sick_sicker_%s_qaly", name);
    snprintf(desc, sizeof desc,
             "Sick-Sicker (Krijkamp et al. 2018), %s: microsimulated "
             "discounted QALYs vs the Markov cohort",
             name);
    hfs_verifier_add(v, label, desc, qaly, hfs_probe_outcome(&p, name, "qaly"),
                     0);
  }
  hfs_probe_free(&p);
  return HFS_OK;
}
