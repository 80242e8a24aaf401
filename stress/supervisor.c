/* The kill-coordinator supervisor: it never joins a world itself. What
 * differs by platform (fork or a --victim child in a job, signals or
 * TerminateProcess, subreaper or job list) is behind proc.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "proc.h"
#include "report.h"
#include "rf_os.h"
#include "supervisor.h"
#include "world.h"

int supervisor_victim(const struct soak_opts *o, const struct soak_impl *im, uint32_t t,
		      int report_fd)
{
	struct soak_opts vo = *o;
	vo.fault = FAULT_NONE;
	vo.rounds = 0;
	vo.duration = 30; /* the kill comes long before; a bound if it does not */
	vo.json = NULL;
	struct soak_result res;
	memset(&res, 0, sizeof res);
	return world_participant0(&vo, im, &res, t, report_fd);
}

/* One trial: returns the number of failed checks; *ms is when all were gone. */
static int trial(const struct soak_opts *o, const struct soak_impl *im, uint32_t t,
		 uint64_t *rng, double *ms, struct soak_result *res)
{
	struct proc_child c;
	int started = proc_child_start(o, t, &c);
	if (started < 0)
		return 1;
	if (started > 0) /* the forked child: participant 0, and nothing after it */
		_Exit(supervisor_victim(o, im, t, c.victim_fd));
	/* What world_participant0 reports: the P pids, the segment name, the algorithm. */
	long pids[RF_MAX_PROCS] = {0};
	char name[RF_NAME_MAX] = "";
	uint32_t algo;
	char buf[sizeof pids + sizeof name + sizeof algo];
	size_t want = o->procs * sizeof(long) + sizeof name + sizeof algo;
	size_t got = proc_child_read(&c, buf, want, 15000000000);
	bool reported = got == want;
	int failures = 0;
	if (!reported) {
		fprintf(stderr, "rf-soak: FAULT trial %u: participant 0 did not start its world\n", t);
		failures++;
	} else {
		memcpy(pids, buf, o->procs * sizeof(long));
		memcpy(name, buf + o->procs * sizeof(long), sizeof name);
		name[sizeof name - 1] = '\0';
		memcpy(&algo, buf + o->procs * sizeof(long) + sizeof name, sizeof algo);
		res->algorithm = (enum rf_algorithm)algo;
		/* somewhere in a round */
		rf_os_sleep_ns((int64_t)(20 + rf_os_splitmix64(rng) % 300) * 1000000);
	}
	int64_t t0 = rf_os_now_ns(), gone = t0;
	proc_child_kill(&c, o->kill_signal);
	long orphans[RF_MAX_PROCS];
	uint32_t n = proc_child_wait_all(&c, pids, reported ? o->procs : 0,
					 t0 + (int64_t)((o->release_bound + 4) * 1e9), &gone, orphans,
					 RF_MAX_PROCS);
	*ms = (double)(gone - t0) / 1e6;
	char how[96];
	if (!proc_child_ended_by(&c, o->kill_signal, how, sizeof how)) {
		fprintf(stderr, "rf-soak: FAULT trial %u: participant 0 %s\n", t, how);
		failures++;
	}
	for (uint32_t i = 0; i < n; i++) {
		fprintf(stderr, "rf-soak: FAULT trial %u: process %ld (a worker) orphaned: killed now\n", t,
			orphans[i]);
		failures++;
	}
	if (world_segments_left(c.os.pid, reported ? name : NULL)) {
		fprintf(stderr, "rf-soak: FAULT trial %u: the segment of participant 0 outlived it (removed)\n", t);
		failures++;
	}
	if (*ms > o->release_bound * 1e3) {
		fprintf(stderr, "rf-soak: FAULT trial %u: workers gone only %.1f ms after the kill\n", t, *ms);
		failures++;
	}
	proc_child_close(&c);
	return failures;
}

int supervisor_run(const struct soak_opts *o, const struct soak_impl *im)
{
	interrupt_catch();
	int rc = proc_supervise(o->kill_signal);
	if (rc)
		return rc;
	struct soak_result res;
	memset(&res, 0, sizeof res);
	report_set_impl(&res, im);
	uint64_t rng = o->seed ^ 0xC00D1ull;
	int64_t start = rf_os_now_ns();
	for (uint32_t t = 1; cli_more_trials(o, t, start) && !interrupt_signal(); t++) {
		double ms = 0;
		int f = trial(o, im, t, &rng, &ms, &res);
		res.trials++;
		res.trials_failed += f != 0;
		report_add_latency(&res, ms);
		if (f || o->trial_seconds == 0) { /* a long run tells only failures */
			printf("kill-coordinator trial %u: participant 0 killed by signal %d, every process gone %.1f ms later%s\n",
			       t, o->kill_signal, ms, f ? ": FAILED" : "");
			fflush(stdout);
		}
	}
	res.elapsed_s = (double)(rf_os_now_ns() - start) / 1e9;
	int sig = interrupt_signal();
	res.exit_code = res.trials_failed ? EXIT_FAULTCHECK : sig ? 128 + sig : EXIT_PASS;
	return report_finish(o, &res);
}
