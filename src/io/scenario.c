/*
 * scenario.c - read the scenario INI file with inih and resolve the
 * engine's settings (see scenario.h).
 *
 * Debian's inih is built without line numbers in the handler, so the file is
 * fed through our own line reader (ini_parse_stream), which counts lines and
 * also checks each line's syntax itself: that way every syntax error of the
 * file is reported at once with a precise message, instead of inih's single
 * "first error at line N".
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/mathx.h"
#include "hfsim/scenario.h"
#include "hfsim/csvread.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "hfsim/params.h"

void hfs_scenario_init(hfs_scenario *s)
{
  memset(s, 0, sizeof *s);
  s->horizon_years = HFS_INF;
}

void hfs_scenario_free(hfs_scenario *s)
{
  for (size_t i = 0; i < s->n_settings; i++) {
    free(s->settings[i].section);
    free(s->settings[i].key);
    free(s->settings[i].value);
    free(s->settings[i].file);
  }
  free(s->settings);
  free(s->path);
  free(s->dir);
  free(s->model);
  free(s->output_dir);
  free(s->currency);
  free(s->wtp);
  free(s->parameters_path);
  free(s->life_table_path);
  for (size_t i = 0; i < s->n_strategies; i++)
    free(s->strategy_names[i]);
  free(s->strategy_names);
  free(s->strategy_lines);
  hfs_scenario_init(s);
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct ini_state {
  hfs_scenario *s;
  hfs_diag *d;
  FILE *f;
  long line;
  char current_section[256];
  long current_section_line; /* its header's line */
  int skip_keys; /* the last section header was rejected */
  struct {
    char name[256];
    long line;
  } seen[256]; /* section headers so far, for duplicates */
  size_t n_seen;
  int nomem;
} ini_state;

