/* The support library on Windows. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "rf_os.h"

/* The exit code a killed child gets: an NTSTATUS error, like a crash, and
 * STATUS_CONTROL_C_EXIT's value, which no program returns by itself. */
#define KILL_CODE 0xC000013Au
/* Windows 10's attribute (ProcThreadAttributeValue(13, FALSE, TRUE, FALSE));
 * the headers hide it when targeting Windows 8, where it is refused at run time. */
#ifndef PROC_THREAD_ATTRIBUTE_JOB_LIST
#define PROC_THREAD_ATTRIBUTE_JOB_LIST 0x0002000D
#endif

int64_t rf_os_now_ns(void)
{
	LARGE_INTEGER freq, now;
	/* Fixed at boot and cheap to read: asked every time, no shared cache. */
	QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&now);
	/* Split so that counter * 1e9 cannot overflow after long uptimes. */
	int64_t s = now.QuadPart / freq.QuadPart, r = now.QuadPart % freq.QuadPart;
	return s * 1000000000 + r * 1000000000 / freq.QuadPart;
}

void rf_os_sleep_ns(int64_t ns)
{
	/* Sleep may return up to a tick early; callers rely on "at least". */
	int64_t end = rf_os_now_ns() + ns;
	for (int64_t left = ns; left > 0; left = end - rf_os_now_ns())
		Sleep((DWORD)((left + 999999) / 1000000));
}

long rf_os_pid(void)
{
	return (long)GetCurrentProcessId();
}

bool rf_os_pid_alive(long pid)
{
	if (pid <= 0)
		return false;
	/* Only a certain answer counts as death: a false "dead" aborts a healthy
	 * world, a false "alive" only delays detection to the next check. Under
	 * load, wine was seen to fail OpenProcess for live processes. */
	HANDLE h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
	if (!h)
		return GetLastError() != ERROR_INVALID_PARAMETER; /* that one: no such pid */
	/* An exited process whose handle someone still holds opens fine: it is
	 * dead once its handle is signalled (Windows' zombie). */
	bool dead = WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
	CloseHandle(h);
	return !dead;
}

const char *rf_os_error_text(char *buf, size_t len)
{
	snprintf(buf, len, "Windows error %lu", (unsigned long)GetLastError());
	return buf;
}

uint32_t rf_os_ncpus(void)
{
	DWORD_PTR mine, sys;
	uint32_t n = 0;
	if (GetProcessAffinityMask(GetCurrentProcess(), &mine, &sys))
		for (; mine; mine &= mine - 1)
			n++;
	if (n == 0) {
		SYSTEM_INFO si;
		GetSystemInfo(&si);
		n = si.dwNumberOfProcessors;
	}
	return n > 0 ? n : 1u;
}

uint32_t rf_os_ncpus_online(void)
{
	SYSTEM_INFO si;
	GetSystemInfo(&si);
	return si.dwNumberOfProcessors > 0 ? si.dwNumberOfProcessors : 1u;
}

void rf_os_yield(void)
{
	SwitchToThread();
}

const char *rf_os_self_exe(void)
{
	/* UTF-8, as every path the project passes around; rf_os_child_start
	 * turns it back into UTF-16. Computed once: the module path does not
	 * change. */
	static char path[4 * MAX_PATH];
	if (path[0] == '\0') {
		wchar_t w[MAX_PATH * 2];
		DWORD n = GetModuleFileNameW(NULL, w, (DWORD)(sizeof w / sizeof w[0]));
		if (n == 0 || n >= sizeof w / sizeof w[0] ||
		    !WideCharToMultiByte(CP_UTF8, 0, w, -1, path, (int)sizeof path, NULL, NULL))
			path[0] = '\0';
	}
	return path;
}

int rf_os_segments_each(void (*visit)(const char *name, void *ctx), void *ctx)
{
	/* A named file mapping dies with its last handle: nothing can be stale. */
	(void)visit;
	(void)ctx;
	return 0;
}

