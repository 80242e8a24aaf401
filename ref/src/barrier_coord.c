/* The coordinator barrier transport (SPEC §4 "Two transports").
 *
 * The design of the IPC libraries this project models: a participant enters
 * round R by writing an ARRIVAL record {R, mode, E_p, fence} on its own ring
 * to participant 0. Because the arrival follows p's pre-barrier records on
 * the same ring, the coordinator has received those when it handles the
 * arrival; the proof must still cover every *other* reader. So on the last
 * arrival of a fenced round the coordinator does not complete inside its
 * handler: it marks the completion pending, and its own waiting loop serves
 * it once, for every ring p and every started reader q != p, q's progress
 * (received for the delivery fence, processed for the processing fence) has
 * reached E_p: the remote-drain handshake. Then it broadcasts one COMPLETE
 * record {R, status} on its ring, which every participant waits for while
 * polling, so the readers the handshake waits on keep moving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier_impl.h"

/* Participant 0 collects round `round`; everyone tracks completions. */
struct rf_barrier_state {
	uint64_t round;
	uint32_t arrived;
	uint32_t modes;         /* bit per mode seen this round */
	uint64_t *entry;        /* [p]: E_p, UINT64_MAX until p arrives */
	uint8_t *fence;         /* [p]: fence required */
	struct rf_handshake_row *rows;
	bool pending;           /* all arrived: completion deferred */
	bool traced;            /* rows captured for this round */
	bool trace_log;         /* RF_TRACE_HANDSHAKE=1 */
	int64_t last_arrival_ns;
	/* Every participant: the latest completion record seen. */
	uint64_t done;
	int32_t status;
};

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
	/* model: barrier_coord.pml inline arrive */
	struct rf_barrier_state *c = w->barrier;
	/* entry[p] is UINT64_MAX until p arrives: a second arrival is a violation */
	if (a->round != c->round || a->mode > RF_PROCESSING_FENCE ||
	    c->entry[p] != UINT64_MAX) {
		rf_log(RF_LOG_ERROR, "arrival of %u for round %llu (mode %u) while collecting %llu", p,
		       (unsigned long long)a->round, a->mode, (unsigned long long)c->round);
		return RF_ECORRUPT;
	}
	c->entry[p] = a->entry;
	c->fence[p] = (uint8_t)(a->fence != 0);
	c->modes |= 1u << a->mode;
	if (++c->arrived == w->nprocs) {
		/* Deferred: completing here would block the reader inside delivery. */
		c->pending = true;
		c->traced = false;
		c->last_arrival_ns = rf_os_now_ns();
	}
	return 0;
}

/* Delivery hands over our records: arrivals (participant 0) and completions. */
static int on_record(struct rf_world *w, const struct rf_record *rec)
{
	/* model: barrier_coord.pml inline poll_inbound (t == ARRIVAL: arrive; t == COMPLETE) */
	struct rf_barrier_state *c = w->barrier;
	if (rec->type == RF_TYPE_ARRIVAL && w->self == 0 && rec->len == sizeof(struct arrival)) {
		struct arrival a;
		memcpy(&a, rec->payload, sizeof a);
		return arrive(w, rec->sender, &a);
	}
	if (rec->type == RF_TYPE_COMPLETE && rec->sender == 0 &&
	    rec->len == sizeof(struct completion)) {
		struct completion done;
		memcpy(&done, rec->payload, sizeof done);
		if (done.round != c->done + 1)
			return RF_ECORRUPT;
		c->done = done.round;
		c->status = done.status;
		return 0;
	}
	return RF_ECORRUPT;
}

static void trace(struct rf_world *w, enum rf_mode mode, int64_t wait_ns)
{
	struct rf_barrier_state *c = w->barrier;
	struct rf_handshake hs = {.round = c->round, .mode = mode, .nprocs = w->nprocs,
				  .wait_ns = wait_ns, .rows = c->rows};
	if (w->trace)
		w->trace(w->trace_ctx, &hs);
	if (!c->trace_log)
		return;
	rf_log(RF_LOG_INFO, "handshake round %llu (%s): waited %lld ns on", (unsigned long long)hs.round,
	       rf_mode_name(mode), (long long)wait_ns);
	for (uint32_t p = 0; p < w->nprocs; p++) {
		const struct rf_handshake_row *r = &c->rows[p];
		rf_log(RF_LOG_INFO, "  participant %u fence %s entry target %llu observed %llu (reader %u)",
		       r->participant, r->fence_required ? "yes" : "no",
		       (unsigned long long)r->entry_target, (unsigned long long)r->observed, r->slowest);
	}
}