static char *trim(char *p)
{
  while (isspace((unsigned char)*p))
    p++;
  char *e = p + strlen(p);
  while (e > p && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return p;
}

/* Normalise a section header "strategy   NAME" to "strategy NAME". */
static void normalise_section(const char *in, char *out, size_t n)
{
  char tmp[256];
  snprintf(tmp, sizeof tmp, "%s", in);
  char *p = trim(tmp);
  if ((strncmp(p, "strategy", 8) == 0 || strncmp(p, "scenario", 8) == 0) &&
      isspace((unsigned char)p[8])) {
    char *name = trim(p + 8);
    snprintf(out, n, "%.8s %s", p, name);
  } else {
    snprintf(out, n, "%s", p);
  }
}

static int add_strategy(hfs_scenario *s, const char *name, long line)
{
  char **names =
      realloc(s->strategy_names, (s->n_strategies + 1) * sizeof *names);
  if (names == NULL)
    return -1;
  s->strategy_names = names;
  long *lines =
      realloc(s->strategy_lines, (s->n_strategies + 1) * sizeof *lines);
  if (lines == NULL)
    return -1;
  s->strategy_lines = lines;
  names[s->n_strategies] = hfs_strdup(name);
  if (names[s->n_strategies] == NULL)
    return -1;
  lines[s->n_strategies] = line;
  s->n_strategies++;
  return 0;
}

/* A section header was rejected: report it and hide the keys under it, so
 * they are neither misfiled under the previous section nor reported as
 * errors of their own. */
static int reject_section(ini_state *st, const char *fmt, ...) HFS_PRINTF(2, 3);

static int reject_section(ini_state *st, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  hfs_diag_error(st->d, st->s->path, st->line, "%s", msg);
  st->skip_keys = 1;
  return 0;
}

/* Check the syntax of one raw line; returns 1 when inih may see it. */
static int check_line(ini_state *st, char *raw)
{
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", raw);
  char *p = trim(buf);
  if (*p == '\0' || *p == ';' || *p == '#')
    return 1;
  const char *file = st->s->path;
  if (*p == '[') {
    char *close = strchr(p, ']');
    if (close == NULL)
      return reject_section(st, "section header without closing ']'");
    char *rest = trim(close + 1);
    if (*rest != '\0' && *rest != ';' && *rest != '#')
      return reject_section(
          st, "unexpected text after the section header: '%s'", rest);
    *close = '\0';
    char section[256];
    normalise_section(p + 1, section, sizeof section);
    if (section[0] == '\0')
      return reject_section(st, "empty section name");
    if (strncmp(section, "strategy ", 9) == 0) {
      const char *name = section + 9;
      if (!hfs_is_identifier(name))
        return reject_section(st,
                              "strategy name '%s' must be an identifier "
                              "(letters, digits and '_')",
                              name);
      for (size_t i = 0; i < st->s->n_strategies; i++)
        if (strcmp(st->s->strategy_names[i], name) == 0)
          return reject_section(st,
                                "strategy '%s' is defined twice (first at "
                                "line %ld)",
                                name, st->s->strategy_lines[i]);
      if (add_strategy(st->s, name, st->line) != 0)
        st->nomem = 1;
    } else if (strncmp(section, "scenario ", 9) == 0) {
      if (!hfs_is_identifier(section + 9))
        return reject_section(st,
                              "scenario name '%s' must be an identifier "
                              "(letters, digits and '_')",
                              section + 9);
      for (size_t i = 0; i < st->n_seen; i++)
        if (strcmp(st->seen[i].name, section) == 0)
          return reject_section(st,
                                "scenario '%s' is defined twice (first at "
                                "line %ld)",
                                section + 9, st->seen[i].line);
    } else if (strcmp(section, "strategy") == 0 ||
               strcmp(section, "scenario") == 0) {
      return reject_section(st, "this section needs a name: [%s NAME]",
                            section);
    } else {
      for (size_t i = 0; i < st->n_seen; i++)
        if (strcmp(st->seen[i].name, section) == 0)
          return reject_section(st,
                                "section [%s] appears twice (first at line "
                                "%ld); put its keys in one place",
                                section, st->seen[i].line);
    }
    if (st->n_seen < sizeof st->seen / sizeof *st->seen) {
      snprintf(st->seen[st->n_seen].name, sizeof st->seen[0].name, "%s",
               section);
      st->seen[st->n_seen++].line = st->line;
    }
    st->skip_keys = 0;
    snprintf(st->current_section, sizeof st->current_section, "%s", section);
    st->current_section_line = st->line;
    return 1;
  }
  if (st->skip_keys)
    return 0; /* under a rejected header: already reported */
  char *eq = strchr(p, '=');
  if (eq == NULL) {
    hfs_diag_error(st->d, file, st->line,
                   "expected 'key = value' or '[section]', got '%s'", p);
    return 0;
  }
  *eq = '\0';
  char *key = trim(p);
  if (*key == '\0') {
    hfs_diag_error(st->d, file, st->line, "missing key before '='");
    return 0;
  }
  if (st->current_section[0] == '\0') {
    hfs_diag_error(st->d, file, st->line,
                   "'%s' is outside any section; put it under [run], "
                   "[economics], [inputs], [cohort] or [strategy NAME]",
                   key);
    return 0;
  }
  return 1;
}

static char *ini_reader_fn(char *str, int num, void *stream)
{
  ini_state *st = stream;
  char buf[1024];
  if (fgets(buf, sizeof buf, st->f) == NULL)
    return NULL;
  st->line++;
  size_t len = strlen(buf);
  if (len >= 2 && buf[len - 2] == '\r' && buf[len - 1] == '\n') {
    /* CR LF: the line's length without its CR */
    buf[len - 2] = '\n';
    buf[--len] = '\0';
  }
  if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
    int c;
    while ((c = fgetc(st->f)) != EOF && c != '\n')
      ;
    hfs_diag_error(st->d, st->s->path, st->line,
                   "line too long (at most %d characters)", num - 3);
    str[0] = '\n';
    str[1] = '\0';
    return str;
  }
  if ((int)len > num - 2) {
    hfs_diag_error(st->d, st->s->path, st->line,
                   "line too long (at most %d characters)", num - 3);
    str[0] = '\n';
    str[1] = '\0';
    return str;
  }
  if (!check_line(st, buf)) {
    /* Hide the bad line from inih (already reported precisely). */
    str[0] = '\n';
    str[1] = '\0';
    return str;
  }
  memcpy(str, buf, len + 1);
  return str;
}

static hfs_setting *find_setting(hfs_scenario *s, const char *section,
                                 const char *key)
{
  for (size_t i = 0; i < s->n_settings; i++)
    if (strcmp(s->settings[i].section, section) == 0 &&
        strcmp(s->settings[i].key, key) == 0)
      return &s->settings[i];
  return NULL;
}

static int add_setting(hfs_scenario *s, const char *section, const char *key,
                       const char *value, const char *file, long line)
{
  hfs_setting *set = realloc(s->settings, (s->n_settings + 1) * sizeof *set);
  if (set == NULL)
    return -1;
  s->settings = set;
  hfs_setting *e = &set[s->n_settings];
  e->section = hfs_strdup(section);
  e->key = hfs_strdup(key);
  e->value = hfs_strdup(value);
  e->file = hfs_strdup(file);
  e->line = line;
  e->section_line = 0;
  e->used = 0;
  if (!e->section || !e->key || !e->value || !e->file) {
    free(e->section);
    free(e->key);
    free(e->value);
    free(e->file);
    return -1;
  }
  s->n_settings++;
  return 0;
}

