/* Broadcast ring, across processes (SPEC §2, §3).
 *
 *   exact        P=3, every participant sends seeded random records (0..max
 *                bytes, to one peer or all) through a small ring, so it wraps
 *                and back-pressures constantly; every receiver regenerates each
 *                sender's stream and checks exactly once, in order, intact.
 *   backpressure a reader that does not poll: non-blocking writes stop with
 *                RF_EAGAIN exactly when the ring is full, a bounded write times
 *                out, an unbounded one completes once the reader catches up.
 *   corrupt-*    damaged ring memory gives RF_ECORRUPT, never a crash (run
 *                this under the asan preset too).
 */
#include <string.h>

#include "../src/internal.h" /* the corrupt cases poke at ring memory */
#include "testutil.h"

#define SECOND TU_SECOND

/* ---- exact ---------------------------------------------------------------- */

enum { EXACT_P = 3, EXACT_N = 4000, EXACT_CAP = 4096, EXACT_MAX = 512 };

struct gen {
	uint64_t state;
	uint32_t index; /* records generated so far */
};

struct spec {
	uint16_t dest, type;
	uint32_t len;
	uint64_t payload_seed;
};

/* The i-th record sender p sends: identical in every process. */
static struct spec next_spec(struct gen *g, uint32_t sender)
{
	struct spec s;
	uint64_t r = rf_os_splitmix64(&g->state);
	uint32_t d = (uint32_t)(r % (EXACT_P + 1));
	s.dest = d == EXACT_P || d == sender ? RF_DEST_ALL : (uint16_t)d;
	switch ((r >> 8) % 8) { /* the edges more often than chance gives them */
	case 0: s.len = 0; break;
	case 1: s.len = EXACT_MAX; break;
	default: s.len = (uint32_t)((r >> 16) % (EXACT_MAX + 1)); break;
	}
	s.type = (uint16_t)(g->index % 1000);
	s.payload_seed = r ^ ((uint64_t)sender << 56) ^ g->index;
	g->index++;
	return s;
}

static void fill(uint8_t *buf, uint32_t len, uint64_t seed)
{
	for (uint32_t i = 0; i < len; i++) {
		if (i % 8 == 0)
			seed = rf_os_splitmix64(&seed);
		buf[i] = (uint8_t)(seed >> (8 * (i % 8)));
	}
}

struct exact_rx {
	uint32_t self;
	struct gen from[EXACT_P];
	uint32_t got[EXACT_P];
	uint8_t expect[EXACT_MAX];
};

static void exact_handler(void *ctx, const struct rf_record *rec)
{
	struct exact_rx *x = ctx;
	CHECK(rec->sender < EXACT_P && rec->sender != x->self, "sender %u", rec->sender);
	CHECK(rec->dest == RF_DEST_ALL || rec->dest == x->self, "record for %u delivered to %u",
	      rec->dest, x->self);
	struct gen *g = &x->from[rec->sender];
	struct spec s;
	do {
		CHECK(g->index < EXACT_N, "more records from %u than it sent", rec->sender);
		s = next_spec(g, rec->sender);
	} while (s.dest != RF_DEST_ALL && s.dest != x->self);
	CHECK(rec->len == s.len && rec->type == s.type && rec->dest == s.dest,
	      "from %u record %u: got len %u type %u dest %u, sent len %u type %u dest %u "
	      "(lost, duplicated or reordered)",
	      rec->sender, g->index - 1, rec->len, rec->type, rec->dest, s.len, s.type, s.dest);
	fill(x->expect, s.len, s.payload_seed);
	CHECK(memcmp(rec->payload, x->expect, s.len) == 0, "from %u record %u: torn payload",
	      rec->sender, g->index - 1);
	x->got[rec->sender]++;
}

static void run_exact(rf_world *w)
{
	uint32_t me = rf_world_rank(w);
	static struct exact_rx x;
	x.self = me;
	for (uint32_t p = 0; p < EXACT_P; p++)
		x.from[p].state = 1000 + p;
	rf_world_set_handler(w, exact_handler, &x);

	struct gen mine = {.state = 1000 + me};
	uint8_t buf[EXACT_MAX];
	for (uint32_t i = 0; i < EXACT_N; i++) {
		struct spec s = next_spec(&mine, me);
		fill(buf, s.len, s.payload_seed);
		CHECK_OK(rf_send(w, s.dest, s.type, buf, s.len, 10 * SECOND));
	}
	CHECK_OK(rf_barrier(w, RF_PROCESSING_FENCE, 30 * SECOND));
	/* Everything sent before the fence is processed: nothing may be missing. */
	for (uint32_t p = 0; p < EXACT_P; p++) {
		if (p == me)
			continue;
		struct gen *g = &x.from[p];
		while (g->index < EXACT_N) {
			struct spec s = next_spec(g, p);
			CHECK(s.dest != RF_DEST_ALL && s.dest != me,
			      "record %u from %u never arrived", g->index - 1, p);
		}
		CHECK(x.got[p] > EXACT_N / 4, "only %u records from %u", x.got[p], p);
	}
	/* The ring really wrapped many times. */
	CHECK(rf_ring_leading(w) > 20ull * EXACT_CAP, "leading %llu",
	      (unsigned long long)rf_ring_leading(w));
}

