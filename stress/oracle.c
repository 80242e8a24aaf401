/* The soak oracle (SPEC §7), the reader side, driver-neutral (SPEC §9): it
 * sees only what the driver interface exposes, records at handler entry,
 * the driver's progress counters when it offers them, and the suite's own
 * shared mapping.
 *
 * In the handler, every mode: per sender, records arrive exactly once and in
 * order (a gap-free sequence per stream, g strictly increasing), with an
 * intact payload (checksum); a marker also says how many broadcasts came
 * before it, which catches a lost or duplicated last broadcast.
 * After the barrier: fenced modes need the marker (p, r) of every p; the
 * processing fence also needs every reader's handler side effects (sums of
 * values, published in shared memory by the handler itself) to cover what
 * every sender reported for round r. That second check is global, like the
 * fence: it sees a reader whose handler has not yet run. Both fences are
 * also checked against every reader's published progress and the E_p each
 * sender reported (only for a driver that offers progress counters).
 * Rendezvous only counts missing markers (the miss rate).
 *
 * The causal check needs no shared memory: p sends a record of round r + 1
 * only after its round-r barrier returned, so when q is handed it, q must
 * hold every marker (p', r). Processing fence: already handled, checked at
 * handler entry; delivery fence: received, so handed by the end of q's
 * current driver call, checked when that call returns. It catches a fence
 * that drains only the caller, which q's own markers cannot. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "faults.h"
#include "oracle.h"
#include "record.h"

struct soak_rx {
	uint64_t *last_g, *next_direct, *next_all, *marker_round, *handled; /* [p] */
	uint64_t *leading, *received, *processed; /* the driver's progress: [p], [p * P + q] */
	uint64_t causal_seen;      /* the latest round r some record of r + 1 vouched for */
	uint64_t causal_handled;   /* the latest processing round checked at handler entry */
	uint64_t causal_returned;  /* the latest round checked when a driver call returned */
	bool rows_due;             /* a violation in the handler: rows once the call returns */
	uint32_t messages, causal_messages; /* violation lines printed by this process */
};

#define MAX_MESSAGES 10 /* per process: the first few tell the story */
#define MAX_SNAPSHOTS 3 /* per world */

int oracle_init(struct soak_run *r)
{
	struct soak_rx *x = calloc(1, sizeof *x);
	if (!x)
		return RF_ENOMEM;
	x->last_g = calloc(r->P, sizeof(uint64_t));
	x->next_direct = calloc(r->P, sizeof(uint64_t));
	x->next_all = calloc(r->P, sizeof(uint64_t));
	x->marker_round = calloc(r->P, sizeof(uint64_t));
	x->handled = calloc(r->P, sizeof(uint64_t));
	x->leading = calloc(r->P, sizeof(uint64_t));
	x->received = calloc((size_t)r->P * r->P, sizeof(uint64_t));
	x->processed = calloc((size_t)r->P * r->P, sizeof(uint64_t));
	r->rx = x;
	if (!x->last_g || !x->next_direct || !x->next_all || !x->marker_round || !x->handled ||
	    !x->leading || !x->received || !x->processed)
		return RF_ENOMEM;
	return 0;
}

void oracle_free(struct soak_run *r)
{
	struct soak_rx *x = r->rx;
	if (!x)
		return;
	free(x->last_g);
	free(x->next_direct);
	free(x->next_all);
	free(x->marker_round);
	free(x->handled);
	free(x->leading);
	free(x->received);
	free(x->processed);
	free(x);
	r->rx = NULL;
}

static bool has_progress(const struct soak_run *r)
{
	return (r->drv->caps & RF_DRIVER_PROGRESS) && r->drv->progress;
}

/* After a barrier of the reference timed out: the progress it kept at that
 * moment (rf_snapshot_at_timeout), before the abort released everyone and
 * they started to leave; false for any other ending or driver. */
static bool timeout_progress(struct soak_run *r)
{
	struct rf_snapshot *s;
	if (r->rc != RF_ETIMEDOUT || !r->im->reference || !r->w ||
	    rf_snapshot_at_timeout(r->w, &s) != 0)
		return false;
	bool fits = s->nprocs == r->P;
	if (fits) {
		memcpy(r->rx->leading, s->leading, r->P * sizeof *s->leading);
		memcpy(r->rx->received, s->received, (size_t)r->P * r->P * sizeof *s->received);
		memcpy(r->rx->processed, s->processed, (size_t)r->P * r->P * sizeof *s->processed);
	}
	rf_snapshot_free(s);
	return fits;
}

/* The driver's progress into rx (for a stall, as it was when the timeout
 * fired, where the driver kept it); false when it has none to give. */