static int ini_handler_fn(void *user, const char *section, const char *name,
                          const char *value)
{
  ini_state *st = user;
  /* The section as check_line() read it, not inih's copy: inih keeps at
   * most 49 bytes of a section name, which would merge two long
   * [scenario ...] names or cut a strategy's, and reads "[run ;x]" as a
   * header without ']' (its keys then went to the previous section). */
  (void)section;
  const char *sec = st->current_section;
  hfs_setting *prev = find_setting(st->s, sec, name);
  if (prev != NULL) {
    hfs_diag_error(st->d, st->s->path, st->line,
                   "'%s' is set twice in [%s] (first at line %ld)", name, sec,
                   prev->line);
    return 1;
  }
  if (add_setting(st->s, sec, name, value, st->s->path, st->line) != 0) {
    st->nomem = 1;
    return 1;
  }
  st->s->settings[st->s->n_settings - 1].section_line =
      st->current_section_line;
  return 1;
}

hfs_status hfs_scenario_load(hfs_scenario *s, const char *path, hfs_diag *d)
{
  s->path = hfs_strdup(path);
  if (s->path == NULL)
    return HFS_ERR_NOMEM;
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    s->dir = hfs_strdup(".");
  } else {
    size_t n = (size_t)(slash - path);
    s->dir = malloc(n + 2);
    if (s->dir) {
      memcpy(s->dir, path, n ? n : 1);
      s->dir[n ? n : 1] = '\0';
    }
  }
  if (s->dir == NULL)
    return HFS_ERR_NOMEM;

  ini_state st;
  memset(&st, 0, sizeof st);
  st.s = s;
  st.d = d;
  /* read whole, with the checks every input file gets (size limit,
   * byte-order mark, NUL, carriage returns; csvread.h), then parsed from
   * memory */
  char *text;
  size_t len;
  hfs_status rs = hfs_input_read_file(path, "scenario file", &text, &len, d);
  if (rs != HFS_OK)
    return rs;
  st.f = len ? fmemopen(text, len, "r") : fmemopen((char *)"\n", 1, "r");
  if (st.f == NULL) {
    free(text);
    hfs_diag_error(d, path, 0, "cannot read scenario file: %s",
                   strerror(errno));
    return HFS_ERR_IO;
  }
  size_t before = hfs_diag_count(d);
  /* Python-configparser-style continuation lines would silently glue a
   * mistyped line onto the previous value; we want an error instead. */
  ini_allow_multiline = false;
  int rc = ini_parse_stream(ini_reader_fn, &st, ini_handler_fn, &st);
  fclose(st.f);
  free(text);
  if (st.nomem || rc == -2)
    return HFS_ERR_NOMEM;
  if (rc > 0 && hfs_diag_count(d) == before)
    hfs_diag_error(d, path, rc, "syntax error");
  return hfs_diag_count(d) > before ? HFS_ERR_INPUT : HFS_OK;
}

static hfs_status set_value(hfs_scenario *s, const char *section,
                            const char *key, const char *v, const char *label,
                            hfs_diag *d);

hfs_status hfs_scenario_set(hfs_scenario *s, const char *assignment,
                            hfs_diag *d)
{
  /* on the heap: a long value (a deep --out folder) is never cut */
  size_t n = strlen(assignment) + 7;
  char *label = malloc(n);
  if (label == NULL) {
    hfs_diag_error(d, NULL, 0, "out of memory (%zu bytes for an override)", n);
    return HFS_ERR_NOMEM;
  }
  snprintf(label, n, "--set %s", assignment);
  hfs_status st = hfs_scenario_set_labeled(s, assignment, label, d);
  free(label);
  return st;
}

/* Whether the comma-separated LINES names treatment T (LEN chars). */
static int lines_have(const char *lines, const char *t, size_t len)
{
  const char *p = lines;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    const char *q = p;
    while (*q && *q != ',' && *q != ' ' && *q != '\t')
      q++;
    if ((size_t)(q - p) == len && strncmp(p, t, len) == 0)
      return 1;
    p = q;
  }
  return 0;
}

/* strategy.*.KEY=V: KEY in every strategy defined so far; a treatment's key
 * (TREATMENT.KEY, a line type's key) only in the strategies that have
 * that treatment among their lines. */
