/* barrier/...: rounds of rf_barrier, each participant timing its own call
 * (baseline/pthread_barrier does the same with the OS's barrier: pthread_*.c). */
#include "loops.h"

#include <stdlib.h>

uint32_t bench_test_delay_pct(void)
{
	static int pct = -1;
	if (pct < 0) {
		const char *v = getenv("RF_BENCH_TEST_DELAY_PCT");
		char *end = NULL;
		long x = v && *v ? strtol(v, &end, 10) : 0;
		pct = v && *v && (*end || x < 0 || x > 100) ? 0 : (int)x; /* rf-bench refuses it first */
	}
	return (uint32_t)pct;
}

int bench_barrier(rf_world *w, uint64_t iters, enum rf_mode mode, uint32_t traffic,
		  struct bench_hist *hist, struct bench_stats *own)
{
	uint64_t v = 0;
	const int64_t stretch = hist ? (int64_t)bench_test_delay_pct() : 0;
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
		if (stretch)
			dt += (dt * stretch + 50) / 100;
		if (hist)
			bench_hist_record(hist, dt);
		own->wait_ns += (uint64_t)dt;
		own->rounds++;
	}
	return 0;
}
