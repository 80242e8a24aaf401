/* The coordinator barrier transport (SPEC §4 "Two transports").
 *
 * The design of the IPC libraries this project models: a participant enters
 * round R by writing an ARRIVAL record {R, mode, E_p, fence} on its own ring
 * to participant 0. Because the arrival follows p's pre-barrier records on
 * the same ring, the coordinator has received those when it handles the
 * arrival; the proof must still cover every *other* reader. So on the last
 * arrival of a fenced round the coordinator does not complete inside its
 * handler: it marks the completion pending, and its own waiting loop serves
 * it once, for every ring p and every running reader q != p, q's progress
 * (received for the delivery fence, processed for the processing fence) has
 * reached E_p: the remote-drain handshake. Then it broadcasts one COMPLETE
 * record {R, status} on its ring, which every participant waits for while
 * polling, so the readers the handshake waits on keep moving. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct arrival {
	uint64_t round;
	uint64_t entry;
	uint32_t mode;
	uint32_t fence;
};

struct completion {
	uint64_t round;
	int32_t status;
	uint32_t pad;
};

/* Coordinator: records one arrival (its own or one from a record). */
static int arrive(struct rf_world *w, uint32_t p, const struct arrival *a)
{
	/* entry[p] is UINT64_MAX until p arrives: a second arrival is a violation */
	if (a->round != w->coord.round || a->mode > RF_PROCESSING_FENCE ||
	    w->coord.entry[p] != UINT64_MAX) {
		rf_log(RF_LOG_ERROR, "arrival of %u for round %llu (mode %u) while collecting %llu", p,
		       (unsigned long long)a->round, a->mode, (unsigned long long)w->coord.round);
		return RF_ECORRUPT;
	}
	w->coord.entry[p] = a->entry;
	w->coord.fence[p] = (uint8_t)(a->fence != 0);
	w->coord.modes |= 1u << a->mode;
	if (++w->coord.arrived == w->nprocs) {
		/* Deferred: completing here would block the reader inside delivery. */
		w->coord.pending = true;
		w->coord.traced = false;
		w->coord.last_arrival_ns = rf_os_now_ns();
	}
	return 0;
}

int rf_coord_on_record(struct rf_world *w, const struct rf_record *rec)
{
	if (w->transport != RF_TRANSPORT_COORDINATOR)
		return RF_ECORRUPT;
	if (rec->type == RF_TYPE_ARRIVAL && w->self == 0 && rec->len == sizeof(struct arrival)) {
		struct arrival a;
		memcpy(&a, rec->payload, sizeof a);
		return arrive(w, rec->sender, &a);
	}
	if (rec->type == RF_TYPE_COMPLETE && rec->sender == 0 &&
	    rec->len == sizeof(struct completion)) {
		struct completion c;
		memcpy(&c, rec->payload, sizeof c);
		if (c.round != w->coord.done + 1)
			return RF_ECORRUPT;
		w->coord.done = c.round;
		w->coord.status = c.status;
		return 0;
	}
	return RF_ECORRUPT;
}

/* Lowest progress of a running reader of ring p; *slowest names it. */
static uint64_t lowest_progress(struct rf_world *w, uint32_t p, bool processed, uint32_t *slowest)
{
	uint64_t low = UINT64_MAX;
	*slowest = p;
	for (uint32_t q = 0; q < w->nprocs; q++) {
		/* Only running readers count: one still starting (or gone) must
		 * never hold the handshake forever. acquire: pairs with attach. */
		if (q == p || atomic_load_explicit(&w->part[q].state, memory_order_acquire) !=
				      RF_PART_RUNNING)
			continue;
		const struct rf_seg_progress *pr = rf_progress(w, p, q);
		/* acquire: a reader's progress covers the records (and, for
		 * processed, the handler effects) before it */
		uint64_t v = atomic_load_explicit(processed ? &pr->processed : &pr->received,
						  memory_order_acquire);
		if (v < low) {
			low = v;
			*slowest = q;
		}
	}
	return low;
}

/* The remote-drain handshake: true once every running reader of every ring
 * has reached E_p. Captures the rows on its first look for the trace. */
static bool drained_everywhere(struct rf_world *w, enum rf_mode mode)
{
	bool ok = true;
	for (uint32_t p = 0; p < w->nprocs; p++) {
		struct rf_handshake_row *row = &w->coord.rows[p];
		uint32_t slowest;
		uint64_t low = lowest_progress(w, p, mode == RF_PROCESSING_FENCE, &slowest);
		if (!w->coord.traced)
			*row = (struct rf_handshake_row){.participant = p,
							 .fence_required = w->coord.fence[p],
							 .entry_target = w->coord.entry[p],
							 .observed = low == UINT64_MAX ? 0 : low,
							 .slowest = slowest};
		if (w->coord.fence[p] && low != UINT64_MAX && low < w->coord.entry[p])
			ok = false;
	}
	w->coord.traced = true;
	return ok;
}