static hfs_status set_every_strategy(hfs_scenario *s, const char *key,
                                     const char *v, const char *label,
                                     hfs_diag *d)
{
  const char *dot = strchr(key, '.');
  size_t tlen = dot ? (size_t)(dot - key) : 0;
  size_t matched = 0;
  hfs_status st = HFS_OK;
  for (size_t i = 0; st == HFS_OK && i < s->n_strategies; i++) {
    char section[300];
    snprintf(section, sizeof section, "strategy %s", s->strategy_names[i]);
    if (dot != NULL) {
      const hfs_setting *lines = find_setting(s, section, "lines");
      if (lines == NULL || !lines_have(lines->value, key, tlen))
        continue;
    }
    size_t n = strlen(s->strategy_names[i]) + strlen(key) + strlen(v) + 12;
    char *a = malloc(n);
    if (a == NULL)
      return HFS_ERR_NOMEM;
    snprintf(a, n, "strategy.%s.%s=%s", s->strategy_names[i], key, v);
    st = hfs_scenario_set_labeled(s, a, label, d);
    free(a);
    matched++;
  }
  if (st == HFS_OK && matched == 0) {
    if (dot != NULL)
      hfs_diag_error(d, label, 0,
                     "no strategy has a '%.*s' line, so strategy.*.%s "
                     "changes nothing",
                     (int)tlen, key, key);
    else
      hfs_diag_error(d, label, 0, "there is no strategy to set %s in", key);
    return HFS_ERR_INPUT;
  }
  return st;
}

hfs_status hfs_scenario_set_labeled(hfs_scenario *s, const char *assignment,
                                    const char *label, hfs_diag *d)
{
  const char *eq = strchr(assignment, '=');
  if (eq == NULL) {
    hfs_diag_error(d, label, 0, "expected NAME=VALUE");
    return HFS_ERR_INPUT;
  }
  char name[256];
  size_t n = (size_t)(eq - assignment);
  if (n >= sizeof name) {
    hfs_diag_error(d, label, 0, "name too long");
    return HFS_ERR_INPUT;
  }
  memcpy(name, assignment, n);
  name[n] = '\0';
  char *nm = trim(name);
  char section[300], key[256];
  /* SECTION.KEY, or strategy.NAME.KEY where KEY may itself hold a dot
   * (TREATMENT.KEY). */
  const char *dot = strchr(nm, '.');
  int is_strategy = strncmp(nm, "strategy.", 9) == 0;
  if (is_strategy)
    dot = strchr(nm + 9, '.');
  if (dot == NULL || dot == nm || dot[1] == '\0' ||
      (is_strategy && dot == nm + 9)) {
    hfs_diag_error(d, label, 0,
                   "a scenario setting is written SECTION.KEY "
                   "(strategy.NAME.KEY for strategies)");
    return HFS_ERR_INPUT;
  }
  if (strlen(dot + 1) >= sizeof key) {
    hfs_diag_error(d, label, 0, "name too long");
    return HFS_ERR_INPUT;
  }
  snprintf(key, sizeof key, "%s", dot + 1);
  size_t sl = (size_t)(dot - nm);
  if (is_strategy)
    snprintf(section, sizeof section, "strategy %.*s", (int)(sl - 9), nm + 9);
  else
    snprintf(section, sizeof section, "%.*s", (int)sl, nm);
  /* on the heap: a value of any length is kept whole (a fixed buffer
   * once cut --out at 1023 bytes, and results went to another folder) */
  char *value = hfs_strdup(eq + 1);
  if (value == NULL) {
    hfs_diag_error(d, label, 0, "out of memory (%zu bytes for a value)",
                   strlen(eq + 1) + 1);
    return HFS_ERR_NOMEM;
  }
  hfs_status result = set_value(s, section, key, trim(value), label, d);
  free(value);
  return result;
}

