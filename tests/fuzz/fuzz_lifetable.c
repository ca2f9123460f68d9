/*
 * fuzz_lifetable.c - libFuzzer target for the life table (CSV).
 *
 * The input is the text of a life table, written to life_table.csv in the
 * harness's private folder. Per input: hfs_life_table_read; when it
 * succeeds, the two functions the model calls on a table
 * (hfs_life_table_time_to_death, hfs_life_table_survival) are evaluated at
 * a fixed grid of ages, uniforms and age limits around the table's range,
 * and their contracts are checked (a time to death is >= 0 or +inf, never
 * NaN; a survival probability is in [0, 1]): a violation aborts, so it is
 * reported like a crash. Everything is freed; nothing is printed.
 */
#include "fuzz_util.h"

#include <math.h>
#include <stdlib.h>

#include "hfsim/lifetable.h"

static void evaluate(const hfs_life_table *lt)
{
  const double lo = lt->age_min, hi = lt->age_max;
  const double ages[] = {lo, lo + 0.5, floor((lo + hi) / 2) + 0.25,
                         hi, hi + 0.5, hi + 3.0};
  const double us[] = {1e-300, 1e-9, 0.25, 0.5, 0.999999, 1.0};
  const double limits[] = {lo, hi + 1.0, 120.0};
  for (int sex = 0; sex < 2; sex++)
    for (size_t i = 0; i < sizeof ages / sizeof *ages; i++) {
      for (size_t j = 0; j < sizeof us / sizeof *us; j++)
        for (size_t k = 0; k < sizeof limits / sizeof *limits; k++) {
          double t =
              hfs_life_table_time_to_death(lt, sex, ages[i], us[j], limits[k]);
          if (isnan(t) || t < 0.0)
            abort();
        }
      const double spans[] = {0.0, 0.5, 1.0, 10.0};
      for (size_t j = 0; j < sizeof spans / sizeof *spans; j++) {
        double s = hfs_life_table_survival(lt, sex, ages[i], spans[j]);
        if (!(s >= 0.0 && s <= 1.0))
          abort();
      }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = hfs_fuzz_write("life_table.csv", data, size);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_life_table lt;
  hfs_life_table_init(&lt);
  if (hfs_life_table_read(&lt, path, &d) == HFS_OK)
    evaluate(&lt);
  hfs_life_table_free(&lt);
  hfs_diag_free(&d);
  return 0;
}
