/* Lifecycle (SPEC §1, §6): participant 0 killed from outside.
 *
 *   kill0      SIGKILL of participant 0 mid-round: every worker dies, and no
 *              segment is left.
 *   term0      the same with SIGTERM.
 *   startkill  participant 0 killed while workers are still starting: they
 *              die too, and the segment it left is swept by rf_sweep().
 *
 * This program is the outside: it forks participant 0 (the victim), becomes
 * the child subreaper so the orphaned workers are re-parented to it, and
 * checks that every one of them is gone within a bound.
 *
 * On Windows the outside starts the victim (this program again) in a job of
 * its own; the victim's workers, in the victim's kill-on-close job, are in
 * that job too (nested), so its process list is the no-orphan check. There
 * is no SIGTERM (term0 is POSIX only), and a segment's name dies with its
 * last handle: nothing is left for rf_sweep(). */
#include <string.h>
#ifndef _WIN32
#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "testutil.h"

#define SECOND 1000000000ll
#define P 4

static int worker_main(const char *c)
{
	if (strcmp(c, "startkill") == 0)
		tu_sleep_ms(30000); /* never attaches: participant 0 dies waiting */
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = P;
	rf_world *w;
	if (rf_launch(&o, &w) != 0)
		return 3;
	int rc;
	while ((rc = rf_barrier(w, RF_DELIVERY_FENCE, 60 * SECOND)) == 0)
		;
	/* Only reached if the lifeline, not PDEATHSIG, noticed the death. */
	rf_world_close(w);
	return 4;
}

/* Participant 0: launches, reports the worker pids, then runs rounds forever. */
static void victim(char **argv, int out)
{
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = P;
	o.argv = argv;
	o.start_timeout_ns = 60 * SECOND;
	rf_world *w;
	if (rf_launch(&o, &w) != 0)
		_exit(3);
	struct rf_snapshot *s;
	if (rf_snapshot_take(w, &s) != 0)
		_exit(3);
	long pids[P];
	for (int p = 0; p < P; p++)
		pids[p] = s->part[p].pid;
	rf_snapshot_free(s);
#ifdef _WIN32
	(void)out;
	char name[RF_NAME_MAX] = {0};
	snprintf(name, sizeof name, "%s", rf_world_name(w));
	if (tu_report(pids, sizeof pids) != 0 || tu_report(name, sizeof name) != 0)
		exit(3);
#else
	if (write(out, pids, sizeof pids) != (ssize_t)sizeof pids)
		_exit(3);
#endif
	for (;;)
		rf_barrier(w, RF_DELIVERY_FENCE, 60 * SECOND);
}

#ifdef _WIN32
/* Waits until the job holds no process or the bound passes; the count left. */
static int job_drain(void *job, int64_t bound_ns, int64_t *last_ns)
{
	int64_t end = tu_now_ns() + bound_ns;
	int n;
	while ((n = tu_job_count(job)) > 0 && tu_now_ns() < end)
		tu_sleep_ms(1);
	*last_ns = tu_now_ns();
	return n;
}

static int outside(char **argv, const char *c)
{
	void *job = tu_job_create();
	CHECK(job, "job");
	char *args[] = {(char *)c, "victim", NULL};
	struct tu_child v;
	CHECK(tu_spawn_self(args, job, &v) == 0, "spawn participant 0");

	if (strcmp(c, "startkill") == 0) {
		/* Workers are started (all P in the job) and asleep before attaching. */
		int64_t end = tu_now_ns() + 10 * SECOND;
		while (tu_job_count(job) < P && tu_now_ns() < end)
			tu_sleep_ms(1);
		CHECK(tu_job_count(job) == P, "%d of %d processes started", tu_job_count(job), P);
		tu_sleep_ms(200);
		tu_child_kill(&v);
		int64_t t0 = tu_now_ns(), last;
		int n = job_drain(job, 5 * SECOND, &last);
		CHECK(n == 0, "%d processes survived participant 0", n);
		printf("startkill: every worker gone %.1f ms after participant 0\n",
		       (last - t0) / 1e6);
		CHECK(rf_sweep() == 0, "a dead creator's segment was left to sweep");
		tu_child_close(&v);
		return 0;
	}

	long pids[P];
	char name[RF_NAME_MAX];
	CHECK(tu_child_read(&v, pids, sizeof pids) == 0 && tu_child_read(&v, name, sizeof name) == 0,
	      "victim did not start");
	CHECK(tu_job_count(job) == P, "%d processes in the job, want %d", tu_job_count(job), P);
	tu_sleep_ms(100); /* well inside the round loop */
	tu_child_kill(&v);
	int64_t t0 = tu_now_ns(), last;
	int n = job_drain(job, 5 * SECOND, &last);
	printf("%s: every worker gone %.1f ms after participant 0\n", c, (last - t0) / 1e6);
	CHECK(n == 0, "%d processes survived participant 0", n);
	for (int p = 1; p < P; p++)
		CHECK(!tu_pid_exists(pids[p]), "worker %d (pid %ld) survived", p, pids[p]);
	CHECK(!tu_segment_exists(name), "segment %s left behind", name);
	tu_child_close(&v);
	(void)argv;
	return 0;
}
#else

