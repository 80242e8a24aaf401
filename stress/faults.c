/* Fault injection (issue 5): who, when and how, all from the seed so that
 * every participant agrees without talking and a failure can be replayed.
 *
 *   kill-worker       participant 0 kills a random worker (rf_launch_kill)
 *                     between two of its own records in a random round; every
 *                     survivor must get RF_EPEERDEAD within --release-bound.
 *   kill-coordinator  a supervising parent (this process) runs participant 0
 *                     in a child (proc_*.c) and kills it (--kill-signal)
 *                     at a random moment; every worker must be gone within
 *                     the bound, nothing orphaned, no segment left.
 *   stall-reader      a random reader's handler stops (it polls nothing) for
 *                     longer than the watchdog: the watchdog must fire.
 *   slow-handler      a random reader's handler sleeps now and then.
 *   corrupt           a random sender breaks exactly-once, order and the
 *                     checksum once each (traffic.c): the oracle must see it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"

static bool killed, stalled_once;
static uint64_t slow_rng;

void faults_plan(struct soak_run *r)
{
	uint64_t rng = r->o->seed ^ 0xFA17FA17FA17FA17ull ^ ((uint64_t)r->trial << 32);
	r->victim = 1 + (uint32_t)(soak_rand(&rng) % (r->P - 1));
	r->fault_round = 2 + soak_rand(&rng) % 8;
	r->fault_at = (uint32_t)(soak_rand(&rng) % (r->o->max_records + 1));
	if (r->o->fault == FAULT_SLOW_HANDLER)
		r->victim = (uint32_t)(soak_rand(&rng) % r->P); /* any reader, 0 too */
	killed = stalled_once = false;
	slow_rng = rng;
}

void faults_maybe_kill(struct soak_run *r, uint32_t sent_so_far)
{
	if (r->o->fault != FAULT_KILL_WORKER || r->me != 0 || killed ||
	    r->round != r->fault_round || sent_so_far < r->fault_at)
		return;
	killed = true;
	atomic_store(&r->sh->kill_ns, soak_now_ns());
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
		int64_t end = soak_now_ns() + (int64_t)((2 * r->o->watchdog + 2) * 1e9);
		while (!rf_world_aborted(r->w) && soak_now_ns() < end)
			soak_sleep_ns(5000000);
	}
	if (r->o->fault == FAULT_SLOW_HANDLER && soak_rand(&slow_rng) % 8 == 0)
		soak_sleep_ns(50000 + (int64_t)(soak_rand(&slow_rng) % 1000000));
}

