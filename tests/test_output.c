/*
 * test_output.c - output folders whose files appear whole or not at all,
 * and CSV text that no spreadsheet reads as a formula (output.h).
 *
 * hfs_csv_write_text: RFC 4180 quoting (comma, quote, line break), a
 * leading apostrophe for text starting with = + - @ tab or CR, and a round
 * trip through the project's CSV reader.
 * hfs_output_open/add/commit/abort: a folder is one transaction. Files are
 * written into a private staging folder beside the target; the target
 * appears (or is replaced whole) only at commit; abort removes the staging
 * folder and keeps the earlier folder; a write that fails (a stream on
 * /dev/full) makes commit fail with HFS_ERR_IO, naming the file, without
 * switching anything. The lock file beside the folder excludes a second
 * writer; stale staging folders are removed, planted links are not
 * followed; a foreign folder or another command's folder is not replaced;
 * the manifest lists every file with size and SHA-256 and
 * hfs_output_verify_folder() re-checks it.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "hfsim/csvread.h"
#include "hfsim/output.h"
#include "test_fs.h"

/* ---- helpers ------------------------------------------------------------ */

static char *join(const char *a, const char *b)
{
  char *p = test_path_join(a, b);
  assert_non_null(p);
  return p;
}

static int by_string(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in DIR (dot files too), sorted, separated by spaces; "" when
 * empty or missing. Caller frees. */
static char *listing(const char *dir)
{
  char *names[64];
  size_t n = 0;
  DIR *d = opendir(dir);
  if (d != NULL) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64)
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
        names[n++] = hfs_strdup(e->d_name);
    closedir(d);
  }
  qsort(names, n, sizeof *names, by_string);
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(names[i]) + 1;
  char *s = calloc(len, 1);
  assert_non_null(s);
  for (size_t i = 0; i < n; i++) {
    if (i)
      strcat(s, " ");
    strcat(s, names[i]);
    free(names[i]);
  }
  return s;
}

static void expect_listing(const char *dir, const char *want)
{
  char *got = listing(dir);
  if (strcmp(got, want) != 0)
    fail_msg("%s holds [%s], expected [%s]", dir, got, want);
  free(got);
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *s = calloc(1, 65536);
  assert_non_null(s);
  size_t n = fread(s, 1, 65535, f);
  s[n] = '\0';
  fclose(f);
  return s;
}

static void expect_content(const char *dir, const char *name, const char *want)
{
  char *p = join(dir, name);
  char *got = slurp(p);
  if (got == NULL)
    fail_msg("cannot read %s", p);
  if (strcmp(got, want) != 0)
    fail_msg("%s holds \"%s\", expected \"%s\"", p, got, want);
  free(got);
  free(p);
}

static void put_file(const char *dir, const char *name, const char *text)
{
  char *p = join(dir, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  free(p);
}

/* LISTING with every ".NAME.hfsim-staging-XXXXXX" shown as
 * ".NAME.hfsim-staging-*" (the suffix is random). */
static char *listing_masked(const char *dir)
{
  char *s = listing(dir);
  for (char *p = strstr(s, "hfsim-staging-"); p != NULL;
       p = strstr(p + 1, "hfsim-staging-")) {
    p += strlen("hfsim-staging-");
    if (strlen(p) >= 6) {
      p[0] = '*';
      memmove(p + 1, p + 6, strlen(p + 6) + 1);
    }
  }
  return s;
}

static void expect_listing_masked(const char *dir, const char *want)
{
  char *got = listing_masked(dir);
  if (strcmp(got, want) != 0)
    fail_msg("%s holds [%s], expected [%s]", dir, got, want);
  free(got);
}

/* A folder as an earlier hfsim command left it. */
static void put_results(const char *root, const char *name, const char *command)
{
  char *dir = join(root, name);
  assert_int_equal(mkdir(dir, 0777), 0);
  char text[128];
  snprintf(text, sizeof text,
           "hfsim_version: 0.0\nfolder_command: %s\nfile: a.csv bytes=4 "
           "sha256=x\n",
           command);
  put_file(dir, "manifest.txt", text);
  put_file(dir, "a.csv", "old\n");
  free(dir);
}

/* Each test gets a fresh folder (*state), removed afterwards. */
static int make_folder(void **state)
{
  char *dir = malloc(64);
  if (dir == NULL)
    return -1;
  snprintf(dir, 64, "/tmp/hfsim_test_output_XXXXXX");
  if (mkdtemp(dir) == NULL) {
    free(dir);
    return -1;
  }
  *state = dir;
  return 0;
}

static int remove_folder(void **state)
{
  test_remove_tree(*state);
  free(*state);
  return 0;
}

/* ---- hfs_csv_write_text -------------------------------------------------- */

/* What hfs_csv_write_text writes for S. Caller frees. */
static char *as_field(const char *s)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  hfs_csv_write_text(f, s);
  fclose(f);
  return buf;
}

