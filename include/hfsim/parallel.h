/*
 * parallel.h - the processes (MPI ranks) of one hfsim job: who am I, how
 * many are we, and the few ordered exchanges the engine and the analyses
 * need. OpenMP threads work inside each rank; this layer is only about
 * ranks.
 *
 * One interface, two implementations (src/engine/parallel.c):
 *  - built with MPI (CMake option HFS_MPI, on when FindMPI finds MPI):
 *    when the program was started by an MPI launcher (mpirun, mpiexec,
 *    srun: it sees OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK in its
 *    environment) it calls MPI_Init and the job has hfs_par_size() ranks;
 *    started on its own it never touches MPI and is one rank, exactly as
 *    the build without MPI;
 *  - built without MPI: always one rank; every exchange is a no-op.
 *
 * Every function but hfs_par_rank/size/active/abort is collective when the
 * job has more than one rank: every rank calls it, in the same order.
 *
 * Results never depend on the number of ranks: work is cut into units
 * fixed by the data (patient blocks, PSA iterations, analysis variants),
 * each unit's result is computed by one rank, and rank 0 combines them in
 * unit order (the order in which one process would have combined them).
 *
 * Only rank 0 speaks: hfs_par_init() sends the standard output and error of
 * the other ranks to /dev/null (a rank that fails says so through
 * hfs_par_abort(), which still reaches the terminal).
 */
#ifndef HFSIM_PARALLEL_H
#define HFSIM_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

/* Start (MPI_Init when launched by an MPI launcher). Call first in main(),
 * before anything prints. Returns 0, or -1 (message on stderr) when MPI
 * could not start. */
int hfs_par_init(int *argc, char ***argv);
/* End (MPI_Finalize when started); returns EXIT_CODE for main() to
 * return. */
int hfs_par_finalize(int exit_code);

int hfs_par_rank(void); /* 0 .. size-1; 0 without MPI */
int hfs_par_size(void); /* 1 without MPI */
/* 1 when the job has more than one rank. */
int hfs_par_active(void);
/* 1 when this build can use MPI (HFS_MPI). */
int hfs_par_built_with_mpi(void);

/* Stop the whole job now: print "hfsim: rank R of N: error: REASON" on
 * this rank's original standard error and abort every rank (MPI_Abort)
 * with EXIT_CODE; without MPI, exit(EXIT_CODE). Not collective: a failing
 * rank calls it alone. */
_Noreturn void hfs_par_abort(int exit_code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The largest of every rank's VALUE, on every rank (an agreement, e.g. on
 * a stop request or a status). */
int hfs_par_max_int(int value);
/* Rank 0's VALUE on every rank. */
int hfs_par_bcast_int(int value);
uint64_t hfs_par_bcast_u64(uint64_t value);
/* Rank 0's BYTES bytes at BUF on every rank. */
void hfs_par_bcast_bytes(void *buf, size_t bytes);
/* Rank ROOT's BYTES bytes at BUF on every rank. */
void hfs_par_bcast_bytes_from(int root, void *buf, size_t bytes);

/* Point to point, in order (tag 0 is used for everything: messages
 * between two ranks arrive in the order they were sent). */
void hfs_par_send(int dest, const void *buf, size_t bytes);
void hfs_par_recv(int source, void *buf, size_t bytes);

/* Rows 0..N-1 of ROW_DOUBLES doubles each in BUF; row i is computed by rank
 * i / ROWS_PER_RANK (the last rank also takes any rows beyond). On rank 0,
 * every row of BUF is filled from its owner, in row order; the other
 * ranks only send theirs. */
void hfs_par_gather_rows(double *buf, size_t row_doubles, size_t n,
                         size_t rows_per_rank);
/* The owner rank of row I in that layout. */
int hfs_par_row_owner(size_t i, size_t n, size_t rows_per_rank);

/* TEST HOOK (for the test suite only; see README "Cluster use"): when the
 * environment variable HFSIM_TEST_FAIL_RANK names this rank and the job
 * has more than one rank, returns 1: the distributed run and PSA then fail
 * on that rank, as a rank that ran out of memory would, so that the test
 * suite can check that the job stops with a message naming the rank. */
int hfs_par_test_fault(void);

#endif
