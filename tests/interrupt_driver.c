/*
 * interrupt_driver.c - robustness tests of the hfsim program that a CMake
 * script cannot write: interrupting a run with a signal, full disks and
 * file-size limits, and a scan of every cell of every CSV.
 *
 *   interrupt_driver MODE HFSIM CONFIG WORK [ARG]
 *
 *   HFSIM   the program; CONFIG a scenario (configs/default.ini unless the
 *           mode says otherwise); WORK a scratch folder, emptied first.
 *
 * Modes (exit 0 passed, 1 failed, 77 skipped):
 *   run SIG [--patients-csv]
 *           a good small run into WORK/out, then `hfsim run` of 3,000,000
 *           patients into the same folder, sent SIG (INT or TERM) half a
 *           second after it says it is simulating. Exit code 130, standard
 *           error says it was interrupted after how many of the patients
 *           and that no results were written, nothing on standard output says
 *           "wrote", and WORK/out is exactly as the good run left it (same
 *           files, same SHA-256: no CSV), with no staging folder or
 *           temporary in it or beside it (output.h). With
 *           --patients-csv the interrupted run goes into a new folder,
 *           which must hold no file afterwards.
 *   psa [PATIENTS]
 *           a reference PSA (60 iterations of PATIENTS patients, default
 *           1000) into WORK/ref; into WORK/work an earlier PSA (another
 *           seed), then the same PSA as the reference, stopped by SIGTERM
 *           after 2 iterations, resumed with --resume and stopped by
 *           SIGINT 2 iterations later, then resumed to the end.
 *           The stopped runs exit 130, say how far they got and leave the
 *           earlier results as they were; the last one's psa.csv,
 *           psa_summary.csv, psa_parameters.csv, ceac.csv, evpi.csv and
 *           evppi.csv equal the reference byte for byte.
 *   verify  `hfsim verify` sent SIGINT: exit 130 and nothing written.
 *   disk-full [resume]
 *           in a private mount namespace, a 512 KiB tmpfs: a good run
 *           into it, then a run with patients.csv that fills it, a run
 *           when it is full and a PSA when it is full; each exits 4,
 *           names the file and the reason, and leaves the good run's files
 *           as they were. With "resume": space is freed and the PSA is run
 *           again with --resume, which must complete. Skipped (77) when
 *           no tmpfs can be mounted.
 *   file-too-large
 *           the same with a file-size limit (RLIMIT_FSIZE, SIGXFSZ
 *           ignored), which needs no privilege: writes fail with EFBIG.
 *   cells CONFIGS
 *           CONFIG is tests/data/robust_formula.ini (labels that look like
 *           formulas). run --patients-csv, psa, owsa, twsa and scenarios on
 *           it, and verify on a copy of CONFIGS (configs/) whose
 *           validation_targets.csv has formula-like metrics and sources;
 *           no cell of any CSV they write may start with = + - @ tab or CR
 *           unless it is a number, and the formula-like texts must be
 *           there, escaped. And `hfsim check` with a copy of
 *           parameters.csv holding formula-like parameter names must
 *           reject each one (exit 3).
 */
#define _GNU_SOURCE /* unshare(), CLONE_NEWNS, pipe2() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hfsim/sha256.h"
#include "test_fs.h"

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

enum { PASSED = 0, FAILED = 1, SKIPPED = 77 };

static const char *hfsim, *config, *work;
static int failures;

static void fail(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("FAIL: ", stdout);
  vprintf(fmt, ap);
  fputc('\n', stdout);
  va_end(ap);
  fflush(stdout);
  failures++;
}

static void note(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void note(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  fputc('\n', stdout);
  va_end(ap);
  fflush(stdout);
}

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

static char *path2(const char *a, const char *b)
{
  char *p = test_path_join(a, b);
  if (p == NULL) {
    perror("malloc");
    exit(FAILED);
  }
  return p;
}

/* ---- files and folders ----------------------------------------------------
 */

static void make_dir(const char *path)
{
  if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
    exit(FAILED);
  }
}

static char *read_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0;
  char *s = malloc(cap);
  size_t got;
  while (s != NULL && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n < 2) {
      char *t = realloc(s, cap * 2);
      if (t == NULL) {
        free(s);
        s = NULL;
        break;
      }
      s = t;
      cap *= 2;
    }
  }
  fclose(f);
  if (s != NULL)
    s[n] = '\0';
  return s;
}

static int write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    return -1;
  fputs(text, f);
  return fclose(f);
}

static int copy_file(const char *from, const char *to)
{
  char *s = read_file(from);
  int rc = s != NULL ? write_file(to, s) : -1;
  free(s);
  return rc;
}

static long count_lines(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  long n = 0;
  int c;
  while ((c = getc(f)) != EOF)
    n += c == '\n';
  fclose(f);
  return n;
}

static int same_bytes(const char *a, const char *b)
{
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int same = fa != NULL && fb != NULL;
  while (same) {
    int ca = getc(fa), cb = getc(fb);
    if (ca != cb)
      same = 0;
    if (ca == EOF || cb == EOF)
      break;
  }
  if (fa)
    fclose(fa);
  if (fb)
    fclose(fb);
  return same;
}

/* Every entry of a folder (dot files too), sorted, with the SHA-256 of
 * regular files. */