static void expect_field(const char *text, const char *want)
{
  char *got = as_field(text);
  if (strcmp(got, want) != 0)
    fail_msg("hfs_csv_write_text(\"%s\") wrote [%s], expected [%s]", text, got,
             want);
  free(got);
}

static void csv_plain_text_as_is(void **state)
{
  (void)state;
  expect_field("botox", "botox");
  expect_field("no_treatment", "no_treatment");
  expect_field("", "");
  expect_field("50-59", "50-59");
  expect_field("under 30", "under 30");
  expect_field("80+", "80+");
  expect_field("a=b", "a=b");
  expect_field("mvd_p_immediate_cure+mvd_p_delayed_cure",
               "mvd_p_immediate_cure+mvd_p_delayed_cure");
  /* already escaped by hand: left alone */
  expect_field("'=1", "'=1");
}

static void csv_rfc4180_quoting(void **state)
{
  (void)state;
  expect_field("a,b", "\"a,b\"");
  expect_field("say \"hi\"", "\"say \"\"hi\"\"\"");
  expect_field("\"", "\"\"\"\"");
  expect_field("two\nlines", "\"two\nlines\"");
  expect_field("cr\rlf", "\"cr\rlf\"");
  expect_field("crlf\r\n", "\"crlf\r\n\"");
  expect_field("Smith J, et al. \"Title\", 2020",
               "\"Smith J, et al. \"\"Title\"\", 2020\"");
}

static void csv_formula_text_gets_apostrophe(void **state)
{
  (void)state;
  expect_field("=1+1", "\"'=1+1\"");
  expect_field("+1", "\"'+1\"");
  expect_field("-1", "\"'-1\"");
  expect_field("@SUM(A1:A9)", "\"'@SUM(A1:A9)\"");
  expect_field("\tx", "\"'\tx\"");
  expect_field("\rx", "\"'\rx\"");
  expect_field("=", "\"'=\"");
  /* with the quoting rules at once */
  expect_field("=HYPERLINK(\"http://example.com\",\"x\")",
               "\"'=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\"");
  expect_field("-2+3,4", "\"'-2+3,4\"");
  expect_field("+cmd|' /C calc'!A0", "\"'+cmd|' /C calc'!A0\"");
}

/* Read back with the project's CSV reader (libcsv). (It trims spaces at
 * the ends of unquoted fields, which RFC 4180 keeps; no output text ends
 * in a space, so that case is left out.) */
typedef struct read_back {
  char fields[16][128];
  size_t n;
  int rows;
} read_back;

static int keep_row(void *user, const hfs_csv_row *row)
{
  read_back *rb = user;
  rb->rows++;
  for (size_t i = 0; i < row->n_fields && i < 16; i++)
    snprintf(rb->fields[i], sizeof rb->fields[i], "%s", row->fields[i]);
  rb->n = row->n_fields;
  return 0;
}

