/*
 * spasm_strategy.c - read and describe HFS strategies (see spasm_strategy.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "strategy.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hfsim/mathx.h"
#include "hfsim/params.h"

const char *const spasm_treatment_names[SPASM_TX_COUNT_] = {"medication", "botox",
                                                        "mvd"};
const char *const spasm_drug_names[SPASM_DRUG_COUNT] = {
    "carbamazepine", "gabapentin", "clonazepam", "baclofen"};

static const char *const reason_keys[SPASM_END_REASONS_] = {
    "on_failure", "on_intolerance", "on_discontinuation",
    "on_choice",  "on_time_limit",  "on_ineligible"};
const char *const spasm_reason_names[SPASM_END_REASONS_] = {
    "failure", "intolerance", "discontinuation",
    "choice",  "time_limit",  "ineligible"};

/* Which reasons each treatment can produce (others are unknown keys). */
static int produces(spasm_treatment t, spasm_line_end r)
{
  switch (r) {
  case SPASM_END_FAILURE:
  case SPASM_END_TIME_LIMIT:
    return 1;
  case SPASM_END_INTOLERANCE:
    return t == SPASM_TX_MEDICATION;
  case SPASM_END_DISCONTINUATION:
    return t == SPASM_TX_BOTOX;
  case SPASM_END_CHOICE:
    return 0; /* set through botox.surgery_choice, not a key */
  case SPASM_END_INELIGIBLE:
    return t == SPASM_TX_MVD;
  case SPASM_END_SIMULATION: /* (= SPASM_END_REASONS_) not a key */
    return 0;
  }
  return 0;
}

