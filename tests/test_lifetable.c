/*
 * test_lifetable.c - the life table reader (lifetable.h): gaps, duplicate
 * ages, bad sexes and probabilities are all reported with their lines; a
 * good table gives the hazards -ln(1 - qx).
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "hfsim/lifetable.h"

typedef struct loaded {
  char *path;
  hfs_life_table lt;
  hfs_diag d;
  hfs_status status;
} loaded;

static void load_text(loaded *l, const char *text)
{
  l->path = test_write_temp(text);
  hfs_life_table_init(&l->lt);
  hfs_diag_init(&l->d);
  l->status = hfs_life_table_read(&l->lt, l->path, &l->d);
}

static void unload(loaded *l)
{
  remove(l->path);
  free(l->path);
  hfs_life_table_free(&l->lt);
  hfs_diag_free(&l->d);
}

/* Ages 40..43 for both sexes: the good table (header on line 2). */
#define GOOD               \
  "# Source: test table\n" \
  "age,sex,qx\n"           \
  "40,female,0.001\n"      \
  "40,male,0.002\n"        \
  "41,female,0.01\n"       \
  "41,male,0.02\n"         \
  "42,female,0.1\n"        \
  "42,male,0.2\n"          \
  "43,female,0.5\n"        \
  "43,male,1\n"

static void good_table_gives_hazards(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, GOOD);
  if (l.status != HFS_OK)
    dump(&l.d);
  assert_int_equal(l.status, HFS_OK);
  expect_count(&l.d, 0);
  assert_int_equal(l.lt.age_min, 40);
  assert_int_equal(l.lt.age_max, 43);
  assert_string_equal(l.lt.path, l.path);
  assert_close(l.lt.hazard[HFS_SEX_FEMALE][0], -log1p(-0.001), 1e-15);
  assert_close(l.lt.hazard[HFS_SEX_MALE][0], -log1p(-0.002), 1e-15);
  assert_close(l.lt.hazard[HFS_SEX_FEMALE][2], -log1p(-0.1), 1e-15);
  assert_close(l.lt.hazard[HFS_SEX_MALE][2], -log1p(-0.2), 1e-15);
  /* qx = 1 is allowed: certain death within the year */
  assert_true(isinf(l.lt.hazard[HFS_SEX_MALE][3]));
  /* survival over one year of age is 1 - qx */
  assert_close(hfs_life_table_survival(&l.lt, HFS_SEX_FEMALE, 41.0, 1.0),
               1.0 - 0.01, 1e-12);
  assert_close(hfs_life_table_survival(&l.lt, HFS_SEX_MALE, 40.0, 2.0),
               (1.0 - 0.002) * (1.0 - 0.02), 1e-12);
  unload(&l);
}

/* Columns in another order, rows in any order, CRLF, blank lines. */
static void column_and_row_order_do_not_matter(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "qx,age,sex\r\n"
                "0.2,1,male\r\n"
                "\r\n"
                "0.1,0,female\r\n"
                "0.3,1,female\r\n"
                "0.4,0,male\r\n");
  if (l.status != HFS_OK)
    dump(&l.d);
  assert_int_equal(l.status, HFS_OK);
  assert_int_equal(l.lt.age_min, 0);
  assert_int_equal(l.lt.age_max, 1);
  assert_close(l.lt.hazard[HFS_SEX_FEMALE][1], -log1p(-0.3), 1e-15);
  assert_close(l.lt.hazard[HFS_SEX_MALE][0], -log1p(-0.4), 1e-15);
  unload(&l);
}

static void missing_file_is_an_io_error(void **state)
{
  (void)state;
  loaded l;
  l.path = malloc(64);
  assert_non_null(l.path);
  snprintf(l.path, 64, "/nonexistent/hfsim/life.csv");
  hfs_life_table_init(&l.lt);
  hfs_diag_init(&l.d);
  assert_int_equal(hfs_life_table_read(&l.lt, l.path, &l.d), HFS_ERR_IO);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, 0, "cannot open: No such file or directory");
  unload(&l);
}

