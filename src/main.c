/*
 * main.c - entry point of the hfsim program; everything else is in the
 * library (see cli.c).
 */
#include "hfsim/cli.h"

int main(int argc, char **argv)
{
  return hfs_cli_main(argc, argv);
}
