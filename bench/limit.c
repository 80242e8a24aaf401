/* limit/cacheline_rtt: the physical limit of this run. One cache line of the
 * world's user area goes back and forth between participants 0 and 1, pinned
 * where the ring and barrier benchmarks run: nothing that communicates
 * through shared memory between these two PUs can beat this round trip.
 *
 * The spin is a plain load loop without a pause instruction, so the figure is
 * the hardware's, not a back-off policy's. */
#include <sched.h>
#include <stdatomic.h>

#include "loops.h"

struct line {
	_Alignas(64) _Atomic uint64_t v;
};

static struct line *user_line(rf_world *w)
{
	size_t n = 0;
	void *u = rf_world_user(w, &n);
	return u && n >= sizeof(struct line) ? u : NULL;
}

void bench_cacheline_reset(rf_world *w)
{
	struct line *l = user_line(w);
	/* relaxed: the command record sent after this is the release that
	 * publishes it (rf_send publishes with release, rf_poll acquires) */
	if (l)
		atomic_store_explicit(&l->v, 0, memory_order_relaxed);
}

/* Spins until the line holds `want`; checks the clock and the world only
 * every 4096 loads so the check does not dominate the round trip. */
static int await(rf_world *w, struct line *l, uint64_t want)
{
	int64_t deadline = 0;
	for (uint32_t spins = 1;; spins++) {
		/* acquire: pairs with the peer's release store of the value */
		if (atomic_load_explicit(&l->v, memory_order_acquire) == want)
			return 0;
		if (spins % 4096 == 0) {
			int64_t now = rf_os_now_ns();
			if (!deadline)
				deadline = now + BENCH_WAIT_NS;
			if (now > deadline)
				return RF_ETIMEDOUT;
			int ab = rf_world_aborted(w);
			if (ab)
				return ab;
			/* a peer sharing our PU (oversubscribed, unpinned) must run */
			sched_yield();
		}
	}
}

int bench_cacheline(rf_world *w, uint64_t iters, int64_t *samples)
{
	struct line *l = user_line(w);
	uint32_t me = rf_world_rank(w);
	if (!l)
		return RF_EINVAL;
	if (me > 1)
		return 0;
	for (uint64_t i = 0; i < iters; i++) {
		int rc;
		if (me == 0) {
			int64_t t0 = rf_os_now_ns();
			atomic_store_explicit(&l->v, 2 * i + 1, memory_order_release);
			rc = await(w, l, 2 * i + 2);
			samples[i] = rf_os_now_ns() - t0;
		} else {
			rc = await(w, l, 2 * i + 1);
			atomic_store_explicit(&l->v, 2 * i + 2, memory_order_release);
		}
		if (rc)
			return rc;
	}
	return 0;
}
