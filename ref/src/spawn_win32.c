/* Workers on Windows: CreateProcessW of the same program, a kill-on-close job
 * object, a lifeline handle and a watcher thread on the process handles
 * (SPEC §6).
 *
 * Worker environment: RF_WORKER=<segment name>:<index>:<lifeline handle>:<start timeout ns>.
 * The lifeline is an inheritable handle on participant 0's own process: it is
 * signalled when participant 0 exits, however that happens. Workers are
 * created suspended and already inside the world's job (create_in_job), and
 * only then resumed, so none runs a single instruction outside it; the job is
 * JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE and only participant 0 holds its handle,
 * so when participant 0 dies (even by TerminateProcess) the system closes it
 * and kills the workers. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "internal.h"

#define ENV_NAME "RF_WORKER"
#define ENV_NAMEW L"RF_WORKER"
/* The exit code a killed worker gets: an NTSTATUS error, like a crash, and
 * STATUS_CONTROL_C_EXIT's value, which no program returns by itself. */
#define KILL_CODE 0xC000013Au
/* Windows 10's attribute (ProcThreadAttributeValue(13, FALSE, TRUE, FALSE));
 * the headers hide it when targeting Windows 8, where it is refused at run time. */
#ifndef PROC_THREAD_ATTRIBUTE_JOB_LIST
#define PROC_THREAD_ATTRIBUTE_JOB_LIST 0x0002000D
#endif

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

/* Appends one argument to a command line, quoted the way the C runtime's
 * parser reads it back: backslashes are literal except before a quote. */
static void quote_arg(wchar_t *out, size_t *k, const wchar_t *a)
{
	bool plain = *a && !wcspbrk(a, L" \t\n\v\"");
	if (*k)
		out[(*k)++] = L' ';
	if (plain) {
		for (; *a; a++)
			out[(*k)++] = *a;
		return;
	}
	out[(*k)++] = L'"';
	for (;; a++) {
		size_t bs = 0;
		while (*a == L'\\') {
			a++;
			bs++;
		}
		if (!*a) {
			for (size_t i = 0; i < 2 * bs; i++) /* before the closing quote */
				out[(*k)++] = L'\\';
			break;
		}
		for (size_t i = 0; i < (*a == L'"' ? 2 * bs + 1 : bs); i++)
			out[(*k)++] = L'\\';
		out[(*k)++] = *a;
	}
	out[(*k)++] = L'"';
}

static wchar_t *widen(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
	wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
	if (w && !MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n)) {
		free(w);
		w = NULL;
	}
	return w;
}

/* The command line for argv: worst case every character doubles, plus quotes. */
static wchar_t *command_line(char *const *argv)
{
	size_t len = 1;
	for (size_t i = 0; argv[i]; i++)
		len += 2 * strlen(argv[i]) * 2 + 3;
	wchar_t *out = malloc(len * sizeof *out);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; argv[i]; i++) {
		wchar_t *a = widen(argv[i]);
		if (!a) {
			free(out);
			return NULL;
		}
		quote_arg(out, &k, a);
		free(a);
	}
	out[k] = 0;
	return out;
}

/* Our environment without any RF_WORKER, plus `var`, as a CreateProcessW block. */
static wchar_t *worker_env(const wchar_t *var)
{
	wchar_t *env = GetEnvironmentStringsW();
	if (!env)
		return NULL;
	size_t total = 0;
	for (const wchar_t *e = env; *e; e += wcslen(e) + 1)
		total += wcslen(e) + 1;
	wchar_t *out = malloc((total + wcslen(var) + 2) * sizeof *out);
	if (out) {
		size_t k = 0, n = wcslen(ENV_NAMEW);
		for (const wchar_t *e = env; *e; e += wcslen(e) + 1) {
			if (_wcsnicmp(e, ENV_NAMEW, n) == 0 && e[n] == L'=')
				continue;
			wcscpy(out + k, e);
			k += wcslen(e) + 1;
		}
		wcscpy(out + k, var);
		k += wcslen(var) + 1;
		out[k] = 0;
	}
	FreeEnvironmentStringsW(env);
	return out;
}

