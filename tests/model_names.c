/*
 * model_names.c - print the names that belong to one model: its outcomes,
 * parameters and trace states that no other registered model uses, one
 * per line (for tests/no_model_names.sh).
 *
 *   model_names MODEL
 */
#include <stdio.h>
#include <string.h>

#include "hfsim/model.h"

/* NAME is an outcome, parameter or state of class C. */
static int named_by(const hfs_model_class *c, const char *name)
{
  for (size_t k = 0; k < c->n_outcomes; k++)
    if (strcmp(c->outcomes[k].name, name) == 0)
      return 1;
  for (size_t k = 0; k < c->n_params; k++)
    if (strcmp(c->params[k].name, name) == 0)
      return 1;
  for (size_t k = 0; k < c->n_states; k++)
    if (strcmp(c->states[k].name, name) == 0)
      return 1;
  return 0;
}

static void print_own(const hfs_model_class *c, const char *name)
{
  for (size_t i = 0; i < hfs_model_class_count(); i++) {
    const hfs_model_class *o = hfs_model_class_at(i);
    if (o != c && named_by(o, name))
      return;
  }
  puts(name);
}

int main(int argc, char **argv)
{
  const hfs_model_class *c = argc == 2 ? hfs_model_class_find(argv[1]) : NULL;
  if (c == NULL) {
    fprintf(stderr, "usage: model_names MODEL (a registered model)\n");
    return 2;
  }
  for (size_t k = 0; k < c->n_outcomes; k++)
    print_own(c, c->outcomes[k].name);
  for (size_t k = 0; k < c->n_params; k++)
    print_own(c, c->params[k].name);
  for (size_t k = 0; k < c->n_states; k++)
    print_own(c, c->states[k].name);
  return 0;
}
