/*
 * xlsx.c - the CSV files of an output folder as one workbook (see xlsx.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/xlsx.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "hfsim/csvread.h"
#include "hfsim/report.h"

#define MAX_SHEET_ROWS 1048576u /* Excel's limit */
#define MIN_WIDTH 8.0
#define MAX_WIDTH 60.0

/* ---- notes from the data dictionary -------------------------------------
 * The dictionary has a section "## FILE ..." per file and rows
 * "| `col` | meaning |" (several names in one cell would share the
 * meaning; the dictionary gives each column a row of its own, so that
 * each header's note says what that column is). */

typedef struct note {
  char *file, *column, *text;
} note;

typedef struct notes {
  note *items;
  size_t n, cap;
} notes;

static void notes_free(notes *ns)
{
  for (size_t i = 0; i < ns->n; i++) {
    free(ns->items[i].file);
    free(ns->items[i].column);
    free(ns->items[i].text);
  }
  free(ns->items);
}

static int notes_add(notes *ns, const char *file, const char *col, size_t lc,
                     const char *text, size_t lt)
{
  if (ns->n == ns->cap) {
    size_t cap = ns->cap ? 2 * ns->cap : 256;
    note *it = realloc(ns->items, cap * sizeof *it);
    if (it == NULL)
      return -1;
    ns->items = it;
    ns->cap = cap;
  }
  note *x = &ns->items[ns->n];
  x->file = strdup(file);
  x->column = strndup(col, lc);
  x->text = malloc(lt + 1);
  if (!x->file || !x->column || !x->text) {
    free(x->file);
    free(x->column);
    free(x->text);
    return -1;
  }
  /* the meaning without Markdown's backticks */
  size_t k = 0;
  for (size_t i = 0; i < lt; i++)
    if (text[i] != '`')
      x->text[k++] = text[i];
  x->text[k] = '\0';
  ns->n++;
  return 0;
}

static void parse_dictionary(const char *md, notes *ns)
{
  char file[128] = "";
  const char *line = md;
  while (line != NULL && *line != '\0') {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if (len > 3 && strncmp(line, "## ", 3) == 0) {
      size_t k = 0;
      while (3 + k < len && line[3 + k] != ' ' && k + 1 < sizeof file) {
        file[k] = line[3 + k];
        k++;
      }
      file[k] = '\0';
    } else if (file[0] != '\0' && len > 4 && line[0] == '|' &&
               line[1] == ' ' && line[2] == '`') {
      const char *bar = memchr(line + 1, '|', len - 1);
      if (bar != NULL) {
        const char *text = bar + 1;
        size_t lt = (size_t)(line + len - text);
        while (lt > 0 && (*text == ' '))
          text++, lt--;
        while (lt > 0 && (text[lt - 1] == ' ' || text[lt - 1] == '|'))
          lt--;
        for (const char *p = line + 1; p < bar; p++) {
          if (*p != '`')
            continue;
          const char *q = memchr(p + 1, '`', (size_t)(bar - p - 1));
          if (q == NULL)
            break;
          if (notes_add(ns, file, p + 1, (size_t)(q - p - 1), text, lt) != 0)
            return;
          p = q;
        }
      }
    }
    line = end ? end + 1 : NULL;
  }
}

/* "nmb_at_wtp_100000" is documented as "nmb_at_wtp_W". */
static const char *find_note(const notes *ns, const char *file,
                             const char *col)
{
  char pattern[256];
  snprintf(pattern, sizeof pattern, "%s", col);
  char *w = strstr(pattern, "_at_wtp_");
  if (w != NULL)
    snprintf(w + 8, sizeof pattern - (size_t)(w + 8 - pattern), "W");
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < ns->n; i++)
      if (strcmp(ns->items[i].file, file) == 0 &&
          strcmp(ns->items[i].column, pass ? pattern : col) == 0)
        return ns->items[i].text;
  return NULL;
}

/* The note of a column named per willingness-to-pay value (COL ends in
 * "_at_wtp_VALUE"): TEXT, the note of "..._at_wtp_W", with W (a word of
 * its own, or in a name "..._at_wtp_W") read as VALUE, so that each of the
 * columns says which value it is. Other columns: TEXT as it is. */
static const char *note_at_wtp(const char *col, const char *text, char *buf,
                               size_t n)
{
  const char *w = strstr(col, "_at_wtp_");
  if (w == NULL || n == 0)
    return text;
  const char *value = w + 8;
  size_t k = 0, lv = strlen(value);
  for (const char *p = text; *p != '\0' && k + 1 < n; p++) {
    int alone = *p == 'W' && !isalnum((unsigned char)p[1]) && p[1] != '_' &&
                (p == text || (!isalnum((unsigned char)p[-1]) &&
                               (p[-1] != '_' ||
                                (p - text >= 8 &&
                                 strncmp(p - 8, "_at_wtp_", 8) == 0))));
    if (alone && k + lv + 1 < n) {
      memcpy(buf + k, value, lv);
      k += lv;
    } else {
      buf[k++] = *p;
    }
  }
  buf[k] = '\0';
  return buf;
}

/* ---- one sheet per CSV ------------------------------------------------- */

typedef struct sheet_state {
  lxw_worksheet *ws;
  lxw_format *bold;
  const notes *ns;
  const hfs_param_table *params;
  const char *file;
  double *width;
  size_t n_cols;
  uint32_t rows;
  int too_many;
} sheet_state;

