#include "testutil.h"

#include <string.h>

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#endif

/* ---- time, processes ------------------------------------------------------- */

#ifdef _WIN32
int64_t tu_now_ns(void)
{
	LARGE_INTEGER f, c;
	QueryPerformanceFrequency(&f);
	QueryPerformanceCounter(&c);
	return c.QuadPart / f.QuadPart * 1000000000 + c.QuadPart % f.QuadPart * 1000000000 / f.QuadPart;
}

void tu_sleep_ms(int64_t ms)
{
	/* Sleep may return up to a tick early; the callers rely on "at least". */
	int64_t end = tu_now_ns() + ms * 1000000;
	for (int64_t left = ms; left > 0; left = (end - tu_now_ns() + 999999) / 1000000)
		Sleep((DWORD)left);
}

void tu_sleep_forever(void)
{
	for (;;)
		Sleep(INFINITE);
}

long tu_pid(void)
{
	return (long)GetCurrentProcessId();
}

int tu_pid_exists(long pid)
{
	HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
	if (!h)
		return GetLastError() == ERROR_ACCESS_DENIED;
	int running = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
	CloseHandle(h);
	return running;
}

/* mingw's C99 printf writes an unbuffered stream one character at a time,
 * so the lines of several processes interleave by characters (and the
 * runtime has no line buffering: _IOLBF is _IOFBF). Buffered whole, a
 * process's output comes out in one piece, at exit or fflush. */
static void buffer_whole(FILE *f)
{
	setvbuf(f, NULL, _IOFBF, 1 << 16);
}

void tu_stdout_lines(void)
{
	buffer_whole(stdout);
}
#else
int64_t tu_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void tu_sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void tu_sleep_forever(void)
{
	for (;;)
		pause();
}

long tu_pid(void)
{
	return (long)getpid();
}

int tu_pid_exists(long pid)
{
	return kill((pid_t)pid, 0) == 0;
}

void tu_stdout_lines(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}
#endif

/* ---- CPU sets ------------------------------------------------------------------ */

int tu_cpuset_count(const struct tu_cpuset *s)
{
	int n = 0;
	for (int i = 0; i < TU_MAX_CPUS; i++)
		n += tu_cpuset_has(s, i);
	return n;
}

int tu_cpuset_has(const struct tu_cpuset *s, int cpu)
{
	return cpu >= 0 && cpu < TU_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64) & 1);
}

int tu_cpuset_equal(const struct tu_cpuset *a, const struct tu_cpuset *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

#ifdef _WIN32
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
#else
int tu_affinity_get(struct tu_cpuset *s)
{
	cpu_set_t set;
	memset(s, 0, sizeof *s);
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return -1;
	for (int i = 0; i < TU_MAX_CPUS && i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			s->bits[i / 64] |= 1ull << (i % 64);
	return 0;
}

int tu_affinity_set(const struct tu_cpuset *s)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int i = 0; i < TU_MAX_CPUS && i < CPU_SETSIZE; i++)
		if (tu_cpuset_has(s, i))
			CPU_SET(i, &set);
	return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -1;
}

int tu_current_cpu(void)
{
	return sched_getcpu();
}
#endif

/* ---- logging ------------------------------------------------------------------- */

static void log_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	static const char *names[] = {"error", "warn", "info", "debug"};
	fprintf(stderr, "[rf %ld %s] %s\n", tu_pid(), names[level & 3], msg);
	fflush(stderr);
}

void tu_log_to_stderr(void)
{
#ifdef _WIN32
	buffer_whole(stderr); /* CHECK's message then comes out whole at its exit */
#endif
	rf_set_log(log_stderr, NULL);
}

/* ---- segments ------------------------------------------------------------------ */

#ifdef _WIN32
static int win_name(const char *name, wchar_t *out, size_t len)
{
	int k = _snwprintf(out, len, L"Local\\%hs", name[0] == '/' ? name + 1 : name);
	return k > 0 && (size_t)k < len ? 0 : -1;
}

/* Names vanish with their last handle: a failed test leaves nothing behind,
 * so there is nothing to unlink at exit. */
void tu_unlink_at_exit(const char *name)
{
	(void)name;
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
#else
static char tracked[8][RF_NAME_MAX];
static int ntracked;
static pid_t tracker;

static void unlink_tracked(void)
{
	/* Forked children inherit atexit handlers: only the registrant unlinks. */
	if (getpid() != tracker)
		return;
	for (int i = 0; i < ntracked; i++)
		shm_unlink(tracked[i]); /* ENOENT after a clean close: fine */
}

void tu_unlink_at_exit(const char *name)
{
	if (ntracked == 0) {
		tracker = getpid();
		atexit(unlink_tracked);
	}
	if (ntracked < 8)
		snprintf(tracked[ntracked++], RF_NAME_MAX, "%s", name);
}

int tu_segment_exists(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "/dev/shm/%s", name[0] == '/' ? name + 1 : name);
	return access(path, F_OK) == 0;
}

static int map_fd(int fd, size_t len, struct tu_map *m)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -1;
	}
	m->addr = p;
	m->len = len;
	m->os = (void *)(intptr_t)fd;
	return 0;
}

int tu_segment_map(const char *name, size_t len, struct tu_map *m)
{
	memset(m, 0, sizeof *m);
	int fd = shm_open(name, O_RDWR, 0);
	return fd < 0 ? -1 : map_fd(fd, len, m);
}

