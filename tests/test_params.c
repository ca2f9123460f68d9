/*
 * test_params.c - the parameter table reader and checker (params.h).
 *
 * Every kind of bad row must be reported with its line and a message that
 * says what was expected; all problems of a table are reported at once; a
 * good table parses to the numbers written in it.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <errno.h>

#include "hfsim/params.h"

#define HEADER                                                          \
  "name,value,low,high,distribution,dist_a,dist_b,group,unit,evidence," \
  "description,source\n"

/* A small model: what hfs_param_table_check() checks the table against. */
typedef struct mini_params {
  double p_a, p_b, cost_x, dur_y, share_1, share_2, share_3;
} mini_params;

static const hfs_param_spec specs[] = {
    {"p_a", HFS_KIND_PROBABILITY, "probability", offsetof(mini_params, p_a)},
    {"p_b", HFS_KIND_PROBABILITY, "probability", offsetof(mini_params, p_b)},
    {"cost_x", HFS_KIND_COST, "currency", offsetof(mini_params, cost_x)},
    {"dur_y", HFS_KIND_DURATION, "years", offsetof(mini_params, dur_y)},
    {"share_1", HFS_KIND_PROBABILITY, "probability",
     offsetof(mini_params, share_1)},
    {"share_2", HFS_KIND_PROBABILITY, "probability",
     offsetof(mini_params, share_2)},
    {"share_3", HFS_KIND_PROBABILITY, "probability",
     offsetof(mini_params, share_3)},
};
#define N_SPECS (sizeof specs / sizeof *specs)

/* The good table, one row per spec: row i is on line i + 2 (header on 1). */
static const char *const good_rows[] = {
    ("p_a,0.2,0.1,0.3,beta,20,80,,probability,F,\"A probability, with a "
     "comma\",Smith 2020\n"),
    "p_b,0.5,,,beta_mean_sd,0.5,0.1,,probability,E,,\n",
    "cost_x,1000,800,1200,gamma_mean_sd,1000,200,,USD,D,,\n",
    "dur_y,2.5,,,fixed,,,,years,F,,\n",
    "share_1,0.5,,,dirichlet,50,,smc,probability,F,,\n",
    "share_2,0.3,,,dirichlet,30,,smc,probability,F,,\n",
    "share_3,0.2,,,dirichlet,20,,smc,probability,F,,\n",
};
#define N_ROWS (sizeof good_rows / sizeof *good_rows)
enum {
  LINE_P_A = 2,
  LINE_P_B,
  LINE_COST_X,
  LINE_DUR_Y,
  LINE_SHARE_1,
  LINE_SHARE_2,
  LINE_SHARE_3
};

/* The good table with the row of parameter NAME replaced by ROW (NULL:
 * unchanged); ROW may hold several lines or be "" to drop the row. */
static char *table_text(const char *name, const char *row)
{
  size_t cap = 8192;
  char *text = malloc(cap);
  assert_non_null(text);
  snprintf(text, cap, "%s", HEADER);
  size_t nl = strlen(name ? name : "");
  for (size_t i = 0; i < N_ROWS; i++) {
    const char *r = good_rows[i];
    if (name != NULL && strncmp(r, name, nl) == 0 && r[nl] == ',')
      r = row;
    strncat(text, r, cap - strlen(text) - 1);
  }
  return text;
}

typedef struct loaded {
  char *path;
  hfs_param_table t;
  hfs_diag d;
  hfs_status read_status;
} loaded;

static void load_text(loaded *l, const char *text)
{
  l->path = test_write_temp(text);
  hfs_param_table_init(&l->t);
  hfs_diag_init(&l->d);
  l->read_status = hfs_param_table_read(&l->t, l->path, &l->d);
}