int rf_os_segment_remove(const char *name)
{
	(void)name; /* gone with its last handle */
	return 0;
}

int rf_os_segment_peek(const char *name, void *buf, size_t len, struct rf_os_segment_info *info)
{
	(void)name; /* never listed: rf_os_segments_each visits none */
	(void)buf;
	(void)len;
	(void)info;
	return -1;
}

long rf_os_uid(void)
{
	return -1;
}

/* --- starting a process ---------------------------------------------------------- */

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

/* Our environment with `var` ("NAME=value") replacing any NAME, as a
 * CreateProcessW block; NULL (inherit ours) when var is NULL. */
static wchar_t *child_env(const char *var, bool *failed)
{
	*failed = false;
	if (!var)
		return NULL;
	wchar_t *wvar = widen(var);
	wchar_t *env = GetEnvironmentStringsW();
	wchar_t *out = NULL;
	if (wvar && env) {
		size_t total = 0;
		for (const wchar_t *e = env; *e; e += wcslen(e) + 1)
			total += wcslen(e) + 1;
		out = malloc((total + wcslen(wvar) + 2) * sizeof *out);
	}
	if (out) {
		const wchar_t *eq = wcschr(wvar, L'=');
		size_t n = eq ? (size_t)(eq - wvar) + 1 : wcslen(wvar);
		size_t k = 0;
		for (const wchar_t *e = env; *e; e += wcslen(e) + 1) {
			if (_wcsnicmp(e, wvar, n) == 0)
				continue;
			wcscpy(out + k, e);
			k += wcslen(e) + 1;
		}
		wcscpy(out + k, wvar);
		k += wcslen(wvar) + 1;
		out[k] = 0;
	}
	if (env)
		FreeEnvironmentStringsW(env);
	free(wvar);
	*failed = out == NULL;
	return out;
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
	if (job && InitializeProcThreadAttributeList(list, 1, 0, &size)) {
		if (UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_JOB_LIST, &job,
					      sizeof job, NULL, NULL)) {
			si.lpAttributeList = list;
			flags |= EXTENDED_STARTUPINFO_PRESENT;
		} else {
			DeleteProcThreadAttributeList(list);
		}
	}
	/* Inheriting handles passes `inherit` and the standard handles (test
	 * output); everything else we create is not inheritable. */
	BOOL ok = CreateProcessW(app, cmd, NULL, NULL, TRUE, flags, env, NULL, &si.StartupInfo, pi);
	DWORD err = GetLastError();
	if (si.lpAttributeList)
		DeleteProcThreadAttributeList(list);
	SetLastError(err);
	return ok;
}

int rf_os_child_start(const struct rf_os_start *how, struct rf_os_child *c)
{
	memset(c, 0, sizeof *c);
	HANDLE job = how->die_with_us ? how->job : NULL;
	if (how->die_with_us && !job) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return -1;
	}
	for (unsigned i = 0; i < how->ninherit && i < 2; i++)
		SetHandleInformation((HANDLE)how->inherit[i], HANDLE_FLAG_INHERIT,
				     HANDLE_FLAG_INHERIT);
	bool env_failed;
	wchar_t *app = widen(how->program), *cmd = command_line(how->argv);
	wchar_t *env = child_env(how->env, &env_failed);
	if (!app || !cmd || env_failed) {
		free(app);
		free(cmd);
		free(env);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return -1;
	}
	PROCESS_INFORMATION pi;
	/* Under wine a child sometimes dies while it starts (ERROR_INTERNAL_ERROR),
	 * about once in a few thousand starts while other processes are being
	 * killed (the kill-fault soaks); nothing of it is left, so it is started
	 * again, a bounded number of times: a real failure repeats. */
	BOOL ok = FALSE;
	for (int attempt = 1; !ok && attempt <= 3; attempt++) {
		ok = create_in_job(job, app, cmd, env, &pi);
		if (ok || GetLastError() != ERROR_INTERNAL_ERROR)
			break;
		c->restarts++;
	}
	DWORD err = GetLastError();
	free(app);
	free(cmd);
	free(env);
	if (!ok) {
		SetLastError(err);
		return -1;
	}
	BOOL in = FALSE;
	if (job && (!IsProcessInJob(pi.hProcess, job, &in) || !in) &&
	    !AssignProcessToJobObject(job, pi.hProcess)) {
		err = GetLastError();
		TerminateProcess(pi.hProcess, KILL_CODE);
		WaitForSingleObject(pi.hProcess, 5000);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		SetLastError(err);
		return -1;
	}
	ResumeThread(pi.hThread);
	CloseHandle(pi.hThread);
	c->pid = (long)pi.dwProcessId;
	c->handle = pi.hProcess;
	return 0;
}

