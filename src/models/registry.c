/*
 * models.c - the registry of disease models. A new model is one more entry.
 */
#include <string.h>

#include "hfsim/model.h"
#include "hfsim/sick_sicker.h"

extern const hfs_model_class hfs_model_hemifacial_spasm;

static const hfs_model_class *const registry[] = {
    &hfs_model_hemifacial_spasm,
    &hfs_model_sick_sicker,
};
static const char *const registry_names[] = {"hfs", "sick_sicker"};
#define N_MODELS (sizeof registry / sizeof registry[0])

const hfs_model_class *hfs_model_class_find(const char *name)
{
  for (size_t i = 0; i < N_MODELS; i++)
    if (strcmp(registry[i]->name, name) == 0)
      return registry[i];
  return NULL;
}

const char *const *hfs_model_class_names(size_t *n)
{
  *n = N_MODELS;
  return registry_names;
}

hfs_status hfs_model_create(hfs_model *m, const hfs_model_class *cls,
                            const hfs_model_inputs *in, hfs_diag *d)
{
  memset(m, 0, sizeof *m);
  m->cls = cls;
  if (in->scenario != NULL && in->scenario->currency != NULL)
    snprintf(m->currency, sizeof m->currency, "%s", in->scenario->currency);
  hfs_status st = cls->create(m, in, d);
  if (st != HFS_OK)
    hfs_model_destroy(m);
  return st;
}

void hfs_model_destroy(hfs_model *m)
{
  if (m->cls != NULL)
    m->cls->destroy(m);
  memset(m, 0, sizeof *m);
}