static void csv_round_trip(void **state)
{
  (void)state;
  static const char *const texts[] = {
      "plain", "a,b", "say \"hi\"", "two\nlines", "=1+1",
      "@x",    "-y",  "+z,\"w\"",   "a;b",        "tab\tinside"};
  const size_t n = sizeof texts / sizeof *texts;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  for (size_t i = 0; i < n; i++) {
    if (i)
      fputc(',', f);
    hfs_csv_write_text(f, texts[i]);
  }
  fputc('\n', f);
  fclose(f);

  read_back rb;
  memset(&rb, 0, sizeof rb);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_status s = hfs_csv_read_string(buf, len, "memory", keep_row, &rb, &d);
  if (s != HFS_OK)
    dump(&d);
  assert_int_equal(s, HFS_OK);
  assert_int_equal(rb.rows, 1);
  assert_int_equal(rb.n, n);
  for (size_t i = 0; i < n; i++) {
    char want[130];
    int formula = strchr("=+-@\t\r", texts[i][0]) != NULL;
    snprintf(want, sizeof want, "%s%s", formula ? "'" : "", texts[i]);
    if (strcmp(rb.fields[i], want) != 0)
      fail_msg("field %zu read back as [%s], expected [%s] (written: %s)", i,
               rb.fields[i], want, buf);
  }
  hfs_diag_free(&d);
  free(buf);
}

/* ---- hfs_output_open ------------------------------------------------------
 */

static void open_creates_nested_folders(void **state)
{
  char *parent = join(*state, "a/b");
  char *dir = join(*state, "a/b/c");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  expect_count(&d, 0);
  struct stat sb;
  assert_int_equal(stat(parent, &sb), 0);
  assert_true(S_ISDIR(sb.st_mode));
  /* the folder itself appears at the commit; meanwhile its lock file and
   * its private staging folder (mode 0700) are beside it */
  expect_listing_masked(parent, ".c.hfsim-lock .c.hfsim-staging-*");
  assert_int_equal(stat(o.staging, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  hfs_output_free(&o);
  expect_listing(parent, ".c.hfsim-lock");
  hfs_diag_free(&d);
  free(dir);
  free(parent);
}

static void open_under_a_file_fails(void **state)
{
  put_file(*state, "file", "x");
  char *under = join(*state, "file/sub");
  char *file = join(*state, "file");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, under, &d), HFS_ERR_IO);
  expect_count(&d, 1);
  expect_error(&d, under, 0, "cannot create the output folder");
  expect_error(&d, under, 0, strerror(ENOTDIR));
  hfs_output_free(&o);
  assert_int_equal(hfs_output_open(&o, file, &d), HFS_ERR_IO);
  expect_error(&d, file, 0, strerror(ENOTDIR));
  hfs_output_free(&o);
  /* the file is as it was */
  expect_content(*state, "file", "x");
  expect_listing(*state, ".file.hfsim-lock file");
  hfs_diag_free(&d);
  free(under);
  free(file);
}

/* An empty folder name, ".", ".." and "/": a folder that results would
 * replace whole must be named. (`hfsim verify --out ''` once read past the
 * end of a copy of "".) */
static void open_unnamed_folder_fails(void **state)
{
  (void)state;
  const char *bad[] = {"", ".", "..", "/", "a/.."};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    hfs_diag d;
    hfs_diag_init(&d);
    hfs_output_set o;
    assert_int_equal(hfs_output_open(&o, bad[i], &d), HFS_ERR_IO);
    expect_count(&d, 1);
    expect_error(&d, NULL, 0, "must be named");
    hfs_output_free(&o);
    hfs_diag_free(&d);
  }
}

/* ---- add, commit, abort ---------------------------------------------------
 */

static void files_appear_only_at_commit(void **state)
{
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  FILE *a = hfs_output_add(&o, "a.csv", &d);
  FILE *m = hfs_output_add(&o, "manifest.txt", &d);
  assert_non_null(a);
  assert_non_null(m);
  fputs("x,y\n1,2\n", a);
  fputs("version: test\n", m);
  /* before the commit: only the staging folder and the lock */
  expect_listing_masked(*state, ".out.hfsim-lock .out.hfsim-staging-*");
  expect_listing(o.staging, "a.csv manifest.txt");
  assert_int_equal(hfs_output_commit(&o, &d), HFS_OK);
  expect_count(&d, 0);
  expect_listing(*state, ".out.hfsim-lock out");
  expect_listing(dir, "a.csv manifest.txt");
  expect_content(dir, "a.csv", "x,y\n1,2\n");
  /* the manifest ends with every other file, its size and SHA-256
   * (sha256sum of "x,y\n1,2\n") */
  expect_content(dir, "manifest.txt",
                 "version: test\n"
                 "file: a.csv bytes=8 "
                 "sha256=81bf9fa83c6f7f151bd491a98cd7d933de3965289e3ebd77c6c42"
                 "5f7eaa16392\n");
  /* abort after a commit does not touch the committed files */
  hfs_output_abort(&o);
  expect_listing(dir, "a.csv manifest.txt");
  hfs_output_free(&o);
  hfs_diag_free(&d);
  free(dir);
}

