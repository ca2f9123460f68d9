/*
 * datadir.h - where an installed hfsim finds its default configs.
 *
 * `cmake --install` (and the .deb) put the program in PREFIX/bin and the
 * configs in PREFIX/share/hfsim/configs (the data directory). The data
 * directory is found at run time, relative to the program itself, so an
 * install under any prefix works without rebuilding:
 *
 *   1. $HFSIM_DATA_DIR, when set and not empty;
 *   2. BINDIR/../share/hfsim, where BINDIR is the folder of the running
 *      program (/proc/self/exe), when that folder exists.
 *
 * A program run from its build tree has no data directory (build/../share
 * does not exist), so it behaves as before installation.
 *
 * The default scenario is ./configs/default.ini when the current folder
 * has one (a checkout of the repository), else DATADIR/configs/default.ini.
 * Results of a scenario read from the data directory are never written
 * there: they go under ./results of the current folder (see
 * hfs_installed_output()).
 */
#ifndef HFSIM_DATADIR_H
#define HFSIM_DATADIR_H

#define HFS_LOCAL_CONFIG "configs/default.ini"

/* The data directory (malloc'd, caller frees), or NULL when none exists. */
char *hfs_data_dir(void);

/* The default scenario: HFS_LOCAL_CONFIG when it exists in the current
 * folder, else the data directory's, else HFS_LOCAL_CONFIG (whose absence
 * the loader then reports). Malloc'd; NULL when out of memory. */
char *hfs_default_config(void);

/* Whether the file PATH lies inside the data directory. */
int hfs_in_data_dir(const char *path);

/* For a scenario PATH inside the data directory: "results/NAME" where NAME
 * is the file name without ".ini" (malloc'd), the folder, relative to the
 * current one, its results go to; NULL for any other scenario. */
char *hfs_installed_output(const char *path);

#endif
