/* barrier_central.pml — the shm central barrier (RF_ALGO_CENTRAL), step for
 * step: rf_barrier (barrier.c), rf_round_enter and rf_round_fence_holds
 * (round.c), count / try_drain / on_received / round_cond / enter / publish
 * (barrier_shm.c), the parts of drain_ring and poll_inbound (ring.c) a
 * waiter runs, and the wait protocol (rf_wait in wait.c, rf_wake /
 * rf_wake_all / rf_world_abort in wake.c) it sleeps in.
 *
 * Sizes: -DP=2|3 participants, -DROUNDS (default 3: round 1 processing
 * fence, round 2 delivery fence, round 3 rendezvous, then processing again),
 * each participant sending one record before each round (-DSENDS_MAYBE: 0
 * or 1, 16 times the states; -DNOSEND: none), and polling or not.
 * -DMIXED: in round 2 every participant picks any mode (RF_EMODE expected
 * everywhere when they differ). -DDEATH: participant P-1 may die at any of
 * its wait steps, between a completing CAS and its publication, or before a
 * round; survivors must then all return an error, and none may hang.
 * -DNOSEND: nobody sends (rendezvous-only figures).
 *
 * Properties: (1) when a fenced round is published complete, and again when
 * anyone returns from it, every reader q of every ring p has received
 * (processed, for the processing fence) up to E_p of that round; (2) every
 * participant returns the same status for a round, RF_EMODE exactly when the
 * modes differed; (3) nobody returns from round R before all P arrived in
 * it; (4) no invalid end state: every wait ends (a lost wake-up is a process
 * parked forever), and without -DDEATH everyone finishes all rounds. The
 * model has no cycle (every wait iteration delivers, completes or parks), so
 * termination of every path is the liveness check; a non-progress run
 * (-DNP) shows there is no cycle at all.
 *
 * Two ghost handlers make "a fence must not wait for what it does not
 * cover" checkable: in a rendezvous round, and in a delivery fence once
 * everything the reader needs has been received, a handler run inside the
 * barrier wait blocks until the round completes (it waits for something
 * that happens after the barrier). Correct code completes anyway; a
 * rendezvous that fences, or a delivery fence that waits for handlers,
 * deadlocks.
 *
 * Mutants (ci/mutants counterparts), each -D plants the same flaw:
 *   NO_FENCE                 no-fence: bool fenced = false
 *   RENDEZVOUS_FENCES        rendezvous-fences: bool fenced = true
 *   DELIVERY_WAITS_HANDLER   delivery-waits-handler: on_received does nothing
 *   NO_EMODE                 no-emode: mode_status never says RF_EMODE
 *   SHORTCUT_SKIPS_FENCE     shortcut-skips-fence: done = true
 *   SHORTCUT_READS_RECEIVED  shortcut-reads-received: fence_holds reads received
 *   LOST_WAKEUP_LAST_ARRIVAL lost-wakeup-last-arrival: no wake when the shortcut fails
 *   NO_DEATH_DETECT          no-death-detect: nobody sees the death (with -DDEATH)
 *   SPIN_FOREVER             a wait that spins without end (with -DNP: a cycle)
 *
 * Abstractions (SYNC.md says why each is sound): spin checks sequential
 * consistency; a ring has unbounded capacity here (ring_backpressure.pml
 * models the bound); records are counted, not stored (positions are record
 * counts); relaxed loads of several monotonic counters are read in one
 * atomic step (reading them all at the last read's time can only make a
 * check succeed more often, so the model explores a superset of the
 * completions); spinning and yielding are folded into the sleeper's
 * re-check (they only repeat the condition), and a park slice ends only on
 * a doorbell or after a death (a lost wake-up is then a deadlock, as the
 * 60 s slice test shows it in the C code). */

#ifndef P
#define P 2
#endif
#ifndef ROUNDS
#define ROUNDS 3
#endif

#define REND 0
#define DELIV 1
#define PROC 2
#define EMODE 1        /* RF_EMODE as a status */
#define EPEERDEAD 2
#define PROGRESS 2     /* RF_WAIT_PROGRESS as a condition result */

#define IDX(p, q) ((p) * P + (q))

/* --- shared words of the segment ------------------------------------------- */
byte lead[P];             /* ring p's leading position (records written) */
byte rcv[P * P];          /* [IDX(p,q)]: received of reader q on ring p */
byte prc[P * P];          /* [IDX(p,q)]: processed */
byte etarget[P];          /* part[p].entry_target */
byte pmode[P];            /* part[p].mode */
byte pround[P];           /* part[p].round */
byte btag = 1;            /* ctl->bar: round tag, arrivals, drains */
byte barr;
byte bdrn;
byte completed;           /* ctl->completed_rounds */
byte rstatus;             /* ctl->round_status */
byte nsleepers;           /* ctl->nsleepers */
bit sleeping[P];          /* part[p].sleeping */
bit doorbell[P];          /* part[p].doorbell moved since its sleeper read it (seen) */
byte abort_reason;        /* ctl->abort_reason */
byte ndead;               /* ghost of "rf_os_pid_alive() is false for someone" */
bit dead[P];

