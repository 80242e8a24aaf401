/* The support library's platform-free part: what follows from the
 * per-platform functions (os_posix.c, os_win32.c) alone. */
#include <stdatomic.h>
#include <stdio.h>

#include "rf_os.h"

uint64_t rf_os_random64(void)
{
	static _Atomic uint64_t counter;
	/* relaxed: only uniqueness within the process matters */
	uint64_t x = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
	x ^= (uint64_t)rf_os_now_ns() * 0x9E3779B97F4A7C15ull;
	x ^= (uint64_t)rf_os_pid() << 32;
	return rf_os_splitmix64(&x);
}

long rf_os_segment_creator(const char *name)
{
	long pid = 0;
	if (!name || sscanf(name, "/" RF_OS_SEGMENT_PREFIX "%ld-", &pid) != 1 || pid <= 0)
		return 0;
	return pid;
}
