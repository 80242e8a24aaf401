/* ring_backpressure.pml — the ring's back-pressure with a bounded capacity
 * (ring.c: reserve, space_for, refresh_free_until, put, publish, the burst
 * of rf_send_many, drain_ring's writer wake-ups) while the reader waits in a
 * barrier, with the sleeper's side of rf_wait as in barrier_central.pml.
 *
 * Writer A sends a burst of K records (rf_send_many: reserve and put each,
 * publish once at the end) into its ring of CAP records, then enters a
 * barrier; reader B is already in that barrier, waiting for A's arrival,
 * and polls A's ring while it waits (SPEC §3): A's wait for space ends only
 * because B's barrier wait delivers. The barrier is a rendezvous word here
 * (barrier_central.pml has the real one): what matters is that its wait
 * polls.
 *
 * Properties: the writer never overwrites a record its reader has not
 * received (lead - received <= CAP at every commit); no invalid end state.
 *
 * Mutants:
 *   OVERWRITE_UNRECEIVED  overwrite-unreceived: free_until = low + 2 * capacity
 *   BURST_SLEEPS_READERS  burst-sleeps-readers: reserve does not publish before it waits
 *   WAIT_NO_POLL          a barrier wait that does not deliver (SPEC §3 broken)
 *   NO_WRITER_WAKE        drain_ring does not wake the writer (neither wake-up) */

#ifndef K
#define K 3
#endif
#ifndef CAP
#define CAP 2
#endif
#define A 0
#define B 1

byte lead;        /* ring A: records committed */
byte rcv, prc;    /* reader B on ring A */
bit arrived[2];   /* the rendezvous word */
byte nsleepers;
bit sleeping[2];
bit doorbell[2];

#define WAKE(who) atomic { if :: nsleepers > 0 && sleeping[who] -> doorbell[who] = 1 :: else -> skip fi }

/* ring.c publish: leading, then rf_wake_all */
#define PUBLISH WAKE(1 - self)

#ifdef OVERWRITE_UNRECEIVED
#define CAPACITY (2 * CAP)
#else
#define CAPACITY CAP
#endif

/* B's delivery: ring.c drain_ring of ring A (one record, as inside a wait) */
inline poll_inbound()
{
	pn = 0;
	if
	:: self == B && rcv < lead ->
		rcv++;                  /* received, release */
#ifndef NO_WRITER_WAKE
		WAKE(A);                /* the writer must not sleep through the handler */
#endif
		prc++;                  /* the handler returned: processed */
#ifndef NO_WRITER_WAKE
		WAKE(A);                /* end of drain_ring: the writer may wait for this space */
#endif
		pn = 1
	:: else -> skip
	fi
}

#ifdef WAIT_NO_POLL
#define DELIVER pn = 0
#else
#define DELIVER poll_inbound()
#endif

/* rf_ring_wait(COND): rf_wait(ask_then_deliver) */
inline ring_wait(COND)
{
	do
	:: true ->
		c = COND;
		if
		:: !c -> DELIVER
		:: else -> pn = 0
		fi;
		if
		:: c -> break
		:: pn > 0 -> skip
		:: else ->
			atomic { nsleepers++; sleeping[self] = 1; doorbell[self] = 0 }
			c = COND;
			if
			:: !c -> DELIVER
			:: else -> pn = 0
			fi;
			if
			:: !c && pn == 0 -> doorbell[self] /* park */
			:: else -> skip
			fi;
			atomic { sleeping[self] = 0; nsleepers--; doorbell[self] = 0 }
			if
			:: c -> break
			:: else -> skip
			fi
		fi;
		pn = 0
	od;
	c = 0
}

proctype writer()
{
	byte self = A, i, pn;
	bit c;
	i = 0;
	do
	:: i == K -> break
	:: else ->
		/* reserve: space_for (refresh_free_until reads received, acquire) */
		if
		:: lead + 1 <= rcv + CAPACITY -> skip
		:: else ->
#ifndef BURST_SLEEPS_READERS
			PUBLISH;        /* the readers may sleep, unaware of the burst */
#endif
			ring_wait(lead + 1 <= rcv + CAPACITY)
		fi;
		/* put: commit (release) */
		d_step {
			lead++;
			assert(lead - rcv <= CAP) /* nothing unreceived overwritten */
		}
		i++
	od;
	PUBLISH;                        /* end of rf_send_many */
	arrived[A] = 1;                 /* the barrier: our arrival, then its wait */
	WAKE(B);
	ring_wait(arrived[B])
}

proctype reader()
{
	byte self = B, pn;
	bit c;
	arrived[B] = 1;
	WAKE(A);
	ring_wait(arrived[A]);
	/* after the barrier: a later rf_poll takes what is left */
	do
	:: rcv < lead -> rcv++; prc++
	:: else -> break
	od
}

init
{
	atomic { run writer(); run reader() }
}