static hfs_status set_value(hfs_scenario *s, const char *section,
                            const char *key, const char *v, const char *label,
                            hfs_diag *d)
{
  if (strcmp(section, "strategy *") == 0)
    return set_every_strategy(s, key, v, label, d);
  if (strncmp(section, "strategy ", 9) == 0) {
    const char *sname = section + 9;
    int found = 0;
    for (size_t i = 0; i < s->n_strategies; i++)
      if (strcmp(s->strategy_names[i], sname) == 0)
        found = 1;
    if (!found) {
      if (!hfs_is_identifier(sname)) {
        hfs_diag_error(d, label, 0, "strategy name '%s' must be an identifier",
                       sname);
        return HFS_ERR_INPUT;
      }
      /* --set can define a new strategy, starting with its lines; any
       * other key for an unknown name is most likely a typo. */
      if (strcmp(key, "lines") != 0) {
        const char *sug = hfs_closest_name(
            sname, (const char *const *)s->strategy_names, s->n_strategies);
        hfs_diag_error(d, label, 0,
                       "unknown strategy '%s'%s%s%s; a new strategy also "
                       "needs --set strategy.%s.lines=...",
                       sname, sug ? " (did you mean '" : "", sug ? sug : "",
                       sug ? "'?)" : "", sname);
        return HFS_ERR_INPUT;
      }
      if (add_strategy(s, sname, 0) != 0)
        return HFS_ERR_NOMEM;
    }
  }
  hfs_setting *prev = find_setting(s, section, key);
  if (prev != NULL) {
    char *nv = hfs_strdup(v), *nf = hfs_strdup(label);
    if (nv == NULL || nf == NULL) {
      free(nv);
      free(nf);
      return HFS_ERR_NOMEM;
    }
    free(prev->value);
    free(prev->file);
    prev->value = nv;
    prev->file = nf;
    prev->line = 0;
    return HFS_OK;
  }
  return add_setting(s, section, key, v, label, 0) == 0 ? HFS_OK
                                                        : HFS_ERR_NOMEM;
}

/* ---- resolving ---------------------------------------------------------- */

hfs_setting *hfs_scenario_get(hfs_scenario *s, const char *section,
                              const char *key)
{
  hfs_setting *e = find_setting(s, section, key);
  if (e)
    e->used = 1;
  return e;
}

/* Collapse "a/b/../c" to "a/c" and drop "./" (text only: symbolic links
 * are not consulted), so messages show the path a user would type. */
static void tidy_path(char *p)
{
  int absolute = p[0] == '/';
  char *parts[256];
  int n = 0;
  char *save = NULL;
  char *copy = hfs_strdup(p);
  if (copy == NULL)
    return;
  for (char *t = strtok_r(copy, "/", &save); t && n < 256;
       t = strtok_r(NULL, "/", &save)) {
    if (strcmp(t, ".") == 0)
      continue;
    if (strcmp(t, "..") == 0 && n > 0 && strcmp(parts[n - 1], "..") != 0) {
      n--;
      continue;
    }
    if (strcmp(t, "..") == 0 && n == 0 && absolute)
      continue;
    parts[n++] = t;
  }
  char *out = p;
  if (absolute)
    *out++ = '/';
  for (int i = 0; i < n; i++) {
    size_t len = strlen(parts[i]);
    memmove(out, parts[i], len);
    out += len;
    if (i + 1 < n)
      *out++ = '/';
  }
  if (out == p)
    *out++ = '.';
  *out = '\0';
  free(copy);
}

char *hfs_scenario_path(const hfs_scenario *s, const char *path)
{
  if (path[0] == '/' || s->dir == NULL || strcmp(s->dir, ".") == 0)
    return hfs_strdup(path);
  size_t n = strlen(s->dir) + strlen(path) + 2;
  char *out = malloc(n);
  if (out) {
    snprintf(out, n, "%s/%s", s->dir, path);
    tidy_path(out);
  }
  return out;
}

int hfs_setting_list_has_empty(const hfs_setting *e, const char *separators,
                               hfs_diag *d)
{
  int text = 0, separated = 0;
  for (const char *c = e->value;; c++) {
    int end = *c == '\0';
    if (end || strchr(separators, *c) != NULL) {
      if (end && !separated)
        return 0; /* one item, or a blank value */
      if (!text) {
        /* "a comma", or "a ',' or ';'" */
        char what[64] = "a comma";
        if (strcmp(separators, ",") != 0) {
          size_t n = (size_t)snprintf(what, sizeof what, "a");
          for (const char *x = separators; *x && n < sizeof what; x++)
            n += (size_t)snprintf(what + n, sizeof what - n, "%s'%c'",
                                  x == separators ? " " : " or ", *x);
        }
        hfs_diag_error(d, e->file, e->line,
                       "[%s] %s: empty item in the list '%s' (%s with "
                       "nothing before or after it)",
                       e->section, e->key, e->value, what);
        return 1;
      }
      if (end)
        return 0;
      text = 0;
      separated = 1;
    } else if (*c != ' ' && *c != '\t') {
      text = 1;
    }
  }
}

char *hfs_setting_path(const hfs_scenario *s, const hfs_setting *e)
{
  return e->line == 0 ? hfs_strdup(e->value) : hfs_scenario_path(s, e->value);
}

static void setting_error(hfs_diag *d, const hfs_setting *e, const char *fmt,
                          ...) HFS_PRINTF(3, 4);

static void setting_error(hfs_diag *d, const hfs_setting *e, const char *fmt,
                          ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  hfs_diag_error(d, e->file, e->line, "[%s] %s: %s", e->section, e->key, msg);
}

