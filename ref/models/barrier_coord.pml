/* barrier_coord.pml — the coordinator transport (barrier_coord.c), step for
 * step: enter (an ARRIVAL record on our ring to participant 0, or arrive()
 * for participant 0 itself), on_record (arrive() / the COMPLETE record),
 * serve (the deferred completion: the remote-drain handshake, then one
 * COMPLETE record), completed, and the ring hooks on_received / on_drained
 * that wake the coordinator; with drain_ring / poll_inbound (ring.c), the
 * sleeper's side of rf_wait and rf_check_peers (wait.c), rf_world_abort
 * (wake.c), rf_barrier's abort check (barrier.c) and rf_world_attach's
 * RUNNING (world.c), as in barrier_central.pml.
 *
 * Rings are logs of records (type, and for an arrival its round, mode and
 * E_p): a reader skips records not addressed to it but moves past them.
 * -DP=2|3, -DROUNDS (default 3: processing, delivery, rendezvous), each
 * participant sending one user record before each round; -DMIXED: in round
 * 2 each participant picks any mode.
 *
 * -DDEATH: participant DIER (-DDIER, default P-1; 0 is the coordinator) may
 * die at any step: a killer sets `killed` at any moment and DIER's next step
 * is its death (an `unless` around its whole body), so it may die with its
 * arrival sent and the completion not yet seen, parked, between the
 * handshake and the COMPLETE record, or between that record and its
 * wake-ups. Survivors see it as rf_check_peers does (PEER_DEAD: the pid
 * check, or for participant 0 the lifeline) before they park and when a
 * park slice ends; while participant 0 lives, its watcher thread
 * (spawn_posix.c) also aborts the world on a worker's death. Every survivor
 * must end, with RF_EPEERDEAD unless it had finished all rounds. (Under
 * rf_launch a worker also dies with participant 0, PR_SET_PDEATHSIG: fewer
 * survivors; the model keeps them, as for worlds attached by hand.)
 *
 * -DLATE: participants 1..P-1 attach late: each one's first step is
 * rf_world_attach's release of RUNNING, which any number of the others'
 * steps may precede (the coordinator already waiting in serve, rings
 * written that it has not read); before it, it reads nothing. The
 * handshake skips readers that have not yet started (rf_round_fence_holds
 * with started_only: EMPTY or ATTACHING; one that closed still counts). A handshake can only be pending once all P arrived, and a
 * participant is RUNNING before it can write its arrival, so a reader still
 * starting up never takes part in a handshake: asserted where COMPLETE is
 * written (every participant running), which with the fence assertion
 * means the handshake skipped no reader the fence covers.
 *
 * Properties: when the coordinator writes COMPLETE for a fenced round, and
 * when anyone returns from it, every reader of every ring has received
 * (processed) up to E_p; everyone returns the same status, RF_EMODE exactly
 * when the modes differed; no invalid end state (a lost wake-up of the
 * coordinator while it waits for the handshake is one, so is a survivor
 * parked forever after a death); every participant ends with all rounds
 * done, or, after a death, with RF_EPEERDEAD.
 *
 * Mutants (ci/mutants counterparts):
 *   COORD_NO_HANDSHAKE        coord-no-handshake: serve skips rf_round_fence_holds
 *   COORD_NO_EMODE            coord-no-emode: the completion's status is 0 (-DMIXED)
 *   LOST_WAKEUP_COORDINATOR   lost-wakeup-coordinator: on_received / on_drained
 *                             do not wake participant 0
 *   NO_DEATH_DETECT           no-death-detect (-DDEATH): nobody sees the death
 *                             (no watcher abort, rf_check_peers blind)
 *   LATE_RUNNING_AFTER_ARRIVAL (-DLATE; no mutant in ci/mutants) attach publishes
 *                             RUNNING only after its first arrival: the
 *                             handshake skips a reader it must count */

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

#define USER 1
#define ARRIVAL 2
#define COMPLETE 3
#define LOG (2 * ROUNDS)                 /* records per ring at most */
#define IDX(p, q) ((p) * P + (q))
#define SLOT(p, k) ((p) * LOG + (k))
#define SCHED(r) ((r) % 3 == 1 -> PROC : ((r) % 3 == 2 -> DELIV : REND))

