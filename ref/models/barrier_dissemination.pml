/* barrier_dissemination.pml — the dissemination barrier of the shm
 * transport (barrier_dissemination.c advance / enter) in round.c's relaying
 * frame (rf_round_relay, relay_advance, own_ring_fenced), with the delivery
 * of ring.c (drain_ring / poll_inbound, its writer wake-ups) and the
 * sleeper's side of rf_wait, as in barrier_central.pml.
 *
 * ceil(log2 P) stages; at stage k participant i stores R << 3 | modes into
 * slot R & 1 of (i + 2^k) mod P's flag for stage k (release), wakes it, and
 * waits for its own flag's slot to hold R (acquire). Before its first
 * signal a participant waits until every reader of its own ring has
 * received (processed) up to its E_p. -DP=2|3, -DROUNDS (3: processing,
 * delivery, rendezvous), one user record sent before each round; -DMIXED.
 *
 * Properties: when anyone returns from a fenced round, every reader of
 * every ring reached E_p; all return the same status, RF_EMODE exactly when
 * the modes differed; no invalid end state.
 *
 * -DDEATH: participant DIER (-DDIER, default P-1) may die at any step, as in
 * barrier_coord.pml: a killer sets `killed` at any moment and DIER's next
 * step is its death (an `unless` around its whole body), so with a signal
 * sent and its own not yet seen, parked, or between rounds. Survivors see
 * it where rf_check_peers looks (PEER_DEAD: before they park and when a
 * park slice ends) and, while participant 0 lives, through its watcher
 * thread's rf_world_abort; rf_wait and rf_barrier return the abort. Every
 * survivor must end, with RF_EPEERDEAD unless it had finished all rounds;
 * those that return a round's status still agree on it and its fence.
 *
 * Mutants (ci/mutants counterparts):
 *   NO_DEATH_DETECT   no-death-detect (-DDEATH): nobody sees the death
 *                     (no watcher abort, rf_check_peers blind)
 *   DISS_NO_EMODE     diss-no-emode: the modes heard of are not OR-ed in
 *   DISS_ONE_SLOT     diss-one-slot: par = 0
 *   DISS_LOST_WAKEUP  diss-lost-wakeup: no rf_wake(to) after the signal
 *   RELAY_NO_FENCE    relay-no-fence: fencing = false */

#ifndef P
#define P 2
#endif
#ifndef ROUNDS
#define ROUNDS 3
#endif
#define REND 0
#define DELIV 1
#define PROC 2
#define EMODE 1
#define EPEERDEAD 2
#define PROGRESS 2
#ifndef DIER
#define DIER (P - 1)
#endif
#define S (P > 2 -> 2 : 1)     /* stages: ceil(log2 P), P <= 4 */
#define NS 2                   /* stages allocated */
#define IDX(p, q) ((p) * P + (q))
#define FLAG(who, k, par) (((who) * NS + (k)) * 2 + (par))
#define SCHED(r) ((r) % 3 == 1 -> PROC : ((r) % 3 == 2 -> DELIV : REND))

byte lead[P];
byte rcv[P * P];
byte prc[P * P];
byte flag[P * NS * 2];   /* R << 3 | modes */
byte nsleepers;
bit sleeping[P];
bit doorbell[P];
byte gE[(ROUNDS + 1) * P];
byte gmode[(ROUNDS + 1) * P];
byte garr[ROUNDS + 1];
byte gstat[ROUNDS + 1];
byte abort_reason;     /* ctl->abort_reason */
byte ndead;            /* "rf_os_pid_alive() is false for someone" */
bit killed;            /* DIER dies at its next step */

/* rf_check_peers: a dead peer is seen (NO_DEATH_DETECT: the survivors
 * ignore the dead flag) */
#ifdef NO_DEATH_DETECT
#define PEER_DEAD false
#else
#define PEER_DEAD (ndead > 0)
#endif

#define WAKE(who) atomic { if :: nsleepers > 0 && sleeping[who] -> doorbell[who] = 1 :: else -> skip fi }

/* wake.c wake_sleepers: rf_wake_all (ring.c publish's, self_too = 0) and
 * rf_world_abort's (self_too = 1: participant me's own thread too) */
