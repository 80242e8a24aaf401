/* Fault injection inside one world (issues 5, 14.4): who, when and how, all from
 * the seed so that every participant agrees without talking and a failure
 * can be replayed.
 *
 *   kill-worker       participant 0 kills a random worker (rf_launch_kill)
 *                     between two of its own records in a random round; every
 *                     survivor must get RF_EPEERDEAD within --release-bound.
 *   stall-reader      a random reader's handler stops (it polls nothing) for
 *                     longer than the watchdog: the watchdog must fire.
 *   slow-handler      a random reader's handler sleeps now and then.
 *   corrupt           a random sender breaks exactly-once, order and the
 *                     checksum once each (traffic.c): the oracle must see it.
 *   scribble          participant 0 writes random bytes over the whole shared
 *                     area mid-round: the counts must fail their check. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "rf_os.h"

static bool killed, stalled_once, scribbled;
static uint64_t slow_rng;

void faults_plan(struct soak_run *r)
{
	uint64_t rng = r->o->seed ^ 0xFA17FA17FA17FA17ull ^ ((uint64_t)r->trial << 32);
	r->victim = 1 + (uint32_t)(rf_os_splitmix64(&rng) % (r->P - 1));
	r->fault_round = 2 + rf_os_splitmix64(&rng) % 8;
	r->fault_at = (uint32_t)(rf_os_splitmix64(&rng) % (r->o->max_records + 1));
	if (r->o->fault == FAULT_SLOW_HANDLER)
		r->victim = (uint32_t)(rf_os_splitmix64(&rng) % r->P); /* any reader, 0 too */
	killed = stalled_once = scribbled = false;
	slow_rng = rng;
}

/* scribble: what a stray peer does to the area every participant trusts. */
static void scribble(struct soak_run *r)
{
	uint64_t rng = r->o->seed ^ 0x5C81BB1E5C81BB1Eull;
	uint8_t *b = (uint8_t *)r->sh;
	size_t n = shared_bytes(r->P);
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t x = rf_os_splitmix64(&rng);
		memcpy(b + i, &x, 8);
	}
	fprintf(stderr, "rf-soak: scribble: %zu random bytes over the shared area in round %llu\n", n,
		(unsigned long long)r->round);
}

void faults_maybe_kill(struct soak_run *r, uint32_t sent_so_far)
{
	if (r->o->fault == FAULT_SCRIBBLE) {
		if (r->me == 0 && !scribbled && r->round == r->fault_round && sent_so_far >= r->fault_at) {
			scribbled = true;
			scribble(r);
		}
		return;
	}
	/* Under mpirun (no launched world) the victim kills itself: there is
	 * no participant 0 that owns the others' lives. */
	uint32_t killer = r->w ? 0 : r->victim;
	if (r->o->fault != FAULT_KILL_WORKER || r->me != killer || killed ||
	    r->round != r->fault_round || sent_so_far < r->fault_at)
		return;
	killed = true;
	if (!r->w) {
		fprintf(stderr, "rf-soak: rank %u: kill-worker: SIGKILL to myself in round %llu\n", r->me,
			(unsigned long long)r->round);
		fflush(stderr);
		raise(SIGKILL);
	}
	atomic_store(&r->sh->kill_ns, rf_os_now_ns());
	int rc = rf_launch_kill(r->w, r->victim);
	if (rc)
		fprintf(stderr, "rf-soak: rf_launch_kill(%u): %s\n", r->victim, rf_strerror(rc));
}

void faults_in_handler(struct soak_run *r)
{
	if (r->me != r->victim)
		return;
	if (r->o->fault == FAULT_STALL_READER && !stalled_once && r->round >= r->fault_round) {
		stalled_once = true;
		/* Stop polling well past the watchdog, but end as soon as the world
		 * is aborted: the stall must be caught, not outlive the run. */
		int64_t end = rf_os_now_ns() + (int64_t)((2 * r->o->watchdog + 2) * 1e9);
		while (!rf_world_aborted(r->w) && rf_os_now_ns() < end)
			rf_os_sleep_ns(5000000);
	}
	if (r->o->fault == FAULT_SLOW_HANDLER && rf_os_splitmix64(&slow_rng) % 8 == 0)
		rf_os_sleep_ns(50000 + (int64_t)(rf_os_splitmix64(&slow_rng) % 1000000));
}

void faults_report_release(struct soak_run *r)
{
	if (r->o->fault != FAULT_KILL_WORKER || !r->rc)
		return;
	struct soak_part *me = shared_part(r->sh, r->me);
	int64_t k = atomic_load(&r->sh->kill_ns);
	atomic_store(&me->release_ns, k ? rf_os_now_ns() - k : -1);
	atomic_store(&me->release_rc, r->rc);
	atomic_store(&me->done, 1);
}

int faults_collect_release(struct soak_run *r, double *lat_ms, uint32_t *n)
{
	int64_t end = rf_os_now_ns() + (int64_t)((r->o->release_bound + 1) * 1e9);
	bool all = false;
	while (!all && rf_os_now_ns() < end) {
		all = true;
		for (uint32_t q = 0; q < r->P; q++)
			all &= q == r->victim || atomic_load(&shared_part(r->sh, q)->done);
		if (!all)
			rf_os_sleep_ns(1000000);
	}
	int failures = 0;
	*n = 0;
	for (uint32_t q = 0; q < r->P; q++) {
		if (q == r->victim)
			continue;
		struct soak_part *pq = shared_part(r->sh, q);
		if (!atomic_load(&pq->done)) {
			fprintf(stderr, "rf-soak: FAULT participant %u was not released after worker %u was killed\n",
				q, r->victim);
			failures++;
			continue;
		}
		int rc = atomic_load(&pq->release_rc);
		double ms = (double)atomic_load(&pq->release_ns) / 1e6;
		lat_ms[(*n)++] = ms;
		if (rc != RF_EPEERDEAD) {
			fprintf(stderr, "rf-soak: FAULT participant %u got %s after the kill, not %s\n", q,
				rf_strerror(rc), rf_strerror(RF_EPEERDEAD));
			failures++;
		} else if (ms > r->o->release_bound * 1e3) {
			fprintf(stderr, "rf-soak: FAULT participant %u released %.1f ms after the kill (bound %.0f ms)\n",
				q, ms, r->o->release_bound * 1e3);
			failures++;
		}
	}
	return failures;
}