/* Read the good table with NAME's row replaced; it must read cleanly. */
static hfs_status load_and_check(loaded *l, const char *name, const char *row)
{
  char *text = table_text(name, row);
  load_text(l, text);
  free(text);
  if (l->read_status != HFS_OK) {
    dump(&l->d);
    fail_msg("the table should read without errors");
  }
  return hfs_param_table_check(&l->t, specs, N_SPECS, "USD", &l->d);
}

static void unload(loaded *l)
{
  remove(l->path);
  free(l->path);
  hfs_param_table_free(&l->t);
  hfs_diag_free(&l->d);
}

/* ---- good input --------------------------------------------------------- */

static void good_table_reads_and_checks(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(load_and_check(&l, NULL, NULL), HFS_OK);
  assert_int_equal(l.read_status, HFS_OK);
  expect_count(&l.d, 0);
  assert_int_equal(l.t.count, N_ROWS);
  assert_string_equal(l.t.path, l.path);

  const hfs_param *p = hfs_param_find(&l.t, "p_a");
  assert_non_null(p);
  assert_int_equal(p->line, LINE_P_A);
  assert_close(p->value, 0.2, 0);
  assert_close(p->low, 0.1, 0);
  assert_close(p->high, 0.3, 0);
  assert_int_equal(p->dist, HFS_DIST_BETA);
  assert_close(p->dist_a, 20, 0);
  assert_close(p->dist_b, 80, 0);
  assert_string_equal(p->unit, "probability");
  assert_string_equal(p->evidence, "F");
  assert_string_equal(p->description, "A probability, with a comma");
  assert_string_equal(p->source, "Smith 2020");
  assert_string_equal(p->group, "");

  p = hfs_param_find(&l.t, "dur_y");
  assert_non_null(p);
  assert_int_equal(p->dist, HFS_DIST_FIXED);
  assert_true(isnan(p->low) && isnan(p->high));
  assert_true(isnan(p->dist_a) && isnan(p->dist_b));

  p = hfs_param_find(&l.t, "share_2");
  assert_non_null(p);
  assert_int_equal(p->line, LINE_SHARE_2);
  assert_int_equal(p->dist, HFS_DIST_DIRICHLET);
  assert_string_equal(p->group, "smc");
  assert_true(isnan(p->dist_b));
  assert_null(hfs_param_find(&l.t, "nothing"));

  mini_params v;
  memset(&v, 0, sizeof v);
  hfs_param_table_bind(&l.t, specs, N_SPECS, &v);
  assert_close(v.p_a, 0.2, 0);
  assert_close(v.p_b, 0.5, 0);
  assert_close(v.cost_x, 1000, 0);
  assert_close(v.dur_y, 2.5, 0);
  assert_close(v.share_1 + v.share_2 + v.share_3, 1.0, 1e-15);
  unload(&l);
}

/* Comment and blank lines count for line numbers but are not rows; a UTF-8
 * byte-order mark and CRLF line ends (spreadsheets) are accepted. */
static void comments_blank_lines_bom_and_crlf(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "\xEF\xBB\xBF# Source: test\r\n"
                "name,value,low,high,distribution,dist_a,dist_b,group,unit,"
                "evidence,description,source\r\n"
                "\r\n"
                "# a comment, with \"quotes\"\r\n"
                "dur_y,2.5,,,fixed,,,,years,F,\"two\r\nlines\",x\r\n"
                "p_a,0.25,,,,,,,probability,E,,\r\n");
  if (l.read_status != HFS_OK)
    dump(&l.d);
  assert_int_equal(l.read_status, HFS_OK);
  assert_int_equal(l.t.count, 2);
  assert_int_equal(hfs_param_find(&l.t, "dur_y")->line, 5);
  assert_int_equal(hfs_param_find(&l.t, "p_a")->line, 7);
  assert_close(hfs_param_find(&l.t, "p_a")->value, 0.25, 0);
  /* an empty distribution means fixed */
  assert_int_equal(hfs_param_find(&l.t, "p_a")->dist, HFS_DIST_FIXED);
  unload(&l);
}

