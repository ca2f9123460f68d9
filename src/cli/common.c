/*
 * common.c - options, loading, exit codes and the manifest shared by every
 * command (see common.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_version.h>
#include <omp.h>
#include <csv.h>

#include "hfsim/datadir.h"
#include "hfsim/numfmt.h"
#include "hfsim/output.h"
#include "hfsim/parallel.h"
#include "hfsim/params.h"
#include "hfsim/sha256.h"
#include "hfsim/version.h"

volatile sig_atomic_t hfs_cli_stop_requested = 0;

/* ---- options ---------------------------------------------------------- */

void hfs_cli_options_free(options *o)
{
  for (size_t i = 0; i < o->n_owned; i++)
    free(o->owned[i]);
  free(o->owned);
  free(o->overrides);
}

int hfs_cli_usage_error(const char *command, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "hfsim: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'hfsim %s%s--help' for more information.\n",
          command ? command : "", command ? " " : "");
  return HFS_EXIT_USAGE;
}

static int keep(options *o, char *s)
{
  char **owned = realloc(o->owned, (o->n_owned + 1) * sizeof *owned);
  if (owned == NULL || s == NULL) {
    free(s);
    if (owned)
      o->owned = owned;
    return -1;
  }
  o->owned = owned;
  o->owned[o->n_owned++] = s;
  return 0;
}

int hfs_cli_add_override(options *o, const char *assignment, const char *label)
{
  hfs_override *ov = realloc(o->overrides, (o->n_overrides + 1) * sizeof *ov);
  if (ov == NULL)
    return -1;
  o->overrides = ov;
  ov[o->n_overrides].assignment = assignment;
  ov[o->n_overrides].label = label;
  o->n_overrides++;
  return 0;
}

/* "--patients 10" becomes the override "run.patients=10", labelled with the
 * option as typed so errors point at it. */
static int add_setting_option(options *o, const char *opt, const char *key,
                              const char *value)
{
  size_t n = strlen(key) + strlen(value) + 2;
  char *a = malloc(n), *l = malloc(strlen(opt) + strlen(value) + 2);
  if (a == NULL || l == NULL) {
    free(a);
    free(l);
    return -1;
  }
  snprintf(a, n, "%s=%s", key, value);
  sprintf(l, "%s %s", opt, value);
  if (keep(o, a) != 0 || keep(o, l) != 0)
    return -1;
  return hfs_cli_add_override(o, a, l);
}

/* The setting --patients stands for in COMMAND: the patients its
 * simulations use, so that the manifest's override line reruns it. */
static const char *patients_key(const char *command)
{
  if (!strcmp(command, "psa"))
    return "psa.patients"; /* per iteration */
  if (!strcmp(command, "owsa") || !strcmp(command, "twsa") ||
      !strcmp(command, "scenarios"))
    return "dsa.patients"; /* per variant */
  if (!strcmp(command, "calibrate"))
    return "calibration.patients"; /* per evaluation */
  return "run.patients";
}

int hfs_cli_threads_used(const hfs_study *st)
{
  return st->scenario.threads > 0 ? st->scenario.threads
                                  : omp_get_max_threads();
}

/* Returns -1 when parsing succeeded, else an exit code. */
int hfs_cli_exit_code(hfs_status s)
{
  switch (s) {
  case HFS_OK:
    return HFS_EXIT_OK;
  case HFS_ERR_INPUT:
    return HFS_EXIT_INPUT;
  case HFS_ERR_IO:
    return HFS_EXIT_IO;
  case HFS_ERR_INTERRUPTED:
    return HFS_EXIT_INTERRUPTED;
  case HFS_ERR_NOMEM:
    /* never a silent exit 1; the message above, if any, says for what */
    fprintf(stderr, "hfsim: out of memory; nothing was written\n");
    break;
  }
  return HFS_EXIT_FAILURE;
}

/* Load everything; on failure print all errors and return the exit code,
 * else -1. */
