/* Snapshots (SPEC §4): the world's counters copied out, now or as they were
 * when a barrier timed out. Below the barrier layer, which keeps one at a
 * timeout; printing them is stall_rows.c. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A zeroed snapshot with its arrays for P participants, or NULL. */
static struct rf_snapshot *snapshot_alloc(uint32_t P)
{
	struct rf_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->leading = calloc(P, sizeof *s->leading);
	s->received = calloc((size_t)P * P, sizeof *s->received);
	s->processed = calloc((size_t)P * P, sizeof *s->processed);
	s->part = calloc(P, sizeof *s->part);
	if (!s->leading || !s->received || !s->processed || !s->part) {
		rf_snapshot_free(s);
		return NULL;
	}
	s->nprocs = P;
	return s;
}

int rf_snapshot_take(const rf_world *w, struct rf_snapshot **out)
{
	if (!w || !out)
		return RF_EINVAL;
	uint32_t P = w->nprocs;
	struct rf_snapshot *s = snapshot_alloc(P);
	if (!s)
		return RF_ENOMEM;
	s->self = w->self;
	s->transport = w->transport;
	/* acquire throughout: each counter is read as its owner published it */
	s->completed_rounds = atomic_load_explicit(&w->ctl->completed_rounds, memory_order_acquire);
	s->aborted = rf_world_aborted(w);
	for (int m = 0; m < 3; m++) {
		s->stats[m].rounds = atomic_load_explicit(&w->ctl->stats[m].rounds, memory_order_relaxed);
		s->stats[m].handshakes =
			atomic_load_explicit(&w->ctl->stats[m].handshakes, memory_order_relaxed);
		s->stats[m].wait_total_ns =
			atomic_load_explicit(&w->ctl->stats[m].wait_total_ns, memory_order_relaxed);
		s->stats[m].wait_max_ns =
			atomic_load_explicit(&w->ctl->stats[m].wait_max_ns, memory_order_relaxed);
	}
	for (uint32_t p = 0; p < P; p++) {
		const struct rf_seg_part *sp = &w->part[p];
		struct rf_snapshot_participant *d = &s->part[p];
		d->round = atomic_load_explicit(&sp->round, memory_order_acquire);
		d->entry_target = atomic_load_explicit(&sp->entry_target, memory_order_relaxed);
		d->mode = atomic_load_explicit(&sp->mode, memory_order_relaxed);
		d->arrived = d->round > s->completed_rounds;
		d->state = atomic_load_explicit(&sp->state, memory_order_acquire);
		d->pid = (long)atomic_load_explicit(&sp->pid, memory_order_relaxed);
		s->leading[p] = atomic_load_explicit(&w->rings[p].leading, memory_order_acquire);
		for (uint32_t q = 0; q < P; q++) {
			const struct rf_seg_progress *pr = rf_progress(w, p, q);
			size_t i = (size_t)p * P + q;
			/* processed first: read in this order, processed <= received holds */
			s->processed[i] = atomic_load_explicit(&pr->processed, memory_order_acquire);
			s->received[i] = atomic_load_explicit(&pr->received, memory_order_acquire);
		}
	}
	*out = s;
	return 0;
}

int rf_snapshot_at_timeout(const rf_world *w, struct rf_snapshot **out)
{
	if (!w || !out)
		return RF_EINVAL;
	const struct rf_snapshot *t = w->timeout_snapshot;
	if (!t)
		return RF_ENOENT;
	uint32_t P = t->nprocs;
	struct rf_snapshot *s = snapshot_alloc(P);
	if (!s)
		return RF_ENOMEM;
	/* the scalars as they were; the arrays copied into our own */
	struct rf_snapshot arrays = *s;
	*s = *t;
	s->leading = arrays.leading;
	s->received = arrays.received;
	s->processed = arrays.processed;
	s->part = arrays.part;
	memcpy(s->leading, t->leading, P * sizeof *s->leading);
	memcpy(s->received, t->received, (size_t)P * P * sizeof *s->received);
	memcpy(s->processed, t->processed, (size_t)P * P * sizeof *s->processed);
	memcpy(s->part, t->part, P * sizeof *s->part);
	*out = s;
	return 0;
}

void rf_snapshot_free(struct rf_snapshot *s)
{
	if (!s)
		return;
	free(s->leading);
	free(s->received);
	free(s->processed);
	free(s->part);
	free(s);
}
