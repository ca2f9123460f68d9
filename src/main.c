/*
 * main.c - entry point of the hfsim program; everything else is in the
 * library (see cli.c). Under an MPI launcher the ranks start and end here
 * (parallel.h).
 */
#include "hfsim/cli.h"
#include "hfsim/parallel.h"

int main(int argc, char **argv)
{
  if (hfs_par_init(&argc, &argv) != 0)
    return 1;
  return hfs_par_finalize(hfs_cli_main(argc, argv));
}
