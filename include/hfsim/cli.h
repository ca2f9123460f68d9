/*
 * cli.h - the hfsim command line. main() only calls hfs_cli_main(), so the
 * whole command line is in the library and can be tested.
 */
#ifndef HFSIM_CLI_H
#define HFSIM_CLI_H

/* Run the command in ARGV; returns the process exit code (hfs_exit_code). */
int hfs_cli_main(int argc, char **argv);

#endif
