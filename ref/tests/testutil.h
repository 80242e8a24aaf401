/* Small helpers shared by the unit tests: checks that report and fail. */
#ifndef RF_TESTUTIL_H
#define RF_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

/* Monotonic nanoseconds, comparable between processes of one machine. */
int64_t tu_now_ns(void);

/* Sleeps about ms milliseconds (at least that long). */
void tu_sleep_ms(int64_t ms);

/* Sleeps until the process is killed: a participant that must never return. */
void tu_sleep_forever(void) __attribute__((noreturn));

/* This process's id, as rf_snapshot reports participants' pids. */
long tu_pid(void);

/* True while a process with this id exists (a zombie counts on POSIX: it
 * still exists until reaped). */
int tu_pid_exists(long pid);

/* Makes stdout line-buffered (on Windows buffered whole, flushed at exit):
 * output of several processes interleaves by lines, not characters. */
void tu_stdout_lines(void);

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

/* Sends library log lines to stderr, prefixed with the participant's pid
 * (on Windows stderr is then buffered, and flushed after each log line). */
void tu_log_to_stderr(void);

/* Returns 1 when a ringfence segment named `name` exists (/dev/shm on
 * POSIX; an openable named file mapping on Windows). */
int tu_segment_exists(const char *name);

/* A raw mapping of a segment, as a stray process would make one. */
struct tu_map {
	void *addr;
	size_t len;
	void *os; /* fd or handle */
};
/* Maps the first len bytes of existing segment `name` read-write; 0 or -1. */
int tu_segment_map(const char *name, size_t len, struct tu_map *m);
/* Creates segment `name` of len bytes, outside the library, mapped; 0 or -1.
 * It exists until tu_segment_unmap (Windows) or its unlink (POSIX). */
int tu_segment_create(const char *name, size_t len, struct tu_map *m);
/* Undoes tu_segment_map / tu_segment_create. */
void tu_segment_unmap(struct tu_map *m);


/* Removes segment `name` when the test exits, passing or failing, for tests
 * that create worlds by hand (a failed CHECK exits without closing them). */
void tu_unlink_at_exit(const char *name);

/* Deterministic PRNG (splitmix64): the same seed gives the same stream in
 * every process, so a receiver can regenerate what a sender sent. */
static inline uint64_t tu_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

#ifdef _WIN32
/* Windows stands in for fork() with this: this program started again with
 * args as argv[1..], in `job` when not NULL (created suspended, assigned,
 * resumed), its stdout on a pipe the parent reads with tu_child_read. */
struct tu_child {
	void *proc;
	void *out;
	long pid;
};
int tu_spawn_self(char *const *args, void *job, struct tu_child *c);
/* Child side: writes n bytes to the parent (binary, via stdout); 0 or -1. */
int tu_report(const void *buf, size_t n);
/* Reads exactly n bytes of the child's reports; 0, or -1 at its end. */
int tu_child_read(struct tu_child *c, void *buf, size_t n);
/* Waits up to ms for the child to exit: its exit code, or -1 if it runs. */
long tu_child_wait(struct tu_child *c, int64_t ms);
/* TerminateProcess: the Windows SIGKILL. */
void tu_child_kill(struct tu_child *c);
/* Releases the child's handles (the process itself is not touched). */
void tu_child_close(struct tu_child *c);
/* A job object that kills its processes when closed (the test's safety net). */
void *tu_job_create(void);
/* Processes in the job now, its nested jobs included. */
int tu_job_count(void *job);
#endif

/* Transport of the worlds tu_launch creates (default shm). */
extern enum rf_transport tu_transport;

/* Parses "shm" or "coordinator"; exits 2 on anything else. */
enum rf_transport tu_parse_transport(const char *s);

/* Launches P participants of this test program (argv is passed on to the
 * workers, so they run the same case); exits on failure. */
rf_world *tu_launch(char **argv, uint32_t nprocs, uint32_t capacity, uint32_t max_record);

/* Closes the world; participant 0 fails unless every worker passed and the
 * segment is gone. Returns the process exit code. */
int tu_finish(rf_world *w);

#endif
