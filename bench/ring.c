/* ring/pingpong and ring/throughput: the library's rings, by rf_send (or
 * rf_send_many, batched throughput) and rf_poll only. */
#include "loops.h"

static unsigned char payload[BENCH_MAX_SIZE];

static int poll_world(void *w)
{
	return rf_poll(w);
}

/* Polls until `target` data records of this batch have arrived. */
static int poll_until(rf_world *w, uint64_t target)
{
	return bench_poll_until(poll_world, w, &bench_rx.data, target);
}

int bench_pingpong(rf_world *w, uint64_t iters, uint32_t size, struct bench_hist *hist)
{
	uint32_t me = rf_world_rank(w);
	if (me > 1)
		return 0;
	for (uint64_t i = 0; i < iters; i++) {
		int rc;
		if (me == 0) {
			int64_t t0 = rf_os_now_ns();
			rc = rf_send(w, 1, T_DATA, payload, size, BENCH_WAIT_NS);
			if (rc == 0)
				rc = poll_until(w, i + 1);
			bench_hist_record(hist, rf_os_now_ns() - t0);
		} else {
			rc = poll_until(w, i + 1);
			if (rc == 0)
				rc = rf_send(w, 0, T_DATA, payload, size, BENCH_WAIT_NS);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Writes `iters` records in bursts of `batch`; a full ring back-pressures
 * mid-burst, and a burst cut short by the wait goes on from where it stopped. */
static int send_bursts(rf_world *w, uint64_t iters, uint32_t size, uint32_t batch)
{
	struct rf_message m[BENCH_MAX_BATCH];
	batch = batch < BENCH_MAX_BATCH ? batch : BENCH_MAX_BATCH;
	for (uint32_t j = 0; j < batch; j++)
		m[j] = (struct rf_message){RF_DEST_ALL, T_DATA, size, payload};
	for (uint64_t i = 0; i < iters;) {
		uint32_t k = iters - i < batch ? (uint32_t)(iters - i) : batch;
		int n = rf_send_many(w, m, k, BENCH_WAIT_NS);
		if (n < 0)
			return n;
		i += (uint64_t)n;
	}
	return 0;
}

int bench_throughput(rf_world *w, uint64_t iters, uint32_t size, uint32_t batch,
		     int64_t *elapsed_ns)
{
	int rc = 0;
	int64_t t0 = rf_os_now_ns();
	if (rf_world_rank(w) == 0 && batch > 0) {
		rc = send_bursts(w, iters, size, batch);
	} else if (rf_world_rank(w) == 0) {
		/* a full ring back-pressures: rf_send waits for the slowest reader */
		for (uint64_t i = 0; i < iters && rc == 0; i++)
			rc = rf_send(w, RF_DEST_ALL, T_DATA, payload, size, BENCH_WAIT_NS);
	} else {
		rc = poll_until(w, iters);
	}
	/* every reader has taken every record off the ring */
	if (rc == 0)
		rc = rf_barrier(w, RF_DELIVERY_FENCE, BENCH_WAIT_NS);
	if (elapsed_ns)
		*elapsed_ns = rf_os_now_ns() - t0;
	return rc;
}
