/*
 * progress.h - the progress line of every long command: a bar, what is
 * done out of what is planned, the rate and the time left, redrawn in
 * place on standard error.
 *
 * Shown only where someone watches: when standard error is a terminal and
 * the command was not given --quiet. Otherwise every call does nothing, so
 * logs and pipes get no carriage returns. Redrawn at most ten times a
 * second, and always at the end, so a fast loop pays nothing for it.
 *
 * The time left is (planned - done) / rate, the rate measured from the
 * first update (not from the command's start, which includes loading; nor
 * from 0 when a run resumes with part of the work done).
 */
#ifndef HFSIM_CLI_PROGRESS_H
#define HFSIM_CLI_PROGRESS_H

#include <stdint.h>

typedef struct hfs_cli_progress {
  int enabled;
  const char *what; /* "run", "owsa", ...: starts the line */
  const char *unit; /* "patients", "parameters", ...: what is counted */
  int line_open;    /* a line was drawn and not ended */
  int timing;       /* the first update has been seen */
  double start_seconds, last_draw_seconds;
  uint64_t first_done; /* done at the first update */
} hfs_cli_progress;

/* A progress line for WHAT counting UNIT (both static strings), enabled
 * when standard error is a terminal and QUIET is 0. */
void hfs_cli_progress_init(hfs_cli_progress *p, int quiet, const char *what,
                           const char *unit);

/* DONE of TOTAL are done (TOTAL > 0). Draws the line when the last draw is
 * 0.1 s old, or DONE == TOTAL (which also ends the line). Not thread-safe:
 * call from one thread at a time (the engine calls it under its lock). */
void hfs_cli_progress_update(hfs_cli_progress *p, uint64_t done,
                             uint64_t total);

/* Ends the line if one is open (an interrupted or failed command), so
 * that the next message starts on a line of its own. The next update
 * starts timing anew (a new phase, such as the next round of
 * run --target-se). */
void hfs_cli_progress_end(hfs_cli_progress *p);

/* hfs_cli_progress_update with the signature of hfs_run_config.progress
 * and the analyses' progress callbacks: USER is the hfs_cli_progress. */
void hfs_cli_progress_fn(void *user, uint64_t done, uint64_t total);

#endif
