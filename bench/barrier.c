/* barrier/...: rounds of rf_barrier, each participant timing its own call
 * (baseline/pthread_barrier does the same with the OS's barrier: pthread_*.c). */
#include "loops.h"

int bench_barrier(rf_world *w, uint64_t iters, enum rf_mode mode, uint32_t traffic,
		  int64_t *samples, struct bench_stats *own)
{
	uint64_t v = 0;
	for (uint64_t i = 0; i < iters; i++) {
		/* the fence's work: records it must see delivered or processed */
		for (uint32_t k = 0; k < traffic; k++) {
			v++;
			int rc = rf_send(w, RF_DEST_ALL, T_DATA, &v, sizeof v, BENCH_WAIT_NS);
			if (rc)
				return rc;
		}
		int64_t t0 = rf_os_now_ns();
		int rc = rf_barrier(w, mode, BENCH_WAIT_NS);
		int64_t dt = rf_os_now_ns() - t0;
		if (rc)
			return rc;
		if (samples)
			samples[i] = dt;
		own->wait_ns += (uint64_t)dt;
		own->rounds++;
	}
	return 0;
}
