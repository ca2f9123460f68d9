/*
 * model.c - creating and destroying a model instance, and the check of a
 * model class's contract (see model.h).
 */
#include "hfsim/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_mean_total(const hfs_outcome_def *o)
{
  return (o->flags & (HFS_OUT_PROPORTION | HFS_OUT_HIDDEN)) == 0 &&
         o->condition < 0;
}

const char *hfs_model_class_check(const hfs_model_class *c)
{
  if (c->name == NULL || c->description == NULL)
    return "the class needs a name and a description";
  if (c->create == NULL || c->destroy == NULL || c->simulate == NULL ||
      c->describe == NULL)
    return "create, destroy, simulate and describe are required";
  if (c->n_outcomes == 0 || c->outcomes == NULL)
    return "the class has no outcomes";
  if (c->n_states == 0 || c->states == NULL)
    return "the class has no trace states";
  if (c->n_purposes == 0)
    return "the class uses no random-stream purpose";
  if (c->cost_outcome >= c->n_outcomes || c->qaly_outcome >= c->n_outcomes ||
      c->cost_outcome == c->qaly_outcome)
    return "cost_outcome and qaly_outcome must be two distinct outcome "
           "indices";
  const hfs_outcome_def *cost = &c->outcomes[c->cost_outcome];
  const hfs_outcome_def *qaly = &c->outcomes[c->qaly_outcome];
  if (!is_mean_total(cost) || strcmp(cost->unit, "currency") != 0)
    return "cost_outcome must be a visible, unconditional mean in currency";
  if (!is_mean_total(qaly) || strcmp(qaly->unit, "QALY") != 0)
    return "qaly_outcome must be a visible, unconditional mean in QALY";
  for (size_t k = 0; k < c->n_outcomes; k++) {
    const hfs_outcome_def *o = &c->outcomes[k];
    if (o->name == NULL || o->unit == NULL || o->description == NULL)
      return "every outcome needs a name, a unit and a description";
    if (o->condition >= (int)c->n_outcomes ||
        (o->condition >= 0 &&
         !(c->outcomes[o->condition].flags & HFS_OUT_PROPORTION)))
      return "an outcome's condition must be the index of a 0/1 outcome";
    if ((o->flags & HFS_OUT_HIDDEN) &&
        (o->flags & (HFS_OUT_SUBGROUP | HFS_OUT_HEADLINE)))
      return "a hidden outcome cannot be a subgroup or headline outcome";
  }
  for (size_t k = 0; k < c->n_states; k++)
    if (c->states[k].name == NULL || c->states[k].description == NULL)
      return "every state needs a name and a description";
  for (size_t a = 0; a < c->n_attributes; a++) {
    const hfs_attribute_def *def = &c->attributes[a];
    if (def->name == NULL || def->n_levels < 0 ||
        (def->n_levels > 0 && def->band_width <= 0 && def->levels == NULL))
      return "a subgroup attribute needs level labels or a band width";
  }
  return NULL;
}

hfs_status hfs_model_create(hfs_model *m, const hfs_model_class *cls,
                            const hfs_model_inputs *in, hfs_diag *d)
{
  memset(m, 0, sizeof *m);
  const char *broken = hfs_model_class_check(cls);
  if (broken != NULL) {
    hfs_diag_error(d, NULL, 0, "internal error: model '%s': %s",
                   cls->name ? cls->name : "?", broken);
    return HFS_ERR_INPUT;
  }
  m->cls = cls;
  const hfs_scenario *s = in->scenario;
  if (s->currency != NULL)
    snprintf(m->currency, sizeof m->currency, "%s", s->currency);
  m->strategy_names =
      calloc(s->n_strategies ? s->n_strategies : 1, sizeof(char *));
  if (m->strategy_names == NULL)
    return HFS_ERR_NOMEM;
  for (size_t i = 0; i < s->n_strategies; i++) {
    m->strategy_names[i] = hfs_strdup(s->strategy_names[i]);
    if (m->strategy_names[i] == NULL) {
      hfs_model_destroy(m);
      return HFS_ERR_NOMEM;
    }
    m->n_strategies = i + 1;
  }
  hfs_status st = cls->create(m, in, d);
  if (st != HFS_OK)
    hfs_model_destroy(m);
  return st;
}

void hfs_model_destroy(hfs_model *m)
{
  if (m->cls != NULL)
    m->cls->destroy(m);
  for (size_t i = 0; i < m->n_strategies; i++)
    free(m->strategy_names[i]);
  free(m->strategy_names);
  memset(m, 0, sizeof *m);
}
