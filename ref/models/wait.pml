/* wait.pml — the wait protocol: rf_wait (wait.c), rf_wake / rf_wake_all /
 * rf_world_abort / ring_doorbell (wake.c), rf_os_park / rf_os_unpark
 * (park_linux.c) and rf_os_heavy_fence (fence_posix.c), step for step.
 *
 * Two participants hand a value back and forth N times (as test_wait's
 * pingpong): A publishes y = i and wakes B, then waits for x >= i; B waits
 * for y >= i, then publishes x = i and wakes A. Every wait goes through the
 * hybrid wait: the condition, the check of peers, the sleeper's announce
 * (nsleepers, sleeping, doorbell read, heavy fence), the re-check, the
 * futex. The futex is modelled as the kernel's: FUTEX_WAIT returns at once
 * when the word moved, else sleeps until a FUTEX_WAKE; no slice timeout
 * ends a sleep (as under the 60 s slice test), so a lost wake-up is a
 * process asleep forever: an invalid end state.
 *
 * Weak memory where it matters: a waker's publishing store (a release
 * store: completed_rounds, a commit, a progress counter) sits in a store
 * buffer (x86-TSO) until it drains at any later moment, and with
 * asymmetric fences (light_wake, the Linux default) the waker's fence is a
 * compiler barrier only, so its loads of nsleepers/sleeping may pass its
 * buffered store. The sleeper's membarrier drains every other CPU's buffer.
 * -DFULL_WAKER_FENCE models the fallback (no membarrier: the waker fences).
 *
 * -DDEATH: B may die at any step; participant 0's watcher thread then calls
 * rf_world_abort(RF_EPEERDEAD) (spawn_posix.c), and A must return an error.
 *
 * Mutants, each -D plants a ci/mutants flaw (or one the C code must not have):
 *   WAKE_NEVER            wake-never: ring_doorbell does not rf_os_unpark
 *   WAKER_SKIPS_SLEEPERS  waker-skips-sleepers: rf_wake never rings
 *   ABORT_NO_SELF_WAKE    abort-no-self-wake: the abort wakes others only (-DDEATH)
 *   NO_HEAVY_FENCE        the sleeper skips rf_os_heavy_fence while wakers
 *                         use the light fence: Dekker without its fence
 *   ANNOUNCE_AFTER_CHECK  the sleeper re-checks before it announces itself */

#ifndef N
#define N 2
#endif
#define A 0
#define B 1
#define EPEERDEAD 2

byte x, y;             /* what the waits wait for (memory) */
byte bx, by;           /* store buffers: a pending store of x (by B), of y (by A), 0: none */
byte nsleepers;        /* ctl->nsleepers */
bit sleeping[2];       /* part[p].sleeping */
byte doorbell[2];      /* part[p].doorbell */
bit infutex[2];        /* the kernel: p sleeps in FUTEX_WAIT */
bit woken[2];          /* the kernel: a FUTEX_WAKE reached it */
byte abort_reason;
bit bdead;             /* ghost: B died (rf_os_pid_alive(B) is false) */

/* The store buffers drain by themselves, at any moment. */
active proctype memory()
{
end:	do
	:: atomic { bx > 0 -> x = bx; bx = 0 }
	:: atomic { by > 0 -> y = by; by = 0 }
	od
}

/* fence_posix.c rf_os_heavy_fence: a full fence here and, by membarrier,
 * on every CPU: every store buffer drains. */
inline heavy_fence()
{
	atomic {
		if
		:: bx > 0 -> x = bx; bx = 0
		:: else -> skip
		fi;
		if
		:: by > 0 -> y = by; by = 0
		:: else -> skip
		fi
	}
}

/* wake.c waker_fence: with light_wake a compiler barrier (nothing); else a
 * full fence, which drains our own buffer. */
inline waker_fence(mybuf, myvar)
{
#ifdef FULL_WAKER_FENCE
	atomic {
		if
		:: mybuf > 0 -> myvar = mybuf; mybuf = 0
		:: else -> skip
		fi
	}
#else
	skip
#endif
}

/* wake.c ring_doorbell + park_linux.c rf_os_unpark */
inline ring_doorbell(who)
{
	doorbell[who]++; /* seq_cst */
#ifndef WAKE_NEVER
	atomic { /* FUTEX_WAKE, 1 */
		if
		:: infutex[who] -> woken[who] = 1
		:: else -> skip
		fi
	}
#endif
}