typedef struct entry {
  char name[256];
  char hash[65];
} entry;

typedef struct snapshot {
  entry *e;
  size_t n;
} snapshot;

static int by_name(const void *a, const void *b)
{
  return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

/* SKIP: a name left out (NULL: none). A missing folder is empty. */
static snapshot take_snapshot(const char *dir, const char *skip)
{
  snapshot s = {NULL, 0};
  DIR *d = opendir(dir);
  if (d == NULL)
    return s;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
        (skip != NULL && !strcmp(e->d_name, skip)))
      continue;
    entry *grown = realloc(s.e, (s.n + 1) * sizeof *grown);
    if (grown == NULL)
      break;
    s.e = grown;
    entry *x = &s.e[s.n++];
    snprintf(x->name, sizeof x->name, "%s", e->d_name);
    char *p = path2(dir, e->d_name);
    struct stat sb;
    if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
      if (hfs_sha256_file(p, x->hash) != 0)
        snprintf(x->hash, sizeof x->hash, "(unreadable)");
    } else {
      snprintf(x->hash, sizeof x->hash, "(not a file)");
    }
    free(p);
  }
  closedir(d);
  if (s.n > 1)
    qsort(s.e, s.n, sizeof *s.e, by_name);
  return s;
}

static void print_snapshot(const char *title, const snapshot *s)
{
  note("  %s:%s", title, s->n ? "" : " (nothing)");
  for (size_t i = 0; i < s->n; i++)
    note("    %s %s", s->e[i].name, s->e[i].hash);
}

/* Nonzero when equal; else a failure naming WHAT. */
static int expect_same(const char *what, const snapshot *before,
                       const snapshot *after)
{
  int same = before->n == after->n;
  for (size_t i = 0; same && i < before->n; i++)
    same = !strcmp(before->e[i].name, after->e[i].name) &&
           !strcmp(before->e[i].hash, after->e[i].hash);
  if (!same) {
    fail("%s", what);
    print_snapshot("before", before);
    print_snapshot("after", after);
  }
  return same;
}

static int has_file(const snapshot *s, const char *name)
{
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->e[i].name, name))
      return 1;
  return 0;
}

/* No temporary in DIR or beside it: staging folders are named
 * .NAME.hfsim-staging-XXXXXX, temporaries of files kept beside a folder
 * .NAME.WHAT.tmp-XXXXXX, and (before output folders were transactions)
 * files .NAME.tmp-PID (output.h). */
static void expect_no_temporaries_in(const char *dir)
{
  snapshot s = take_snapshot(dir, NULL);
  for (size_t i = 0; i < s.n; i++)
    if (s.e[i].name[0] == '.' && (strstr(s.e[i].name, ".tmp-") != NULL ||
                                  strstr(s.e[i].name, "hfsim-staging") != NULL))
      fail("temporary file left behind: %s/%s", dir, s.e[i].name);
  free(s.e);
}

static void expect_no_temporaries(const char *dir)
{
  expect_no_temporaries_in(dir);
  char *parent = strdup(dir);
  char *slash = parent ? strrchr(parent, '/') : NULL;
  if (slash != NULL && slash != parent) {
    *slash = '\0';
    expect_no_temporaries_in(parent);
  }
  free(parent);
}

/* ---- running hfsim --------------------------------------------------------
 */

typedef struct proc {
  pid_t pid;
  int err_fd; /* read end of the child's standard error, -1 at EOF */
  char *err;  /* what it wrote there so far */
  size_t err_len, err_cap;
  int exited, status;
  double signal_time;
} proc;

typedef struct limits {
  long fsize; /* RLIMIT_FSIZE in bytes (SIGXFSZ ignored); 0 = none */
} limits;

/* Start ARGV with standard output into OUT_PATH (NULL: /dev/null) and
 * standard error into a pipe. */
