/* rf-soak's platform seam on Windows: no fork and no signals, so the
 * kill-coordinator supervisor starts this program again (--victim) inside a
 * job object of its own, and the job's process list is the no-orphan check:
 * participant 0's workers are started inside it too (the library nests its
 * own kill-on-close job), so whatever the job still holds after the kill
 * outlived participant 0. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "soak.h"

/* What TerminateProcess makes a killed process exit with: as a shell
 * reports SIGKILL, so both platforms print the same status. */
#define KILLED_CODE (128 + SIGKILL)

int64_t soak_now_ns(void)
{
	LARGE_INTEGER f, c;
	QueryPerformanceFrequency(&f);
	QueryPerformanceCounter(&c);
	return c.QuadPart / f.QuadPart * 1000000000 + c.QuadPart % f.QuadPart * 1000000000 / f.QuadPart;
}

void soak_sleep_ns(int64_t ns)
{
	/* Sleep may return up to a tick early; callers rely on "at least". */
	int64_t end = soak_now_ns() + ns;
	for (int64_t left = ns; left > 0; left = end - soak_now_ns())
		Sleep((DWORD)((left + 999999) / 1000000));
}

long soak_pid(void)
{
	return (long)GetCurrentProcessId();
}

bool soak_pid_alive(long pid)
{
	HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
	if (!h)
		return GetLastError() == ERROR_ACCESS_DENIED;
	bool running = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
	CloseHandle(h);
	return running;
}

static void (*interrupt_fn)(int);

/* Runs on a thread the system starts; fn only stores and aborts the world. */
static BOOL WINAPI on_console_event(DWORD event)
{
	if (!interrupt_fn)
		return FALSE;
	interrupt_fn(event == CTRL_C_EVENT ? SIGINT : SIGTERM);
	return TRUE;
}

void soak_catch_interrupts(void (*fn)(int))
{
	interrupt_fn = fn;
	SetConsoleCtrlHandler(on_console_event, TRUE);
}

void soak_ignore_interrupts(void)
{
	SetConsoleCtrlHandler(NULL, TRUE); /* Ctrl-C only, as SIGINT on POSIX */
}

/* This process only: the workers' peaks are in the library's job object. */
long soak_peak_rss_kb(void)
{
	PROCESS_MEMORY_COUNTERS pmc;
	if (!GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc))
		return 0;
	return (long)(pmc.PeakWorkingSetSize / 1024);
}

/* A name lives while any process holds the mapping; when all are gone it
 * cannot be opened, so "still opens" is a segment that outlived its world. */
int soak_segments_left(long creator_pid, const char *name)
{
	(void)creator_pid;
	if (!name || !name[0])
		return 0;
	wchar_t w[RF_NAME_MAX + 16];
	_snwprintf(w, sizeof w / sizeof w[0], L"Local\\%hs", name[0] == '/' ? name + 1 : name);
	w[sizeof w / sizeof w[0] - 1] = L'\0';
	HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, w);
	if (h)
		CloseHandle(h);
	return h != NULL;
}

/* No signal can be sent to another process here, only console events to
 * one sharing our console, and neither wine nor ctest gives us a console;
 * the clean-shutdown path (Ctrl-C, Ctrl-Break) stays untested here. */
int soak_supervise(int sig)
{
	if (sig == SIGKILL)
		return 0;
	fprintf(stderr, "rf-soak: --kill-signal=%s is POSIX only (Windows can only TerminateProcess "
			"participant 0 here): exit %d, skipped\n", sig == SIGINT ? "INT" : "TERM",
		EXIT_UNSUPPORTED);
	return EXIT_UNSUPPORTED;
}

static void win_error(const char *what)
{
	fprintf(stderr, "rf-soak: %s failed (Windows error %lu)\n", what, (unsigned long)GetLastError());
}

int soak_child_start(const struct soak_opts *o, uint32_t t, struct soak_child *c)
{
	(void)o; /* the child parses our own command line again */
	memset(c, 0, sizeof *c);
	c->fd = -1;
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	HANDLE rd, wr, job;
	if (!CreatePipe(&rd, &wr, &sa, 0)) {
		win_error("CreatePipe");
		return -1;
	}
	SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
	/* Kill-on-close: if the supervisor itself dies, the trial dies with it. */
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
	memset(&lim, 0, sizeof lim);
	lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	job = CreateJobObjectW(NULL, NULL);
	if (!job || !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim, sizeof lim)) {
		win_error("CreateJobObject");
		if (job)
			CloseHandle(job);
		CloseHandle(rd);
		CloseHandle(wr);
		return -1;
	}
	/* Our command line, already quoted as the C runtime reads it, plus the
	 * trial and the pipe the child reports on. */
	const wchar_t *line = GetCommandLineW();
	size_t len = wcslen(line) + 64;
	wchar_t *cmd = malloc(len * sizeof *cmd);
	wchar_t exe[MAX_PATH];
	DWORD k = GetModuleFileNameW(NULL, exe, MAX_PATH);
	PROCESS_INFORMATION pi;
	STARTUPINFOW si;
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	bool ok = cmd && k > 0 && k < MAX_PATH;
	if (ok) {
		_snwprintf(cmd, len, L"%ls --victim=%u,%llu", line, t, (unsigned long long)(uintptr_t)wr);
		cmd[len - 1] = L'\0';
		/* As the library does for its workers (spawn_win32.c): wine lets
		 * a child die while it starts, rarely, while others are killed. */
		for (int attempt = 1; attempt <= 3; attempt++) {
			ok = CreateProcessW(exe, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi);
			if (ok || GetLastError() != ERROR_INTERNAL_ERROR)
				break;
			fprintf(stderr, "rf-soak: CreateProcessW: the child died while starting, attempt %d of 3\n",
				attempt);
		}
		if (!ok)
			win_error("CreateProcessW");
	}
	free(cmd);
	CloseHandle(wr);
	if (!ok) {
		CloseHandle(rd);
		CloseHandle(job);
		return -1;
	}
	if (!AssignProcessToJobObject(job, pi.hProcess)) {
		win_error("AssignProcessToJobObject");
		TerminateProcess(pi.hProcess, KILLED_CODE);
		WaitForSingleObject(pi.hProcess, 5000);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		CloseHandle(rd);
		CloseHandle(job);
		return -1;
	}
	ResumeThread(pi.hThread);
	CloseHandle(pi.hThread);
	c->pid = (long)pi.dwProcessId;
	c->os[0] = pi.hProcess;
	c->os[1] = job;
	c->os[2] = rd;
	return 0;
}

