/* The internal support library: what every part of ringfence asks of the
 * operating system (the library, its tests, rf-bench and rf-soak), each
 * written once, so that they all agree on it — one clock, one rule for
 * whether a process is alive, one seeded random stream, one list of
 * segments, one way to start a process that dies with its parent.
 *
 * Not installed and not part of the public API: it is compiled into the
 * library (ref/CMakeLists.txt) and linked by the project's own programs.
 * One implementation per platform: os_posix.c, os_win32.c; what follows
 * from those alone is os.c. */
#ifndef RF_OS_H
#define RF_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- time ------------------------------------------------------------------ */

/* Monotonic time in nanoseconds, system-wide: comparable between processes. */
int64_t rf_os_now_ns(void);
/* Sleeps at least ns nanoseconds (interruptions resume the sleep). */
void rf_os_sleep_ns(int64_t ns);
/* Absolute deadline for a relative timeout: <= 0 stays as it is (a poll),
 * and a sum past INT64_MAX saturates to INT64_MAX (forever). */
static inline int64_t rf_os_deadline(int64_t timeout_ns)
{
	if (timeout_ns <= 0)
		return timeout_ns;
	int64_t now = rf_os_now_ns();
	return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

/* --- processes and CPUs -------------------------------------------------------- */

/* This process's id. */
long rf_os_pid(void);
/* False only when `pid` has certainly exited. A zombie has exited: it is
 * dead here, although kill(pid, 0) still finds it. A process we may not
 * signal (EPERM) is alive. */
bool rf_os_pid_alive(long pid);
/* Online CPUs usable by this process (>= 1). */
uint32_t rf_os_ncpus(void);
/* Online CPUs of the machine (>= 1), whatever this process is pinned to: what
 * a world's participants share when they were pinned before it was made
 * (by rf_launch for another world, by mpirun, by taskset). */
uint32_t rf_os_ncpus_online(void);
/* Gives up the CPU to another runnable thread, if any. */
void rf_os_yield(void);
/* A path that re-executes this program (UTF-8). */
const char *rf_os_self_exe(void);

/* The reason the last failed system call of this thread gave (errno, or
 * GetLastError() on Windows), as text in buf; returns buf. */
const char *rf_os_error_text(char *buf, size_t len);

/* --- random numbers -------------------------------------------------------------- */

/* splitmix64: the same seed gives the same stream in every process and on
 * every platform; the soak, the tests and the benchmarks draw from it. */
static inline uint64_t rf_os_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}
/* 64 bits that differ in every call and process (not cryptographic). */
uint64_t rf_os_random64(void);

/* --- segments ---------------------------------------------------------------------- */

/* Every ringfence segment name is "/rf-<creator pid>-...". */
#define RF_OS_SEGMENT_PREFIX "rf-"
/* Calls visit("/rf-...") for every ringfence segment on the machine; 0, or
 * -1 if they cannot be listed. Where a name cannot outlive its last process
 * (Windows) there is nothing to list. */
int rf_os_segments_each(void (*visit)(const char *name, void *ctx), void *ctx);
/* The creator pid a segment name carries, or 0 if it is not one of ours. */
long rf_os_segment_creator(const char *name);
/* Removes a segment name; 0, or -1 (errno set on POSIX). */
int rf_os_segment_remove(const char *name);
/* A listed segment as the sweep judges it, read without mapping it. */
struct rf_os_segment_info {
	long owner;     /* the uid that owns it */
	uint64_t bytes; /* its size */
	size_t head;    /* bytes of its start read into the caller's buffer */
};
/* Reads up to len bytes of segment name's start into buf, with its owner
 * and size, never following a link; 0, or -1 (errno set). Windows lists no
 * segments, so there it is always -1. */
int rf_os_segment_peek(const char *name, void *buf, size_t len, struct rf_os_segment_info *info);
/* This process's effective uid (0: root); -1 where there are none (Windows). */
long rf_os_uid(void);

/* --- starting a process ---------------------------------------------------------------- */

/* A child started by rf_os_child_start. */
struct rf_os_child {
	long pid;
	void *handle; /* Windows: the process handle; NULL elsewhere */
	bool reaped;
	int status;   /* once reaped: exit status (POSIX wait status) or exit code */
	int restarts; /* Windows: starts retried because the child died while
		       * starting (wine, rarely): the caller may say so */
};

/* How to start one. */
struct rf_os_start {
	const char *program;  /* path of the executable (rf_os_self_exe() for ourselves) */
	char *const *argv;    /* argv[0] first, NULL-terminated */
	const char *env;      /* "NAME=value": set in the child, replacing any NAME; or NULL */
	intptr_t inherit[2];  /* descriptors (POSIX) or HANDLEs (Windows) the child
			       * keeps open, the first ninherit of them */
	unsigned ninherit;
	bool die_with_us;     /* the child is killed when this process dies, however it
			       * dies: PR_SET_PDEATHSIG on Linux, born inside a kill-on-close
			       * job on Windows */
	void *job;            /* Windows: the job (rf_os_job_create) when die_with_us;
			       * ignored elsewhere */
};

/* Starts a child; 0, or -1 with errno (POSIX) or GetLastError() (Windows)
 * telling why: the caller words the message. */
int rf_os_child_start(const struct rf_os_start *how, struct rf_os_child *c);
/* Waits up to timeout_ns (< 0: forever) for the child to end; 1 if it ended
 * (c->status then holds how), 0 if it still runs. A child reaped by someone
 * else (SIGCHLD ignored) counts as ended with status 0. */
int rf_os_child_wait(struct rf_os_child *c, int64_t timeout_ns);
/* Kills the child (SIGKILL / TerminateProcess); harmless once it ended. */
void rf_os_child_kill(struct rf_os_child *c);
/* True when a reaped child was killed by a signal or (Windows) terminated. */
bool rf_os_child_killed(const struct rf_os_child *c);
/* Exit code of a child that exited normally, or -1 when it was killed. */
int rf_os_child_exit_code(const struct rf_os_child *c);
/* Releases the child's handle; does not wait or kill. */
void rf_os_child_close(struct rf_os_child *c);

/* --- pipes ------------------------------------------------------------------------- */

/* A pipe whose two ends are ours alone (close-on-exec, not inheritable): a
 * child gets an end only through rf_os_start.inherit. 0, or -1. */
int rf_os_pipe(intptr_t *read_end, intptr_t *write_end);
/* Writes all n bytes; 0, or -1 (the reader is gone, or an error). Never
 * raises SIGPIPE's default action: see rf_os_pipe_quiet. */
int rf_os_pipe_write(intptr_t h, const void *buf, size_t n);
/* Reads exactly n bytes; 0, or -1 at end-of-file (every writer gone) or error. */
int rf_os_pipe_read(intptr_t h, void *buf, size_t n);
/* Closes one end. */
void rf_os_pipe_close(intptr_t h);
/* Makes a write to a pipe whose reader is gone an error code rather than
 * this process's death (SIGPIPE ignored on POSIX; nothing to do elsewhere). */
void rf_os_pipe_quiet(void);

/* Windows: a job whose processes all die when its last handle closes (the
 * creator's death closes it); NULL elsewhere, where die_with_us needs none. */
void *rf_os_job_create(void);
/* Processes still running in a job (Windows); 0 elsewhere; -1 when the
 * system cannot tell (a failure must not pass for an empty job). */
int rf_os_job_count(void *job);
/* Closes a job handle (killing its processes if it was the last one). */
void rf_os_job_close(void *job);

#ifdef __cplusplus
}
#endif
#endif