static void start(proc *p, char *const argv[], const char *out_path,
                  const limits *lim)
{
  memset(p, 0, sizeof *p);
  p->err_fd = -1;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    perror("pipe");
    exit(FAILED);
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(FAILED);
  }
  if (pid == 0) {
    /* async-signal-safe calls only */
    dup2(fds[1], 2);
    int out = open(out_path ? out_path : "/dev/null",
                   O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (out >= 0)
      dup2(out, 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (lim != NULL && lim->fsize > 0) {
      /* over the limit, write() fails with EFBIG instead of killing */
      sa.sa_handler = SIG_IGN;
      sigaction(SIGXFSZ, &sa, NULL);
      struct rlimit rl = {(rlim_t)lim->fsize, (rlim_t)lim->fsize};
      setrlimit(RLIMIT_FSIZE, &rl);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  p->pid = pid;
  p->err_fd = fds[0];
}

/* Read what is there on standard error (waiting up to MS) and notice the
 * exit. */
static void pump(proc *p, int ms)
{
  if (p->err_fd >= 0) {
    struct pollfd pfd = {p->err_fd, POLLIN, 0};
    if (poll(&pfd, 1, ms) > 0) {
      char buf[4096];
      ssize_t n = read(p->err_fd, buf, sizeof buf);
      if (n > 0) {
        if (p->err_len + (size_t)n + 1 > p->err_cap) {
          size_t cap = p->err_cap ? p->err_cap * 2 : 8192;
          while (cap < p->err_len + (size_t)n + 1)
            cap *= 2;
          char *t = realloc(p->err, cap);
          if (t == NULL) {
            perror("realloc");
            exit(FAILED);
          }
          p->err = t;
          p->err_cap = cap;
        }
        memcpy(p->err + p->err_len, buf, (size_t)n);
        p->err_len += (size_t)n;
        p->err[p->err_len] = '\0';
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(p->err_fd);
        p->err_fd = -1;
      }
    }
  } else {
    sleep_ms(ms);
  }
  if (!p->exited && waitpid(p->pid, &p->status, WNOHANG) == p->pid)
    p->exited = 1;
}

static const char *err_text(const proc *p)
{
  return p->err ? p->err : "";
}

/* Exit code, or 128 + signal when killed. */
static int exit_code(const proc *p)
{
  if (WIFEXITED(p->status))
    return WEXITSTATUS(p->status);
  if (WIFSIGNALED(p->status))
    return 128 + WTERMSIG(p->status);
  return -1;
}

/* Wait for the end (killing it after TIMEOUT seconds); returns the exit
 * code. */
static int finish(proc *p, double timeout)
{
  double t0 = now();
  while (!p->exited || p->err_fd >= 0) {
    pump(p, 50);
    if (now() - t0 > timeout && !p->exited) {
      fail("hfsim did not end within %.0f s; killed", timeout);
      kill(p->pid, SIGKILL);
      waitpid(p->pid, &p->status, 0);
      p->exited = 1;
    }
  }
  return exit_code(p);
}

static void proc_free(proc *p)
{
  if (p->err_fd >= 0)
    close(p->err_fd);
  free(p->err);
  p->err = NULL;
}

/* argv for hfsim: COMMAND then the NULL-terminated words of ARGS. */
#define MAX_ARGS 40
typedef struct args {
  char *v[MAX_ARGS + 1];
  int n;
} args;

static void add(args *a, const char *s)
{
  if (a->n >= MAX_ARGS) {
    fprintf(stderr, "too many arguments\n");
    exit(FAILED);
  }
  a->v[a->n++] = (char *)s;
  a->v[a->n] = NULL;
}

static void show(const char *what, const args *a)
{
  printf("%s:", what);
  for (int i = 0; i < a->n; i++)
    printf(" %s", a->v[i]);
  putchar('\n');
  fflush(stdout);
}

/* Run to the end; returns the exit code, standard error in *ERR (caller
 * frees). */
static int run(const args *a, const limits *lim, char **err)
{
  show("$", a);
  proc p;
  start(&p, a->v, NULL, lim);
  int rc = finish(&p, 600);
  if (err != NULL)
    *err = p.err ? p.err : calloc(1, 1);
  else
    free(p.err);
  p.err = NULL;
  proc_free(&p);
  return rc;
}

static void expect_exit(const char *what, int rc, int want, const char *err)
{
  if (rc != want)
    fail("%s: exit code %d, expected %d; standard error:\n%s", what, rc, want,
         err ? err : "");
}

static void expect_text(const char *what, const char *text, const char *part)
{
  if (strstr(text, part) == NULL)
    fail("%s: expected \"%s\" in:\n%s", what, part, text);
}

/* Some of the '|'-separated ALTERNATIVES is in TEXT. */
static void expect_one_of(const char *what, const char *text,
                          const char *alternatives)
{
  const char *p = alternatives;
  for (;;) {
    const char *bar = strchr(p, '|');
    size_t n = bar ? (size_t)(bar - p) : strlen(p);
    char part[128];
    snprintf(part, sizeof part, "%.*s", (int)n, p);
    if (strstr(text, part) != NULL)
      return;
    if (bar == NULL)
      break;
    p = bar + 1;
  }
  fail("%s: expected one of \"%s\" in:\n%s", what, alternatives, text);
}

/* ---- interrupting -----------------------------------------------------------
 */

typedef int (*ready_fn)(const proc *p, const void *arg);

static int said(const proc *p, const void *text)
{
  return strstr(err_text(p), (const char *)text) != NULL;
}

typedef struct lines_at_least {
  const char *path;
  long n;
} lines_at_least;

static int has_lines(const proc *p, const void *arg)
{
  (void)p;
  const lines_at_least *l = arg;
  return count_lines(l->path) >= l->n;
}

/* Start A, wait until READY (or its end), wait DELAY_MS more, send SIG and
 * wait for the end. Returns the exit code; *SECONDS = from the signal to
 * the end; standard error in *ERR and standard output in OUT_PATH. */
static int interrupt(const args *a, ready_fn ready, const void *arg,
                     long delay_ms, int sig, const char *out_path, char **err,
                     double *seconds)
{
  show("$", a);
  proc p;
  start(&p, a->v, out_path, NULL);
  double t0 = now();
  while (!p.exited && !ready(&p, arg) && now() - t0 < 300)
    pump(&p, 10);
  if (!p.exited) {
    double until = now() + (double)delay_ms / 1000.0;
    while (!p.exited && now() < until)
      pump(&p, 5);
  }
  int sent = 0;
  if (!p.exited) {
    kill(p.pid, sig);
    sent = 1;
    p.signal_time = now();
    note("  sent %s after %.2f s", sig == SIGINT ? "SIGINT" : "SIGTERM",
         p.signal_time - t0);
  }
  int rc = finish(&p, 120);
  *seconds = sent ? now() - p.signal_time : -1.0;
  if (!sent)
    fail("hfsim ended (exit %d) before it could be interrupted:\n%s", rc,
         err_text(&p));
  else
    note("  exit %d, %.2f s after the signal", rc, *seconds);
  *err = p.err ? p.err : calloc(1, 1);
  p.err = NULL;
  proc_free(&p);
  return rc;
}

static int signal_number(const char *name)
{
  if (!strcmp(name, "INT") || !strcmp(name, "SIGINT"))
    return SIGINT;
  if (!strcmp(name, "TERM") || !strcmp(name, "SIGTERM"))
    return SIGTERM;
  fprintf(stderr, "unknown signal '%s' (INT or TERM)\n", name);
  exit(FAILED);
}

static int mode_run(const char *signame, int patients_csv)
{
  int sig = signal_number(signame);
  char *out = path2(work, "out");
  char *fresh = path2(work, "fresh");
  char *stdout_path = path2(work, "stdout.txt");

  /* earlier results */
  args a = {{NULL}, 0};
  add(&a, hfsim), add(&a, "run"), add(&a, "-q"), add(&a, "--config");
  add(&a, config), add(&a, "--patients"), add(&a, "200");
  add(&a, "--threads"), add(&a, "2"), add(&a, "--out"), add(&a, out);
  char *err;
  int rc = run(&a, NULL, &err);
  expect_exit("the first run", rc, 0, err);
  free(err);
  snapshot before = take_snapshot(out, NULL);
  if (!has_file(&before, "summary.csv"))
    fail("the first run wrote no summary.csv");

  /* the run under test: far too big to end before the signal */
  const char *dir = patients_csv ? fresh : out;
  args b = {{NULL}, 0};
  add(&b, hfsim), add(&b, "run"), add(&b, "--config"), add(&b, config);
  add(&b, "--patients"), add(&b, "3000000"), add(&b, "--threads");
  add(&b, "2"), add(&b, "--out"), add(&b, dir);
  if (patients_csv)
    add(&b, "--patients-csv");
  double secs;
  rc = interrupt(&b, said, "simulating", 500, sig, stdout_path, &err, &secs);
  note("  standard error:\n%s", err);
  expect_exit("the interrupted run", rc, 130, err);
  expect_text("standard error", err, "no results were written");
  /* earlier results are mentioned only where there are some (the fresh
   * folder of --patients-csv did not exist) */
  if (patients_csv && strstr(err, "earlier results") != NULL)
    fail("a new folder has no earlier results to keep:\n%s", err);
  if (!patients_csv)
    expect_text("standard error", err, "(earlier results in ");
  /* "interrupted after N of 3000000 patients" */
  const char *at = strstr(err, "interrupted after ");
  unsigned long long done = at ? strtoull(at + 18, NULL, 10) : 0;
  if (at == NULL || strstr(at, " of 3000000 patients") == NULL ||
      done >= 3000000ULL)
    fail("standard error does not say how many of the 3000000 patients "
         "were simulated:\n%s",
         err);
  char *so = read_file(stdout_path);
  if (so != NULL && strstr(so, "wrote") != NULL)
    fail("the interrupted run says it wrote results:\n%s", so);
  free(so);
  free(err);
  if (secs > 60)
    fail("hfsim took %.1f s to stop after the signal", secs);

  snapshot after = take_snapshot(out, NULL);
  expect_same("the interrupted run changed the earlier results", &before,
              &after);
  if (patients_csv) {
    snapshot f = take_snapshot(fresh, NULL);
    snapshot none = {NULL, 0};
    expect_same("the interrupted run left files in a new output folder", &none,
                &f);
    free(f.e);
  }
  expect_no_temporaries(dir);
  free(before.e);
  free(after.e);
  free(out);
  free(fresh);
  free(stdout_path);
  return failures ? FAILED : PASSED;
}

/* ---- PSA: interrupt, resume, compare ------------------------------------- */

static const char *const psa_files[] = {
    "psa.csv",  "psa_summary.csv", "psa_parameters.csv",
    "ceac.csv", "evpi.csv",        "evppi.csv"};

static const char *psa_patients = "1000";

static void psa_args(args *a, const char *out, int resume)
{
  a->n = 0;
  add(a, hfsim), add(a, "psa"), add(a, "--config"), add(a, config);
  add(a, "--iterations"), add(a, "60"), add(a, "--patients");
  add(a, psa_patients);
  add(a, "--threads"), add(a, "2"), add(a, "--out"), add(a, out);
  if (resume)
    add(a, "--resume");
}

/* "interrupted after K of N iterations" -> K, or -1 */
static long interrupted_after(const char *err)
{
  const char *p = strstr(err, "interrupted after ");
  return p ? strtol(p + 18, NULL, 10) : -1;
}

static int mode_psa(void)
{
  char *ref = path2(work, "ref");
  char *dir = path2(work, "work");
  /* kept beside the folder (output.h, hfs_output_sibling_path()) */
  char *ckpt = path2(work, ".work.psa-checkpoint");
  args a = {{NULL}, 0};
  char *err;

  psa_args(&a, ref, 0);
  double t0 = now();
  int rc = run(&a, NULL, &err);
  expect_exit("the reference PSA", rc, 0, err);
  free(err);
  note("  reference PSA: %.2f s", now() - t0);

  /* earlier results in the folder: another PSA */
  a.n = 0;
  add(&a, hfsim), add(&a, "psa"), add(&a, "-q"), add(&a, "--config");
  add(&a, config), add(&a, "--iterations"), add(&a, "12");
  add(&a, "--patients"), add(&a, "200"), add(&a, "--seed"), add(&a, "99");
  add(&a, "--out"), add(&a, dir);
  rc = run(&a, NULL, &err);
  expect_exit("the earlier PSA", rc, 0, err);
  free(err);
  snapshot before = take_snapshot(dir, NULL);
  if (has_file(&before, ".psa-checkpoint"))
    fail("a completed PSA left its checkpoint behind");
  if (!has_file(&before, "psa.csv"))
    fail("the earlier PSA wrote no psa.csv");

  /* 1: SIGTERM after 2 iterations */
  double secs;
  lines_at_least l1 = {ckpt, 1 + 2};
  psa_args(&a, dir, 0);
  rc = interrupt(&a, has_lines, &l1, 0, SIGTERM, NULL, &err, &secs);
  note("  standard error:\n%s", err);
  expect_exit("the PSA stopped by SIGTERM", rc, 130, err);
  expect_text("standard error", err, "no results were written");
  expect_text("standard error", err, "--resume");
  long k1 = interrupted_after(err);
  if (k1 < 2 || k1 >= 60)
    fail("stopped after %ld iterations, expected 2 to 59:\n%s", k1, err);
  free(err);
  snapshot after = take_snapshot(dir, ".psa-checkpoint");
  expect_same("the interrupted PSA changed the earlier results", &before,
              &after);
  free(after.e);
  expect_no_temporaries(dir);
  if (count_lines(ckpt) != 1 + k1)
    fail("the checkpoint holds %ld lines, expected %ld", count_lines(ckpt),
         1 + k1);

  /* 2: resumed, SIGINT 2 iterations later */
  lines_at_least l2 = {ckpt, 1 + k1 + 2};
  psa_args(&a, dir, 1);
  rc = interrupt(&a, has_lines, &l2, 0, SIGINT, NULL, &err, &secs);
  note("  standard error:\n%s", err);
  expect_exit("the resumed PSA stopped by SIGINT", rc, 130, err);
  char want[128];
  snprintf(want, sizeof want, "resuming after iteration %ld of 60", k1);
  expect_text("standard error", err, want);
  long k2 = interrupted_after(err);
  if (k2 < k1 + 2 || k2 >= 60)
    fail("stopped after %ld iterations, expected %ld to 59:\n%s", k2, k1 + 2,
         err);
  free(err);
  after = take_snapshot(dir, ".psa-checkpoint");
  expect_same("the second interrupted PSA changed the earlier results", &before,
              &after);
  free(after.e);
  expect_no_temporaries(dir);

  /* 3: resumed to the end */
  psa_args(&a, dir, 1);
  rc = run(&a, NULL, &err);
  expect_exit("the resumed PSA", rc, 0, err);
  snprintf(want, sizeof want, "resuming after iteration %ld of 60", k2);
  expect_text("standard error", err, want);
  free(err);
  note("  interrupted after %ld, then %ld of 60 iterations; resumed", k1, k2);

  for (size_t i = 0; i < sizeof psa_files / sizeof *psa_files; i++) {
    char *x = path2(ref, psa_files[i]), *y = path2(dir, psa_files[i]);
    if (!same_bytes(x, y))
      fail("%s differs from the uninterrupted run's (%s)", y, x);
    else
      note("  %s: identical to the uninterrupted run", psa_files[i]);
    free(x);
    free(y);
  }
  after = take_snapshot(dir, NULL);
  if (has_file(&after, ".psa-checkpoint"))
    fail("the completed PSA left its checkpoint behind");
  if (!has_file(&after, "manifest.txt"))
    fail("the completed PSA wrote no manifest.txt");
  free(after.e);
  expect_no_temporaries(dir);
  free(before.e);
  free(ref);
  free(dir);
  free(ckpt);
  return failures ? FAILED : PASSED;
}

static int mode_verify(void)
{
  char *out = path2(work, "out");
  args a = {{NULL}, 0};
  add(&a, hfsim), add(&a, "verify"), add(&a, "--config"), add(&a, config);
  add(&a, "--patients"), add(&a, "20000"), add(&a, "--out"), add(&a, out);
  char *err;
  double secs;
  int rc =
      interrupt(&a, said, "verification with", 500, SIGINT, NULL, &err, &secs);
  expect_exit("the interrupted verify", rc, 130, err);
  expect_text("standard error", err, "interrupted");
  free(err);
  snapshot s = take_snapshot(out, NULL), none = {NULL, 0};
  expect_same("the interrupted verify wrote files", &none, &s);
  free(s.e);
  free(out);
  return failures ? FAILED : PASSED;
}

/* ---- full disk and file-size limit --------------------------------------- */

static void run_args(args *a, const char *out, const char *patients,
                     int patients_csv)
{
  a->n = 0;
  add(a, hfsim), add(a, "run"), add(a, "-q"), add(a, "--config");
  add(a, config), add(a, "--patients"), add(a, patients);
  add(a, "--threads"), add(a, "2"), add(a, "--out"), add(a, out);
  if (patients_csv)
    add(a, "--patients-csv");
}

/* A run that must fail with exit code 4, naming FILE_PART and REASON, and
 * leave OUT as BEFORE. */
static void expect_write_failure(const char *what, const args *a,
                                 const limits *lim, const char *out,
                                 const snapshot *before, const char *file_part,
                                 const char *reason)
{
  char *err;
  int rc = run(a, lim, &err);
  note("  %s", err);
  expect_exit(what, rc, 4, err);
  expect_text(what, err, file_part);
  if (reason != NULL)
    expect_one_of(what, err, reason);
  snapshot after = take_snapshot(out, ".psa-checkpoint");
  char msg[256];
  snprintf(msg, sizeof msg, "%s: the earlier results changed", what);
  expect_same(msg, before, &after);
  free(after.e);
  expect_no_temporaries(out);
  free(err);
}

/* Fill the file system of DIR: returns bytes written. */
static long fill(const char *path)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0)
    return -1;
  static char block[4096];
  long total = 0;
  ssize_t n;
  while ((n = write(fd, block, sizeof block)) > 0)
    total += n;
  close(fd);
  return total;
}

static int disk_full_steps(const char *mnt, int resume)
{
  char *out = path2(mnt, "out");
  char *filler = path2(mnt, "filler");
  args a = {{NULL}, 0};
  char *err;

  run_args(&a, out, "200", 0);
  int rc = run(&a, NULL, &err);
  expect_exit("the first run", rc, 0, err);
  free(err);
  snapshot before = take_snapshot(out, NULL);
  if (!has_file(&before, "summary.csv"))
    fail("the first run wrote no summary.csv");

  if (!resume) {
    /* patients.csv (about 1.4 kB a patient) fills the 512 KiB */
    run_args(&a, out, "2000", 1);
    expect_write_failure("a run that fills the disk", &a, NULL, out, &before,
                         "patients.csv", "disk full|No space left on device");
  }
  long filled = fill(filler);
  note("  filled the disk with %ld more bytes", filled);
  if (!resume) {
    run_args(&a, out, "200", 0);
    expect_write_failure("a run on a full disk", &a, NULL, out, &before,
                         "/out/summary.csv", "No space left on device");
  }

  a.n = 0;
  add(&a, hfsim), add(&a, "psa"), add(&a, "-q"), add(&a, "--config");
  add(&a, config), add(&a, "--iterations"), add(&a, "12");
  add(&a, "--patients"), add(&a, "100"), add(&a, "--threads"), add(&a, "2");
  /* a folder of its own: one folder belongs to one command (output.h) */
  char *out_psa = path2(mnt, "out-psa");
  add(&a, "--out"), add(&a, out_psa);
  /* it names its staging folder or checkpoint at the start, or psa.csv
   * and the others at the end */
  expect_write_failure("a PSA on a full disk", &a, NULL, out, &before,
                       "out-psa", "No space left on device");
  expect_no_temporaries(out_psa);

  if (resume) {
    /* space again: the same PSA with --resume must run (from wherever its
     * checkpoint got to, or from the start) */
    unlink(filler);
    add(&a, "--resume");
    rc = run(&a, NULL, &err);
    expect_exit("the PSA resumed once there is space", rc, 0, err);
    free(err);
    snapshot s = take_snapshot(out_psa, NULL);
    if (!has_file(&s, "psa.csv"))
      fail("the resumed PSA wrote no psa.csv");
    free(s.e);
  }
  free(before.e);
  free(out_psa);
  free(out);
  free(filler);
  return failures ? FAILED : PASSED;
}

static int write_id_map(const char *file, const char *text)
{
  int fd = open(file, O_WRONLY);
  if (fd < 0)
    return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* In a child process with a mount namespace of its own (so the tmpfs
 * disappears with it, whatever happens): mount a small tmpfs and run the
 * steps there. */
static int mode_disk_full(int resume)
{
  char *mnt = path2(work, "mnt");
  make_dir(mnt);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return FAILED;
  }
  if (pid == 0) {
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWNS) != 0) {
      /* not root: a user namespace gives the right to mount there */
      char map[64];
      if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        note("SKIPPED: no mount namespace (unshare: %s)", strerror(errno));
        _exit(SKIPPED);
      }
      write_id_map("/proc/self/setgroups", "deny");
      snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
      write_id_map("/proc/self/uid_map", map);
      snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
      write_id_map("/proc/self/gid_map", map);
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
      note("SKIPPED: cannot make mounts private: %s", strerror(errno));
      _exit(SKIPPED);
    }
    if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=512k") != 0) {
      note("SKIPPED: cannot mount a tmpfs on %s: %s", mnt, strerror(errno));
      _exit(SKIPPED);
    }
    note("a 512 KiB tmpfs on %s (private mount namespace)", mnt);
    int rc = disk_full_steps(mnt, resume);
    umount2(mnt, MNT_DETACH);
    fflush(NULL);
    _exit(rc);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  free(mnt);
  return WIFEXITED(status) ? WEXITSTATUS(status) : FAILED;
}