static void commit_replaces_the_whole_folder(void **state)
{
  put_results(*state, "out", "run");
  char *dir = join(*state, "out");
  put_file(dir, "other.csv", "of the earlier run\n");
  put_file(dir, "manifest.txt",
           "hfsim_version: 0.0\nfolder_command: run\nfile: a.csv bytes=4 "
           "sha256=x\nfile: other.csv bytes=19 sha256=x\n");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  FILE *a = hfs_output_add(&o, "a.csv", &d);
  assert_non_null(a);
  fputs("new\n", a);
  /* the earlier folder stays until the commit */
  expect_content(dir, "a.csv", "old\n");
  assert_int_equal(hfs_output_commit(&o, &d), HFS_OK);
  expect_count(&d, 0);
  /* no file of the earlier run is left beside the new ones; a manifest
   * is written even when the caller adds none */
  expect_listing(dir, "a.csv manifest.txt");
  expect_content(dir, "a.csv", "new\n");
  hfs_output_free(&o);
  expect_listing(*state, ".out.hfsim-lock out");
  hfs_diag_free(&d);
  free(dir);
}

static void abort_keeps_the_earlier_folder(void **state)
{
  put_results(*state, "out", "run");
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  FILE *a = hfs_output_add(&o, "a.csv", &d);
  FILE *b = hfs_output_add(&o, "b.csv", &d);
  assert_non_null(a);
  assert_non_null(b);
  for (int i = 0; i < 10000; i++) /* beyond any stdio buffer */
    fprintf(a, "%d,new\n", i);
  fputs("b\n", b);
  hfs_output_abort(&o);
  expect_listing(dir, "a.csv manifest.txt");
  expect_content(dir, "a.csv", "old\n");
  expect_listing(*state, ".out.hfsim-lock out");
  /* a second abort, and free, are harmless */
  hfs_output_abort(&o);
  hfs_output_free(&o);
  expect_listing(*state, ".out.hfsim-lock out");
  expect_count(&d, 0);
  hfs_diag_free(&d);
  free(dir);
}

static void failed_write_switches_nothing(void **state)
{
  if (access("/dev/full", W_OK) != 0)
    skip();
  put_results(*state, "out", "run");
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  FILE *a = hfs_output_add(&o, "a.csv", &d);
  FILE *b = hfs_output_add(&o, "b.csv", &d);
  FILE *m = hfs_output_add(&o, "manifest.txt", &d);
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(m);
  /* b.csv's stream now writes to a full disk */
  assert_ptr_equal(freopen("/dev/full", "w", b), b);
  fputs("new\n", a);
  fputs("lost\n", b);
  fputs("manifest\n", m);
  assert_int_equal(hfs_output_commit(&o, &d), HFS_ERR_IO);
  char *bpath = join(dir, "b.csv");
  expect_count(&d, 1);
  expect_error(&d, bpath, 0, "cannot write");
  expect_error(&d, bpath, 0, strerror(ENOSPC));
  /* nothing switched, the staging folder removed, the earlier kept */
  expect_listing(dir, "a.csv manifest.txt");
  expect_content(dir, "a.csv", "old\n");
  expect_listing(*state, ".out.hfsim-lock out");
  hfs_output_abort(&o);
  hfs_output_free(&o);
  hfs_diag_free(&d);
  free(bpath);
  free(dir);
}

