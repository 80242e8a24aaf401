/* Death of a participant that is not our parent (SPEC §4): worlds attached by
 * name, without the launcher, so nothing kills the survivors with their
 * parent; they must notice the death themselves and return RF_EPEERDEAD
 * within a bound, for either transport and for the death of participant 0
 * (the coordinator) or of a worker.
 *
 *   test_peerdeath shm|coordinator VICTIM      (VICTIM: a participant index)
 *
 * This program is the outside: it starts P participants (this program again,
 * dying with it), kills VICTIM (rf_os_child_kill: SIGKILL, TerminateProcess)
 * while the others are in a barrier, and collects what the survivors report.
 * Also checks that a program whose children the kernel reaps (SIGCHLD
 * ignored, POSIX only) still closes cleanly:
 *
 *   test_peerdeath shm|coordinator sigchld
 */
#include <string.h>

#include "testutil.h"

#define SECOND TU_SECOND
#define MS TU_MS
#define P 4

static void participant(const char *name, uint32_t me)
{
	struct rf_world_params params;
	rf_world_params_default(&params);
	params.nprocs = P;
	params.transport = tu_transport;
	rf_world *w = NULL;
	if (me == 0) {
		CHECK_OK(rf_world_create(name, &params, &w));
	} else {
		int64_t end = rf_os_deadline(10 * SECOND);
		int rc;
		while (((rc = rf_world_attach(name, me, &w)) == RF_ENOENT || rc == RF_EAGAIN) &&
		       rf_os_now_ns() < end)
			rf_os_sleep_ns(MS);
		CHECK_OK(rc);
	}
	/* Everyone attached: a round completes before the killing starts. */
	CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 10 * SECOND));
	int64_t v = 1;
	CHECK(tu_report(&v, sizeof v) == 0, "report");
	int rc;
	while ((rc = rf_barrier(w, RF_PROCESSING_FENCE, 10 * SECOND)) == 0)
		;
	int64_t at = rf_os_now_ns();
	CHECK_RC(rc, RF_EPEERDEAD);
	CHECK(tu_report(&at, sizeof at) == 0, "report");
	rf_world_close(w);
	exit(0);
}

static void sigchld_ignored(char **argv)
{
	/* Workers auto-reaped by the kernel: close must still be clean. */
	CHECK(tu_children_autoreaped() == 0, "no SIGCHLD to ignore here");
	rf_world *w = tu_launch(argv, 3, 0, 0);
	CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 10 * SECOND));
	exit(tu_finish(w));
}

static int outside(char **argv, const char *name, uint32_t victim)
{
	void *job = rf_os_job_create(); /* NULL where dying with us needs none */
	struct tu_child ch[P];
	char index[P][12];
	for (uint32_t p = 0; p < P; p++) {
		snprintf(index[p], sizeof index[p], "%u", p);
		char *args[] = {argv[1], argv[2], "participant", (char *)name, index[p], NULL};
		tu_start_self(args, job, &ch[p]);
	}
	int64_t v;
	for (uint32_t p = 0; p < P; p++)
		CHECK(tu_child_read(&ch[p], &v, sizeof v) == 0, "participant %u did not start", p);
	rf_os_sleep_ns(50 * MS); /* deep in the round loop */
	int64_t killed = rf_os_now_ns();
	rf_os_child_kill(&ch[victim].os);
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
		CHECK(rf_os_child_wait(&ch[p].os, 10 * SECOND) == 1, "participant %u still runs", p);
		int code = rf_os_child_exit_code(&ch[p].os);
		CHECK(p == victim || code == 0, "survivor %u failed (exit code %d, status %#x)", p,
		      code, ch[p].os.status);
		tu_child_close(&ch[p]);
	}
	rf_os_job_close(job);
	return 0;
}

int main(int argc, char **argv)
{
	if (rf_is_worker())
		sigchld_ignored(argv);
	CHECK(argc >= 3, "usage: %s shm|coordinator VICTIM|sigchld", argv[0]);
	tu_log_to_stderr();
	tu_transport_arg(argv[1]);
	if (argc >= 6 && strcmp(argv[3], "participant") == 0)
		participant(argv[4], (uint32_t)atoi(argv[5]));
	if (strcmp(argv[2], "sigchld") == 0)
		sigchld_ignored(argv);
	uint32_t victim = (uint32_t)atoi(argv[2]);
	CHECK(victim < P, "victim %u", victim);
	char name[RF_NAME_MAX];
	CHECK_OK(rf_world_unique_name(name, sizeof name));
	tu_unlink_at_exit(name); /* participant 0 may be the one killed */
	return outside(argv, name, victim);
}
