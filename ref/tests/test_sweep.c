/* The stale-segment sweep (issue 14.7): rf_sweep, run by every creator, and
 * rf-clean remove only the caller's own segments with a ringfence header
 * whose creator is gone; a name under our prefix proves nothing (anyone may
 * create one, and root may unlink anyone's). POSIX only: there names
 * outlive their creators, and files have owners.
 *
 *   test_sweep early-kill          a creator SIGKILLed right after
 *                                  rf_world_create: the next creator sweeps it
 *   test_sweep foreign RF_CLEAN    a file that is not a segment is left
 *   test_sweep other-user RF_CLEAN another uid's segment is left, but
 *                                  rf-clean --all-users (root) removes it
 *                                  (exit 77, skipped, when not root) */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define SKIP 77


/* Runs the early child and SIGKILLs it; *pid is its (now dead) pid. With
 * give_away the segment goes to uid nobody first. The name it left is
 * removed when the test exits, whatever happens. */
static void leave_stale_segment(char *name, long *pid, bool give_away)
{
	char *args[] = {"early", NULL};
	struct tu_child child;
	tu_start_self(args, NULL, &child);
	CHECK(tu_child_read(&child, name, RF_NAME_MAX) == 0, "the child's world name");
	tu_unlink_at_exit(name);
	CHECK(tu_segment_exists(name), "the creator's segment %s", name);
	if (give_away) {
		int fd = shm_open(name, O_RDWR, 0);
		CHECK(fd >= 0 && fchown(fd, 65534, 65534) == 0, "giving %s to nobody", name);
		close(fd);
	}
	rf_os_child_kill(&child.os);
	CHECK(rf_os_child_wait(&child.os, 10 * TU_SECOND) == 1, "the child still runs");
	*pid = child.os.pid;
	tu_child_close(&child);
	CHECK(!rf_os_pid_alive(*pid), "the creator %ld is not dead", *pid);
}

static void early_kill(void)
{
	char dead[RF_NAME_MAX];
	long pid;
	leave_stale_segment(dead, &pid, false);
	/* the creator was dead before the sweep; so is one that died mid-create
	 * (zero-filled: sized, header not yet written), also ours */
	char unfinished[RF_NAME_MAX];
	snprintf(unfinished, sizeof unfinished, "/rf-%ld-unfinished", pid);
	struct tu_map m;
	CHECK(tu_segment_create(unfinished, 8192, &m) == 0, "creating %s", unfinished);
	tu_unlink_at_exit(unfinished);
	tu_segment_unmap(&m);

	struct rf_world_params p;
	rf_world_params_default(&p);
	p.nprocs = 2;
	rf_world *w;
	CHECK_OK(rf_world_create(NULL, &p, &w));
	CHECK(!tu_segment_exists(dead), "the next creator did not sweep %s", dead);
	CHECK(!tu_segment_exists(unfinished), "the next creator did not sweep %s", unfinished);
	CHECK_OK(rf_world_close(w));
	printf("sweep: a creator killed right after create is swept by the next creator\n");
}

/* rf-clean's exit status, its output passed through. */
static int run_clean(const char *rf_clean, const char *arg)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s' %s", rf_clean, arg);
	int st = system(cmd);
	CHECK(st != -1 && WIFEXITED(st), "running %s", cmd);
	return WEXITSTATUS(st);
}

static void foreign(const char *rf_clean)
{
	char dead[RF_NAME_MAX];
	long pid;
	leave_stale_segment(dead, &pid, false); /* only for a pid surely dead */
	rf_os_segment_remove(dead);
	char name[RF_NAME_MAX];
	snprintf(name, sizeof name, "/rf-%ld-x", pid);
	struct tu_map m;
	CHECK(tu_segment_create(name, 4096, &m) == 0, "creating %s", name);
	tu_unlink_at_exit(name);
	memset(m.addr, 'x', 4096);
	memcpy(m.addr, "not a ringfence segment", 23);
	tu_segment_unmap(&m);

	CHECK(rf_sweep() >= 0, "rf_sweep failed");
	CHECK(tu_segment_exists(name), "rf_sweep removed %s, which is not a ringfence segment", name);
	struct rf_world_params p;
	rf_world_params_default(&p);
	p.nprocs = 2;
	rf_world *w;
	CHECK_OK(rf_world_create(NULL, &p, &w));
	CHECK_OK(rf_world_close(w));
	CHECK(tu_segment_exists(name), "a creator's sweep removed %s", name);
	CHECK(run_clean(rf_clean, "") == 0, "rf-clean failed");
	CHECK(tu_segment_exists(name), "rf-clean removed %s, which is not a ringfence segment", name);
	if (rf_os_uid() == 0) {
		CHECK(run_clean(rf_clean, "--all-users") == 0, "rf-clean --all-users failed");
		CHECK(tu_segment_exists(name), "rf-clean --all-users removed %s", name);
	}
	CHECK(rf_os_segment_remove(name) == 0, "removing %s", name);
	printf("sweep: a file that is not a ringfence segment is left alone\n");
}

static int other_user(const char *rf_clean)
{
	if (rf_os_uid() != 0) {
		printf("sweep: skipped: only root can give a segment to another user\n");
		return SKIP;
	}
	char dead[RF_NAME_MAX];
	long pid;
	leave_stale_segment(dead, &pid, true);

	CHECK(rf_sweep() >= 0, "rf_sweep failed");
	CHECK(tu_segment_exists(dead), "rf_sweep removed another user's segment %s", dead);
	CHECK(run_clean(rf_clean, "") == 0, "rf-clean failed");
	CHECK(tu_segment_exists(dead), "rf-clean removed another user's segment %s", dead);
	CHECK(run_clean(rf_clean, "--all-users") == 0, "rf-clean --all-users failed");
	CHECK(!tu_segment_exists(dead), "rf-clean --all-users left %s", dead);
	printf("sweep: another user's segment is left, unless --all-users\n");
	return 0;
}

int main(int argc, char **argv)
{
	/* The child "early": participant 0 killed within its first milliseconds,
	 * before any worker could attach (it starts none); it leaves a segment
	 * with a complete header, and waits for the kill so that the test sees
	 * the segment before any creator (another test's, too) may sweep it. */
	if (argc >= 2 && strcmp(argv[1], "early") == 0)
		tu_creator_main(4);
	tu_log_to_stderr();
	if (argc == 2 && strcmp(argv[1], "early-kill") == 0) {
		early_kill();
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "foreign") == 0) {
		foreign(argv[2]);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "other-user") == 0)
		return other_user(argv[2]);
	fprintf(stderr, "usage: test_sweep early-kill | foreign RF_CLEAN | other-user RF_CLEAN\n");
	return 2;
}
