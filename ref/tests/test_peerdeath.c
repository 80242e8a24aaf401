/* Death of a participant that is not our parent (SPEC §4): worlds attached by
 * name, without the launcher, so nothing kills the survivors with their
 * parent; they must notice the death themselves and return RF_EPEERDEAD
 * within a bound, for either transport and for the death of participant 0
 * (the coordinator) or of a worker.
 *
 *   test_peerdeath shm|coordinator VICTIM      (VICTIM: a participant index)
 *
 * This program is the outside: it forks P participants (on Windows: starts
 * itself P times, in a job so none can outlive the test), kills VICTIM
 * (SIGKILL / TerminateProcess) while the others are in a barrier, and collects
 * what the survivors report. Also checks that a program ignoring SIGCHLD (its
 * workers auto-reaped) still closes cleanly (POSIX only). */
#include <string.h>
#ifndef _WIN32
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "testutil.h"

#define SECOND 1000000000ll
#define P 4

/* Tells the outside one number: through the shared pipe, or on Windows
 * through this child's own stdout pipe. */
static void send_report(int report, int64_t v)
{
#ifdef _WIN32
	(void)report;
	CHECK(tu_report(&v, sizeof v) == 0, "report");
#else
	CHECK(write(report, &v, sizeof v) == sizeof v, "report");
#endif
}

static void participant(const char *name, uint32_t me, int report)
{
	struct rf_world_params params;
	rf_world_params_default(&params);
	params.nprocs = P;
	params.transport = tu_transport;
	rf_world *w = NULL;
	if (me == 0) {
		CHECK_OK(rf_world_create(name, &params, &w));
	} else {
		int64_t end = tu_now_ns() + 10 * SECOND;
		int rc;
		while (((rc = rf_world_attach(name, me, &w)) == RF_ENOENT || rc == RF_EAGAIN) &&
		       tu_now_ns() < end)
			tu_sleep_ms(1);
		CHECK_OK(rc);
	}
	/* Everyone attached: a round completes before the killing starts. */
	CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 10 * SECOND));
	send_report(report, 1);
	int rc;
	while ((rc = rf_barrier(w, RF_PROCESSING_FENCE, 10 * SECOND)) == 0)
		;
	int64_t at = tu_now_ns();
	CHECK_RC(rc, RF_EPEERDEAD);
	send_report(report, at);
	rf_world_close(w);
	exit(0);
}

#ifndef _WIN32
static void sigchld_ignored(char **argv)
{
	/* Workers auto-reaped by the kernel: close must still be clean. */
	signal(SIGCHLD, SIG_IGN);
	rf_world *w = tu_launch(argv, 3, 0, 0);
	CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 10 * SECOND));
	exit(tu_finish(w));
}
#endif

#ifdef _WIN32
/* The outside on Windows: the participants are this program again. */
static int outside(char **argv, const char *name, uint32_t victim)
{
	void *job = tu_job_create();
	CHECK(job, "job");
	struct tu_child ch[P];
	char index[P][12];
	for (uint32_t p = 0; p < P; p++) {
		snprintf(index[p], sizeof index[p], "%u", p);
		char *args[] = {argv[1], argv[2], "participant", (char *)name, index[p], NULL};
		CHECK(tu_spawn_self(args, job, &ch[p]) == 0, "spawn participant %u", p);
	}
	int64_t v;
	for (uint32_t p = 0; p < P; p++)
		CHECK(tu_child_read(&ch[p], &v, sizeof v) == 0, "participant %u did not start", p);
	tu_sleep_ms(50); /* deep in the round loop */
	int64_t killed = tu_now_ns();
	tu_child_kill(&ch[victim]);
	int64_t worst = 0;
	for (uint32_t p = 0; p < P; p++) {
		if (p == victim)
			continue;
		CHECK(tu_child_read(&ch[p], &v, sizeof v) == 0, "survivor %u never reported", p);
		if (v - killed > worst)
			worst = v - killed;
	}
	printf("%s: participant %u killed; the slowest of %d survivors was released after "
	       "%.1f ms\n",
	       argv[1], victim, P - 1, worst / 1e6);
	CHECK(worst < 2 * SECOND, "released only after %.1f ms", worst / 1e6);
	for (uint32_t p = 0; p < P; p++) {
		long code = tu_child_wait(&ch[p], 10000);
		CHECK(code != -1, "participant %u still runs", p);
		CHECK(p == victim || code == 0, "survivor %u failed (exit code %#lx)", p, code);
		tu_child_close(&ch[p]);
	}
	return 0;
}
#endif

int main(int argc, char **argv)
{
#ifdef _WIN32
	if (argc >= 6 && strcmp(argv[3], "participant") == 0) {
		tu_log_to_stderr();
		tu_transport = tu_parse_transport(argv[1]);
		participant(argv[4], (uint32_t)atoi(argv[5]), -1);
	}
#else
	if (rf_is_worker())
		sigchld_ignored(argv);
#endif
	CHECK(argc >= 3, "usage: %s shm|coordinator VICTIM|sigchld", argv[0]);
	tu_log_to_stderr();
	tu_transport = tu_parse_transport(argv[1]);
#ifndef _WIN32
	if (strcmp(argv[2], "sigchld") == 0)
		sigchld_ignored(argv);
#endif
	uint32_t victim = (uint32_t)atoi(argv[2]);
	CHECK(victim < P, "victim %u", victim);
	char name[RF_NAME_MAX];
	CHECK_OK(rf_world_unique_name(name, sizeof name));
	tu_unlink_at_exit(name); /* participant 0 may be the one killed */
#ifdef _WIN32
	return outside(argv, name, victim);
#else
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe");
	pid_t pid[P];
	for (uint32_t p = 0; p < P; p++) {
		pid[p] = fork();
		CHECK(pid[p] >= 0, "fork");
		if (pid[p] == 0) {
			close(fds[0]);
			participant(name, p, fds[1]);
		}
	}
	close(fds[1]);
	int64_t v;
	for (int i = 0; i < P; i++)
		CHECK(read(fds[0], &v, sizeof v) == sizeof v, "participant did not start");
	tu_sleep_ms(50); /* deep in the round loop */
	int64_t killed = tu_now_ns();
	kill(pid[victim], SIGKILL);
	int64_t worst = 0;
	for (int i = 0; i < P - 1; i++) {
		CHECK(read(fds[0], &v, sizeof v) == sizeof v, "a survivor never reported");
		if (v - killed > worst)
			worst = v - killed;
	}
	printf("%s: participant %u killed; the slowest of %d survivors was released after "
	       "%.1f ms\n",
	       argv[1], victim, P - 1, worst / 1e6);
	CHECK(worst < 2 * SECOND, "released only after %.1f ms", worst / 1e6);
	for (uint32_t p = 0; p < P; p++) {
		int st;
		CHECK(waitpid(pid[p], &st, 0) == pid[p], "wait");
		CHECK(p == victim || (WIFEXITED(st) && WEXITSTATUS(st) == 0),
		      "survivor %u failed (status %#x)", p, st);
	}
	return 0;
#endif
}
