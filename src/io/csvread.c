/*
 * csvread.c - line-tracking wrapper around libcsv (see csvread.h).
 *
 * libcsv parses a byte stream and calls back per field and per row but does
 * not count lines. We feed it one physical line at a time, so the line
 * number at the start of each row is known, and comment/blank lines can be
 * dropped while the parser sits between rows.
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/csvread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* What separates the columns of header line LINE[0..len), when it is not
 * a comma: "';'" or "tabs" if the line has no comma but one of those;
 * NULL otherwise. */
static const char *other_separator(const char *line, size_t len)
{
  if (memchr(line, ',', len) != NULL)
    return NULL;
  if (memchr(line, ';', len) != NULL)
    return "';'";
  if (memchr(line, '\t', len) != NULL)
    return "tabs";
  return NULL;
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
  hfs_status st = hfs_input_check_text(text, len, name, d);
  if (st != HFS_OK) {
    csv_free(&p);
    return st;
  }
  int first_row = 1;
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
      /* The header of a table saved with another separator (a German or
       * French spreadsheet writes ';'): one error that says so, instead
       * of one per missing column. */
      const char *sep = first_row ? other_separator(line, line_len) : NULL;
      first_row = 0;
      if (sep != NULL) {
        hfs_diag_error(d, name, r->line,
                       "the columns are separated by %s; hfsim reads "
                       "comma-separated files (in a spreadsheet, save as "
                       "\"CSV (comma delimited)\")",
                       sep);
        st = HFS_ERR_INPUT;
        break;
      }
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

/* ---- input files ---------------------------------------------------------
 */

static volatile sig_atomic_t *stop_flag;

void hfs_input_set_stop_flag(volatile sig_atomic_t *flag)
{
  stop_flag = flag;
}

hfs_status hfs_input_check_text(const char *text, size_t len, const char *name,
                                hfs_diag *d)
{
  long line = 1;
  for (size_t i = 0; i < len; i++) {
    if (text[i] == '\n') {
      line++;
    } else if (text[i] == '\0') {
      hfs_diag_error(d, name, line,
                     "NUL byte in a text file (a binary file, or a file "
                     "saved as UTF-16?)");
      return HFS_ERR_INPUT;
    } else if (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n')) {
      hfs_diag_error(d, name, line,
                     "carriage return inside a line (lines end with LF or "
                     "CR LF; a line break inside a quoted field must be one "
                     "too)");
      return HFS_ERR_INPUT;
    }
  }
  return HFS_OK;
}

hfs_status hfs_input_read_file(const char *path, const char *what, char **text,
                               size_t *len, hfs_diag *d)
{
  *text = NULL;
  *len = 0;
  const char *sp = what[0] ? " " : "";
  int fd;
  /* opening a FIFO blocks until a writer comes: a signal ends the wait */
  while ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 && errno == EINTR)
    if (stop_flag != NULL && *stop_flag) {
      hfs_diag_error(d, path, 0, "interrupted while opening it");
      return HFS_ERR_INTERRUPTED;
    }
  if (fd < 0) {
    hfs_diag_error(d, path, 0, "cannot open%s%s: %s", sp, what,
                   strerror(errno));
    return HFS_ERR_IO;
  }
  struct stat sb;
  if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    close(fd);
    hfs_diag_error(d, path, 0, "cannot read%s%s: %s", sp, what,
                   strerror(EISDIR));
    return HFS_ERR_IO;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  hfs_status st = HFS_OK;
  while (st == HFS_OK) {
    if (buf == NULL) {
      hfs_diag_error(d, path, 0, "out of memory (%zu bytes to read it)",
                     cap + 1);
      st = HFS_ERR_NOMEM;
      break;
    }
    if (stop_flag != NULL && *stop_flag) {
      hfs_diag_error(d, path, 0, "interrupted while reading it");
      st = HFS_ERR_INTERRUPTED;
      break;
    }
    if (n == cap) {
      if (cap >= HFS_INPUT_MAX_BYTES + 1) {
        hfs_diag_error(d, path, 0,
                       "larger than %zu MiB: not an input of hfsim (a "
                       "device, or the wrong file?)",
                       HFS_INPUT_MAX_BYTES >> 20);
        st = HFS_ERR_IO;
        break;
      }
      size_t ncap =
          cap * 2 > HFS_INPUT_MAX_BYTES + 1 ? HFS_INPUT_MAX_BYTES + 1 : cap * 2;
      char *nb = realloc(buf, ncap + 1);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
        cap = ncap;
        continue;
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR)
      continue; /* the stop flag is checked at the top */
    if (got < 0) {
      hfs_diag_error(d, path, 0, "cannot read%s%s: %s", sp, what,
                     strerror(errno));
      st = HFS_ERR_IO;
    } else if (got == 0) {
      break;
    } else {
      n += (size_t)got;
    }
  }
  close(fd);
  if (st != HFS_OK) {
    free(buf);
    return st;
  }
  buf[n] = '\0';
  st = hfs_input_check_text(buf, n, path, d);
  if (st != HFS_OK) {
    free(buf);
    return st;
  }
  size_t skip = n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  if (skip)
    memmove(buf, buf + skip, n - skip + 1);
  *text = buf;
  *len = n - skip;
  return HFS_OK;
}

hfs_status hfs_csv_read(const char *path, hfs_csv_row_fn fn, void *user,
                        hfs_diag *d)
{
  char *buf;
  size_t len;
  hfs_status st = hfs_input_read_file(path, "", &buf, &len, d);
  if (st != HFS_OK)
    return st;
  st = hfs_csv_read_string(buf, len, path, fn, user, d);
  free(buf);
  return st;
}
