/*
 * test_output.c - output folders whose files appear whole or not at all,
 * and CSV text that no spreadsheet reads as a formula (output.h).
 *
 * hfs_csv_write_text: RFC 4180 quoting (comma, quote, line break), a
 * leading apostrophe for text starting with = + - @ tab or CR, and a round
 * trip through the project's CSV reader.
 * hfs_output_open/add/commit/abort: files are written under .NAME.tmp-PID,
 * appear under their names only at commit, replace earlier files then and
 * not before; abort removes the temporaries and keeps earlier files; a
 * write that fails (a stream on /dev/full) makes commit fail with
 * HFS_ERR_IO, naming the file, without renaming anything.
 *
 * `test_output --pending` runs the tests of the bugs found by the
 * robustness work (tests/ROBUSTNESS.md, "Found"); they are fixed, and the
 * ctest test test_output_pending runs them in every build.
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

/* ".NAME.tmp-PID" */
static char *temp_name(const char *name)
{
  char *s = malloc(strlen(name) + 40);
  assert_non_null(s);
  sprintf(s, ".%s.tmp-%ld", name, (long)getpid());
  return s;
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
  char *dir = join(*state, "a/b/c");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  expect_count(&d, 0);
  struct stat sb;
  assert_int_equal(stat(dir, &sb), 0);
  assert_true(S_ISDIR(sb.st_mode));
  /* nothing is written by opening */
  expect_listing(dir, "");
  hfs_output_free(&o);
  /* an existing folder is fine */
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  hfs_output_free(&o);
  hfs_diag_free(&d);
  free(dir);
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
  expect_listing(*state, "file");
  hfs_diag_free(&d);
  free(under);
  free(file);
}

/* ---- add, commit, abort ---------------------------------------------------
 */

static void files_appear_only_at_commit(void **state)
{
  const char *dir = *state;
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
  /* before the commit: only the temporaries, .NAME.tmp-PID */
  char *ta = temp_name("a.csv"), *tm = temp_name("manifest.txt");
  char want[256];
  snprintf(want, sizeof want, "%s %s", ta, tm);
  expect_listing(dir, want);
  assert_int_equal(hfs_output_commit(&o, &d), HFS_OK);
  expect_count(&d, 0);
  expect_listing(dir, "a.csv manifest.txt");
  expect_content(dir, "a.csv", "x,y\n1,2\n");
  expect_content(dir, "manifest.txt", "version: test\n");
  /* abort after a commit does not touch the committed files */
  hfs_output_abort(&o);
  expect_listing(dir, "a.csv manifest.txt");
  hfs_output_free(&o);
  hfs_diag_free(&d);
  free(ta);
  free(tm);
}

static void commit_replaces_earlier_results(void **state)
{
  const char *dir = *state;
  put_file(dir, "a.csv", "old\n");
  put_file(dir, "other.csv", "kept\n");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  FILE *a = hfs_output_add(&o, "a.csv", &d);
  assert_non_null(a);
  fputs("new\n", a);
  /* the earlier file stays until the commit */
  expect_content(dir, "a.csv", "old\n");
  assert_int_equal(hfs_output_commit(&o, &d), HFS_OK);
  expect_content(dir, "a.csv", "new\n");
  expect_content(dir, "other.csv", "kept\n");
  expect_listing(dir, "a.csv other.csv");
  hfs_output_free(&o);
  hfs_diag_free(&d);
}

static void abort_removes_temporaries_keeps_earlier(void **state)
{
  const char *dir = *state;
  put_file(dir, "a.csv", "old\n");
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
  expect_listing(dir, "a.csv");
  expect_content(dir, "a.csv", "old\n");
  /* a second abort, and free, are harmless */
  hfs_output_abort(&o);
  hfs_output_free(&o);
  expect_listing(dir, "a.csv");
  expect_count(&d, 0);
  hfs_diag_free(&d);
}

static void failed_write_renames_nothing(void **state)
{
  const char *dir = *state;
  if (access("/dev/full", W_OK) != 0)
    skip();
  put_file(dir, "a.csv", "old\n");
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
  /* nothing renamed, temporaries removed, the earlier a.csv kept */
  expect_listing(dir, "a.csv");
  expect_content(dir, "a.csv", "old\n");
  hfs_output_abort(&o);
  hfs_output_free(&o);
  expect_listing(dir, "a.csv");
  hfs_diag_free(&d);
  free(bpath);
}