/* --- the rings ---------------------------------------------------------------- */
byte lead[P];
byte rtype[P * LOG];   /* record k of ring p: USER, ARRIVAL or COMPLETE */
byte rarg[P * LOG];    /* ARRIVAL: E_p; COMPLETE: status */
byte rmode[P * LOG];   /* ARRIVAL: mode */
byte rcv[P * P];
byte prc[P * P];
/* --- the wait protocol (barrier_central.pml has the same abstraction) ----- */
byte nsleepers;
bit sleeping[P];
bit doorbell[P];
byte abort_reason;     /* ctl->abort_reason */
bit running[P];        /* part[q].state == RF_PART_RUNNING */
/* --- ghosts ------------------------------------------------------------------- */
byte gE[(ROUNDS + 1) * P];
byte gmode[(ROUNDS + 1) * P];
byte garr[ROUNDS + 1];
byte gstat[ROUNDS + 1];
byte ndead;            /* "rf_os_pid_alive() is false for someone" */
bit killed;            /* DIER dies at its next step */

/* rf_check_peers: a dead peer is seen (NO_DEATH_DETECT: the survivors
 * ignore the dead flag) */
#ifdef NO_DEATH_DETECT
#define PEER_DEAD false
#else
#define PEER_DEAD (ndead > 0)
#endif

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

/* wake.c rf_wake(w, who) */
#define WAKE(who) atomic { if :: nsleepers > 0 && sleeping[who] -> doorbell[who] = 1 :: else -> skip fi }
/* wake.c rf_wake(w, 0): the hooks wake the coordinator */
#ifdef LOST_WAKEUP_COORDINATOR
#define WAKE0 skip
#else
#define WAKE0 atomic { if :: nsleepers > 0 && sleeping[0] -> doorbell[0] = 1 :: else -> skip fi }
#endif

/* rf_ring_write: one record at leading, committed (release), then publish */
inline ring_write(t, a, m)
{
	d_step {
		rtype[SLOT(self, lead[self])] = t;
		rarg[SLOT(self, lead[self])] = a;
		rmode[SLOT(self, lead[self])] = m;
		lead[self]++
	}
	wake_sleepers(0, self)
}

/* barrier_coord.c arrive(): the coordinator records p's arrival */
inline arrive(ap, aE, am)
{
	d_step {
		assert(entry[ap] == 255); /* a second arrival is RF_ECORRUPT */
		entry[ap] = aE;
		fence[ap] = (am != REND);
		modes = modes | (1 << am);
		arrived++;
		if
		:: arrived == P -> cpending = 1 /* deferred */
		:: else -> skip
		fi
	}
}

/* round.c rf_round_fence_holds(w, mode, c->entry, c->fence, true, rows):
 * ring_low skips readers that have not started (started_only); running[q]
 * is never cleared here, so it reads "started" */
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
				:: running[fq] && fence[fp] && fq != fp &&
				   (fmode == PROC -> prc[IDX(fp, fq)] : rcv[IDX(fp, fq)]) < entry[fp] -> fh = 0
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

/* barrier_coord.c serve(): the coordinator's condition -> c */
inline serve()
{
	c = 0;
	if
	:: cpending ->
		d_step {
			mixed = (modes != 1 && modes != 2 && modes != 4);
			smode = (modes & 1 -> REND : (modes & 2 -> DELIV : PROC));
			sfenced = !mixed && smode != REND
		}
		fh = 1;
		if
#ifndef COORD_NO_HANDSHAKE
		:: sfenced -> fence_holds(smode)
#endif
		:: else -> skip
		fi;
		if
		:: fh ->
			if
			:: !mixed && smode != REND -> assert_fence(cround, smode)
			:: else -> skip
			fi;
#ifndef LATE_RUNNING_AFTER_ARRIVAL
			/* everyone arrived, so everyone is RUNNING: started_only
			 * skipped nobody (the mutant breaks this by construction;
			 * its test shows that the fence breaks) */
			d_step {
				fp = 0;
				do
				:: fp < P -> assert(running[fp]); fp++
				:: else -> break
				od;
				fp = 0
			}
#endif
#ifdef COORD_NO_EMODE
			sst = 0;
#else
			sst = (mixed -> EMODE : 0);
#endif
			ring_write(COMPLETE, sst, 0);
			d_step {
				cdone = cround;
				cstatus = sst;
				cpending = 0;
				arrived = 0;
				modes = 0;
				cround++;
				fp = 0;
				do
				:: fp < P -> entry[fp] = 255; fence[fp] = 0; fp++
				:: else -> break
				od;
				fp = 0;
				mixed = 0; smode = 0; sfenced = 0; sst = 0
			}
			c = 1
		:: else -> d_step { mixed = 0; smode = 0; sfenced = 0 }
		fi;
		fh = 0
	:: else -> skip
	fi
}

/* ring.c poll_inbound / drain_ring: one record of each inbound ring; the
 * hooks (on_received, on_record, on_drained) of this transport */