inline wake_sleepers(self_too, me)
{
	atomic {
		if
		:: nsleepers > 0 ->
			wq = 0;
			do
			:: wq < P ->
				if
				:: (self_too || wq != me) && sleeping[wq] -> doorbell[wq] = 1
				:: else -> skip
				fi;
				wq++
			:: else -> break
			od;
			wq = 0
		:: else -> skip
		fi
	}
}

/* wake.c rf_world_abort: the first reason wins, then everyone is woken */
inline world_abort(reason, me)
{
	atomic {
		if
		:: abort_reason == 0 -> abort_reason = reason
		:: else -> skip
		fi
	}
	wake_sleepers(1, me)
}

inline assert_fence(gr, gm)
{
	d_step {
		gp = 0;
		do
		:: gp < P ->
			gq = 0;
			do
			:: gq < P ->
				assert(gq == gp || gm == REND ||
				       (gm == PROC -> prc[IDX(gp, gq)] : rcv[IDX(gp, gq)]) >= gE[gr * P + gp]);
				gq++
			:: else -> break
			od;
			gp++
		:: else -> break
		od;
		gp = 0; gq = 0
	}
}

/* ring.c drain_ring / poll_inbound: one record per inbound ring; the
 * writer's wake-up before the handler and after the drain */
inline poll_inbound()
{
	pn = 0;
	pp = 0;
	do
	:: pp < P ->
		if
		:: pp != self && rcv[IDX(pp, self)] < lead[pp] ->
			rcv[IDX(pp, self)]++;  /* received, release */
			WAKE(pp);              /* to_handler: rf_wake(p) */
			prc[IDX(pp, self)]++;  /* the handler returned: processed, release */
			WAKE(pp);              /* end of drain_ring: rf_wake(p) */
			pn++
		:: else -> skip
		fi;
		pp++
	:: else -> break
	od;
	pp = 0
}

/* round.c own_ring_fenced -> fh */
inline own_ring_fenced()
{
	d_step {
		fh = 1;
		fq = 0;
		do
		:: fq < P ->
			if
			:: fq != self && (mode == PROC -> prc[IDX(self, fq)] : rcv[IDX(self, fq)]) < lead[self] ->
				fh = 0
			:: else -> skip
			fi;
			fq++
		:: else -> break
		od;
		fq = 0
	}
}

/* barrier_dissemination.c advance: as far as the stages go now -> c */
inline advance()
{
	c = 0;
	do
	:: stage == S -> c = 1; break
	:: else ->
		if
		:: !sent ->
			to = (self + (1 << stage)) % P;
#ifdef DISS_ONE_SLOT
			flag[FLAG(to, stage, 0)] = R * 8 + modes; /* release */
#else
			flag[FLAG(to, stage, R % 2)] = R * 8 + modes; /* release */
#endif
#ifndef DISS_LOST_WAKEUP
			WAKE(to);
#endif
			sent = 1;
			to = 0
		:: else -> skip
		fi;
#ifdef DISS_ONE_SLOT
		v = flag[FLAG(self, stage, 0)]; /* acquire */
#else
		v = flag[FLAG(self, stage, R % 2)]; /* acquire */
#endif
		if
		:: v / 8 != R -> v = 0; c = (moved -> PROGRESS : 0); break
		:: else ->
#ifndef DISS_NO_EMODE
			modes = modes | (v % 8);
#endif
			v = 0;
			stage++;
			sent = 0;
			moved = 1
		fi
	od
}

/* round.c relay_advance, then ring.c ask_then_deliver -> c */
inline cond()
{
	moved = 0;
	fh = 1;
	if
	:: fencing ->
		own_ring_fenced();
		if
		:: fh -> fencing = 0; moved = 1
		:: else -> c = 0
		fi
	:: else -> skip
	fi;
	if
	:: fh -> advance()
	:: else -> skip
	fi;
	fh = 0;
	moved = 0;
	if
	:: c != 1 ->
		poll_inbound();
		c = (pn > 0 -> PROGRESS : c);
		pn = 0
	:: else -> skip
	fi
}

