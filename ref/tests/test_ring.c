/* Broadcast ring, across processes (SPEC §2, §3).
 *
 *   exact        P=3, every participant sends seeded random records (0..max
 *                bytes, to one peer or all) through a small ring, so it wraps,
 *                pads and back-pressures constantly; every receiver regenerates
 *                each sender's stream and checks exactly once, in order, intact.
 *   exact-many   the same stream sent in bursts of 1..40 records (rf_send_many),
 *                many of them larger than the ring.
 *   backpressure a reader that does not poll: non-blocking writes stop with
 *                RF_EAGAIN exactly when the ring is full (less one header: the
 *                slot a record clears after itself), a bounded write times
 *                out, an unbounded one completes once the reader catches up.
 *   many         rf_send_many against that reader: a non-blocking burst writes
 *                what fits and says how many, then RF_EAGAIN; a bounded one
 *                times out having written nothing; one larger than the ring,
 *                sent while the reader sleeps in a barrier, completes (so each
 *                side must wake the other: run with the park slice at 60 s);
 *                bad arguments write nothing.
 *   pads         P=2, records of up to a quarter of a small ring, most of them
 *                large, so that a pad precedes every few; the reader spins on
 *                the writer's heels and checks every byte: a record seen
 *                before its payload, or a pad before the record after it,
 *                shows.
 *   slow-handler a writer waiting for room is woken when the reader takes a
 *                record off, not when that record's slow handler returns.
 *   corrupt-*    damaged ring memory gives RF_ECORRUPT, never a crash (run
 *                this under the asan preset too): a bad length, a stray byte,
 *                a commit word of the wrong lap, a stale slot after the last
 *                record, a misaligned resume position.
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

enum { EXACT_BURST = 40 };

static void run_exact(rf_world *w, bool many)
{
	uint32_t me = rf_world_rank(w);
	static struct exact_rx x;
	x.self = me;
	for (uint32_t p = 0; p < EXACT_P; p++)
		x.from[p].state = 1000 + p;
	rf_world_set_handler(w, exact_handler, &x);

	struct gen mine = {.state = 1000 + me};
	static uint8_t buf[EXACT_BURST][EXACT_MAX];
	struct rf_message m[EXACT_BURST];
	uint64_t bytes = 0, burst_seed = 77 + me;
	for (uint32_t i = 0; i < EXACT_N;) {
		uint32_t k = many ? 1 + (uint32_t)(rf_os_splitmix64(&burst_seed) % EXACT_BURST) : 1;
		k = k < EXACT_N - i ? k : EXACT_N - i;
		for (uint32_t j = 0; j < k; j++) {
			struct spec s = next_spec(&mine, me);
			fill(buf[j], s.len, s.payload_seed);
			m[j] = (struct rf_message){s.dest, s.type, s.len, buf[j]};
			bytes += 16 + ((s.len + 15) & ~15u);
		}
		if (many) {
			int rc = rf_send_many(w, m, k, 10 * SECOND);
			CHECK(rc == (int)k, "burst of %u: %d (%s)", k, rc, rf_strerror(rc));
		} else {
			CHECK_OK(rf_send(w, m[0].dest, m[0].type, m[0].payload, m[0].len, 10 * SECOND));
		}
		i += k;
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
	/* Records did not fit before the ring's end: pads were written. */
	CHECK(rf_ring_leading(w) > bytes, "no pad in %llu bytes", (unsigned long long)bytes);
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
	/* One header less than the ring: the slot after the last record. */
	uint32_t full = (BP_CAP - 16) / (BP_LEN + 16);
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

/* ---- many ---------------------------------------------------------------- */

enum { MANY_BURST = 200 }; /* records of BP_LEN: over 12 rings' worth */

static uint32_t many_next;

static void many_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	uint32_t seq = 0;
	if (rec->len >= sizeof seq)
		memcpy(&seq, rec->payload, sizeof seq);
	CHECK(rec->len == BP_LEN && seq == many_next, "record %u (len %u) arrived as number %u",
	      seq, rec->len, many_next);
	many_next++;
}

