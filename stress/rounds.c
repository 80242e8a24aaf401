/* The round loop every participant runs (SPEC §7), and the watchdog.
 *
 * The watchdog is a deadline, not a thread: every blocking call of a round
 * gets what is left of (last completed round + watchdog), so "no round
 * completed within the watchdog period" is exactly an RF_ETIMEDOUT. The
 * participant whose deadline passes first prints the stall rows; the library
 * aborts the world and releases everyone else. */
#include <stdio.h>

#include "counts.h"
#include "faults.h"
#include "oracle.h"
#include "report.h"
#include "rounds.h"
#include "traffic.h"

/* The watchdog also stops the implementation, when it can be told to. */
static void abort_all(struct soak_run *r, int reason)
{
	if (r->c && r->drv->abort)
		r->drv->abort(r->c, reason);
	if (r->w)
		rf_world_abort(r->w, reason);
}

/* --fault=drain-caller: what a fence that drains only its caller does
 * after the rendezvous, done by the suite on top of the driver's barrier. */
static int drain_caller(struct soak_run *r, int64_t deadline_ns)
{
	while (!oracle_has_markers(r)) {
		int n = r->drv->poll(r->c);
		oracle_after_call(r);
		if (n < 0)
			return n;
		if (rf_os_now_ns() > deadline_ns)
			return RF_ETIMEDOUT;
		if (n == 0)
			rf_os_sleep_ns(20000);
	}
	return 0;
}

int rounds_run(struct soak_run *r)
{
	const struct soak_opts *o = r->o;
	int64_t watchdog = (int64_t)(o->watchdog * 1e9);
	int64_t start = rf_os_now_ns();
	r->P = r->peers.size;
	r->me = r->peers.rank;
	r->drv = r->im->drv;
	r->rc = 0;
	traffic_free();
	if (oracle_init(r) != 0)
		return RF_ENOMEM;
	faults_plan(r);
	r->rc = impl_open(r->im, o, &r->peers, oracle_handler, r,
			  watchdog > 10000000000 ? watchdog : 10000000000, &r->c);
	if (r->rc) {
		r->open_failed = true;
		oracle_free(r);
		return r->rc;
	}
	if (r->describe && r->drv->describe && r->drv->describe(r->c, r->describe, r->describe_len) != 0)
		r->describe[0] = '\0';
	r->last_done_ns = start;
	for (uint64_t round = 1;; round++) {
		uint64_t stop = atomic_load(&r->sh->stop_round);
		if ((stop && round > stop) || (o->rounds && round > o->rounds))
			break;
		if (r->me == 0 || !r->w) { /* under mpirun every one has its own */
			/* the slot of a round far ahead: nobody is near it */
			atomic_store(&r->sh->miss_flag[(round + MISS_SLOTS / 2) % MISS_SLOTS], 0);
			atomic_store(&r->sh->rv_flag[(round + MISS_SLOTS / 2) % MISS_SLOTS], 0);
			/* Time is up: this round is the last. The others read it
			 * after this round's barrier, so all stop after it. Under
			 * mpirun participant 0 says so in go_on instead. */
			if (r->w && o->duration > 0 && !stop &&
			    rf_os_now_ns() - start >= (int64_t)(o->duration * 1e9))
				atomic_store(&r->sh->stop_round, round);
		}
		r->round = round;
		enum rf_mode mode = impl_round_mode(r->im, round);
		int64_t deadline = r->last_done_ns + watchdog;
		/* an interrupt, or participant 0 seeing a worker die, aborts the
		 * launched world: a driver beside it learns here */
		int rc = r->im->reference || !r->w ? 0 : rf_world_aborted(r->w);
		if (rc)
			abort_all(r, rc);
		if (rc == 0)
			rc = traffic_send_round(r, deadline);
		if (rc == 0) {
			oracle_before_barrier(r);
			rc = r->drv->barrier(r->c, mode, run_left_ns(deadline));
			oracle_after_call(r);
			if (rc == 0 && o->fault == FAULT_DRAIN_CALLER && mode != RF_RENDEZVOUS)
				rc = drain_caller(r, deadline);
		}
		if (rc) {
			r->rc = rc;
			break;
		}
		r->last_done_ns = rf_os_now_ns();
		r->rounds_done++;
		if (mode == RF_RENDEZVOUS && atomic_exchange(&r->sh->rv_flag[round % MISS_SLOTS], 1) == 0)
			counts_add(COUNT_RV_ROUNDS);
		oracle_after_round(r, mode);
		if (r->go_on && round % SOAK_SYNC_ROUNDS == 0 && !r->go_on(r))
			atomic_store(&r->sh->stop_round, round);
		if (r->me == 0)
			report_progress(o, r->im, r->rounds_done, start, false);
	}
	if (r->rc == RF_ETIMEDOUT) {
		/* A send that timed out does not abort the world by itself. */
		abort_all(r, RF_EABORTED);
		uint32_t none = 0;
		if (atomic_compare_exchange_strong(&r->sh->stalled, &none, r->me + 1)) {
			char why[128];
			snprintf(why, sizeof why, "STALL: no round completed within the watchdog (%.3g s) after round %llu",
				 o->watchdog, (unsigned long long)r->rounds_done);
			oracle_print_rows(r, why);
		}
	}
	faults_report_release(r);
	if (r->me == 0)
		report_progress(o, r->im, r->rounds_done, start, true);
	int crc = impl_close(r->im, &r->peers, r->c, r->rc, run_left_ns(rf_os_now_ns() + watchdog));
	r->c = NULL;
	if (crc && !r->rc && !r->im->reference)
		r->rc = crc; /* the reference's close is the world's, judged by world.c */
	oracle_free(r);
	traffic_free();
	return r->rc;
}
