/* The barrier across processes (SPEC §4), for both transports: the first
 * argument is shm or coordinator, and every case runs unchanged on either.
 *
 *   modes P    P participants, every mode, many rounds back to back with
 *              random traffic before each; after every fenced round each
 *              participant checks the *global* fence in a snapshot (every
 *              reader of every ring has received / processed up to E_p) and
 *              its own markers.
 *   slow       one reader's handler is slowed on purpose: with rendezvous a
 *              peer leaves before that reader received the pre-barrier
 *              records, with the delivery fence never before it received them
 *              (but before its handler returned), with the processing fence
 *              never before the handler returned.
 *   mixed      different modes in one round: RF_EMODE everywhere; the next
 *              round works.
 *   kill       SIGKILL of a worker mid-round: every survivor gets RF_EPEERDEAD
 *              promptly (reported), and nothing is left afterwards.
 *   timeout    a bounded wait returns RF_ETIMEDOUT and releases the others
 *              with RF_EABORTED.
 *   abort      rf_world_abort() by one participant releases everyone.
 *   startup    a fenced round straight after start, in ten worlds in a row.
 *   stalled    a non-coordinator reader stalls (its progress frozen below
 *              E_p): a fenced round waits for it and completes once it resumes.
 *   handshake  (coordinator) every fenced round took the remote-drain
 *              handshake with finite targets, no rendezvous round did.
 *   left       (POSIX) a reader leaves mid-round with a record unprocessed,
 *              while participant 0 is stopped in its wait: when 0 goes on it
 *              must not prove the fence by skipping the reader that left.
 */
#include <stdatomic.h>
#include <string.h>

#include "testutil.h"

#define SECOND TU_SECOND
#define MS TU_MS

enum { T_DATA = 1, T_MARKER = 2, T_SLOW = 3, T_TIME = 4, T_READY = 5 };

/* ---- modes --------------------------------------------------------------- */

struct modes_rx {
	uint32_t P;
	uint64_t marker[RF_MAX_PROCS]; /* latest round whose marker arrived, per sender */
};

static void modes_handler(void *ctx, const struct rf_record *rec)
{
	struct modes_rx *x = ctx;
	if (rec->type == T_MARKER) {
		uint64_t r;
		memcpy(&r, rec->payload, sizeof r);
		CHECK(r == x->marker[rec->sender] + 1, "marker %llu from %u after %llu",
		      (unsigned long long)r, rec->sender,
		      (unsigned long long)x->marker[rec->sender]);
		x->marker[rec->sender] = r;
	}
}

/* Each participant notes its E_p in the user area before it enters a round
 * (one cache line each); the barrier orders the note before everyone's check.
 * The snapshot's own entry_target is the latest round's, which can already be
 * the next one. */
static _Atomic uint64_t *entry_note(rf_world *w, uint32_t p)
{
	return (_Atomic uint64_t *)((char *)rf_world_user(w, NULL) + 64 * p);
}

/* Every reader of every ring has reached E_p: the fence, checked globally. */
static uint32_t fence_misses(rf_world *w, enum rf_mode mode)
{
	struct rf_snapshot *s;
	CHECK_OK(rf_snapshot_take(w, &s));
	uint32_t misses = 0;
	for (uint32_t p = 0; p < s->nprocs; p++)
		for (uint32_t q = 0; q < s->nprocs; q++) {
			if (p == q)
				continue;
			size_t i = (size_t)p * s->nprocs + q;
			uint64_t got = mode == RF_PROCESSING_FENCE ? s->processed[i] : s->received[i];
			misses += got < atomic_load_explicit(entry_note(w, p), memory_order_relaxed);
		}
	if (misses && mode != RF_RENDEZVOUS)
		rf_snapshot_print(s, stderr);
	rf_snapshot_free(s);
	return misses;
}