size_t soak_child_read(struct soak_child *c, void *buf, size_t n, int64_t timeout_ns)
{
	/* Anonymous pipes have no timed read: peek, read what is there, nap. */
	int64_t end = soak_now_ns() + timeout_ns;
	size_t got = 0;
	while (got < n) {
		DWORD avail = 0, k = 0;
		if (!PeekNamedPipe(c->os[2], NULL, 0, NULL, &avail, NULL))
			break; /* the child closed its end */
		if (avail == 0) {
			if (soak_now_ns() > end)
				break;
			Sleep(1);
			continue;
		}
		DWORD want = (DWORD)(n - got < avail ? n - got : avail);
		if (!ReadFile(c->os[2], (char *)buf + got, want, &k, NULL) || k == 0)
			break;
		got += k;
	}
	return got;
}

void soak_child_kill(struct soak_child *c, int sig)
{
	if (c->ended)
		return;
	(void)sig; /* soak_supervise let only SIGKILL through */
	TerminateProcess(c->os[0], KILLED_CODE);
}

static DWORD job_count(HANDLE job)
{
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
	if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &info, sizeof info, NULL))
		return 0;
	return info.ActiveProcesses;
}

uint32_t soak_child_wait_all(struct soak_child *c, const long *pids, uint32_t npids,
			     int64_t deadline_ns, int64_t *gone_ns, long *orphans, uint32_t max)
{
	(void)pids; /* the job knows every process of the trial, reported or not */
	(void)npids;
	HANDLE job = c->os[1];
	for (;;) {
		if (!c->ended && WaitForSingleObject(c->os[0], 0) == WAIT_OBJECT_0) {
			DWORD code = 0;
			GetExitCodeProcess(c->os[0], &code);
			c->ended = true;
			c->status = (int)code;
			*gone_ns = soak_now_ns();
		}
		if (c->ended && job_count(job) == 0) {
			*gone_ns = soak_now_ns();
			break;
		}
		if (soak_now_ns() > deadline_ns)
			break;
		Sleep(1);
	}
	if (!c->ended) { /* ran past the deadline: it fails the check, but goes */
		TerminateProcess(c->os[0], KILLED_CODE);
		WaitForSingleObject(c->os[0], 5000);
	}
	if (job_count(job) == 0)
		return 0;
	/* Still in the job: workers that outlived participant 0. */
	struct {
		JOBOBJECT_BASIC_PROCESS_ID_LIST list;
		ULONG_PTR more[RF_MAX_PROCS];
	} ids;
	memset(&ids, 0, sizeof ids);
	uint32_t n = 0;
	if (QueryInformationJobObject(job, JobObjectBasicProcessIdList, &ids, sizeof ids, NULL)) {
		for (DWORD i = 0; i < ids.list.NumberOfProcessIdsInList; i++)
			if ((long)ids.list.ProcessIdList[i] != c->pid && n < max)
				orphans[n++] = (long)ids.list.ProcessIdList[i];
	}
	if (n == 0 && max > 0) /* the list is not available: count them at least */
		for (DWORD i = 0, k = job_count(job); i < k && n < max; i++)
			orphans[n++] = -1;
	TerminateJobObject(job, KILLED_CODE);
	for (int i = 0; i < 5000 && job_count(job) > 0; i++)
		Sleep(1);
	return n;
}

bool soak_child_ended_by(const struct soak_child *c, int sig, char *how, size_t len)
{
	if (!c->ended) {
		snprintf(how, len, "still ran at the bound (killed)");
		return false;
	}
	snprintf(how, len, "exited with %d", c->status);
	return c->status == 128 + sig; /* killed (TerminateProcess) or a clean shutdown */
}

void soak_child_close(struct soak_child *c)
{
	if (c->os[0] && !c->ended) {
		TerminateProcess(c->os[0], KILLED_CODE);
		WaitForSingleObject(c->os[0], 5000);
		c->ended = true;
	}
	for (int i = 0; i < 3; i++)
		if (c->os[i])
			CloseHandle(c->os[i]); /* the job last: kill-on-close ends any straggler */
	memset(c->os, 0, sizeof c->os);
}

int soak_victim_fd(const char *channel)
{
	HANDLE h = (HANDLE)(uintptr_t)strtoull(channel, NULL, 10);
	/* Ours alone: the workers we start inherit handles, and one holding
	 * this pipe would keep it open after we are killed. */
	if (!SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0)) {
		win_error("SetHandleInformation (--victim)");
		return -1;
	}
	return _open_osfhandle((intptr_t)h, _O_WRONLY | _O_BINARY);
}
