/* Fault injection (issue 5): who, when and how, all from the seed so that
 * every participant agrees without talking and a failure can be replayed.
 *
 *   kill-worker       participant 0 SIGKILLs a random worker between two of
 *                     its own records in a random round; every survivor must
 *                     get RF_EPEERDEAD within --release-bound.
 *   kill-coordinator  a supervising parent (this process, a child subreaper)
 *                     runs participant 0 in a child and kills it (--kill-signal)
 *                     at a random moment; every worker must be gone within
 *                     the bound, nothing orphaned, no segment left.
 *   stall-reader      a random reader's handler stops (it polls nothing) for
 *                     longer than the watchdog: the watchdog must fire.
 *   slow-handler      a random reader's handler sleeps now and then.
 *   corrupt           a random sender breaks exactly-once, order and the
 *                     checksum once each (traffic.c): the oracle must see it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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
			sleep_ns(5000000);
	}
	if (r->o->fault == FAULT_SLOW_HANDLER && soak_rand(&slow_rng) % 8 == 0)
		sleep_ns(50000 + (int64_t)(soak_rand(&slow_rng) % 1000000));
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
			sleep_ns(1000000);
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

/* Segments named after a creator pid (rf-<pid>-...), as the library names them. */
int faults_segments_of(long pid, bool remove)
{
	char prefix[32];
	snprintf(prefix, sizeof prefix, "rf-%ld-", pid);
	int n = 0;
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
			n++;
			if (remove) {
				char path[300];
				snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
				unlink(path);
			}
		}
	if (d)
		closedir(d);
	return n;
}

/* One trial: returns the number of failed checks; *ms is when all were gone. */
static int coordinator_trial(const struct soak_opts *o, uint32_t t, uint64_t *rng, double *ms)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		perror("rf-soak: pipe2");
		return 1;
	}
	pid_t v = fork();
	if (v < 0) {
		perror("rf-soak: fork");
		return 1;
	}
	if (v == 0) {
		close(fds[0]);
		struct soak_opts vo = *o;
		vo.fault = FAULT_NONE;
		vo.rounds = 0;
		vo.duration = 30; /* the kill comes long before; a bound if it does not */
		vo.json = NULL;
		struct soak_result res;
		memset(&res, 0, sizeof res);
		_exit(soak_world0(&vo, &res, t, fds[1]));
	}
	close(fds[1]);
	long pids[RF_MAX_PROCS] = {0};
	size_t want = o->procs * sizeof(long), got = 0;
	struct pollfd pf = {.fd = fds[0], .events = POLLIN};
	while (got < want && poll(&pf, 1, 15000) > 0) {
		ssize_t k = read(fds[0], (char *)pids + got, want - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fds[0]);
	int failures = 0;
	if (got < want) {
		/* Did it end by itself (e.g. exit 77)? Bounded: it may also hang. */
		int st = 0;
		pid_t e = 0;
		for (int i = 0; i < 1000 && (e = waitpid(v, &st, WNOHANG)) == 0; i++)
			sleep_ns(1000000);
		if (e == v && WIFEXITED(st) && WEXITSTATUS(st) == EXIT_UNSUPPORTED)
			return -1;
		fprintf(stderr, "rf-soak: FAULT trial %u: participant 0 did not start its world\n", t);
		failures++;
	} else {
		sleep_ns((int64_t)(20 + soak_rand(rng) % 300) * 1000000); /* somewhere in a round */
	}
	int64_t t0 = soak_now_ns(), last = t0;
	kill(v, o->kill_signal);
	/* Reap everything: participant 0 and, as we are the subreaper, any
	 * worker it left behind. */
	int64_t end = t0 + (int64_t)((o->release_bound + 4) * 1e9);
	int vstatus = -1;
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p > 0) {
			last = soak_now_ns();
			if (p == v)
				vstatus = st;
			continue;
		}
		if (p < 0 || soak_now_ns() > end)
			break;
		sleep_ns(500000);
	}
	*ms = (double)(last - t0) / 1e6;
	bool late = vstatus == -1;
	if (late) { /* still there after the bound: fail, but leave nothing behind */
		kill(v, SIGKILL);
		waitpid(v, NULL, 0);
	}
	bool want_signal = o->kill_signal == SIGKILL;
	if (late ||
	    (want_signal ? !(WIFSIGNALED(vstatus) && WTERMSIG(vstatus) == SIGKILL)
			 : !(WIFEXITED(vstatus) && WEXITSTATUS(vstatus) == 128 + o->kill_signal))) {
		fprintf(stderr, "rf-soak: FAULT trial %u: participant 0 %s %#x, expected %s %d\n", t,
			late ? "still ran at the bound (killed); status" : "ended with status",
			(unsigned)vstatus, want_signal ? "signal" : "exit",
			want_signal ? SIGKILL : 128 + o->kill_signal);
		failures++;
	}
	for (uint32_t p = 1; got == want && p < o->procs; p++)
		if (kill((pid_t)pids[p], 0) == 0) {
			fprintf(stderr, "rf-soak: FAULT trial %u: worker %u (pid %ld) orphaned: killed now\n", t,
				p, pids[p]);
			kill((pid_t)pids[p], SIGKILL);
			waitpid((pid_t)pids[p], NULL, 0);
			failures++;
		}
	if (faults_segments_of(v, true)) {
		fprintf(stderr, "rf-soak: FAULT trial %u: segment of participant 0 left in /dev/shm (removed)\n", t);
		failures++;
	}
	if (*ms > o->release_bound * 1e3) {
		fprintf(stderr, "rf-soak: FAULT trial %u: workers gone only %.1f ms after the kill\n", t, *ms);
		failures++;
	}
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
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("rf-soak: PR_SET_CHILD_SUBREAPER");
		return EXIT_ERROR;
	}
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
		if (f || o->trial_seconds == 0) /* a long run tells only failures */
			printf("kill-coordinator trial %u: participant 0 killed by signal %d, every process gone %.1f ms later%s\n",
		       t, o->kill_signal, ms, f ? ": FAILED" : "");
	}
	res.elapsed_s = (double)(soak_now_ns() - start) / 1e9;
	res.exit_code = res.trials_failed ? EXIT_FAULTCHECK : soak_interrupted ? 128 + soak_interrupted : EXIT_PASS;
	report_summary(o, &res);
	if (report_json(o, &res) != 0 && res.exit_code == EXIT_PASS)
		res.exit_code = EXIT_ERROR;
	free(res.lat_ms);
	return res.exit_code;
}
