/* The shm barrier transport (SPEC §4): arrivals, drains and completion live in
 * shared counters of the segment.
 *
 * The fence is a conjunction over readers: round R is complete when every
 * reader q has received (or processed) every ring p up to E_p. Only q can
 * advance its own progress, so each q checks its own part of the condition
 * and then *drains*; the last drain completes the round. That keeps the
 * global guarantee at O(P) work per participant instead of O(P^2) scans.
 *
 * One shortcut: the last participant to arrive checks the whole condition
 * itself, once. When the rings are already drained (often, since readers
 * poll while they wait) it completes the round at once, saving everyone a
 * second wake-up that matters when participants outnumber CPUs.
 *
 * `bar` holds the round in progress: its number's low 32 bits (tag), drains
 * and arrivals. A rendezvous adds an arrival and a drain at once; a fenced
 * arrival adds one, and its drain the other once its share of the fence
 * holds. Whoever completes round R swaps `bar` to round R+1 with zero counts,
 * then publishes completed_rounds = R. Drains are compare-and-swap on the
 * tag, so a late drain for a round the shortcut already completed fails
 * instead of counting towards the next one. */
#include <stdlib.h>

#include "barrier_impl.h"

/* Our round in progress, private to this transport. */
struct rf_barrier_state {
	uint64_t round;    /* round number R being waited for */
	enum rf_mode mode;
	bool pending;      /* our drain is still owed for round R */
	bool have_targets; /* target[] holds every E_p of round R */
	uint64_t target[]; /* [p]: E_p of round R */
};

#define ARRIVAL 1ull
#define DRAIN (1ull << 16)
#define COUNT_MASK 0xffffull
#define TAG_SHIFT 32

static uint64_t tag(uint64_t R)
{
	return (uint64_t)(uint32_t)R << TAG_SHIFT;
}

static uint32_t arrivals(uint64_t v)
{
	return (uint32_t)(v & COUNT_MASK);
}

static uint32_t drains(uint64_t v)
{
	return (uint32_t)((v >> 16) & COUNT_MASK);
}

static void segment_init(struct rf_world *w)
{
	/* relaxed: published with the segment header */
	atomic_store_explicit(&w->ctl->bar, tag(1), memory_order_relaxed);
}

/* The modes of round R (stable until it completes): 0 or RF_EMODE. */
static int32_t mode_status(struct rf_world *w, uint32_t *mode)
{
	/* model: barrier_central.pml inline mode_status */
	/* relaxed: the acq_rel RMWs on `bar` that counted every arrival form a
	 * release sequence, so the caller already sees each participant's mode */
	*mode = atomic_load_explicit(&w->part[0].mode, memory_order_relaxed);
	for (uint32_t p = 1; p < w->nprocs; p++)
		if (atomic_load_explicit(&w->part[p].mode, memory_order_relaxed) != *mode)
			return RF_EMODE;
	return 0;
}

/* Publishes round R as complete; `bar` already moved on to R+1. */
static void publish(struct rf_world *w, uint64_t R)
{
	/* model: barrier_central.pml inline publish */
	uint32_t mode;
	int32_t status = mode_status(w, &mode);
	/* relaxed: published by the release store of completed_rounds below */
	atomic_store_explicit(&w->ctl->round_status, status, memory_order_relaxed);
	rf_round_stats(w, (enum rf_mode)mode, false, 0);
	/* release: waiters that see R see the status and, through every drain
	 * and progress counter we acquired, every record the fence covered */
	atomic_store_explicit(&w->ctl->completed_rounds, R, memory_order_release);
	rf_wake_all(w);
}

/* Adds to round R's counts unless the round is already complete; completes it
 * when this makes it whole, or (last arrival) when the shortcut holds. */