static void add_fails_cleanly(void **state)
{
  char *dir = join(*state, "out");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  FILE *a = hfs_output_add(&o, "a.csv", &d);
  assert_non_null(a);
  fputs("a\n", a);
  /* the folder disappears under the run */
  char *ta = temp_name("a.csv");
  char *tpath = join(dir, ta);
  assert_int_equal(unlink(tpath), 0);
  assert_int_equal(rmdir(dir), 0);
  assert_null(hfs_output_add(&o, "b.csv", &d));
  char *bpath = join(dir, "b.csv");
  expect_count(&d, 1);
  expect_error(&d, bpath, 0, "cannot create");
  assert_int_equal(o.n_files, 1);
  /* commit now fails (a.csv cannot be renamed) and reports it */
  assert_int_equal(hfs_output_commit(&o, &d), HFS_ERR_IO);
  assert_true(hfs_diag_count(&d) >= 2);
  hfs_output_abort(&o);
  hfs_output_free(&o);
  expect_listing(*state, "");
  hfs_diag_free(&d);
  free(bpath);
  free(ta);
  free(tpath);
  free(dir);
}

/* ---- pending: bugs found, not fixed yet -----------------------------------
 */

/* An empty folder name: make_dirs() read past the end of its copy of ""
 * (heap-buffer-overflow under AddressSanitizer; `hfsim verify --out ''`
 * reaches it). */
static void pending_open_empty_path(void **state)
{
  (void)state;
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, "", &d), HFS_ERR_IO);
  expect_count(&d, 1);
  hfs_output_free(&o);
  hfs_diag_free(&d);
}

/* A rename that fails half-way (here: a folder where b.csv goes) must not
 * have replaced the earlier a.csv already. */
static void pending_failed_rename_keeps_earlier(void **state)
{
  const char *dir = *state;
  put_file(dir, "a.csv", "old\n");
  char *bdir = join(dir, "b.csv");
  assert_int_equal(mkdir(bdir, 0777), 0);
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_output_set o;
  assert_int_equal(hfs_output_open(&o, dir, &d), HFS_OK);
  FILE *a = hfs_output_add(&o, "a.csv", &d);
  FILE *b = hfs_output_add(&o, "b.csv", &d);
  assert_non_null(a);
  assert_non_null(b);
  fputs("new\n", a);
  fputs("b\n", b);
  assert_int_equal(hfs_output_commit(&o, &d), HFS_ERR_IO);
  expect_error(&d, bdir, 0, "");
  expect_listing(dir, "a.csv b.csv");
  expect_content(dir, "a.csv", "old\n");
  hfs_output_free(&o);
  hfs_diag_free(&d);
  free(bdir);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(csv_plain_text_as_is),
      cmocka_unit_test(csv_rfc4180_quoting),
      cmocka_unit_test(csv_formula_text_gets_apostrophe),
      cmocka_unit_test(csv_round_trip),
      cmocka_unit_test_setup_teardown(open_creates_nested_folders, make_folder,
                                      remove_folder),
      cmocka_unit_test_setup_teardown(open_under_a_file_fails, make_folder,
                                      remove_folder),
      cmocka_unit_test_setup_teardown(files_appear_only_at_commit, make_folder,
                                      remove_folder),
      cmocka_unit_test_setup_teardown(commit_replaces_earlier_results,
                                      make_folder, remove_folder),
      cmocka_unit_test_setup_teardown(abort_removes_temporaries_keeps_earlier,
                                      make_folder, remove_folder),
      cmocka_unit_test_setup_teardown(failed_write_renames_nothing, make_folder,
                                      remove_folder),
      cmocka_unit_test_setup_teardown(add_fails_cleanly, make_folder,
                                      remove_folder),
  };
  const struct CMUnitTest pending[] = {
      cmocka_unit_test_setup_teardown(pending_open_empty_path, make_folder,
                                      remove_folder),
      cmocka_unit_test_setup_teardown(pending_failed_rename_keeps_earlier,
                                      make_folder, remove_folder),
  };
  if (argc > 1 && strcmp(argv[1], "--pending") == 0)
    return cmocka_run_group_tests_name("output (pending)", pending, NULL, NULL);
  return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
