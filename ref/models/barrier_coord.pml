/* barrier_coord.pml — the coordinator transport (barrier_coord.c), step for
 * step: enter (an ARRIVAL record on our ring to participant 0, or arrive()
 * for participant 0 itself), on_record (arrive() / the COMPLETE record),
 * serve (the deferred completion: the remote-drain handshake, then one
 * COMPLETE record), completed, and the ring hooks on_received / on_drained
 * that wake the coordinator; with drain_ring / poll_inbound (ring.c) and
 * the sleeper's side of rf_wait (wait.c) as in barrier_central.pml.
 *
 * Rings are logs of records (type, and for an arrival its round, mode and
 * E_p): a reader skips records not addressed to it but moves past them.
 * -DP=2|3, -DROUNDS (default 3: processing, delivery, rendezvous), each
 * participant sending one user record before each round; -DMIXED: in round
 * 2 each participant picks any mode.
 *
 * Properties: when the coordinator writes COMPLETE for a fenced round, and
 * when anyone returns from it, every reader of every ring has received
 * (processed) up to E_p; everyone returns the same status, RF_EMODE exactly
 * when the modes differed; no invalid end state (a lost wake-up of the
 * coordinator while it waits for the handshake is one).
 *
 * Mutants (ci/mutants counterparts):
 *   COORD_NO_HANDSHAKE        coord-no-handshake: serve skips rf_round_fence_holds
 *   COORD_NO_EMODE            coord-no-emode: the completion's status is 0 (-DMIXED)
 *   LOST_WAKEUP_COORDINATOR   lost-wakeup-coordinator: on_received / on_drained
 *                             do not wake participant 0 */

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
#define PROGRESS 2

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
/* --- ghosts ------------------------------------------------------------------- */
byte gE[(ROUNDS + 1) * P];
byte gmode[(ROUNDS + 1) * P];
byte garr[ROUNDS + 1];
byte gstat[ROUNDS + 1];

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

/* ring.c publish's rf_wake_all */
inline wake_all()
{
	atomic {
		if
		:: nsleepers > 0 ->
			wq = 0;
			do
			:: wq < P ->
				if
				:: wq != self && sleeping[wq] -> doorbell[wq] = 1
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
	wake_all()
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
 * every running reader (all are, once they arrived) */
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
				:: fence[fp] && fq != fp &&
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

proctype participant(byte self)
{
	byte R, mode, c, st, i;
	/* barrier_coord.c struct rf_barrier_state: participant 0's collection
	 * (round, arrived, modes, entry, fence, pending), everyone's done/status */
	byte cround = 1, arrived, modes, cdone, cstatus;
	byte entry[P], fence[P];
	bit cpending;
	byte gp, gq, wq, fp, fq, pn, pp, k, t, smode, sst;
	bit fh, mixed, sfenced;

	d_step {
		i = 0;
		do
		:: i < P -> entry[i] = 255; i++
		:: else -> break
		od;
		i = 0
	}
	R = 0;
	do
	:: R == ROUNDS -> break
	:: else ->
		ring_write(USER, 0, 0); /* rf_send of one user record */
		if
		:: poll_inbound(); pn = 0
		:: skip
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
		/* wait.c rf_wait(ask_then_deliver(cond)) */
		do
		:: true ->
			cond();
			if
			:: c == 1 -> break
			:: c == PROGRESS -> skip
			:: else ->
				atomic { nsleepers++; sleeping[self] = 1; doorbell[self] = 0 }
				cond();
				if
				:: c == 0 -> doorbell[self] /* park until the doorbell moves */
				:: else -> skip
				fi;
				atomic { sleeping[self] = 0; nsleepers--; doorbell[self] = 0 }
				if
				:: c == 1 -> break
				:: else -> skip
				fi
			fi
		od;
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
	od
}

init
{
	byte n;
	atomic {
		n = 0;
		do
		:: n < P -> run participant(n); n++
		:: else -> break
		od
	}
}
