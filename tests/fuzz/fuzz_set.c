/*
 * fuzz_set.c - libFuzzer target for command-line overrides (--set).
 *
 * The input is split at every '\n' into assignments ("SECTION.KEY=VALUE"
 * for settings, strategy.NAME.KEY=VALUE for strategies, NAME=VALUE for
 * parameters); only the first MAX_ASSIGNMENTS are used (a command line has
 * a handful, and each unknown parameter name costs a did-you-mean search
 * over every parameter). Per input:
 *
 *   1. every assignment goes through hfs_scenario_set on a fresh load of
 *      configs/default.ini (whatever its syntax: parameter assignments must
 *      be rejected cleanly too), then hfs_scenario_resolve;
 *   2. hfs_study_load(configs/default.ini, the assignments as overrides),
 *      which, as `hfsim run --set` does, sends settings to
 *      hfs_scenario_set_labeled and parameters to hfs_param_override on the
 *      real table (configs/parameters.csv), then checks the table and goes
 *      on to the model and its strategies (described, as `hfsim check`
 *      does, into /dev/null) -- unless an assignment targets
 *      [inputs] with a value that is not a small regular file (a fuzzed
 *      path may be /dev/zero or a FIFO: reading it would block or grow
 *      without bound, which is not a bug of the reader).
 *
 * Everything is freed; nothing is printed.
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz_util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hfsim/scenario.h"
#include "hfsim/study.h"

enum { MAX_ASSIGNMENTS = 64 };

static const char *skip_blanks(const char *p)
{
  while (isspace((unsigned char)*p))
    p++;
  return p;
}

/* Whether an override may make hfs_study_load read a path that is not a
 * small regular file (see above). */
static int unsafe_input_path(const char *a)
{
  const char *p = skip_blanks(a);
  if (strncmp(p, "inputs.", 7) != 0)
    return 0;
  const char *eq = strchr(p, '=');
  if (eq == NULL)
    return 0;
  char path[1024];
  snprintf(path, sizeof path, "%s", skip_blanks(eq + 1));
  size_t n = strlen(path);
  while (n > 0 && isspace((unsigned char)path[n - 1]))
    path[--n] = '\0';
  return n > 0 && !hfs_fuzz_small_regular_file(path);
}

static void direct(char **lines, size_t n)
{
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_scenario s;
  hfs_scenario_init(&s);
  if (hfs_scenario_load(&s, hfs_fuzz_config("default.ini"), &d) != HFS_OK) {
    /* The repository's own scenario must load: a harness failure. */
    fprintf(stderr, "fuzz harness: configs/default.ini does not load:\n");
    hfs_diag_print(&d, stderr);
    abort();
  }
  for (size_t i = 0; i < n; i++)
    (void)hfs_scenario_set(&s, lines[i], &d);
  (void)hfs_scenario_resolve(&s, &d);
  hfs_scenario_free(&s);
  hfs_diag_free(&d);
}

static void study(char **lines, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (unsafe_input_path(lines[i]))
      return;
  hfs_override *ov = calloc(n ? n : 1, sizeof *ov);
  if (ov == NULL)
    abort();
  for (size_t i = 0; i < n; i++) {
    ov[i].assignment = lines[i];
    ov[i].label = lines[i];
  }
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_study st;
  hfs_study_init(&st);
  if (hfs_study_load(&st, hfs_fuzz_config("default.ini"), ov, n, &d) == HFS_OK)
    hfs_fuzz_describe(&st);
  hfs_study_free(&st);
  hfs_diag_free(&d);
  free(ov);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t n;
  char **lines = hfs_fuzz_split_lines(data, size, &n);
  size_t used = n < MAX_ASSIGNMENTS ? n : MAX_ASSIGNMENTS;
  direct(lines, used);
  study(lines, used);
  hfs_fuzz_free_lines(lines, n);
  return 0;
}
