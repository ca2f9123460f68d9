/*
 * diag.c - collect and print diagnostics; name suggestions.
 */
#include "hfsim/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void hfs_diag_init(hfs_diag *d)
{
  memset(d, 0, sizeof *d);
}

void hfs_diag_free(hfs_diag *d)
{
  for (size_t i = 0; i < d->count; i++) {
    free(d->entries[i].file);
    free(d->entries[i].message);
  }
  free(d->entries);
  for (size_t i = 0; i < d->n_warnings; i++) {
    free(d->warnings[i].file);
    free(d->warnings[i].message);
  }
  free(d->warnings);
  hfs_diag_init(d);
}

void hfs_diag_warning(hfs_diag *d, const char *file, long line,
                      const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  /* the same warning twice says nothing new (a scenario loaded again by
   * each variant of an analysis) */
  for (size_t i = 0; i < d->n_warnings; i++) {
    const hfs_diag_entry *w = &d->warnings[i];
    if (w->line == line && strcmp(w->message, buf) == 0 &&
        (w->file == NULL ? file == NULL
                         : file != NULL && strcmp(w->file, file) == 0))
      return;
  }
  if (d->n_warnings == d->cap_warnings) {
    size_t cap = d->cap_warnings ? 2 * d->cap_warnings : 4;
    hfs_diag_entry *e = realloc(d->warnings, cap * sizeof *e);
    if (e == NULL)
      return; /* a warning lost to a lack of memory changes no result */
    d->warnings = e;
    d->cap_warnings = cap;
  }
  hfs_diag_entry *e = &d->warnings[d->n_warnings];
  e->file = file ? hfs_strdup(file) : NULL;
  e->line = line;
  e->message = hfs_strdup(buf);
  if (e->message == NULL || (file && e->file == NULL)) {
    free(e->file);
    free(e->message);
    return;
  }
  d->n_warnings++;
}

char *hfs_strdup(const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p != NULL)
    memcpy(p, s, n);
  return p;
}

void hfs_diag_error(hfs_diag *d, const char *file, long line, const char *fmt,
                    ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);

  if (d->count == d->capacity) {
    size_t cap = d->capacity ? 2 * d->capacity : 8;
    hfs_diag_entry *e = realloc(d->entries, cap * sizeof *e);
    if (e == NULL) {
      d->out_of_memory = 1;
      return;
    }
    d->entries = e;
    d->capacity = cap;
  }
  hfs_diag_entry *e = &d->entries[d->count];
  e->file = file ? hfs_strdup(file) : NULL;
  e->line = line;
  e->message = hfs_strdup(buf);
  if (e->message == NULL || (file && e->file == NULL)) {
    free(e->file);
    free(e->message);
    d->out_of_memory = 1;
    return;
  }
  d->count++;
}

size_t hfs_diag_count(const hfs_diag *d)
{
  return d->count;
}

void hfs_diag_print(const hfs_diag *d, FILE *stream)
{
  for (size_t i = 0; i < d->n_warnings; i++) {
    const hfs_diag_entry *e = &d->warnings[i];
    if (e->file && e->line > 0)
      fprintf(stream, "hfsim: %s:%ld: warning: %s\n", e->file, e->line,
              e->message);
    else if (e->file)
      fprintf(stream, "hfsim: %s: warning: %s\n", e->file, e->message);
    else
      fprintf(stream, "hfsim: warning: %s\n", e->message);
  }
  for (size_t i = 0; i < d->count; i++) {
    const hfs_diag_entry *e = &d->entries[i];
    if (e->file && e->line > 0)
      fprintf(stream, "hfsim: %s:%ld: error: %s\n", e->file, e->line,
              e->message);
    else if (e->file)
      fprintf(stream, "hfsim: %s: error: %s\n", e->file, e->message);
    else
      fprintf(stream, "hfsim: error: %s\n", e->message);
  }
  if (d->out_of_memory)
    fprintf(stream, "hfsim: error: out of memory while reporting errors\n");
}

size_t hfs_edit_distance(const char *a, const char *b)
{
  /* Levenshtein distance with two rows; names are short. */
  size_t la = strlen(a), lb = strlen(b);
  if (lb > 255)
    return lb > la ? lb - la + 255 : 255;
  size_t prev[256], cur[256];
  for (size_t j = 0; j <= lb; j++)
    prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
      size_t m = sub < del ? sub : del;
      cur[j] = m < ins ? m : ins;
    }
    memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
  }
  return prev[lb];
}

const char *hfs_closest_name_strided(const char *name, const void *base,
                                     size_t n, size_t stride, size_t offset)
{
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    const char *cand;
    memcpy(&cand, (const char *)base + i * stride + offset, sizeof cand);
    if (cand == NULL)
      continue;
    size_t dist = hfs_edit_distance(name, cand);
    if (dist < best_d) {
      best_d = dist;
      best = cand;
    }
  }
  size_t len = strlen(name);
  size_t limit = len / 3 + 1;
  return (best && best_d <= limit) ? best : NULL;
}

const char *hfs_closest_name(const char *name, const char *const *candidates,
                             size_t n)
{
  return hfs_closest_name_strided(name, candidates, n, sizeof *candidates, 0);
}

void hfs_diag_drop_warnings(hfs_diag *d, size_t first, const char *file)
{
  size_t keep = first;
  for (size_t i = first; i < d->n_warnings; i++) {
    hfs_diag_entry *w = &d->warnings[i];
    if (w->file != NULL && strcmp(w->file, file) == 0) {
      free(w->file);
      free(w->message);
    } else {
      d->warnings[keep++] = *w;
    }
  }
  d->n_warnings = keep;
}