static int mode_file_too_large(void)
{
  char *out = path2(work, "out");
  args a = {{NULL}, 0};
  char *err;
  run_args(&a, out, "200", 0);
  int rc = run(&a, NULL, &err);
  expect_exit("the first run", rc, 0, err);
  free(err);
  snapshot before = take_snapshot(out, NULL);

  /* 1 MiB: the results fit, patients.csv (about 2.8 MB) does not */
  limits big = {1L << 20};
  run_args(&a, out, "2000", 1);
  expect_write_failure("patients.csv over the file-size limit", &a, &big, out,
                       &before, "patients.csv", NULL);
  /* 16 KiB: trace.csv (about 80 kB) does not fit */
  limits small = {16L << 10};
  run_args(&a, out, "200", 0);
  expect_write_failure("trace.csv over the file-size limit", &a, &small, out,
                       &before, "/out/trace.csv", "File too large");
  free(before.e);
  free(out);
  return failures ? FAILED : PASSED;
}

/* ---- spreadsheet safety: every cell of every CSV ------------------------- */

static int is_number(const char *s)
{
  char *end;
  if (*s == '\0')
    return 0;
  strtod(s, &end);
  return *end == '\0';
}

typedef struct cell_scan {
  long cells;
  long escaped; /* cells starting with an apostrophe and then = + - @ */
  char found[8][64];
  int n_found;
} cell_scan;

