/* Lifecycle (SPEC §1, §6): participant 0 killed from outside.
 *
 *   kill0      participant 0 killed mid-round (SIGKILL, TerminateProcess):
 *              every worker dies, and no segment is left.
 *   term0      the same with SIGTERM (POSIX only: Windows has none).
 *   startkill  participant 0 killed while workers are still starting: they
 *              die too, and the segment it left (where a name outlives its
 *              creator) is swept by rf_sweep().
 *
 * This program is the outside: it starts participant 0 (the victim: this
 * program again, "CASE victim"), kills it, and checks that every worker is
 * dead within a bound and that no descendant is left: on POSIX the outside is
 * the child subreaper, so the orphaned workers are re-parented to it and must
 * all be reaped; on Windows the victim's kill-on-close job is nested in the
 * outside's, whose process list must empty. The victim reports its workers'
 * pids and its world's name; in startkill, where it never gets that far, the
 * workers report their own pids before they would attach. */
#include <string.h>

#include "testutil.h"

#define SECOND TU_SECOND
#define MS TU_MS
#define P 4

static int worker_main(const char *c)
{
	if (strcmp(c, "startkill") == 0) {
		long me = rf_os_pid();
		if (tu_report(&me, sizeof me) != 0)
			return 3;
		rf_os_sleep_ns(30 * SECOND); /* never attaches: participant 0 dies waiting */
	}
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = P;
	rf_world *w;
	if (rf_launch(&o, &w) != 0)
		return 3;
	int rc;
	while ((rc = rf_barrier(w, RF_DELIVERY_FENCE, 60 * SECOND)) == 0)
		;
	/* Only reached if the lifeline, not the death signal, noticed the death. */
	rf_world_close(w);
	return 4;
}

/* Participant 0: launches, reports the worker pids and the world's name, then
 * runs rounds forever. */
static void victim(char **argv)
{
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = P;
	o.argv = argv;
	o.start_timeout_ns = 60 * SECOND;
	rf_world *w;
	if (rf_launch(&o, &w) != 0)
		exit(3);
	struct rf_snapshot *s;
	if (rf_snapshot_take(w, &s) != 0)
		exit(3);
	long pids[P];
	for (int p = 0; p < P; p++)
		pids[p] = s->part[p].pid;
	rf_snapshot_free(s);
	char name[RF_NAME_MAX] = {0};
	snprintf(name, sizeof name, "%s", rf_world_name(w));
	if (tu_report(pids, sizeof pids) != 0 || tu_report(name, sizeof name) != 0)
		exit(3);
	for (;;)
		rf_barrier(w, RF_DELIVERY_FENCE, 60 * SECOND);
}

/* Waits until none of the n processes runs (a zombie has ended) or the bound
 * passes; returns how many still run, *last_ns when none was seen running. */
static int wait_dead(const long *pids, int n, int64_t bound_ns, int64_t *last_ns)
{
	int64_t end = rf_os_deadline(bound_ns);
	for (;;) {
		int running = 0;
		for (int i = 0; i < n; i++)
			running += rf_os_pid_alive(pids[i]);
		int64_t now = rf_os_now_ns();
		if (running == 0)
			*last_ns = now;
		if (running == 0 || now > end)
			return running;
		rf_os_sleep_ns(MS);
	}
}

/* Waits until no descendant is left (tu_descendants_left) or the bound
 * passes; the count left then. */
static int wait_no_descendants(void *job, int64_t bound_ns)
{
	int64_t end = rf_os_deadline(bound_ns);
	int n;
	while ((n = tu_descendants_left(job)) != 0 && rf_os_now_ns() < end)
		rf_os_sleep_ns(MS);
	return n;
}

static int outside(const char *c)
{
	CHECK(tu_orphans_adopt() == 0, "child subreaper");
	void *job = rf_os_job_create(); /* NULL where dying with us needs none */
	char *args[] = {(char *)c, "victim", NULL};
	struct tu_child v;
	tu_start_self(args, job, &v);

	long pids[P] = {0};
	char name[RF_NAME_MAX] = {0};
	if (strcmp(c, "startkill") == 0) {
		for (int p = 1; p < P; p++)
			CHECK(tu_child_read(&v, &pids[p], sizeof pids[p]) == 0,
			      "%d of %d workers started", p - 1, P - 1);
		rf_os_sleep_ns(200 * MS); /* all asleep before attaching */
	} else {
		CHECK(tu_child_read(&v, pids, sizeof pids) == 0 &&
			      tu_child_read(&v, name, sizeof name) == 0,
		      "victim did not start");
		rf_os_sleep_ns(100 * MS); /* well inside the round loop */
	}
	if (strcmp(c, "term0") == 0)
		CHECK(tu_sigterm(v.os.pid) == 0, "no SIGTERM here");
	else
		rf_os_child_kill(&v.os);
	int64_t t0 = rf_os_now_ns(), last = t0;
	int running = wait_dead(pids + 1, P - 1, 5 * SECOND, &last);
	printf("%s: %d of %d workers gone %.1f ms after participant 0\n", c, P - 1 - running,
	       P - 1, (last - t0) / 1e6);
	CHECK(running == 0, "%d of %d workers survived participant 0", running, P - 1);
	CHECK(rf_os_child_wait(&v.os, 5 * SECOND) == 1, "participant 0 survived");
	int left = wait_no_descendants(job, 5 * SECOND);
	CHECK(left == 0, "%d processes left behind (an orphan, or one never reaped)", left);

	if (strcmp(c, "startkill") == 0) {
		int segments = tu_segments_of(v.os.pid);
		if (tu_names_outlive_creators) {
			CHECK(segments == 1, "the dead creator's segment should remain (%d)", segments);
			CHECK(rf_sweep() >= 1, "sweep removed nothing");
			CHECK(tu_segments_of(v.os.pid) == 0, "sweep left the segment");
		} else {
			CHECK(rf_sweep() == 0, "a dead creator's segment was left to sweep");
		}
	} else {
		CHECK(!tu_segment_exists(name) && tu_segments_of(v.os.pid) == 0,
		      "segment %s left behind", name);
	}
	tu_child_close(&v);
	rf_os_job_close(job);
	return 0;
}

int main(int argc, char **argv)
{
	if (rf_is_worker())
		return worker_main(argc >= 2 ? argv[1] : "");
	CHECK(argc >= 2, "usage: %s kill0|term0|startkill", argv[0]);
	tu_log_to_stderr();
	if (argc >= 3 && strcmp(argv[2], "victim") == 0)
		victim(argv);
	return outside(argv[1]);
}