static bool take_progress(struct soak_run *r)
{
	return has_progress(r) &&
	       (timeout_progress(r) ||
		r->drv->progress(r->c, r->rx->leading, r->rx->received, r->rx->processed) == 0);
}

/* Rows are gathered and written at once: participants print them at the
 * same moment, and line by line they would interleave. */
struct text {
	char *buf;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = 2 * (t->len + (size_t)n + 1) + 256;
		char *b = realloc(t->buf, cap);
		if (!b)
			return; /* out of memory: the rows lose a line, nothing else */
		t->buf = b;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void oracle_print_rows(struct soak_run *r, const char *why)
{
	struct soak_rx *x = r->rx;
	struct text t = {NULL, 0, 0};
	if (take_progress(r)) {
		text_add(&t, "rf-soak: participant %u: %s; stall rows (participant, entry target, observed progress):\n",
			 r->me, why);
		text_add(&t, "%4s %6s %12s %12s %12s %12s  (%s progress, round %llu)\n", "ring", "reader",
			 "E_p", "leading", "received", "processed", r->drv->name,
			 (unsigned long long)r->round);
		for (uint32_t p = 0; p < r->P; p++) {
			uint64_t E = atomic_load_explicit(shared_entry(r->sh, r->P, r->round, p),
							  memory_order_relaxed);
			for (uint32_t q = 0; q < r->P; q++) {
				if (q == p)
					continue;
				size_t i = (size_t)p * r->P + q;
				const char *mark = x->received[i] < E    ? "<- not received"
						   : x->processed[i] < E ? "<- not processed"
									 : "";
				text_add(&t, "%4u %6u %12llu %12llu %12llu %12llu  %s\n", p, q,
					 (unsigned long long)E, (unsigned long long)x->leading[p],
					 (unsigned long long)x->received[i],
					 (unsigned long long)x->processed[i], mark);
			}
		}
	} else {
		/* No progress counters: what this reader's handler saw, per sender. */
		text_add(&t, "rf-soak: participant %u: %s; oracle rows of reader %u in round %llu (%s has no progress counters):\n",
			 r->me, why, r->me, (unsigned long long)r->round, r->drv->name);
		text_add(&t, "%6s %6s %14s %14s\n", "sender", "reader", "marker round", "records");
		for (uint32_t p = 0; p < r->P; p++)
			if (p != r->me)
				text_add(&t, "%6u %6u %14llu %14llu  %s\n", p, r->me,
					 (unsigned long long)x->marker_round[p],
					 (unsigned long long)x->handled[p],
					 x->marker_round[p] < r->round ? "<- marker missing" : "");
	}
	if (t.buf)
		fputs(t.buf, stderr);
	free(t.buf);
}

/* Counts one violation; prints the message and (the first few times in the
 * world) the snapshot rows. */
__attribute__((format(printf, 4, 5)))
static void violation_in(struct soak_run *r, uint32_t *budget, bool snapshot, const char *fmt, ...)
{
	counts_add(COUNT_VIOLATIONS);
	if ((*budget)++ >= MAX_MESSAGES)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "rf-soak: VIOLATION participant %u round %llu: %s (replay: --seed=%llu)\n",
		r->me, (unsigned long long)r->round, msg, (unsigned long long)r->o->seed);
	if (snapshot && atomic_fetch_add(&r->sh->reported, 1) < MAX_SNAPSHOTS)
		oracle_print_rows(r, "violation");
}

/* The checks of SPEC §7 and the causal one print on budgets of their own,
 * so neither can hide the other's first lines. */
#define oracle_violation(r, snapshot, ...) violation_in((r), &(r)->rx->messages, (snapshot), __VA_ARGS__)
#define causal_violation(r, snapshot, ...) violation_in((r), &(r)->rx->causal_messages, (snapshot), __VA_ARGS__)

/* The latest round <= upto whose mode is in `modes` (RF_DRIVER_MODE_CAP
 * bits), or 0: the modes repeat every nmodes rounds. */
static uint64_t latest_round(const struct soak_run *r, uint64_t upto, uint32_t modes)
{
	for (uint64_t c = upto; c >= 1 && c + r->im->nmodes > upto; c--)
		if (modes & RF_DRIVER_MODE_CAP(impl_round_mode(r->im, c)))
			return c;
	return 0;
}

/* The first participant p' != me whose marker (p', round) this reader lacks. */
static bool marker_missing(const struct soak_run *r, uint64_t round, uint32_t *who)
{
	for (uint32_t p = 0; p < r->P; p++)
		if (p != r->me && r->rx->marker_round[p] < round) {
			*who = p;
			return true;
		}
	return false;
}