static void add_fails_cleanly(void **state)
{
  put_results(*state, "out", "run");
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  FILE *a = hfs_output_add(&o, "a.csv", &d);
  assert_non_null(a);
  fputs("a\n", a);
  /* the staging folder disappears under the run */
  char *apath = join(o.staging, "a.csv");
  assert_int_equal(unlink(apath), 0);
  assert_int_equal(rmdir(o.staging), 0);
  assert_null(hfs_output_add(&o, "b.csv", &d));
  char *bpath = join(dir, "b.csv");
  expect_count(&d, 1);
  expect_error(&d, bpath, 0, "cannot create");
  /* commit now fails and reports it; the earlier folder is kept */
  assert_int_equal(hfs_output_commit(&o, &d), HFS_ERR_IO);
  assert_true(hfs_diag_count(&d) >= 2);
  hfs_output_free(&o);
  expect_listing(dir, "a.csv manifest.txt");
  expect_content(dir, "a.csv", "old\n");
  hfs_diag_free(&d);
  free(apath);
  free(bpath);
  free(dir);
}

/* ---- whose folder ----------------------------------------------------------
 */

/* A folder with files and no hfsim manifest (someone's own files, or
 * --out $HOME) is never replaced. */
static void foreign_folder_is_not_replaced(void **state)
{
  char *dir = join(*state, "mine");
  assert_int_equal(mkdir(dir, 0777), 0);
  put_file(dir, "thesis.docx", "years of work");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_ERR_IO);
  expect_count(&d, 1);
  expect_error(&d, dir, 0, "not the results of an hfsim command");
  hfs_output_free(&o);
  expect_listing(dir, "thesis.docx");
  expect_content(dir, "thesis.docx", "years of work");
  hfs_diag_free(&d);
  free(dir);
}

/* A folder written before manifests listed files (`hfsim verify` wrote
 * none; interrupted runs left .NAME.tmp-PID) holds only hfsim's file
 * names: it is replaced. One more file of any other name, and it is not. */
static void folder_of_an_older_hfsim_is_replaced(void **state)
{
  char *dir = join(*state, "verification");
  assert_int_equal(mkdir(dir, 0777), 0);
  put_file(dir, "verification.csv", "old");
  put_file(dir, "validation.csv", "old");
  put_file(dir, ".validation.csv.tmp-123", "half");
  put_file(dir, "notes.txt", "mine");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_ERR_IO);
  hfs_output_free(&o);
  char *notes = join(dir, "notes.txt");
  assert_int_equal(unlink(notes), 0);
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  assert_non_null(hfs_output_add(&o, "verification.csv", &d));
  assert_int_equal(hfs_output_commit(&o, &d), HFS_OK);
  hfs_output_free(&o);
  expect_listing(dir, "manifest.txt verification.csv");
  expect_count(&d, 1);
  hfs_diag_free(&d);
  free(notes);
  free(dir);
}

/* Results replace a folder whole: a file or folder its manifest does not
 * list (the user's notes, a folder of their data, files beside a
 * manifest.txt copied in) is never deleted. The command is refused,
 * naming the first such entry; the folder is left as it was. */
static void unlisted_files_are_not_replaced(void **state)
{
  static const char *const planted[] = {"notes.txt", "mydata/a.csv", ".hidden",
                                        "figures.csv"};
  for (size_t i = 0; i < sizeof planted / sizeof *planted; i++) {
    char name[16];
    snprintf(name, sizeof name, "out%zu", i);
    put_results(*state, name, "run");
    char *dir = join(*state, name);
    char *sub = strchr(planted[i], '/');
    char *folder = NULL;
    if (sub != NULL) {
      char first[32];
      snprintf(first, sizeof first, "%.*s", (int)(sub - planted[i]),
               planted[i]);
      folder = join(dir, first);
      assert_int_equal(mkdir(folder, 0777), 0);
      put_file(folder, sub + 1, "mine");
    } else {
      put_file(dir, planted[i], "mine");
    }
    hfs_diag d;
    hfs_diag_init(&d);
    hfs_output_set o;
    assert_int_equal(hfs_output_open(&o, dir, &d), HFS_ERR_IO);
    hfs_output_free(&o);
    expect_count(&d, 1);
    char *named = join(dir, folder ? "mydata" : planted[i]);
    expect_error(&d, named, 0, "not listed in");
    expect_error(&d, named, 0, folder ? "a folder" : "a file");
    expect_error(&d, named, 0, "move it out of the folder first");
    if (folder)
      expect_content(folder, sub + 1, "mine");
    else
      expect_content(dir, planted[i], "mine");
    expect_content(dir, "a.csv", "old\n");
    hfs_diag_free(&d);
    free(named);
    free(folder);
    free(dir);
  }
}

