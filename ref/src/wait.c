/* The one waiting loop of the library (SPEC §3, §4 "Waiting is hybrid"),
 * its tuning, and every RF_* knob.
 *
 * Spin, then (oversubscribed) yield for a bounded while, then sleep on our
 * doorbell. A sleeper announces itself (nsleepers, sleeping) before it
 * re-checks its condition; wakers (wake.c) publish their change before they
 * look for sleepers. Both sides put a fence between their store and their
 * load (Dekker), so either the sleeper sees the change or the waker sees the
 * sleeper and rings the bell. Where the platform has asymmetric fences
 * (Linux membarrier) the rare sleeper pays for a global barrier and the
 * frequent waker gets away with a compiler barrier.
 *
 * Knobs, for experiments: RF_SPIN (spin iterations before yielding or
 * sleeping), RF_YIELD_NS (how long to yield), RF_PARK_SLICE_NS (longest sleep
 * between liveness checks), RF_TRACE_HANDSHAKE (log the coordinator's
 * handshakes: 0 or 1). Each is parsed strictly and bounded (knob()), so no
 * setting can stretch a wait past its timeout or hide a stall. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

/* Whether we are pinned to a PU that no other participant shares. */
static bool alone_on_pu(const struct rf_world *w)
{
	int32_t pu = w->part[w->self].binding.pu;
	for (uint32_t p = 0; pu >= 0 && p < w->nprocs; p++)
		if (p != w->self && w->part[p].binding.pu == pu)
			return false;
	return pu >= 0;
}

/* The knobs' bounds. The spin budget is checked against the deadline every
 * RF_SPIN_CHECK spins, so even the largest cannot stretch a wait past its
 * timeout; a yield phase never checks peers' liveness, so it stays shorter
 * than a park slice; a park slice may be long (60 s proves no wake-up needs
 * a timeout) because every sleep is also cut at the deadline. */
#define RF_SPIN_MAX 1000000
#define RF_SPIN_CHECK 256
#define RF_YIELD_NS_MAX (10ll * 1000000ll)
#define RF_PARK_SLICE_NS_MIN (10ll * 1000ll)
#define RF_PARK_SLICE_NS_MAX (600ll * 1000000000ll)

enum { KNOB_SPIN, KNOB_YIELD, KNOB_SLICE, KNOB_TRACE, KNOB_COUNT };
static const char *const knob_names[KNOB_COUNT] = {"RF_SPIN", "RF_YIELD_NS", "RF_PARK_SLICE_NS",
						   "RF_TRACE_HANDSHAKE"};
static atomic_bool knob_warned[KNOB_COUNT]; /* one warning per knob per process */

/* A knob's value: unset or empty gives dflt; anything but a whole decimal
 * number keeps dflt, a number outside [lo, hi] is clamped, and either is
 * said once per process, naming the knob. */
static int64_t knob(int which, int64_t dflt, int64_t lo, int64_t hi)
{
	const char *v = getenv(knob_names[which]);
	if (!v || !*v)
		return dflt;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	bool garbage = end == v || *end != '\0';
	int64_t got = garbage ? dflt : errno == ERANGE ? (n < 0 ? lo : hi) : n < lo ? lo : n > hi ? hi : n;
	if ((garbage || got != n || errno == ERANGE) && !atomic_exchange(&knob_warned[which], true)) {
		if (garbage)
			rf_log(RF_LOG_WARN, "%s=\"%s\" is not a number: ignored (using %lld)",
			       knob_names[which], v, (long long)dflt);
		else
			rf_log(RF_LOG_WARN, "%s=%s is outside %lld..%lld: using %lld", knob_names[which],
			       v, (long long)lo, (long long)hi, (long long)got);
	}
	return got;
}

void rf_wait_tune(struct rf_world *w)
{
	/* More participants than CPUs, or two placed on one PU: a spinner steals
	 * the CPU the peer it waits for needs, so a waiter that cannot progress
	 * yields at once (no spin), as Open MPI's yield-when-idle does; measured
	 * here at P = 3, 4 and 8 on 2 CPUs, even 50 spins before the first yield
	 * doubled a round (README, "Two transports"). The machine's CPUs, not
	 * our affinity's: a participant pinned before this world was made (by
	 * rf_launch for another world, by mpirun) sees one CPU, and took every
	 * world it made for a crowded one (a rendezvous at P = 2 slowed from
	 * 140 ns to 570 ns p50, 33 µs p99). Oversubscription the launcher saw
	 * is in ctl->oversubscribed. */
	bool crowded = w->nprocs > rf_os_ncpus_online() || w->ctl->oversubscribed;
	/* ... unless we have a PU to ourselves: then spinning steals no peer's
	 * CPU, and a yield, a system call, only makes us slower to see the
	 * round complete (P = 3 on 2 CPUs: the lone participant late for the
	 * next round made a third of the rounds cost one more switch). */
	crowded = crowded && !alone_on_pu(w);
	int64_t spin = knob(KNOB_SPIN, crowded ? 0 : 4000, 0, RF_SPIN_MAX);
	/* the world's own setting wins; it lives in shared memory, so bound it too */
	int32_t hdr_spin = w->hdr->spin;
	if (hdr_spin >= 0)
		spin = hdr_spin < RF_SPIN_MAX ? hdr_spin : RF_SPIN_MAX;
	w->spin = (int32_t)spin;
	w->yield_ns = knob(KNOB_YIELD, crowded ? RF_YIELD_NS : 0, 0, RF_YIELD_NS_MAX);
	w->park_slice_ns = knob(KNOB_SLICE, RF_PARK_SLICE_NS, RF_PARK_SLICE_NS_MIN, RF_PARK_SLICE_NS_MAX);
}

bool rf_knob_trace_handshake(void)
{
	return knob(KNOB_TRACE, 0, 0, 1) != 0;
}

int rf_check_peers(struct rf_world *w)
{
	/* model: barrier_central.pml PEER_DEAD; wait.pml inline wait_for (rf_check_peers);
	 * barrier_coord.pml, barrier_dissemination.pml, barrier_tree.pml (-DDEATH) the
	 * survivors' pid and lifeline checks */
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

int rf_wait(struct rf_world *w, rf_cond_fn cond, void *arg, int64_t deadline_ns)
{
	/* model: wait.pml inline wait_for; barrier_central.pml proctype participant (wait loop) */
	struct rf_seg_part *me = &w->part[w->self];
	int32_t spins = 0;
	int64_t yield_until = 0;
	for (;;) {
		int c = cond(w, arg);
		if (c == RF_WAIT_PROGRESS) {
			spins = 0;
			c = 0;
		}
		if (c)
			return c > 0 ? 0 : c;
		int ab = rf_world_aborted(w);
		if (ab)
			return ab;
		if (spins < w->spin) {
			spins++;
			rf_os_cpu_relax();
			if (spins % RF_SPIN_CHECK != 0 || rf_os_now_ns() < deadline_ns)
				continue;
			return RF_ETIMEDOUT;
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
		if (c == 0 && !rf_world_aborted(w)) {
			int64_t left = deadline_ns - now;
			rf_os_park(w, seen, left < w->park_slice_ns ? left : w->park_slice_ns);
		}
		atomic_store_explicit(&me->sleeping, 0, memory_order_relaxed);
		atomic_fetch_sub_explicit(&w->ctl->nsleepers, 1, memory_order_relaxed);
		if (c == RF_WAIT_PROGRESS)
			c = 0;
		if (c)
			return c > 0 ? 0 : c;
		spins = 0;
		yield_until = 0;
	}
}
