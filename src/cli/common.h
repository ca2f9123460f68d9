/*
 * common.h - what every command of the hfsim program shares: the command
 * table's record, typed options and their parser, loading a study with
 * error reporting, exit codes, the run manifest and the interrupt flag.
 *
 * The command layer (src/cli/) only parses, loads, calls the library and
 * writes files; the analyses themselves live in src/analyses/ and the
 * engine in src/engine/. cli.c holds the command table and main(); each
 * command group has its own file (cmd_run.c, cmd_bench.c, cmd_psa.c,
 * cmd_dsa.c, cmd_verify.c), which includes this header and nothing of the
 * others. None of this is in hfs_core: it is the library hfs_cli.
 */
#ifndef HFSIM_CLI_COMMON_H
#define HFSIM_CLI_COMMON_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "hfsim/engine.h"
#include "hfsim/study.h"

#define HFS_DEFAULT_CONFIG "configs/default.ini"

/* Set by SIGINT/SIGTERM/SIGHUP; long loops poll it and stop cleanly. */
extern volatile sig_atomic_t hfs_cli_stop_requested;

/* The parsed command line of one command. */
typedef struct options {
  const char *command;
  const char *config;
  /* scenario settings and parameters set on the command line (--set,
   * --patients, --seed, --threads, --patients-csv), in order */
  hfs_override *overrides;
  size_t n_overrides;
  char **owned; /* strings allocated for overrides */
  size_t n_owned;
  const char *out_dir; /* --out: the command's output folder, or NULL */
  int quiet;
  int patients_given;
  uint64_t patients;     /* --patients, when patients_given */
  uint64_t iterations;   /* --iterations, 0 = scenario's */
  int resume;            /* --resume */
  int no_wait;           /* --no-wait: fail if the output folder is locked */
  double target_se;      /* --target-se, 0 = off */
  uint64_t max_patients; /* --max-patients */
  int bench_psa;         /* bench --psa */
  int bench_speedup;     /* bench --speedup */
  const char *params[2]; /* twsa --param (NAME or NAME=LOW:HIGH) */
  size_t n_params;
  size_t steps;          /* twsa --steps, 0 = default */
  const char *argument;  /* ALLOW_ARGUMENT: verify-folder DIR */
  const char *posterior; /* psa --posterior FILE, or NULL */
  const char *scenario;  /* --scenario NAME: apply [scenario NAME] */
} options;

/* Option groups: which options a command accepts (its table entry). -h,
 * --help, --config and --quiet are accepted by every command. */
enum {
  ALLOW_RUN = 1,         /* --out --seed --patients-csv --no-wait */
  ALLOW_SET = 2,         /* --set */
  ALLOW_PATIENTS = 4,    /* --patients */
  ALLOW_THREADS = 8,     /* --threads */
  ALLOW_PSA = 16,        /* --iterations --resume */
  ALLOW_TARGET = 32,     /* --target-se --max-patients */
  ALLOW_BENCH = 64,      /* --psa --speedup */
  ALLOW_TWSA = 128,      /* --param --steps */
  ALLOW_ARGUMENT = 256,  /* one argument that is not an option */
  ALLOW_RESUME = 512,    /* --resume alone (calibrate) */
  ALLOW_POSTERIOR = 1024, /* --posterior */
  ALLOW_SCENARIO = 2048,  /* --scenario */
  ALLOW_XLSX = 4096       /* --xlsx */
};

/* One command of the table in cli.c. RUN gets the parsed options (freed
 * by the caller) and the whole command line (for the manifest); it returns
 * the exit code. */
typedef struct hfs_cli_command {
  const char *name;
  const char *summary; /* for `hfsim --help`; may hold "\n" + indent */
  const char *help;    /* `hfsim NAME --help` */
  int options;         /* ALLOW_* */
  /* options of those groups this command accepts but ignores, separated
   * by spaces ("--seed --patients-csv"), or NULL: a warning names each
   * one given. Its help text says why ("Accepted without effect"). */
  const char *no_effect;
  int (*run)(options *o, int argc, char **argv);
} hfs_cli_command;