/* What is hfsim's is replaced: the listed files (in sub-folders too),
 * and figures/ whatever it holds (it is drawn anew: a figure a user drew
 * there with gnuplot). A manifest without a file list (hfsim before 0.3)
 * vouches for the names hfsim writes only. */
static void listed_files_and_figures_are_replaced(void **state)
{
  put_results(*state, "out", "run");
  char *dir = join(*state, "out");
  char *figs = join(dir, "figures");
  char *tables = join(dir, "tables");
  assert_int_equal(mkdir(figs, 0777), 0);
  assert_int_equal(mkdir(tables, 0777), 0);
  put_file(figs, "ce_plane.svg", "drawn by gnuplot");
  put_file(tables, "t.csv", "listed");
  put_file(dir, "manifest.txt",
           "hfsim_version: 0.0\nfolder_command: run\nfile: a.csv bytes=4 "
           "sha256=x\nfile: tables/t.csv bytes=6 sha256=x\n");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  hfs_output_configure("run", 0);
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  assert_non_null(hfs_output_add(&o, "b.csv", &d));
  assert_int_equal(hfs_output_commit(&o, &d), HFS_OK);
  hfs_output_free(&o);
  expect_listing(dir, "b.csv manifest.txt");
  /* before file lists: hfsim's names only (b.csv is none) */
  char *b = join(dir, "b.csv");
  assert_int_equal(unlink(b), 0);
  free(b);
  put_file(dir, "manifest.txt",
           "hfsim_version: 0.0\ncommand: hfsim run --out x\n");
  put_file(dir, "convergence.csv", "old");
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  hfs_output_free(&o);
  put_file(dir, "notes.txt", "mine");
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_ERR_IO);
  hfs_output_free(&o);
  hfs_output_configure(NULL, 0);
  expect_count(&d, 1);
  char *notes = join(dir, "notes.txt");
  expect_error(&d, notes, 0, "a file that hfsim does not write");
  expect_content(dir, "notes.txt", "mine");
  hfs_diag_free(&d);
  free(notes);
  free(tables);
  free(figs);
  free(dir);
}

/* One folder belongs to one command: psa into run's folder is refused. */
static void other_commands_folder_is_not_replaced(void **state)
{
  put_results(*state, "out", "run");
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  hfs_output_configure("psa", 0);
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_ERR_IO);
  expect_error(&d, dir, 0, "holds the results of 'hfsim run'");
  hfs_output_free(&o);
  /* the same command may replace it, and records itself */
  hfs_output_configure("run", 0);
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  assert_non_null(hfs_output_add(&o, "b.csv", &d));
  assert_int_equal(hfs_output_commit(&o, &d), HFS_OK);
  hfs_output_free(&o);
  hfs_output_configure(NULL, 0);
  char *m = join(dir, "manifest.txt");
  char *text = slurp(m);
  assert_non_null(text);
  assert_non_null(strstr(text, "folder_command: run\n"));
  expect_count(&d, 1);
  free(text);
  free(m);
  hfs_diag_free(&d);
  free(dir);
}

/* ---- lock, stale staging folders, planted links ----------------------------
 */

static void second_writer_waits_or_fails(void **state)
{
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set a, b;
  assert_int_equal(hfs_output_open(&a, dir, &d), HFS_OK);
  /* flock locks belong to the open file: a second open conflicts even in
   * the same process */
  hfs_output_configure(NULL, 1);
  assert_int_equal(hfs_output_open(&b, dir, &d), HFS_ERR_IO);
  expect_error(&d, dir, 0, "another hfsim command is writing this folder");
  hfs_output_free(&b);
  hfs_output_free(&a);
  assert_int_equal(hfs_output_open(&b, dir, &d), HFS_OK);
  hfs_output_free(&b);
  hfs_output_configure(NULL, 0);
  expect_count(&d, 1);
  hfs_diag_free(&d);
  free(dir);
}

