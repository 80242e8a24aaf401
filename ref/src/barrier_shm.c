/* The shm barrier transport (SPEC §4): arrivals, drains and completion live in
 * shared counters of the segment.
 *
 * The fence is a conjunction over readers: round R is complete when every
 * reader q has received (or processed) every ring p up to E_p. Only q can
 * advance its own progress, so each q checks its own part of the condition
 * and then *drains*; the last drain completes the round. That keeps the
 * global guarantee at O(P) work per participant instead of O(P^2) scans.
 *
 * bar_count holds the round in progress: arrivals in the low 32 bits, drains
 * in the high 32. A rendezvous adds both at once; a fenced arrival adds one,
 * and its drain the other once the local fence holds. The last drainer reads
 * every participant's mode (RF_EMODE on a mismatch), resets bar_count and
 * publishes completed_rounds = R. Nobody can arrive for R+1 before seeing
 * that, so the reset cannot race with the next round. */
#include "internal.h"

#define ARRIVAL 1ull
#define DRAIN (1ull << 32)

static uint64_t all_drained(uint32_t P)
{
	return (uint64_t)P * ARRIVAL + (uint64_t)P * DRAIN;
}

static void complete(struct rf_world *w, uint64_t R)
{
	int32_t status = 0;
	/* relaxed: the acq_rel RMW that made us last synchronised with every
	 * participant's release of its mode (a release sequence on bar_count) */
	uint32_t m0 = atomic_load_explicit(&w->part[0].mode, memory_order_relaxed);
	for (uint32_t p = 1; p < w->nprocs; p++)
		if (atomic_load_explicit(&w->part[p].mode, memory_order_relaxed) != m0)
			status = RF_EMODE;
	/* relaxed: published by the release store of completed_rounds below */
	atomic_store_explicit(&w->ctl->round_status, status, memory_order_relaxed);
	atomic_store_explicit(&w->ctl->bar_count, 0, memory_order_relaxed);
	rf_stats_round(w, (enum rf_mode)m0, false, 0);
	/* release: waiters that see R see the status, the reset, and every
	 * drain (and thus every record the drains covered) */
	atomic_store_explicit(&w->ctl->completed_rounds, R, memory_order_release);
	rf_wake_all(w);
}

/* Adds our arrival and/or drain to the round; the last drain completes it. */
static void count(struct rf_world *w, uint64_t inc)
{
	/* acq_rel: release our progress to the completer; acquire the others' */
	uint64_t v = atomic_fetch_add_explicit(&w->ctl->bar_count, inc, memory_order_acq_rel) + inc;
	if (v == all_drained(w->nprocs))
		complete(w, w->bar.round);
	else if ((uint32_t)v == w->nprocs && (inc & ARRIVAL))
		rf_wake_all(w); /* the last arrival: fenced sleepers can check now */
}

/* Our share of the fence: every inbound ring read up to its E_p. Returns 1
 * once we have drained. */
static int try_drain(struct rf_world *w)
{
	if (!w->bar.pending)
		return 1;
	if (!w->bar.have_targets) {
		/* acquire: seeing all P arrivals makes every E_p visible */
		uint64_t v = atomic_load_explicit(&w->ctl->bar_count, memory_order_acquire);
		if ((uint32_t)v < w->nprocs)
			return 0;
		for (uint32_t p = 0; p < w->nprocs; p++)
			w->bar.target[p] =
				atomic_load_explicit(&w->part[p].entry_target, memory_order_relaxed);
		w->bar.have_targets = true;
	}
	/* rx[p] is exact: we are ring p's only reader in this slot. Outside a
	 * handler received == processed, so this serves both fences; the
	 * delivery fence is also tried inside delivery, before the handler. */
	for (uint32_t p = 0; p < w->nprocs; p++)
		if (p != w->self && w->rx[p] < w->bar.target[p])
			return 0;
	w->bar.pending = false;
	count(w, DRAIN);
	return 1;
}

void rf_barrier_on_received(struct rf_world *w)
{
	if (w->bar.pending && w->bar.mode == RF_DELIVERY_FENCE)
		try_drain(w);
}

static int drained_cond(struct rf_world *w, void *arg)
{
	(void)arg;
	return try_drain(w);
}

static int completed_cond(struct rf_world *w, void *arg)
{
	/* acquire: pairs with the completer's release */
	return atomic_load_explicit(&w->ctl->completed_rounds, memory_order_acquire) >=
	       *(const uint64_t *)arg;
}

int rf_barrier_shm(struct rf_world *w, enum rf_mode mode, int64_t deadline_ns)
{
	uint64_t R = w->rounds_done + 1;
	struct rf_seg_part *me = &w->part[w->self];
	bool fenced = mode != RF_RENDEZVOUS;
#ifdef RF_BROKEN_FENCE
	fenced = false; /* test builds only: the oracles must catch this */
#endif
	/* relaxed: published by the release store of round just below */
	atomic_store_explicit(&me->entry_target, w->leading, memory_order_relaxed);
	atomic_store_explicit(&me->mode, (uint32_t)mode, memory_order_relaxed);
	/* release: a snapshot that sees round R sees E_p and mode */
	atomic_store_explicit(&me->round, R, memory_order_release);
	w->bar.round = R;
	w->bar.mode = mode;
	w->bar.have_targets = false;
	w->bar.pending = fenced;
	count(w, fenced ? ARRIVAL : ARRIVAL + DRAIN);
	int rc = fenced ? rf_wait(w, drained_cond, NULL, deadline_ns, 0) : 0;
	if (rc == 0)
		rc = rf_wait(w, completed_cond, &R, deadline_ns, 0);
	w->bar.pending = false;
	if (rc)
		return rc;
	w->rounds_done = R;
	/* relaxed: ordered by the acquire of completed_rounds in completed_cond */
	return atomic_load_explicit(&w->ctl->round_status, memory_order_relaxed);
}
