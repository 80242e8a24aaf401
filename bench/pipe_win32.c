/* baseline/pipe_pingpong on Windows: the same question as on POSIX
 * (pipe_posix.c) — two processes, pinned like participants 0 and 1, passing
 * `size` bytes back and forth through a pair of anonymous pipes.
 *
 * There is no fork: the peer is this program started again with the hidden
 * argument --rf_pipe_peer=<read handle>,<write handle>,<size>, inheriting
 * the two pipe ends it uses (bench_pipe_init serves it). It is created
 * suspended, put in a job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE whose
 * only handle is ours, pinned, and only then resumed: it runs no instruction
 * outside the job, and dies with us however we end (even TerminateProcess).
 * It exits when we close our ends (its ReadFile fails: broken pipe). Our
 * blocking ReadFile is bounded by the peer's death (broken pipe: it holds
 * the only other ends) and by rf-bench's watchdog, as on POSIX. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "loops.h"

#define PEER_FLAG "--rf_pipe_peer="

/* Reads exactly n bytes; 0 on success, -1 on error or a closed pipe. */
static int read_full(HANDLE h, unsigned char *buf, uint32_t n)
{
	while (n) {
		DWORD k = 0;
		if (!ReadFile(h, buf, n, &k, NULL) || k == 0)
			return -1;
		buf += k;
		n -= k;
	}
	return 0;
}

static int write_full(HANDLE h, const unsigned char *buf, uint32_t n)
{
	while (n) {
		DWORD k = 0;
		if (!WriteFile(h, buf, n, &k, NULL) || k == 0)
			return -1;
		buf += k;
		n -= k;
	}
	return 0;
}

int bench_pipe_init(int argc, char **argv)
{
	if (argc != 2 || strncmp(argv[1], PEER_FLAG, strlen(PEER_FLAG)) != 0)
		return -1;
	/* The peer: echo `size` bytes at a time until participant 0 closes its
	 * ends (or dies: the job kills us then anyway). */
	unsigned long long in, out;
	unsigned size;
	if (sscanf(argv[1] + strlen(PEER_FLAG), "%llu,%llu,%u", &in, &out, &size) != 3 ||
	    size == 0 || size > BENCH_MAX_SIZE) {
		fprintf(stderr, "rf-bench: %s is internal to baseline/pipe_pingpong\n", PEER_FLAG);
		return 2;
	}
	static unsigned char buf[BENCH_MAX_SIZE];
	HANDLE hin = (HANDLE)(uintptr_t)in, hout = (HANDLE)(uintptr_t)out;
	while (read_full(hin, buf, size) == 0)
		if (write_full(hout, buf, size))
			break;
	return 0;
}

static int win_fail(const char *what)
{
	fprintf(stderr, "rf-bench: pipe baseline: %s failed (Windows error %lu)\n", what,
		(unsigned long)GetLastError());
	return RF_ESYS;
}

/* A job that kills what it holds when its last handle (ours) closes. */
static int kill_on_close_job(HANDLE *job)
{
	*job = CreateJobObjectW(NULL, NULL); /* not inheritable: the peer must not hold it */
	if (!*job)
		return win_fail("CreateJobObjectW");
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
	memset(&lim, 0, sizeof lim);
	lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	if (!SetInformationJobObject(*job, JobObjectExtendedLimitInformation, &lim, sizeof lim))
		return win_fail("SetInformationJobObject");
	return 0;
}

/* Starts the peer suspended; it inherits `in` and `out` (inheritable), and
 * every other inheritable handle of ours: rf-bench has none while no world
 * is open, and the baseline runs without one. */
