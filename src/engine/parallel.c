/*
 * parallel.c - the ranks of an hfsim job (see parallel.h): MPI when built
 * with HFS_MPI and started by an MPI launcher, otherwise one rank.
 */
#define _POSIX_C_SOURCE 200809L
#include "hfsim/parallel.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HFS_HAVE_MPI
#include <mpi.h>
#endif

static int par_rank = 0, par_size = 1;
#ifdef HFS_HAVE_MPI
static int par_mpi = 0; /* MPI_Init was called */
#endif
/* this rank's standard error before the others were silenced */
static int saved_stderr = 2;

int hfs_par_built_with_mpi(void)
{
#ifdef HFS_HAVE_MPI
  return 1;
#else
  return 0;
#endif
}

#ifdef HFS_HAVE_MPI
/* Started by mpirun/mpiexec (Open MPI, or any PMI/PMIx launcher: MPICH,
 * Slurm's srun)? Only then is MPI initialised: a plain `hfsim run` stays a
 * plain process (no MPI singleton, no daemon). */
static int launched_by_mpi(void)
{
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
                                     "PMIX_RANK", "PMI_RANK"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
    if (getenv(vars[i]) != NULL)
      return 1;
  return 0;
}
#endif

int hfs_par_init(int *argc, char ***argv)
{
#ifdef HFS_HAVE_MPI
  if (!launched_by_mpi())
    return 0;
  int provided = 0;
  /* MPI is only called from the thread that runs main() (OpenMP regions
   * never call it). */
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) !=
      MPI_SUCCESS) {
    fprintf(stderr, "hfsim: error: MPI could not start\n");
    return -1;
  }
  par_mpi = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &par_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &par_size);
  /* errors in MPI calls abort the job (the default), with MPI's message */
  if (par_rank != 0) {
    /* only rank 0 speaks; keep this rank's stderr for hfs_par_abort */
    fflush(NULL);
    saved_stderr = dup(2);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
      close(null);
    }
  }
#else
  (void)argc;
  (void)argv;
#endif
  return 0;
}

int hfs_par_finalize(int exit_code)
{
#ifdef HFS_HAVE_MPI
  if (par_mpi) {
    fflush(NULL);
    /* (no agreement on the exit code here: a rank that left early would
     * wait forever; mpirun/srun report any rank's non-zero code) */
    MPI_Finalize();
    par_mpi = 0;
  }
#endif
  return exit_code;
}

int hfs_par_rank(void)
{
  return par_rank;
}

int hfs_par_size(void)
{
  return par_size;
}

int hfs_par_active(void)
{
  return par_size > 1;
}

void hfs_par_abort(int exit_code, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char line[1200];
  int n = snprintf(line, sizeof line, "hfsim: rank %d of %d: error: %s\n",
                   par_rank, par_size, msg);
  if (n > 0) {
    fflush(NULL);
    ssize_t w = write(saved_stderr, line,
                      (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    (void)w;
  }
#ifdef HFS_HAVE_MPI
  if (par_mpi)
    MPI_Abort(MPI_COMM_WORLD, exit_code);
#endif
  exit(exit_code);
}

int hfs_par_max_int(int value)
{
#ifdef HFS_HAVE_MPI
  if (par_mpi && par_size > 1) {
    int out = value;
    MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out;
  }
#endif
  return value;
}

int hfs_par_bcast_int(int value)
{
  hfs_par_bcast_bytes(&value, sizeof value);
  return value;
}

uint64_t hfs_par_bcast_u64(uint64_t value)
{
  hfs_par_bcast_bytes(&value, sizeof value);
  return value;
}

/* MPI counts are ints: large buffers go in pieces of at most 1 GiB. */
#define PIECE_BYTES ((size_t)1 << 30)

void hfs_par_bcast_bytes(void *buf, size_t bytes)
{
  hfs_par_bcast_bytes_from(0, buf, bytes);
}

void hfs_par_bcast_bytes_from(int root, void *buf, size_t bytes)
{
#ifdef HFS_HAVE_MPI
  if (par_mpi && par_size > 1)
    for (size_t off = 0; off < bytes; off += PIECE_BYTES) {
      size_t n = bytes - off < PIECE_BYTES ? bytes - off : PIECE_BYTES;
      MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, root, MPI_COMM_WORLD);
    }
#else
  (void)root;
  (void)buf;
  (void)bytes;
#endif
}

void hfs_par_send(int dest, const void *buf, size_t bytes)
{
#ifdef HFS_HAVE_MPI
  if (par_mpi)
    for (size_t off = 0; off < bytes; off += PIECE_BYTES) {
      size_t n = bytes - off < PIECE_BYTES ? bytes - off : PIECE_BYTES;
      MPI_Send((const char *)buf + off, (int)n, MPI_BYTE, dest, 0,
               MPI_COMM_WORLD);
    }
#else
  (void)dest;
  (void)buf;
  (void)bytes;
#endif
}

void hfs_par_recv(int source, void *buf, size_t bytes)
{
#ifdef HFS_HAVE_MPI
  if (par_mpi)
    for (size_t off = 0; off < bytes; off += PIECE_BYTES) {
      size_t n = bytes - off < PIECE_BYTES ? bytes - off : PIECE_BYTES;
      MPI_Recv((char *)buf + off, (int)n, MPI_BYTE, source, 0, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
    }
#else
  (void)source;
  (void)buf;
  (void)bytes;
#endif
}

int hfs_par_row_owner(size_t i, size_t n, size_t rows_per_rank)
{
  (void)n;
  size_t q = rows_per_rank ? i / rows_per_rank : 0;
  return q >= (size_t)par_size ? par_size - 1 : (int)q;
}

void hfs_par_gather_rows(double *buf, size_t row_doubles, size_t n,
                         size_t rows_per_rank)
{
  if (par_size <= 1 || n == 0)
    return;
  for (int q = 1; q < par_size; q++) {
    size_t lo = (size_t)q * rows_per_rank;
    size_t hi = q == par_size - 1 ? n : lo + rows_per_rank;
    if (lo >= n)
      break;
    if (hi > n)
      hi = n;
    size_t bytes = (hi - lo) * row_doubles * sizeof(double);
    if (par_rank == 0)
      hfs_par_recv(q, buf + lo * row_doubles, bytes);
    else if (par_rank == q)
      hfs_par_send(0, buf + lo * row_doubles, bytes);
  }
}

int hfs_par_test_fault(void)
{
  const char *v = getenv("HFSIM_TEST_FAIL_RANK");
  return par_size > 1 && v != NULL && *v != '\0' && atoi(v) == par_rank;
}