static int number(const char *s, double *v)
{
  char *end;
  if (*s == '\0' || *s == ' ')
    return 0;
  errno = 0;
  *v = strtod(s, &end);
  return *end == '\0' && errno == 0 && *v == *v && *v - *v == 0;
}

static int on_row(void *user, const hfs_csv_row *row)
{
  sheet_state *st = user;
  if (st->rows >= MAX_SHEET_ROWS) {
    st->too_many = 1;
    return 1;
  }
  if (row->n_fields > st->n_cols) {
    double *w = realloc(st->width, row->n_fields * sizeof *w);
    if (w == NULL)
      return 1;
    for (size_t c = st->n_cols; c < row->n_fields; c++)
      w[c] = MIN_WIDTH;
    st->width = w;
    st->n_cols = row->n_fields;
  }
  for (size_t c = 0; c < row->n_fields && c < 16384; c++) {
    const char *s = row->fields[c];
    double v, len = (double)strlen(s);
    lxw_col_t col = (lxw_col_t)c;
    if (st->rows == 0) {
      worksheet_write_string(st->ws, 0, col, s, st->bold);
      char buf[600], wbuf[1200];
      const char *text = find_note(st->ns, st->file, s);
      if (text != NULL)
        text = note_at_wtp(s, text, wbuf, sizeof wbuf);
      const hfs_param *p =
          text || !st->params ? NULL : hfs_param_find(st->params, s);
      if (p != NULL) {
        snprintf(buf, sizeof buf, "%s (%s)", p->description, p->unit);
        text = buf;
      }
      if (text != NULL)
        worksheet_write_comment(st->ws, 0, col, text);
      len += 2; /* the bold header and the note's marker */
    } else if (*s == '\0') {
      continue; /* not available: an empty cell */
    } else if (number(s, &v)) {
      worksheet_write_number(st->ws, st->rows, col, v, NULL);
      if (len > 12)
        len = 12; /* General shows about 11 significant digits */
    } else {
      worksheet_write_string(st->ws, st->rows, col, s, NULL);
    }
    if (len + 1 > st->width[c])
      st->width[c] = len + 1 < MAX_WIDTH ? len + 1 : MAX_WIDTH;
  }
  st->rows++;
  return 0;
}

hfs_status hfs_xlsx_add_workbook(hfs_output_set *o, const char *name,
                                 const hfs_model_class *cls,
                                 const hfs_param_table *params, hfs_diag *d)
{
  notes ns = {0};
  if (cls != NULL) {
    char *dictionary = NULL;
    size_t size = 0;
    FILE *mf = open_memstream(&dictionary, &size);
    if (mf != NULL) {
      hfs_write_dictionary(mf, cls);
      if (fclose(mf) == 0 && dictionary != NULL)
        parse_dictionary(dictionary, &ns);
    }
    free(dictionary);
  }
  size_t n_csv = o->n_files;
  /* libxlsxwriter writes to a path: the output set's staging folder */
  const char *path = hfs_output_add_path(o, name, d);
  if (path == NULL) {
    notes_free(&ns);
    return HFS_ERR_IO;
  }
  lxw_workbook *wb = workbook_new(path);
  hfs_status s = wb ? HFS_OK : HFS_ERR_IO;
  if (wb == NULL)
    hfs_diag_error(d, path, 0, "cannot create the workbook");
  lxw_format *bold = wb ? workbook_add_format(wb) : NULL;
  if (bold != NULL)
    format_set_bold(bold);
  for (size_t i = 0; s == HFS_OK && i < n_csv; i++) {
    const hfs_output_file *of = &o->files[i];
    size_t len = strlen(of->name);
    if (len < 5 || strcmp(of->name + len - 4, ".csv") != 0 ||
        strcmp(of->name, "patients.csv") == 0)
      continue;
    if (fflush(of->f) != 0) {
      hfs_diag_error(d, of->final_path, 0, "cannot write: %s",
                     strerror(errno));
      s = HFS_ERR_IO;
      break;
    }
    char sheet[32];
    snprintf(sheet, sizeof sheet, "%.*s", (int)(len - 4), of->name);
    sheet_state st = {0};
    st.ws = workbook_add_worksheet(wb, sheet);
    st.bold = bold;
    st.ns = &ns;
    st.params = params;
    st.file = of->name;
    if (st.ws == NULL) {
      s = HFS_ERR_NOMEM;
      break;
    }
    hfs_status r = hfs_csv_read(of->staged_path, on_row, &st, d);
    if (st.too_many) {
      fprintf(stderr,
              "hfsim: note: %s has more rows than a worksheet holds; its "
              "sheet in %s stops at row %u\n",
              of->name, name, MAX_SHEET_ROWS);
      r = HFS_OK;
    }
    if (r != HFS_OK)
      s = r;
    worksheet_freeze_panes(st.ws, 1, 0);
    for (size_t c = 0; c < st.n_cols && c < 16384; c++)
      worksheet_set_column(st.ws, (lxw_col_t)c, (lxw_col_t)c, st.width[c],
                           NULL);
    free(st.width);
  }
  if (wb != NULL) {
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR && s == HFS_OK) {
      hfs_diag_error(d, path, 0, "cannot write the workbook: %s",
                     lxw_strerror(e));
      s = HFS_ERR_IO;
    }
  }
  notes_free(&ns);
  return s;
}
