/* Workers on Windows: CreateProcessW of the same program, a kill-on-close job
 * object, a lifeline handle and a watcher thread on the process handles
 * (SPEC §6).
 *
 * The lifeline is an inheritable handle on participant 0's own process: it is
 * signalled when participant 0 exits, however that happens. Workers are
 * started by the support library (rf_os_child_start) suspended and already
 * inside the world's kill-on-close job, and only then resumed, so none runs a
 * single instruction outside it; only participant 0 holds the job's handle,
 * so when participant 0 dies (even by TerminateProcess) the system closes it
 * and kills the workers. What the worker is told and what a close concludes:
 * workers.c. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "internal.h"

/* The exit code a killed worker gets: an NTSTATUS error, like a crash, and
 * STATUS_CONTROL_C_EXIT's value, which no program returns by itself. */
#define KILL_CODE 0xC000013Au
struct rf_spawn {
	/* participant 0 */
	HANDLE *proc;       /* [P], NULL = none */
	DWORD *pid;         /* [P] */
	DWORD *status;      /* [P], exit code once reaped */
	bool *reaped;       /* [P] */
	bool *killed_by_us; /* [P] */
	HANDLE job;
	HANDLE self_inherit; /* our process, inheritable: the workers' lifeline */
	HANDLE stop;         /* wakes the watcher when it must end */
	HANDLE watcher;
	SRWLOCK mu;          /* reaped/status between watcher and the caller */
	/* worker */
	HANDLE lifeline;
};

static struct rf_spawn *spawn_state(struct rf_world *w)
{
	if (w->spawn)
		return w->spawn;
	struct rf_spawn *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	InitializeSRWLock(&s->mu);
	s->proc = calloc(w->nprocs, sizeof *s->proc);
	s->pid = calloc(w->nprocs, sizeof *s->pid);
	s->status = calloc(w->nprocs, sizeof *s->status);
	s->reaped = calloc(w->nprocs, sizeof *s->reaped);
	s->killed_by_us = calloc(w->nprocs, sizeof *s->killed_by_us);
	w->spawn = s;
	if (!s->proc || !s->pid || !s->status || !s->reaped || !s->killed_by_us)
		return NULL;
	return s;
}

static int win_fail(const char *what)
{
	rf_log(RF_LOG_ERROR, "%s: error %lu", what, GetLastError());
	return RF_ESYS;
}

intptr_t rf_os_lifeline_for_workers(struct rf_world *w)
{
	struct rf_spawn *s = spawn_state(w);
	if (!s)
		return -1;
	if (!s->job && !(s->job = rf_os_job_create())) {
		win_fail("CreateJobObjectW");
		return -1;
	}
	if (!s->self_inherit &&
	    !DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(),
			     &s->self_inherit, SYNCHRONIZE, TRUE, 0)) {
		win_fail("DuplicateHandle(lifeline)");
		return -1;
	}
	return (intptr_t)s->self_inherit;
}

int rf_os_spawn_worker(struct rf_world *w, uint32_t index, const char *program, char *const *argv,
		       const char *env)
{
	struct rf_spawn *s = spawn_state(w);
	if (!s || !s->job || !s->self_inherit)
		return RF_EINVAL;
	struct rf_os_start how = {.program = program, .argv = argv, .env = env,
				  .inherit = {(intptr_t)s->self_inherit}, .ninherit = 1,
				  .die_with_us = true,
				  .job = s->job};
	struct rf_os_child c;
	int rc = rf_os_child_start(&how, &c);
	if (c.restarts)
		rf_log(RF_LOG_WARN, "CreateProcessW of worker %u: the child died while starting "
		       "(error %lu), started again %d time(s)", index,
		       (unsigned long)ERROR_INTERNAL_ERROR, c.restarts);
	if (rc != 0)
		return win_fail("CreateProcessW");
	s->proc[index] = c.handle;
	s->pid[index] = (DWORD)c.pid;
	/* relaxed: read back by this thread and the watcher (after thread start) */
	atomic_store_explicit(&w->part[index].pid, (int64_t)c.pid, memory_order_relaxed);
	return 0;
}

/* Records that worker i exited; true if its exit was not a clean close.
 * Caller holds s->mu. */
static bool reaped(struct rf_world *w, uint32_t i)
{
	struct rf_spawn *s = w->spawn;
	DWORD code = KILL_CODE;
	GetExitCodeProcess(s->proc[i], &code);
	s->status[i] = code;
	s->reaped[i] = true;
	/* acquire: DETACHED was released after the worker's last round */
	bool detached = atomic_load_explicit(&w->part[i].state, memory_order_acquire) ==
			RF_PART_DETACHED;
	/* An NTSTATUS error code is a crash or a kill: Windows' "signal". */
	return !detached || code >= 0xC0000000u;
}