int hfs_cli_load_study(hfs_study *st, const options *o)
{
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_study_init(st);
  hfs_status s = hfs_study_load_scenario(st, o->config, o->overrides,
                                         o->n_overrides, o->scenario, &d);
  /* an installed scenario's results go under ./results, never into the
   * data directory (unless --set run.output says otherwise; --out wins
   * anyway) */
  char *installed = s == HFS_OK ? hfs_installed_output(o->config) : NULL;
  if (installed != NULL) {
    const hfs_setting *e = hfs_scenario_get(&st->scenario, "run", "output");
    if (e == NULL || e->line != 0) {
      free(st->scenario.output_dir);
      st->scenario.output_dir = installed;
    } else {
      free(installed);
    }
  }
  hfs_diag_print(&d, stderr);
  size_t n = hfs_diag_count(&d);
  /* MPI: every rank reads the inputs; all go on only if all loaded them
   * (a node that cannot see a file stops the job, naming itself) */
  if (hfs_par_active()) {
    hfs_status root = (hfs_status)hfs_par_bcast_int((int)s);
    if (root == HFS_OK && s != HFS_OK) /* (the others wait: MPI_Abort) */
      hfs_par_abort(hfs_cli_exit_code(s),
                    "cannot load the inputs that rank 0 loaded: %s",
                    n ? d.entries[0].message : "unknown error");
    s = root;
  }
  /* the hint is for the default scenario not found (not for a table it
   * names that is missing) */
  int no_default = s == HFS_ERR_IO && n == 1 && d.entries[0].file != NULL &&
                   strcmp(o->config, HFS_DEFAULT_CONFIG) == 0 &&
                   strcmp(d.entries[0].file, o->config) == 0;
  /* Every error in the value of --patients, --threads or --seed (their
   * settings carry the option as their origin; --set is a setting like a
   * line of the file): a bad command line, exit 2, as for a malformed one */
  int option_values = s == HFS_ERR_INPUT && n > 0;
  for (size_t i = 0; option_values && i < d.count; i++) {
    const char *f = d.entries[i].file;
    option_values = f != NULL && (!strncmp(f, "--patients ", 11) ||
                                  !strncmp(f, "--threads ", 10) ||
                                  !strncmp(f, "--seed ", 7));
  }
  hfs_diag_free(&d);
  if (s == HFS_OK)
    return -1;
  if (n > 1)
    fprintf(stderr, "hfsim: %zu errors; nothing was simulated\n", n);
  if (no_default)
    fprintf(stderr,
            "hfsim: run from the repository folder, install hfsim (cmake "
            "--install build), or name a scenario with --config FILE\n");
  hfs_study_free(st);
  if (option_values) {
    fprintf(stderr, "Try 'hfsim %s --help' for more information.\n",
            o->command);
    return HFS_EXIT_USAGE;
  }
  return hfs_cli_exit_code(s);
}

/* ---- typed options ------------------------------------------------------ */

/* Each option has a kind, which says how its value is read, and a group
 * (ALLOW_*), which says which commands take it. */
typedef enum opt_kind {
  OPT_FLAG,     /* no value */
  OPT_PATH,     /* a file or folder name */
  OPT_ASSIGN,   /* NAME=VALUE */
  OPT_COUNT,    /* a whole number >= 1 */
  OPT_POSITIVE, /* a number > 0 */
  OPT_SETTING   /* a scenario setting, checked when the study loads */
} opt_kind;

typedef enum opt_id {
  O_HELP,
  O_CONFIG,
  O_QUIET,
  O_SET,
  O_PATIENTS,
  O_THREADS,
  O_SEED,
  O_OUT,
  O_PATIENTS_CSV,
  O_ITERATIONS,
  O_RESUME,
  O_TARGET_SE,
  O_MAX_PATIENTS,
  O_BENCH_PSA,
  O_BENCH_SPEEDUP,
  O_PARAM,
  O_STEPS,
  O_NO_WAIT,
  O_POSTERIOR,
  O_SCENARIO,
  O_XLSX
} opt_id;

typedef struct opt_def {
  const char *name, *alias;
  opt_id id;
  opt_kind kind;
  int group; /* ALLOW_*; 0 = every command */
} opt_def;