static void run_many(rf_world *w)
{
	uint32_t full = (BP_CAP - 16) / (BP_LEN + 16);
	if (rf_world_rank(w) == 1) {
		rf_os_sleep_ns(300 * TU_MS); /* not polling: the writer finds the ring full */
		rf_world_set_handler(w, many_handler, NULL);
		/* Waits (and sleeps) polling: the writer's bursts must wake us. */
		CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 20 * SECOND));
		CHECK(many_next == MANY_BURST, "received %u of %u", many_next, MANY_BURST);
		return;
	}
	static uint8_t buf[MANY_BURST][BP_LEN];
	static struct rf_message m[MANY_BURST];
	for (uint32_t i = 0; i < MANY_BURST; i++) {
		memcpy(buf[i], &i, sizeof i);
		m[i] = (struct rf_message){1, 7, BP_LEN, buf[i]};
	}
	/* Arguments are checked before anything is written. */
	m[3].len = 513;
	CHECK_RC(rf_send_many(w, m, MANY_BURST, RF_NONBLOCK), RF_ETOOBIG);
	m[3].len = BP_LEN;
	m[5].dest = 0;
	CHECK_RC(rf_send_many(w, m, MANY_BURST, RF_NONBLOCK), RF_EINVAL);
	m[5].dest = 1;
	CHECK(rf_ring_leading(w) == 0, "a refused burst wrote %llu bytes",
	      (unsigned long long)rf_ring_leading(w));
	CHECK_RC(rf_send_many(w, m, 0, RF_NONBLOCK), 0);
	/* Non-blocking: what fits, and how many that was. */
	int rc = rf_send_many(w, m, MANY_BURST, RF_NONBLOCK);
	CHECK(rc == (int)full, "a non-blocking burst wrote %d (%s), the ring holds %u", rc,
	      rf_strerror(rc), full);
	CHECK_RC(rf_send_many(w, m + full, MANY_BURST - full, RF_NONBLOCK), RF_EAGAIN);
	int64_t t0 = rf_os_now_ns();
	CHECK_RC(rf_send_many(w, m + full, MANY_BURST - full, 50 * TU_MS), RF_ETIMEDOUT);
	CHECK(rf_os_now_ns() - t0 >= 50 * TU_MS, "timed out early");
	/* Larger than the ring, sent when the reader has drained the ring and
	 * sleeps in its barrier: back-pressured mid-burst, the burst must wake
	 * the reader before it waits for it. */
	rf_os_sleep_ns(800 * TU_MS);
	rc = rf_send_many(w, m + full, MANY_BURST - full, 10 * SECOND);
	CHECK(rc == (int)(MANY_BURST - full), "a blocking burst wrote %d (%s) of %u", rc,
	      rf_strerror(rc), MANY_BURST - full);
	CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 20 * SECOND));
}

/* ---- slow-handler -------------------------------------------------------- */

static uint32_t slow_count;

static void slow_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	(void)rec;
	if (slow_count++ == 0)
		rf_os_sleep_ns(3 * SECOND); /* the writer's bounded wait is shorter */
}

static void run_slow_handler(rf_world *w)
{
	uint32_t full = (BP_CAP - 16) / (BP_LEN + 16);
	uint8_t buf[BP_LEN] = {0};
	if (rf_world_rank(w) == 1) {
		rf_os_sleep_ns(300 * TU_MS); /* the writer fills the ring and sleeps */
		rf_world_set_handler(w, slow_handler, NULL);
		int64_t end = rf_os_now_ns() + 20 * SECOND;
		while (slow_count < full + 1 && rf_os_now_ns() < end)
			CHECK(rf_poll(w) >= 0, "poll");
		CHECK(slow_count == full + 1, "received %u of %u", slow_count, full + 1);
	} else {
		for (uint32_t i = 0; i < full; i++)
			CHECK_OK(rf_send(w, 1, 7, buf, BP_LEN, RF_NONBLOCK));
		/* Room comes when the first record is taken off (at 0.3 s),
		 * before its 3 s handler: a writer woken only when the drain
		 * ends would be back after that. */
		int64_t t0 = rf_os_now_ns();
		CHECK_OK(rf_send(w, 1, 7, buf, BP_LEN, 10 * SECOND));
		CHECK(rf_os_now_ns() - t0 < 2 * SECOND, "the writer slept through the handler (%lld ms)",
		      (long long)((rf_os_now_ns() - t0) / TU_MS));
	}
	CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 20 * SECOND));
}

