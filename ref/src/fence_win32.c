/* Asymmetric fences on Windows: none that reach other processes. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "internal.h"

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
