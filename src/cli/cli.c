/*
 * cli.c - the hfsim program: the command table, `hfsim --help` and the
 * dispatch. Each command is defined beside its code (cmd_*.c) as an
 * hfs_cli_command; this table is the one list of commands, in the order of
 * the help.
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "commands.h"
#include "common.h"
#include "hfsim/csvread.h"
#include "hfsim/params.h"
#include "hfsim/version.h"

static const hfs_cli_command *const commands[] = {
    &hfs_cli_cmd_run,       &hfs_cli_cmd_check,     &hfs_cli_cmd_psa,
    &hfs_cli_cmd_owsa,      &hfs_cli_cmd_twsa,      &hfs_cli_cmd_scenarios,
    &hfs_cli_cmd_calibrate, &hfs_cli_cmd_verify,    &hfs_cli_cmd_verify_folder,
    &hfs_cli_cmd_report,    &hfs_cli_cmd_bench,     &hfs_cli_cmd_dictionary};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void on_signal(int sig)
{
  (void)sig;
  hfs_cli_stop_requested = 1;
}

static void install_signal_handlers(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* no SA_RESTART: a wait for an output folder's lock, or a read from a
   * FIFO, ends with EINTR */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  /* A file over the size limit (ulimit -f) or a closed pipe on stdout
   * makes the write fail (EFBIG, EPIPE) instead of killing the program:
   * the failed write is reported, the staging folder removed (exit 4). */
  signal(SIGXFSZ, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  /* reading an input (a FIFO, a terminal) stops on them too */
  hfs_input_set_stop_flag(&hfs_cli_stop_requested);
}

static const char *const main_help_head =
    "Usage: hfsim COMMAND [OPTIONS]\n"
    "\n"
    "Monte Carlo microsimulation of hemifacial spasm treatment outcomes:\n"
    "patient cohorts under each treatment strategy (no treatment, oral\n"
    "drugs, botulinum toxin, microvascular decompression, stepped care),\n"
    "with costs, QALYs, years free of spasm and complications as CSV.\n"
    "\n";

static const char *const main_help_tail =
    "\n"
    "Options:\n"
    "  -h, --help     help (also 'hfsim COMMAND --help', 'hfsim help COMMAND')\n"
    "  -V, --version  version (alone: 'hfsim --version')\n"
    "\n"
    "Quick start (installed, or from the repository folder):\n"
    "  hfsim run                       default scenario -> results/default/\n"
    "  hfsim run --patients 1000 --set NAME=VALUE   (a parameter)\n"
    "  hfsim check --config my.ini     find every mistake in a scenario\n"
    "\n"
    "Files: the scenario (INI, default " HFS_DEFAULT_CONFIG ", else the\n"
    "installed PREFIX/share/hfsim/configs/default.ini) names the\n"
    "parameter table (CSV, every model number with its source) and the life\n"
    "table; paths in it are relative to its own folder. See README.md,\n"
    "configs/README.md and results/README.md.\n"
    "\n"
    "Exit codes:\n"
    "  0    success\n"
    "  1    internal error (out of memory)\n"
    "  2    bad command line\n"
    "  3    invalid input: scenario, parameter table or life table\n"
    "       (every error is reported as FILE:LINE: error: ...)\n"
    "  4    a file could not be read or written (nothing half-written is\n"
    "       left behind; earlier results are kept), or the output folder\n"
    "       holds a file its manifest does not list (it would be deleted)\n"
    "  5    hfsim verify: a verification check failed; hfsim verify-folder:\n"
    "       the folder differs from its manifest; hfsim report: a file the\n"
    "       manifest lists changed or is missing\n"
    "  6    hfsim report: report.html written, some figures not drawn\n"
    "  130  interrupted (Ctrl-C, SIGTERM or SIGHUP); no partial results\n"
    "A file over the size limit (SIGXFSZ) or a closed output pipe (SIGPIPE)\n"
    "is a failed write: exit 4.\n";

static void print_main_help(FILE *f)
{
  fputs(main_help_head, f);
  fputs("Commands:\n", f);
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf(f, "  %-11s %s\n", commands[i]->name, commands[i]->summary);
  fputs(main_help_tail, f);
}

static int dispatch(int argc, char **argv);

int hfs_cli_main(int argc, char **argv)
{
  int rc = dispatch(argc, argv);
  /* A write error on standard output (a full disk, a closed pipe) is an
   * error like any other, not a silent success: `hfsim dictionary >
   * /dev/full` fails. */
  errno = 0;
  if ((fflush(stdout) != 0 || ferror(stdout)) && rc != HFS_EXIT_IO) {
    int err = errno;
    if (err == 0) {
      /* an earlier write failed and left nothing to flush (it depends on
       * how the output falls in the buffer): a pipe without a reader shows
       * as POLLERR */
      struct pollfd pf = {fileno(stdout), POLLOUT, 0};
      err = poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR) ? EPIPE : EIO;
    }
    fprintf(stderr, "hfsim: cannot write to standard output: %s\n",
            strerror(err));
    if (rc == HFS_EXIT_OK || rc == HFS_EXIT_VERIFY)
      rc = HFS_EXIT_IO;
  }
  return rc;
}

static int dispatch(int argc, char **argv)
{
  /* GSL's default handler aborts; we check return values ourselves. */
  gsl_set_error_handler_off();
  install_signal_handlers();
  if (argc < 2) {
    print_main_help(stderr);
    return HFS_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "help") && argc >= 3) {
    /* hfsim help CMD: CMD's help, as hfsim CMD --help */
    for (size_t i = 0; i < N_COMMANDS; i++)
      if (!strcmp(argv[2], commands[i]->name)) {
        fputs(commands[i]->help, stdout);
        return HFS_EXIT_OK;
      }
    return hfs_cli_usage_error(NULL, "help: unknown command '%s'", argv[2]);
  }
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    print_main_help(stdout);
    return HFS_EXIT_OK;
  }
  if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
    printf("hfsim %s (git %s)\n", HFS_VERSION, HFS_GIT_COMMIT);
    return HFS_EXIT_OK;
  }
  const char *names[N_COMMANDS];
  for (size_t i = 0; i < N_COMMANDS; i++) {
    const hfs_cli_command *c = commands[i];
    names[i] = c->name;
    if (strcmp(cmd, c->name) != 0)
      continue;
    options o;
    memset(&o, 0, sizeof o);
    o.command = c->name;
    int rc = hfs_cli_parse_options(&o, argc, argv, c->options, c->help,
                                   c->no_effect);
    if (rc < 0)
      rc = c->run(&o, argc, argv);
    hfs_cli_options_free(&o);
    return rc;
  }
  const char *sug = hfs_closest_name(cmd, names, N_COMMANDS);
  if (sug != NULL) {
    fprintf(stderr, "hfsim: unknown command '%s' (did you mean '%s'?)\n", cmd,
            sug);
    fprintf(stderr, "Try 'hfsim --help' for more information.\n");
    return HFS_EXIT_USAGE;
  }
  return hfs_cli_usage_error(NULL, "unknown command '%s'", cmd);
}