static void run_modes(rf_world *w, uint32_t rounds)
{
	uint32_t P = rf_world_size(w), me = rf_world_rank(w);
	static struct modes_rx x;
	x.P = P;
	rf_world_set_handler(w, modes_handler, &x);
	uint64_t rng = 77 + me, round = 0;
	uint8_t buf[256] = {0};
	for (int m = RF_RENDEZVOUS; m <= RF_PROCESSING_FENCE; m++) {
		uint32_t observed = 0;
		for (uint32_t r = 0; r < rounds; r++) {
			round++;
			uint32_t k = (uint32_t)(rf_os_splitmix64(&rng) % 8);
			for (uint32_t i = 0; i < k; i++) {
				uint16_t d = (uint16_t)(rf_os_splitmix64(&rng) % P);
				CHECK_OK(rf_send(w, d == me ? RF_DEST_ALL : d, T_DATA, buf,
						 (uint32_t)(rf_os_splitmix64(&rng) % sizeof buf), 10 * SECOND));
			}
			CHECK_OK(rf_send(w, RF_DEST_ALL, T_MARKER, &round, sizeof round, 10 * SECOND));
			atomic_store_explicit(entry_note(w, me), rf_ring_leading(w),
					      memory_order_relaxed);
			CHECK_OK(rf_barrier(w, (enum rf_mode)m, 10 * SECOND));
			uint32_t misses = fence_misses(w, (enum rf_mode)m);
			if (m != RF_RENDEZVOUS) {
				CHECK(misses == 0, "P=%u %s round %u: fence broken for %u pairs", P,
				      rf_mode_name((enum rf_mode)m), r, misses);
				for (uint32_t p = 0; p < P; p++)
					CHECK(p == me || x.marker[p] == round,
					      "%s round %llu: marker of %u missing (have %llu)",
					      rf_mode_name((enum rf_mode)m),
					      (unsigned long long)round, p,
					      (unsigned long long)x.marker[p]);
			}
			observed += misses != 0;
			/* Nobody notes a new E_p before everyone has checked. */
			CHECK_OK(rf_barrier(w, RF_RENDEZVOUS, 10 * SECOND));
		}
		if (me == 0)
			printf("P=%u %-10s %u rounds, %u with a peer's records not yet %s on return\n",
			       P, rf_mode_name((enum rf_mode)m), rounds, observed,
			       m == RF_PROCESSING_FENCE ? "processed" : "received");
	}
	CHECK(rf_barrier_rounds(w) == 6ull * rounds, "rounds %llu",
	      (unsigned long long)rf_barrier_rounds(w));
}

/* ---- slow ---------------------------------------------------------------- */

static int slow_ready;

static void slow_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	if (rec->type == T_SLOW)
		rf_os_sleep_ns(300 * MS);
	slow_ready += rec->type == T_READY;
}

static void run_slow(rf_world *w)
{
	uint32_t me = rf_world_rank(w);
	rf_world_set_handler(w, slow_handler, NULL);
	for (int m = RF_RENDEZVOUS; m <= RF_PROCESSING_FENCE; m++) {
		uint64_t E0 = 0;
		/* The slow reader must take the records inside this round's wait,
		 * not while it still polls in the previous one: it says when it is
		 * out, and only then are they sent. */
		if (me == 1)
			CHECK_OK(rf_send(w, 0, T_READY, NULL, 0, SECOND));
		if (me == 0) {
			int64_t end = rf_os_now_ns() + 10 * SECOND;
			while (slow_ready == m && rf_os_now_ns() < end)
				CHECK(rf_poll(w) >= 0, "poll");
			CHECK(slow_ready == m + 1, "reader 1 not ready");
			/* Two records for the slow reader: while it sits in the first
			 * handler, the second is not received yet. */
			CHECK_OK(rf_send(w, 1, T_SLOW, NULL, 0, SECOND));
			CHECK_OK(rf_send(w, 1, T_SLOW, NULL, 0, SECOND));
			/* Processing: arrive last, when the reader has received both
			 * but still sits in the second handler, so that "received"
			 * and "processed" differ when the round could complete. (The
			 * delivery round instead completes from inside delivery.) */
			if (m == RF_PROCESSING_FENCE)
				rf_os_sleep_ns(450 * MS);
		}
		atomic_store_explicit(entry_note(w, me), rf_ring_leading(w), memory_order_relaxed);
		CHECK_OK(rf_barrier(w, (enum rf_mode)m, 10 * SECOND));
		if (me == 2) {
			struct rf_snapshot *s;
			CHECK_OK(rf_snapshot_take(w, &s));
			E0 = atomic_load_explicit(entry_note(w, 0), memory_order_relaxed);
			uint64_t rcv = s->received[0 * s->nprocs + 1];
			uint64_t prc = s->processed[0 * s->nprocs + 1];
			rf_snapshot_free(s);
			printf("%-10s on return: E_0=%llu, reader 1 received %llu, processed %llu\n",
			       rf_mode_name((enum rf_mode)m), (unsigned long long)E0,
			       (unsigned long long)rcv, (unsigned long long)prc);
			if (m == RF_RENDEZVOUS)
				CHECK(rcv < E0, "rendezvous waited for delivery: it need not");
			if (m == RF_DELIVERY_FENCE) {
				CHECK(rcv >= E0, "delivery fence returned before delivery");
				CHECK(prc < E0, "delivery fence waited for the handler: it need not");
			}
			if (m == RF_PROCESSING_FENCE)
				CHECK(prc >= E0, "processing fence returned before processing");
		}
		/* Let the slow reader finish before the next mode starts. */
		CHECK_OK(rf_barrier(w, RF_PROCESSING_FENCE, 10 * SECOND));
	}
}