bool oracle_has_markers(const struct soak_run *r)
{
	uint32_t who;
	return !marker_missing(r, r->round, &who);
}

/* At handler entry, a record of round s from p: round s - 1 is over for p. */
static void causal_at_entry(struct soak_run *r, uint32_t p, uint64_t s)
{
	struct soak_rx *x = r->rx;
	if (s < 2 || s - 1 <= x->causal_seen)
		return;
	x->causal_seen = s - 1;
	uint64_t c = latest_round(r, s - 1, RF_DRIVER_MODE_CAP(RF_PROCESSING_FENCE));
	uint32_t who;
	if (c > x->causal_handled) {
		x->causal_handled = c;
		/* the driver may not be called from its handler: rows after the call */
		if (marker_missing(r, c, &who)) {
			causal_violation(r, false, "processing fence of round %llu returned in %u, whose next record reached this reader's handler before the marker (%u, %llu) had: the fence did not cover reader %u",
					 (unsigned long long)c, p, who, (unsigned long long)c, r->me);
			x->rows_due = true;
		}
	}
}

void oracle_handler(void *ctx, const struct rf_record *rec)
{
	struct soak_run *r = ctx;
	struct soak_rx *x = r->rx;
	uint32_t p = rec->sender;
	faults_in_handler(r);
	struct soak_rec h;
	if (rec->len < sizeof h || (rec->type != T_DATA && rec->type != T_MARKER)) {
		oracle_violation(r, false, "record from %u: length %u type %u", p, rec->len,
				 rec->type);
		return;
	}
	memcpy(&h, rec->payload, sizeof h);
	if (!record_intact(&h, rec->payload, rec->len))
		oracle_violation(r, false, "record g=%llu from %u: checksum mismatch (torn or corrupt payload)",
				 (unsigned long long)h.g, p);
	if (h.g <= x->last_g[p])
		oracle_violation(r, false, "record g=%llu from %u after g=%llu: duplicate or reordered",
				 (unsigned long long)h.g, p, (unsigned long long)x->last_g[p]);
	x->last_g[p] = h.g;
	x->handled[p]++;
	causal_at_entry(r, p, h.round);
	uint64_t *next = rec->dest == RF_DEST_ALL ? &x->next_all[p] : &x->next_direct[p];
	if (h.seq != *next)
		oracle_violation(r, false, "%s record from %u: sequence %llu, expected %llu (%s)",
				 rec->dest == RF_DEST_ALL ? "broadcast" : "direct", p,
				 (unsigned long long)h.seq, (unsigned long long)*next,
				 h.seq > *next ? "lost" : "duplicate or reordered");
	*next = h.seq + 1; /* resynchronise: one fault, one violation */
	/* The handler's side effect, visible to every participant. */
	uint64_t sum = atomic_fetch_add_explicit(shared_recv(r->sh, r->P, r->me, p), h.value,
						 memory_order_relaxed) + h.value;
	if (rec->type == T_MARKER) {
		/* The side effect as the sender counts it, carried in the marker:
		 * what needs no shared memory, so it holds across machines too. */
		if (h.total != sum) {
			oracle_violation(r, false, "marker (%u, %u): the handler took values summing to %llu from %u, the sender sent %llu",
					 p, h.round, (unsigned long long)sum, p, (unsigned long long)h.total);
			/* resynchronise: one fault, one violation */
			atomic_store_explicit(shared_recv(r->sh, r->P, r->me, p), h.total,
					      memory_order_relaxed);
		}
		if (h.round != x->marker_round[p] + 1)
			oracle_violation(r, false, "marker of round %u from %u after round %llu",
					 h.round, p, (unsigned long long)x->marker_round[p]);
		if (h.aux != x->next_all[p]) {
			oracle_violation(r, false, "marker from %u: it broadcast %llu records, %llu arrived",
					 p, (unsigned long long)h.aux,
					 (unsigned long long)x->next_all[p]);
			x->next_all[p] = h.aux;
		}
		x->marker_round[p] = h.round;
	}
}

void oracle_before_barrier(struct soak_run *r)
{
	/* E_p in the driver's own unit, published for every reader's check */
	if (take_progress(r))
		atomic_store_explicit(shared_entry(r->sh, r->P, r->round, r->me), r->rx->leading[r->me],
				      memory_order_relaxed);
}

