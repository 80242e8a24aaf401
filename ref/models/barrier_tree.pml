/* barrier_tree.pml — the tree barrier of the shm transport (barrier_tree.c
 * advance / enter, the tree build() makes at P <= 4) in round.c's relaying
 * frame (rf_round_relay, relay_advance, own_ring_fenced), with ring.c's
 * delivery and writer wake-ups and the sleeper's side of rf_wait, as in
 * barrier_dissemination.pml (this model is that one with advance replaced).
 *
 * Children store R << 3 | modes into their slot of the root's line
 * (release) and wake the root; the root, once every slot holds R, stores
 * the release word (release) and wakes everyone; children wait for it.
 * -DP=2|3, -DROUNDS (3: processing, delivery, rendezvous); -DMIXED.
 *
 * Properties: as barrier_dissemination.pml.
 *
 * -DDEATH: participant DIER (-DDIER, default P-1; 0 is the root) may die
 * at any step, as in barrier_dissemination.pml (a killer, an `unless`,
 * PEER_DEAD where rf_check_peers looks, participant 0's watcher thread
 * aborting the world while it lives): a child with its slot stored and the
 * release not seen, the root between the release word and its wake-ups.
 * Every survivor must end, with RF_EPEERDEAD unless it had finished all
 * rounds; those that return a round's status still agree on it and its
 * fence.
 *
 * Mutants (ci/mutants counterparts):
 *   NO_DEATH_DETECT           no-death-detect (-DDEATH): nobody sees the death
 *                             (no watcher abort, rf_check_peers blind)
 *   TREE_NO_EMODE             tree-no-emode: the children's modes are not OR-ed in
 *   TREE_SHARED_SLOT          tree-shared-slot: b->slot = 0 for every child
 *   TREE_LOST_WAKEUP_PARENT   tree-lost-wakeup-parent: no rf_wake of the parent
 *   TREE_LOST_WAKEUP_RELEASE  tree-lost-wakeup-release: no rf_wake_all after the release
 *   RELAY_NO_FENCE            relay-no-fence: fencing = false */

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
#define IDX(p, q) ((p) * P + (q))
#define SCHED(r) ((r) % 3 == 1 -> PROC : ((r) % 3 == 2 -> DELIV : REND))

byte lead[P];
byte rcv[P * P];
byte prc[P * P];
byte slot[P];            /* the root's arrive_line: R << 3 | subtree modes */
byte release;            /* the release word: R << 3 | modes */
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

/* barrier_tree.c advance: the climb and the release -> c. At P <= 4 (and
 * unpinned, or all on one core) the tree is one group: participant 0 is
 * the root, everyone else its child in slot self - 1 (build()). */
inline advance()
{
	c = 0;
	if
	:: !arrived ->
		d_step { /* the children's slots: acquire */
			v = 1;
			k = 0;
			do
			:: k < children ->
				if
				:: slot[k] / 8 != R -> v = 0
				:: else -> skip
				fi;
				k++
			:: else -> break
			od;
			k = 0
		}
		if
		:: v == 0 -> skip /* return 0 */
		:: else ->
			d_step {
				k = 0;
				do
				:: k < children ->
#ifndef TREE_NO_EMODE
					modes = modes | (slot[k] % 8);
#endif
					k++
				:: else -> break
				od;
				k = 0
			}
			arrived = 1;
			moved = 1;
			if
			:: self == 0 ->
				release = R * 8 + modes; /* release */
#ifndef TREE_LOST_WAKEUP_RELEASE
				wake_sleepers(0, self);
#endif
				c = 1
			:: else ->
#ifdef TREE_SHARED_SLOT
				slot[0] = R * 8 + modes; /* release */
#else
				slot[self - 1] = R * 8 + modes; /* release */
#endif
#ifndef TREE_LOST_WAKEUP_PARENT
				WAKE(0)
#endif
			fi
		fi;
		v = 0
	:: else -> skip
	fi;
	if
	:: arrived && c == 0 ->
		v = release; /* acquire */
		if
		:: v / 8 != R -> c = (moved -> PROGRESS : 0)
		:: else ->
#ifndef TREE_NO_EMODE
			modes = v % 8;
#endif
			c = 1
		fi;
		v = 0
	:: else -> skip
	fi
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
	byte R, mode, c, st, i, modes, v, k, children, rc;
	bit fencing, arrived, moved;
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
		/* barrier_tree.c enter, round.c rf_round_relay */
		arrived = 0;
		children = (self == 0 -> P - 1 : 0);
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
		d_step { st = 0; modes = 0; arrived = 0 }
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
