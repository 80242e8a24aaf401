/* ringfence — a consistent-enough picture of a world for diagnosis (SPEC §4).
 *
 * Counters are read one by one while the world runs, so a snapshot is not
 * atomic; each counter is monotonic, which keeps the rows meaningful.
 */
#ifndef RINGFENCE_SNAPSHOT_H
#define RINGFENCE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ringfence/world.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A participant's slot, from creation to the end of the world. */
enum rf_part_state {
	RF_PART_EMPTY = 0,     /* nobody has claimed it yet */
	RF_PART_ATTACHING = 1, /* claimed, not yet reading its rings */
	RF_PART_RUNNING = 2,   /* attached: a reader the fences wait for */
	RF_PART_DETACHED = 3,  /* closed (or never to read again) */
};

struct rf_snapshot_participant {
	uint64_t round;        /* rounds entered */
	uint64_t entry_target; /* E_p: own ring's leading position at entry */
	uint32_t mode;         /* mode of the latest entry */
	bool arrived;          /* entered the world's current round */
	enum rf_part_state state;
	long pid;
};

/* Per mode, since the world started. */
struct rf_snapshot_stats {
	uint64_t rounds;        /* rounds completed */
	uint64_t handshakes;    /* rounds whose completion waited for the remote-drain
				 * handshake (coordinator transport, fenced modes) */
	uint64_t wait_total_ns; /* time from the last arrival to completion, summed */
	uint64_t wait_max_ns;   /* and its maximum */
};

struct rf_snapshot {
	uint32_t nprocs;
	uint32_t transport;        /* enum rf_transport */
	struct rf_snapshot_stats stats[3]; /* indexed by enum rf_mode */
	uint32_t self;
	uint64_t completed_rounds; /* rounds the world has completed */
	int aborted;               /* abort reason or 0 */
	uint64_t *leading;         /* [p]: leading position of ring p */
	uint64_t *received;        /* [p * nprocs + q]: reader q on ring p */
	uint64_t *processed;       /* [p * nprocs + q] */
	struct rf_snapshot_participant *part; /* [p] */
};

/* Takes a snapshot into freshly allocated memory (free with rf_snapshot_free). */
int rf_snapshot_take(const rf_world *w, struct rf_snapshot **out);

/* A copy of the snapshot this handle took when its last rf_barrier timed out,
 * just before that timeout aborted the world (so its rows show the state that
 * caused the stall, not peers already released); RF_ENOENT if none did. */
int rf_snapshot_at_timeout(const rf_world *w, struct rf_snapshot **out);

/* Frees a snapshot; NULL is accepted. */
void rf_snapshot_free(struct rf_snapshot *s);

/* Prints the stall rows: for every ring p and reader q, (participant p, entry
 * target E_p, observed received/processed of q), marking pairs behind E_p. */
int rf_snapshot_print(const struct rf_snapshot *s, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