static void gap_in_ages(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,sex,qx\n"
                "40,female,0.001\n"
                "40,male,0.002\n"
                "41,female,0.01\n"
                "42,female,0.1\n"
                "42,male,0.2\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, 0,
               "gap in the life table: no row for age 41, male (ages must run "
               "from 40 to 42 for both sexes)");
  unload(&l);

  /* a missing year for both sexes: two errors */
  load_text(&l, "age,sex,qx\n"
                "0,female,0.01\n"
                "0,male,0.01\n"
                "2,female,0.01\n"
                "2,male,0.01\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_count(&l.d, 2);
  expect_error(&l.d, l.path, 0, "no row for age 1, female");
  expect_error(&l.d, l.path, 0, "no row for age 1, male");
  unload(&l);
}

static void duplicate_age(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, GOOD "41,male,0.03\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, 11,
               "age 41 (male) appears twice (first at line 6)");
  unload(&l);
}

static void bad_sex(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,sex,qx\n"
                "0,female,0.01\n"
                "0,M,0.01\n"
                "0,male,0.01\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, 3, "sex must be 'female' or 'male', got 'M'");
  unload(&l);
}

static void qx_outside_zero_one(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,sex,qx\n"
                "0,female,1.2\n"
                "0,male,-0.1\n"
                "1,female,abc\n"
                "1,male,0.5\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_error(&l.d, l.path, 2,
               "qx is a probability and must be in [0, 1], got '1.2'");
  expect_error(&l.d, l.path, 3,
               "qx is a probability and must be in [0, 1], got '-0.1'");
  expect_error(&l.d, l.path, 4,
               "qx is a probability and must be in [0, 1], got 'abc'");
  unload(&l);
}

static void bad_age(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,sex,qx\n"
                "0,female,0.01\n"
                "0,male,0.01\n"
                "0.5,male,0.01\n"
                "-1,female,0.01\n"
                "131,female,0.01\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_count(&l.d, 3);
  expect_error(&l.d, l.path, 4,
               "age must be a whole number from 0 to 130, got '0.5'");
  expect_error(&l.d, l.path, 5, "got '-1'");
  expect_error(&l.d, l.path, 6, "got '131'");
  unload(&l);
}

static void malformed_csv_and_field_count(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,sex,qx\n"
                "0,female,0.01\n"
                "0,male,0.01,extra\n"
                "1,female\n"
                "1,male,0.01\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_error(&l.d, l.path, 3, "expected 3 fields as in the header, got 4");
  expect_error(&l.d, l.path, 4, "expected 3 fields as in the header, got 2");
  unload(&l);

  load_text(&l, "age,sex,qx\n"
                "0,female,0.01\n"
                "0,ma\"le,0.01\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_error(&l.d, l.path, 3, "malformed CSV");
  unload(&l);
}

static void bad_header(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,gender,qx\n"
                "0,female,0.01\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_error(&l.d, l.path, 1,
               "unknown column 'gender' (expected age,sex,qx)");
  expect_error(&l.d, l.path, 1, "header must have the columns age,sex,qx");
  unload(&l);

  load_text(&l, "# nothing but a comment\nage,sex,qx\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, 0, "no data rows");
  unload(&l);
}

/* Every row's problem and every gap, in one pass. */
static void every_error_is_reported_at_once(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,sex,qx\n"
                "50,female,0.01\n"
                "50,male,0.01\n"
                "51,female,1.5\n"
                "51,mael,0.01\n"
                "52,female,0.01\n"
                "52,male,0.01\n"
                "52,male,0.02\n"
                "54,female,0.01\n"
                "54,male,0.01\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_error(&l.d, l.path, 4, "qx is a probability");
  expect_error(&l.d, l.path, 5, "got 'mael'");
  expect_error(&l.d, l.path, 8,
               "age 52 (male) appears twice (first at line 7)");
  /* age 51's rows were reported for their own faults: not a gap too */
  expect_error(&l.d, l.path, 0, "no row for age 53, female");
  expect_error(&l.d, l.path, 0, "no row for age 53, male");
  expect_count(&l.d, 5);
  unload(&l);
}

/* Time to death inverts the cumulative hazard; beyond the limit is +inf. */
static void time_to_death_inverts_the_hazard(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,sex,qx\n"
                "60,female,0.1\n"
                "60,male,0.1\n"
                "61,female,0.2\n"
                "61,male,0.2\n");
  assert_int_equal(l.status, HFS_OK);
  double h0 = -log1p(-0.1), h1 = -log1p(-0.2);
  /* u = 0.95: -ln u < h0, so death within the first year */
  double u = 0.95;
  assert_close(
      hfs_life_table_time_to_death(&l.lt, HFS_SEX_FEMALE, 60.0, u, 120.0),
      -log(u) / h0, 1e-12);
  /* u = 0.5: spends h0 in the first year, the rest at h1 */
  u = 0.5;
  assert_close(
      hfs_life_table_time_to_death(&l.lt, HFS_SEX_MALE, 60.0, u, 120.0),
      1.0 + (-log(u) - h0) / h1, 1e-12);
  /* a limit before death gives +inf */
  assert_true(isinf(
      hfs_life_table_time_to_death(&l.lt, HFS_SEX_MALE, 60.0, 1e-9, 60.5)));
  unload(&l);
}

