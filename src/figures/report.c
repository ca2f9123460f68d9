/*
 * report.c - draw the figures of an output folder and write report.html
 * (see figures.h).
 *
 * The scripts and data are first written to a private scratch folder inside
 * DIR (so gnuplot, run there, reads and writes relative names only), and the
 * files gnuplot made are then copied through the all-or-nothing output set
 * of DIR/figures; report.html follows in a set of its own. The scratch
 * folder is removed in every case.
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/figures.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fig_internal.h"
#include "hfsim/output.h"

static char *join3(const char *a, const char *b, const char *c)
{
  size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s%s", a, b, c);
  return p;
}

static int write_file(const char *dir, const char *name, const char *ext,
                      const fig_buf *b)
{
  char *p = join3(dir, name, ext);
  if (p == NULL)
    return -1;
  FILE *f = fopen(p, "w");
  int ok = f && fwrite(b->s, 1, b->len, f) == b->len;
  if (f && fclose(f) != 0)
    ok = 0;
  free(p);
  return ok ? 0 : -1;
}

/* Read DIR/NAME.EXT whole; NULL when absent. */
static char *read_file(const char *dir, const char *name, const char *ext,
                       size_t *len)
{
  char *p = join3(dir, name, ext);
  if (p == NULL)
    return NULL;
  FILE *f = fopen(p, "rb");
  free(p);
  if (f == NULL)
    return NULL;
  fig_buf b = {0};
  char chunk[65536];
  size_t r;
  while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
    fig_buf_append(&b, chunk, r);
  int bad = ferror(f) || b.failed;
  fclose(f);
  if (bad || b.len == 0) {
    fig_buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return b.s;
}

static void remove_scratch(const char *scratch, const fig_figure *figs,
                           size_t n)
{
  static const char *const exts[] = {".gp", ".dat", ".svg", ".png", ".pdf"};
  for (size_t i = 0; i < n; i++)
    for (size_t e = 0; e < 5; e++) {
      char *p = join3(scratch, figs[i].name, exts[e]);
      if (p)
        remove(p);
      free(p);
    }
  rmdir(scratch);
}

static void print_missing_gnuplot(const char *prog)
{
  fprintf(stderr,
          "hfsim: warning: figures: the plotting program '%s' was not found; "
          "install it with 'apt-get install gnuplot-nox' (Debian/Ubuntu), "
          "then run 'hfsim report DIR' to draw the figures. The scripts and "
          "data are in DIR/figures; report.html has the tables only.\n",
          prog);
}

/* Draw every figure in SCRATCH; fills figs[i].svg/png/pdf. */
static void draw_all(const char *scratch, fig_figure *figs, size_t n,
                     int progress, hfs_report_result *res)
{
  for (size_t i = 0; i < n; i++) {
    fig_figure *g = &figs[i];
    if (write_file(scratch, g->name, ".dat", &g->data) != 0 ||
        write_file(scratch, g->name, ".gp", &g->script) != 0) {
      fprintf(stderr, "hfsim: warning: figures: %s: cannot write its script "
                      "in %s: %s\n",
              g->name, scratch, strerror(errno));
      res->n_figures_failed++;
      continue;
    }
    if (res->gnuplot_missing) {
      res->n_figures_failed++;
      continue;
    }
    if (progress)
      fprintf(stderr, "hfsim: report: drawing %s (%zu of %zu)\n", g->name,
              i + 1, n);
    char script[80], err[2048];
    snprintf(script, sizeof script, "%s.gp", g->name);
    int missing = 0;
    if (fig_gnuplot_run(scratch, script, &missing, err, sizeof err) != 0) {
      res->n_figures_failed++;
      if (missing) {
        res->gnuplot_missing = 1;
        print_missing_gnuplot(fig_gnuplot_program());
      } else {
        fprintf(stderr, "hfsim: warning: figures: %s: gnuplot failed: %s\n",
                g->name, err);
      }
      continue;
    }
    g->svg = read_file(scratch, g->name, ".svg", &g->svg_len);
    g->png = read_file(scratch, g->name, ".png", &g->png_len);
    g->pdf = read_file(scratch, g->name, ".pdf", &g->pdf_len);
    if (g->svg == NULL || g->png == NULL || g->pdf == NULL) {
      fprintf(stderr, "hfsim: warning: figures: %s: gnuplot wrote no "
                      "SVG, PNG or PDF file\n",
              g->name);
      res->n_figures_failed++;
      continue;
    }
    g->drawn = 1;
    res->n_figures++;
  }
}

static int add_bytes(hfs_output_set *o, const char *name, const char *ext,
                     const char *bytes, size_t len, hfs_diag *d)
{
  char file[96];
  snprintf(file, sizeof file, "%s%s", name, ext);
  FILE *f = hfs_output_add(o, file, d);
  if (f == NULL)
    return -1;
  fwrite(bytes, 1, len, f);
  return 0;
}

hfs_status hfs_report_build(const char *dir, int progress, hfs_diag *d,
                            hfs_report_result *res)
{
  memset(res, 0, sizeof *res);
  fig_folder f;
  hfs_status s = fig_folder_load(&f, dir, d);
  fig_figure *figs = NULL;
  size_t n = 0;
  if (s == HFS_OK)
    s = fig_plan(&f, &figs, &n, d);
  if (s != HFS_OK) {
    fig_figures_free(figs, n);
    fig_folder_free(&f);
    return s;
  }
  char *scratch = join3(dir, ".hfsim-figures-", "XXXXXX");
  if (scratch == NULL || mkdtemp(scratch) == NULL) {
    hfs_diag_error(d, dir, 0, "cannot create a scratch folder for the "
                              "figures: %s",
                   strerror(errno));
    free(scratch);
    fig_figures_free(figs, n);
    fig_folder_free(&f);
    return HFS_ERR_IO;
  }
  draw_all(scratch, figs, n, progress, res);
  remove_scratch(scratch, figs, n);
  free(scratch);

  /* DIR/figures: every script and data file, and what was drawn */
  char *figdir = join3(dir, "figures", "");
  hfs_output_set out;
  s = figdir ? hfs_output_open(&out, figdir, d) : HFS_ERR_NOMEM;
  for (size_t i = 0; s == HFS_OK && i < n; i++) {
    fig_figure *g = &figs[i];
    if (add_bytes(&out, g->name, ".gp", g->script.s, g->script.len, d) ||
        add_bytes(&out, g->name, ".dat", g->data.s, g->data.len, d) ||
        (g->drawn &&
         (add_bytes(&out, g->name, ".svg", g->svg, g->svg_len, d) ||
          add_bytes(&out, g->name, ".png", g->png, g->png_len, d) ||
          add_bytes(&out, g->name, ".pdf", g->pdf, g->pdf_len, d))))
      s = HFS_ERR_IO;
  }
  if (figdir) {
    if (s == HFS_OK)
      s = hfs_output_commit(&out, d);
    else
      hfs_output_abort(&out);
    hfs_output_free(&out);
  }
  free(figdir);
  /* report.html */
  if (s == HFS_OK) {
    s = hfs_output_open(&out, dir, d);
    if (s == HFS_OK) {
      FILE *h = hfs_output_add(&out, "report.html", d);
      if (h == NULL)
        s = HFS_ERR_IO;
      else
        fig_report_html(h, &f, figs, n, res);
      if (s == HFS_OK)
        s = hfs_output_commit(&out, d);
      else
        hfs_output_abort(&out);
    }
    hfs_output_free(&out);
  }
  fig_figures_free(figs, n);
  fig_folder_free(&f);
  return s;
}

void hfs_figures_after_command(const char *dir, int quiet)
{
  const char *env = getenv("HFSIM_FIGURES");
  if (env && (strcmp(env, "off") == 0 || strcmp(env, "0") == 0))
    return;
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_report_result res;
  hfs_status s = hfs_report_build(dir, 0, &d, &res);
  for (size_t i = 0; i < d.count; i++) {
    const hfs_diag_entry *e = &d.entries[i];
    if (e->file && e->line)
      fprintf(stderr, "hfsim: warning: %s:%ld: %s\n", e->file, e->line,
              e->message);
    else if (e->file)
      fprintf(stderr, "hfsim: warning: %s: %s\n", e->file, e->message);
    else
      fprintf(stderr, "hfsim: warning: %s\n", e->message);
  }
  if (s != HFS_OK)
    fprintf(stderr, "hfsim: warning: figures and report.html were not "
                    "written; the CSV results in %s are complete\n",
            dir);
  else if (!quiet)
    fprintf(stderr, "hfsim: %d figure%s in %s/figures, report in "
                    "%s/report.html\n",
            res.n_figures, res.n_figures == 1 ? "" : "s", dir, dir);
  hfs_diag_free(&d);
}
