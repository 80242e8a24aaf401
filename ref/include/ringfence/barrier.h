/* ringfence — the process-group barrier (SPEC §4).
 *
 * All P participants call rf_barrier the same number of times with the same
 * mode in each round. It returns 0 in every participant only when:
 *
 *   RF_RENDEZVOUS        all P have entered this round
 *   RF_DELIVERY_FENCE    rendezvous, and every record any participant p
 *                        published before entering has been *received* by
 *                        every reader of p's ring
 *   RF_PROCESSING_FENCE  as above, but *processed* (handler returned)
 *
 * The fence is global (about all readers, not only the caller). Waiters keep
 * polling their inbound rings. Mixed modes in one round: RF_EMODE in every
 * participant (the round still completes, so the next one is usable).
 * A dead peer or an abort: RF_EPEERDEAD / RF_EABORTED; timeout: RF_ETIMEDOUT,
 * after which the world is aborted (a partial round cannot be resumed).
 *
 * Transports (chosen per world, rf_world_params.transport):
 *   shm          the round lives in shared words of the segment, completed
 *                by one of three algorithms (rf_world_params.algorithm):
 *                central        one counter of arrivals and drains; every
 *                               reader checks its own share of the fence
 *                               and the last one to drain completes;
 *                dissemination  ceil(log2 P) stages of pairwise signals;
 *                tree           a combining tree whose groups share a cache,
 *                               and one release word.
 *                The last two hold the fence writer-side: a participant
 *                arrives once every reader of its ring reached its E_p.
 *   coordinator  arrivals are records on each participant's ring to
 *                participant 0, which defers completion until every running
 *                reader of every ring has reached E_p (the remote-drain
 *                handshake), then broadcasts a completion record.
 */
#ifndef RINGFENCE_BARRIER_H
#define RINGFENCE_BARRIER_H

#include <stdbool.h>
#include <stdint.h>

#include "ringfence/world.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rf_mode { RF_RENDEZVOUS = 0, RF_DELIVERY_FENCE = 1, RF_PROCESSING_FENCE = 2 };

/* Waits for the round to complete as the mode requires (see above). */
int rf_barrier(rf_world *w, enum rf_mode mode, int64_t timeout_ns);

/* One row of a handshake: what the coordinator waited on for ring p. */
struct rf_handshake_row {
	uint32_t participant;  /* ring p */
	bool fence_required;   /* p's arrival asked for a fence */
	uint64_t entry_target; /* E_p */
	uint64_t observed;     /* lowest progress of a started reader of ring p
				* when the last arrival came in */
	uint32_t slowest;      /* that reader */
};

/* A fenced round completed by the coordinator after the remote-drain handshake. */
struct rf_handshake {
	uint64_t round;
	enum rf_mode mode;
	uint32_t nprocs;
	int64_t wait_ns;       /* last arrival to completion */
	const struct rf_handshake_row *rows; /* [nprocs] */
};

typedef void (*rf_trace_fn)(void *ctx, const struct rf_handshake *hs);

/* Coordinator transport, participant 0: calls fn after every handshake (NULL
 * stops). RF_TRACE_HANDSHAKE=1 in the environment logs the rows instead,
 * through the log hook at RF_LOG_INFO. */
void rf_barrier_set_trace(rf_world *w, rf_trace_fn fn, void *ctx);

/* Number of rounds this participant has completed. */
uint64_t rf_barrier_rounds(const rf_world *w);

/* Short name of a mode ("rendezvous", "delivery", "processing"), or "?". */
const char *rf_mode_name(enum rf_mode mode);

#ifdef __cplusplus
}
#endif
#endif
