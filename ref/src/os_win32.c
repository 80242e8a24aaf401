/* Clock, process and CPU queries on Windows. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "internal.h"

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

long rf_os_pid(void)
{
	return (long)GetCurrentProcessId();
}

bool rf_os_pid_alive(long pid)
{
	if (pid <= 0)
		return false;
	/* Only a certain answer counts as death: a false "dead" aborts a healthy
	 * world, a false "alive" only delays detection to the next check (and
	 * participant 0's watcher sees worker exits anyway). Under load, wine
	 * was seen to fail OpenProcess for live processes. */
	HANDLE h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
	if (!h)
		return GetLastError() != ERROR_INVALID_PARAMETER; /* that one: no such pid */
	/* An exited process whose handle someone still holds opens fine: it is
	 * dead once its handle is signalled. */
	bool dead = WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
	CloseHandle(h);
	return !dead;
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

void rf_os_yield(void)
{
	SwitchToThread();
}

uint64_t rf_os_random64(void)
{
	static _Atomic uint64_t counter;
	/* relaxed: only uniqueness within the process matters */
	uint64_t x = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
	x ^= (uint64_t)rf_os_now_ns() * 0x9E3779B97F4A7C15ull;
	x ^= (uint64_t)GetCurrentProcessId() << 32;
	/* splitmix64 finaliser: spreads the mixed bits over all 64 */
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

const char *rf_os_self_exe(void)
{
	/* UTF-8, as every path the library passes around; spawn_win32.c turns it
	 * back into UTF-16. Computed once: the module path does not change. */
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

bool rf_os_fence_register(void)
{
	/* FlushProcessWriteBuffers reaches this process only: wakers keep
	 * their full fence. */
	return false;
}

void rf_os_heavy_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}
