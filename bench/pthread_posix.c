/* baseline/pthread_barrier on POSIX: rounds of a process-shared
 * pthread_barrier_wait, each participant timing its own call, as barrier.c
 * times rf_barrier. */
#include <pthread.h>

#include "loops.h"

const char *bench_pthread_absent(void)
{
	return NULL;
}

/* The pthread barrier lives after limit.c's lines. */
struct shared {
	_Alignas(64) char limit[BENCH_LIMIT_BYTES];
	_Alignas(64) pthread_barrier_t pb;
};

uint32_t bench_user_bytes(void)
{
	return (uint32_t)sizeof(struct shared);
}

static pthread_barrier_t *user_barrier(rf_world *w)
{
	size_t n = 0;
	struct shared *s = rf_world_user(w, &n);
	return s && n >= sizeof *s ? &s->pb : NULL;
}

int bench_pthread_init(rf_world *w)
{
	pthread_barrier_t *pb = user_barrier(w);
	pthread_barrierattr_t a;
	if (!pb || pthread_barrierattr_init(&a))
		return RF_EINVAL;
	int e = pthread_barrierattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (e == 0)
		e = pthread_barrier_init(pb, &a, rf_world_size(w));
	pthread_barrierattr_destroy(&a);
	return e ? RF_ESYS : 0;
}

void bench_pthread_destroy(rf_world *w)
{
	pthread_barrier_t *pb = user_barrier(w);
	if (pb)
		pthread_barrier_destroy(pb);
}

int bench_pthread(rf_world *w, uint64_t iters, struct bench_hist *hist, struct bench_stats *own)
{
	pthread_barrier_t *pb = user_barrier(w);
	if (!pb)
		return RF_EINVAL;
	for (uint64_t i = 0; i < iters; i++) {
		int64_t t0 = rf_os_now_ns();
		int e = pthread_barrier_wait(pb);
		int64_t dt = rf_os_now_ns() - t0;
		if (e != 0 && e != PTHREAD_BARRIER_SERIAL_THREAD)
			return RF_ESYS;
		if (hist)
			bench_hist_record(hist, dt);
		own->wait_ns += (uint64_t)dt;
		own->rounds++;
	}
	return 0;
}