/* ---- pads ---------------------------------------------------------------- */

/* a quarter of a million: tens of thousands of wraps, each with its pad,
 * and still well inside the deadline under TSan on a busy 2-CPU machine
 * (a million took over 30 s there) */
enum { PADS_N = 250000, PADS_CAP = 4096, PADS_MAX = 1008 };

static uint32_t pads_len(uint32_t seq)
{
	uint64_t r = seq;
	r = rf_os_splitmix64(&r);
	return r % 2 ? PADS_MAX - (uint32_t)(r >> 8) % 64 : (uint32_t)(r >> 8) % (PADS_MAX + 1);
}

static void pads_fill(uint8_t *buf, uint32_t seq, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq * 131 + i);
}

static uint32_t pads_next;

static void pads_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	static uint8_t want[PADS_MAX];
	uint32_t len = pads_len(pads_next);
	pads_fill(want, pads_next, len);
	CHECK(rec->len == len && memcmp(rec->payload, want, len) == 0,
	      "record %u: len %u (sent %u) or its payload is not what was sent", pads_next,
	      rec->len, len);
	pads_next++;
}

static void run_pads(rf_world *w)
{
	if (rf_world_rank(w) == 1) {
		rf_world_set_handler(w, pads_handler, NULL);
		int64_t end = rf_os_now_ns() + 40 * SECOND; /* CTest's bound is 60 s */
		while (pads_next < PADS_N && rf_os_now_ns() < end)
			CHECK(rf_poll(w) >= 0, "poll");
		CHECK(pads_next == PADS_N, "received %u of %u", pads_next, PADS_N);
	} else {
		static uint8_t buf[PADS_MAX];
		uint64_t bytes = 0;
		for (uint32_t seq = 0; seq < PADS_N; seq++) {
			uint32_t len = pads_len(seq);
			pads_fill(buf, seq, len);
			CHECK_OK(rf_send(w, 1, 1, buf, len, 10 * SECOND));
			bytes += 16 + ((len + 15) & ~15u);
		}
		CHECK(rf_ring_leading(w) > bytes + 1000ull * 16, "few pads: %llu bytes in %llu",
		      (unsigned long long)bytes, (unsigned long long)rf_ring_leading(w));
	}
	CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 30 * SECOND));
}

/* ---- corrupt-* ---------------------------------------------------------- */

static uint32_t corrupt_delivered;

static void corrupt_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	(void)rec;
	corrupt_delivered++;
}

enum { CORRUPT_N = 10, CORRUPT_LEN = 64 }; /* 80 bytes a record */

/* Polls ring 0, damaged: refused, and again (never skipped); `good`
 * records before the damage reached the handler, nothing after it. */
static void expect_corrupt(rf_world *w, uint32_t good)
{
	rf_world_set_handler(w, corrupt_handler, NULL);
	CHECK_RC(rf_poll(w), RF_ECORRUPT);
	CHECK_RC(rf_poll(w), RF_ECORRUPT);
	CHECK(corrupt_delivered == good, "%u records delivered, %u before the damage",
	      corrupt_delivered, good);
}

/* A misaligned position can only come from a damaged `received` that a
 * reader resumes from when it attaches: both handles in this process. */
static int run_misaligned(void)
{
	struct rf_world_params p;
	rf_world_params_default(&p);
	p.nprocs = 2;
	p.ring_capacity = 4096;
	p.max_record = 256;
	rf_world *w0, *w1;
	CHECK_OK(rf_world_create(NULL, &p, &w0));
	tu_unlink_at_exit(rf_world_name(w0));
	uint8_t buf[CORRUPT_LEN] = {1, 2, 3};
	for (int i = 0; i < CORRUPT_N; i++)
		CHECK_OK(rf_send(w0, 1, 1, buf, sizeof buf, RF_NONBLOCK));
	atomic_store(&rf_progress(w0, 0, 1)->received, 8);
	CHECK_OK(rf_world_attach(rf_world_name(w0), 1, &w1));
	expect_corrupt(w1, 0);
	CHECK_OK(rf_world_close(w1));
	CHECK_OK(rf_world_close(w0));
	return 0;
}

