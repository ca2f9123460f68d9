/*
 * csvread.c - line-tracking wrapper around libcsv (see csvread.h).
 *
 * libcsv parses a byte stream and calls back per field and per row but does
 * not count lines. We feed it one physical line at a time, so the line
 * number at the start of each row is known, and comment/blank lines can be
 * dropped while the parser sits between rows.
 */
#include "hfsim/csvread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

typedef struct reader {
  char **fields;
  size_t n, cap;
  int at_row_start;
  long line, row_line;
  hfs_csv_row_fn fn;
  void *user;
  int stopped;
  int nomem;
} reader;

static void on_field(void *data, size_t len, void *vr)
{
  reader *r = vr;
  if (r->stopped || r->nomem)
    return;
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 16;
    char **f = realloc(r->fields, cap * sizeof *f);
    if (f == NULL) {
      r->nomem = 1;
      return;
    }
    r->fields = f;
    r->cap = cap;
  }
  char *s = malloc(len + 1);
  if (s == NULL) {
    r->nomem = 1;
    return;
  }
  if (len)
    memcpy(s, data, len);
  s[len] = '\0';
  r->fields[r->n++] = s;
  r->at_row_start = 0;
}

static void clear_fields(reader *r)
{
  for (size_t i = 0; i < r->n; i++)
    free(r->fields[i]);
  r->n = 0;
}

static void on_row(int c, void *vr)
{
  (void)c;
  reader *r = vr;
  if (!r->stopped && !r->nomem) {
    hfs_csv_row row = {r->fields, r->n, r->row_line};
    if (r->fn(r->user, &row) != 0)
      r->stopped = 1;
  }
  clear_fields(r);
  r->at_row_start = 1;
}

static int is_blank_line(const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
      return 0;
  return 1;
}

/* Parse TEXT[0..len) line by line. */
static hfs_status parse_lines(const char *text, size_t len, const char *name,
                              reader *r, hfs_diag *d)
{
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return HFS_ERR_NOMEM;

  size_t pos = 0;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  hfs_status st = HFS_OK;
  while (pos < len && !r->stopped && !r->nomem) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t line_len = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
    const char *line = text + pos;
    r->line++;
    pos += line_len;
    if (memchr(line, '\0', line_len) != NULL) {
      hfs_diag_error(d, name, r->line, "NUL byte in text file");
      st = HFS_ERR_INPUT;
      break;
    }
    if (r->at_row_start) {
      if (line[0] == '#' || is_blank_line(line, line_len))
        continue;
      r->row_line = r->line;
    }
    if (csv_parse(&p, line, line_len, on_field, on_row, r) != line_len) {
      if (csv_error(&p) == CSV_EPARSE)
        hfs_diag_error(d, name, r->line,
                       "malformed CSV: stray double quote; a field that holds "
                       "a double quote must be quoted whole, with the quote "
                       "written twice (\"a \"\"quoted\"\" word\")");
      else
        hfs_diag_error(d, name, r->line, "malformed CSV: %s",
                       csv_strerror(csv_error(&p)));
      st = HFS_ERR_INPUT;
      break;
    }
  }
  if (st == HFS_OK && !r->stopped && !r->nomem &&
      csv_fini(&p, on_field, on_row, r) != 0) {
    hfs_diag_error(d, name, r->row_line,
                   "malformed CSV: unterminated quoted field");
    st = HFS_ERR_INPUT;
  }
  csv_free(&p);
  clear_fields(r);
  free(r->fields);
  if (r->nomem)
    return HFS_ERR_NOMEM;
  if (r->stopped && st == HFS_OK)
    st = HFS_ERR_INPUT;
  return st;
}

hfs_status hfs_csv_read_string(const char *text, size_t len, const char *name,
                               hfs_csv_row_fn fn, void *user, hfs_diag *d)
{
  reader r;
  memset(&r, 0, sizeof r);
  r.at_row_start = 1;
  r.fn = fn;
  r.user = user;
  return parse_lines(text, len, name, &r, d);
}

hfs_status hfs_csv_read(const char *path, hfs_csv_row_fn fn, void *user,
                        hfs_diag *d)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    hfs_diag_error(d, path, 0, "cannot open: %s", strerror(errno));
    return HFS_ERR_IO;
  }
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  hfs_status st = HFS_OK;
  while (buf != NULL) {
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (len < cap)
      break;
    char *nb = realloc(buf, cap * 2);
    if (nb == NULL) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  if (buf == NULL) {
    fclose(f);
    return HFS_ERR_NOMEM;
  }
  if (ferror(f)) {
    hfs_diag_error(d, path, 0, "cannot read: %s", strerror(errno));
    st = HFS_ERR_IO;
  }
  fclose(f);
  if (st == HFS_OK)
    st = hfs_csv_read_string(buf, len, path, fn, user, d);
  free(buf);
  return st;
}