inline poll_inbound()
{
	pn = 0;
	pp = 0;
	do
	:: pp < P ->
		if
		:: pp != self && rcv[IDX(pp, self)] < lead[pp] ->
			d_step {
				k = rcv[IDX(pp, self)];
				t = rtype[SLOT(pp, k)];
				rcv[IDX(pp, self)]++ /* received, release */
			}
			if
			:: t == USER -> /* to_handler: rf_wake(p), the writer, then
				          * on_received wakes the coordinator */
				WAKE(pp);
				if
				:: self != 0 -> WAKE0
				:: else -> skip
				fi
			:: t == ARRIVAL && self == 0 -> /* on_record: arrive() */
				arrive(pp, rarg[SLOT(pp, k)], rmode[SLOT(pp, k)])
			:: t == COMPLETE -> /* on_record: the completion */
				d_step {
					assert(pp == 0);
					cdone++;
					cstatus = rarg[SLOT(pp, k)]
				}
			:: else -> skip /* not for us: skipped, moved past */
			fi;
			prc[IDX(pp, self)]++; /* the handler returned: processed, release */
			/* drain_ring's loop ends (a handled record, or none left):
			 * rf_wake(p), the writer (the coordinator, for ring 0: why
			 * on_drained skips ring 0), then on_drained */
			WAKE(pp);
			if
			:: pp != 0 && self != 0 -> WAKE0
			:: else -> skip
			fi;
			pn++;
			k = 0; t = 0
		:: else -> skip
		fi;
		pp++
	:: else -> break
	od;
	pp = 0
}

inline cond()
{
	if
	:: self == 0 -> serve()
	:: else -> c = (cdone >= R -> 1 : 0) /* completed() */
	fi;
	if
	:: c == 0 ->
		poll_inbound();
		c = (pn > 0 -> PROGRESS : 0);
		pn = 0
	:: else -> skip
	fi
}

/* world.c rf_world_attach: the release of RUNNING, then rf_wake(w, 0) (the
 * creator's start-up wait counts attachments) */
inline attach()
{
	running[self] = 1;
	WAKE(0)
}

proctype participant(byte self)
{
	byte R, mode, c, st, i, rc;
	/* barrier_coord.c struct rf_barrier_state: participant 0's collection
	 * (round, arrived, modes, entry, fence, pending), everyone's done/status */
	byte cround = 1, arrived, modes, cdone, cstatus;
	byte entry[P], fence[P];
	bit cpending;
	byte gp, gq, wq, fp, fq, pn, pp, k, t, smode, sst;
	bit fh, mixed, sfenced;

	{
	d_step {
		i = 0;
		do
		:: i < P -> entry[i] = 255; i++
		:: else -> break
		od;
		i = 0
	}
#if defined(LATE) && !defined(LATE_RUNNING_AFTER_ARRIVAL)
	if
	:: self != 0 -> attach()
	:: else -> skip
	fi;
#endif
	R = 0;
	do
	:: R == ROUNDS -> break
	:: else ->
		ring_write(USER, 0, 0); /* rf_send of one user record */
		if
		:: poll_inbound(); pn = 0
		:: skip
		fi;
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
		d_step {
			gE[R * P + self] = lead[self];
			gmode[R * P + self] = mode;
			garr[R]++
		}
		/* barrier_coord.c enter */
		if
		:: self == 0 -> arrive(0, lead[0], mode)
		:: else -> ring_write(ARRIVAL, lead[self], mode)
		fi;
#ifdef LATE_RUNNING_AFTER_ARRIVAL
		if
		:: self != 0 && !running[self] -> attach()
		:: else -> skip
		fi;
#endif
		/* wait.c rf_wait(ask_then_deliver(cond)) */
		do
		:: true ->
			cond();
			if
			:: c == 1 -> rc = 0; break
			:: else -> skip
			fi;
			/* rf_world_aborted */
			if
			:: abort_reason != 0 -> rc = abort_reason; break
			:: else -> skip
			fi;
			if
			:: c == PROGRESS -> skip
			:: else ->
				/* spinning and yielding ask the condition again, as below;
				 * then rf_check_peers */
				if
				:: PEER_DEAD -> world_abort(EPEERDEAD, self); rc = abort_reason; break
				:: else -> skip
				fi;
				atomic { nsleepers++; sleeping[self] = 1; doorbell[self] = 0 }
				cond();
				if
				:: c == 0 && abort_reason == 0 ->
					/* rf_os_park: until the doorbell moves, or a slice
					 * ends after a death */
					(doorbell[self] || PEER_DEAD)
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
		st = cstatus;
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
		st = 0
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
		:: n < P ->
#ifdef LATE
			running[n] = (n == 0); /* rf_world_create: participant 0 runs */
#else
			running[n] = 1;
#endif
			run participant(n);
			n++
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