/* ---- mixed --------------------------------------------------------------- */

static void run_mixed(rf_world *w)
{
	uint32_t me = rf_world_rank(w);
	static const enum rf_mode combos[][3] = {
		{RF_RENDEZVOUS, RF_DELIVERY_FENCE, RF_PROCESSING_FENCE},
		{RF_DELIVERY_FENCE, RF_DELIVERY_FENCE, RF_RENDEZVOUS},
		{RF_PROCESSING_FENCE, RF_DELIVERY_FENCE, RF_PROCESSING_FENCE},
	};
	for (size_t c = 0; c < sizeof combos / sizeof combos[0]; c++) {
		CHECK_RC(rf_barrier(w, combos[c][me], 10 * SECOND), RF_EMODE);
		CHECK_OK(rf_barrier(w, combos[c][0], 10 * SECOND));
	}
}

/* ---- kill, timeout, abort ------------------------------------------------ */

static int64_t kill_at;

static void time_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	if (rec->type == T_TIME)
		memcpy(&kill_at, rec->payload, sizeof kill_at);
}

static void run_kill(rf_world *w)
{
	uint32_t me = rf_world_rank(w), P = rf_world_size(w), victim = 2;
	rf_world_set_handler(w, time_handler, NULL);
	long pids[16] = {0};
	if (me == 0) {
		int64_t t = rf_os_now_ns() + 200 * MS;
		CHECK_OK(rf_send(w, RF_DEST_ALL, T_TIME, &t, sizeof t, SECOND));
		struct rf_snapshot *s;
		CHECK_OK(rf_snapshot_take(w, &s));
		for (uint32_t p = 0; p < P; p++)
			pids[p] = s->part[p].pid;
		rf_snapshot_free(s);
	}
	CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 10 * SECOND));
	CHECK(kill_at || me == 0, "no kill time");
	if (me == victim) {
		tu_sleep_forever(); /* never enters the round: killed in it */
	}
	int rc;
	if (me == 0) {
		int64_t t = rf_os_now_ns();
		kill_at = t + 200 * MS; /* mirrors what was sent, minus the send */
		while (rf_os_now_ns() < kill_at)
			rf_os_sleep_ns(1 * MS);
		kill_at = rf_os_now_ns();
		CHECK_OK(rf_launch_kill(w, victim));
	}
	rc = rf_barrier(w, RF_DELIVERY_FENCE, 10 * SECOND);
	int64_t took = rf_os_now_ns() - kill_at;
	printf("participant %u released %.1f ms after the kill: %s\n", me, took / 1e6,
	       rf_strerror(rc));
	fflush(stdout);
	CHECK_RC(rc, RF_EPEERDEAD);
	CHECK(took < 2 * SECOND, "released only after %.1f ms", took / 1e6);
	if (me != 0) {
		CHECK_OK(rf_world_close(w) == 0 ? 0 : 0);
		exit(0);
	}
	char name[RF_NAME_MAX];
	snprintf(name, sizeof name, "%s", rf_world_name(w));
	CHECK_RC(rf_world_close(w), RF_EPEERDEAD);
	CHECK(!tu_segment_exists(name), "segment %s left behind", name);
	for (uint32_t p = 1; p < P; p++)
		CHECK(!tu_process_exists(pids[p]), "worker %u (pid %ld) still exists", p, pids[p]);
	exit(0);
}

