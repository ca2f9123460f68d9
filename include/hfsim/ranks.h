/*
 * ranks.h - the engine's cohort run spread over the ranks of an MPI job
 * (parallel.h), with the same bits as one process.
 *
 * The unit of work is the engine's block of HFS_BLOCK_PATIENTS patients
 * (engine.h). Blocks are dealt out in rounds: in each round every rank
 * simulates RANK_BLOCKS consecutive blocks (rank 0 the first ones, rank 1
 * the next, ...), each block alone (hfs_engine_run of that block, one
 * thread per block, the rank's OpenMP threads sharing its blocks). Rank 0
 * then merges the round's blocks into the totals in block order with
 * hfs_results_merge(): its own blocks, then rank 1's (received as one
 * message), then rank 2's, ... This is exactly the sequence of merges one
 * process makes (the engine merges every block into its totals in block
 * order), so the totals, and every file written from them, are the same
 * bits for any number of ranks and threads.
 *
 * Streaming: rank 0 holds one round of its own blocks and one other rank's
 * share at a time; every other rank holds one round of its blocks. Memory
 * per rank is therefore bounded by RANK_BLOCKS block results (and, with
 * patients.csv, their rows), whatever the cohort size. Per round each rank
 * sends one message of RANK_BLOCKS block results to rank 0 (outcomes,
 * trace, paired moments, subgroups: a few kB to tens of kB per block, see
 * README "Cluster use").
 */
#ifndef HFSIM_RANKS_H
#define HFSIM_RANKS_H

#include "hfsim/engine.h"

/* Blocks per rank per round. */
#define HFS_RANK_BLOCKS 64

/* hfs_engine_run (same contract, including first_patient > 0
 * continuations), with the blocks spread over the job's ranks; collective.
 * On return every rank holds rank 0's merged results (broadcast), so
 * decisions taken from them (the precision rule) agree on every rank.
 * CFG->patient_rows is called on rank 0 only, in block order; on the
 * other ranks it only says whether rows are wanted (it is not called).
 * CFG->stop_flag: the ranks agree at the start of each round (a signal
 * reaching any rank stops all). A rank that fails aborts the job with a
 * message naming it (hfs_par_abort). With one rank this is
 * hfs_engine_run. */
hfs_status hfs_engine_run_ranks(const hfs_model *m, const hfs_run_config *cfg,
                                hfs_results *r, hfs_diag *d);

/* Rank 0's R on every rank (same shapes on every rank beforehand). */
void hfs_results_bcast(hfs_results *r);

#endif