static void check_cell(const char *file, long line, int col, const char *v,
                       cell_scan *cs)
{
  cs->cells++;
  if (v[0] == '\'' && v[1] != '\0' && strchr("=+-@\t\r", v[1]) != NULL) {
    cs->escaped++;
    if (cs->n_found < 8)
      snprintf(cs->found[cs->n_found++], sizeof cs->found[0], "%s", v);
  }
  if (v[0] != '\0' && strchr("=+-@\t\r", v[0]) != NULL && !is_number(v))
    fail("%s:%ld: column %d: the cell '%s' would start a formula", file, line,
         col, v);
}

/* RFC 4180: fields separated by commas, optionally in double quotes (""
 * inside is a quote), rows ended by LF or CRLF. */
static void scan_csv(const char *path, cell_scan *cs)
{
  char *s = read_file(path);
  if (s == NULL) {
    fail("cannot read %s", path);
    return;
  }
  size_t cap = strlen(s) + 1, n = 0;
  char *cell = malloc(cap);
  long line = 1, row_line = 1;
  int col = 1;
  const char *p = s;
  while (*p != '\0' && cell != NULL) {
    n = 0;
    if (*p == '"') {
      p++;
      for (;;) {
        if (*p == '\0') {
          fail("%s:%ld: unterminated quoted field", path, row_line);
          break;
        }
        if (*p == '"' && p[1] == '"') {
          cell[n++] = '"';
          p += 2;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          line += *p == '\n';
          cell[n++] = *p++;
        }
      }
      if (*p != ',' && *p != '\n' && *p != '\r' && *p != '\0')
        fail("%s:%ld: text after a closing quote", path, row_line);
    } else {
      while (*p != ',' && *p != '\n' && *p != '\0' &&
             !(*p == '\r' && p[1] == '\n'))
        cell[n++] = *p++;
    }
    cell[n] = '\0';
    check_cell(path, row_line, col, cell, cs);
    if (*p == ',') {
      p++;
      col++;
    } else if (*p == '\r' || *p == '\n') {
      p += *p == '\r' ? 2 : 1;
      line++;
      row_line = line;
      col = 1;
    }
  }
  free(cell);
  free(s);
}