static int parse_u64(const char *v, uint64_t *out)
{
  while (*v == ' ')
    v++;
  if (!isdigit((unsigned char)*v))
    return -1;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  while (*end == ' ')
    end++;
  if (errno || *end)
    return -1;
  *out = (uint64_t)x;
  return 0;
}

int hfs_parse_yes_no(const char *v, int *out)
{
  if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") ||
      !strcmp(v, "on")) {
    *out = 1;
    return 0;
  }
  if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") ||
      !strcmp(v, "off")) {
    *out = 0;
    return 0;
  }
  return -1;
}

static const char *const run_keys[] = {"model",       "patients",      "seed",
                                       "threads",     "horizon_years", "output",
                                       "patients_csv", "xlsx"};
static const char *const economics_keys[] = {"discount_rate_costs",
                                             "discount_rate_qalys", "currency",
                                             "wtp", "wtp_main"};
static const char *const inputs_keys[] = {"parameters", "life_table"};

/* Whether SECTION (run, economics or inputs) holds a misspelling of KEY:
 * a key not among the section's own whose closest known name is KEY. */
static int has_misspelling_of(const hfs_scenario *s, const char *section,
                              const char *key)
{
  const char *const *known = NULL;
  size_t n = 0;
  if (!strcmp(section, "run"))
    known = run_keys, n = sizeof run_keys / sizeof *run_keys;
  else if (!strcmp(section, "economics"))
    known = economics_keys, n = sizeof economics_keys / sizeof *economics_keys;
  else if (!strcmp(section, "inputs"))
    known = inputs_keys, n = sizeof inputs_keys / sizeof *inputs_keys;
  for (size_t i = 0; i < s->n_settings; i++) {
    const hfs_setting *e = &s->settings[i];
    if (strcmp(e->section, section) != 0)
      continue;
    const char *c = hfs_closest_name(e->key, known, n);
    if (c != NULL && !strcmp(c, key) && strcmp(e->key, key) != 0)
      return 1;
  }
  return 0;
}

/* SECTION/KEY, or NULL with "missing setting" in D, unless the section
 * holds a misspelling of KEY: the root cause, which the unknown-key check
 * reports with KEY as its suggestion (one message, not two). */
static hfs_setting *require(hfs_scenario *s, const char *section,
                            const char *key, hfs_diag *d)
{
  hfs_setting *e = hfs_scenario_get(s, section, key);
  if (e == NULL && !has_misspelling_of(s, section, key))
    hfs_diag_error(d, s->path, 0, "missing setting '%s' in [%s]", key, section);
  return e;
}

static void resolve_rate(hfs_scenario *s, const char *key, double *out,
                         hfs_diag *d)
{
  hfs_setting *e = require(s, "economics", key, d);
  if (e == NULL)
    return;
  double v;
  if (hfs_parse_double(e->value, &v) != 0 || v < 0 || v >= 1)
    setting_error(d, e,
                  "a discount rate is an annual fraction in [0, 1) "
                  "(0.03 for 3%%), got '%s'",
                  e->value);
  else
    *out = v;
}