static const opt_def option_table[] = {
    {"--help", "-h", O_HELP, OPT_FLAG, 0},
    {"--config", "-c", O_CONFIG, OPT_PATH, 0},
    {"--quiet", "-q", O_QUIET, OPT_FLAG, 0},
    {"--set", NULL, O_SET, OPT_ASSIGN, ALLOW_SET},
    {"--patients", NULL, O_PATIENTS, OPT_COUNT, ALLOW_PATIENTS},
    {"--threads", NULL, O_THREADS, OPT_SETTING, ALLOW_THREADS},
    {"--seed", NULL, O_SEED, OPT_SETTING, ALLOW_RUN},
    {"--out", "-o", O_OUT, OPT_PATH, ALLOW_RUN},
    {"--patients-csv", NULL, O_PATIENTS_CSV, OPT_FLAG, ALLOW_RUN},
    {"--no-wait", NULL, O_NO_WAIT, OPT_FLAG, ALLOW_RUN},
    {"--iterations", NULL, O_ITERATIONS, OPT_COUNT, ALLOW_PSA},
    {"--resume", NULL, O_RESUME, OPT_FLAG, ALLOW_PSA},
    {"--target-se", NULL, O_TARGET_SE, OPT_POSITIVE, ALLOW_TARGET},
    {"--max-patients", NULL, O_MAX_PATIENTS, OPT_COUNT, ALLOW_TARGET},
    {"--psa", NULL, O_BENCH_PSA, OPT_FLAG, ALLOW_BENCH},
    {"--speedup", NULL, O_BENCH_SPEEDUP, OPT_FLAG, ALLOW_BENCH},
    {"--param", NULL, O_PARAM, OPT_PATH, ALLOW_TWSA},
    {"--steps", NULL, O_STEPS, OPT_COUNT, ALLOW_TWSA},
    {"--resume", NULL, O_RESUME, OPT_FLAG, ALLOW_RESUME},
    {"--posterior", NULL, O_POSTERIOR, OPT_PATH, ALLOW_POSTERIOR},
    {"--scenario", NULL, O_SCENARIO, OPT_PATH, ALLOW_SCENARIO},
    {"--xlsx", NULL, O_XLSX, OPT_FLAG, ALLOW_XLSX},
};

static const opt_def *find_option(const char *name, int allow)
{
  for (size_t i = 0; i < sizeof option_table / sizeof *option_table; i++) {
    const opt_def *d = &option_table[i];
    if ((d->group == 0 || (allow & d->group)) &&
        (!strcmp(name, d->name) || (d->alias && !strcmp(name, d->alias))))
      return d;
  }
  return NULL;
}

/* The option of the command's groups closest to a mistyped NAME, or NULL
 * (the same rule as for commands and keys: hfs_closest_name). */
static const char *closest_option(const char *name, int allow)
{
  /* compared without the leading "--", which every name shares */
  const char *names[sizeof option_table / sizeof *option_table];
  size_t n = 0;
  for (size_t i = 0; i < sizeof option_table / sizeof *option_table; i++) {
    const opt_def *d = &option_table[i];
    if (d->group == 0 || (allow & d->group))
      names[n++] = d->name + 2;
  }
  while (*name == '-')
    name++;
  const char *sug = *name ? hfs_closest_name(name, names, n) : NULL;
  /* option names are short: a suggestion two edits away must at least
   * start alike (--out is not a misspelt --set) */
  if (sug != NULL && sug[0] != name[0] && hfs_edit_distance(name, sug) > 1)
    sug = NULL;
  return sug ? sug - 2 : NULL;
}

static int parse_count(const char *value, uint64_t *out)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull(value, &end, 10);
  if (*value == '-' || *value == '\0' || *end != '\0' || errno != 0 || v == 0)
    return -1;
  *out = v;
  return 0;
}