proctype participant(byte self)
{
	byte R, mode, c, st, i, stage, modes, to, v, rc;
	bit fencing, sent, moved;
	byte gp, gq, wq, fq, pn, pp;
	bit fh;

	{
	R = 0;
	do
	:: R == ROUNDS -> break
	:: else ->
		lead[self]++; /* rf_send: one record, then publish's rf_wake_all */
		wake_sleepers(0, self);
#ifdef DEATH
		/* barrier.c rf_barrier: an abort is returned at once */
		if
		:: abort_reason != 0 -> rc = abort_reason; break
		:: else -> skip
		fi;
#endif
		R++;
		mode = SCHED(R);
#ifdef MIXED
		if
		:: R == 2 ->
			if
			:: mode = REND
			:: mode = DELIV
			:: mode = PROC
			fi
		:: else -> skip
		fi;
#endif
		d_step {
			gE[R * P + self] = lead[self];
			gmode[R * P + self] = mode;
			garr[R]++
		}
		/* barrier_dissemination.c enter, round.c rf_round_relay */
		stage = 0;
		sent = 0;
#ifdef RELAY_NO_FENCE
		fencing = 0;
#else
		fencing = (mode != REND);
#endif
		modes = 1 << mode;
		/* wait.c rf_wait(ask_then_deliver(cond)) */
		do
		:: true ->
			cond();
			if
			:: c == 1 -> rc = 0; break
			:: else -> skip
			fi;
#ifdef DEATH
			/* rf_world_aborted */
			if
			:: abort_reason != 0 -> rc = abort_reason; break
			:: else -> skip
			fi;
#endif
			if
			:: c == PROGRESS -> skip
			:: else ->
#ifdef DEATH
				/* spinning and yielding ask the condition again, as
				 * below; then rf_check_peers */
				if
				:: PEER_DEAD -> world_abort(EPEERDEAD, self); rc = abort_reason; break
				:: else -> skip
				fi;
#endif
				atomic { nsleepers++; sleeping[self] = 1; doorbell[self] = 0 }
				cond();
				if
#ifdef DEATH
				:: c == 0 && abort_reason == 0 ->
					/* rf_os_park: until the doorbell moves, or a slice
					 * ends after a death */
					(doorbell[self] || PEER_DEAD)
#else
				:: c == 0 -> doorbell[self]
#endif
				:: else -> skip
				fi;
				atomic { sleeping[self] = 0; nsleepers--; doorbell[self] = 0 }
				if
				:: c == 1 -> rc = 0; break
				:: else -> skip
				fi
			fi
		od;
		if
		:: rc != 0 -> break /* barrier.c: the error is returned */
		:: else -> skip
		fi;
		st = (modes != 1 && modes != 2 && modes != 4 -> EMODE : 0);
		assert(garr[R] == P);
		d_step {
			i = 0;
			c = 0;
			do
			:: i < P ->
				if
				:: gmode[R * P + i] != mode -> c = EMODE
				:: else -> skip
				fi;
				i++
			:: else -> break
			od;
			assert(st == c);
			if
			:: gstat[R] == 0 -> gstat[R] = st + 1
			:: else -> assert(gstat[R] == st + 1)
			fi;
			i = 0;
			c = 0
		}
		if
		:: st == 0 -> assert_fence(R, mode)
		:: else -> skip
		fi;
		d_step { st = 0; modes = 0; stage = 0 }
	od;
	/* every survivor ends: all rounds done, or RF_EPEERDEAD after a death */
	assert(R == ROUNDS && rc == 0 || ndead > 0 && rc == EPEERDEAD)
	}
#ifdef DEATH
	unless { self == DIER && killed -> ndead++ }
#endif
}

#ifdef DEATH
/* The death's moment: any step of anyone (never, if everyone is done). */
proctype killer()
{
	killed = 1
}
#endif

#if defined(DEATH) && DIER != 0 && !defined(NO_DEATH_DETECT)
/* participant 0's watcher thread (spawn_posix.c watch): sees the worker's
 * exit and aborts the world, waking participant 0's own thread too */
proctype watcher()
{
	byte wq;
end_idle:
	ndead > 0;
	world_abort(EPEERDEAD, 0)
}
#endif

init
{
	byte n;
	atomic {
		n = 0;
		do
		:: n < P -> run participant(n); n++
		:: else -> break
		od;
#ifdef DEATH
		run killer();
#if DIER != 0 && !defined(NO_DEATH_DETECT)
		run watcher();
#endif
#endif
		skip
	}
}
