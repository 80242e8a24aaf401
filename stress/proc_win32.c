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

#include "proc.h"

/* What TerminateProcess makes a killed participant 0 exit with: as a shell
 * reports SIGKILL, so both platforms print the same status. */
#define KILLED_CODE (128 + SIGKILL)

static void (*interrupt_fn)(int);

/* Runs on a thread the system starts; fn only stores and aborts the world. */
static BOOL WINAPI on_console_event(DWORD event)
{
	if (!interrupt_fn)
		return FALSE;
	interrupt_fn(event == CTRL_C_EVENT ? SIGINT : SIGTERM);
	return TRUE;
}

void proc_catch_interrupts(void (*fn)(int))
{
	interrupt_fn = fn;
	SetConsoleCtrlHandler(on_console_event, TRUE);
}

void proc_ignore_interrupts(void)
{
	SetConsoleCtrlHandler(NULL, TRUE); /* Ctrl-C only, as SIGINT on POSIX */
}

/* This process only: the workers' peaks are in the library's job object. */
long proc_peak_rss_kb(void)
{
	PROCESS_MEMORY_COUNTERS pmc;
	if (!GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc))
		return 0;
	return (long)(pmc.PeakWorkingSetSize / 1024);
}

long proc_fd_limit(void)
{
	return -1; /* handles, not descriptors: no `ulimit -n` to run out of */
}

/* A name lives while any process holds the mapping; when all are gone it
 * cannot be opened, so "still opens" is a segment that outlived its world. */
const char *proc_host_name(char *buf, size_t len)
{
	DWORD n = len > 0xffff ? 0xffff : (DWORD)len;
	if (len && !GetComputerNameExA(ComputerNameDnsHostname, buf, &n))
		buf[0] = '\0';
	return buf;
}

bool proc_segment_held(const char *name)
{
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
int proc_supervise(int sig)
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

/* Our own command line plus the trial and the pipe the child reports on;
 * the job is kill-on-close, so if the supervisor itself dies, the trial
 * dies with it. */
int proc_child_start(const struct soak_opts *o, uint32_t t, struct proc_child *c)
{
	memset(c, 0, sizeof *c);
	c->victim_fd = -1;
	HANDLE rd, wr;
	if (!CreatePipe(&rd, &wr, NULL, 0)) {
		win_error("CreatePipe");
		return -1;
	}
	c->job = rf_os_job_create();
	if (!c->job) {
		win_error("CreateJobObject");
		CloseHandle(rd);
		CloseHandle(wr);
		return -1;
	}
	char victim[64];
	snprintf(victim, sizeof victim, "--victim=%u,%llu", t, (unsigned long long)(uintptr_t)wr);
	char **argv = cli_argv_with(o, victim);
	struct rf_os_start how = {.program = rf_os_self_exe(), .argv = argv, .env = NULL,
				  .inherit = {(intptr_t)wr}, .ninherit = 1, .die_with_us = true,
				  .job = c->job};
	if (!argv)
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
	bool ok = argv && rf_os_child_start(&how, &c->os) == 0;
	if (c->os.restarts)
		fprintf(stderr, "rf-soak: CreateProcessW: the child died while starting, started "
			"again %d time(s)\n", c->os.restarts);
	if (!ok)
		win_error("CreateProcessW");
	free(argv);
	CloseHandle(wr);
	if (!ok) {
		CloseHandle(rd);
		rf_os_job_close(c->job);
		c->job = NULL;
		return -1;
	}
	c->report = (intptr_t)rd;
	return 0;
}

size_t proc_child_read(struct proc_child *c, void *buf, size_t n, int64_t timeout_ns)
{
	/* Anonymous pipes have no timed read: peek, read what is there, nap. */
	HANDLE rd = (HANDLE)c->report;
	int64_t end = rf_os_now_ns() + timeout_ns;
	size_t got = 0;
	while (got < n) {
		DWORD avail = 0, k = 0;
		if (!PeekNamedPipe(rd, NULL, 0, NULL, &avail, NULL))
			break; /* the child closed its end */
		if (avail == 0) {
			if (rf_os_now_ns() > end)
				break;
			Sleep(1);
			continue;
		}
		DWORD want = (DWORD)(n - got < avail ? n - got : avail);
		if (!ReadFile(rd, (char *)buf + got, want, &k, NULL) || k == 0)
			break;
		got += k;
	}
	return got;
}

void proc_child_kill(struct proc_child *c, int sig)
{
	(void)sig; /* proc_supervise let only SIGKILL through */
	if (!c->os.reaped)
		TerminateProcess(c->os.handle, KILLED_CODE);
}

uint32_t proc_child_wait_all(struct proc_child *c, const long *pids, uint32_t npids,
			     int64_t deadline_ns, int64_t *gone_ns, long *orphans, uint32_t max)
{
	(void)pids; /* the job knows every process of the trial, reported or not */
	(void)npids;
	HANDLE job = c->job;
	for (;;) {
		if (!c->os.reaped && rf_os_child_wait(&c->os, 0))
			*gone_ns = rf_os_now_ns();
		if (c->os.reaped && rf_os_job_count(job) == 0) {
			*gone_ns = rf_os_now_ns();
			break;
		}
		if (rf_os_now_ns() > deadline_ns)
			break;
		Sleep(1);
	}
	if (!c->os.reaped) { /* ran past the deadline: it fails the check, but goes */
		c->overran = true;
		TerminateProcess(c->os.handle, KILLED_CODE);
		rf_os_child_wait(&c->os, 5000000000);
	}
	if (rf_os_job_count(job) == 0)
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
			if ((long)ids.list.ProcessIdList[i] != c->os.pid && n < max)
				orphans[n++] = (long)ids.list.ProcessIdList[i];
	}
	if (n == 0 && max > 0) /* the list is not available: count them at least */
		for (int i = 0, k = rf_os_job_count(job); i < k && n < max; i++)
			orphans[n++] = -1;
	TerminateJobObject(job, KILLED_CODE);
	for (int i = 0; i < 5000 && rf_os_job_count(job) > 0; i++)
		Sleep(1);
	return n;
}

bool proc_child_ended_by(const struct proc_child *c, int sig, char *how, size_t len)
{
	if (!c->os.reaped || c->overran) {
		snprintf(how, len, "still ran at the bound (killed)");
		return false;
	}
	snprintf(how, len, "exited with %d", c->os.status);
	return c->os.status == 128 + sig; /* killed (TerminateProcess) or a clean shutdown */
}

void proc_child_close(struct proc_child *c)
{
	if (c->os.handle && !c->os.reaped) {
		TerminateProcess(c->os.handle, KILLED_CODE);
		rf_os_child_wait(&c->os, 5000000000);
	}
	rf_os_child_close(&c->os);
	if (c->report)
		CloseHandle((HANDLE)c->report);
	c->report = 0;
	rf_os_job_close(c->job); /* the last: kill-on-close ends any straggler */
	c->job = NULL;
}

int proc_victim_fd(const char *channel)
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
