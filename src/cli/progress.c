/*
 * progress.c - the progress line of every long command (progress.h).
 */
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include <omp.h>

#define BAR_WIDTH 24
#define REDRAW_SECONDS 0.1

void hfs_cli_progress_init(hfs_cli_progress *p, int quiet, const char *what,
                           const char *unit)
{
  p->enabled = !quiet && isatty(STDERR_FILENO);
  p->what = what;
  p->unit = unit;
  p->line_open = 0;
  p->timing = 0;
  p->start_seconds = p->last_draw_seconds = 0.0;
  p->first_done = 0;
}

/* "15 s", "3 min 20 s", "2 h 05 min" */
static void format_seconds(char *buf, size_t n, double s)
{
  if (s < 0.5)
    s = 0.0;
  unsigned long t = (unsigned long)(s + 0.5);
  if (t < 60)
    snprintf(buf, n, "%lu s", t);
  else if (t < 3600)
    snprintf(buf, n, "%lu min %02lu s", t / 60, t % 60);
  else
    snprintf(buf, n, "%lu h %02lu min", t / 3600, t / 60 % 60);
}

void hfs_cli_progress_update(hfs_cli_progress *p, uint64_t done,
                             uint64_t total)
{
  if (!p->enabled || total == 0)
    return;
  double now = omp_get_wtime();
  if (!p->timing) {
    p->timing = 1;
    p->start_seconds = now;
    p->first_done = done;
  } else if (done < total && now - p->last_draw_seconds < REDRAW_SECONDS) {
    return;
  }
  p->last_draw_seconds = now;
  if (done > total)
    done = total;
  int filled = (int)((double)BAR_WIDTH * (double)done / (double)total);
  fprintf(stderr, "\r%s [%.*s%*s] %llu/%llu %s", p->what, filled,
          "########################", BAR_WIDTH - filled, "",
          (unsigned long long)done, (unsigned long long)total, p->unit);
  double elapsed = now - p->start_seconds;
  if (done < total && done > p->first_done && elapsed > 0.5) {
    double rate = (double)(done - p->first_done) / elapsed;
    char left[32];
    format_seconds(left, sizeof left, (double)(total - done) / rate);
    fprintf(stderr, ", %s left ", left);
  } else if (done == total) {
    char took[32];
    format_seconds(took, sizeof took, elapsed);
    fprintf(stderr, ", %s    ", took);
  }
  /* (trailing blanks rub out a longer line drawn before) */
  fputs("    ", stderr);
  p->line_open = 1;
  if (done == total)
    hfs_cli_progress_end(p);
  fflush(stderr);
}

void hfs_cli_progress_end(hfs_cli_progress *p)
{
  if (p->enabled && p->line_open) {
    fputc('\n', stderr);
    fflush(stderr);
  }
  p->line_open = 0;
  p->timing = 0;
}

void hfs_cli_progress_fn(void *user, uint64_t done, uint64_t total)
{
  hfs_cli_progress_update(user, done, total);
}