static void copy_is_deep(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(load_and_check(&l, NULL, NULL), HFS_OK);
  hfs_param_table c;
  assert_int_equal(hfs_param_table_copy(&c, &l.t), HFS_OK);
  assert_int_equal(c.count, l.t.count);
  hfs_param_find(&c, "p_a")->value = 0.9;
  assert_close(hfs_param_find(&l.t, "p_a")->value, 0.2, 0);
  assert_string_equal(hfs_param_find(&c, "share_1")->group, "smc");
  assert_true(hfs_param_find(&c, "share_1")->group !=
              hfs_param_find(&l.t, "share_1")->group);
  hfs_param_table_free(&c);
  unload(&l);
}

static void number_and_name_helpers(void **state)
{
  (void)state;
  double v = 0;
  assert_int_equal(hfs_parse_double(" 1.5e3 ", &v), 0);
  assert_close(v, 1500, 0);
  assert_int_not_equal(hfs_parse_double("", &v), 0);
  assert_int_not_equal(hfs_parse_double("1,5", &v), 0);
  assert_int_not_equal(hfs_parse_double("0.3x", &v), 0);
  assert_int_not_equal(hfs_parse_double("inf", &v), 0);
  assert_int_not_equal(hfs_parse_double("nan", &v), 0);
  assert_int_not_equal(hfs_parse_double("1e999", &v), 0);
  assert_true(hfs_is_identifier("cost_mvd"));
  assert_true(hfs_is_identifier("_x1"));
  assert_false(hfs_is_identifier("1x"));
  assert_false(hfs_is_identifier("a-b"));
  assert_false(hfs_is_identifier(""));
  hfs_dist dd;
  assert_int_equal(hfs_dist_parse("gamma_mean_sd", &dd), 0);
  assert_int_equal(dd, HFS_DIST_GAMMA_MEAN_SD);
  assert_string_equal(hfs_dist_name(HFS_DIST_TRUNCNORMAL), "truncnormal");
  assert_int_not_equal(hfs_dist_parse("Beta", &dd), 0);
}

/* ---- syntax errors (hfs_param_table_read) -------------------------------- */

static void missing_file_is_an_io_error(void **state)
{
  (void)state;
  hfs_param_table t;
  hfs_diag d;
  hfs_param_table_init(&t);
  hfs_diag_init(&d);
  assert_int_equal(
      hfs_param_table_read(&t, "/nonexistent/hfsim/parameters.csv", &d),
      HFS_ERR_IO);
  expect_count(&d, 1);
  expect_error(&d, "/nonexistent/hfsim/parameters.csv", 0,
               "No such file or directory");
  hfs_param_table_free(&t);
  hfs_diag_free(&d);
}

static void stray_quote_is_malformed_csv(void **state)
{
  (void)state;
  loaded l;
  char *text =
      table_text("p_b", "p_b,0.5,,,fixed,,,,probability,E,a \"quoted\" "
                        "word,\n");
  load_text(&l, text);
  free(text);
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_P_B, "malformed CSV");
  unload(&l);

  load_text(&l, HEADER "p_a,0.2,,,fixed,,,,probability,F,\"never closed,x\n"
                       "p_b,0.5,,,fixed,,,,probability,F,,\n");
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, 2, "malformed CSV: unterminated quoted field");
  unload(&l);
}

static void wrong_field_count(void **state)
{
  (void)state;
  loaded l;
  char *text = table_text("dur_y", "dur_y,2.5,,,fixed,,,,years,F,a, b,c\n");
  load_text(&l, text);
  free(text);
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_DUR_Y,
               "expected 12 fields as in the header, got 13 (a comma inside "
               "a text field needs double quotes)");
  unload(&l);
}

