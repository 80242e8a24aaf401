/* One world of the soak: participant 0 launches it, runs its rounds and
 * judges how it ended; a worker (the same program, re-executed by
 * rf_launch) attaches and runs the same rounds. */
#ifndef RF_SOAK_WORLD_H
#define RF_SOAK_WORLD_H

#include <stdint.h>

#include "cli.h"
#include "impl.h"
#include "report.h"

/* Participant 0 of one world (kill trial `trial`, else 1): launches it,
 * runs the rounds through implementation im, adds the world's counts to *res and checks that nothing
 * outlived it. With report_fd >= 0 it first writes the P pids (as long),
 * the segment name (RF_NAME_MAX bytes) and the algorithm the world runs
 * (uint32_t, enum rf_algorithm) there once all run, then closes it.
 * Returns the world's exit code. */
int world_participant0(const struct soak_opts *o, const struct soak_impl *im,
		       struct soak_result *res, uint32_t trial, int report_fd);
/* A worker's whole life in its world; EXIT_PASS unless it alone saw a
 * failure (participant 0 judges everything it sees itself). */
int world_worker(const struct soak_opts *o, const struct soak_impl *im);
/* Counts ringfence segments that outlived their world: those created by
 * creator_pid (removed), or on Windows `name` if a process still holds it. */
int world_segments_left(long creator_pid, const char *name);

#endif