int faults_collect_release(struct soak_run *r, double *lat_ms, uint32_t *n)
{
	int64_t end = soak_now_ns() + (int64_t)((r->o->release_bound + 1) * 1e9);
	bool all = false;
	while (!all && soak_now_ns() < end) {
		all = true;
		for (uint32_t q = 0; q < r->P; q++)
			all &= q == r->victim || atomic_load(&soak_part(r->sh, q)->done);
		if (!all)
			soak_sleep_ns(1000000);
	}
	int failures = 0;
	*n = 0;
	for (uint32_t q = 0; q < r->P; q++) {
		if (q == r->victim)
			continue;
		struct soak_part *pq = soak_part(r->sh, q);
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

int faults_victim(const struct soak_opts *o, uint32_t t, int report_fd)
{
	struct soak_opts vo = *o;
	vo.fault = FAULT_NONE;
	vo.rounds = 0;
	vo.duration = 30; /* the kill comes long before; a bound if it does not */
	vo.json = NULL;
	struct soak_result res;
	memset(&res, 0, sizeof res);
	return soak_world0(&vo, &res, t, report_fd);
}

/* One trial: returns the number of failed checks (-1: participant 0 said
 * the transport is unsupported); *ms is when all were gone. */
static int coordinator_trial(const struct soak_opts *o, uint32_t t, uint64_t *rng, double *ms)
{
	struct soak_child c;
	if (soak_child_start(o, t, &c) != 0)
		return 1;
	struct soak_started st;
	memset(&st, 0, sizeof st);
	size_t want = o->procs * sizeof(long) + sizeof st.name;
	char buf[sizeof st];
	size_t got = soak_child_read(&c, buf, want, 15000000000);
	int failures = 0;
	if (got < want) {
		/* Did it end by itself (e.g. exit 77)? Bounded: it may also hang. */
		int64_t gone;
		long orphans[RF_MAX_PROCS];
		soak_child_wait_all(&c, NULL, 0, soak_now_ns() + 1000000000, &gone, orphans, RF_MAX_PROCS);
		if (c.ended && c.status == EXIT_UNSUPPORTED) {
			soak_child_close(&c);
			return -1;
		}
		fprintf(stderr, "rf-soak: FAULT trial %u: participant 0 did not start its world\n", t);
		failures++;
	} else {
		memcpy(st.pids, buf, o->procs * sizeof(long));
		memcpy(st.name, buf + o->procs * sizeof(long), sizeof st.name);
		st.name[sizeof st.name - 1] = '\0';
		soak_sleep_ns((int64_t)(20 + soak_rand(rng) % 300) * 1000000); /* somewhere in a round */
	}
	int64_t t0 = soak_now_ns(), gone = t0;
	soak_child_kill(&c, o->kill_signal);
	long orphans[RF_MAX_PROCS];
	uint32_t n = soak_child_wait_all(&c, st.pids, got == want ? o->procs : 0,
					 t0 + (int64_t)((o->release_bound + 4) * 1e9), &gone, orphans,
					 RF_MAX_PROCS);
	*ms = (double)(gone - t0) / 1e6;
	char how[96];
	if (!soak_child_ended_by(&c, o->kill_signal, how, sizeof how)) {
		fprintf(stderr, "rf-soak: FAULT trial %u: participant 0 %s\n", t, how);
		failures++;
	}
	for (uint32_t i = 0; i < n; i++) {
		fprintf(stderr, "rf-soak: FAULT trial %u: process %ld (a worker) orphaned: killed now\n", t,
			orphans[i]);
		failures++;
	}
	if (soak_segments_left(c.pid, got == want ? st.name : NULL)) {
		fprintf(stderr, "rf-soak: FAULT trial %u: the segment of participant 0 outlived it (removed)\n", t);
		failures++;
	}
	if (*ms > o->release_bound * 1e3) {
		fprintf(stderr, "rf-soak: FAULT trial %u: workers gone only %.1f ms after the kill\n", t, *ms);
		failures++;
	}
	soak_child_close(&c);
	return failures;
}

bool faults_more_trials(const struct soak_opts *o, uint32_t t, int64_t start_ns)
{
	if (o->trial_seconds > 0)
		return t == 1 || soak_now_ns() - start_ns < (int64_t)(o->trial_seconds * 1e9);
	return t <= o->trials;
}

int faults_kill_coordinator(const struct soak_opts *o)
{
	int rc = soak_supervise(o->kill_signal);
	if (rc)
		return rc;
	struct soak_result res;
	memset(&res, 0, sizeof res);
	uint64_t rng = o->seed ^ 0xC00D1ull;
	int64_t start = soak_now_ns();
	for (uint32_t t = 1; faults_more_trials(o, t, start) && !soak_interrupted; t++) {
		double ms = 0;
		int f = coordinator_trial(o, t, &rng, &ms);
		if (f < 0)
			return EXIT_UNSUPPORTED; /* participant 0 said why */
		res.trials++;
		res.trials_failed += f != 0;
		report_add_latency(&res, ms);
		if (f || o->trial_seconds == 0) { /* a long run tells only failures */
			printf("kill-coordinator trial %u: participant 0 killed by signal %d, every process gone %.1f ms later%s\n",
			       t, o->kill_signal, ms, f ? ": FAILED" : "");
			fflush(stdout);
		}
	}
	res.elapsed_s = (double)(soak_now_ns() - start) / 1e9;
	res.exit_code = res.trials_failed ? EXIT_FAULTCHECK : soak_interrupted ? 128 + soak_interrupted : EXIT_PASS;
	report_summary(o, &res);
	if (report_json(o, &res) != 0 && res.exit_code == EXIT_PASS)
		res.exit_code = EXIT_ERROR;
	free(res.lat_ms);
	return res.exit_code;
}