static void bad_header(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, "name,valeu,low,high,distribution,dist_a,dist_b,group,unit,"
                "evidence,description\n"
                "p_a,0.2,,,fixed,,,,probability,F,\n");
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_error(&l.d, l.path, 1,
               "unknown column 'valeu' (did you mean 'value'?)");
  expect_error(&l.d, l.path, 1, "missing column 'value'");
  expect_error(&l.d, l.path, 1, "missing column 'source'");
  unload(&l);

  load_text(&l, "# only a comment\n");
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_error(&l.d, l.path, 0, "empty file: expected a header row");
  unload(&l);

  /* another separator (a German or French spreadsheet's ';', or tabs):
   * one error that says so, not one per missing column */
  load_text(&l, "# a comment\n"
                "name;value;low;high;distribution;dist_a;dist_b;group;unit;"
                "evidence;description;source\n"
                "p_a;0,2;;;fixed;;;;probability;F;;\n");
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, 2,
               "the columns are separated by ';'; hfsim reads "
               "comma-separated files (in a spreadsheet, save as \"CSV "
               "(comma delimited)\")");
  unload(&l);
  load_text(&l, "name\tvalue\tlow\thigh\tdistribution\tdist_a\tdist_b\t"
                "group\tunit\tevidence\tdescription\tsource\n");
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, 1,
               "the columns are separated by tabs; hfsim reads "
               "comma-separated files (in a spreadsheet, save as \"CSV "
               "(comma delimited)\")");
  unload(&l);
}

static void duplicate_name(void **state)
{
  (void)state;
  loaded l;
  char *text = table_text("share_3", "share_3,0.2,,,dirichlet,20,,smc,"
                                     "probability,F,,\n"
                                     "p_b,0.4,,,fixed,,,,probability,E,,\n");
  load_text(&l, text);
  free(text);
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_SHARE_3 + 1,
               "parameter 'p_b' is defined twice (first at line 3)");
  unload(&l);
}

static void unknown_distribution_suggests(void **state)
{
  (void)state;
  loaded l;
  char *text = table_text("p_a", "p_a,0.2,,,betta,20,80,,probability,F,,\n");
  load_text(&l, text);
  free(text);
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_P_A,
               "p_a: unknown distribution 'betta' (did you mean 'beta'?)");
  unload(&l);
}

static void non_numbers_bad_names_and_evidence(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, HEADER "p_a,0.2x,,,fixed,,,,probability,F,,\n"
                       "p_b,0.5,0.1,high,fixed,,,,probability,F,,\n"
                       "2cost,1,,,fixed,,,,USD,F,,\n"
                       "dur_y,1,,,fixed,,,,years,X,,\n"
                       "cost_x,1,,,,,,,USD,D,,\n");
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_count(&l.d, 4);
  expect_error(&l.d, l.path, 2, "p_a: value must be a number, got '0.2x'");
  expect_error(&l.d, l.path, 3,
               "p_b: column 'high' must be a number, got 'high'");
  expect_error(&l.d, l.path, 4, "parameter name '2cost' must be an identifier");
  expect_error(&l.d, l.path, 5,
               "dur_y: evidence must be F (found), D (derived) or E "
               "(estimate), got 'X'");
  /* the good row after the bad ones was still read */
  assert_non_null(hfs_param_find(&l.t, "cost_x"));
  unload(&l);
}

/* One pass reports the problems of every row, not just the first. */
static void every_syntax_error_is_reported_at_once(void **state)
{
  (void)state;
  loaded l;
  load_text(&l, HEADER "p_a,0.2,,,betta,20,80,,probability,F,,\n"
                       "p_b,0.5,,,fixed,,,,probability,E\n"
                       "p_a,0.3,,,fixed,,,,probability,E,,\n"
                       "dur_y,abc,,,fixed,,,,years,F,,\n"
                       "cost_x,1,,,gama,1,1,,USD,Q,,\n");
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_count(&l.d, 5);
  expect_error(&l.d, l.path, 2, "unknown distribution 'betta'");
  expect_error(&l.d, l.path, 3, "expected 12 fields as in the header, got 10");
  /* row 2's p_a was bad so not stored: the duplicate is not detected, but
   * every other row is still checked */
  expect_error(&l.d, l.path, 5, "dur_y: value must be a number, got 'abc'");
  expect_error(&l.d, l.path, 6,
               "cost_x: unknown distribution 'gama' (did you mean 'gamma'?)");
  expect_error(&l.d, l.path, 6, "cost_x: evidence must be F");
  unload(&l);
}