static void resolve_path(hfs_scenario *s, const char *section, const char *key,
                         char **out, hfs_diag *d)
{
  hfs_setting *e = require(s, section, key, d);
  if (e == NULL)
    return;
  if (e->value[0] == '\0') {
    setting_error(d, e, "needs a path");
    return;
  }
  free(*out);
  *out = hfs_setting_path(s, e);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Whether the number list of E holds a number written with thousands
 * separators. Read as a list, '100,000' is 100 and 0: a silent and wrong
 * willingness to pay. Each run of digits and commas (between blanks, the
 * ends or a decimal point) is looked at:
 *   - the whole run has the shape of one such number, a head of 1 to 3
 *     digits not starting with 0 and groups of exactly 3 ('100,000',
 *     '1,500,000'): reported with the number as meant;
 *   - otherwise an item of two or more digits starting with 0 ('000' in
 *     '50000,100,000'), which no one writes for a value: reported too.
 * A plain list ('0,100,200,300', '50000,100000', '1500,2000') passes; a
 * list such as '1,500' meant as two values needs a space after the comma,
 * which the message shows. Reports and returns 1, else 0. */
static int has_thousands_separator(const hfs_setting *e, hfs_diag *d)
{
  const char *v = e->value;
  for (const char *run = v; *run;) {
    if (!isdigit((unsigned char)*run)) {
      run++;
      continue;
    }
    const char *end = run;
    while (isdigit((unsigned char)*end) || *end == ',')
      end++;
    while (end[-1] == ',') /* (the list's own comma before a blank) */
      end--;
    /* the run's items, between its commas */
    int items = 0, thousands = 1;
    const char *bad = NULL;
    size_t bad_len = 0;
    for (const char *a = run; a < end;) {
      const char *b = a;
      while (b < end && *b != ',')
        b++;
      size_t len = (size_t)(b - a);
      if (items == 0)
        thousands &= len >= 1 && len <= 3 && *a != '0';
      else
        thousands &= len == 3;
      if (bad == NULL && len >= 2 && *a == '0') {
        bad = a;
        bad_len = len;
      }
      items++;
      a = b < end ? b + 1 : b;
    }
    int after_point = run > v && run[-1] == '.';
    if (items >= 2 && thousands && !after_point) {
      char meant[64];
      size_t k = 0;
      for (const char *x = run; x < end && k + 1 < sizeof meant; x++)
        if (*x != ',')
          meant[k++] = *x;
      meant[k] = '\0';
      setting_error(d, e,
                    "'%.*s' looks like one number with thousands separators: "
                    "write it as %s (values are separated by a comma and a "
                    "space: '50000, 100000')",
                    (int)(end - run), run, meant);
      return 1;
    }
    if (bad != NULL) {
      setting_error(d, e,
                    "'%.*s' in '%.*s' looks like part of a number with "
                    "thousands separators: write numbers without them "
                    "(values are separated by a comma and a space: '50000, "
                    "100000')",
                    (int)bad_len, bad, (int)(end - run), run);
      return 1;
    }
    run = end;
  }
  return 0;
}

static void resolve_wtp(hfs_scenario *s, hfs_diag *d)
{
  hfs_setting *e = require(s, "economics", "wtp", d);
  if (e == NULL || hfs_setting_list_has_empty(e, ",", d) ||
      has_thousands_separator(e, d))
    return;
  size_t cap = 8, n = 0;
  double *w = malloc(cap * sizeof *w);
  char *copy = hfs_strdup(e->value);
  if (w == NULL || copy == NULL) {
    free(w);
    free(copy);
    return;
  }
  int ok = 1;
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    double v;
    if (hfs_parse_double(tok, &v) != 0 || v < 0) {
      setting_error(d, e,
                    "willingness-to-pay values are non-negative numbers "
                    "separated by commas; '%s' is not",
                    trim(tok));
      ok = 0;
      continue;
    }
    if (n == cap) {
      cap *= 2;
      double *nw = realloc(w, cap * sizeof *w);
      if (nw == NULL) {
        ok = 0;
        break;
      }
      w = nw;
    }
    w[n++] = v;
  }
  free(copy);
  if (ok && n == 0) {
    setting_error(d, e, "needs at least one value");
    ok = 0;
  }
  if (ok) {
    qsort(w, n, sizeof *w, cmp_double);
    for (size_t i = 1; i < n; i++)
      if (w[i] == w[i - 1]) {
        setting_error(d, e, "value %g appears twice", w[i]);
        ok = 0;
        break;
      }
  }
  if (!ok) {
    free(w);
    return;
  }
  free(s->wtp);
  s->wtp = w;
  s->n_wtp = n;
}


