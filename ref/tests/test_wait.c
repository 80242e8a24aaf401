/* The wait protocol (wait.c, wake.c; SPEC §4 "Waiting is hybrid"), alone,
 * below any barrier:
 *
 *   pingpong  P=2 take turns on a counter in the user area, N times each;
 *             a turn is waited for with rf_wait and handed over with rf_wake.
 *             With no spinning (params.spin = 0) every wait goes to sleep,
 *             and CTest sets the sleep slice to 60 s: one lost wake-up and
 *             the turn stalls until the 20 s deadline fails the test.
 *   abort     participant 1 sleeps on a condition that never holds, with no
 *             deadline; participant 0 aborts the world: the sleeper must
 *             return RF_EABORTED (only the abort's wake-up can release it).
 *   timeout   a condition that never holds: RF_ETIMEDOUT, never before the
 *             deadline; a condition already true returns at once, whatever
 *             the deadline; an error from the condition is returned as is.
 *   knobs     the world's spin setting beats RF_SPIN; RF_SPIN beats the
 *             default; a nonsense RF_PARK_SLICE_NS keeps the default slice,
 *             with one warning naming it.
 *   deathwake P=2, launched: participant 0 sleeps on a condition that never
 *             holds; worker 1 dies. Participant 0's own watcher thread sees the
 *             death: its abort must wake participant 0's sleeping thread (CTest
 *             sets a 60 s sleep slice, so the liveness check cannot do it
 *             before the 30 s deadline: taking 10 s or more fails).
 *   clamp     out-of-range knobs (CTest: RF_SPIN past INT32_MAX, a yield of
 *             100 s, a 1 ns slice) are clamped, each warned about once; a
 *             spin budget of INT32_MAX still ends a wait at its deadline.
 */
#include <string.h>

#include "../src/internal.h"
#include "testutil.h"

enum { PINGPONG_N = 20000 };

struct turn {
	_Atomic uint64_t *counter;
	uint64_t want;
};

static int my_turn(struct rf_world *w, void *arg)
{
	(void)w;
	const struct turn *t = arg;
	/* acquire: the previous holder's turn happened before ours */
	return atomic_load_explicit(t->counter, memory_order_acquire) >= t->want;
}

static void run_pingpong(rf_world *w)
{
	_Atomic uint64_t *counter = rf_world_user(w, NULL);
	uint32_t me = rf_world_rank(w), peer = 1 - me;
	CHECK(w->spin == 0, "spin %d: the world asked for none", w->spin);
	int64_t deadline = rf_os_deadline(20 * TU_SECOND);
	for (uint64_t i = 0; i < PINGPONG_N; i++) {
		/* turns 0, 2, 4, ... are participant 0's; 1, 3, 5, ... participant 1's */
		struct turn t = {counter, 2 * i + me};
		int rc = rf_wait(w, my_turn, &t, deadline);
		CHECK(rc == 0, "turn %llu of participant %u: %s (a lost wake-up?)",
		      (unsigned long long)t.want, me, rf_strerror(rc));
		/* release: our turn happened before the peer's */
		atomic_store_explicit(counter, t.want + 1, memory_order_release);
		rf_wake(w, peer);
	}
}

static int never(struct rf_world *w, void *arg)
{
	(void)w;
	(void)arg;
	return 0;
}

static int fails(struct rf_world *w, void *arg)
{
	(void)w;
	(void)arg;
	return RF_ECORRUPT;
}

static int always(struct rf_world *w, void *arg)
{
	(void)w;
	(void)arg;
	return 1;
}

static void run_abort(rf_world *w)
{
	if (rf_world_rank(w) == 1) {
		CHECK_RC(rf_wait(w, never, NULL, INT64_MAX), RF_EABORTED);
		return;
	}
	/* Long enough for participant 1 to be asleep, most of the time. */
	rf_os_sleep_ns(200 * TU_MS);
	CHECK_OK(rf_world_abort(w, RF_EABORTED));
}

/* A world of one live participant: enough for a wait on our own conditions. */
static rf_world *world_alone(int32_t spin)
{
	struct rf_world_params p;
	rf_world_params_default(&p);
	p.nprocs = 2;
	p.spin = spin;
	rf_world *w;
	CHECK_OK(rf_world_create(NULL, &p, &w));
	return w;
}

static void run_timeout(void)
{
	rf_world *w = world_alone(-1);
	int64_t start = rf_os_now_ns();
	CHECK_RC(rf_wait(w, never, NULL, start + 50 * TU_MS), RF_ETIMEDOUT);
	CHECK(rf_os_now_ns() - start >= 50 * TU_MS, "returned before its deadline");
	CHECK_OK(rf_wait(w, always, NULL, 0));
	CHECK_RC(rf_wait(w, fails, NULL, INT64_MAX), RF_ECORRUPT);
	CHECK_OK(rf_world_close(w));
}

/* Counts the warnings that name each knob. */
static int warned_spin, warned_yield, warned_slice;