static void count(struct rf_world *w, uint64_t R, uint64_t inc)
{
	/* model: barrier_central.pml inline count (ARRIVAL/DRAIN CAS, shortcut, last drain) */
	uint64_t v = atomic_load_explicit(&w->ctl->bar, memory_order_relaxed);
	for (;;) {
		if ((v >> TAG_SHIFT) != (uint32_t)R)
			return; /* completed by the shortcut: our drain is not needed */
		/* acq_rel: release our progress and mode; acquire everyone's */
		if (atomic_compare_exchange_weak_explicit(&w->ctl->bar, &v, v + inc,
							  memory_order_acq_rel, memory_order_relaxed))
			break;
	}
	v += inc;
	uint32_t P = w->nprocs;
	if (arrivals(v) != P || !(inc & ARRIVAL || drains(v) == P))
		return;
	if (drains(v) != P) {
		/* We are the last to arrive: try the shortcut. */
		uint32_t mode;
		/* The whole fence, once a round: every reader of every ring at
		 * or past E_p, read from the shared counters. */
		bool done = mode_status(w, &mode) != 0 ||
			    rf_round_fence_holds(w, (enum rf_mode)mode, NULL, NULL, false, NULL);
		if (!done || !atomic_compare_exchange_strong_explicit(
				     &w->ctl->bar, &v, tag(R + 1), memory_order_acq_rel,
				     memory_order_relaxed)) {
			rf_wake_all(w); /* fenced sleepers can check their share now */
			return;
		}
	} else {
		/* The last drain: nobody else can touch round R's counts. */
		atomic_store_explicit(&w->ctl->bar, tag(R + 1), memory_order_relaxed);
	}
	publish(w, R);
}

static int completed_cond(struct rf_world *w, void *arg)
{
	/* model: barrier_central.pml inline cond (completed >= R) */
	(void)arg;
	/* acquire: pairs with publish()'s release */
	return atomic_load_explicit(&w->ctl->completed_rounds, memory_order_acquire) >=
	       w->barrier->round;
}

/* Our share of the fence: every inbound ring read up to its E_p. */
static void try_drain(struct rf_world *w)
{
	/* model: barrier_central.pml inline try_drain (TRY_DRAIN_LOADS, then count) */
	struct rf_barrier_state *b = w->barrier;
	if (!b->pending)
		return;
	if (!b->have_targets) {
		/* acquire: seeing all P arrivals makes every E_p visible */
		uint64_t v = atomic_load_explicit(&w->ctl->bar, memory_order_acquire);
		if ((v >> TAG_SHIFT) == (uint32_t)b->round && arrivals(v) < w->nprocs)
			return;
		if ((v >> TAG_SHIFT) != (uint32_t)b->round) {
			b->pending = false; /* already complete */
			return;
		}
		for (uint32_t p = 0; p < w->nprocs; p++)
			b->target[p] =
				atomic_load_explicit(&w->part[p].entry_target, memory_order_relaxed);
		b->have_targets = true;
	}
	/* rx[p] is exact: we are ring p's only reader in this slot. Outside a
	 * handler received == processed, so this serves both fences; the
	 * delivery fence is also tried inside delivery, before the handler. */
	for (uint32_t p = 0; p < w->nprocs; p++)
		if (p != w->self && w->rx[p] < b->target[p])
			return;
	b->pending = false;
	count(w, b->round, DRAIN);
}

/* Delivery moved `received`: a delivery fence may be met before the handler. */
static void on_received(struct rf_world *w, uint32_t ring, bool to_handler)
{
	/* model: barrier_central.pml inline poll_inbound (on_received) */
	(void)ring;
	(void)to_handler;
	if (w->barrier->pending && w->barrier->mode == RF_DELIVERY_FENCE)
		try_drain(w);
}

static int round_cond(struct rf_world *w, void *arg)
{
	/* model: barrier_central.pml inline cond */
	if (completed_cond(w, arg))
		return 1;
	try_drain(w);
	return completed_cond(w, arg);
}

static int enter(struct rf_world *w, uint64_t R, enum rf_mode mode, int64_t deadline_ns,
		 int32_t *status)
{
	/* model: barrier_central.pml proctype participant (barrier_shm.c enter) */
	struct rf_barrier_state *b = w->barrier;
	bool fenced = rf_round_fenced(mode);
	b->round = R;
	b->mode = mode;
	b->have_targets = false;
	b->pending = fenced;
	count(w, R, fenced ? ARRIVAL : ARRIVAL + DRAIN);
	int rc = rf_ring_wait(w, round_cond, NULL, deadline_ns);
	b->pending = false;
	/* relaxed: ordered by the acquire of completed_rounds in completed_cond */
	*status = atomic_load_explicit(&w->ctl->round_status, memory_order_relaxed);
	return rc;
}

static int init(struct rf_world *w)
{
	w->barrier = calloc(1, sizeof *w->barrier + w->nprocs * sizeof w->barrier->target[0]);
	return w->barrier ? 0 : RF_ENOMEM;
}

const struct rf_barrier_ops rf_barrier_shm_ops = {
	.init = init,
	.segment_init = segment_init,
	.enter = enter,
	.on_received = on_received,
};
