/* Sleeping on a participant's doorbell with a futex on the shared word.
 * FUTEX_WAIT/FUTEX_WAKE without FUTEX_PRIVATE_FLAG: the word lives in a
 * MAP_SHARED segment seen by several processes. */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int rf_os_park_init(struct rf_world *w)
{
	(void)w;
	return 0;
}

void rf_os_park_fini(struct rf_world *w)
{
	(void)w;
}

void rf_os_park(struct rf_world *w, uint32_t seen, int64_t timeout_ns)
{
	/* model: wait.pml inline park */
	struct timespec ts = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
	/* EAGAIN (the doorbell already moved), EINTR and ETIMEDOUT all just
	 * return: the caller re-checks everything. */
	syscall(SYS_futex, &w->part[w->self].doorbell, FUTEX_WAIT, seen, &ts, NULL, 0);
}

void rf_os_unpark(struct rf_world *w, uint32_t who)
{
	/* model: wait.pml inline ring_doorbell (FUTEX_WAKE) */
	syscall(SYS_futex, &w->part[who].doorbell, FUTEX_WAKE, 1, NULL, NULL, 0);
}
