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
 */
#ifndef RINGFENCE_BARRIER_H
#define RINGFENCE_BARRIER_H

#include <stdint.h>

#include "ringfence/world.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rf_mode { RF_RENDEZVOUS = 0, RF_DELIVERY_FENCE = 1, RF_PROCESSING_FENCE = 2 };

/* Waits for the round to complete as the mode requires (see above). */
int rf_barrier(rf_world *w, enum rf_mode mode, int64_t timeout_ns);

/* Number of rounds this participant has completed. */
uint64_t rf_barrier_rounds(const rf_world *w);

/* Short name of a mode ("rendezvous", "delivery", "processing"), or "?". */
const char *rf_mode_name(enum rf_mode mode);

#ifdef __cplusplus
}
#endif
#endif