/* --- ghosts: what the properties compare against --------------------------- */
byte gE[(ROUNDS + 1) * P];     /* E_p of round R */
byte gmode[(ROUNDS + 1) * P];  /* mode of p in round R */
byte garr[ROUNDS + 1];         /* arrivals counted in round R */
byte gstat[ROUNDS + 1];        /* first status returned for round R, +1 */

/* the round's scheduled mode */
#define SCHED(r) ((r) % 3 == 1 -> PROC : ((r) % 3 == 2 -> DELIV : REND))

#ifdef DEATH
#define CAN_DIE (self == P - 1)
#else
#define CAN_DIE false
#endif
#ifdef WRITER_WAKES
#define WRITER_WAKE(who) if :: nsleepers > 0 && sleeping[who] -> doorbell[who] = 1 :: else -> skip fi
#else
#define WRITER_WAKE(who) skip
#endif
/* rf_check_peers: a dead peer is seen (NO_DEATH_DETECT: the no-death-detect
 * mutant, which breaks every way of seeing it) */
#ifdef NO_DEATH_DETECT
#define PEER_DEAD false
#else
#define PEER_DEAD (ndead > 0)
#endif
/* A death point: participant P-1 may die here (the process just stops). */
#define DIE_POINT if :: CAN_DIE -> goto died :: true -> skip fi

/* The fence of round gr in mode gm, from the ghosts: asserted where a round
 * is published and where anyone returns from it. */
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

/* wake.c: rf_wake_all (self_too = 0) and rf_world_abort's wake_sleepers(w,
 * true): after our store, ring every sleeper's doorbell. One step: each
 * sleeping flag is read after our store (the Dekker fence), and a flag set
 * later is followed by the sleeper's own re-check. */