/* Store the value of option D; returns -1 (go on) or an exit code. */
static int apply_option(options *o, const opt_def *d, const char *value,
                        const char *help)
{
  uint64_t n = 0;
  if (d->kind == OPT_COUNT && parse_count(value, &n) != 0) {
    if (d->id == O_ITERATIONS)
      return hfs_cli_usage_error(
          o->command,
          "--iterations takes a whole number from 1 to 1e8, got '%s'", value);
    if (d->id == O_STEPS)
      return hfs_cli_usage_error(
          o->command, "--steps takes a whole number from 2 to 101, got '%s'",
          value);
    return hfs_cli_usage_error(
        o->command, "%s takes a whole number >= 1, got '%s'", d->name, value);
  }
  switch (d->id) {
  case O_HELP:
    fputs(help, stdout);
    return HFS_EXIT_OK;
  case O_CONFIG:
    o->config = value;
    return -1;
  case O_QUIET:
    o->quiet = 1;
    return -1;
  case O_SET: {
    if (strchr(value, '=') == NULL)
      return hfs_cli_usage_error(o->command, "--set needs NAME=VALUE, got '%s'",
                                 value);
    char *label = malloc(strlen(value) + 7);
    if (label == NULL)
      return HFS_EXIT_FAILURE;
    sprintf(label, "--set %s", value);
    if (keep(o, label) != 0 || hfs_cli_add_override(o, value, label) != 0)
      return HFS_EXIT_FAILURE;
    return -1;
  }
  case O_PATIENTS:
    o->patients_given = 1;
    o->patients = n;
    return add_setting_option(o, "--patients", patients_key(o->command),
                              value) != 0
               ? HFS_EXIT_FAILURE
               : -1;
  case O_THREADS:
    return add_setting_option(o, "--threads", "run.threads", value) != 0
               ? HFS_EXIT_FAILURE
               : -1;
  case O_SEED:
    return add_setting_option(o, "--seed", "run.seed", value) != 0
               ? HFS_EXIT_FAILURE
               : -1;
  case O_OUT:
    if (value[0] == '\0')
      return hfs_cli_usage_error(o->command, "--out needs a folder name");
    o->out_dir = value;
    return -1;
  case O_PATIENTS_CSV:
    return hfs_cli_add_override(o, "run.patients_csv=yes", "--patients-csv") !=
                   0
               ? HFS_EXIT_FAILURE
               : -1;
  case O_ITERATIONS:
    if (n > 100000000ULL)
      return hfs_cli_usage_error(
          o->command,
          "--iterations takes a whole number from 1 to 1e8, got '%s'", value);
    o->iterations = n;
    return -1;
  case O_RESUME:
    o->resume = 1;
    return -1;
  case O_NO_WAIT:
    o->no_wait = 1;
    return -1;
  case O_TARGET_SE:
    if (hfs_parse_double(value, &o->target_se) != 0 || !(o->target_se > 0))
      return hfs_cli_usage_error(
          o->command, "--target-se takes a number > 0 (currency), got '%s'",
          value);
    return -1;
  case O_MAX_PATIENTS:
    o->max_patients = n;
    return -1;
  case O_BENCH_PSA:
    o->bench_psa = 1;
    return -1;
  case O_BENCH_SPEEDUP:
    o->bench_speedup = 1;
    return -1;
  case O_PARAM:
    if (o->n_params == 2)
      return hfs_cli_usage_error(o->command,
                                 "--param is given more than twice");
    o->params[o->n_params++] = value;
    return -1;
  case O_POSTERIOR:
    o->posterior = value;
    return -1;
  case O_STEPS:
    if (n < 2 || n > 101)
      return hfs_cli_usage_error(
          o->command, "--steps takes a whole number from 2 to 101, got '%s'",
          value);
    o->steps = (size_t)n;
    return -1;
  case O_SCENARIO:
    o->scenario = value;
    return -1;
  case O_XLSX:
    return hfs_cli_add_override(o, "run.xlsx=yes", "--xlsx") != 0
               ? HFS_EXIT_FAILURE
               : -1;
  }
  return HFS_EXIT_FAILURE;
}

/* Whether the space-separated LIST holds NAME. */
static int in_word_list(const char *list, const char *name)
{
  size_t n = strlen(name);
  for (const char *p = list; p != NULL && *p;) {
    while (*p == ' ')
      p++;
    const char *q = strchr(p, ' ');
    size_t len = q ? (size_t)(q - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0)
      return 1;
    p += len;
  }
  return 0;
}

