/* The physical limits of this run, measured between participants 0 and 1,
 * pinned where the ring and barrier benchmarks run, through lines of the
 * world's user area and without any library call:
 *
 *   limit/cacheline_rtt  one cache line goes back and forth: nothing that
 *                        communicates through shared memory between these
 *                        two PUs can beat this round trip;
 *   limit/stream         cache lines stream one way, one 64-byte line per
 *                        record: no one-writer ring between these two PUs
 *                        can move more records per second.
 *   limit/matrix/pu:A/pu:B  the round trip of limit/cacheline_rtt with
 *                        participants 0 and 1 moved to PUs A and B for the
 *                        batch: the core-to-core map, which shows SMT
 *                        siblings, shared caches and sockets apart.
 *
 * The spins are plain load loops without a pause instruction, so the figures
 * are the hardware's, not a back-off policy's. */
#include <sched.h>
#include <stdatomic.h>

#include "loops.h"

struct line {
	_Alignas(64) _Atomic uint64_t v;
};

/* One record of limit/stream: a whole cache line, stamped last. */
struct stream_line {
	_Alignas(64) _Atomic uint64_t seq; /* record number + 1; 0 = never written */
	uint64_t data[7];
};

/* limit.c's part of the user area (BENCH_LIMIT_BYTES, at its start). */
struct limit_area {
	struct line rtt;
	struct line pos; /* limit/stream: records the reader has read */
	struct stream_line ring[BENCH_STREAM_LINES];
};

_Static_assert(sizeof(struct limit_area) == BENCH_LIMIT_BYTES, "BENCH_LIMIT_BYTES");

static struct limit_area *area(rf_world *w)
{
	size_t n = 0;
	void *u = rf_world_user(w, &n);
	return u && n >= sizeof(struct limit_area) ? u : NULL;
}

void bench_cacheline_reset(rf_world *w)
{
	struct limit_area *a = area(w);
	/* relaxed: the command record sent after this is the release that
	 * publishes it (rf_send publishes with release, rf_poll acquires) */
	if (a)
		atomic_store_explicit(&a->rtt.v, 0, memory_order_relaxed);
}

/* Called every 4096 spins of a wait: the bound of BENCH_WAIT_NS, the world's
 * abort, and a yield for a peer sharing our PU (oversubscribed, unpinned).
 * Rare enough that the check does not dominate what is measured. */
static int spin_check(rf_world *w, int64_t *deadline)
{
	int64_t now = rf_os_now_ns();
	if (!*deadline)
		*deadline = now + BENCH_WAIT_NS;
	if (now > *deadline)
		return RF_ETIMEDOUT;
	int ab = rf_world_aborted(w);
	if (ab)
		return ab;
	sched_yield();
	return 0;
}

/* Spins until the line holds `want`. */
static int await(rf_world *w, _Atomic uint64_t *v, uint64_t want)
{
	int64_t deadline = 0;
	for (uint32_t spins = 1;; spins++) {
		/* acquire: pairs with the peer's release store of the value */
		if (atomic_load_explicit(v, memory_order_acquire) == want)
			return 0;
		if (spins % 4096 == 0) {
			int rc = spin_check(w, &deadline);
			if (rc)
				return rc;
		}
	}
}

int bench_cacheline(rf_world *w, uint64_t iters, struct bench_hist *hist)
{
	struct limit_area *a = area(w);
	uint32_t me = rf_world_rank(w);
	if (!a)
		return RF_EINVAL;
	if (me > 1)
		return 0;
	for (uint64_t i = 0; i < iters; i++) {
		int rc;
		if (me == 0) {
			int64_t t0 = rf_os_now_ns();
			atomic_store_explicit(&a->rtt.v, 2 * i + 1, memory_order_release);
			rc = await(w, &a->rtt.v, 2 * i + 2);
			bench_hist_record(hist, rf_os_now_ns() - t0);
		} else {
			rc = await(w, &a->rtt.v, 2 * i + 1);
			atomic_store_explicit(&a->rtt.v, 2 * i + 2, memory_order_release);
		}
		if (rc)
			return rc;
	}
	return 0;
}