/* ---- model checks (hfs_param_table_check) ------------------------------- */

static void beta_with_alpha_not_positive(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(
      load_and_check(&l, "p_a", "p_a,0.2,,,beta,0,80,,probability,F,,\n"),
      HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_P_A,
               "p_a: beta needs alpha > 0 and beta > 0 (got 0 and 80)");
  unload(&l);
}

static void beta_mean_sd_with_impossible_sd(void **state)
{
  (void)state;
  loaded l;
  /* mean 0.5: sd must be below sqrt(0.25) = 0.5 */
  assert_int_equal(load_and_check(&l, "p_b",
                                  "p_b,0.5,,,beta_mean_sd,0.5,0.6,,"
                                  "probability,E,,\n"),
                   HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(
      &l.d, l.path, LINE_P_B,
      "p_b: beta_mean_sd needs sd below sqrt(mean*(1-mean)) = 0.5, got sd 0.6");
  unload(&l);

  assert_int_equal(load_and_check(&l, "p_b",
                                  "p_b,0.5,,,beta_mean_sd,1.2,0.1,,"
                                  "probability,E,,\n"),
                   HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_P_B,
               "p_b: beta_mean_sd needs 0 < mean < 1 (got 1.2)");
  unload(&l);
}

static void gamma_on_a_probability(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(
      load_and_check(&l, "p_a", "p_a,0.2,,,gamma,2,0.1,,probability,F,,\n"),
      HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_P_A,
               "p_a: gamma can draw values above 1 for a parameter that is a "
               "probability and must be in [0, 1]; use beta");
  unload(&l);
}

static void distribution_parameters_missing_or_extra(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(
      load_and_check(&l, "p_a", "p_a,0.2,,,beta,20,,,probability,F,,\n"),
      HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_P_A, "p_a: distribution beta needs dist_b");
  unload(&l);
  assert_int_equal(
      load_and_check(&l, "dur_y", "dur_y,2.5,,,fixed,1,,,years,F,,\n"),
      HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_DUR_Y,
               "dur_y: distribution fixed takes no dist_a");
  unload(&l);
  assert_int_equal(
      load_and_check(&l, "cost_x", "cost_x,1000,,,normal,1000,100,,USD,D,,\n"),
      HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_COST_X,
               "cost_x: a normal distribution can leave the admissible range "
               "of this parameter; use truncnormal, beta or gamma");
  unload(&l);
  assert_int_equal(
      load_and_check(&l, "dur_y", "dur_y,2.5,1,4,uniform,-1,4,,years,F,,\n"),
      HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_DUR_Y,
               "dur_y: the uniform bounds [-1, 4] leave the admissible range: "
               "it is a duration and must be >= 0");
  unload(&l);
}

static void dirichlet_group_not_summing_to_one(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(load_and_check(&l, "share_3",
                                  "share_3,0.1,,,dirichlet,20,,smc,"
                                  "probability,F,,\n"),
                   HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_SHARE_1,
               "values of Dirichlet group 'smc' must sum to 1, got 0.9");
  unload(&l);
}

static void dirichlet_single_member_group(void **state)
{
  (void)state;
  loaded l;
  /* share_1 and share_2 stay in 'smc' (0.5 + 0.3) and share_3 alone in 'lonely'
   * with value 1: one error for the single member, one for the sum. */
  assert_int_equal(load_and_check(&l, "share_3",
                                  "share_3,1,,,dirichlet,20,,lonely,"
                                  "probability,F,,\n"),
                   HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_SHARE_3,
               "group 'lonely' has a single member; a Dirichlet group needs "
               "at least two");
  expect_error(&l.d, l.path, LINE_SHARE_1,
               "values of Dirichlet group 'smc' must sum to 1, got 0.8");
  expect_count(&l.d, 2);
  unload(&l);
}

static void dirichlet_member_with_another_distribution(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(load_and_check(&l, "share_2",
                                  "share_2,0.3,,,beta,3,7,smc,probability,F,,"
                                  "\n"),
                   HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_SHARE_2,
               "share_2: member of group 'smc' must have distribution "
               "dirichlet, got beta");
  unload(&l);
  assert_int_equal(load_and_check(&l, "share_2",
                                  "share_2,0.3,,,dirichlet,30,,,probability,"
                                  "F,,\n"),
                   HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_SHARE_2,
               "share_2: dirichlet needs a group name in column 'group'");
  unload(&l);
}

static void unit_mismatch(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(
      load_and_check(&l, "dur_y", "dur_y,2.5,,,fixed,,,,weeks,F,,\n"),
      HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_DUR_Y,
               "dur_y: unit must be 'years' (the model reads it so), got "
               "'weeks'");
  unload(&l);
  /* a cost's unit is the scenario's currency */
  assert_int_equal(load_and_check(&l, "cost_x",
                                  "cost_x,1000,800,1200,gamma_mean_sd,1000,"
                                  "200,,EUR,D,,\n"),
                   HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_COST_X,
               "cost_x: unit must be 'USD' (the scenario's currency), got "
               "'EUR'");
  unload(&l);
}

/* The base value must lie in its one-way range: checked on the file (a
 * value set later with --set may leave it). */
static void low_above_value(void **state)
{
  (void)state;
  loaded l;
  char *text = table_text("p_a", "p_a,0.2,0.25,0.3,beta,20,80,,probability,"
                                 "F,,\n");
  load_text(&l, text);
  free(text);
  assert_int_equal(l.read_status, HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_P_A,
               "p_a: need low <= value <= high, got 0.25 <= 0.2 <= 0.3");
  unload(&l);
  assert_int_equal(load_and_check(&l, "p_a",
                                  "p_a,0.2,0.1,,beta,20,80,,probability,F,,"
                                  "\n"),
                   HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_P_A,
               "p_a: give both low and high, or neither");
  unload(&l);
}

static void probability_above_one(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(
      load_and_check(&l, "p_b", "p_b,1.5,,,fixed,,,,probability,E,,\n"),
      HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_P_B,
               "'p_b' is a probability and must be in [0, 1], got 1.5");
  unload(&l);
  /* a range outside [0, 1] is reported too */
  assert_int_equal(load_and_check(&l, "p_a",
                                  "p_a,0.2,0.1,1.2,beta,20,80,,probability,F,"
                                  ",\n"),
                   HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_P_A,
               "p_a: range [0.1, 1.2] leaves the admissible range: it is a "
               "probability and must be in [0, 1]");
  unload(&l);
}

static void negative_cost_and_duration(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(
      load_and_check(&l, "cost_x", "cost_x,-5,,,fixed,,,,USD,D,,\n"),
      HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_COST_X,
               "'cost_x' is a cost and must be >= 0, got -5");
  unload(&l);
  assert_int_equal(
      load_and_check(&l, "dur_y", "dur_y,-0.5,,,fixed,,,,years,F,,\n"),
      HFS_ERR_INPUT);
  expect_error(&l.d, l.path, LINE_DUR_Y,
               "'dur_y' is a duration and must be >= 0, got -0.5");
  unload(&l);
}

static void unknown_and_missing_parameters(void **state)
{
  (void)state;
  loaded l;
  assert_int_equal(
      load_and_check(&l, "dur_y", "dur_yy,2.5,,,fixed,,,,years,F,,\n"),
      HFS_ERR_INPUT);
  expect_count(&l.d, 2);
  expect_error(&l.d, l.path, LINE_DUR_Y,
               "unknown parameter 'dur_yy' (did you mean 'dur_y'?)");
  expect_error(&l.d, l.path, 0, "missing parameter 'dur_y' (unit years)");
  unload(&l);
  assert_int_equal(load_and_check(&l, "dur_y",
                                  "dur_y,2.5,,,fixed,,,,years,F,,\n"
                                  "completely_unrelated,1,,,fixed,,,,x,E,,\n"),
                   HFS_ERR_INPUT);
  expect_count(&l.d, 1);
  expect_error(&l.d, l.path, LINE_DUR_Y + 1,
               "unknown parameter 'completely_unrelated' (this model does not "
               "use it)");
  unload(&l);
}

/* Several bad rows of a table that reads: every one is reported. */
static void every_check_error_is_reported_at_once(void **state)
{
  (void)state;
  char *text = malloc(4096);
  assert_non_null(text);
  snprintf(text, 4096,
           "%s"
           "p_a,0.2,,,beta,-1,80,,probability,F,,\n"
           "p_b,1.5,,,fixed,,,,probability,E,,\n"
           "cost_x,-1000,,,fixed,,,,USD,D,,\n"
           "dur_y,2.5,,,fixed,,,,months,F,,\n"
           "share_1,0.5,,,dirichlet,50,,smc,probability,F,,\n"
           "share_2,0.3,,,dirichlet,30,,smc,probability,F,,\n"
           "share_3,0.1,,,dirichlet,20,,smc,probability,F,,\n",
           HEADER);
  loaded l;
  load_text(&l, text);
  free(text);
  assert_int_equal(l.read_status, HFS_OK);
  assert_int_equal(hfs_param_table_check(&l.t, specs, N_SPECS, "USD", &l.d),
                   HFS_ERR_INPUT);
  expect_count(&l.d, 5);
  expect_error(&l.d, l.path, 2, "beta needs alpha > 0");
  expect_error(&l.d, l.path, 3, "is a probability and must be in [0, 1]");
  expect_error(&l.d, l.path, 4, "is a cost and must be >= 0");
  expect_error(&l.d, l.path, 5, "unit must be 'years'");
  expect_error(&l.d, l.path, 6, "must sum to 1, got 0.9");
  unload(&l);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(good_table_reads_and_checks),
      cmocka_unit_test(comments_blank_lines_bom_and_crlf),
      cmocka_unit_test(copy_is_deep),
      cmocka_unit_test(number_and_name_helpers),
      cmocka_unit_test(missing_file_is_an_io_error),
      cmocka_unit_test(stray_quote_is_malformed_csv),
      cmocka_unit_test(wrong_field_count),
      cmocka_unit_test(bad_header),
      cmocka_unit_test(duplicate_name),
      cmocka_unit_test(unknown_distribution_suggests),
      cmocka_unit_test(non_numbers_bad_names_and_evidence),
      cmocka_unit_test(every_syntax_error_is_reported_at_once),
      cmocka_unit_test(beta_with_alpha_not_positive),
      cmocka_unit_test(beta_mean_sd_with_impossible_sd),
      cmocka_unit_test(gamma_on_a_probability),
      cmocka_unit_test(distribution_parameters_missing_or_extra),
      cmocka_unit_test(dirichlet_group_not_summing_to_one),
      cmocka_unit_test(dirichlet_single_member_group),
      cmocka_unit_test(dirichlet_member_with_another_distribution),
      cmocka_unit_test(unit_mismatch),
      cmocka_unit_test(low_above_value),
      cmocka_unit_test(probability_above_one),
      cmocka_unit_test(negative_cost_and_duration),
      cmocka_unit_test(unknown_and_missing_parameters),
      cmocka_unit_test(every_check_error_is_reported_at_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