int hfs_cli_parse_options(options *o, int argc, char **argv, int allow,
                          const char *help, const char *no_effect)
{
  unsigned warned = 0; /* bit i: the option_table entry i, once */
  _Static_assert(sizeof option_table / sizeof option_table[0] <= 32,
                 "one bit of 'warned' per option");
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *value = NULL;
    char name[64];
    const char *eq = strchr(a, '=');
    if (strncmp(a, "--", 2) == 0 && eq != NULL &&
        (size_t)(eq - a) < sizeof name) {
      snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
      value = eq + 1;
    } else {
      snprintf(name, sizeof name, "%s", a);
    }
    const opt_def *d = find_option(name, allow);
    if (d == NULL && a[0] != '-' && (allow & ALLOW_ARGUMENT) &&
        o->argument == NULL) {
      o->argument = a; /* verify-folder DIR */
      continue;
    }
    if (d == NULL) {
      if (a[0] == '-') {
        const char *sug = closest_option(name, allow);
        return hfs_cli_usage_error(o->command, "unknown option '%s'%s%s%s", a,
                                   sug ? " (did you mean '" : "",
                                   sug ? sug : "", sug ? "'?)" : "");
      }
      return hfs_cli_usage_error(o->command, "unexpected argument '%s'", a);
    }
    if (d->kind == OPT_FLAG) {
      if (value != NULL)
        return hfs_cli_usage_error(o->command, "%s takes no value", d->name);
    } else if (value == NULL) {
      if (i + 1 >= argc)
        return hfs_cli_usage_error(o->command, "option '%s' needs a value",
                                   name);
      value = argv[++i];
    }
    int rc = apply_option(o, d, value, help);
    if (rc >= 0)
      return rc;
    unsigned bit = 1u << (unsigned)(d - option_table);
    if (in_word_list(no_effect, d->name) && !(warned & bit)) {
      warned |= bit;
      fprintf(stderr,
              "hfsim: warning: %s has no effect on 'hfsim %s' (see 'hfsim "
              "%s --help')\n",
              d->name, o->command, o->command);
    }
  }
  if (o->config == NULL) {
    /* ./configs/default.ini, else the installed one (datadir.h) */
    char *c = hfs_default_config();
    if (c == NULL || keep(o, c) != 0)
      return HFS_EXIT_FAILURE;
    o->config = c;
  }
  /* the command owns the folders it writes; --no-wait (output.h) */
  hfs_output_configure(o->command, o->no_wait);
  return -1;
}

char *hfs_cli_output_dir(const options *o, const char *default_dir,
                         const char *suffix)
{
  if (o->out_dir != NULL)
    return hfs_strdup(o->out_dir);
  size_t n = strlen(default_dir) + strlen(suffix) + 1;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s%s", default_dir, suffix);
  return p;
}

