/*
 * commands.h - the commands, each defined beside its code (cmd_*.c) as an
 * hfs_cli_command; only cli.c, which puts them in its table, includes this.
 * (The dependencies run one way: cli.c -> cmd_*.c -> common.c.)
 */
#ifndef HFSIM_CLI_COMMANDS_H
#define HFSIM_CLI_COMMANDS_H

#include "common.h"

extern const hfs_cli_command hfs_cli_cmd_run, hfs_cli_cmd_check,
    hfs_cli_cmd_dictionary, hfs_cli_cmd_bench, hfs_cli_cmd_psa,
    hfs_cli_cmd_owsa, hfs_cli_cmd_twsa, hfs_cli_cmd_scenarios,
    hfs_cli_cmd_verify, hfs_cli_cmd_verify_folder, hfs_cli_cmd_calibrate,
    hfs_cli_cmd_report;

#endif