static void run_timeout(rf_world *w)
{
	if (rf_world_rank(w) == 0) {
		int64_t t0 = rf_os_now_ns();
		CHECK_RC(rf_barrier(w, RF_DELIVERY_FENCE, 100 * MS), RF_ETIMEDOUT);
		int64_t took = rf_os_now_ns() - t0;
		CHECK(took >= 100 * MS && took < 5 * SECOND, "timeout after %.1f ms", took / 1e6);
		CHECK_RC(rf_world_aborted(w), RF_EABORTED);
	} else {
		rf_os_sleep_ns(500 * MS);
		CHECK_RC(rf_barrier(w, RF_DELIVERY_FENCE, 10 * SECOND), RF_EABORTED);
	}
}

static void run_abort(rf_world *w)
{
	if (rf_world_rank(w) == 1) {
		rf_os_sleep_ns(100 * MS);
		CHECK_OK(rf_world_abort(w, RF_EABORTED));
	} else {
		CHECK_RC(rf_barrier(w, RF_PROCESSING_FENCE, 10 * SECOND), RF_EABORTED);
	}
	CHECK_RC(rf_send(w, RF_DEST_ALL, T_DATA, NULL, 0, SECOND), RF_EABORTED);
	CHECK_RC(rf_poll(w), RF_EABORTED);
}

/* ---- startup --------------------------------------------------------------- */

static void run_startup(char **argv)
{
	for (int i = 0; i < 10; i++) {
		rf_world *w = tu_launch(argv, 4, 0, 0);
		uint32_t me = rf_world_rank(w);
		CHECK_OK(rf_barrier(w, RF_PROCESSING_FENCE, 10 * SECOND));
		CHECK_OK(rf_barrier(w, RF_DELIVERY_FENCE, 10 * SECOND));
		int rc = tu_finish(w);
		if (me != 0)
			exit(rc); /* a worker belongs to one world */
		CHECK(rc == 0, "world %d", i);
	}
	exit(0);
}

/* ---- stalled ------------------------------------------------------------------ */

enum { STALL_MS = 300 };

static int stall_ready;

static void stall_handler(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	if (rec->type == T_SLOW)
		rf_os_sleep_ns(STALL_MS * MS);
	stall_ready += rec->type == T_READY;
}

static uint32_t stalled_rows;

static void stalled_trace(void *ctx, const struct rf_handshake *hs)
{
	(void)ctx;
	/* The coordinator saw ring 1 behind its target, held back by reader 2. */
	const struct rf_handshake_row *r = &hs->rows[1];
	if (r->fence_required && r->observed < r->entry_target && r->slowest == 2)
		stalled_rows++;
}

static void run_stalled(rf_world *w)
{
	uint32_t me = rf_world_rank(w);
	rf_world_set_handler(w, stall_handler, NULL);
	if (me == 0)
		rf_barrier_set_trace(w, stalled_trace, NULL);
	for (int m = RF_DELIVERY_FENCE; m <= RF_PROCESSING_FENCE; m++) {
		/* Reader 2 says it is out of the previous round; only then does
		 * participant 1 send what will stall it inside this one. */
		if (me == 2)
			CHECK_OK(rf_send(w, 1, T_READY, NULL, 0, SECOND));
		if (me == 1) {
			int64_t end = rf_os_now_ns() + 10 * SECOND;
			while (stall_ready == m - 1 && rf_os_now_ns() < end)
				CHECK(rf_poll(w) >= 0, "poll");
			CHECK(stall_ready == m, "reader 2 not ready");
			CHECK_OK(rf_send(w, 2, T_SLOW, NULL, 0, SECOND));
			CHECK_OK(rf_send(w, 2, T_SLOW, NULL, 0, SECOND));
		}
		atomic_store_explicit(entry_note(w, me), rf_ring_leading(w), memory_order_relaxed);
		int64_t t0 = rf_os_now_ns();
		CHECK_OK(rf_barrier(w, (enum rf_mode)m, 10 * SECOND));
		int64_t took = rf_os_now_ns() - t0;
		struct rf_snapshot *s;
		CHECK_OK(rf_snapshot_take(w, &s));
		uint64_t E1 = atomic_load_explicit(entry_note(w, 1), memory_order_relaxed);
		size_t i = 1 * s->nprocs + 2;
		uint64_t got = m == RF_PROCESSING_FENCE ? s->processed[i] : s->received[i];
		rf_snapshot_free(s);
		if (me == 0 || me == 1) {
			printf("%-10s participant %u waited %.1f ms for the stalled reader\n",
			       rf_mode_name((enum rf_mode)m), me, took / 1e6);
			CHECK(got >= E1, "%s round returned with reader 2 at %llu < E_1 %llu",
			      rf_mode_name((enum rf_mode)m), (unsigned long long)got,
			      (unsigned long long)E1);
			/* The stall is in the first record: the round must have waited
			 * for at least that handler to return. */
			CHECK(took >= STALL_MS * MS / 2, "returned after %.1f ms", took / 1e6);
		}
		CHECK_OK(rf_barrier(w, RF_PROCESSING_FENCE, 10 * SECOND));
	}
	if (me == 0 && tu_transport == RF_TRANSPORT_COORDINATOR)
		CHECK(stalled_rows == 2, "%u handshakes waited on reader 2", stalled_rows);
}