void hfs_cli_warn_checkpoint_replaced(const char *path)
{
  struct stat sb;
  if (path != NULL && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
    fprintf(stderr,
            "hfsim: warning: %s: the checkpoint of an interrupted run is "
            "replaced; this run starts afresh (--resume continues a "
            "checkpoint)\n",
            path);
}

void hfs_cli_warn_no_checkpoint(const char *path, const char *what)
{
  struct stat sb;
  if (path != NULL && stat(path, &sb) != 0 && errno == ENOENT)
    fprintf(stderr,
            "hfsim: warning: --resume: no checkpoint at %s (no interrupted "
            "run to continue); starting from the first %s\n",
            path, what);
}

const char *hfs_cli_earlier_results_note(const char *dir, char *buf,
                                         size_t size)
{
  struct stat sb;
  if (dir == NULL || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return "";
  snprintf(buf, size, " (earlier results in %s are unchanged)", dir);
  return buf;
}

/* ---- manifest ---------------------------------------------------------- */

/* The model's own input files: the settings of [model] whose value is a
 * readable regular file, resolved as the model resolves them (a file's
 * line: against the scenario's folder; an override: as given): for hfs,
 * utility_norms, price_index and cost_price_years. The manifest records
 * them and a checkpoint fingerprint covers them, whatever the model. Calls
 * FN for each, in file order. */
static void for_each_named_file(const hfs_study *st,
                                void (*fn)(void *user, const hfs_setting *e,
                                           const char *path),
                                void *user)
{
  const hfs_scenario *sc = &st->scenario;
  for (size_t i = 0; i < sc->n_settings; i++) {
    const hfs_setting *e = &sc->settings[i];
    if (strcmp(e->section, "model") != 0 || e->value[0] == '\0')
      continue;
    char *path = hfs_setting_path(sc, e);
    struct stat sb;
    if (path != NULL && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
      fn(user, e, path);
    free(path);
  }
}

static void write_named_file(void *user, const hfs_setting *e,
                             const char *path)
{
  FILE *f = user;
  char hex[65];
  fprintf(f, "input_file: [%s] %s = ", e->section, e->key);
  hfs_manifest_write_value(f, path);
  if (hfs_sha256_file(path, hex) == 0)
    fprintf(f, " sha256=%s\n", hex);
  else
    fprintf(f, " sha256=(unreadable)\n");
}

static void hash_named_file(void *user, const hfs_setting *e,
                            const char *path)
{
  hfs_sha256 *c = user;
  char h[65];
  hfs_sha256_update(c, e->section, strlen(e->section) + 1);
  hfs_sha256_update(c, e->key, strlen(e->key) + 1);
  if (hfs_sha256_file(path, h) == 0)
    hfs_sha256_update(c, h, 64);
}

static void write_hash_line(FILE *f, const char *what, const char *path)
{
  char hex[65];
  if (path == NULL)
    return;
  fprintf(f, "%s: ", what);
  hfs_manifest_write_value(f, path);
  if (hfs_sha256_file(path, hex) == 0)
    fprintf(f, "\n%s_sha256: %s\n", what, hex);
  else
    fprintf(f, "\n%s_sha256: (unreadable)\n", what);
}

void hfs_cli_write_manifest(FILE *f, const hfs_study *st, const options *o,
                            int argc, char **argv, const hfs_cli_run_info *r,
                            const char *started)
{
  char num[40];
#define NUM(x) hfs_format_double(num, sizeof num, (x))
  const hfs_scenario *sc = &st->scenario;
  fprintf(f, "hfsim_version: %s\n", HFS_VERSION);
  fprintf(f, "git_commit: %s\n", HFS_GIT_COMMIT);
  fprintf(f, "command:");
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int plain = strpbrk(a, " \t\"'\\$`") == NULL && a[0] != '\0';
    fputc(' ', f);
    if (!plain)
      fputc('\'', f);
    /* control characters as C escapes: an argument holding a newline
     * cannot start a manifest line of its own */
    for (const char *p = a; *p; p++)
      if (*p == '\'' && !plain)
        fputs("'\\''", f);
      else {
        char c[2] = {*p, '\0'};
        hfs_manifest_write_value(f, c);
      }
    if (!plain)
      fputc('\'', f);
  }
  fputc('\n', f);
  write_hash_line(f, "scenario", sc->path);
  write_hash_line(f, "parameters", sc->parameters_path);
  if (st->cls->needs_life_table)
    write_hash_line(f, "life_table", sc->life_table_path);
  for_each_named_file(st, write_named_file, f);
  for (size_t i = 0; i < o->n_overrides; i++) {
    fputs("override: ", f);
    hfs_manifest_write_value(f, o->overrides[i].assignment);
    fputc('\n', f);
  }
  /* --scenario NAME: its settings are in the scenario file (hashed above) */
  if (o->scenario != NULL) {
    fputs("scenario_section: ", f);
    hfs_manifest_write_value(f, o->scenario);
    fputc('\n', f);
  }
  fprintf(f, "model: %s\n", st->cls->name);
  fprintf(f, "strategies:");
  for (size_t s = 0; s < st->model.n_strategies; s++)
    fprintf(f, " %s", st->model.strategy_names[s]);
  fprintf(f, "\nseed: %llu\n", (unsigned long long)sc->seed);
  fprintf(f, "patients: %llu\n",
          (unsigned long long)(r->patients ? r->patients : sc->patients));
  fprintf(f, "threads: %d\n", r->threads_used);
  if (hfs_par_active()) /* (threads are per rank) */
    fprintf(f, "mpi_ranks: %d\n", hfs_par_size());
  if (isinf(sc->horizon_years))
    fprintf(f, "horizon_years: lifetime\n");
  else
    fprintf(f, "horizon_years: %s\n", NUM(sc->horizon_years));
  /* numbers in the shortest form that reads back exactly, as in the CSVs
   * (%.17g wrote 0.03 as 0.029999999999999999) */
  fprintf(f, "discount_rate_costs: %s\n", NUM(sc->discount_rate_costs));
  fprintf(f, "discount_rate_qalys: %s\n", NUM(sc->discount_rate_qalys));
  fprintf(f, "currency: %s\n", sc->currency);
  /* for `hfsim report`, which reads the folder only: WTPs and labels */
  fprintf(f, "wtp:");
  for (size_t i = 0; i < sc->n_wtp; i++)
    fprintf(f, " %s", NUM(sc->wtp[i]));
  fprintf(f, "\nwtp_main: %s\n", NUM(sc->wtp_main));
  for (size_t s = 0; s < st->model.n_strategies; s++) {
    char section[300];
    snprintf(section, sizeof section, "strategy %s",
             st->model.strategy_names[s]);
    const hfs_setting *e =
        hfs_scenario_get((hfs_scenario *)sc, section, "label");
    if (e && e->value[0] && !strpbrk(e->value, "\r\n"))
      fprintf(f, "strategy_label: %s = %s\n", st->model.strategy_names[s],
              e->value);
  }
  /* the roles of the trace states (model.h), for the symptom-free figure */
  static const char *const role_keys[] = {NULL, "symptom_free_states",
                                          "cured_states", "out_states"};
  for (int role = 1; role <= 3; role++) {
    int any = 0;
    for (size_t i = 0; i < st->cls->n_states; i++) {
      if (st->cls->states[i].role != role)
        continue;
      if (any++ == 0)
        fprintf(f, "%s:", role_keys[role]);
      fprintf(f, " %s", st->cls->states[i].name);
    }
    if (any)
      fputc('\n', f);
  }
  fprintf(f, "started_utc: %s\n", started);
  fprintf(f, "wall_seconds: %.3f\n", r->wall_seconds);
  fprintf(f, "gsl_version: %s\n", GSL_VERSION);
  fprintf(f, "libcsv_version: %d.%d.%d\n", CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
#undef NUM
}

void hfs_cli_now_utc(char buf[32])
{
  time_t now = time(NULL);
  strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

void hfs_cli_hash_inputs(hfs_sha256 *c, const hfs_study *st,
                         const char *extra, const options *o)
{
  const char *files[4] = {st->scenario.path, st->scenario.parameters_path,
                          st->scenario.life_table_path, extra};
  for (int i = 0; i < 4; i++) {
    char h[65];
    if (files[i] && hfs_sha256_file(files[i], h) == 0)
      hfs_sha256_update(c, h, 64);
  }
  /* the model's own tables too: a resumed PSA with other utility norms
   * would mix two models */
  for_each_named_file(st, hash_named_file, c);
  for (size_t i = 0; i < o->n_overrides; i++) {
    const char *a = o->overrides[i].assignment;
    if (strncmp(a, "run.threads=", 12) == 0 ||
        strncmp(a, "run.output=", 11) == 0)
      continue;
    hfs_sha256_update(c, a, strlen(a) + 1);
  }
}

FILE *hfs_cli_checkpoint_rewrite(const char *path,
                                 int (*write)(FILE *f, void *user), void *user,
                                 hfs_diag *d)
{
  size_t n = strlen(path) + 32;
  char *tmp = malloc(n);
  int fd = -1;
  if (tmp != NULL) {
    snprintf(tmp, n, "%s.tmp-XXXXXX", path);
    fd = mkstemp(tmp);
  }
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL && fd >= 0)
    close(fd);
  int bad = f == NULL || write(f, user) != 0;
  if (!bad && rename(tmp, path) != 0)
    bad = 1;
  if (bad) {
    hfs_diag_error(d, path, 0, "cannot write: %s", strerror(errno));
    if (f != NULL)
      fclose(f);
    f = NULL;
    if (fd >= 0)
      remove(tmp);
  }
  free(tmp);
  return f;
}
