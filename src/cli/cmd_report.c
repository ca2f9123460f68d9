/*
 * cmd_report.c - `hfsim report DIR`: redraw the figures and report.html of
 * an output folder from its CSV files alone (figures.h), without simulating.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "progress.h"
#include "hfsim/figures.h"

static const char report_help[] =
    "Usage: hfsim report DIR [--quiet]\n"
    "\n"
    "Redraw the figures (DIR/figures/NAME.svg, .png, .pdf, each from the\n"
    "gnuplot script NAME.gp beside its data NAME.dat) and DIR/report.html\n"
    "from the CSV files and manifest.txt of an output folder, without\n"
    "simulating: it works on a folder copied from another machine. The\n"
    "files manifest.txt lists are checked first (as 'hfsim verify-folder'\n"
    "does): a report certifies only results as their command wrote them.\n"
    "Every analysis command already does this after writing its CSV files\n"
    "(set HFSIM_FIGURES=off to skip it there).\n"
    "\n"
    "report.html is one self-contained file (inline SVG and CSS, no request\n"
    "outside the file) with the key settings, the manifest, the summary\n"
    "and ICER tables (a calibration: the fit at each target and the\n"
    "calibrated parameters) and every figure the folder's data allows;\n"
    "it prints cleanly to PDF.\n"
    "\n"
    "Figures need gnuplot (Debian: apt-get install gnuplot-nox); the\n"
    "environment variable HFSIM_GNUPLOT names another program to run.\n"
    "\n"
    "Options:\n"
    "  --quiet      print nothing but warnings and errors\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit codes:\n"
    "  0    report.html and every figure written\n"
    "  2    bad command line\n"
    "  3    a CSV file or manifest.txt is missing or malformed (the message\n"
    "       names the file and line); nothing was written\n"
    "  4    a file could not be read or written, or DIR holds a file or\n"
    "       folder its manifest.txt does not list (the report replaces the\n"
    "       folder whole: move it out first); nothing was written\n"
    "  5    a file manifest.txt lists is changed or missing (as\n"
    "       'hfsim verify-folder DIR' says); nothing was written\n"
    "  6    report.html was written but some figures were not drawn\n"
    "       (gnuplot missing or failed; the warning says why)\n"
    "  130  interrupted (Ctrl-C, SIGTERM or SIGHUP); nothing was written\n"
    "\n"
    "Accepted without effect, with a warning: --config (the folder's files\n"
    "are the input).\n";

static int cmd_report(options *o, int argc, char **argv)
{
  (void)argc;
  (void)argv;
  if (o->argument == NULL)
    return hfs_cli_usage_error("report", "which folder? e.g. hfsim report "
                                         "results/default");
  hfs_diag d;
  hfs_diag_init(&d);
  hfs_report_result res;
  /* progress only where someone watches (progress.h) */
  hfs_cli_progress bar;
  hfs_cli_progress_init(&bar, o->quiet, "report", "figures");
  hfs_status s = hfs_report_build(o->argument, &hfs_cli_stop_requested,
                                  hfs_cli_progress_fn, &bar, &d, &res);
  hfs_cli_progress_end(&bar); /* (interrupted: the line is open) */
  hfs_diag_print(&d, stderr);
  hfs_diag_free(&d);
  if (s == HFS_ERR_INTERRUPTED)
    fprintf(stderr,
            "hfsim: interrupted; no results were written (%s is as "
            "it was)\n",
            o->argument);
  if (s != HFS_OK)
    return res.folder_changed ? HFS_EXIT_VERIFY : hfs_cli_exit_code(s);
  if (!o->quiet)
    printf("wrote %s/report.html and %d figure%s in %s/figures\n", o->argument,
           res.n_figures, res.n_figures == 1 ? "" : "s", o->argument);
  return res.n_figures_failed ? HFS_EXIT_FIGURES : HFS_EXIT_OK;
}

const hfs_cli_command hfs_cli_cmd_report = {
    .name = "report",
    .summary = "redraw the figures and report.html of an output folder",
    .help = report_help,
    .options = ALLOW_ARGUMENT,
    .no_effect = "--config",
    .run = cmd_report,
};