/* Coordinator's waiting condition: serves the pending completion. */
static int serve(struct rf_world *w, void *arg)
{
	/* model: barrier_coord.pml inline serve (fence_holds, then the COMPLETE record) */
	(void)arg;
	struct rf_barrier_state *c = w->barrier;
	if (!c->pending)
		return 0;
	uint32_t modes = c->modes;
	bool mixed = (modes & (modes - 1)) != 0;
	enum rf_mode mode = (enum rf_mode)__builtin_ctz(modes);
	bool fenced = !mixed && rf_round_fenced(mode);
	/* The remote-drain handshake: every started reader of every ring that
	 * asked for a fence has reached its E_p. The first look keeps the
	 * rows for the trace (what the handshake waited on). */
	if (fenced && !rf_round_fence_holds(w, mode, c->entry, c->fence, true,
					    c->traced ? NULL : c->rows)) {
		c->traced = true;
		return 0;
	}
	c->traced = true;
	struct completion done = {.round = c->round, .status = mixed ? RF_EMODE : 0};
	int rc = rf_ring_write(w, RF_DEST_ALL, RF_TYPE_COMPLETE, &done, sizeof done, RF_NONBLOCK);
	if (rc == RF_EAGAIN)
		return 0; /* our ring is full: readers are polling, try again */
	if (rc)
		return rc;
	int64_t wait = rf_os_now_ns() - c->last_arrival_ns;
	if (fenced)
		trace(w, mode, wait);
	rf_round_stats(w, mode, fenced, wait);
	c->done = done.round;
	c->status = done.status;
	/* Ready for the next round before anyone can arrive for it. */
	c->pending = false;
	c->arrived = 0;
	c->modes = 0;
	c->round++;
	for (uint32_t p = 0; p < w->nprocs; p++)
		c->entry[p] = UINT64_MAX;
	/* release: snapshots that see the count see the stats */
	atomic_store_explicit(&w->ctl->completed_rounds, done.round, memory_order_release);
	return 1;
}

static int completed(struct rf_world *w, void *arg)
{
	/* model: barrier_coord.pml inline cond (cdone >= R) */
	return w->barrier->done >= *(const uint64_t *)arg;
}

static int enter(struct rf_world *w, uint64_t R, enum rf_mode mode, int64_t deadline_ns,
		 int32_t *status)
{
	/* model: barrier_coord.pml proctype participant (barrier_coord.c enter) */
	struct arrival a = {.round = R, .entry = w->leading, .mode = (uint32_t)mode,
			    .fence = mode != RF_RENDEZVOUS};
	int rc;
	if (w->self == 0) {
		rc = arrive(w, 0, &a);
		if (rc == 0)
			rc = rf_ring_wait(w, serve, NULL, deadline_ns);
	} else {
		rc = rf_ring_write(w, 0, RF_TYPE_ARRIVAL, &a, sizeof a, deadline_ns);
		if (rc == RF_EAGAIN)
			rc = RF_ETIMEDOUT; /* a zero timeout and a full ring */
		if (rc == 0)
			rc = rf_ring_wait(w, completed, &R, deadline_ns);
	}
	*status = w->barrier->status;
	return rc;
}

/* A handler may take long: a coordinator waiting for a delivery fence must
 * hear about `received` now, not when the handler returns. */
static void on_received(struct rf_world *w, uint32_t ring, bool to_handler)
{
	/* model: barrier_coord.pml inline poll_inbound (t == USER: WAKE0) */
	(void)ring;
	if (to_handler && w->self != 0)
		rf_wake(w, 0);
}

/* The coordinator may wait for exactly this progress (its handshake). */
static void on_drained(struct rf_world *w, uint32_t ring)
{
	/* model: barrier_coord.pml inline poll_inbound (the loop's end: WAKE0) */
	if (ring != 0 && w->self != 0)
		rf_wake(w, 0);
}

static int init(struct rf_world *w)
{
	struct rf_barrier_state *c = calloc(1, sizeof *c);
	w->barrier = c;
	if (!c)
		return RF_ENOMEM;
	c->entry = calloc(w->nprocs, sizeof *c->entry);
	c->fence = calloc(w->nprocs, sizeof *c->fence);
	c->rows = calloc(w->nprocs, sizeof *c->rows);
	if (!c->entry || !c->fence || !c->rows)
		return RF_ENOMEM;
	c->round = 1;
	for (uint32_t p = 0; p < w->nprocs; p++)
		c->entry[p] = UINT64_MAX; /* nobody has arrived */
	c->trace_log = rf_knob_trace_handshake();
	return 0;
}

static void fini(struct rf_world *w)
{
	struct rf_barrier_state *c = w->barrier;
	if (c) {
		free(c->entry);
		free(c->fence);
		free(c->rows);
		free(c);
	}
	w->barrier = NULL;
}

const struct rf_barrier_ops rf_barrier_coordinator_ops = {
	.init = init,
	.fini = fini,
	.enter = enter,
	.on_record = on_record,
	.on_received = on_received,
	.on_drained = on_drained,
};