void hfs_cli_options_free(options *o);
int hfs_cli_usage_error(const char *command, const char *fmt, ...)
    HFS_PRINTF(2, 3);
/* Parse ARGV[2..] with the options of group mask ALLOW; HELP is printed
 * for --help. An option named in NO_EFFECT (see hfs_cli_command; may be
 * NULL) is accepted with a warning on stderr. Returns -1 when parsing
 * succeeded (go on), else the exit code. */
int hfs_cli_parse_options(options *o, int argc, char **argv, int allow,
                          const char *help, const char *no_effect);
/* Append a scenario setting or parameter override (strings not copied). */
int hfs_cli_add_override(options *o, const char *assignment, const char *label);
int hfs_cli_exit_code(hfs_status s);

/* Before a command that was not told --resume replaces the checkpoint at
 * PATH: say so when there is one (the work of an interrupted run that
 * --resume would have continued), on stderr, even with --quiet: it is a
 * warning. */
void hfs_cli_warn_checkpoint_replaced(const char *path);

/* Before a command told --resume reads the checkpoint at PATH: say so
 * when there is none (nothing to continue: it starts afresh, from the
 * first WHAT, e.g. "iteration"), on stderr, even with --quiet. */
void hfs_cli_warn_no_checkpoint(const char *path, const char *what);

/* After an interrupted command into DIR: " (earlier results in DIR are
 * unchanged)" when DIR holds earlier results, "" when there is no DIR (a
 * new folder: nothing to keep). */
const char *hfs_cli_earlier_results_note(const char *dir, char *buf,
                                         size_t size);
/* Load everything; on failure print all errors and return the exit code
 * (ST freed), else -1. */
int hfs_cli_load_study(hfs_study *st, const options *o);
/* Where a command's results go: --out, else DEFAULT_DIR + SUFFIX (newly
 * allocated; NULL when out of memory). */
char *hfs_cli_output_dir(const options *o, const char *default_dir,
                         const char *suffix);

/* What the manifest says about the simulation that was run. */
typedef struct hfs_cli_run_info {
  uint64_t patients; /* per simulation: run's cohort, a PSA iteration's, a
                        DSA variant's, a calibration evaluation's; 0: the
                        scenario's [run] patients */
  int threads_used;  /* resolved: never 0 ("all cores") */
  double wall_seconds;
} hfs_cli_run_info;

/* The threads a command of ST runs on (per MPI rank): [run] threads, or
 * all cores when it is 0, as the engine resolves it. */
int hfs_cli_threads_used(const hfs_study *st);

void hfs_cli_write_manifest(FILE *f, const hfs_study *st, const options *o,
                            int argc, char **argv, const hfs_cli_run_info *info,
                            const char *started);
/* Current UTC time as ISO 8601 into BUF[32]. */
void hfs_cli_now_utc(char buf[32]);

/* Hash into C what every checkpointed command's numbers depend on: the
 * SHA-256 of the scenario, parameter table, life table and EXTRA (another
 * input file, or NULL), then each override of O except the thread count
 * and the output folder (they do not change the numbers, so a run may
 * resume on another machine or with other threads). The command adds its
 * own settings and the build (HFS_VERSION, HFS_GIT_COMMIT). */
struct hfs_sha256;
void hfs_cli_hash_inputs(struct hfs_sha256 *c, const hfs_study *st,
                         const char *extra, const options *o);

/* Start the checkpoint PATH anew with what it keeps: WRITE(F, USER) writes
 * the header and the kept lines into a fresh file beside PATH (mkstemp,
 * O_EXCL: never a file or link planted there), which is then renamed over
 * PATH, so that a failure (a full disk) keeps the old checkpoint. Returns
 * that file, open for appending the next lines, or NULL with
 * "PATH: cannot write: ..." in D. WRITE returns 0, or -1 with errno set. */
FILE *hfs_cli_checkpoint_rewrite(const char *path,
                                 int (*write)(FILE *f, void *user), void *user,
                                 hfs_diag *d);

#endif
