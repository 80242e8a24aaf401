/* rf-bench under mpirun (--rf_impl of a driver that claims RF_DRIVER_HOSTS):
 * the control plane is MPI on the suite's own communicator (a dup of
 * MPI_COMM_WORLD, so that no message of ours meets the driver's). Rank 0
 * runs Google Benchmark; every other rank serves batches. A batch is: the
 * command broadcast and a barrier (every rank has it and starts together),
 * the loop, every rank's stats gathered at rank 0. Every wait here polls a
 * nonblocking call and gives up at its timeout: a rank that never comes is
 * an error, not a hang (mpirun then ends the job). Built only where MPI is
 * found (plane_mpi.c). */
#ifndef RF_BENCH_PLANE_MPI_H
#define RF_BENCH_PLANE_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "loops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Initialises MPI (unless someone did) and the suite's communicator; *rank
 * and *size of the MPI world. 0, or RF_EINVAL when MPI does not start. */
int bench_plane_init(uint32_t *rank, uint32_t *size);

/* Rank 0: hands *cmd to every rank; others: receives it into *cmd. Returns
 * once every rank has it (then they start together), or RF_ETIMEDOUT. */
int bench_plane_cmd(struct bench_cmd *cmd, int64_t timeout_ns);

/* Every rank's *own to rank 0's all[size] (all: NULL elsewhere), or RF_ETIMEDOUT. */
int bench_plane_stats(const struct bench_stats *own, struct bench_stats *all, int64_t timeout_ns);

/* Every rank's text (NUL-terminated, at most BENCH_PLANE_TEXT bytes) to rank
 * 0's all[size * BENCH_PLANE_TEXT] (NULL elsewhere), or RF_ETIMEDOUT. */
#define BENCH_PLANE_TEXT 256
int bench_plane_texts(const char *mine, char *all, int64_t timeout_ns);

/* baseline/mpi_barrier under mpirun: `iters` MPI_Barrier on the suite's
 * communicator, each rank timing its own (hist: rank 0's, may be NULL). */
int bench_plane_barrier(uint64_t iters, struct bench_hist *hist, struct bench_stats *own);

/* Where this rank runs, for the context: "host:<name>/cpus:<list>" of
 * sched_getaffinity (the binding mpirun applied), and how many CPUs the host has. */
void bench_plane_where(char *buf, size_t len, uint32_t *host_cpus);

/* The first line of MPI_Get_library_version. */
void bench_plane_library(char *buf, size_t len);

/* Frees the communicator and finalises MPI (if we initialised it). */
void bench_plane_fini(void);

/* Ends every rank of the job at once (MPI_Abort): after a failure the
 * ranks can no longer be told apart from a hang. */
void bench_plane_abort(int code);

#ifdef __cplusplus
}
#endif
#endif