static void run_corrupt(rf_world *w, const char *how)
{
	bool stale = strcmp(how, "corrupt-stale") == 0;
	if (rf_world_rank(w) == 1) {
		rf_os_sleep_ns(200 * TU_MS); /* participant 0 damages its ring meanwhile */
		/* The damage is in the first record, or (stale) just past the last. */
		expect_corrupt(w, stale ? CORRUPT_N : 0);
		return;
	}
	uint8_t buf[CORRUPT_LEN] = {1, 2, 3};
	for (int i = 0; i < CORRUPT_N; i++)
		CHECK_OK(rf_send(w, 1, 1, buf, sizeof buf, RF_NONBLOCK));
	uint8_t *ring = rf_ring_data(w, 0);
	struct rf_rec_hdr *h = (struct rf_rec_hdr *)ring;
	if (strcmp(how, "corrupt-len") == 0) {
		/* Over max_record (256) yet inside what was published: only the
		 * length bound stands between it and an overflowing copy. */
		h->len = 300;
		h->check = rf_rec_check(h, 0);
	} else if (strcmp(how, "corrupt-check") == 0) {
		h->dest = 0; /* sender's own index: stray byte, caught by the check */
	} else if (strcmp(how, "corrupt-commit") == 0) {
		/* A sound header whose commit word is the next lap's: only the
		 * stamp says it is not this lap's record. */
		atomic_store(rf_rec_commit(ring), rf_rec_stamp(w->capacity));
	} else if (stale) {
		/* What a writer that did not clear the slot after its last record
		 * would leave there: a complete record of the lap before. */
		uint64_t pos = CORRUPT_N * (16 + CORRUPT_LEN), old = pos - w->capacity;
		struct rf_rec_hdr s = {.len = CORRUPT_LEN, .type = 1, .sender = 0, .dest = 1};
		s.check = rf_rec_check(&s, old);
		memcpy(ring + pos, &s, offsetof(struct rf_rec_hdr, commit));
		atomic_store(rf_rec_commit(ring + pos), rf_rec_stamp(old));
	} else {
		CHECK(0, "unknown case %s", how);
	}
	/* Keep the world alive until the reader has looked. */
	rf_os_sleep_ns(400 * TU_MS);
}

int main(int argc, char **argv)
{
	CHECK(argc >= 2, "usage: %s exact|exact-many|pads|backpressure|many|slow-handler|corrupt-len|"
			 "corrupt-check|corrupt-commit|corrupt-stale|corrupt-misaligned",
	      argv[0]);
	tu_log_to_stderr();
	const char *c = argv[1];
	rf_world *w;
	if (strcmp(c, "exact") == 0 || strcmp(c, "exact-many") == 0) {
		w = tu_launch(argv, EXACT_P, EXACT_CAP, EXACT_MAX);
		run_exact(w, strcmp(c, "exact-many") == 0);
	} else if (strcmp(c, "backpressure") == 0) {
		w = tu_launch(argv, 2, BP_CAP, 512);
		run_backpressure(w);
	} else if (strcmp(c, "many") == 0) {
		w = tu_launch(argv, 2, BP_CAP, 512);
		run_many(w);
	} else if (strcmp(c, "pads") == 0) {
		w = tu_launch(argv, 2, PADS_CAP, PADS_MAX);
		run_pads(w);
	} else if (strcmp(c, "slow-handler") == 0) {
		/* The central barrier: its hooks do not wake writers themselves. */
		tu_algorithm = RF_ALGO_CENTRAL;
		w = tu_launch(argv, 2, BP_CAP, 512);
		run_slow_handler(w);
	} else if (strcmp(c, "corrupt-misaligned") == 0) {
		return run_misaligned();
	} else if (strncmp(c, "corrupt-", 8) == 0) {
		w = tu_launch(argv, 2, 4096, 256);
		run_corrupt(w, c);
	} else {
		CHECK(0, "unknown case %s", c);
		return 2;
	}
	return tu_finish(w);
}
