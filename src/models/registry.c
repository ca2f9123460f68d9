/*
 * registry.c - the registry of disease models: one line per model.
 *
 * Each model folder (src/models/NAME/) defines one `const hfs_model_class`;
 * list it here and the scenario key `model = NAME` selects it.
 */
#include <string.h>

#include "hfsim/model.h"

#define HFS_MODELS(X)                                         \
  X(spasm_model_class) /* src/models/hfs: hemifacial spasm */ \
  X(ss_model_class)    /* src/models/sick_sicker: Sick-Sicker */

#define DECLARE(cls) extern const hfs_model_class cls;
#define ENTRY(cls) &cls,
HFS_MODELS(DECLARE)
static const hfs_model_class *const registry[] = {HFS_MODELS(ENTRY)};
#undef DECLARE
#undef ENTRY

size_t hfs_model_class_count(void)
{
  return sizeof registry / sizeof registry[0];
}

const hfs_model_class *hfs_model_class_at(size_t i)
{
  return i < hfs_model_class_count() ? registry[i] : NULL;
}

const hfs_model_class *hfs_model_class_find(const char *name)
{
  for (size_t i = 0; i < hfs_model_class_count(); i++)
    if (strcmp(registry[i]->name, name) == 0)
      return registry[i];
  return NULL;
}
