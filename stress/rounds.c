/* The round loop every participant runs (SPEC §7), and the watchdog.
 *
 * The watchdog is a deadline, not a thread: every blocking call of a round
 * gets what is left of (last completed round + watchdog), so "no round
 * completed within the watchdog period" is exactly an RF_ETIMEDOUT. The
 * participant whose deadline passes first prints the stall rows; the library
 * aborts the world and releases everyone else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "soak.h"

size_t soak_shared_bytes(uint32_t P)
{
	return sizeof(struct soak_shared) + P * sizeof(struct soak_part) +
	       (2 * (size_t)P * P + (size_t)P * P + 2 * (size_t)P) * sizeof(uint64_t);
}

struct soak_part *soak_part(struct soak_shared *s, uint32_t p)
{
	return (struct soak_part *)(s + 1) + p;
}

/* Both arrays follow part[P]; alignment holds (every element is 8 bytes). */
_Atomic uint64_t *soak_sent(struct soak_shared *s, uint32_t P, uint64_t r, uint32_t p, uint32_t q)
{
	_Atomic uint64_t *a = (_Atomic uint64_t *)(soak_part(s, 0) + P);
	return a + ((r % 2) * P + p) * P + q;
}

_Atomic uint64_t *soak_recv(struct soak_shared *s, uint32_t P, uint32_t q, uint32_t p)
{
	_Atomic uint64_t *a = (_Atomic uint64_t *)(soak_part(s, 0) + P) + 2 * (size_t)P * P;
	return a + (size_t)q * P + p;
}

_Atomic uint64_t *soak_entry(struct soak_shared *s, uint32_t P, uint64_t r, uint32_t p)
{
	_Atomic uint64_t *a = (_Atomic uint64_t *)(soak_part(s, 0) + P) + 3 * (size_t)P * P;
	return a + (r % 2) * P + p;
}

enum rf_mode round_mode(const struct soak_opts *o, uint64_t round)
{
	return o->mode == MODE_ALL ? (enum rf_mode)((round - 1) % 3) : (enum rf_mode)o->mode;
}

int run_world(struct soak_run *r)
{
	const struct soak_opts *o = r->o;
	int64_t watchdog = (int64_t)(o->watchdog * 1e9);
	int64_t start = soak_now_ns();
	r->P = rf_world_size(r->w);
	r->me = rf_world_rank(r->w);
	r->sh = rf_world_user(r->w, NULL);
	r->rc = 0;
	traffic_free();
	if (oracle_init(r) != 0)
		return RF_ENOMEM;
	faults_plan(r);
	rf_world_set_handler(r->w, oracle_handler, r);
	r->last_done_ns = start;
	for (uint64_t round = 1;; round++) {
		uint64_t stop = atomic_load(&r->sh->stop_round);
		if ((stop && round > stop) || (o->rounds && round > o->rounds))
			break;
		if (r->me == 0) {
			/* the slot of a round far ahead: nobody is near it */
			atomic_store(&r->sh->miss_flag[(round + MISS_SLOTS / 2) % MISS_SLOTS], 0);
			atomic_store(&r->sh->rv_flag[(round + MISS_SLOTS / 2) % MISS_SLOTS], 0);
			/* Time is up: this round is the last. The others read it
			 * after this round's barrier, so all stop after it. */
			if (o->duration > 0 && !stop && soak_now_ns() - start >= (int64_t)(o->duration * 1e9))
				atomic_store(&r->sh->stop_round, round);
		}
		r->round = round;
		enum rf_mode mode = round_mode(o, round);
		int64_t deadline = r->last_done_ns + watchdog;
		int rc = traffic_send_round(r, deadline);
		if (rc == 0) {
			int64_t left = deadline - soak_now_ns();
			rc = rf_barrier(r->w, mode, left > 0 ? left : 1);
		}
		if (rc) {
			r->rc = rc;
			break;
		}
		r->last_done_ns = soak_now_ns();
		r->rounds_done++;
		if (mode == RF_RENDEZVOUS && atomic_exchange(&r->sh->rv_flag[round % MISS_SLOTS], 1) == 0)
			atomic_fetch_add(&r->sh->rv_rounds, 1);
		oracle_after_round(r, mode);
		if (r->me == 0)
			report_progress(o, r, start, false);
	}
	if (r->rc == RF_ETIMEDOUT) {
		/* A send that timed out does not abort the world by itself. */
		rf_world_abort(r->w, RF_EABORTED);
		uint32_t none = 0;
		if (atomic_compare_exchange_strong(&r->sh->stalled, &none, r->me + 1)) {
			char why[128];
			snprintf(why, sizeof why, "STALL: no round completed within the watchdog (%.3g s) after round %llu",
				 o->watchdog, (unsigned long long)r->rounds_done);
			soak_print_snapshot(r->w, why);
		}
	}
	if (o->fault == FAULT_KILL_WORKER && r->rc) {
		struct soak_part *me = soak_part(r->sh, r->me);
		int64_t k = atomic_load(&r->sh->kill_ns);
		atomic_store(&me->release_ns, k ? soak_now_ns() - k : -1);
		atomic_store(&me->release_rc, r->rc);
		atomic_store(&me->done, 1);
	}
	if (r->me == 0)
		report_progress(o, r, start, true);
	oracle_free(r);
	traffic_free();
	return r->rc;
}
