/* Small helpers shared by the unit tests: checks that report and fail. */
#ifndef RF_TESTUTIL_H
#define RF_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rf_os.h"
#include "ringfence.h"

/* Fails the test (exit 1) with file:line and the message when cond is false. */
#define CHECK(cond, ...)                                                                  \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                     \
			fprintf(stderr, "\n");                                            \
			exit(1);                                                          \
		}                                                                         \
	} while (0)

/* Fails unless an rf_* call returned `want`; prints rf_strerror of both. */
#define CHECK_RC(call, want)                                                              \
	do {                                                                              \
		int rc_ = (call);                                                         \
		CHECK(rc_ == (want), "%s returned %d (%s), expected %d (%s)", #call, rc_, \
		      rf_strerror(rc_), (int)(want), rf_strerror(want));                  \
	} while (0)

#define CHECK_OK(call) CHECK_RC(call, 0)

/* The OS is asked through the support library (rf_os.h: clock, sleep, pids,
 * starting a process, segments, splitmix64), called directly. What follows
 * is what only the tests need; its platform parts are testutil_posix.c and
 * testutil_win32.c, everything else testutil.c. */

#define TU_SECOND 1000000000ll
#define TU_MS 1000000ll

/* Sleeps until the process is killed: a participant that must never return. */
void tu_sleep_forever(void) __attribute__((noreturn));
/* Ends this process as a kill would (SIGKILL; TerminateProcess on Windows). */
void tu_die_killed(void) __attribute__((noreturn));

/* Makes each line written to f come out whole when several processes share
 * the stream: line-buffered on POSIX; on Windows, whose C runtime has no line
 * buffering (mingw's printf then writes character by character), buffered
 * whole and written at fflush or exit. */
void tu_whole_lines(FILE *f);

/* Sends library log lines to stderr, prefixed with the participant's pid,
 * each line whole (tu_whole_lines). */
void tu_log_to_stderr(void);

/* True while the OS still has an entry for pid, however it ended: on POSIX a
 * zombie counts until its parent reaps it (kill(pid, 0) finds it), so a
 * check that it is gone proves the reaping too, which rf_os_pid_alive (a
 * zombie is dead) does not. Windows has no zombies: a process that ended is
 * gone. */
bool tu_process_exists(long pid);

/* A set of OS CPU indices, for affinity checks on any platform. */
enum { TU_MAX_CPUS = 1024 };
struct tu_cpuset {
	uint64_t bits[TU_MAX_CPUS / 64];
};
/* This process's CPU affinity; 0 or -1. */
int tu_affinity_get(struct tu_cpuset *s);
/* Sets this process's CPU affinity; 0 or -1. */
int tu_affinity_set(const struct tu_cpuset *s);
/* Number of CPUs in the set. */
int tu_cpuset_count(const struct tu_cpuset *s);
/* 1 if cpu is in the set. */
int tu_cpuset_has(const struct tu_cpuset *s, int cpu);
/* 1 if the sets are equal. */
int tu_cpuset_equal(const struct tu_cpuset *a, const struct tu_cpuset *b);
/* The CPU this thread runs on now (an OS index), or -1. */
int tu_current_cpu(void);

/* True where a segment's name outlives its creator's death until someone
 * removes it (POSIX shm, which rf_sweep exists for); false where the name
 * goes with the last handle on it (Windows). */
extern const bool tu_names_outlive_creators;

/* Returns 1 when a ringfence segment named `name` exists (/dev/shm on
 * POSIX; an openable named file mapping on Windows). */
int tu_segment_exists(const char *name);

/* Ringfence segments on this machine whose name says `pid` created them
 * (rf_os_segments_each); always 0 where names are not listed (Windows). */
int tu_segments_of(long pid);

/* A raw mapping of a segment, as a stray process would make one. */
struct tu_map {
	void *addr;
	size_t len;
	void *os; /* fd or handle */
};
/* Maps the first len bytes of existing segment `name` read-write; 0 or -1. */
int tu_segment_map(const char *name, size_t len, struct tu_map *m);
/* Creates segment `name` of len bytes, outside the library, mapped; 0 or -1.
 * It exists until tu_segment_unmap (Windows) or rf_os_segment_remove (POSIX). */
int tu_segment_create(const char *name, size_t len, struct tu_map *m);
/* Undoes tu_segment_map / tu_segment_create. */
void tu_segment_unmap(struct tu_map *m);

/* Removes segment `name` when the test exits, passing or failing, for tests
 * that create worlds by hand (a failed CHECK exits without closing them). */
void tu_unlink_at_exit(const char *name);

/* --- processes of a test's own -------------------------------------------------- */

/* This test program started again, with a report pipe from it. */
struct tu_child {
	struct rf_os_child os; /* rf_os_child_wait / _kill / _exit_code on it */
	intptr_t report;       /* read end: what the child sends with tu_report */
};
/* Starts this program again with args as argv[1..], dying with us (in `job`,
 * rf_os_job_create, on Windows); exits the test on failure. */
void tu_start_self(char *const *args, void *job, struct tu_child *c);
/* Child side: sends n bytes to the test that started us (tu_child_read
 * there); also works in the processes we start. 0 or -1. */
int tu_report(const void *buf, size_t n);
/* A child started with tu_start_self as a creator meant to die: creates a
 * world of nprocs (no workers, no unlink at exit), reports its name
 * (RF_NAME_MAX bytes) with tu_report and waits to be killed; exit 1 if it
 * cannot. */
void tu_creator_main(uint32_t nprocs) __attribute__((noreturn));
/* Reads exactly n bytes of the child's reports; 0, or -1 when none can come. */
int tu_child_read(struct tu_child *c, void *buf, size_t n);
/* Releases the pipe and the handle; does not wait or kill. */
void tu_child_close(struct tu_child *c);

/* Sends SIGTERM; -1 where there is no such thing (Windows). */
int tu_sigterm(long pid);
/* Stops the process (SIGSTOP) or lets it go on (SIGCONT): a participant made
 * to miss everything that happens meanwhile; -1 on Windows, which has no
 * documented equivalent. */
int tu_freeze(long pid, bool frozen);
/* Lets the kernel reap our children (SIGCHLD ignored), a POSIX situation a
 * program may put the library in; -1 where it does not exist (Windows). */
int tu_children_autoreaped(void);
/* Makes this process the one that the orphans of its descendants are
 * re-parented to (Linux's child subreaper), so that tu_descendants_left sees
 * them; Windows needs nothing (they stay in the job). 0 or -1. */
int tu_orphans_adopt(void);
/* Descendants still running: on POSIX every ended child and adopted orphan
 * is reaped first, and the answer is 0 or 1 ("some"); on Windows the
 * processes in `job`. */
int tu_descendants_left(void *job);

/* --- worlds ----------------------------------------------------------------------- */

/* Transport of the worlds tu_launch creates (default shm). */
extern enum rf_transport tu_transport;
extern enum rf_algorithm tu_algorithm;

/* Sets tu_transport (and tu_algorithm) from "shm", "coordinator" or
 * "shm-ALGORITHM" (e.g. shm-tree); exits 2 on anything else. */
void tu_transport_arg(const char *s);

/* Launches P participants of this test program (argv is passed on to the
 * workers, so they run the same case); exits on failure. */
rf_world *tu_launch(char **argv, uint32_t nprocs, uint32_t capacity, uint32_t max_record);

/* Closes the world; participant 0 fails unless every worker passed and the
 * segment is gone. Returns the process exit code. */
int tu_finish(rf_world *w);

#endif