/* ---- left ------------------------------------------------------------------------ */

static long left_frozen; /* participant 0's pid while we keep it stopped */

/* Participant 1, on the first of 0's two records: once 0 waits in the round
 * (and, coordinator, has our arrival) and has had time to park, stop it and
 * abort, as our barrier timing out would; the second record stays unread. */
static void left_handler(void *ctx, const struct rf_record *rec)
{
	rf_world *w = ctx;
	if (rec->type != T_SLOW || left_frozen)
		return;
	long pid0 = 0;
	for (int64_t end = rf_os_now_ns() + 10 * SECOND; !pid0 && rf_os_now_ns() < end;) {
		struct rf_snapshot *s;
		if (rf_snapshot_take(w, &s) != 0)
			break;
		if (s->part[0].round >= 1 && s->received[1 * s->nprocs + 0] >= s->leading[1])
			pid0 = s->part[0].pid;
		rf_snapshot_free(s);
	}
	rf_os_sleep_ns(50 * MS);
	if (pid0 > 0 && tu_freeze(pid0, true) == 0)
		left_frozen = pid0;
	rf_world_abort(w, RF_EABORTED);
}

static void run_left(rf_world *w)
{
	if (rf_world_rank(w) == 0) {
		CHECK_OK(rf_send(w, 1, T_SLOW, NULL, 0, SECOND));
		CHECK_OK(rf_send(w, 1, T_SLOW, NULL, 0, SECOND));
		/* Woken by the abort to a reader that has gone, behind E_0. */
		CHECK_RC(rf_barrier(w, RF_PROCESSING_FENCE, 10 * SECOND), RF_EABORTED);
		return;
	}
	rf_world_set_handler(w, left_handler, w);
	int rc = rf_barrier(w, RF_PROCESSING_FENCE, 10 * SECOND);
	/* No CHECK until 0 goes on again: exiting here would leave it stopped. */
	uint64_t processed = 0, leading = 0;
	struct rf_snapshot *s;
	if (rf_snapshot_take(w, &s) == 0) {
		processed = s->processed[0 * s->nprocs + 1];
		leading = s->leading[0];
		rf_snapshot_free(s);
	}
	int crc = rf_world_close(w); /* DETACHED before 0 goes on */
	if (left_frozen)
		tu_freeze(left_frozen, false);
	CHECK(left_frozen, "participant 0 was not stopped");
	CHECK_RC(rc, RF_EABORTED);
	CHECK_OK(crc);
	/* What makes the case: we leave behind E_0 (0 wrote nothing since). */
	CHECK(processed < leading, "reader 1 processed all of ring 0 (%llu)",
	      (unsigned long long)processed);
	exit(0);
}

/* ---- handshake ---------------------------------------------------------------- */

static uint32_t traced[3];

static void handshake_trace(void *ctx, const struct rf_handshake *hs)
{
	rf_world *w = ctx;
	CHECK(hs->mode != RF_RENDEZVOUS, "a rendezvous round took the handshake");
	CHECK(hs->round == rf_barrier_rounds(w) + 1, "round %llu", (unsigned long long)hs->round);
	struct rf_snapshot *s;
	CHECK_OK(rf_snapshot_take(w, &s));
	for (uint32_t p = 0; p < hs->nprocs; p++) {
		const struct rf_handshake_row *r = &hs->rows[p];
		CHECK(r->participant == p && r->fence_required, "row %u", p);
		/* Finite: the target is a position p really published. */
		CHECK(r->entry_target <= s->leading[p], "row %u: target %llu beyond leading %llu",
		      p, (unsigned long long)r->entry_target, (unsigned long long)s->leading[p]);
		/* The handshake held when it completed: every reader is past it now. */
		for (uint32_t q = 0; q < hs->nprocs; q++) {
			size_t i = (size_t)p * s->nprocs + q;
			uint64_t v = hs->mode == RF_PROCESSING_FENCE ? s->processed[i] : s->received[i];
			CHECK(q == p || v >= r->entry_target, "reader %u of ring %u at %llu < %llu",
			      q, p, (unsigned long long)v, (unsigned long long)r->entry_target);
		}
	}
	rf_snapshot_free(s);
	traced[hs->mode]++;
}

