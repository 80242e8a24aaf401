/* One participant's state while it runs one world: what the round loop
 * (rounds.c) hands to the parts it drives, the traffic, the oracle and the
 * in-world faults. Every participant runs the same seeded round loop;
 * faults are decided from the seed too, so all agree on them without
 * talking. */
#ifndef RF_SOAK_RUN_H
#define RF_SOAK_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringfence.h>

#include "cli.h"
#include "impl.h"
#include "rf_os.h"
#include "shared.h"

struct soak_rx; /* the oracle's per-sender expectations (oracle.c) */

/* Under mpirun, participant 0 speaks every this many rounds, not every
 * round: a collective between barrier and traffic would hide a fence that is
 * not global. */
#define SOAK_SYNC_ROUNDS 32

struct soak_run {
	const struct soak_opts *o;
	const struct soak_impl *im;
	/* The launched world: the launcher and the shared mapping (for the
	 * reference's drivers also the world the driver runs); NULL under
	 * mpirun, where sh is this participant's own. Traffic, rounds and the
	 * oracle reach the implementation only through c. */
	rf_world *w;
	struct impl_peers peers;
	/* Under mpirun, every SOAK_SYNC_ROUNDS rounds: participant 0's word on
	 * going on (false: this round is the last), and the global counts. */
	bool (*go_on)(struct soak_run *r);
	const struct rf_driver *drv;
	rf_driver_conn *c;
	struct soak_shared *sh;
	uint32_t P, me;
	uint64_t round;            /* the round being run (1-based) */
	int64_t last_done_ns;      /* when the last round completed: the watchdog's start */
	uint64_t rounds_done;
	struct soak_rx *rx;
	/* faults, from the seed (faults_plan) */
	uint32_t victim;           /* kill-worker, stall-reader, slow-handler, corrupt */
	uint64_t fault_round;
	uint32_t fault_at;         /* kill-worker: after this many of p0's records */
	uint32_t trial;            /* kill-worker: participant 0's trial, varies the plan */
	int rc;                    /* the library error that ended the loop, or 0 */
	bool open_failed;          /* rc is the driver's open's */
	char *describe;            /* participant 0: the driver's describe() text */
	size_t describe_len;
};

/* What is left of the watchdog's deadline as a timeout: a passed deadline
 * still gets its RF_ETIMEDOUT from the library. */
static inline int64_t run_left_ns(int64_t deadline_ns)
{
	int64_t left = deadline_ns - rf_os_now_ns();
	return left > 0 ? left : 1;
}

#endif
