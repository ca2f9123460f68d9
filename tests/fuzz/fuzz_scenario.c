/*
 * fuzz_scenario.c - libFuzzer target for the scenario file (INI).
 *
 * The input is the text of a scenario file, written to scenario.ini in the
 * harness's private folder, next to symbolic links to every CSV file of
 * the repository's configs/ (parameters.csv, life_table_us_ssa_2020.csv,
 * sick_sicker_parameters.csv, ...). So the [inputs] of configs/default.ini
 * or configs/sick_sicker.ini (paths relative to the scenario) resolve to
 * the real tables, and a scenario that resolves goes all the way through
 * hfs_study_load (tables, parameter check, model and strategies).
 *
 * Per input: hfs_scenario_load, hfs_scenario_resolve,
 * hfs_scenario_report_unknown_sections; then, when resolve succeeded and
 * both tables it names are small regular files, hfs_study_load on the same
 * file, and when that succeeds, the model's describe() (what `hfsim check`
 * prints) into /dev/null. (A fuzzed [inputs] may name /dev/zero or a FIFO:
 * reading those would block or grow without bound, which is not a bug of the
 * reader.) Everything is freed, so LeakSanitizer sees leaks; nothing is
 * printed.
 */
#include "fuzz_util.h"

#include "hfsim/scenario.h"
#include "hfsim/study.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int linked;
  if (!linked) {
    char names[32][64];
    size_t n = hfs_fuzz_list_configs(".csv", names, 32);
    for (size_t i = 0; i < n; i++)
      hfs_fuzz_link_config(names[i]);
    linked = 1;
  }
  const char *path = hfs_fuzz_write("scenario.ini", data, size);

  hfs_diag d;
  hfs_diag_init(&d);
  hfs_scenario s;
  hfs_scenario_init(&s);
  int study = 0;
  hfs_status st = hfs_scenario_load(&s, path, &d);
  if (st != HFS_ERR_IO && st != HFS_ERR_NOMEM) {
    if (hfs_scenario_resolve(&s, &d) == HFS_OK)
      study = hfs_fuzz_small_regular_file(s.parameters_path) &&
              hfs_fuzz_small_regular_file(s.life_table_path);
    hfs_scenario_report_unknown_sections(&s, &d);
  }
  hfs_scenario_free(&s);
  hfs_diag_free(&d);

  if (study) {
    hfs_study stu;
    hfs_study_init(&stu);
    hfs_diag_init(&d);
    if (hfs_study_load(&stu, path, NULL, 0, &d) == HFS_OK) {
      (void)hfs_study_run_config(&stu);
      hfs_fuzz_describe(&stu);
    }
    hfs_study_free(&stu);
    hfs_diag_free(&d);
  }
  return 0;
}