static char *trim(char *p)
{
  while (isspace((unsigned char)*p))
    p++;
  char *e = p + strlen(p);
  while (e > p && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return p;
}

static int find_name(const char *s, const char *const *names, int n)
{
  for (int i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

static void unknown_value(hfs_diag *d, const hfs_setting *e, const char *what,
                          const char *value, const char *const *known, int n)
{
  const char *sug = hfs_closest_name(value, known, (size_t)n);
  char list[256] = "";
  for (int i = 0; i < n; i++) {
    strncat(list, known[i], sizeof list - strlen(list) - 1);
    if (i + 1 < n)
      strncat(list, ", ", sizeof list - strlen(list) - 1);
  }
  hfs_diag_error(d, e->file, e->line,
                 "[%s] %s: unknown %s '%s'%s%s%s (known: %s)", e->section,
                 e->key, what, value, sug ? " (did you mean '" : "",
                 sug ? sug : "", sug ? "'?)" : "", list);
}

/* Parse the comma-separated list "lines". */
static int read_lines(hfs_setting *e, spasm_strategy *st, hfs_diag *d)
{
  char buf[512];
  snprintf(buf, sizeof buf, "%s", e->value);
  char *v = trim(buf);
  st->n_lines = 0;
  if (strcmp(v, "none") == 0)
    return 1;
  if (*v == '\0') {
    hfs_diag_error(d, e->file, e->line,
                   "[%s] lines: list the treatment lines in order (e.g. "
                   "'botox, mvd'), or 'none' for no treatment",
                   e->section);
    return 0;
  }
  if (hfs_setting_list_has_empty(e, ",", d))
    return 0;
  int ok = 1;
  char *save = NULL;
  for (char *tok = strtok_r(v, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    char *name = trim(tok);
    int t = find_name(name, spasm_treatment_names, SPASM_TX_COUNT_);
    if (t < 0) {
      unknown_value(d, e, "treatment", name, spasm_treatment_names,
                    SPASM_TX_COUNT_);
      ok = 0;
      continue;
    }
    for (int i = 0; i < st->n_lines; i++)
      if (st->lines[i].treatment == (spasm_treatment)t) {
        hfs_diag_error(d, e->file, e->line,
                       "[%s] lines: '%s' appears twice; each treatment can "
                       "be one line of a strategy",
                       e->section, name);
        ok = 0;
      }
    if (st->n_lines == SPASM_MAX_LINES) {
      hfs_diag_error(d, e->file, e->line, "[%s] lines: at most %d lines",
                     e->section, SPASM_MAX_LINES);
      return 0;
    }
    spasm_line *ln = &st->lines[st->n_lines++];
    memset(ln, 0, sizeof *ln);
    ln->treatment = (spasm_treatment)t;
    ln->max_years = HFS_INF;
    ln->redo_max = 1;
    for (int r = 0; r < SPASM_END_REASONS_; r++)
      ln->go_to[r] = -100; /* "next", resolved below */
    /* A patient who left injections to choose surgery and was then
     * ineligible may return to them (MODEL.md section 6). */
    ln->reenter_mask = t == SPASM_TX_BOTOX ? 1u << SPASM_END_CHOICE : 0u;
    if (t == SPASM_TX_MEDICATION) {
      ln->n_drugs = SPASM_DRUG_COUNT;
      for (int k = 0; k < SPASM_DRUG_COUNT; k++)
        ln->drugs[k] = k;
      ln->go_to[SPASM_END_INTOLERANCE] = SPASM_GOTO_NEXT_DRUG;
    }
  }
  return ok;
}

static int line_index(const spasm_strategy *st, const char *name)
{
  for (int i = 0; i < st->n_lines; i++)
    if (strcmp(spasm_treatment_names[st->lines[i].treatment], name) == 0)
      return i;
  return -1;
}

static void read_target(hfs_setting *e, spasm_strategy *st, int line, int reason,
                        hfs_diag *d)
{
  char buf[128];
  snprintf(buf, sizeof buf, "%s", e->value);
  char *v = trim(buf);
  spasm_line *ln = &st->lines[line];
  ln->go_to_line[reason] = e->line;
  if (strcmp(v, "next") == 0) {
    ln->go_to[reason] = -100;
  } else if (strcmp(v, "untreated") == 0) {
    ln->go_to[reason] = SPASM_GOTO_UNTREATED;
  } else if (strcmp(v, "next_drug") == 0 && reason == SPASM_END_INTOLERANCE) {
    ln->go_to[reason] = SPASM_GOTO_NEXT_DRUG;
  } else {
    int j = line_index(st, v);
    if (j < 0)
      hfs_diag_error(d, e->file, e->line,
                     "[%s] %s: expected next, untreated%s or the name of a "
                     "line of this strategy, got '%s'",
                     e->section, e->key,
                     reason == SPASM_END_INTOLERANCE ? ", next_drug" : "", v);
    else
      ln->go_to[reason] = j;
  }
}

static void read_drugs(hfs_setting *e, spasm_line *ln, hfs_diag *d)
{
  char buf[512];
  snprintf(buf, sizeof buf, "%s", e->value);
  ln->n_drugs = 0;
  if (hfs_setting_list_has_empty(e, ",", d))
    return;
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    char *name = trim(tok);
    int k = find_name(name, spasm_drug_names, SPASM_DRUG_COUNT);
    if (k < 0) {
      unknown_value(d, e, "drug", name, spasm_drug_names, SPASM_DRUG_COUNT);
      continue;
    }
    int dup = 0;
    for (int i = 0; i < ln->n_drugs; i++)
      dup |= ln->drugs[i] == k;
    if (dup) {
      hfs_diag_error(d, e->file, e->line, "[%s] drugs: '%s' appears twice",
                     e->section, name);
      continue;
    }
    ln->drugs[ln->n_drugs++] = k;
  }
  if (ln->n_drugs == 0)
    hfs_diag_error(d, e->file, e->line,
                   "[%s] medication.drugs: name at least one drug", e->section);
}

/* Can line LN end for reason R? */
static int can_end(const spasm_line *ln, int r)
{
  return produces(ln->treatment, (spasm_line_end)r) ||
         (r == SPASM_END_CHOICE && ln->surgery_choice);
}

/* LINE.reenter_after = none | REASON, REASON, ... */
static void read_reenter(hfs_setting *e, spasm_line *ln, hfs_diag *d)
{
  char buf[256];
  snprintf(buf, sizeof buf, "%s", e->value);
  char *v = trim(buf);
  ln->reenter_mask = 0;
  if (strcmp(v, "none") == 0 || hfs_setting_list_has_empty(e, ",", d))
    return;
  int any = 0;
  char *save = NULL;
  for (char *tok = strtok_r(v, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    char *name = trim(tok);
    int r = find_name(name, spasm_reason_names, SPASM_END_REASONS_);
    if (r < 0) {
      unknown_value(d, e, "reason", name, spasm_reason_names,
                    SPASM_END_REASONS_);
      continue;
    }
    ln->reenter_mask |= 1u << r;
    any = 1;
  }
  if (!any && *v == '\0')
    hfs_diag_error(d, e->file, e->line,
                   "[%s] %s: list the reasons after which the line may be "
                   "entered again, or 'none'",
                   e->section, e->key);
}

/* A pathway loops forever if some line can end for a reason that leaves it
 * open (re-enterable) and lead, through lines that each end for a reason
 * that leaves them open, back to itself: nothing in the patient's history
 * then stops the cycle. Nodes are (line, reason) pairs that leave the line
 * open; (L, r) -> (go_to[r], r') for every open end r' of the target.
 * Returns 1 and reports the first cycle found. */
static int find_loop(const spasm_strategy *st, int node, int *mark,
                     int *path, int depth, hfs_diag *d, const char *section)
{
  int li = node / SPASM_END_REASONS_, r = node % SPASM_END_REASONS_;
  mark[node] = 1; /* on the current path */
  path[depth] = node;
  const spasm_line *ln = &st->lines[li];
  int to = ln->go_to[r];
  if (to >= 0) {
    const spasm_line *tn = &st->lines[to];
    for (int r2 = 0; r2 < SPASM_END_REASONS_; r2++) {
      if (!can_end(tn, r2) || !(tn->reenter_mask & (1u << r2)))
        continue;
      int next = to * SPASM_END_REASONS_ + r2;
      if (mark[next] == 1) {
        char cycle[512] = "";
        int start = 0;
        while (path[start] != next)
          start++;
        long where = 0;
        for (int k = start; k <= depth; k++) {
          int l = path[k] / SPASM_END_REASONS_, rr = path[k] % SPASM_END_REASONS_;
          char step[96];
          snprintf(step, sizeof step, "%s ends (%s) -> ",
                   spasm_treatment_names[st->lines[l].treatment],
                   spasm_reason_names[rr]);
          strncat(cycle, step, sizeof cycle - strlen(cycle) - 1);
          if (where == 0)
            where = st->lines[l].go_to_line[rr];
        }
        strncat(cycle, spasm_treatment_names[tn->treatment],
                sizeof cycle - strlen(cycle) - 1);
        hfs_diag_error(d, st->file, where ? where : st->line,
                       "[%s] the pathway can loop forever: %s; each line is "
                       "re-entered after the reason it ended for (change an "
                       "on_ target or a reenter_after)",
                       section, cycle);
        return 1;
      }
      if (mark[next] == 0 && find_loop(st, next, mark, path, depth + 1, d,
                                       section))
        return 1;
    }
  }
  mark[node] = 2; /* done */
  return 0;
}

static void check_loops(const spasm_strategy *st, hfs_diag *d,
                        const char *section)
{
  int mark[SPASM_MAX_LINES * SPASM_END_REASONS_] = {0};
  int path[SPASM_MAX_LINES * SPASM_END_REASONS_];
  for (int li = 0; li < st->n_lines; li++)
    for (int r = 0; r < SPASM_END_REASONS_; r++) {
      const spasm_line *ln = &st->lines[li];
      int node = li * SPASM_END_REASONS_ + r;
      if (!can_end(ln, r) || !(ln->reenter_mask & (1u << r)) || mark[node])
        continue;
      if (find_loop(st, node, mark, path, 0, d, section))
        return;
    }
}

/* Keys of line TREATMENT that apply, for suggestions. */
static size_t known_keys(spasm_treatment t, const char **out)
{
  size_t n = 0;
  for (int r = 0; r < SPASM_END_REASONS_; r++)
    if (produces(t, (spasm_line_end)r))
      out[n++] = reason_keys[r];
  out[n++] = "max_years";
  out[n++] = "reenter_after";
  if (t == SPASM_TX_MEDICATION)
    out[n++] = "drugs";
  if (t == SPASM_TX_BOTOX) {
    out[n++] = "schedule";
    out[n++] = "surgery_choice";
  }
  if (t == SPASM_TX_MVD)
    out[n++] = "redo_max";
  return n;
}

static void read_line_key(hfs_setting *e, spasm_strategy *st, hfs_diag *d)
{
  const char *dot = strchr(e->key, '.');
  char tname[64];
  size_t n = (size_t)(dot - e->key);
  snprintf(tname, sizeof tname, "%.*s", (int)(n < 63 ? n : 63), e->key);
  const char *key = dot + 1;
  int t = find_name(tname, spasm_treatment_names, SPASM_TX_COUNT_);
  if (t < 0) {
    unknown_value(d, e, "treatment", tname, spasm_treatment_names, SPASM_TX_COUNT_);
    return;
  }
  int li = line_index(st, tname);
  if (li < 0) {
    hfs_diag_error(d, e->file, e->line,
                   "[%s] %s: '%s' is not one of this strategy's lines",
                   e->section, e->key, tname);
    return;
  }
  spasm_line *ln = &st->lines[li];
  for (int r = 0; r < SPASM_END_REASONS_; r++)
    if (strcmp(key, reason_keys[r]) == 0 && produces(ln->treatment, r)) {
      read_target(e, st, li, r, d);
      return;
    }
  if (strcmp(key, "max_years") == 0) {
    double v;
    if (strcmp(e->value, "none") == 0)
      ln->max_years = HFS_INF;
    else if (hfs_parse_double(e->value, &v) != 0 || !(v > 0))
      hfs_diag_error(d, e->file, e->line,
                     "[%s] %s: a time limit is 'none' or a number of years "
                     "> 0, got '%s'",
                     e->section, e->key, e->value);
    else
      ln->max_years = v;
    return;
  }
  if (strcmp(key, "reenter_after") == 0) {
    read_reenter(e, ln, d);
    return;
  }
  if (t == SPASM_TX_MEDICATION && strcmp(key, "drugs") == 0) {
    read_drugs(e, ln, d);
    return;
  }
  if (t == SPASM_TX_BOTOX && strcmp(key, "schedule") == 0) {
    if (strcmp(e->value, "fixed_interval") == 0)
      ln->when_worn_off = 0;
    else if (strcmp(e->value, "when_worn_off") == 0)
      ln->when_worn_off = 1;
    else
      hfs_diag_error(d, e->file, e->line,
                     "[%s] %s: expected fixed_interval or when_worn_off, got "
                     "'%s'",
                     e->section, e->key, e->value);
    return;
  }
  if (t == SPASM_TX_BOTOX && strcmp(key, "surgery_choice") == 0) {
    if (hfs_parse_yes_no(e->value, &ln->surgery_choice) != 0)
      hfs_diag_error(d, e->file, e->line,
                     "[%s] %s: expected yes or no, got '%s'", e->section,
                     e->key, e->value);
    return;
  }
  if (t == SPASM_TX_MVD && strcmp(key, "redo_max") == 0) {
    double v;
    if (hfs_parse_double(e->value, &v) != 0 || v != floor(v) || v < 0 || v > 3)
      hfs_diag_error(d, e->file, e->line,
                     "[%s] %s: the number of redo operations is 0, 1, 2 or "
                     "3, got '%s'",
                     e->section, e->key, e->value);
    else
      ln->redo_max = (int)v;
    return;
  }
  const char *known[12];
  size_t nk = known_keys(ln->treatment, known);
  const char *sug = hfs_closest_name(key, known, nk);
  hfs_diag_error(d, e->file, e->line, "[%s] unknown key '%s' for %s%s%s%s",
                 e->section, e->key, tname, sug ? " (did you mean '" : "",
                 sug ? sug : "", sug ? "'?)" : "");
}

hfs_status spasm_strategies_read(hfs_scenario *s, spasm_strategy *out, hfs_diag *d)
{
  size_t before = hfs_diag_count(d);
  if (s->n_strategies == 0)
    hfs_diag_error(d, s->path, 0,
                   "no strategies: define at least one [strategy NAME] "
                   "section");
  for (size_t i = 0; i < s->n_strategies; i++) {
    spasm_strategy *st = &out[i];
    size_t st_before = hfs_diag_count(d);
    memset(st, 0, sizeof *st);
    st->name = hfs_strdup(s->strategy_names[i]);
    char section[300];
    snprintf(section, sizeof section, "strategy %s", s->strategy_names[i]);
    hfs_setting *e = hfs_scenario_get(s, section, "label");
    st->label = hfs_strdup(e ? e->value : s->strategy_names[i]);
    st->file = s->path;
    st->line = s->strategy_lines[i];
    if (st->name == NULL || st->label == NULL)
      return HFS_ERR_NOMEM;
    e = hfs_scenario_get(s, section, "lines");
    if (e == NULL) {
      hfs_diag_error(d, s->path, s->strategy_lines[i],
                     "[%s] needs 'lines = ...' (treatment lines in order, or "
                     "'none')",
                     section);
      continue;
    }
    if (!read_lines(e, st, d))
      continue;
    for (size_t k = 0; k < s->n_settings; k++) {
      hfs_setting *set = &s->settings[k];
      if (strcmp(set->section, section) != 0 ||
          strcmp(set->key, "label") == 0 || strcmp(set->key, "lines") == 0)
        continue;
      set->used = 1;
      if (strchr(set->key, '.') != NULL) {
        read_line_key(set, st, d);
      } else {
        static const char *const top[] = {"label", "lines"};
        const char *sug = hfs_closest_name(set->key, top, 2);
        hfs_diag_error(d, set->file, set->line,
                       "[%s] unknown key '%s'%s%s%s (line settings are "
                       "written TREATMENT.KEY, e.g. botox.schedule)",
                       section, set->key, sug ? " (did you mean '" : "",
                       sug ? sug : "", sug ? "'?)" : "");
      }
    }
    /* Resolve "next" and check that a surgery choice has somewhere to go. */
    for (int li = 0; li < st->n_lines; li++) {
      spasm_line *ln = &st->lines[li];
      for (int r = 0; r < SPASM_END_REASONS_; r++)
        if (ln->go_to[r] == -100)
          ln->go_to[r] = li + 1 < st->n_lines ? li + 1 : SPASM_GOTO_UNTREATED;
      ln->go_to[SPASM_END_CHOICE] = SPASM_GOTO_UNTREATED;
      if (ln->treatment == SPASM_TX_BOTOX && ln->surgery_choice) {
        int m = line_index(st, "mvd");
        if (m < 0)
          hfs_diag_error(d, s->path, s->strategy_lines[i],
                         "[%s] botox.surgery_choice = yes needs an mvd line "
                         "in 'lines'",
                         section);
        else
          ln->go_to[SPASM_END_CHOICE] = m;
      }
    }
    if (hfs_diag_count(d) == st_before)
      check_loops(st, d, section);
  }
  return hfs_diag_count(d) > before ? HFS_ERR_INPUT : HFS_OK;
}

void spasm_strategy_free(spasm_strategy *st)
{
  free(st->name);
  free(st->label);
  st->name = st->label = NULL;
}

static const char *target_text(const spasm_strategy *st, int go, char *buf,
                               size_t n)
{
  if (go == SPASM_GOTO_UNTREATED)
    return "untreated";
  if (go == SPASM_GOTO_NEXT_DRUG)
    return "next drug";
  snprintf(buf, n, "%d] %s", go + 1,
           spasm_treatment_names[st->lines[go].treatment]);
  return buf;
}

void spasm_strategy_describe(const spasm_strategy *st, FILE *f)
{
  fprintf(f, "strategy %s (%s)\n", st->name, st->label);
  if (st->n_lines == 0)
    fprintf(f, "  no treatment: natural history only\n");
  for (int li = 0; li < st->n_lines; li++) {
    const spasm_line *ln = &st->lines[li];
    char buf[64];
    fprintf(f, "  [%d] %s%s", li + 1, spasm_treatment_names[ln->treatment],
            li == 0 ? " (start)" : "");
    if (ln->treatment == SPASM_TX_MEDICATION) {
      fprintf(f, " (drugs:");
      for (int k = 0; k < ln->n_drugs; k++)
        fprintf(f, "%s %s", k ? "," : "", spasm_drug_names[ln->drugs[k]]);
      fprintf(f, ")");
    }
    if (ln->treatment == SPASM_TX_BOTOX)
      fprintf(f, " (schedule: %s, surgery choice: %s)",
              ln->when_worn_off ? "when_worn_off" : "fixed_interval",
              ln->surgery_choice ? "yes" : "no");
    if (ln->treatment == SPASM_TX_MVD)
      fprintf(f, " (redo operations allowed: %d)", ln->redo_max);
    if (!isinf(ln->max_years))
      fprintf(f, " (time limit: %g years)", ln->max_years);
    fprintf(f, "\n      re-entered after: ");
    int any = 0;
    for (int r = 0; r < SPASM_END_REASONS_; r++)
      if (ln->reenter_mask & (1u << r)) {
        fprintf(f, "%s%s", any ? ", " : "", spasm_reason_names[r]);
        any = 1;
      }
    fprintf(f, "%s\n", any ? "" : "never");
    for (int r = 0; r < SPASM_END_REASONS_; r++) {
      if (!can_end(ln, r))
        continue;
      if (r == SPASM_END_TIME_LIMIT && isinf(ln->max_years))
        continue;
      int go = ln->go_to[r];
      const char *dir = go < 0 ? "" : go < li ? "  (back)" : go == li ? "  (same line)" : "";
      fprintf(f, "      |-- %-16s --> %s%s%s\n", spasm_reason_names[r],
              go >= 0 ? "[" : "", target_text(st, go, buf, sizeof buf), dir);
    }
  }
}