static int start_peer(HANDLE in, HANDLE out, uint32_t size, PROCESS_INFORMATION *pi)
{
	wchar_t exe[MAX_PATH], cmd[MAX_PATH + 96];
	DWORD n = GetModuleFileNameW(NULL, exe, MAX_PATH);
	if (n == 0 || n >= MAX_PATH)
		return win_fail("GetModuleFileNameW");
	_snwprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" " PEER_FLAG "%llu,%llu,%u", exe,
		   (unsigned long long)(uintptr_t)in, (unsigned long long)(uintptr_t)out, size);
	cmd[sizeof cmd / sizeof cmd[0] - 1] = 0;
	STARTUPINFOW si;
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	if (!CreateProcessW(exe, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, pi))
		return win_fail("CreateProcessW");
	return 0;
}

int bench_pipe_pingpong(const struct rf_binding pin[2], uint64_t iters, uint32_t size,
			int64_t *samples)
{
	unsigned char buf[BENCH_MAX_SIZE] = {0};
	if (size == 0 || size > BENCH_MAX_SIZE)
		return RF_EINVAL;
	HANDLE to_rd = NULL, to_wr = NULL, from_rd = NULL, from_wr = NULL, job = NULL;
	PROCESS_INFORMATION pi;
	memset(&pi, 0, sizeof pi);
	bool resumed = false;
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	int rc = 0;
	if (!CreatePipe(&to_rd, &to_wr, &sa, 0) || !CreatePipe(&from_rd, &from_wr, &sa, 0))
		rc = win_fail("CreatePipe");
	/* Our ends stay ours: a peer holding them would never see the pipe close. */
	if (rc == 0 && (!SetHandleInformation(to_wr, HANDLE_FLAG_INHERIT, 0) ||
			!SetHandleInformation(from_rd, HANDLE_FLAG_INHERIT, 0)))
		rc = win_fail("SetHandleInformation");
	if (rc == 0)
		rc = kill_on_close_job(&job);
	if (rc == 0)
		rc = start_peer(to_rd, from_wr, size, &pi);
	/* The peer has its own copies; ours would keep its ends open after it died. */
	if (to_rd)
		CloseHandle(to_rd);
	if (from_wr)
		CloseHandle(from_wr);
	if (rc == 0 && !AssignProcessToJobObject(job, pi.hProcess))
		rc = win_fail("AssignProcessToJobObject");
	if (rc == 0 && pin) {
		rf_topology *topo = NULL;
		rc = rf_topology_load(&topo);
		if (rc == 0)
			rc = rf_placement_bind(topo, 0, &pin[0]);
		if (rc == 0)
			rc = rf_placement_bind(topo, (long)pi.dwProcessId, &pin[1]);
		rf_topology_free(topo);
	}
	if (rc == 0) {
		if (ResumeThread(pi.hThread) == (DWORD)-1)
			rc = win_fail("ResumeThread");
		else
			resumed = true;
	}
	/* One untimed round trip first: a new process takes milliseconds to
	 * start (a fork does not), and that is not a round trip. */
	if (rc == 0 && (write_full(to_wr, buf, size) || read_full(from_rd, buf, size)))
		rc = RF_EPEERDEAD;
	for (uint64_t i = 0; rc == 0 && i < iters; i++) {
		int64_t t0 = bench_now_ns();
		if (write_full(to_wr, buf, size) || read_full(from_rd, buf, size))
			rc = RF_EPEERDEAD;
		samples[i] = bench_now_ns() - t0;
	}
	if (to_wr)
		CloseHandle(to_wr); /* the peer's ReadFile fails: it exits */
	if (from_rd)
		CloseHandle(from_rd);
	if (pi.hProcess) {
		/* bounded: the peer exits on the closed pipe; killed if it has not
		 * after the wait bound, or at once if it never ran */
		if (!resumed ||
		    WaitForSingleObject(pi.hProcess, (DWORD)(BENCH_WAIT_NS / 1000000)) != WAIT_OBJECT_0) {
			TerminateProcess(pi.hProcess, 1);
			WaitForSingleObject(pi.hProcess, (DWORD)(BENCH_WAIT_NS / 1000000));
		}
		CloseHandle(pi.hProcess);
		CloseHandle(pi.hThread);
	}
	if (job)
		CloseHandle(job); /* kill-on-close: nothing of the baseline outlives this */
	return rc;
}
