/* The one record handler of rf-bench's worlds, and what the OS says of the
 * resolution of the clock every loop reads (rf_os_now_ns). */
#include <string.h>
#include <time.h>

#include "loops.h"

struct bench_rx bench_rx;

int64_t bench_clock_res_ns(void)
{
	/* rf_os_now_ns reads CLOCK_MONOTONIC on POSIX and the performance
	 * counter on Windows, which winpthreads' CLOCK_MONOTONIC also reads */
	struct timespec ts;
	if (clock_getres(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void bench_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	switch (rec->type) {
	case T_DATA:
		/* Copied out, as a real consumer would: bytes/s then means bytes
		 * that reached the reader, not only headers that went past. */
		memcpy(bench_rx.buf, rec->payload, rec->len <= BENCH_MAX_SIZE ? rec->len : 0);
		bench_rx.data++;
		break;
	case T_ECHO:
		memcpy(bench_rx.buf, rec->payload, rec->len <= BENCH_MAX_SIZE ? rec->len : 0);
		bench_rx.echo++;
		break;
	case T_CMD:
		if (rec->len == sizeof bench_rx.cmd) {
			memcpy(&bench_rx.cmd, rec->payload, sizeof bench_rx.cmd);
			bench_rx.cmds++;
		}
		break;
	case T_STATS:
		if (rec->len == sizeof(struct bench_stats) && rec->sender < bench_rx.nstats)
			memcpy(&bench_rx.stats[rec->sender], rec->payload, rec->len);
		break;
	}
}