static void scan_folder(const char *dir, cell_scan *cs)
{
  snapshot s = take_snapshot(dir, NULL);
  int csvs = 0;
  for (size_t i = 0; i < s.n; i++) {
    size_t len = strlen(s.e[i].name);
    if (len > 4 && !strcmp(s.e[i].name + len - 4, ".csv")) {
      char *p = path2(dir, s.e[i].name);
      scan_csv(p, cs);
      free(p);
      csvs++;
    }
  }
  if (csvs == 0)
    fail("no CSV in %s", dir);
  free(s.e);
}

static int mode_cells(const char *configs)
{
  static const char *const commands[][8] = {
      {"run", "--patients-csv", NULL},
      {"psa", NULL},
      {"owsa", NULL},
      {"twsa", "--param", "cost_mvd", "--param", "cost_botox_administration",
       "--steps", "2", NULL},
      {"scenarios", NULL}};
  cell_scan cs;
  memset(&cs, 0, sizeof cs);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
    char *out = path2(work, commands[i][0]);
    args a = {{NULL}, 0};
    add(&a, hfsim);
    for (int k = 0; commands[i][k] != NULL; k++)
      add(&a, commands[i][k]);
    add(&a, "-q"), add(&a, "--config"), add(&a, config), add(&a, "--out");
    add(&a, out);
    char *err;
    int rc = run(&a, NULL, &err);
    expect_exit(commands[i][0], rc, 0, err);
    free(err);
    scan_folder(out, &cs);
    free(out);
  }

  /* verify reads validation_targets.csv beside its scenario: a copy of
   * configs/ with formula-like metrics and sources */
  char *cfg = path2(work, "configs");
  make_dir(cfg);
  static const char *const files[] = {"default.ini",
                                      "parameters.csv",
                                      "life_table_us_ssa_2020.csv",
                                      "sick_sicker.ini",
                                      "sick_sicker_parameters.csv",
                                      "validation_targets.csv",
                                      "utility_norms_us_fryback2007.csv",
                                      "cpi_medical_care_us.csv",
                                      "cost_price_years.csv"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char *from = path2(configs, files[i]), *to = path2(cfg, files[i]);
    if (copy_file(from, to) != 0)
      fail("cannot copy %s to %s", from, to);
    free(from);
    free(to);
  }
  char *targets = path2(cfg, "validation_targets.csv");
  FILE *f = fopen(targets, "a");
  if (f != NULL) {
    fputs("\"=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\",mvd,"
          "mvd_cure_fraction,0.885,0.867,0.904,\"@SUM(1+1)\"\n"
          "+1,botox,injection_responder,0.95,0.73,0.98,-2+3\n",
          f);
    fclose(f);
  }
  char *scenario = path2(cfg, "default.ini");
  char *vout = path2(work, "verify");
  args a = {{NULL}, 0};
  add(&a, hfsim), add(&a, "verify"), add(&a, "-q"), add(&a, "--config");
  add(&a, scenario), add(&a, "--patients"), add(&a, "1000"), add(&a, "--out");
  add(&a, vout);
  char *err;
  int rc = run(&a, NULL, &err);
  if (rc != 0 && rc != 5) /* 5: a check failed, with so few patients */
    expect_exit("verify", rc, 0, err);
  free(err);
  scan_folder(vout, &cs);

  /* parameter names in the table are identifiers: formula-like ones are
   * rejected */
  char *table = path2(work, "formula_parameters.csv");
  char *from = path2(configs, "parameters.csv");
  if (copy_file(from, table) != 0)
    fail("cannot copy %s", from);
  static const char *const bad_names[] = {"=cmd|' /C calc'!A0", "+cost_x",
                                          "-cost_x", "@SUM(1)"};
  f = fopen(table, "a");
  if (f != NULL) {
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++)
      fprintf(f, "%s,1,,,fixed,,,,USD,E,test,test\n", bad_names[i]);
    fclose(f);
  }
  char set[600];
  snprintf(set, sizeof set, "inputs.parameters=%s", table);
  a.n = 0;
  add(&a, hfsim), add(&a, "check"), add(&a, "--config"), add(&a, config);
  add(&a, "--set"), add(&a, set);
  rc = run(&a, NULL, &err);
  expect_exit("a table with formula-like parameter names", rc, 3, err);
  for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
    char want[128];
    snprintf(want, sizeof want, "parameter name '%s' must be an identifier",
             bad_names[i]);
    expect_text("a table with formula-like parameter names", err, want);
  }
  free(err);
  free(table);
  free(from);

  note("%ld cells checked; %ld escaped with an apostrophe:", cs.cells,
       cs.escaped);
  for (int i = 0; i < cs.n_found; i++)
    note("  %s", cs.found[i]);
  if (cs.escaped < 4)
    fail("expected the 4 formula-like texts of validation_targets.csv in "
         "validation.csv, escaped; found %ld",
         cs.escaped);
  free(cfg);
  free(targets);
  free(scenario);
  free(vout);
  return failures ? FAILED : PASSED;
}