/* ---- backpressure ------------------------------------------------------- */

enum { BP_CAP = 4096, BP_LEN = 240 }; /* 16-byte header + 240 = 256 bytes a record */

static uint32_t bp_count;

static void bp_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	CHECK(rec->len == BP_LEN, "len %u", rec->len);
	bp_count++;
}

static void run_backpressure(rf_world *w)
{
	uint32_t full = BP_CAP / (BP_LEN + 16);
	if (rf_world_rank(w) == 1) {
		/* Not polling at all: the writer must find the ring full. */
		rf_os_sleep_ns(300 * TU_MS);
		rf_world_set_handler(w, bp_handler, NULL);
		int64_t end = rf_os_now_ns() + 10 * SECOND;
		while (bp_count < full + 1 && rf_os_now_ns() < end)
			CHECK(rf_poll(w) >= 0, "poll");
		CHECK(bp_count == full + 1, "received %u of %u", bp_count, full + 1);
	} else {
		uint8_t buf[BP_LEN] = {0};
		uint32_t n = 0;
		int rc;
		while ((rc = rf_send(w, 1, 7, buf, BP_LEN, RF_NONBLOCK)) == 0)
			n++;
		CHECK_RC(rc, RF_EAGAIN);
		CHECK(n == full, "%u non-blocking writes fit, the ring holds %u", n, full);
		int64_t t0 = rf_os_now_ns();
		CHECK_RC(rf_send(w, 1, 7, buf, BP_LEN, 50 * 1000000ll), RF_ETIMEDOUT);
		CHECK(rf_os_now_ns() - t0 >= 50 * 1000000ll, "timed out early");
		CHECK_OK(rf_send(w, 1, 7, buf, BP_LEN, 10 * SECOND));
	}
	CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 10 * SECOND));
}

/* ---- corrupt-* ---------------------------------------------------------- */

static uint32_t corrupt_delivered;

static void corrupt_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	(void)rec;
	corrupt_delivered++;
}

static void run_corrupt(rf_world *w, const char *how)
{
	if (rf_world_rank(w) == 1) {
		rf_world_set_handler(w, corrupt_handler, NULL);
		rf_os_sleep_ns(200 * TU_MS); /* participant 0 damages its ring meanwhile */
		CHECK_RC(rf_poll(w), RF_ECORRUPT);
		CHECK_RC(rf_poll(w), RF_ECORRUPT); /* stays refused, never skipped */
		/* The damage is in the first record: nothing may reach the handler. */
		CHECK(corrupt_delivered == 0, "%u damaged records delivered", corrupt_delivered);
		return;
	}
	uint8_t buf[64] = {1, 2, 3};
	for (int i = 0; i < 10; i++)
		CHECK_OK(rf_send(w, 1, 1, buf, sizeof buf, RF_NONBLOCK));
	struct rf_rec_hdr *h = (struct rf_rec_hdr *)rf_ring_data(w, 0);
	if (strcmp(how, "corrupt-len") == 0) {
		/* Over max_record (256) yet inside what was published: only the
		 * length bound stands between it and an overflowing copy. */
		h->len = 300;
		h->check = rf_rec_check(h, 0);
	} else if (strcmp(how, "corrupt-check") == 0) {
		h->dest = 0; /* sender's own index: stray byte, caught by the check */
	} else if (strcmp(how, "corrupt-leading") == 0) {
		atomic_store(&w->rings[0].leading, 10ull * w->capacity);
	} else if (strcmp(how, "corrupt-misaligned") == 0) {
		atomic_store(&w->rings[0].leading, 8);
	} else {
		CHECK(0, "unknown case %s", how);
	}
	/* Keep the world alive until the reader has looked. */
	rf_os_sleep_ns(400 * TU_MS);
}

int main(int argc, char **argv)
{
	CHECK(argc >= 2, "usage: %s exact|backpressure|corrupt-len|corrupt-check|"
			 "corrupt-leading|corrupt-misaligned",
	      argv[0]);
	tu_log_to_stderr();
	const char *c = argv[1];
	rf_world *w;
	if (strcmp(c, "exact") == 0) {
		w = tu_launch(argv, EXACT_P, EXACT_CAP, EXACT_MAX);
		run_exact(w);
	} else if (strcmp(c, "backpressure") == 0) {
		w = tu_launch(argv, 2, BP_CAP, 512);
		run_backpressure(w);
	} else if (strncmp(c, "corrupt-", 8) == 0) {
		w = tu_launch(argv, 2, 4096, 256);
		run_corrupt(w, c);
	} else {
		CHECK(0, "unknown case %s", c);
		return 2;
	}
	return tu_finish(w);
}