/* A staging folder that a killed command left (its name says what it is)
 * is removed by the next command into the folder, without following a
 * link inside it. */
static void stale_staging_folders_are_removed(void **state)
{
  char *stale = join(*state, ".out.hfsim-staging-AbC123");
  char *tmp = join(*state, ".out.psa-checkpoint.tmp-XyZ789");
  char *other = join(*state, ".other.hfsim-staging-AbC123");
  char *outside = join(*state, "outside");
  assert_int_equal(mkdir(stale, 0700), 0);
  assert_int_equal(mkdir(other, 0700), 0);
  assert_int_equal(mkdir(outside, 0777), 0);
  put_file(outside, "precious", "keep me");
  put_file(stale, "a.csv", "half");
  put_file(*state, ".out.psa-checkpoint.tmp-XyZ789", "half");
  char *link = join(stale, "link");
  assert_int_equal(symlink(outside, link), 0);
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  hfs_output_free(&o);
  expect_count(&d, 0);
  /* another folder's staging folder is not this command's to remove */
  expect_listing(*state, ".other.hfsim-staging-AbC123 .out.hfsim-lock "
                         "outside");
  expect_content(outside, "precious", "keep me");
  hfs_diag_free(&d);
  free(stale);
  free(tmp);
  free(other);
  free(outside);
  free(link);
  free(dir);
}

/* A link planted where the lock file goes is not followed (the file it
 * points to is not created or truncated). */
static void planted_lock_link_is_not_followed(void **state)
{
  char *victim = join(*state, "victim");
  put_file(*state, "victim", "do not touch");
  char *lock = join(*state, ".out.hfsim-lock");
  assert_int_equal(symlink(victim, lock), 0);
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_ERR_IO);
  expect_error(&d, NULL, 0, "lock file");
  hfs_output_free(&o);
  expect_content(*state, "victim", "do not touch");
  expect_listing(*state, ".out.hfsim-lock victim");
  hfs_diag_free(&d);
  free(victim);
  free(lock);
  free(dir);
}

/* An output folder that is a link would be replaced by a folder (the link
 * target left alone), which is not what its owner meant: refused. */
static void link_as_output_folder_is_refused(void **state)
{
  put_results(*state, "real", "run");
  char *real = join(*state, "real");
  char *dir = join(*state, "out");
  assert_int_equal(symlink(real, dir), 0);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_ERR_IO);
  expect_error(&d, dir, 0, "symbolic link");
  hfs_output_free(&o);
  expect_listing(real, "a.csv manifest.txt");
  hfs_diag_free(&d);
  free(real);
  free(dir);
}

/* ---- extra files, the manifest, verify-folder ------------------------------
 */