/* wake.c rf_wake(w, who), after our publishing store */
inline wake(who, mybuf, myvar)
{
	waker_fence(mybuf, myvar);
#ifdef WAKER_SKIPS_SLEEPERS
	skip
#else
	if
	:: nsleepers == 0 -> skip
	:: else ->
		if
		:: sleeping[who] -> ring_doorbell(who)
		:: else -> skip
		fi
	fi
#endif
}

/* park_linux.c rf_os_park(seen): FUTEX_WAIT returns at once when the
 * doorbell moved; else it sleeps until FUTEX_WAKE (no slice: see above) */
inline park(seen)
{
	atomic {
		if
		:: doorbell[self] != seen -> skip /* EAGAIN */
		:: else -> infutex[self] = 1
		fi
	}
	atomic {
		if
		:: infutex[self] -> woken[self] == 1; infutex[self] = 0; woken[self] = 0
		:: else -> skip
		fi
	}
}

/* wait.c rf_wait for COND; rc = 0 or the abort. Spinning and yielding only
 * repeat the condition; the sleeper's re-check covers them. */
inline wait_for(COND)
{
	do
	:: COND -> rc = 0; break
	:: else ->
		if
		:: abort_reason != 0 -> rc = abort_reason; break
		:: else -> skip
		fi;
		/* rf_check_peers: a dead peer (only B can die) */
		if
		:: self == A && bdead -> world_abort(EPEERDEAD); rc = abort_reason; break
		:: else -> skip
		fi;
#ifdef ANNOUNCE_AFTER_CHECK
		c = COND;
#endif
		atomic { nsleepers++ };          /* seq_cst */
		sleeping[self] = 1;              /* seq_cst */
		seen = doorbell[self];           /* seq_cst */
#ifndef NO_HEAVY_FENCE
		heavy_fence();
#endif
#ifndef ANNOUNCE_AFTER_CHECK
		c = COND;
#endif
		if
		:: !c && abort_reason == 0 -> park(seen)
		:: else -> skip
		fi;
		sleeping[self] = 0;
		atomic { nsleepers-- };
		if
		:: c -> rc = 0; break
		:: else -> skip
		fi;
		c = 0; seen = 0
	od;
	c = 0; seen = 0
}

/* wake.c rf_world_abort: the first reason wins; every sleeper is woken,
 * our own participant's too (the caller may be another of its threads) */
inline world_abort(reason)
{
	atomic {
		if
		:: abort_reason == 0 -> abort_reason = reason
		:: else -> skip
		fi
	}
	/* wake_sleepers(w, true): waker_fence, then every sleeping flag */
	if
	:: nsleepers == 0 -> skip
	:: else ->
		q = 0;
		do
		:: q < 2 ->
			if
#ifdef ABORT_NO_SELF_WAKE
			:: q != me && sleeping[q] -> ring_doorbell(q)
#else
			:: sleeping[q] -> ring_doorbell(q)
#endif
			:: else -> skip
			fi;
			q++
		:: else -> break
		od;
		q = 0
	fi
}

#ifdef DEATH
#define B_MAY_DIE if :: goto died :: true -> skip fi
#else
#define B_MAY_DIE skip
#endif

proctype pa()
{
	byte self = A, me = A, i, rc, seen, q;
	bit c;
	i = 1;
	do
	:: i > N -> break
	:: else ->
		by = i;               /* release store of y: into our buffer */
		wake(B, by, y);
		wait_for(x >= i);
		if
		:: rc != 0 -> break
		:: else -> skip
		fi;
		i++
	od;
	assert(i > N && rc == 0 || bdead && rc == EPEERDEAD)
}

proctype pb()
{
	byte self = B, me = B, i, rc, seen, q;
	bit c;
	i = 1;
	do
	:: i > N -> break
	:: else ->
		B_MAY_DIE;
		wait_for(y >= i);
		B_MAY_DIE;
		bx = i;
		B_MAY_DIE;
		wake(A, bx, x);
		i++
	od;
	assert(rc == 0);
	goto end;
died:
	bdead = 1;
end:
	skip
}

#ifdef DEATH
/* participant 0's watcher thread (spawn_posix.c): sees the child exit and
 * aborts the world; it is participant A (me = A), not a sleeper itself */
proctype watcher()
{
	byte me = A, q;
end_idle:
	bdead;
	world_abort(EPEERDEAD)
}
#endif

init
{
	atomic {
		run pa();
		run pb();
#ifdef DEATH
		run watcher()
#endif
	}
}
