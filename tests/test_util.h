/*
 * test_util.h - shared helpers for the cmocka tests.
 */
#ifndef HFSIM_TEST_UTIL_H
#define HFSIM_TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* cmocka 1.1.5 has no double assertion: |actual - expected| <= tol. */
#define assert_close(actual, expected, tol)                                    \
  do {                                                                         \
    double a_ = (actual), e_ = (expected), t_ = (tol);                         \
    if (!(fabs(a_ - e_) <= t_))                                                \
      fail_msg("%s = %.17g, expected %.17g (tolerance %.3g)", #actual, a_, e_, \
               t_);                                                            \
  } while (0)

/* A statistical check: |observed - expected| <= z * se, with z fixed in
 * advance (the seed is fixed too, so the test is deterministic). */
#define assert_within_se(observed, expected, se, z)                     \
  do {                                                                  \
    double o_ = (observed), x_ = (expected), s_ = (se), z_ = (z);       \
    if (!(fabs(o_ - x_) <= z_ * s_))                                    \
      fail_msg("%s = %.10g, expected %.10g: %.2f standard errors away " \
               "(se %.3g, limit %.1f)",                                 \
               #observed, o_, x_, fabs(o_ - x_) / s_, s_, z_);          \
  } while (0)

/* Write TEXT to a fresh temporary file; returns its path (caller frees and
 * removes it). Test files define _POSIX_C_SOURCE before including this. */
static inline char *test_write_temp(const char *text)
{
  char *path = malloc(64);
  if (path == NULL) {
    fail_msg("out of memory");
    return NULL; /* not reached: said for the compiler */
  }
  snprintf(path, 64, "/tmp/hfsim_test_XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0)
    fail_msg("cannot create a temporary file");
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  return path;
}

/* Diagnostics helpers for the reader tests (hfsim/diag.h). */
#include "hfsim/diag.h"

static inline void dump(const hfs_diag *d)
{
  for (size_t i = 0; i < d->count; i++)
    print_message("  [%zu] %s:%ld: %s\n", i,
                  d->entries[i].file ? d->entries[i].file : "(none)",
                  d->entries[i].line, d->entries[i].message);
}

/* Some error at LINE (of FILE, when not NULL) contains PART. */
static inline void expect_error(const hfs_diag *d, const char *file, long line,
                                const char *part)
{
  for (size_t i = 0; i < d->count; i++) {
    const hfs_diag_entry *e = &d->entries[i];
    if (e->line == line && strstr(e->message, part) != NULL &&
        (file == NULL || (e->file != NULL && strcmp(e->file, file) == 0)))
      return;
  }
  dump(d);
  fail_msg("no error at line %ld containing \"%s\"", line, part);
}

static inline void expect_count(const hfs_diag *d, size_t n)
{
  if (d->count != n) {
    dump(d);
    fail_msg("expected %zu errors, got %zu", n, d->count);
  }
}

#endif