/* ---- main ------------------------------------------------------------------
 */

static int usage(void)
{
  fprintf(stderr,
          "usage: interrupt_driver MODE HFSIM CONFIG WORK [ARG]\n"
          "modes: run INT|TERM [--patients-csv], psa [PATIENTS], verify,\n"
          "       disk-full [resume], file-too-large, cells CONFIGS_DIR\n");
  return 2;
}

int main(int argc, char **argv)
{
  if (argc < 5)
    return usage();
  const char *mode = argv[1];
  hfsim = argv[2];
  config = argv[3];
  work = argv[4];
  setvbuf(stdout, NULL, _IOLBF, 0);
  test_remove_tree(work);
  char *parent = malloc(strlen(work) + 1);
  snprintf(parent, strlen(work) + 1, "%s", work);
  for (char *p = parent + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(parent, 0777);
      *p = '/';
    }
  free(parent);
  make_dir(work);
  double t0 = now();
  int rc;
  if (!strcmp(mode, "run") && argc >= 6)
    rc = mode_run(argv[5], argc >= 7 && !strcmp(argv[6], "--patients-csv"));
  else if (!strcmp(mode, "psa")) {
    if (argc >= 6)
      psa_patients = argv[5];
    rc = mode_psa();
  } else if (!strcmp(mode, "verify"))
    rc = mode_verify();
  else if (!strcmp(mode, "disk-full"))
    rc = mode_disk_full(argc >= 6 && !strcmp(argv[5], "resume"));
  else if (!strcmp(mode, "file-too-large"))
    rc = mode_file_too_large();
  else if (!strcmp(mode, "cells") && argc >= 6)
    rc = mode_cells(argv[5]);
  else
    return usage();
  note("%s (%.1f s)",
       rc == PASSED    ? "passed"
       : rc == SKIPPED ? "skipped"
                       : "FAILED",
       now() - t0);
  return rc;
}
