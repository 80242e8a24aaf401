/* What a barrier transport implements (one row of barrier.c's table) and the
 * parts every transport shares (round.c).
 *
 * A transport keeps its state private to its own file, behind
 * w->barrier; it learns of records through the ring hooks barrier.c
 * installs from its row, and it completes rounds with the shared fence
 * check, so "the fence holds" means the same thing in every transport. */
#ifndef RF_BARRIER_IMPL_H
#define RF_BARRIER_IMPL_H

#include "internal.h"

struct rf_barrier_ops {
	/* Bytes of the segment's barrier area for P participants (may be NULL: none). */
	size_t (*shared_bytes)(uint32_t nprocs);
	/* Allocates w->barrier; called for every handle, before any record. */
	int (*init)(struct rf_world *w);
	/* Frees it (w->barrier may be NULL after a failed init); NULL: the
	 * state is one allocation, and free() is enough. */
	void (*fini)(struct rf_world *w);
	/* Creator only: the transport's words in a fresh segment (may be NULL). */
	void (*segment_init)(struct rf_world *w);
	/* Round R, our entry already published (rf_round_enter): waits until
	 * the round completes as `mode` demands or the absolute deadline;
	 * 0 with *status the round's outcome (0 or RF_EMODE), or an RF_E* code
	 * when the wait failed. */
	int (*enter)(struct rf_world *w, uint64_t R, enum rf_mode mode, int64_t deadline_ns,
		     int32_t *status);
	/* Ring hooks (struct rf_ring_hooks); any may be NULL. */
	int (*on_record)(struct rf_world *w, const struct rf_record *rec);
	void (*on_received)(struct rf_world *w, uint32_t ring, bool to_handler);
	void (*on_drained)(struct rf_world *w, uint32_t ring);
};

extern const struct rf_barrier_ops rf_barrier_shm_ops;
extern const struct rf_barrier_ops rf_barrier_coordinator_ops;
extern const struct rf_barrier_ops rf_barrier_dissemination_ops;
extern const struct rf_barrier_ops rf_barrier_tree_ops;

/* --- round.c: what every transport shares ---------------------------------------- */

/* Publishes our entry into round R: E_p (our leading position) and the mode,
 * released by the round number, for snapshots and for the shm peers. */
void rf_round_enter(struct rf_world *w, uint64_t R, enum rf_mode mode);
/* Whether `mode` waits for the fence at all. Test builds with RF_BROKEN_FENCE
 * answer no: the oracles must catch that. */
bool rf_round_fenced(enum rf_mode mode);
/* The fence over progress counters: true when, for every ring p with
 * need[p] (all rings when need is NULL), every reader q != p has received
 * (processed, for the processing fence) up to entry[p] (each p's published
 * E_p when entry is NULL). started_only skips readers that have not yet
 * attached, which must never hold a round; a reader that has left counts
 * with the progress it left at. With rows, fills one row per ring (its
 * slowest reader) instead of stopping at the first shortfall. */
bool rf_round_fence_holds(struct rf_world *w, enum rf_mode mode, const uint64_t *entry,
			  const uint8_t *need, bool started_only, struct rf_handshake_row *rows);
/* The frame of a *relaying* row (dissemination, tree): participants pass
 * signals on, each carrying round R and the OR of the modes heard of, and
 * the fence is held writer-side: a participant arrives only once every
 * reader of its own ring has received (processed) up to its E_p, so a
 * completed rendezvous is a completed fence, with no second phase. A
 * relaying row's state (w->barrier) starts with this struct. */
struct rf_relay {
	rf_cond_fn step; /* the row's own steps, run once our fence share holds:
			  * 1 when the round is complete, RF_WAIT_PROGRESS when
			  * it moved, 0 when it waits; each step done once */
	uint64_t round;
	enum rf_mode mode;
	bool fencing;    /* our fence share still to hold */
	uint32_t modes;  /* OR of 1 << mode heard of so far */
	bool counts;     /* we are the one participant that counts each round
			  * (round.c); set by the row */
};
/* Runs round R of the relaying row whose state w->barrier is (its own
 * fields for R already reset), and counts it where r->counts: 0 with
 * *status the round's outcome, or the wait's RF_E* code. */
int rf_round_relay(struct rf_world *w, uint64_t R, enum rf_mode mode, int64_t deadline_ns,
		   int32_t *status);
/* Counts a completed round in the shared per-mode statistics (handshake:
 * its completion waited wait_ns for the fence). */
void rf_round_stats(struct rf_world *w, enum rf_mode mode, bool handshake, int64_t wait_ns);

#endif