static void trace(struct rf_world *w, enum rf_mode mode, int64_t wait_ns)
{
	struct rf_handshake hs = {.round = w->coord.round, .mode = mode, .nprocs = w->nprocs,
				  .wait_ns = wait_ns, .rows = w->coord.rows};
	if (w->coord.trace)
		w->coord.trace(w->coord.trace_ctx, &hs);
	if (!w->coord.trace_log)
		return;
	rf_log(RF_LOG_INFO, "handshake round %llu (%s): waited %lld ns on", (unsigned long long)hs.round,
	       rf_mode_name(mode), (long long)wait_ns);
	for (uint32_t p = 0; p < w->nprocs; p++) {
		const struct rf_handshake_row *r = &w->coord.rows[p];
		rf_log(RF_LOG_INFO, "  participant %u fence %s entry target %llu observed %llu (reader %u)",
		       r->participant, r->fence_required ? "yes" : "no",
		       (unsigned long long)r->entry_target, (unsigned long long)r->observed, r->slowest);
	}
}

/* Coordinator's waiting condition: serves the pending completion. */
static int serve(struct rf_world *w, void *arg)
{
	(void)arg;
	if (!w->coord.pending)
		return 0;
	uint32_t modes = w->coord.modes;
	bool mixed = (modes & (modes - 1)) != 0;
	enum rf_mode mode = (enum rf_mode)__builtin_ctz(modes);
	bool fenced = !mixed && mode != RF_RENDEZVOUS;
#ifdef RF_BROKEN_FENCE
	fenced = false; /* test builds only: the oracles must catch this */
#endif
	if (fenced && !drained_everywhere(w, mode))
		return 0;
	struct completion c = {.round = w->coord.round, .status = mixed ? RF_EMODE : 0};
	int rc = rf_ring_write(w, RF_DEST_ALL, RF_TYPE_COMPLETE, &c, sizeof c, RF_NONBLOCK);
	if (rc == RF_EAGAIN)
		return 0; /* our ring is full: readers are polling, try again */
	if (rc)
		return rc;
	int64_t wait = rf_os_now_ns() - w->coord.last_arrival_ns;
	if (fenced)
		trace(w, mode, wait);
	rf_stats_round(w, mode, fenced, wait);
	w->coord.done = c.round;
	w->coord.status = c.status;
	/* Ready for the next round before anyone can arrive for it. */
	w->coord.pending = false;
	w->coord.arrived = 0;
	w->coord.modes = 0;
	w->coord.round++;
	for (uint32_t p = 0; p < w->nprocs; p++)
		w->coord.entry[p] = UINT64_MAX;
	/* release: snapshots that see the count see the stats */
	atomic_store_explicit(&w->ctl->completed_rounds, c.round, memory_order_release);
	return 1;
}

static int completed(struct rf_world *w, void *arg)
{
	return w->coord.done >= *(const uint64_t *)arg;
}

int rf_barrier_coord(struct rf_world *w, enum rf_mode mode, int64_t deadline_ns)
{
	uint64_t R = w->rounds_done + 1;
	struct rf_seg_part *me = &w->part[w->self];
	struct arrival a = {.round = R, .entry = w->leading, .mode = (uint32_t)mode,
			    .fence = mode != RF_RENDEZVOUS};
	/* The same published entry as the shm transport, for snapshots. */
	atomic_store_explicit(&me->entry_target, a.entry, memory_order_relaxed);
	atomic_store_explicit(&me->mode, (uint32_t)mode, memory_order_relaxed);
	/* release: a snapshot that sees round R sees E_p and mode */
	atomic_store_explicit(&me->round, R, memory_order_release);
	int rc;
	if (w->self == 0) {
		rc = arrive(w, 0, &a);
		if (rc == 0)
			rc = rf_wait(w, serve, NULL, deadline_ns, 0);
	} else {
		int64_t left = deadline_ns == INT64_MAX ? RF_FOREVER : deadline_ns - rf_os_now_ns();
		rc = left <= 0 ? RF_ETIMEDOUT
			       : rf_ring_write(w, 0, RF_TYPE_ARRIVAL, &a, sizeof a, left);
		if (rc == 0)
			rc = rf_wait(w, completed, &R, deadline_ns, 0);
	}
	if (rc)
		return rc;
	w->rounds_done = R;
	return w->coord.status;
}

void rf_barrier_set_trace(rf_world *w, rf_trace_fn fn, void *ctx)
{
	w->coord.trace = fn;
	w->coord.trace_ctx = ctx;
}
