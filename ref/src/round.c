/* The parts of a barrier round that every transport shares (SPEC §4): the
 * entry it publishes, the fence check over progress counters, the per-mode
 * statistics, the broken-fence switch of the test builds, and the modes' names. */
#include "barrier_impl.h"

void rf_round_enter(struct rf_world *w, uint64_t R, enum rf_mode mode)
{
	/* model: barrier_central.pml proctype participant (round.c rf_round_enter) */
	struct rf_seg_part *me = &w->part[w->self];
	/* relaxed: published by the release store of round just below */
	atomic_store_explicit(&me->entry_target, w->leading, memory_order_relaxed);
	atomic_store_explicit(&me->mode, (uint32_t)mode, memory_order_relaxed);
	/* release: a snapshot (or shm peer) that sees round R sees E_p and mode */
	atomic_store_explicit(&me->round, R, memory_order_release);
}

bool rf_round_fenced(enum rf_mode mode)
{
	/* model: barrier_central.pml proctype participant (fenced; NO_FENCE) */
#ifdef RF_BROKEN_FENCE
	(void)mode;
	return false; /* test builds only: the oracles must catch this */
#else
	return mode != RF_RENDEZVOUS;
#endif
}

/* The lowest progress (received, or processed for the processing fence) of
 * any reader q != p of ring p, and that reader; UINT64_MAX when no reader
 * counts. started_only skips readers that have not started (EMPTY,
 * ATTACHING); one that has left (DETACHED) still counts: its progress is
 * frozen where it stopped reading, and skipping it would prove a fence over
 * records nobody will ever read. */
static uint64_t ring_low(struct rf_world *w, uint32_t p, bool processed, bool started_only,
			 uint32_t *slowest)
{
	uint64_t low = UINT64_MAX;
	*slowest = p;
	for (uint32_t q = 0; q < w->nprocs; q++) {
		if (q == p)
			continue;
		if (started_only) {
			/* acquire: pairs with attach's release of RUNNING (and
			 * close's of DETACHED: the progress below is then the last) */
			uint32_t st = atomic_load_explicit(&w->part[q].state, memory_order_acquire);
			if (st == RF_PART_EMPTY || st == RF_PART_ATTACHING)
				continue;
		}
		const struct rf_seg_progress *pr = rf_progress(w, p, q);
		/* acquire: what the reader did before it moved its counter (for
		 * processed: the handler's effects) is ours to publish */
		uint64_t v = atomic_load_explicit(processed ? &pr->processed : &pr->received,
						  memory_order_acquire);
		if (v < low) {
			low = v;
			*slowest = q;
		}
	}
	return low;
}

bool rf_round_fence_holds(struct rf_world *w, enum rf_mode mode, const uint64_t *entry,
			  const uint8_t *need, bool started_only, struct rf_handshake_row *rows)
{
	/* model: barrier_central.pml inline fence_holds */
	bool processed = mode == RF_PROCESSING_FENCE, ok = true;
	for (uint32_t p = 0; p < w->nprocs; p++) {
		/* relaxed: the caller saw every arrival (an acquire on the round's
		 * counter, or p's arrival record), which published E_p */
		uint64_t E = entry ? entry[p]
				   : atomic_load_explicit(&w->part[p].entry_target,
							  memory_order_relaxed);
		uint32_t slowest;
		uint64_t low = ring_low(w, p, processed, started_only, &slowest);
		bool needed = !need || need[p];
		if (rows)
			rows[p] = (struct rf_handshake_row){.participant = p,
							    .fence_required = needed,
							    .entry_target = E,
							    .observed = low == UINT64_MAX ? 0 : low,
							    .slowest = slowest};
		if (needed && low != UINT64_MAX && low < E) {
			ok = false;
			if (!rows)
				return false;
		}
	}
	return ok;
}

/* Writer-side fence share: every reader of our ring is at or past E_p. */
static bool own_ring_fenced(struct rf_world *w, enum rf_mode mode)
{
	/* model: barrier_dissemination.pml inline own_ring_fenced */
	uint32_t slowest;
	/* w->leading is our E_p: nothing is written between entry and return */
	return ring_low(w, w->self, mode == RF_PROCESSING_FENCE, false, &slowest) >= w->leading;
}

/* The wait's condition: our fence share, then the row's steps. */
static int relay_advance(struct rf_world *w, void *arg)
{
	/* model: barrier_dissemination.pml inline cond */
	(void)arg;
	struct rf_relay *r = (struct rf_relay *)w->barrier;
	bool moved = false;
	if (r->fencing) {
		if (!own_ring_fenced(w, r->mode))
			return 0;
		r->fencing = false;
		moved = true;
	}
	int c = r->step(w, NULL);
	return c == 0 && moved ? RF_WAIT_PROGRESS : c;
}

/* The round counted once in the shared statistics, and completed_rounds = R
 * published for snapshots. */
static void count_completed(struct rf_world *w, uint64_t R, enum rf_mode mode)
{
	rf_round_stats(w, mode, false, 0);
	/* release: a snapshot that sees R sees the statistics */
	atomic_store_explicit(&w->ctl->completed_rounds, R, memory_order_release);
}

int rf_round_relay(struct rf_world *w, uint64_t R, enum rf_mode mode, int64_t deadline_ns,
		   int32_t *status)
{
	/* model: barrier_dissemination.pml proctype participant (rf_round_relay: fencing, modes, status) */
	struct rf_relay *r = (struct rf_relay *)w->barrier;
	r->round = R;
	r->mode = mode;
	r->fencing = rf_round_fenced(mode);
	r->modes = 1u << mode;
	/* rf_ring_wait asks this condition before it delivers, and inside a
	 * wait a drain stops after each user handler: a slow handler holds our
	 * round back by one handler at most, not by a whole batch */
	int rc = rf_ring_wait(w, relay_advance, NULL, deadline_ns);
	/* one mode heard of: 0; several: RF_EMODE, the same everywhere since
	 * every participant ends with the OR of all P */
	*status = r->modes & (r->modes - 1) ? RF_EMODE : 0;
	if (rc == 0 && r->counts)
		count_completed(w, R, mode);
	return rc;
}

void rf_round_stats(struct rf_world *w, enum rf_mode mode, bool handshake, int64_t wait_ns)
{
	/* relaxed: one writer per round (the completer); snapshots are hints
	 * published by the release of completed_rounds that follows */
	struct rf_seg_stats *st = &w->ctl->stats[mode];
	atomic_fetch_add_explicit(&st->rounds, 1, memory_order_relaxed);
	if (!handshake)
		return;
	uint64_t ns = wait_ns > 0 ? (uint64_t)wait_ns : 0;
	atomic_fetch_add_explicit(&st->handshakes, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->wait_total_ns, ns, memory_order_relaxed);
	if (ns > atomic_load_explicit(&st->wait_max_ns, memory_order_relaxed))
		atomic_store_explicit(&st->wait_max_ns, ns, memory_order_relaxed);
}

const char *rf_mode_name(enum rf_mode mode)
{
	switch (mode) {
	case RF_RENDEZVOUS: return "rendezvous";
	case RF_DELIVERY_FENCE: return "delivery";
	case RF_PROCESSING_FENCE: return "processing";
	}
	return "?";
}