/* Participant 0's job and lifeline, made on the first spawn. */
static int prepare(struct rf_spawn *s)
{
	if (!s->job) {
		s->job = CreateJobObjectW(NULL, NULL);
		if (!s->job)
			return win_fail("CreateJobObjectW");
		JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
		memset(&lim, 0, sizeof lim);
		lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
		if (!SetInformationJobObject(s->job, JobObjectExtendedLimitInformation, &lim,
					     sizeof lim))
			return win_fail("SetInformationJobObject");
	}
	if (!s->self_inherit &&
	    !DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(),
			     &s->self_inherit, SYNCHRONIZE, TRUE, 0))
		return win_fail("DuplicateHandle(lifeline)");
	return 0;
}

/* Starts a suspended child, in `job` from its creation where the system can.
 * Assigned after CreateProcessW, a child whose parent is killed in between is
 * left suspended, outside any job, for ever; PROC_THREAD_ATTRIBUTE_JOB_LIST
 * (Windows 10, and wine) makes creation and membership one step. Older systems
 * refuse the attribute: the caller assigns those afterwards, window and all. */
static BOOL create_in_job(HANDLE job, wchar_t *app, wchar_t *cmd, wchar_t *env,
			  PROCESS_INFORMATION *pi)
{
	_Alignas(16) unsigned char attrs[256];
	LPPROC_THREAD_ATTRIBUTE_LIST list = (LPPROC_THREAD_ATTRIBUTE_LIST)attrs;
	SIZE_T size = sizeof attrs;
	STARTUPINFOEXW si;
	memset(&si, 0, sizeof si);
	si.StartupInfo.cb = sizeof si;
	DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT;
	if (InitializeProcThreadAttributeList(list, 1, 0, &size)) {
		if (UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_JOB_LIST, &job,
					      sizeof job, NULL, NULL)) {
			si.lpAttributeList = list;
			flags |= EXTENDED_STARTUPINFO_PRESENT;
		} else {
			DeleteProcThreadAttributeList(list);
		}
	}
	/* Inheriting handles passes the lifeline and the standard handles (test
	 * output); everything else we create is not inheritable. */
	BOOL ok = CreateProcessW(app, cmd, NULL, NULL, TRUE, flags, env, NULL, &si.StartupInfo, pi);
	DWORD err = GetLastError();
	if (si.lpAttributeList)
		DeleteProcThreadAttributeList(list);
	SetLastError(err);
	return ok;
}