static void files_by_path_and_subfolders_are_listed(void **state)
{
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  /* a figure written by another library, to a path, in a sub-folder */
  const char *png = hfs_output_add_path(&o, "figures/ceac.png", &d);
  assert_non_null(png);
  FILE *f = fopen(png, "wb");
  assert_non_null(f);
  fwrite("\x89PNG\r\n\x1a\n\0\0", 1, 10, f);
  fclose(f);
  /* a file a library wrote beside it without registering it (gnuplot's
   * extra output, say) is listed too */
  put_file(o.staging, "figures/extra.svg", "<svg/>");
  FILE *m = hfs_output_add(&o, "manifest.txt", &d);
  assert_non_null(m);
  /* names that could leave the folder or hide a file are refused */
  assert_null(hfs_output_add(&o, "../escape.csv", &d));
  assert_null(hfs_output_add(&o, ".hidden", &d));
  assert_null(hfs_output_add(&o, "a\nfile: x", &d));
  expect_count(&d, 3);
  /* a file registered by path but never written fails the commit */
  assert_int_equal(hfs_output_commit(&o, &d), HFS_OK);
  char *m_path = join(dir, "manifest.txt");
  char *text = slurp(m_path);
  assert_non_null(text);
  assert_non_null(strstr(text, "file: figures/ceac.png bytes=10 sha256="));
  assert_non_null(strstr(text, "file: figures/extra.svg bytes=6 sha256="));
  free(text);
  hfs_output_free(&o);
  expect_count(&d, 3);

  /* verify-folder: whole */
  hfs_diag v;
  hfs_diag_init(&v);
  assert_int_equal(hfs_output_verify_folder(dir, &v), 0);
  expect_count(&v, 0);
  /* changed, and an unlisted file */
  char *figs = join(dir, "figures");
  put_file(figs, "ceac.png", "changed!!!");
  assert_int_equal(hfs_output_verify_folder(dir, &v), 1);
  expect_error(&v, NULL, 0, "the file changed");
  put_file(dir, "patients.csv", "of another run");
  assert_int_equal(hfs_output_verify_folder(dir, &v), 2);
  expect_error(&v, NULL, 0, "not listed in manifest.txt");
  char *png_final = join(figs, "ceac.png");
  assert_int_equal(unlink(png_final), 0);
  assert_int_equal(hfs_output_verify_folder(dir, &v), 2);
  expect_error(&v, NULL, 0, "missing");
  /* the manifest cannot hash itself: a line not of its shape (junk
   * appended, a NUL byte) is a problem; both were accepted */
  char *mtext = slurp(m_path);
  assert_non_null(mtext);
  long mlines = 0;
  for (const char *c = mtext; *c; c++)
    mlines += *c == '\n';
  free(mtext);
  FILE *mf = fopen(m_path, "ab");
  assert_non_null(mf);
  fputs("aGVsbG8gd29ybGQ=\n", mf);
  fputc('\0', mf);
  fputc('\n', mf);
  fclose(mf);
  assert_int_equal(hfs_output_verify_folder(dir, &v), 4);
  expect_error(&v, m_path, mlines + 1, "damaged line");
  expect_error(&v, m_path, mlines + 2, "damaged line");
  hfs_diag_free(&v);
  hfs_diag_free(&d);
  free(png_final);
  free(figs);
  free(m_path);
  free(dir);
}

static void unwritten_path_file_fails_the_commit(void **state)
{
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  assert_non_null(hfs_output_add_path(&o, "book.xlsx", &d));
  assert_int_equal(hfs_output_commit(&o, &d), HFS_ERR_IO);
  char *book = join(dir, "book.xlsx");
  expect_error(&d, book, 0, "cannot write");
  hfs_output_free(&o);
  expect_listing(*state, ".out.hfsim-lock");
  hfs_diag_free(&d);
  free(book);
  free(dir);
}

static void manifest_values_stay_on_one_line(void **state)
{
  (void)state;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  hfs_manifest_write_value(f, "a\nfile: x\\y\r\t\x01z");
  fclose(f);
  assert_string_equal(buf, "a\\nfile: x\\\\y\\r\\t\\x01z");
  free(buf);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(csv_plain_text_as_is),
      cmocka_unit_test(csv_rfc4180_quoting),
      cmocka_unit_test(csv_formula_text_gets_apostrophe),
      cmocka_unit_test(csv_round_trip),
#define T(name) \
  cmocka_unit_test_setup_teardown(name, make_folder, remove_folder)
      T(open_creates_nested_folders),
      T(open_under_a_file_fails),
      T(open_unnamed_folder_fails),
      T(files_appear_only_at_commit),
      T(commit_replaces_the_whole_folder),
      T(abort_keeps_the_earlier_folder),
      T(failed_write_switches_nothing),
      T(add_fails_cleanly),
      T(foreign_folder_is_not_replaced),
      T(other_commands_folder_is_not_replaced),
      T(folder_of_an_older_hfsim_is_replaced),
      T(unlisted_files_are_not_replaced),
      T(listed_files_and_figures_are_replaced),
      T(second_writer_waits_or_fails),
      T(stale_staging_folders_are_removed),
      T(planted_lock_link_is_not_followed),
      T(link_as_output_folder_is_refused),
      T(files_by_path_and_subfolders_are_listed),
      T(unwritten_path_file_fails_the_commit),
      T(manifest_values_stay_on_one_line),
#undef T
  };
  return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