static void run_handshake(rf_world *w, uint32_t rounds)
{
	CHECK(tu_transport == RF_TRANSPORT_COORDINATOR, "handshake is the coordinator's");
	uint32_t me = rf_world_rank(w), P = rf_world_size(w);
	if (me == 0)
		rf_barrier_set_trace(w, handshake_trace, w);
	uint64_t rng = 5 + me;
	uint8_t buf[64] = {0};
	for (uint32_t r = 0; r < rounds; r++)
		for (int m = RF_RENDEZVOUS; m <= RF_PROCESSING_FENCE; m++) {
			for (uint32_t k = (uint32_t)(rf_os_splitmix64(&rng) % 4); k > 0; k--)
				CHECK_OK(rf_send(w, RF_DEST_ALL, T_DATA, buf, sizeof buf, SECOND));
			CHECK_OK(rf_barrier(w, (enum rf_mode)m, 10 * SECOND));
		}
	if (me != 0)
		return;
	struct rf_snapshot *s;
	CHECK_OK(rf_snapshot_take(w, &s));
	rf_snapshot_print(s, stdout);
	for (int m = RF_RENDEZVOUS; m <= RF_PROCESSING_FENCE; m++) {
		uint64_t want = m == RF_RENDEZVOUS ? 0 : rounds;
		CHECK(s->stats[m].rounds == rounds, "%s: %llu rounds", rf_mode_name((enum rf_mode)m),
		      (unsigned long long)s->stats[m].rounds);
		CHECK(s->stats[m].handshakes == want && traced[m] == want,
		      "%s: %llu handshakes, %u traced, want %llu", rf_mode_name((enum rf_mode)m),
		      (unsigned long long)s->stats[m].handshakes, traced[m],
		      (unsigned long long)want);
	}
	rf_snapshot_free(s);
	(void)P;
}

int main(int argc, char **argv)
{
	CHECK(argc >= 3,
	      "usage: %s shm|coordinator modes P [rounds]|slow|mixed|kill|timeout|abort|"
	      "startup|stalled|left|handshake",
	      argv[0]);
	tu_whole_lines(stdout);
	tu_log_to_stderr();
	tu_transport_arg(argv[1]);
	argc--;
	const char *c = argv[2];
	char **args = argv + 1; /* case arguments start at args[1] */
	rf_world *w;
	if (strcmp(c, "modes") == 0) {
		CHECK(argc >= 3, "modes needs P");
		uint32_t P = (uint32_t)atoi(args[2]);
		uint32_t rounds = argc >= 4 ? (uint32_t)atoi(args[3]) : 300;
		w = tu_launch(argv, P, 0, 0);
		run_modes(w, rounds);
	} else if (strcmp(c, "slow") == 0) {
		w = tu_launch(argv, 3, 0, 0);
		run_slow(w);
	} else if (strcmp(c, "mixed") == 0) {
		w = tu_launch(argv, 3, 0, 0);
		run_mixed(w);
	} else if (strcmp(c, "kill") == 0) {
		w = tu_launch(argv, 4, 0, 0);
		run_kill(w);
	} else if (strcmp(c, "timeout") == 0) {
		w = tu_launch(argv, 2, 0, 0);
		run_timeout(w);
	} else if (strcmp(c, "abort") == 0) {
		w = tu_launch(argv, 3, 0, 0);
		run_abort(w);
	} else if (strcmp(c, "startup") == 0) {
		run_startup(argv);
		return 0;
	} else if (strcmp(c, "stalled") == 0) {
		w = tu_launch(argv, 3, 0, 0);
		run_stalled(w);
	} else if (strcmp(c, "left") == 0) {
		w = tu_launch(argv, 2, 0, 0);
		run_left(w);
	} else if (strcmp(c, "handshake") == 0) {
		w = tu_launch(argv, 4, 0, 0);
		run_handshake(w, 200);
	} else {
		CHECK(0, "unknown case %s", c);
		return 2;
	}
	return tu_finish(w);
}