int rf_os_spawn_worker(struct rf_world *w, uint32_t index, const char *program, char *const *argv,
		       int64_t start_timeout_ns)
{
	struct rf_spawn *s = spawn_state(w);
	if (!s)
		return RF_ENOMEM;
	int rc = prepare(s);
	if (rc)
		return rc;
	wchar_t var[RF_NAME_MAX + 96];
	_snwprintf(var, sizeof var / sizeof var[0], ENV_NAMEW L"=%hs:%u:%llu:%lld", w->name, index,
		   (unsigned long long)(uintptr_t)s->self_inherit, (long long)start_timeout_ns);
	var[sizeof var / sizeof var[0] - 1] = 0;
	wchar_t *app = widen(program), *cmd = command_line(argv), *env = worker_env(var);
	if (!app || !cmd || !env) {
		free(app);
		free(cmd);
		free(env);
		return RF_ENOMEM;
	}
	PROCESS_INFORMATION pi;
	/* Under wine a child sometimes dies while it starts (ERROR_INTERNAL_ERROR),
	 * about once in a few thousand starts while other processes are being
	 * killed (the kill-fault soaks); nothing of it is left, so it is started
	 * again, a bounded number of times: a real failure repeats. */
	BOOL ok = FALSE;
	for (int attempt = 1; !ok && attempt <= 3; attempt++) {
		ok = create_in_job(s->job, app, cmd, env, &pi);
		if (ok || GetLastError() != ERROR_INTERNAL_ERROR)
			break;
		rf_log(RF_LOG_WARN, "CreateProcessW of worker %u: the child died while starting "
		       "(error %lu), attempt %d of 3", index, (unsigned long)ERROR_INTERNAL_ERROR, attempt);
	}
	free(app);
	free(cmd);
	free(env);
	if (!ok)
		return win_fail("CreateProcessW");
	BOOL in = FALSE;
	if ((!IsProcessInJob(pi.hProcess, s->job, &in) || !in) &&
	    !AssignProcessToJobObject(s->job, pi.hProcess)) {
		rc = win_fail("AssignProcessToJobObject");
		TerminateProcess(pi.hProcess, KILL_CODE);
		WaitForSingleObject(pi.hProcess, 5000);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		return rc;
	}
	ResumeThread(pi.hThread);
	CloseHandle(pi.hThread);
	s->proc[index] = pi.hProcess;
	s->pid[index] = pi.dwProcessId;
	/* relaxed: read back by this thread and the watcher (after thread start) */
	atomic_store_explicit(&w->part[index].pid, (int64_t)pi.dwProcessId, memory_order_relaxed);
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

int rf_os_reap_workers(struct rf_world *w, int64_t timeout_ns)
{
	struct rf_spawn *s = w->spawn;
	if (!s || !s->proc)
		return 0;
	stop_watcher(s);
	int64_t deadline = rf_os_now_ns() + timeout_ns;
	for (uint32_t i = 1; i < w->nprocs; i++) {
		if (!s->proc[i] || s->reaped[i])
			continue;
		int64_t left = deadline - rf_os_now_ns();
		DWORD ms = left > 0 ? (DWORD)((left + 999999) / 1000000) : 0;
		if (WaitForSingleObject(s->proc[i], ms) == WAIT_OBJECT_0)
			reaped(w, i);
	}
	/* The most telling failure wins: a death, then a failure status, then a hang. */
	int rc = 0, rank = 0;
	for (uint32_t i = 1; i < w->nprocs; i++) {
		if (!s->proc[i])
			continue;
		if (!s->reaped[i]) {
			rf_log(RF_LOG_WARN, "worker %u (pid %lu) still runs at close: killed", i,
			       (unsigned long)s->pid[i]);
			kill_and_reap(w, i);
		}
		DWORD st = s->status[i];
		if (s->killed_by_us[i] && rank < 1)
			rc = RF_ETIMEDOUT, rank = 1;
		else if (!s->killed_by_us[i] && st >= 0xC0000000u && rank < 3)
			rc = RF_EPEERDEAD, rank = 3;
		else if (st != 0 && st < 0xC0000000u && rank < 2)
			rc = RF_EWORKER, rank = 2;
	}
	return rc;
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

/* Parses RF_WORKER; the handle is only read by rf_os_lifeline_open. */
static int parse_env(char *name, size_t name_len, uint32_t *index, uint64_t *handle,
		     int64_t *timeout_ns)
{
	const char *v = getenv(ENV_NAME);
	if (!v || !*v)
		return RF_ENOENT;
	const char *colon = strchr(v, ':');
	if (!colon || (size_t)(colon - v) >= name_len)
		return RF_EINVAL;
	memcpy(name, v, (size_t)(colon - v));
	name[colon - v] = '\0';
	unsigned idx;
	unsigned long long h;
	long long t;
	if (sscanf(colon + 1, "%u:%llu:%lld", &idx, &h, &t) != 3)
		return RF_EINVAL;
	*index = idx;
	*handle = h;
	*timeout_ns = t;
	return 0;
}

int rf_os_worker_env_get(char *name, size_t name_len, uint32_t *index, int64_t *timeout_ns)
{
	uint64_t handle;
	return parse_env(name, name_len, index, &handle, timeout_ns);
}

int rf_os_lifeline_open(struct rf_world *w)
{
	char name[RF_NAME_MAX];
	uint32_t idx;
	uint64_t handle;
	int64_t t;
	if (parse_env(name, sizeof name, &idx, &handle, &t) != 0 || handle == 0)
		return RF_EINVAL;
	struct rf_spawn *s = spawn_state(w);
	if (!s)
		return RF_ENOMEM;
	s->lifeline = (HANDLE)(uintptr_t)handle;
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