int rf_os_child_wait(struct rf_os_child *c, int64_t timeout_ns)
{
	if (c->reaped || !c->handle)
		return 1;
	DWORD ms = timeout_ns < 0 ? INFINITE : (DWORD)((timeout_ns + 999999) / 1000000);
	if (WaitForSingleObject(c->handle, ms) != WAIT_OBJECT_0)
		return 0;
	DWORD code = KILL_CODE;
	GetExitCodeProcess(c->handle, &code);
	c->status = (int)code;
	c->reaped = true;
	return 1;
}

void rf_os_child_kill(struct rf_os_child *c)
{
	if (c->handle && !c->reaped)
		TerminateProcess(c->handle, KILL_CODE);
}

bool rf_os_child_killed(const struct rf_os_child *c)
{
	/* An NTSTATUS error code is a crash or a kill: Windows' "signal". */
	return c->reaped && (DWORD)c->status >= 0xC0000000u;
}

int rf_os_child_exit_code(const struct rf_os_child *c)
{
	return c->reaped && !rf_os_child_killed(c) ? c->status : -1;
}

void rf_os_child_close(struct rf_os_child *c)
{
	if (c->handle)
		CloseHandle(c->handle);
	c->handle = NULL;
}

int rf_os_pipe(intptr_t *read_end, intptr_t *write_end)
{
	/* Not inheritable: rf_os_child_start makes `inherit` so for its child. */
	HANDLE rd, wr;
	if (!CreatePipe(&rd, &wr, NULL, 0))
		return -1;
	*read_end = (intptr_t)rd;
	*write_end = (intptr_t)wr;
	return 0;
}

int rf_os_pipe_write(intptr_t h, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		DWORD done = 0;
		if (!WriteFile((HANDLE)h, p, (DWORD)n, &done, NULL) || done == 0)
			return -1;
		p += done;
		n -= done;
	}
	return 0;
}

int rf_os_pipe_read(intptr_t h, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		DWORD got = 0;
		if (!ReadFile((HANDLE)h, p, (DWORD)n, &got, NULL) || got == 0)
			return -1;
		p += got;
		n -= got;
	}
	return 0;
}

void rf_os_pipe_close(intptr_t h)
{
	CloseHandle((HANDLE)h);
}

void rf_os_pipe_quiet(void)
{
}

void *rf_os_job_create(void)
{
	HANDLE job = CreateJobObjectW(NULL, NULL);
	if (!job)
		return NULL;
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
	memset(&lim, 0, sizeof lim);
	lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim, sizeof lim)) {
		DWORD err = GetLastError();
		CloseHandle(job);
		SetLastError(err);
		return NULL;
	}
	return job;
}

int rf_os_job_count(void *job)
{
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
	if (!job)
		return 0;
	if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &info, sizeof info,
				       NULL))
		return -1;
	return (int)info.ActiveProcesses;
}

void rf_os_job_close(void *job)
{
	if (job)
		CloseHandle(job);
}