int tu_segment_create(const char *name, size_t len, struct tu_map *m)
{
	memset(m, 0, sizeof *m);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)len) != 0) {
		close(fd);
		shm_unlink(name);
		return -1;
	}
	return map_fd(fd, len, m);
}

void tu_segment_unmap(struct tu_map *m)
{
	if (m->addr)
		munmap(m->addr, m->len);
	if (m->addr)
		close((int)(intptr_t)m->os);
	memset(m, 0, sizeof *m);
}
#endif

/* ---- child processes (Windows) ------------------------------------------------- */

#ifdef _WIN32
int tu_spawn_self(char *const *args, void *job, struct tu_child *c)
{
	wchar_t exe[MAX_PATH * 2], cmd[8192];
	memset(c, 0, sizeof *c);
	DWORD n = GetModuleFileNameW(NULL, exe, MAX_PATH * 2);
	if (n == 0 || n >= MAX_PATH * 2)
		return -1;
	/* Test arguments are plain words: quoting only the program is enough. */
	int k = _snwprintf(cmd, 8192, L"\"%ls\"", exe);
	for (size_t i = 0; args[i] && k > 0 && k < 8000; i++)
		k += _snwprintf(cmd + k, 8192 - (size_t)k, L" %hs", args[i]);
	if (k <= 0 || k >= 8000)
		return -1;
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	HANDLE rd, wr;
	if (!CreatePipe(&rd, &wr, &sa, 0))
		return -1;
	SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
	STARTUPINFOW si;
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
	si.hStdOutput = wr;
	si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
	PROCESS_INFORMATION pi;
	BOOL ok = CreateProcessW(exe, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi);
	CloseHandle(wr);
	if (!ok) {
		CloseHandle(rd);
		return -1;
	}
	if (job && !AssignProcessToJobObject(job, pi.hProcess)) {
		TerminateProcess(pi.hProcess, 1);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		CloseHandle(rd);
		return -1;
	}
	ResumeThread(pi.hThread);
	CloseHandle(pi.hThread);
	c->proc = pi.hProcess;
	c->out = rd;
	c->pid = (long)pi.dwProcessId;
	return 0;
}

int tu_report(const void *buf, size_t n)
{
	DWORD done;
	HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);
	return WriteFile(h, buf, (DWORD)n, &done, NULL) && done == n ? 0 : -1;
}

int tu_child_read(struct tu_child *c, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		DWORD got = 0;
		if (!ReadFile(c->out, p, (DWORD)n, &got, NULL) || got == 0)
			return -1;
		p += got;
		n -= got;
	}
	return 0;
}

long tu_child_wait(struct tu_child *c, int64_t ms)
{
	DWORD code;
	if (WaitForSingleObject(c->proc, (DWORD)ms) != WAIT_OBJECT_0 ||
	    !GetExitCodeProcess(c->proc, &code))
		return -1;
	return (long)code;
}

void tu_child_kill(struct tu_child *c)
{
	TerminateProcess(c->proc, 9);
}

void tu_child_close(struct tu_child *c)
{
	if (c->proc)
		CloseHandle(c->proc);
	if (c->out)
		CloseHandle(c->out);
	memset(c, 0, sizeof *c);
}

void *tu_job_create(void)
{
	HANDLE job = CreateJobObjectW(NULL, NULL);
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
	memset(&lim, 0, sizeof lim);
	lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	if (job && !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim,
					    sizeof lim)) {
		CloseHandle(job);
		job = NULL;
	}
	return job;
}

int tu_job_count(void *job)
{
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
	if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &info,
				       sizeof info, NULL))
		return -1;
	return (int)info.ActiveProcesses;
}
#endif

/* ---- worlds -------------------------------------------------------------------- */

enum rf_transport tu_transport = RF_TRANSPORT_SHM;

enum rf_transport tu_parse_transport(const char *s)
{
	if (strcmp(s, "shm") == 0)
		return RF_TRANSPORT_SHM;
	if (strcmp(s, "coordinator") == 0)
		return RF_TRANSPORT_COORDINATOR;
	fprintf(stderr, "unknown transport %s (shm|coordinator)\n", s);
	exit(2);
}

rf_world *tu_launch(char **argv, uint32_t nprocs, uint32_t capacity, uint32_t max_record)
{
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = nprocs;
	o.params.transport = tu_transport;
	o.params.user_bytes = nprocs * 64; /* one line per participant for the tests' own notes */
	if (capacity)
		o.params.ring_capacity = capacity;
	if (max_record)
		o.params.max_record = max_record;
	o.argv = argv;
	/* compact pinning oversubscribes on small machines: fine, and tested */
	rf_world *w = NULL;
	CHECK_OK(rf_launch(&o, &w));
	CHECK(rf_world_size(w) == nprocs, "size %u", rf_world_size(w));
	return w;
}

int tu_finish(rf_world *w)
{
	uint32_t rank = rf_world_rank(w);
	char name[RF_NAME_MAX];
	snprintf(name, sizeof name, "%s", rf_world_name(w));
	int rc = rf_world_close(w);
	if (rank == 0) {
		CHECK(rc == 0, "close: a worker failed: %s", rf_strerror(rc));
		CHECK(!tu_segment_exists(name), "segment %s left behind", name);
	}
	return rc == 0 ? 0 : 1;
}
