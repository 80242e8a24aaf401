/* baseline/pthread_barrier on Windows: absent. Windows has no barrier that
 * works across processes (SynchronizationBarrier is per process), and
 * winpthreads' pthread_barrier_t is a pointer to memory of the process that
 * initialised it, so PTHREAD_PROCESS_SHARED cannot be honoured. rf-bench
 * does not register the row (the context's baselines_absent says why) rather
 * than time a substitute under the same name. */
#include <stddef.h>

#include "loops.h"

/* The user area holds limit.c's lines only. */
struct shared {
	_Alignas(64) char limit[BENCH_LIMIT_BYTES];
};

uint32_t bench_user_bytes(void)
{
	return (uint32_t)sizeof(struct shared);
}

const char *bench_pthread_absent(void)
{
	return "Windows has no process-shared pthread barrier";
}

int bench_pthread_init(rf_world *w)
{
	(void)w;
	return RF_EINVAL;
}

void bench_pthread_destroy(rf_world *w)
{
	(void)w;
}

int bench_pthread(rf_world *w, uint64_t iters, struct bench_hist *hist, struct bench_stats *own)
{
	(void)w;
	(void)iters;
	(void)hist;
	(void)own;
	return RF_EINVAL;
}
