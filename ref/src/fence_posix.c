/* Asymmetric fences on Linux (membarrier), as liburcu uses them: the wait
 * protocol's sleeper pays so that its wakers need no full fence (wait.c). */
#include <sys/syscall.h>
#ifdef __linux__
#include <linux/membarrier.h>
#endif
#include <unistd.h>

#include "internal.h"

bool rf_os_fence_register(void)
{
#if defined(__linux__) && defined(SYS_membarrier)
	static int registered; /* 1 yes, -1 no; racing callers agree */
	if (registered == 0) {
		long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
		registered = cmds > 0 && (cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) &&
					     syscall(SYS_membarrier,
						     MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0
				     ? 1
				     : -1;
	}
	return registered == 1;
#else
	return false;
#endif
}

void rf_os_heavy_fence(void)
{
	/* model: wait.pml inline heavy_fence */
	atomic_thread_fence(memory_order_seq_cst);
#if defined(__linux__) && defined(SYS_membarrier)
	/* Covers only registered processes: a waker that is not registered
	 * uses a full fence of its own (see rf_os_fence_register). */
	syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
#endif
}