/* qx = 1 before the last age: refused, naming the row (it once made
 * everyone past that age immortal: life years 30.35 became 37.67). */
static void certain_death_before_the_last_age_is_refused(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,sex,qx\n"
                "60,female,0.1\n"
                "60,male,1\n"
                "61,female,0.2\n"
                "61,male,0.2\n");
  assert_int_equal(l.status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, 3, "qx = 1 at age 60 (male) before the last age");
  unload(&l);
}

/* qx = 1 at the last age: everyone who reaches it dies at exactly that
 * age; someone already past it dies at once; nobody is immortal. */
static void certain_death_at_the_last_age(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "age,sex,qx\n"
                "60,female,0.1\n"
                "60,male,0.1\n"
                "61,female,1\n"
                "61,male,1\n");
  assert_int_equal(l.status, HFS_OK);
  double h0 = -log1p(-0.1);
  /* u near 1: death within the first year, as usual */
  assert_close(
      hfs_life_table_time_to_death(&l.lt, HFS_SEX_FEMALE, 60.0, 0.99, 120.0),
      -log(0.99) / h0, 1e-12);
  /* u small: alive at 61, so death at exactly 61 */
  for (double u = 1e-12; u < 0.9; u *= 10) {
    double t =
        hfs_life_table_time_to_death(&l.lt, HFS_SEX_MALE, 60.0, u, 120.0);
    if (-log(u) >= h0)
      assert_close(t, 1.0, 1e-12);
    assert_true(t <= 1.0);
  }
  /* past the last age: death now, never +inf */
  assert_close(
      hfs_life_table_time_to_death(&l.lt, HFS_SEX_MALE, 61.5, 0.5, 120.0), 0.0,
      0.0);
  assert_close(
      hfs_life_table_time_to_death(&l.lt, HFS_SEX_MALE, 70.0, 0.5, 120.0), 0.0,
      0.0);
  assert_close(hfs_life_table_survival(&l.lt, HFS_SEX_MALE, 60.0, 2.0), 0.0,
               0.0);
  unload(&l);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(good_table_gives_hazards),
      cmocka_unit_test(column_and_row_order_do_not_matter),
      cmocka_unit_test(missing_file_is_an_io_error),
      cmocka_unit_test(gap_in_ages),
      cmocka_unit_test(duplicate_age),
      cmocka_unit_test(bad_sex),
      cmocka_unit_test(qx_outside_zero_one),
      cmocka_unit_test(bad_age),
      cmocka_unit_test(malformed_csv_and_field_count),
      cmocka_unit_test(bad_header),
      cmocka_unit_test(every_error_is_reported_at_once),
      cmocka_unit_test(time_to_death_inverts_the_hazard),
      cmocka_unit_test(certain_death_before_the_last_age_is_refused),
      cmocka_unit_test(certain_death_at_the_last_age),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
