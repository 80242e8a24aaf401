/* barrier/impl:... and ring/pingpong/impl:...: the loops of barrier.c and
 * ring.c over an implementation under test, through its driver table only
 * (ringfence/driver.h), so that they measure what the reference rows do. */
#include <stdbool.h>

#include "loops.h"

struct bench_impl bench_impl = {NULL, NULL, ""};

static unsigned char payload[BENCH_MAX_SIZE];

int bench_impl_open(uint32_t rank, uint32_t size, const char *run_name)
{
	if (!bench_impl.drv)
		return RF_EINVAL;
	if (bench_impl.conn)
		return RF_EBUSY;
	struct rf_driver_env env = {0};
	env.abi_version = RF_DRIVER_ABI_VERSION;
	env.rank = rank;
	env.size = size;
	env.run_name = run_name;
	env.max_record = BENCH_MAX_SIZE;
	env.capacity = 0;
	env.timeout_ns = BENCH_WAIT_NS;
	env.params = bench_impl.params ? bench_impl.params : "";
	env.handler = bench_handler;
	env.handler_ctx = NULL;
	env.launched = NULL; /* the launched world is the suite's control plane */
	int rc = bench_impl.drv->open(&env, &bench_impl.conn);
	if (rc)
		bench_impl.conn = NULL;
	return rc;
}

int bench_impl_close(bool abort)
{
	rf_driver_conn *c = bench_impl.conn;
	if (!c)
		return 0;
	bench_impl.conn = NULL;
	if (abort && bench_impl.drv->abort)
		bench_impl.drv->abort(c, RF_EABORTED);
	return bench_impl.drv->close(c);
}

int bench_impl_barrier(uint64_t iters, enum rf_mode mode, uint32_t traffic, struct bench_hist *hist,
		       struct bench_stats *own)
{
	const struct rf_driver *d = bench_impl.drv;
	rf_driver_conn *c = bench_impl.conn;
	if (!c)
		return RF_EINVAL;
	uint64_t v = 0;
	for (uint64_t i = 0; i < iters; i++) {
		for (uint32_t k = 0; k < traffic; k++) {
			v++;
			int rc = d->send(c, RF_DEST_ALL, T_DATA, &v, sizeof v, BENCH_WAIT_NS);
			if (rc)
				return rc;
		}
		int64_t t0 = rf_os_now_ns();
		int rc = d->barrier(c, mode, BENCH_WAIT_NS);
		int64_t dt = rf_os_now_ns() - t0;
		if (rc)
			return rc;
		if (hist)
			bench_hist_record(hist, dt);
		own->wait_ns += (uint64_t)dt;
		own->rounds++;
	}
	return 0;
}

static int poll_impl(void *c)
{
	return bench_impl.drv->poll(c);
}

int bench_impl_pingpong(uint32_t rank, uint64_t iters, uint32_t size, struct bench_hist *hist)
{
	const struct rf_driver *d = bench_impl.drv;
	rf_driver_conn *c = bench_impl.conn;
	if (!c)
		return RF_EINVAL;
	if (rank > 1)
		return 0;
	/* echo counts on across batches: answers are counted from here */
	const uint64_t base = bench_rx.echo;
	for (uint64_t i = 0; i < iters; i++) {
		int rc;
		if (rank == 0) {
			int64_t t0 = rf_os_now_ns();
			rc = d->send(c, 1, T_ECHO, payload, size, BENCH_WAIT_NS);
			if (rc == 0)
				rc = bench_poll_until(poll_impl, c, &bench_rx.echo, base + i + 1);
			bench_hist_record(hist, rf_os_now_ns() - t0);
		} else {
			rc = bench_poll_until(poll_impl, c, &bench_rx.echo, base + i + 1);
			if (rc == 0)
				rc = d->send(c, 0, T_ECHO, payload, size, BENCH_WAIT_NS);
		}
		if (rc)
			return rc;
	}
	return 0;
}
