/* The tests' platform seam on Windows: what only a test asks of the OS and
 * rf_os.h does not offer — CPU affinity, raw segment mappings.
 * SIGTERM, SIGCHLD and zombies do not exist here. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <string.h>

#include "testutil.h"

/* mingw's C99 printf writes an unbuffered stream one character at a time,
 * so the lines of several processes interleave by characters (and the
 * runtime has no line buffering: _IOLBF is _IOFBF). Buffered whole, a
 * process's output comes out in one piece, at exit or fflush. */
void tu_whole_lines(FILE *f)
{
	setvbuf(f, NULL, _IOFBF, 1 << 16);
}

bool tu_process_exists(long pid)
{
	/* No zombies: a process that ended is gone, as rf_os_pid_alive says. */
	return rf_os_pid_alive(pid);
}

/* ---- CPU affinity ------------------------------------------------------------------ */

/* Processor group 0 only, like the library's binding. */
int tu_affinity_get(struct tu_cpuset *s)
{
	DWORD_PTR mine, sys;
	memset(s, 0, sizeof *s);
	if (!GetProcessAffinityMask(GetCurrentProcess(), &mine, &sys))
		return -1;
	s->bits[0] = mine;
	return 0;
}

int tu_affinity_set(const struct tu_cpuset *s)
{
	return SetProcessAffinityMask(GetCurrentProcess(), (DWORD_PTR)s->bits[0]) ? 0 : -1;
}

int tu_current_cpu(void)
{
	return (int)GetCurrentProcessorNumber();
}

/* ---- segments ---------------------------------------------------------------------- */

/* A named file mapping goes with its last handle: a killed creator leaves
 * nothing, so there is nothing to sweep or unlink at exit. */
const bool tu_names_outlive_creators = false;

static int win_name(const char *name, wchar_t *out, size_t len)
{
	int k = _snwprintf(out, len, L"Local\\%hs", name[0] == '/' ? name + 1 : name);
	return k > 0 && (size_t)k < len ? 0 : -1;
}

int tu_segment_exists(const char *name)
{
	wchar_t w[128];
	if (win_name(name, w, 128) != 0)
		return 0;
	HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, w);
	if (h)
		CloseHandle(h);
	return h != NULL;
}

/* Maps a view of section h into m; takes over h (closed on failure). */
static int map_view(HANDLE h, size_t len, struct tu_map *m)
{
	m->addr = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, len);
	if (!m->addr) {
		CloseHandle(h);
		return -1;
	}
	m->len = len;
	m->os = h;
	return 0;
}

int tu_segment_map(const char *name, size_t len, struct tu_map *m)
{
	wchar_t w[128];
	memset(m, 0, sizeof *m);
	if (win_name(name, w, 128) != 0)
		return -1;
	HANDLE h = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, w);
	return h ? map_view(h, len, m) : -1;
}

int tu_segment_create(const char *name, size_t len, struct tu_map *m)
{
	wchar_t w[128];
	memset(m, 0, sizeof *m);
	if (win_name(name, w, 128) != 0)
		return -1;
	HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)len, w);
	if (!h || GetLastError() == ERROR_ALREADY_EXISTS) {
		if (h)
			CloseHandle(h);
		return -1;
	}
	return map_view(h, len, m);
}

void tu_segment_unmap(struct tu_map *m)
{
	if (m->addr)
		UnmapViewOfFile(m->addr);
	if (m->os)
		CloseHandle(m->os);
	memset(m, 0, sizeof *m);
}

/* ---- signals and descendants ----------------------------------------------------------- */

int tu_sigterm(long pid)
{
	(void)pid; /* TerminateProcess is the SIGKILL: there is no polite request */
	return -1;
}

int tu_freeze(long pid, bool frozen)
{
	(void)pid, (void)frozen; /* only the undocumented NtSuspendProcess would do */
	return -1;
}

int tu_children_autoreaped(void)
{
	return -1; /* nothing is ever left to reap */
}

int tu_orphans_adopt(void)
{
	return 0; /* the processes a child starts are in its job, nested in ours */
}

int tu_descendants_left(void *job)
{
	/* Asked here rather than through rf_os_job_count, which says 0 when it
	 * cannot tell: a failed query must not pass for an empty job. */
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
	if (!job || !QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &info,
					       sizeof info, NULL))
		return -1;
	return (int)info.ActiveProcesses;
}

void tu_die_killed(void)
{
	TerminateProcess(GetCurrentProcess(), 9);
	ExitProcess(9); /* not reached */
}
