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
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fig_internal.h"
#include "hfsim/output.h"
#include "hfsim/sha256.h"

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

/* Read F whole into B and close F: 0, or -1 if reading or growing B
 * failed. */
static int slurp(FILE *f, fig_buf *b)
{
  char chunk[65536];
  size_t r;
  while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
    fig_buf_append(b, chunk, r);
  int bad = ferror(f) || b->failed;
  fclose(f);
  return bad ? -1 : 0;
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
  int bad = slurp(f, &b);
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

/* DIR: the results folder the figures belong to. */
static void print_missing_gnuplot(const char *prog, const char *dir)
{
  const char *env = getenv("HFSIM_GNUPLOT");
  if (env != NULL && env[0] != '\0')
    fprintf(stderr,
            "hfsim: warning: figures: the plotting program '%s' (named by "
            "HFSIM_GNUPLOT) was not found; correct or unset HFSIM_GNUPLOT, ",
            prog);
  else
    fprintf(stderr,
            "hfsim: warning: figures: the plotting program '%s' was not "
            "found; install it with 'apt-get install gnuplot-nox' "
            "(Debian/Ubuntu), ",
            prog);
  fprintf(stderr,
          "then run 'hfsim report %s' to draw the figures. The scripts and "
          "data are in %s/figures; report.html has the tables only.\n",
          dir, dir);
}

/* Draw every figure in SCRATCH; fills figs[i].svg/png/pdf. */
static void draw_all(const char *scratch, const char *dir, fig_figure *figs,
                     size_t n, const volatile sig_atomic_t *stop,
                     hfs_report_progress_fn progress, void *progress_user,
                     hfs_report_result *res)
{
  for (size_t i = 0; i < n; i++) {
    if (stop != NULL && *stop)
      return; /* the caller commits nothing */
    if (progress != NULL)
      progress(progress_user, i, n);
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
    char script[80], err[2048];
    snprintf(script, sizeof script, "%s.gp", g->name);
    int missing = 0;
    if (fig_gnuplot_run(scratch, script, &missing, err, sizeof err) != 0) {
      /* Ctrl-C reaches gnuplot too: not a failed figure, an interrupt */
      if (stop != NULL && *stop)
        return;
      res->n_figures_failed++;
      if (missing) {
        res->gnuplot_missing = 1;
        print_missing_gnuplot(fig_gnuplot_program(), dir);
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
  if (progress != NULL && n > 0)
    progress(progress_user, n, n);
}

static int add_bytes(hfs_output_set *o, const char *name, const char *ext,
                     const char *bytes, size_t len, hfs_diag *d)
{
  char file[160];
  snprintf(file, sizeof file, "%s%s", name, ext);
  FILE *f = hfs_output_add(o, file, d);
  if (f == NULL)
    return -1;
  fwrite(bytes, 1, len, f);
  return 0;
}

/* Draw the figures of the folder SRC (its CSVs and manifest.txt) and add
 * them and report.html to OUT. A scratch folder in $TMPDIR holds gnuplot's
 * work; it is removed in every case. */
static hfs_status build_into(const char *src, hfs_output_set *out,
                             const volatile sig_atomic_t *stop,
                             hfs_report_progress_fn progress,
                             void *progress_user, hfs_diag *d,
                             hfs_report_result *res)
{
  memset(res, 0, sizeof *res);
  fig_folder f;
  hfs_status s = fig_folder_load(&f, src, d);
  fig_figure *figs = NULL;
  size_t n = 0;
  if (s == HFS_OK)
    s = fig_plan(&f, &figs, &n, d);
  if (s != HFS_OK) {
    fig_figures_free(figs, n);
    fig_folder_free(&f);
    return s;
  }
  const char *tmp = getenv("TMPDIR");
  char *scratch = join3(tmp && tmp[0] ? tmp : "/tmp", "hfsim-figures-",
                        "XXXXXX");
  if (scratch == NULL || mkdtemp(scratch) == NULL) {
    hfs_diag_error(d, scratch, 0, "cannot create a scratch folder for the "
                                  "figures: %s",
                   strerror(errno));
    free(scratch);
    fig_figures_free(figs, n);
    fig_folder_free(&f);
    return HFS_ERR_IO;
  }
  draw_all(scratch, out->dir, figs, n, stop, progress, progress_user, res);
  remove_scratch(scratch, figs, n);
  free(scratch);
  /* A full disk at the commit would cost the whole folder, CSVs included:
   * add the figures only when they fit with room to spare. */
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++)
    bytes += figs[i].script.len + figs[i].data.len + figs[i].svg_len +
             figs[i].png_len + figs[i].pdf_len;
  struct statvfs vfs;
  if (out->staging && statvfs(out->staging, &vfs) == 0 &&
      (double)vfs.f_bavail * (double)vfs.f_frsize <
          2.0 * (double)bytes + 4.0 * 1024 * 1024) {
    fprintf(stderr, "hfsim: warning: figures: not enough free space in %s "
                    "for the figures (%zu KiB); the results are written "
                    "without them\n",
            out->dir, bytes / 1024);
    fig_figures_free(figs, n);
    fig_folder_free(&f);
    return HFS_OK;
  }
  /* figures/: every script and data file, and what was drawn */
  for (size_t i = 0; s == HFS_OK && i < n; i++) {
    fig_figure *g = &figs[i];
    char stem[96];
    snprintf(stem, sizeof stem, "figures/%s", g->name);
    if (add_bytes(out, stem, ".gp", g->script.s, g->script.len, d) ||
        add_bytes(out, stem, ".dat", g->data.s, g->data.len, d) ||
        (g->drawn &&
         (add_bytes(out, stem, ".svg", g->svg, g->svg_len, d) ||
          add_bytes(out, stem, ".png", g->png, g->png_len, d) ||
          add_bytes(out, stem, ".pdf", g->pdf, g->pdf_len, d))))
      s = HFS_ERR_IO;
  }
  if (s == HFS_OK) {
    FILE *h = hfs_output_add(out, "report.html", d);
    if (h == NULL)
      s = HFS_ERR_IO;
    else
      fig_report_html(h, &f, figs, n, res);
  }
  fig_figures_free(figs, n);
  fig_folder_free(&f);
  return s;
}

/* Copy DIR/NAME into OUT (binary). */
static int copy_into(hfs_output_set *out, const char *dir, const char *name,
                     hfs_diag *d)
{
  size_t len = 0;
  char *bytes = read_file(dir, name, "", &len);
  FILE *f = hfs_output_add(out, name, d);
  if (f == NULL) {
    free(bytes);
    return -1;
  }
  if (bytes)
    fwrite(bytes, 1, len, f);
  free(bytes);
  return 0;
}

/* One "file:" line of a manifest. */
typedef struct listed_file {
  char name[300];
  long long bytes;
  char sha256[65];
} listed_file;

/* What report reads of DIR/manifest.txt: the owner, every line but the
 * file list (KEPT; the commit writes a new list), and the file list. */
typedef struct manifest_text {
  char owner[32];
  fig_buf kept;
  listed_file *files;
  size_t n_files;
  int has_list; /* folder_command: or file: lines (hfsim 0.3 and later) */
  long damaged; /* lines not as hfsim writes them (messages in D) */
} manifest_text;

static void manifest_text_free(manifest_text *m)
{
  fig_buf_free(&m->kept);
  free(m->files);
  memset(m, 0, sizeof *m);
}

static hfs_status read_manifest(const char *dir, manifest_text *mt, hfs_diag *d)
{
  memset(mt, 0, sizeof *mt);
  char *mpath = join3(dir, "manifest.txt", "");
  FILE *m = mpath ? fopen(mpath, "r") : NULL;
  if (m == NULL) {
    hfs_diag_error(d, mpath ? mpath : dir, 0,
                   "cannot read: %s (every hfsim output folder has one; is "
                   "this an hfsim output folder?)",
                   strerror(errno));
    free(mpath);
    return HFS_ERR_INPUT;
  }
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t len;
  long lineno = 0;
  int in_list = 0;
  hfs_status s = HFS_OK;
  while (s == HFS_OK && (len = getline(&line, &line_cap, m)) > 0) {
    lineno++;
    /* the shapes verify-folder requires (output.h): a line that is not as
     * hfsim writes it makes the folder not its manifest's (it was carried
     * into the new manifest and certified) */
    hfs_manifest_line kind = hfs_manifest_line_kind(line, (size_t)len,
                                                    &in_list);
    if (kind == HFS_MANIFEST_DAMAGED) {
      hfs_diag_error(d, mpath, lineno,
                     "damaged line (not as hfsim writes manifest.txt)");
      mt->damaged++;
      continue;
    }
    if (kind == HFS_MANIFEST_FOLDER_COMMAND) {
      sscanf(line, "folder_command: %31s", mt->owner);
      mt->has_list = 1;
      continue;
    }
    if (kind == HFS_MANIFEST_FILE) {
      mt->has_list = 1;
      listed_file lf;
      /* a name inside the folder only (as output.c writes them) */
      if (sscanf(line, "file: %299s bytes=%lld sha256=%64s", lf.name, &lf.bytes,
                 lf.sha256) != 3 ||
          strlen(lf.sha256) != 64 || lf.bytes < 0 || lf.name[0] == '.' ||
          lf.name[0] == '/' || strstr(lf.name, "/.") != NULL) {
        hfs_diag_error(d, mpath, lineno, "damaged file line");
        mt->damaged++;
        continue;
      }
      listed_file *grown =
          realloc(mt->files, (mt->n_files + 1) * sizeof *grown);
      if (grown == NULL) {
        s = HFS_ERR_NOMEM;
        break;
      }
      mt->files = grown;
      mt->files[mt->n_files++] = lf;
      continue;
    }
    if (!mt->owner[0])
      sscanf(line, "command: %*s %31s", mt->owner);
    fig_buf_append(&mt->kept, line, strlen(line));
  }
  free(line);
  fclose(m);
  free(mpath);
  if (s == HFS_OK && mt->kept.failed)
    s = HFS_ERR_NOMEM;
  return s;
}

/* Files report draws anew: figures/ and report.html. */
static int redrawn(const char *name)
{
  return !strncmp(name, "figures/", 8) || !strcmp(name, "report.html");
}

/* Read DIR/F->name whole (a regular file, not followed through a link) and
 * compare it with its manifest line; the wording follows verify-folder.
 * Returns the bytes (malloc'd; *LEN) when they match, else NULL with one
 * message in D. */
static char *read_listed(const char *dir, const listed_file *lf, size_t *len,
                         hfs_diag *d)
{
  char *path = join3(dir, lf->name, "");
  if (path == NULL) {
    hfs_diag_error(d, NULL, 0, "out of memory (file names)");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat sb;
  FILE *f = NULL;
  if (fd < 0 && errno == ENOENT) {
    hfs_diag_error(d, path, 0, "listed in manifest.txt but missing: %s",
                   strerror(errno));
  } else if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    hfs_diag_error(d, path, 0, "not a regular file");
  } else if ((f = fdopen(fd, "rb")) == NULL) {
    hfs_diag_error(d, path, 0, "cannot read: %s", strerror(errno));
  }
  if (f == NULL) {
    if (fd >= 0)
      close(fd);
    free(path);
    return NULL;
  }
  fig_buf b = {0};
  int bad = slurp(f, &b);
  char hex[65];
  hfs_sha256 c;
  hfs_sha256_init(&c);
  hfs_sha256_update(&c, b.s ? b.s : "", b.len);
  hfs_sha256_final_hex(&c, hex);
  if (bad) {
    hfs_diag_error(d, path, 0, "cannot read: %s",
                   b.failed ? "out of memory" : strerror(errno));
  } else if ((long long)b.len != lf->bytes) {
    hfs_diag_error(d, path, 0,
                   "%zu bytes, manifest.txt says %lld: changed or truncated",
                   b.len, lf->bytes);
    bad = 1;
  } else if (strcmp(hex, lf->sha256) != 0) {
    hfs_diag_error(d, path, 0,
                   "SHA-256 %s, manifest.txt says %s: the file changed", hex,
                   lf->sha256);
    bad = 1;
  }
  free(path);
  if (bad) {
    fig_buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return b.s ? b.s : calloc(1, 1);
}

/* The results that report keeps, into OUT: with a file list, every listed
 * file but figures/ and report.html, each checked against its size and
 * SHA-256 first (a changed or missing one: *CHANGED, and nothing is
 * copied); without one (hfsim before 0.3), every top-level file but those
 * (hfs_output_open() has checked that they are files hfsim writes). */
static hfs_status carry_over(const char *dir, const manifest_text *mt,
                             hfs_output_set *out, int *changed, hfs_diag *d)
{
  *changed = 0;
  if (mt->has_list) {
    long problems = mt->damaged;
    char **bytes = calloc(mt->n_files + 1, sizeof *bytes);
    size_t *lens = calloc(mt->n_files + 1, sizeof *lens);
    hfs_status s = bytes && lens ? HFS_OK : HFS_ERR_NOMEM;
    for (size_t i = 0; s == HFS_OK && i < mt->n_files; i++) {
      if (redrawn(mt->files[i].name) ||
          !strcmp(mt->files[i].name, "manifest.txt"))
        continue;
      bytes[i] = read_listed(dir, &mt->files[i], &lens[i], d);
      if (bytes[i] == NULL)
        problems++;
    }
    if (s == HFS_OK && problems > 0) {
      hfs_diag_error(d, dir, 0,
                     "%ld problem%s: not the folder its manifest describes; "
                     "'hfsim report' draws only results as their command "
                     "wrote them: restore the file%s, or run the command "
                     "again",
                     problems, problems == 1 ? "" : "s",
                     problems == 1 ? "" : "s");
      *changed = 1;
      s = HFS_ERR_INPUT;
    }
    for (size_t i = 0; s == HFS_OK && i < mt->n_files; i++) {
      if (bytes[i] == NULL)
        continue;
      FILE *f = hfs_output_add(out, mt->files[i].name, d);
      if (f == NULL)
        s = HFS_ERR_IO;
      else
        fwrite(bytes[i], 1, lens[i], f);
    }
    for (size_t i = 0; bytes && i < mt->n_files; i++)
      free(bytes[i]);
    free(bytes);
    free(lens);
    return s;
  }
  if (mt->damaged > 0) { /* (a manifest before 0.3, with damaged lines) */
    hfs_diag_error(d, dir, 0,
                   "%ld damaged line%s in manifest.txt: not the folder its "
                   "command wrote; run the command again",
                   mt->damaged, mt->damaged == 1 ? "" : "s");
    *changed = 1;
    return HFS_ERR_INPUT;
  }
  DIR *dp = opendir(dir);
  if (dp == NULL) {
    hfs_diag_error(d, dir, 0, "cannot read the folder: %s", strerror(errno));
    return HFS_ERR_IO;
  }
  hfs_status s = HFS_OK;
  struct dirent *e;
  while (s == HFS_OK && (e = readdir(dp)) != NULL) {
    const char *nm = e->d_name;
    if (nm[0] == '.' || !strcmp(nm, "report.html") ||
        !strcmp(nm, "manifest.txt") || !strcmp(nm, "figures"))
      continue;
    char *p = join3(dir, nm, "");
    struct stat sb;
    int regular = p && lstat(p, &sb) == 0 && S_ISREG(sb.st_mode);
    free(p);
    if (regular && copy_into(out, dir, nm, d) != 0)
      s = HFS_ERR_IO;
  }
  closedir(dp);
  return s;
}

static const char *shown_path(const hfs_output_set *out, const char *file,
                              char *buf, size_t size);

/* Whether every file added to OUT so far is flushed to its staging file
 * (so that the figures can read it); 0 when one failed (a full disk: the
 * commit fails and says so), with errno as that write set it. */
static int outputs_flushed(hfs_output_set *out)
{
  for (size_t i = 0; i < out->n_files; i++)
    if (out->files[i].f &&
        (fflush(out->files[i].f) != 0 || ferror(out->files[i].f)))
      return 0;
  return 1;
}

static void copy_messages(hfs_diag *to, const hfs_diag *from)
{
  for (size_t i = 0; i < from->count; i++) {
    const hfs_diag_entry *e = &from->entries[i];
    hfs_diag_error(to, e->file, e->line, "%s", e->message);
  }
}

hfs_status hfs_report_build(const char *dir, const volatile sig_atomic_t *stop,
                            hfs_report_progress_fn progress,
                            void *progress_user, hfs_diag *d,
                            hfs_report_result *res)
{
  memset(res, 0, sizeof *res);
  /* the folder stays its command's: report rewrites it as that command
   * (output.h: one folder belongs to one command) */
  manifest_text mt;
  hfs_diag pre; /* (a damaged line is reported once, by the read below) */
  hfs_diag_init(&pre);
  hfs_status s = read_manifest(dir, &mt, &pre);
  char owner[32];
  memcpy(owner, mt.owner, sizeof owner);
  manifest_text_free(&mt);
  if (s != HFS_OK)
    copy_messages(d, &pre);
  hfs_diag_free(&pre);
  if (s != HFS_OK)
    return s;
  if (owner[0])
    hfs_output_configure(owner, 0);
  /* the lock, and no file the manifest does not vouch for (output.h) */
  hfs_output_set out;
  s = hfs_output_open(&out, dir, d);
  /* read again under the lock: the list of what is kept */
  if (s == HFS_OK) {
    s = read_manifest(dir, &mt, d);
    int changed = 0;
    if (s == HFS_OK)
      s = carry_over(dir, &mt, &out, &changed, d);
    res->folder_changed = changed;
    if (s == HFS_OK) {
      FILE *mf = hfs_output_add(&out, "manifest.txt", d);
      if (mf == NULL)
        s = HFS_ERR_IO;
      else
        fwrite(mt.kept.s ? mt.kept.s : "", 1, mt.kept.len, mf);
    }
    manifest_text_free(&mt);
  }
  if (s == HFS_OK && stop && *stop)
    s = HFS_ERR_INTERRUPTED;
  if (s == HFS_OK && !outputs_flushed(&out)) {
    hfs_diag_error(d, dir, 0, "cannot write the results: %s",
                   strerror(errno));
    s = HFS_ERR_IO;
  }
  if (s == HFS_OK) {
    /* Drawn from the copies just checked against their SHA-256, in the
     * staging folder, not from DIR, which may change meanwhile: the
     * figures show exactly the bytes that were checked. Messages name
     * the files as DIR's. */
    hfs_diag local;
    hfs_diag_init(&local);
    s = build_into(out.staging, &out, stop, progress, progress_user, &local,
                   res);
    for (size_t i = 0; i < local.count; i++) {
      const hfs_diag_entry *e = &local.entries[i];
      char buf[4200];
      hfs_diag_error(d, e->file ? shown_path(&out, e->file, buf, sizeof buf)
                                : NULL,
                     e->line, "%s", e->message);
    }
    hfs_diag_free(&local);
  }
  /* a signal while the figures were drawn: nothing is committed */
  if (s == HFS_OK && stop && *stop)
    s = HFS_ERR_INTERRUPTED;
  if (s == HFS_OK)
    s = hfs_output_commit(&out, d);
  hfs_output_free(&out);
  return s;
}

/* FILE as the user should see it: inside OUT's staging folder, the same
 * path in OUT's folder (the staging folder is gone by the time anyone
 * looks). Returns FILE or BUF. */
static const char *shown_path(const hfs_output_set *out, const char *file,
                              char *buf, size_t size)
{
  size_t n = out->staging ? strlen(out->staging) : 0;
  if (n == 0 || strncmp(file, out->staging, n) != 0 ||
      (file[n] != '\0' && file[n] != '/'))
    return file;
  snprintf(buf, size, "%s%s", out->dir, file + n);
  return buf;
}

void hfs_figures_add(hfs_output_set *out, int quiet,
                     const volatile sig_atomic_t *stop)
{
  const char *env = getenv("HFSIM_FIGURES");
  if (env && (strcmp(env, "off") == 0 || strcmp(env, "0") == 0))
    return;
  /* the figures read the command's files from the staging folder; when a
   * write has already failed (disk full), the commit will fail and say so:
   * draw nothing, and leave errno as the failed write set it */
  int saved = errno;
  if (!outputs_flushed(out)) {
    errno = saved;
    return;
  }
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_report_result res;
  hfs_status s = build_into(out->staging, out, stop, NULL, NULL, &d, &res);
  if (stop != NULL && *stop) { /* the command reports the interruption */
    hfs_diag_free(&d);
    errno = saved;
    return;
  }
  for (size_t i = 0; i < d.count; i++) {
    const hfs_diag_entry *e = &d.entries[i];
    char buf[4200];
    const char *f = e->file ? shown_path(out, e->file, buf, sizeof buf) : NULL;
    if (f && e->line)
      fprintf(stderr, "hfsim: warning: %s:%ld: %s\n", f, e->line,
              e->message);
    else if (f)
      fprintf(stderr, "hfsim: warning: %s: %s\n", f, e->message);
    else
      fprintf(stderr, "hfsim: warning: %s\n", e->message);
  }
  if (s != HFS_OK)
    fprintf(stderr, "hfsim: warning: figures and report.html were not "
                    "written; the CSV results in %s are complete\n",
            out->dir);
  else if (!quiet)
    fprintf(stderr, "hfsim: %d figure%s in %s/figures, report in "
                    "%s/report.html\n",
            res.n_figures, res.n_figures == 1 ? "" : "s", out->dir, out->dir);
  hfs_diag_free(&d);
  errno = saved;
}