hfs_status hfs_scenario_resolve(hfs_scenario *s, hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  hfs_setting *e;

  free(s->model);
  e = hfs_scenario_get(s, "run", "model");
  s->model = hfs_strdup(e ? e->value : HFS_DEFAULT_MODEL);

  if ((e = require(s, "run", "patients", d)) != NULL) {
    uint64_t v;
    if (parse_u64(e->value, &v) != 0 || v < 1 || v > 10000000000ULL)
      setting_error(d, e,
                    "the number of patients is a whole number from 1 to "
                    "10000000000, got '%s'",
                    e->value);
    else
      s->patients = v;
  }
  if ((e = require(s, "run", "seed", d)) != NULL) {
    uint64_t v;
    if (parse_u64(e->value, &v) != 0)
      setting_error(d, e,
                    "the seed is a whole number from 0 to "
                    "18446744073709551615, got '%s'",
                    e->value);
    else
      s->seed = v;
  }
  s->threads = 0;
  if ((e = hfs_scenario_get(s, "run", "threads")) != NULL) {
    uint64_t v;
    if (parse_u64(e->value, &v) != 0 || v > 1024)
      setting_error(d, e,
                    "threads is a whole number from 0 (all cores) to 1024, "
                    "got '%s'",
                    e->value);
    else
      s->threads = (int)v;
  }
  s->horizon_years = HFS_INF;
  if ((e = hfs_scenario_get(s, "run", "horizon_years")) != NULL &&
      strcmp(e->value, "lifetime") != 0) {
    double v;
    if (hfs_parse_double(e->value, &v) != 0 || !(v > 0))
      setting_error(d, e,
                    "the horizon is 'lifetime' or a number of years > 0, "
                    "got '%s'",
                    e->value);
    else
      s->horizon_years = v;
  }
  resolve_path(s, "run", "output", &s->output_dir, d);
  s->patients_csv = 0;
  if ((e = hfs_scenario_get(s, "run", "patients_csv")) != NULL &&
      hfs_parse_yes_no(e->value, &s->patients_csv) != 0)
    setting_error(d, e, "expected yes or no, got '%s'", e->value);
  s->xlsx = 0;
  if ((e = hfs_scenario_get(s, "run", "xlsx")) != NULL &&
      hfs_parse_yes_no(e->value, &s->xlsx) != 0)
    setting_error(d, e, "expected yes or no, got '%s'", e->value);

  resolve_rate(s, "discount_rate_costs", &s->discount_rate_costs, d);
  resolve_rate(s, "discount_rate_qalys", &s->discount_rate_qalys, d);
  if ((e = require(s, "economics", "currency", d)) != NULL) {
    if (!hfs_is_identifier(e->value))
      setting_error(d, e,
                    "the currency is a code such as USD, EUR or GBP, got "
                    "'%s'",
                    e->value);
    else {
      free(s->currency);
      s->currency = hfs_strdup(e->value);
    }
  }
  resolve_wtp(s, d);
  if (s->n_wtp > 0)
    s->wtp_main = s->wtp[(s->n_wtp - 1) / 2];
  if ((e = hfs_scenario_get(s, "economics", "wtp_main")) != NULL) {
    double v;
    if (hfs_parse_double(e->value, &v) != 0 || v < 0)
      setting_error(d, e,
                    "the main willingness to pay is a number >= 0, got '%s'",
                    e->value);
    else
      s->wtp_main = v;
  }
  resolve_path(s, "inputs", "parameters", &s->parameters_path, d);
  resolve_path(s, "inputs", "life_table", &s->life_table_path, d);

  hfs_scenario_report_unknown(s, "run", run_keys,
                              sizeof run_keys / sizeof *run_keys, d);
  hfs_scenario_report_unknown(s, "economics", economics_keys,
                              sizeof economics_keys / sizeof *economics_keys,
                              d);
  hfs_scenario_report_unknown(s, "inputs", inputs_keys,
                              sizeof inputs_keys / sizeof *inputs_keys, d);
  return hfs_diag_count(d) > before ? HFS_ERR_INPUT : HFS_OK;
}

void hfs_scenario_report_unknown(const hfs_scenario *s, const char *section,
                                 const char *const *known, size_t n,
                                 hfs_diag *d)
{
  for (size_t i = 0; i < s->n_settings; i++) {
    const hfs_setting *e = &s->settings[i];
    if (e->used || strcmp(e->section, section) != 0)
      continue;
    const char *sug = hfs_closest_name(e->key, known, n);
    hfs_diag_error(d, e->file, e->line, "unknown key '%s' in [%s]%s%s%s",
                   e->key, section, sug ? " (did you mean '" : "",
                   sug ? sug : "", sug ? "'?)" : "");
  }
}

void hfs_scenario_report_unknown_sections(const hfs_scenario *s, hfs_diag *d)
{
  static const char *const sections[] = {"run", "economics", "inputs",
                                         "cohort", "model", "psa", "dsa",
                                         "calibration"};
  const size_t n_sections = sizeof sections / sizeof *sections;
  for (size_t i = 0; i < s->n_settings; i++) {
    const hfs_setting *e = &s->settings[i];
    int known = strncmp(e->section, "strategy ", 9) == 0 ||
                strncmp(e->section, "scenario ", 9) == 0;
    for (size_t k = 0; k < n_sections; k++)
      known |= strcmp(e->section, sections[k]) == 0;
    if (known)
      continue;
    /* Report each unknown section once, at its header (its first setting
     * when it comes from --set). */
    int first = 1;
    for (size_t j = 0; j < i; j++)
      if (strcmp(s->settings[j].section, e->section) == 0)
        first = 0;
    if (!first)
      continue;
    const char *sug = hfs_closest_name(e->section, sections, n_sections);
    hfs_diag_error(d, e->file, e->section_line ? e->section_line : e->line,
                   "unknown section [%s]%s%s%s",
                   e->section, sug ? " (did you mean [" : "", sug ? sug : "",
                   sug ? "]?)"
                       : " (known: run, economics, inputs, cohort, "
                         "model, psa, dsa, calibration, strategy NAME, "
                         "scenario NAME)");
  }
}