void bench_stream_reset(rf_world *w)
{
	struct limit_area *a = area(w);
	if (!a)
		return;
	/* relaxed, published by the command record as above */
	atomic_store_explicit(&a->pos.v, 0, memory_order_relaxed);
	for (uint32_t j = 0; j < BENCH_STREAM_LINES; j++)
		atomic_store_explicit(&a->ring[j].seq, 0, memory_order_relaxed);
}

/* The writer: record i goes to line i % N once the reader has read record
 * i - N, which its published position tells (a stale copy is kept, and the
 * shared one read only when the copy says the ring is full). */
static int stream_write(rf_world *w, struct limit_area *a, uint64_t iters)
{
	uint64_t read = 0; /* the reader's position as last seen */
	int64_t deadline = 0;
	for (uint64_t i = 0; i < iters; i++) {
		for (uint32_t spins = 1; i - read >= BENCH_STREAM_LINES; spins++) {
			/* acquire: the reader is done with the lines below it */
			read = atomic_load_explicit(&a->pos.v, memory_order_acquire);
			if (spins % 4096 == 0) {
				int rc = spin_check(w, &deadline);
				if (rc)
					return rc;
			}
		}
		deadline = 0;
		struct stream_line *l = &a->ring[i % BENCH_STREAM_LINES];
		for (int k = 0; k < 7; k++)
			l->data[k] = i + (uint64_t)k;
		/* release: the line's data before its stamp */
		atomic_store_explicit(&l->seq, i + 1, memory_order_release);
	}
	/* the batch ends when the reader has read the last line */
	return await(w, &a->pos.v, iters);
}

static int stream_read(rf_world *w, struct limit_area *a, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		struct stream_line *l = &a->ring[i % BENCH_STREAM_LINES];
		int64_t deadline = 0;
		/* acquire: pairs with the writer's release of the stamp */
		for (uint32_t spins = 1; atomic_load_explicit(&l->seq, memory_order_acquire) != i + 1;
		     spins++)
			if (spins % 4096 == 0) {
				int rc = spin_check(w, &deadline);
				if (rc)
					return rc;
			}
		/* the whole line reaches the reader, and is what was written */
		uint64_t x = 0;
		for (int k = 0; k < 7; k++)
			x += l->data[k];
		if (x != 7 * i + 21)
			return RF_ECORRUPT;
		if ((i + 1) % BENCH_STREAM_PUBLISH == 0 || i + 1 == iters)
			/* release: our reads of these lines before the writer reuses them */
			atomic_store_explicit(&a->pos.v, i + 1, memory_order_release);
	}
	return 0;
}

int bench_stream(rf_world *w, uint64_t iters, int64_t *elapsed_ns)
{
	struct limit_area *a = area(w);
	uint32_t me = rf_world_rank(w);
	if (!a)
		return RF_EINVAL;
	if (me > 1)
		return 0;
	if (me == 1)
		return stream_read(w, a, iters);
	int64_t t0 = rf_os_now_ns();
	int rc = stream_write(w, a, iters);
	if (elapsed_ns)
		*elapsed_ns = rf_os_now_ns() - t0;
	return rc;
}

/* The PUs limit/matrix binds to, loaded on first use and kept for the
 * process's life (every batch of the map needs it, in every participant). */
static int bind_self(int32_t pu)
{
	static rf_topology *topo;
	struct rf_binding b = {pu, -1, -1, -1};

	if (pu < 0)
		return 0;
	if (!topo && rf_topology_load(&topo) != 0)
		return RF_ETOPOLOGY;
	return rf_placement_bind(topo, 0, &b);
}

int bench_matrix_pair(rf_world *w, const int32_t pin[2], const int32_t home[2], uint64_t iters,
		      struct bench_hist *hist)
{
	static struct bench_hist warm_hist; /* the warm-up's values, dropped */
	uint32_t me = rf_world_rank(w);
	if (me > 1)
		return 0;
	int bound = bind_self(pin[me]);
	/* The first round trips wait for the peer to migrate: untimed. The
	 * line then holds 2 * warm, which the timed loop's first value (1)
	 * is not, so it starts where this one ended. */
	uint64_t warm = iters < 256 ? iters : 256;
	bench_hist_reset(&warm_hist);
	int rc = bench_cacheline(w, warm, &warm_hist);
	if (rc == 0)
		rc = bench_cacheline(w, iters, hist);
	int back = bind_self(home[me]);
	return rc ? rc : bound ? bound : back;
}
