/*
 * cli_internal.h - pieces shared by the command implementations (cli.c and
 * cmd_*.c): option parsing, loading with error reporting, exit codes, the
 * run manifest and the interrupt flag.
 */
#ifndef HFSIM_CLI_INTERNAL_H
#define HFSIM_CLI_INTERNAL_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "hfsim/engine.h"
#include "hfsim/study.h"

#define HFS_DEFAULT_CONFIG "configs/default.ini"

/* Set by SIGINT/SIGTERM; long loops poll it and stop cleanly. */
extern volatile sig_atomic_t hfs_cli_stop_requested;

typedef struct options {
  const char *command;
  const char *config;
  hfs_override *overrides;
  size_t n_overrides;
  char **owned; /* strings allocated for overrides */
  size_t n_owned;
  int quiet;
  int patients_given;
  uint64_t bench_patients;
  uint64_t iterations;   /* --iterations, 0 = scenario's */
  int resume;            /* --resume */
  double target_se;      /* --target-se, 0 = off */
  uint64_t max_patients; /* --max-patients */
} options;

/* Which options a command accepts. */
enum {
  ALLOW_RUN = 1,      /* --out --seed --patients-csv */
  ALLOW_SET = 2,      /* --set */
  ALLOW_PATIENTS = 4, /* --patients */
  ALLOW_THREADS = 8,  /* --threads */
  ALLOW_PSA = 16,     /* --iterations --resume */
  ALLOW_TARGET = 32   /* --target-se --max-patients */
};

void hfs_cli_options_free(options *o);
int hfs_cli_usage_error(const char *command, const char *fmt, ...)
    HFS_PRINTF(2, 3);
int hfs_cli_add_override(options *o, const char *assignment, const char *label);
/* Returns -1 when parsing succeeded (go on), else the exit code. */
int hfs_cli_parse_options(options *o, int argc, char **argv, int allow,
                          const char *help);
int hfs_cli_exit_code(hfs_status s);
/* Load everything; on failure print all errors and return the exit code,
 * else -1. */
int hfs_cli_load_study(hfs_study *st, const options *o);
/* The start of every simulating command: parse the options of COMMAND
 * (ALLOW flags, HELP text) and load the study. Returns -1 when both
 * succeeded (the caller frees O and ST), else the exit code to return (all
 * freed, errors printed). */
int hfs_cli_start(options *o, hfs_study *st, const char *command, int argc,
                  char **argv, int allow, const char *help);
void hfs_cli_write_manifest(FILE *f, const hfs_study *st, const options *o,
                            int argc, char **argv, const hfs_results *r,
                            const char *started);
/* Current UTC time as ISO 8601 into BUF[32]. */
void hfs_cli_now_utc(char buf[32]);

int hfs_cmd_psa(int argc, char **argv);
int hfs_cmd_report(int argc, char **argv);
/* WHICH: "owsa", "twsa" or "scenarios" */
int hfs_cmd_dsa(const char *which, int argc, char **argv);

#endif