static void count_warnings(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level != RF_LOG_WARN)
		return;
	warned_spin += strstr(msg, "RF_SPIN") != NULL;
	warned_yield += strstr(msg, "RF_YIELD_NS") != NULL;
	warned_slice += strstr(msg, "RF_PARK_SLICE_NS") != NULL;
}

static void run_knobs(void)
{
	/* CTest sets RF_SPIN=7 and RF_PARK_SLICE_NS=nonsense for this case. */
	rf_set_log(count_warnings, NULL);
	rf_world *w = world_alone(3);
	CHECK(w->spin == 3, "the world's spin 3 lost to RF_SPIN: %d", w->spin);
	CHECK(w->park_slice_ns == RF_PARK_SLICE_NS, "slice %lld", (long long)w->park_slice_ns);
	CHECK_OK(rf_world_close(w));
	w = world_alone(-1);
	CHECK(w->spin == 7, "RF_SPIN=7 ignored: %d", w->spin);
	CHECK_OK(rf_world_close(w));
	CHECK(warned_slice == 1 && warned_spin == 0, "warnings: slice %d (want 1), spin %d (want 0)",
	      warned_slice, warned_spin);
}

static void run_clamp(void)
{
	/* CTest: RF_SPIN=-2147483649 RF_YIELD_NS=100000000000 RF_PARK_SLICE_NS=1 */
	rf_set_log(count_warnings, NULL);
	rf_world *w = world_alone(-1);
	CHECK(w->spin == 0, "RF_SPIN=-2147483649 gave spin %d", w->spin);
	CHECK(w->yield_ns > 0 && w->yield_ns <= 10 * TU_MS, "a 100 s yield gave %lld ns",
	      (long long)w->yield_ns);
	CHECK(w->park_slice_ns >= 1000, "a 1 ns slice gave %lld ns", (long long)w->park_slice_ns);
	CHECK_OK(rf_world_close(w));
	w = world_alone(-1); /* the same knobs again: no second warning */
	CHECK_OK(rf_world_close(w));
	CHECK(warned_spin == 1 && warned_yield == 1 && warned_slice == 1,
	      "warnings spin %d, yield %d, slice %d (want one each)", warned_spin, warned_yield,
	      warned_slice);
	/* The world's own spin lives in shared memory: bounded as well. */
	w = world_alone(INT32_MAX);
	CHECK(w->spin <= 1000000, "params.spin INT32_MAX gave spin %d", w->spin);
	/* Even an unbounded budget (set behind the library's back) ends at the
	 * deadline: 2^31 pauses would take a minute or more. */
	w->spin = INT32_MAX;
	int64_t start = rf_os_now_ns();
	CHECK_RC(rf_wait(w, never, NULL, start + TU_MS), RF_ETIMEDOUT);
	CHECK(rf_os_now_ns() - start < 5000 * TU_MS, "a 1 ms wait with spin INT32_MAX took %lld ms",
	      (long long)((rf_os_now_ns() - start) / TU_MS));
	CHECK_OK(rf_world_close(w));
}

static void run_deathwake(rf_world *w)
{
	if (rf_world_rank(w) == 1) {
		/* Long enough for participant 0 to be asleep, most of the time. */
		rf_os_sleep_ns(200 * TU_MS);
		tu_die_killed();
	}
	int64_t start = rf_os_now_ns();
	CHECK_RC(rf_wait(w, never, NULL, start + 30 * TU_SECOND), RF_EPEERDEAD);
	/* Not a timing figure: a wait woken by the death ends within
	 * milliseconds, one that slept until its deadline takes 30 s. */
	CHECK(rf_os_now_ns() - start < 10 * TU_SECOND, "the death was seen only after %lld ms: nothing woke the sleeper",
	      (long long)((rf_os_now_ns() - start) / TU_MS));
}

int main(int argc, char **argv)
{
	CHECK(argc >= 2, "usage: %s pingpong|abort|deathwake|timeout|knobs|clamp", argv[0]);
	tu_log_to_stderr();
	const char *c = argv[1];
	if (strcmp(c, "timeout") == 0) {
		run_timeout();
		return 0;
	}
	if (strcmp(c, "knobs") == 0) {
		run_knobs();
		return 0;
	}
	if (strcmp(c, "clamp") == 0) {
		run_clamp();
		return 0;
	}
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = 2;
	o.params.spin = 0;
	o.params.user_bytes = 64;
	o.placement.policy = RF_PLACE_NONE;
	o.argv = argv;
	rf_world *w;
	CHECK_OK(rf_launch(&o, &w));
	if (strcmp(c, "pingpong") == 0)
		run_pingpong(w);
	else if (strcmp(c, "abort") == 0)
		run_abort(w);
	else if (strcmp(c, "deathwake") == 0) {
		run_deathwake(w);
		rf_world_close(w); /* RF_EPEERDEAD: the worker's death is the point */
		return 0;
	}
	else
		CHECK(0, "unknown case %s", c);
	return tu_finish(w);
}