void oracle_after_call(struct soak_run *r)
{
	struct soak_rx *x = r->rx;
	if (x->causal_seen > x->causal_returned) {
		uint64_t s1 = x->causal_seen;
		x->causal_returned = s1;
		uint64_t c = latest_round(r, s1, RF_DRIVER_MODE_CAP(RF_DELIVERY_FENCE) |
							 RF_DRIVER_MODE_CAP(RF_PROCESSING_FENCE));
		uint32_t who;
		if (c && marker_missing(r, c, &who))
			causal_violation(r, true, "%s fence of round %llu returned in a peer, whose next record this reader got in a driver call that ended without the marker (%u, %llu): the fence did not cover reader %u",
					 rf_mode_name(impl_round_mode(r->im, c)), (unsigned long long)c, who,
					 (unsigned long long)c, r->me);
		else if (impl_round_mode(r->im, s1) == RF_RENDEZVOUS && marker_missing(r, s1, &who) &&
			 atomic_exchange(&r->sh->miss_flag[s1 % MISS_SLOTS], 1) == 0)
			counts_add(COUNT_MISSES);
	}
	if (x->rows_due) {
		x->rows_due = false;
		if (atomic_fetch_add(&r->sh->reported, 1) < MAX_SNAPSHOTS)
			oracle_print_rows(r, "violation");
	}
}

/* The first reader q of a ring p still behind E_p (received, or processed
 * for the processing fence) in the driver's progress; false if none or the
 * driver has no progress counters. Counters only grow, so reading them
 * while others already run the next round cannot give a false alarm. */
static bool first_behind(struct soak_run *r, bool processed, uint32_t *bp, uint32_t *bq,
			 uint64_t *bE, uint64_t *bgot)
{
	if (!take_progress(r))
		return false;
	struct soak_rx *x = r->rx;
	for (uint32_t p = 0; p < r->P; p++) {
		uint64_t E = atomic_load_explicit(shared_entry(r->sh, r->P, r->round, p),
						  memory_order_relaxed);
		for (uint32_t q = 0; q < r->P; q++) {
			size_t i = (size_t)p * r->P + q;
			uint64_t got = processed ? x->processed[i] : x->received[i];
			if (q != p && got < E) {
				*bp = p, *bq = q, *bE = E, *bgot = got;
				return true;
			}
		}
	}
	return false;
}

void oracle_after_round(struct soak_run *r, enum rf_mode mode)
{
	struct soak_rx *x = r->rx;
	uint32_t missing = 0, first = 0;
	for (uint32_t p = 0; p < r->P; p++)
		if (p != r->me && x->marker_round[p] < r->round) {
			if (!missing++)
				first = p;
		}
	if (missing && mode != RF_RENDEZVOUS)
		oracle_violation(r, true, "%s fence returned without the marker of %u participant(s), first (%u, %llu)",
				 rf_mode_name(mode), missing, first, (unsigned long long)r->round);
	/* The fence is global: every reader of every ring p has received
	 * (processed) up to the E_p its writer reported. */
	uint32_t bp = 0, bq = 0;
	uint64_t bE = 0, bgot = 0;
	/* Under mpirun (no launched world) the shared area is this rank's
	 * own: what needs another's memory rides in the markers instead. */
	bool behind = r->w && first_behind(r, mode == RF_PROCESSING_FENCE, &bp, &bq, &bE, &bgot);
	if (behind && mode != RF_RENDEZVOUS)
		oracle_violation(r, true, "%s fence returned before reader %u %s ring %u up to E_p=%llu (at %llu)",
				 rf_mode_name(mode), bq,
				 mode == RF_PROCESSING_FENCE ? "processed" : "received", bp,
				 (unsigned long long)bE, (unsigned long long)bgot);
	/* Rendezvous: a marker we lack, or one some other reader lacks, is an
	 * observation, counted once per round by whoever sees it first. */
	if ((missing || behind) && mode == RF_RENDEZVOUS &&
	    atomic_exchange(&r->sh->miss_flag[r->round % MISS_SLOTS], 1) == 0)
		counts_add(COUNT_MISSES);
	if (mode != RF_PROCESSING_FENCE || !r->w)
		return;
	/* relaxed: the barrier orders every report and handler effect before us */
	for (uint32_t p = 0; p < r->P; p++)
		for (uint32_t q = 0; q < r->P; q++) {
			if (p == q)
				continue;
			uint64_t sent = atomic_load_explicit(shared_sent(r->sh, r->P, r->round, p, q),
							     memory_order_relaxed);
			uint64_t got = atomic_load_explicit(shared_recv(r->sh, r->P, q, p),
							    memory_order_relaxed);
			if (got < sent) {
				oracle_violation(r, true, "processing fence returned before reader %u's handler took all of %u's records: sum %llu of %llu",
						 q, p, (unsigned long long)got, (unsigned long long)sent);
				return;
			}
		}
}