static DWORD WINAPI watch(void *arg)
{
	struct rf_world *w = arg;
	struct rf_spawn *s = w->spawn;
	HANDLE h[MAXIMUM_WAIT_OBJECTS];
	uint32_t who[MAXIMUM_WAIT_OBJECTS];
	uint32_t next = 1; /* with more workers than one wait takes, rotate */
	for (;;) {
		DWORD n = 0;
		h[n++] = s->stop;
		uint32_t live = 0;
		AcquireSRWLockShared(&s->mu);
		for (uint32_t k = 0; k < w->nprocs - 1; k++) {
			uint32_t i = 1 + (next - 1 + k) % (w->nprocs - 1);
			if (!s->proc[i] || s->reaped[i])
				continue;
			live++;
			if (n < MAXIMUM_WAIT_OBJECTS) {
				who[n] = i;
				h[n++] = s->proc[i];
			}
		}
		ReleaseSRWLockShared(&s->mu);
		/* Workers that did not fit are looked at on the next turn, at
		 * most one park slice later. */
		DWORD ms = live > n - 1 ? (DWORD)(RF_PARK_SLICE_NS / 1000000) : INFINITE;
		next = 1 + (next - 1 + (n - 1)) % (w->nprocs - 1);
		DWORD r = WaitForMultipleObjects(n, h, FALSE, ms);
		if (r == WAIT_OBJECT_0 || r == WAIT_FAILED)
			break;
		for (DWORD j = 1; j < n; j++) {
			if (WaitForSingleObject(h[j], 0) != WAIT_OBJECT_0)
				continue;
			uint32_t i = who[j];
			AcquireSRWLockExclusive(&s->mu);
			bool bad = !s->reaped[i] && reaped(w, i);
			ReleaseSRWLockExclusive(&s->mu);
			if (bad) {
				rf_log(RF_LOG_WARN, "worker %u (pid %lu) died: exit code %#lx", i,
				       (unsigned long)s->pid[i], (unsigned long)s->status[i]);
				rf_world_abort(w, RF_EPEERDEAD);
			}
		}
	}
	return 0;
}

int rf_os_watch_start(struct rf_world *w)
{
	struct rf_spawn *s = w->spawn;
	if (!s || w->nprocs < 2)
		return 0;
	s->stop = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!s->stop)
		return win_fail("CreateEventW(stop)");
	s->watcher = CreateThread(NULL, 0, watch, w, 0, NULL);
	if (!s->watcher)
		return win_fail("CreateThread");
	return 0;
}

static void stop_watcher(struct rf_spawn *s)
{
	if (!s->watcher)
		return;
	SetEvent(s->stop);
	WaitForSingleObject(s->watcher, INFINITE); /* it returns at once when stop is set */
	CloseHandle(s->watcher);
	s->watcher = NULL;
}

/* Kills worker i if it still runs and waits (bounded) for it to go. */
static void kill_and_reap(struct rf_world *w, uint32_t i)
{
	struct rf_spawn *s = w->spawn;
	if (!s->proc[i] || s->reaped[i])
		return;
	TerminateProcess(s->proc[i], KILL_CODE);
	s->killed_by_us[i] = true;
	WaitForSingleObject(s->proc[i], 5000);
	reaped(w, i);
}

void rf_os_reap_workers(struct rf_world *w, int64_t deadline_ns, enum rf_worker_end *how)
{
	struct rf_spawn *s = w->spawn;
	if (!s || !s->proc)
		return;
	stop_watcher(s);
	for (uint32_t i = 1; i < w->nprocs; i++) {
		if (!s->proc[i] || s->reaped[i])
			continue;
		int64_t left = deadline_ns - rf_os_now_ns();
		DWORD ms = left > 0 ? (DWORD)((left + 999999) / 1000000) : 0;
		if (WaitForSingleObject(s->proc[i], ms) == WAIT_OBJECT_0)
			reaped(w, i);
	}
	for (uint32_t i = 1; i < w->nprocs; i++) {
		if (!s->proc[i]) {
			how[i] = RF_END_NONE;
			continue;
		}
		if (!s->reaped[i]) {
			rf_log(RF_LOG_WARN, "worker %u (pid %lu) still runs at close: killed", i,
			       (unsigned long)s->pid[i]);
			kill_and_reap(w, i);
		}
		DWORD st = s->status[i];
		how[i] = s->killed_by_us[i] ? RF_END_HUNG
			 : st >= 0xC0000000u ? RF_END_DIED
			 : st != 0           ? RF_END_FAILED
					     : RF_END_CLEAN;
	}
}

int rf_os_kill_worker(struct rf_world *w, uint32_t index)
{
	struct rf_spawn *s = w->spawn;
	if (!s || !s->proc || !s->proc[index])
		return RF_EINVAL;
	AcquireSRWLockShared(&s->mu);
	int rc = s->reaped[index] ? RF_ENOENT
				  : (TerminateProcess(s->proc[index], KILL_CODE) ? 0 : RF_ESYS);
	ReleaseSRWLockShared(&s->mu);
	return rc;
}

int rf_os_lifeline_open(struct rf_world *w, intptr_t lifeline)
{
	if (lifeline <= 0)
		return RF_EINVAL;
	struct rf_spawn *s = spawn_state(w);
	if (!s)
		return RF_ENOMEM;
	s->lifeline = (HANDLE)lifeline;
	/* Not for our own children: they get their own lifeline from us. */
	SetHandleInformation(s->lifeline, HANDLE_FLAG_INHERIT, 0);
	return rf_os_lifeline_ok(w) ? 0 : RF_EPEERDEAD;
}

bool rf_os_lifeline_ok(struct rf_world *w)
{
	if (!w->spawn || !w->spawn->lifeline)
		return true;
	/* Signalled once participant 0 has exited. */
	return WaitForSingleObject(w->spawn->lifeline, 0) == WAIT_TIMEOUT;
}

void rf_os_spawn_fini(struct rf_world *w)
{
	struct rf_spawn *s = w->spawn;
	if (!s)
		return;
	if (s->proc) {
		/* close() reaped already; this path is a failed launch: no orphans */
		stop_watcher(s);
		for (uint32_t i = 1; i < w->nprocs; i++) {
			if (!s->proc[i])
				continue;
			kill_and_reap(w, i);
			CloseHandle(s->proc[i]);
		}
	}
	HANDLE hs[] = {s->job, s->self_inherit, s->stop, s->lifeline};
	for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
		if (hs[i])
			CloseHandle(hs[i]);
	free(s->proc);
	free(s->pid);
	free(s->status);
	free(s->reaped);
	free(s->killed_by_us);
	free(s);
	w->spawn = NULL;
}
