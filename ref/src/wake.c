/* The waker's half of the wait protocol (wait.c has the sleeper's), and the
 * abort that wakes everyone.
 *
 * A waker publishes its change (new data, progress, completion, abort)
 * before it looks for sleepers; a sleeper announces itself before it
 * re-checks its condition. With a fence between store and load on both
 * sides (Dekker), either the sleeper sees the change or the waker sees the
 * sleeper and rings its doorbell: no lost wake-up, and no futex call at all
 * while nobody sleeps. */
#include "internal.h"

/* Our store before our load of the sleeper flags. With asymmetric fences
 * the sleeper pays for it (rf_os_heavy_fence) and a compiler barrier is
 * enough here, which keeps a full fence off every rf_send. */
static inline void waker_fence(const struct rf_world *w)
{
	/* model: wait.pml inline waker_fence */
	if (w->light_wake)
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
}

static void ring_doorbell(struct rf_world *w, uint32_t who)
{
	/* model: wait.pml inline ring_doorbell */
	/* seq_cst: a sleeper that reads the new value re-checks instead of sleeping */
	atomic_fetch_add_explicit(&w->part[who].doorbell, 1, memory_order_seq_cst);
	rf_os_unpark(w, who);
}

void rf_wake(struct rf_world *w, uint32_t who)
{
	/* model: wait.pml inline wake; barrier_central.pml inline wake_one */
	waker_fence(w);
	/* relaxed after the fence: the fence orders them against our store */
	if (atomic_load_explicit(&w->ctl->nsleepers, memory_order_relaxed) == 0 ||
	    !atomic_load_explicit(&w->part[who].sleeping, memory_order_relaxed))
		return;
	ring_doorbell(w, who);
}

/* Rings every sleeper's doorbell; our own too when self_too, for a waker
 * that is another thread of our process (participant 0's watcher, a signal
 * handler's thread) while our own thread may sleep. */
static void wake_sleepers(struct rf_world *w, bool self_too)
{
	/* model: wait.pml inline world_abort; barrier_central.pml inline wake_sleepers */
	waker_fence(w);
	if (atomic_load_explicit(&w->ctl->nsleepers, memory_order_relaxed) == 0)
		return;
	for (uint32_t q = 0; q < w->nprocs; q++)
		if ((self_too || q != w->self) &&
		    atomic_load_explicit(&w->part[q].sleeping, memory_order_relaxed))
			ring_doorbell(w, q);
}

void rf_wake_all(struct rf_world *w)
{
	wake_sleepers(w, false);
}

int rf_world_abort(rf_world *w, int reason)
{
	/* model: wait.pml inline world_abort; barrier_central.pml inline world_abort */
	if (!w || (reason != RF_EABORTED && reason != RF_EPEERDEAD))
		return RF_EINVAL;
	int32_t none = 0;
	/* acq_rel: the first reason wins; waiters acquire it */
	atomic_compare_exchange_strong_explicit(&w->ctl->abort_reason, &none, reason,
						memory_order_acq_rel, memory_order_acquire);
	/* An abort often comes from another thread of a participant (the
	 * watcher that saw a worker die): that participant's own sleeping
	 * thread must wake too, not at its next liveness slice. */
	wake_sleepers(w, true);
	return 0;
}

int rf_world_aborted(const rf_world *w)
{
	/* acquire: a waiter that sees the abort sees why */
	return atomic_load_explicit(&w->ctl->abort_reason, memory_order_acquire);
}
