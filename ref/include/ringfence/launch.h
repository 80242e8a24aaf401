/* ringfence — launching a world of processes (SPEC §6).
 *
 * One program is both participant 0 and its workers: participant 0 calls
 * rf_launch(), which creates the world, re-executes the program P-1 times as
 * workers, pins everyone by the placement, and returns once every worker is
 * attached and running. In a worker the same rf_launch() call attaches and
 * returns the worker's handle; the program branches on rf_world_rank().
 *
 * Workers die when participant 0 dies, even by SIGKILL or TerminateProcess:
 * on Linux by PR_SET_PDEATHSIG plus a lifeline pipe; on Windows they run in
 * a kill-on-close job object of participant 0 and hold a lifeline handle on
 * its process. Any blocked call also sees a dead peer's pid (a liveness
 * check). Participant 0 watches its workers (waitpid on POSIX, the process
 * handles on Windows); a death aborts the world with RF_EPEERDEAD. On POSIX
 * the segment's name is removed as soon as all have attached, so nothing is
 * left in /dev/shm even if every process is killed; on Windows a named
 * mapping ends with its last handle.
 */
#ifndef RINGFENCE_LAUNCH_H
#define RINGFENCE_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ringfence/placement.h"
#include "ringfence/world.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rf_launch_opts {
	struct rf_world_params params;
	struct rf_placement placement;
	int64_t start_timeout_ns;  /* all workers attached within it; 0 = 10 s plus
				    * 0.1 s per worker per CPU (start-up is CPU-bound) */
	const char *program;       /* NULL = this executable */
	char *const *argv;         /* workers' argv (NULL = {program, NULL}) */
};

/* Fills opts with the defaults (P must still be set). */
void rf_launch_opts_default(struct rf_launch_opts *opts);

/* True in a process started by rf_launch() as a worker. */
bool rf_is_worker(void);

/* Participant 0: creates the world and starts the workers; a worker: attaches.
 * Both return with every participant attached, pinned and running. */
int rf_launch(const struct rf_launch_opts *opts, rf_world **out);

/* Participant 0 only: kills one worker, SIGKILL or TerminateProcess (for fault tests). */
int rf_launch_kill(rf_world *w, uint32_t participant);

#ifdef __cplusplus
}
#endif
#endif
