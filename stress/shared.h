/* The world's user area (SPEC §7): what senders "report in shared memory",
 * the handlers' side effects and the run's counters, seen by every
 * participant. A fixed part, then arrays sized by P. */
#ifndef RF_SOAK_SHARED_H
#define RF_SOAK_SHARED_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Participants are at most two rounds apart; under mpirun a slot must also
 * live until participant 0 has counted it, 2 * SOAK_SYNC_ROUNDS rounds. */
#define MISS_SLOTS 128

/* The counts the summary prints (violations, misses, rendezvous rounds) are
 * not here but in counts.c's sealed slots, one per participant: any peer can
 * scribble on this area. */
struct soak_shared {
	_Atomic uint64_t stop_round;  /* set by participant 0: the last round */
	_Atomic uint32_t reported;    /* snapshots printed so far (a few are enough) */
	_Atomic uint32_t stalled;     /* 1 + participant whose watchdog fired first */
	_Atomic int64_t kill_ns;      /* kill-worker: when participant 0 sent SIGKILL */
	/* a rendezvous round's miss (some reader lacked a marker) and its
	 * completion, each counted once by whoever sets the flag first */
	_Atomic uint8_t miss_flag[MISS_SLOTS];
	_Atomic uint8_t rv_flag[MISS_SLOTS];
	/* then: struct soak_part part[P]; uint64_t sent[2][P][P], recv[P][P],
	 * entry[2][P]; struct soak_counts counts[P] */
};

/* What one participant reports of its own ending (kill-worker). */
struct soak_part {
	_Atomic int64_t release_ns; /* when our blocked call returned, after the kill */
	_Atomic int32_t release_rc;
	_Atomic uint32_t done;
};

/* One copy of a participant's counts (counts.c), valid when seal matches. */
struct soak_count_copy {
	_Atomic uint64_t v[3]; /* enum soak_count */
	_Atomic uint64_t seq;  /* publications so far: the newer copy wins */
	_Atomic uint64_t flags;
	_Atomic uint64_t seal;
};
/* A participant's published counts: two copies, written alternately. */
struct soak_counts {
	struct soak_count_copy copy[2];
};

/* The user area's size for P participants. */
size_t shared_bytes(uint32_t P);
/* part[p]. */
struct soak_part *shared_part(struct soak_shared *s, uint32_t p);
/* sent[r % 2][p][q]: what p reports it sent q up to round r (sum of values). */
_Atomic uint64_t *shared_sent(struct soak_shared *s, uint32_t P, uint64_t r, uint32_t p, uint32_t q);
/* recv[q][p]: the side effect of q's handler, the sum of values taken from p. */
_Atomic uint64_t *shared_recv(struct soak_shared *s, uint32_t P, uint32_t q, uint32_t p);
/* entry[r % 2][p]: p's ring position when it entered round r's barrier (E_p). */
_Atomic uint64_t *shared_entry(struct soak_shared *s, uint32_t P, uint64_t r, uint32_t p);
/* counts[p]: participant p's published counts. */
struct soak_counts *shared_counts(struct soak_shared *s, uint32_t P, uint32_t p);

#endif