inline wake_sleepers(self_too)
{
	atomic {
		if
		:: nsleepers > 0 ->
			wq = 0;
			do
			:: wq < P ->
				if
				:: (self_too || wq != self) && sleeping[wq] -> doorbell[wq] = 1 /* ring_doorbell */
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

/* wake.c: rf_wake(who) */
inline wake_one(who)
{
	atomic {
		if
		:: nsleepers > 0 && sleeping[who] -> doorbell[who] = 1
		:: else -> skip
		fi
	}
}

/* wake.c: rf_world_abort: the first reason wins, then everyone is woken. */
inline world_abort(reason)
{
	atomic {
		if
		:: abort_reason == 0 -> abort_reason = reason
		:: else -> skip
		fi
	}
	wake_sleepers(1)
}

/* barrier_shm.c: mode_status -> ms_mode, ms_st */
inline mode_status()
{
	d_step {
		ms_mode = pmode[0];
		ms_st = 0;
		mk = 1;
		do
		:: mk < P ->
			if
			:: pmode[mk] != ms_mode -> ms_st = EMODE
			:: else -> skip
			fi;
			mk++
		:: else -> break
		od;
		mk = 0;
#ifdef NO_EMODE
		ms_st = 0
#endif
	}
}

/* round.c: rf_round_fence_holds(w, mode, NULL, NULL, false, NULL) -> fh */
inline fence_holds(fmode)
{
	d_step {
		fh = 1;
		fp = 0;
		do
		:: fp < P ->
			fq = 0;
			do
			:: fq < P ->
				if
#ifdef SHORTCUT_READS_RECEIVED
				:: fq != fp && rcv[IDX(fp, fq)] < etarget[fp] -> fh = 0
#else
				:: fq != fp && (fmode == PROC -> prc[IDX(fp, fq)] : rcv[IDX(fp, fq)]) < etarget[fp] ->
					fh = 0
#endif
				:: else -> skip
				fi;
				fq++
			:: else -> break
			od;
			fp++
		:: else -> break
		od;
		fp = 0; fq = 0
	}
}

/* barrier_shm.c: publish(R): status, completed_rounds (release), wake all */
inline publish(Rp)
{
	mode_status();
	rstatus = ms_st;
	DIE_POINT;
	atomic {
		if
		:: ms_st == 0 -> assert_fence(Rp, ms_mode)
		:: else -> skip
		fi;
		completed = Rp /* release */
	}
	wake_sleepers(0)
}

/* barrier_shm.c: count(R, inc): ia arrivals, id drains */
inline count(Rc, ia, id)
{
	atomic {
		if
		:: btag != Rc -> cok = 0 /* completed by the shortcut */
		:: else ->
			barr = barr + ia;
			bdrn = bdrn + id;
			garr[Rc] = garr[Rc] + ia;
			va = barr;
			vd = bdrn;
			cok = 1
		fi
	}
	if
	:: cok && va == P && (ia > 0 || vd == P) ->
		if
		:: vd != P -> /* the last to arrive: the shortcut */
			mode_status();
			if
			:: ms_st != 0 -> done = 1
			:: else ->
				fence_holds(ms_mode);
				done = fh
			fi;
#ifdef SHORTCUT_SKIPS_FENCE
			done = 1;
#endif
			atomic {
				if
				:: done && btag == Rc && barr == va && bdrn == vd ->
					btag = Rc + 1; barr = 0; bdrn = 0; cas = 1
				:: else -> cas = 0
				fi
			}
			if
			:: cas -> DIE_POINT; publish(Rc)
			:: else ->
#ifndef LOST_WAKEUP_LAST_ARRIVAL
				wake_sleepers(0) /* fenced sleepers can check their share now */
#else
				skip
#endif
			fi
		:: else -> /* the last drain */
			atomic { btag = Rc + 1; barr = 0; bdrn = 0 };
			DIE_POINT;
			publish(Rc)
		fi
	:: else -> skip
	fi;
	cok = 0; va = 0; vd = 0; done = 0; cas = 0; fh = 0; ms_mode = 0; ms_st = 0
}

/* barrier_shm.c: try_drain: our share of the fence. Its loads (bar with
 * acquire, then the E_p, then our own rx[], which only we move) are one
 * step; the drain's CAS (count) is the next. */
#define TRY_DRAIN_LOADS \
	if \
	:: pending && !have_targets -> \
		if \
		:: btag == R && barr < P -> skip \
		:: btag != R -> pending = 0 /* already complete */ \
		:: else -> \
			tk = 0; \
			do \
			:: tk < P -> target[tk] = etarget[tk]; tk++ \
			:: else -> break \
			od; \
			tk = 0; \
			have_targets = 1 \
		fi \
	:: else -> skip \
	fi; \
	tok = 0; \
	if \
	:: pending && have_targets -> \
		tok = 1; \
		tk = 0; \
		do \
		:: tk < P -> \
			if \
			:: tk != self && rcv[IDX(tk, self)] < target[tk] -> tok = 0 \
			:: else -> skip \
			fi; \
			tk++ \
		:: else -> break \
		od; \
		tk = 0 \
	:: else -> skip \
	fi

inline try_drain()
{
	d_step { TRY_DRAIN_LOADS }
	if
	:: tok -> tok = 0; pending = 0; count(R, 0, 1)
	:: else -> skip
	fi
}

/* The ghost handler (see the header): blocks inside a barrier wait where the
 * fence must not wait for it. hok: at reception, every arrival of round R
 * was counted and the reader had received all it needs of round R. */
inline handler()
{
	if
	:: in_wait && (mode == REND || hok) -> (completed >= R || abort_reason != 0 || ndead > 0)
	:: else -> skip
	fi;
	hok = 0
}

/* ring.c: poll_inbound(w, waiting): per inbound ring, drain_ring takes the
 * next committed record (inside a wait it stops after one handled record;
 * outside, poll_inbound is simply asked again): received (release), the
 * writer's wake-up before the handler, the received hook (barrier_shm.c
 * on_received), the handler, processed (release), the writer's wake-up. */
inline poll_inbound()
{
	pn = 0;
	pp = 0;
	do
	:: pp < P ->
		if
		:: pp != self && rcv[IDX(pp, self)] < lead[pp] ->
			d_step { /* received (release), and the ghost's view of it */
				rcv[IDX(pp, self)]++;
				hok = 0;
				if
				:: in_wait && mode == DELIV && garr[R] == P ->
					hok = 1;
					hk = 0;
					do
					:: hk < P ->
						if
						:: hk != self && rcv[IDX(hk, self)] < gE[R * P + hk] -> hok = 0
						:: else -> skip
						fi;
						hk++
					:: else -> break
					od;
					hk = 0
				:: else -> skip
				fi;
				/* rf_wake(p): the writer must not sleep through the
				 * handler; one step with the store, as the waker's fence
				 * orders them (SYNC.md). Only a back-pressured writer
				 * waits for it (ring_backpressure.pml): here it is a
				 * spurious wake-up, left out (-DWRITER_WAKES puts it in)
				 * since fewer wake-ups can only hide fewer lost ones. */
				WRITER_WAKE(pp)
			}
#ifndef DELIVERY_WAITS_HANDLER
			if
			:: pending && mode == DELIV -> try_drain() /* on_received */
			:: else -> skip
			fi;
#endif
			handler();
			d_step { /* processed (release), then drain_ring's rf_wake(p) */
				prc[IDX(pp, self)]++;
				pn++;
				WRITER_WAKE(pp)
			}
		:: else -> skip
		fi;
		pp++
	:: else -> break
	od;
	pp = 0
}

/* rf_ring_wait(round_cond) = rf_wait(ask_then_deliver): the condition ->
 * c: round_cond (completed? else try_drain, completed?), then delivery. */
inline cond()
{
	d_step {
		c = 0;
		tok = 0;
		if
		:: completed >= R -> c = 1 /* completed_cond: acquire */
		:: else -> TRY_DRAIN_LOADS
		fi
	}
	if
	:: tok -> tok = 0; pending = 0; count(R, 0, 1); c = (completed >= R -> 1 : 0)
	:: else -> skip
	fi;
	if
	:: c == 0 ->
		poll_inbound();
		c = (pn > 0 -> PROGRESS : 0);
		pn = 0
	:: else -> skip
	fi
}

proctype participant(byte self)
{
	byte R, mode, rc, st, c, i;
	bit fenced, pending, have_targets, in_wait;
	byte target[P];
	/* locals of the inlines */
	byte gp, gq, wq, mk, ms_mode, ms_st, fp, fq, va, vd, tdt, tda, tk, hk, pn, pp;
	bit fh, cok, done, cas, tok, hok;

	R = 0;
	do
	:: R == ROUNDS -> break
	:: else ->
		/* between rounds: send 0 or 1 record (rf_send: commit, publish ->
		 * rf_wake_all), poll or not (rf_poll) */
#if defined(SENDS_MAYBE)
		if
		:: lead[self]++; wake_sleepers(0)
		:: skip
		fi;
#elif !defined(NOSEND)
		lead[self]++;
		wake_sleepers(0);
#endif
		if
		:: poll_inbound()
		:: skip
		fi;
		DIE_POINT;
		/* barrier.c rf_barrier: an abort is returned at once */
		if
		:: abort_reason != 0 -> rc = abort_reason; break
		:: else -> skip
		fi;
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
		/* round.c rf_round_enter */
		d_step {
			etarget[self] = lead[self];
			pmode[self] = mode;
			pround[self] = R;
			gE[R * P + self] = lead[self];
			gmode[R * P + self] = mode
		}
		/* barrier_shm.c enter */
#ifdef NO_FENCE
		fenced = 0;
#elif defined(RENDEZVOUS_FENCES)
		fenced = 1;
#else
		fenced = (mode != REND);
#endif
		have_targets = 0;
		pending = fenced;
		if
		:: fenced -> count(R, 1, 0)
		:: else -> count(R, 1, 1)
		fi;
		/* wait.c rf_wait */
		in_wait = 1;
		do
		:: true ->
			DIE_POINT;
			cond();
			if
			:: c == 1 -> rc = 0; break
			:: else -> skip
			fi;
			if
			:: abort_reason != 0 -> rc = abort_reason; break
			:: else -> skip
			fi;
			if
			:: c == PROGRESS -> skip
#ifdef SPIN_FOREVER
			:: else -> skip /* a waiter that never parks nor yields for good */
			:: false ->
#else
			:: else ->
#endif
				/* spin and yield: the condition asked again, as below */
				/* rf_check_peers */
				if
				:: PEER_DEAD -> world_abort(EPEERDEAD); rc = abort_reason; break
				:: else -> skip
				fi;
				/* the sleeper's half of the Dekker pattern */
				atomic { nsleepers++; sleeping[self] = 1; doorbell[self] = 0 /* seen */ }
				cond();
				if
				:: c == 0 && abort_reason == 0 ->
					if /* rf_os_park: until the doorbell moves (or a slice after a death) */
					:: doorbell[self] || PEER_DEAD -> skip
					:: CAN_DIE -> goto died
					fi
				:: else -> skip
				fi;
				atomic { sleeping[self] = 0; nsleepers--; doorbell[self] = 0 }
				if
				:: c == 1 -> rc = 0; break
				:: else -> skip
				fi
			fi
		od;
		in_wait = 0;
		pending = 0;
		st = rstatus;
		if
		:: rc != 0 -> break /* barrier.c: the error is returned */
		:: else -> skip
		fi;
		/* the properties, where round R returns */
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
		d_step {
			st = 0; have_targets = 0; fenced = 0;
			i = 0;
			do
			:: i < P -> target[i] = 0; i++
			:: else -> break
			od;
			i = 0
		}
	od;
	/* every survivor ends: all rounds done, or an error after a death */
	assert(R == ROUNDS && rc == 0 || ndead > 0 && rc != 0);
	goto end;
died:
	skip;
	d_step { dead[self] = 1; ndead++ }
end:
	skip
}

init
{
	byte k;
	atomic {
		k = 0;
		do
		:: k < P -> run participant(k); k++
		:: else -> break
		od
	}
}
