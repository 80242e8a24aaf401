/* The soak oracle (SPEC §7), the reader side.
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
 * sender reported. Rendezvous only
 * counts missing markers (the miss rate). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "oracle.h"
#include "record.h"

struct soak_rx {
	uint64_t *last_g, *next_direct, *next_all, *marker_round; /* [p] */
	uint32_t messages; /* violation lines printed by this process */
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
	r->rx = x;
	if (!x->last_g || !x->next_direct || !x->next_all || !x->marker_round)
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
	free(x);
	r->rx = NULL;
}

void oracle_print_snapshot(rf_world *w, const char *why)
{
	struct rf_snapshot *s;
	if (rf_snapshot_take(w, &s) != 0)
		return;
	fprintf(stderr, "rf-soak: participant %u: %s; stall rows (participant, entry target, observed progress):\n",
		rf_world_rank(w), why);
	rf_snapshot_print(s, stderr);
	rf_snapshot_free(s);
}

/* Counts one violation; prints the message and (the first few times in the
 * world) the snapshot rows. */
__attribute__((format(printf, 3, 4)))
static void oracle_violation(struct soak_run *r, bool snapshot, const char *fmt, ...)
{
	atomic_fetch_add(&r->sh->violations, 1);
	if (r->rx->messages++ >= MAX_MESSAGES)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "rf-soak: VIOLATION participant %u round %llu: %s (replay: --seed=%llu)\n",
		r->me, (unsigned long long)r->round, msg, (unsigned long long)r->o->seed);
	if (snapshot && atomic_fetch_add(&r->sh->reported, 1) < MAX_SNAPSHOTS)
		oracle_print_snapshot(r->w, "violation");
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
	uint64_t *next = rec->dest == RF_DEST_ALL ? &x->next_all[p] : &x->next_direct[p];
	if (h.seq != *next)
		oracle_violation(r, false, "%s record from %u: sequence %llu, expected %llu (%s)",
				 rec->dest == RF_DEST_ALL ? "broadcast" : "direct", p,
				 (unsigned long long)h.seq, (unsigned long long)*next,
				 h.seq > *next ? "lost" : "duplicate or reordered");
	*next = h.seq + 1; /* resynchronise: one fault, one violation */
	/* The handler's side effect, visible to every participant. */
	atomic_fetch_add_explicit(shared_recv(r->sh, r->P, r->me, p), h.value, memory_order_relaxed);
	if (rec->type == T_MARKER) {
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

/* The first reader q of a ring p still behind E_p (received, or processed
 * for the processing fence) in a snapshot; false if none. Progress counters
 * only grow, so reading them while others already run the next round cannot
 * give a false alarm. */
static bool first_behind(struct soak_run *r, bool processed, uint32_t *bp, uint32_t *bq,
			 uint64_t *bE, uint64_t *bgot)
{
	struct rf_snapshot *s;
	if (rf_snapshot_take(r->w, &s) != 0)
		return false;
	bool behind = false;
	for (uint32_t p = 0; p < r->P && !behind; p++) {
		uint64_t E = atomic_load_explicit(shared_entry(r->sh, r->P, r->round, p),
						  memory_order_relaxed);
		for (uint32_t q = 0; q < r->P && !behind; q++) {
			size_t i = (size_t)p * r->P + q;
			uint64_t got = processed ? s->processed[i] : s->received[i];
			if (q != p && got < E) {
				*bp = p, *bq = q, *bE = E, *bgot = got;
				behind = true;
			}
		}
	}
	rf_snapshot_free(s);
	return behind;
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
	bool behind = first_behind(r, mode == RF_PROCESSING_FENCE, &bp, &bq, &bE, &bgot);
	if (behind && mode != RF_RENDEZVOUS)
		oracle_violation(r, true, "%s fence returned before reader %u %s ring %u up to E_p=%llu (at %llu)",
				 rf_mode_name(mode), bq,
				 mode == RF_PROCESSING_FENCE ? "processed" : "received", bp,
				 (unsigned long long)bE, (unsigned long long)bgot);
	/* Rendezvous: a marker we lack, or one some other reader lacks, is an
	 * observation, counted once per round by whoever sees it first. */
	if ((missing || behind) && mode == RF_RENDEZVOUS &&
	    atomic_exchange(&r->sh->miss_flag[r->round % MISS_SLOTS], 1) == 0)
		atomic_fetch_add(&r->sh->misses, 1);
	if (mode != RF_PROCESSING_FENCE)
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
