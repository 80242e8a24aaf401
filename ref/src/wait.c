/* The one waiting loop of the library (SPEC §3, §4 "Waiting is hybrid").
 *
 * Spin while polling inbound rings, then sleep on our doorbell. A sleeper
 * announces itself (nsleepers, sleeping) before it re-checks its condition;
 * a waker publishes its change before it looks for sleepers. Both sides put
 * a fence between their store and their load (Dekker), so either the sleeper
 * sees the change or the waker sees the sleeper and rings the bell: no lost
 * wake-up, and no futex call at all while nobody sleeps. Where the platform
 * has asymmetric fences (Linux membarrier) the rare sleeper pays for a
 * global barrier and the frequent waker gets away with a compiler barrier. */
#include "internal.h"

/* The waker's half of the Dekker pattern: our store (new data, progress,
 * completion) before our load of the sleeper flags. With asymmetric fences
 * the sleeper pays for it (rf_os_heavy_fence) and a compiler barrier is
 * enough here, which keeps a full fence off every rf_send. */
static inline void waker_fence(const struct rf_world *w)
{
	if (w->light_wake)
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
}

void rf_wake(struct rf_world *w, uint32_t who)
{
	waker_fence(w);
	/* relaxed after the fence: the fence orders them against our store */
	if (atomic_load_explicit(&w->ctl->nsleepers, memory_order_relaxed) == 0 ||
	    !atomic_load_explicit(&w->part[who].sleeping, memory_order_relaxed))
		return;
	/* seq_cst: a sleeper that reads the new value re-checks instead of sleeping */
	atomic_fetch_add_explicit(&w->part[who].doorbell, 1, memory_order_seq_cst);
	rf_os_unpark(w, who);
}

void rf_wake_all(struct rf_world *w)
{
	waker_fence(w);
	if (atomic_load_explicit(&w->ctl->nsleepers, memory_order_relaxed) == 0)
		return;
	for (uint32_t q = 0; q < w->nprocs; q++) {
		if (q == w->self || !atomic_load_explicit(&w->part[q].sleeping, memory_order_relaxed))
			continue;
		atomic_fetch_add_explicit(&w->part[q].doorbell, 1, memory_order_seq_cst);
		rf_os_unpark(w, q);
	}
}

int rf_check_peers(struct rf_world *w)
{
	/* After an abort, the first reason wins everywhere. */
	if (!rf_os_lifeline_ok(w)) {
		rf_world_abort(w, RF_EPEERDEAD);
		return rf_world_aborted(w);
	}
	/* relaxed: liveness hints; a stale read only delays detection one slice */
	uint64_t my_round = atomic_load_explicit(&w->part[w->self].round, memory_order_relaxed);
	for (uint32_t p = 0; p < w->nprocs; p++) {
		if (p == w->self)
			continue;
		uint32_t st = atomic_load_explicit(&w->part[p].state, memory_order_acquire);
		long pid = (long)atomic_load_explicit(&w->part[p].pid, memory_order_relaxed);
		/* A peer closes (DETACHED) before it exits: the state is read
		 * again after the death, or a peer that left cleanly between our
		 * two reads would count as dead. */
		bool dead = st == RF_PART_RUNNING && pid > 0 && !rf_os_pid_alive(pid) &&
			    atomic_load_explicit(&w->part[p].state, memory_order_acquire) ==
				    RF_PART_RUNNING;
		/* A peer that left before entering our round will never enter it. */
		bool gone = st == RF_PART_DETACHED &&
			    atomic_load_explicit(&w->part[p].round, memory_order_relaxed) < my_round;
		if (dead || gone) {
			rf_log(RF_LOG_WARN, "participant %u (pid %ld) %s", p, pid,
			       dead ? "died" : "left before this round");
			rf_world_abort(w, RF_EPEERDEAD);
			return rf_world_aborted(w);
		}
	}
	return 0;
}

int rf_wait(struct rf_world *w, rf_cond_fn cond, void *arg, int64_t deadline_ns, int flags)
{
	bool deliver = !(flags & RF_WAIT_NOPOLL) && !w->in_handler;
	struct rf_seg_part *me = &w->part[w->self];
	int32_t spins = 0;
	int64_t yield_until = 0;
	for (;;) {
		if (deliver) {
			int n = rf_poll_inbound(w);
			if (n < 0)
				return n;
			if (n > 0)
				spins = 0;
		}
		int c = cond(w, arg);
		if (c)
			return c > 0 ? 0 : c;
		int ab = rf_world_aborted(w);
		if (ab)
			return ab;
		if (spins < w->spin) {
			spins++;
			rf_os_cpu_relax();
			continue;
		}
		int64_t now = rf_os_now_ns();
		if (now >= deadline_ns)
			return RF_ETIMEDOUT;
		/* Oversubscribed: give the CPU to a runnable peer (likely the one
		 * we wait for) for a bounded while before paying for a sleep and a
		 * wake-up; bounded, so a peer descheduled elsewhere does not keep
		 * us burning a core. */
		if (w->yield_ns > 0) {
			if (yield_until == 0)
				yield_until = now + w->yield_ns;
			if (now < yield_until) {
				rf_os_yield();
				continue;
			}
		}
		int rc = rf_check_peers(w);
		if (rc)
			return rc;

		/* seq_cst (all four): the sleeper's half of the Dekker pattern */
		atomic_fetch_add_explicit(&w->ctl->nsleepers, 1, memory_order_seq_cst);
		atomic_store_explicit(&me->sleeping, 1, memory_order_seq_cst);
		uint32_t seen = atomic_load_explicit(&me->doorbell, memory_order_seq_cst);
		rf_os_heavy_fence();
		c = cond(w, arg);
		if (c == 0 && !(deliver && rf_inbound_pending(w)) && !rf_world_aborted(w)) {
			int64_t left = deadline_ns - now;
			rf_os_park(w, seen, left < w->park_slice_ns ? left : w->park_slice_ns);
		}
		atomic_store_explicit(&me->sleeping, 0, memory_order_relaxed);
		atomic_fetch_sub_explicit(&w->ctl->nsleepers, 1, memory_order_relaxed);
		if (c)
			return c > 0 ? 0 : c;
		spins = 0;
		yield_until = 0;
	}
}