static int count_segments_of(long pid)
{
	char prefix[32];
	snprintf(prefix, sizeof prefix, "rf-%ld-", pid);
	int n = 0;
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

/* Reaps every child until none is left or the bound passes; returns how many
 * workers (children other than the victim) were reaped. */
static int reap_all(pid_t victim_pid, int64_t bound_ns, int64_t *last_ns)
{
	int64_t end = tu_now_ns() + bound_ns;
	int workers = 0;
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p > 0) {
			if (p != victim_pid) {
				workers++;
				*last_ns = tu_now_ns();
			}
			continue;
		}
		if (p < 0 || tu_now_ns() > end)
			return workers; /* ECHILD: nothing left */
		usleep(1000);
	}
}
#endif

int main(int argc, char **argv)
{
	if (rf_is_worker())
		return worker_main(argc >= 2 ? argv[1] : "");
	CHECK(argc >= 2, "usage: %s kill0|term0|startkill", argv[0]);
	tu_log_to_stderr();
	const char *c = argv[1];
#ifdef _WIN32
	if (argc >= 3 && strcmp(argv[2], "victim") == 0)
		victim(argv, -1);
	CHECK(strcmp(c, "term0") != 0, "term0: no SIGTERM on Windows");
	return outside(argv, c);
#else
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "subreaper");
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe");
	pid_t v = fork();
	CHECK(v >= 0, "fork");
	if (v == 0) {
		close(fds[0]);
		victim(argv, fds[1]);
	}
	close(fds[1]);

	if (strcmp(c, "startkill") == 0) {
		int64_t end = tu_now_ns() + 10 * SECOND;
		while (count_segments_of(v) == 0 && tu_now_ns() < end)
			usleep(1000);
		CHECK(count_segments_of(v) == 1, "participant 0 never created its segment");
		usleep(200 * 1000); /* workers are spawned, asleep before attaching */
		kill(v, SIGKILL);
		int64_t t0 = tu_now_ns(), last = t0;
		int n = reap_all(v, 5 * SECOND, &last);
		CHECK(n == P - 1, "%d of %d workers gone", n, P - 1);
		printf("startkill: %d workers gone %.1f ms after participant 0\n", n,
		       (last - t0) / 1e6);
		CHECK(count_segments_of(v) == 1, "the dead creator's segment should remain");
		CHECK(rf_sweep() >= 1, "sweep removed nothing");
		CHECK(count_segments_of(v) == 0, "sweep left the segment");
		return 0;
	}

	long pids[P];
	CHECK(read(fds[0], pids, sizeof pids) == (ssize_t)sizeof pids, "victim did not start");
	usleep(100 * 1000); /* well inside the round loop */
	int sig = strcmp(c, "term0") == 0 ? SIGTERM : SIGKILL;
	kill(v, sig);
	int64_t t0 = tu_now_ns(), last = t0;
	int n = reap_all(v, 5 * SECOND, &last);
	printf("%s: %d workers gone %.1f ms after participant 0\n", c, n, (last - t0) / 1e6);
	CHECK(n == P - 1, "%d of %d workers gone", n, P - 1);
	for (int p = 1; p < P; p++)
		CHECK(kill((pid_t)pids[p], 0) != 0, "worker %d (pid %ld) survived", p, pids[p]);
	CHECK(count_segments_of(v) == 0, "segment left behind");
	return 0;
#endif
}
