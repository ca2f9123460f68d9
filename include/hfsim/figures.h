/*
 * figures.h - figures and report.html from an output folder's CSV files.
 *
 * Everything here reads the folder only (its CSVs and manifest.txt), never
 * the scenario or the model: `hfsim report DIR` therefore works on a folder
 * copied from another machine, and the figures an analysis command draws
 * are exactly those `hfsim report` would redraw from its files.
 *
 * Figures are drawn by gnuplot run as an external program (fork + exec, no
 * shell). Each figure is a commented gnuplot script NAME.gp beside its data
 * NAME.dat in DIR/figures/, so a user can restyle it and re-run it there
 * (`cd DIR/figures && gnuplot NAME.gp`); the script writes NAME.svg,
 * NAME.png and NAME.pdf. report.html in DIR holds the tables and every
 * figure as inline SVG, with no reference outside the file.
 *
 * Order of writing: the CSV results are committed by the analysis command
 * first; the figures and report are a second, separate all-or-nothing set
 * (hfs_output_*), so a figure that fails can never cost a CSV.
 */
#ifndef HFSIM_FIGURES_H
#define HFSIM_FIGURES_H

#include <signal.h>
#include <stdint.h>

#include "hfsim/diag.h"
#include "hfsim/output.h"

/* The program run to draw figures: $HFSIM_GNUPLOT if set, else "gnuplot"
 * looked up in PATH. */
#define HFS_GNUPLOT_DEFAULT "gnuplot"

/* Exit code of `hfsim report` when report.html was written but some figures
 * were not drawn (gnuplot missing or failed). */
#define HFS_EXIT_FIGURES 6

/* What a report build produced (for messages and tests). */
typedef struct hfs_report_result {
  int n_figures;        /* figures drawn */
  int n_figures_failed; /* figures the folder's data allows but not drawn */
  int gnuplot_missing;  /* no gnuplot: report.html written without figures */
  int folder_changed;   /* a file manifest.txt lists is changed or missing:
                           nothing written (`hfsim report` exits 5) */
} hfs_report_result;

/* Read DIR's CSVs and manifest.txt, draw every figure its data allows into
 * DIR/figures/ and write DIR/report.html, as one transaction (output.h)
 * that keeps the folder's results: the files manifest.txt lists (not
 * figures/ and report.html, which are drawn anew), each checked against
 * its size and SHA-256 first, and the manifest's lines (its file list is
 * renewed). A manifest without a file list (hfsim before 0.3): every
 * top-level file, which must be one hfsim writes.
 *
 * Returns HFS_ERR_INPUT (errors naming file and line in D) when a CSV is
 * malformed or one the manifest's command writes is missing, or (with
 * RES->folder_changed set, messages in the words of verify-folder) when a
 * listed file is changed or missing; HFS_ERR_IO when DIR cannot be read or
 * written, or holds a file or folder its manifest does not list
 * (hfs_output_open(): results replace the folder whole, so it would be
 * deleted); HFS_ERR_INTERRUPTED when *STOP (may be NULL) became nonzero
 * (checked before each figure and before the commit). Nothing is written
 * then. When gnuplot is missing or a figure fails, the problem is
 * reported as a warning on stderr (always, even for --quiet commands),
 * the other figures and report.html are still written, and HFS_OK is
 * returned with the counts in RES. PROGRESS (may be NULL) is called with
 * the figures drawn and their number, before each figure and at the end. */
typedef void (*hfs_report_progress_fn)(void *user, uint64_t done,
                                       uint64_t total);
hfs_status hfs_report_build(const char *dir, const volatile sig_atomic_t *stop,
                            hfs_report_progress_fn progress,
                            void *progress_user, hfs_diag *d,
                            hfs_report_result *res);

/* Called by every analysis command after writing its CSVs into OUT and
 * before committing it: draws the figures of those files and adds them
 * (figures/) and report.html to the same set, so they take part in the
 * same commit. Never changes the command's outcome: problems are warnings
 * on stderr and then no figure file is added, the CSVs are committed as
 * usual. HFSIM_FIGURES=off skips it. QUIET suppresses the one-line note of
 * what was written (warnings are still printed). STOP (may be NULL): a
 * signal's flag; once set, no more figures are drawn and nothing is said
 * to have been written (the command then commits nothing). Messages name
 * the output folder, never its staging folder. */
void hfs_figures_add(hfs_output_set *out, int quiet,
                     const volatile sig_atomic_t *stop);

#endif
