/* Snapshots and stall rows (SPEC §4). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int rf_snapshot_take(const rf_world *w, struct rf_snapshot **out)
{
	if (!w || !out)
		return RF_EINVAL;
	uint32_t P = w->nprocs;
	struct rf_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return RF_ENOMEM;
	s->leading = calloc(P, sizeof *s->leading);
	s->received = calloc((size_t)P * P, sizeof *s->received);
	s->processed = calloc((size_t)P * P, sizeof *s->processed);
	s->part = calloc(P, sizeof *s->part);
	if (!s->leading || !s->received || !s->processed || !s->part) {
		rf_snapshot_free(s);
		return RF_ENOMEM;
	}
	s->nprocs = P;
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
	struct rf_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return RF_ENOMEM;
	*s = *t;
	s->leading = malloc(P * sizeof *s->leading);
	s->received = malloc((size_t)P * P * sizeof *s->received);
	s->processed = malloc((size_t)P * P * sizeof *s->processed);
	s->part = malloc(P * sizeof *s->part);
	if (!s->leading || !s->received || !s->processed || !s->part) {
		rf_snapshot_free(s);
		return RF_ENOMEM;
	}
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

int rf_snapshot_print(const struct rf_snapshot *s, FILE *out)
{
	if (!s || !out)
		return RF_EINVAL;
	static const char *states[] = {"empty", "attaching", "running", "detached"};
	fprintf(out, "world snapshot by participant %u (%s transport): %llu rounds completed%s%s\n",
		s->self, rf_transport_name((enum rf_transport)s->transport),
		(unsigned long long)s->completed_rounds, s->aborted ? ", aborted: " : "",
		s->aborted ? rf_strerror(s->aborted) : "");
	for (int m = 0; m < 3; m++)
		if (s->stats[m].rounds)
			fprintf(out, "  %-10s %llu rounds, %llu by handshake (wait mean %.1f us, max %.1f us)\n",
				rf_mode_name((enum rf_mode)m), (unsigned long long)s->stats[m].rounds,
				(unsigned long long)s->stats[m].handshakes,
				s->stats[m].handshakes ? s->stats[m].wait_total_ns / 1e3 /
								 (double)s->stats[m].handshakes
						       : 0.0,
				s->stats[m].wait_max_ns / 1e3);
	fprintf(out, "%4s %8s %6s %-10s %-9s %7s %12s %12s\n", "p", "pid", "round", "mode",
		"state", "arrived", "E_p", "leading");
	for (uint32_t p = 0; p < s->nprocs; p++) {
		const struct rf_snapshot_participant *d = &s->part[p];
		fprintf(out, "%4u %8ld %6llu %-10s %-9s %7s %12llu %12llu\n", p, d->pid,
			(unsigned long long)d->round, rf_mode_name((enum rf_mode)d->mode),
			states[d->state & 3], d->arrived ? "yes" : "no",
			(unsigned long long)d->entry_target, (unsigned long long)s->leading[p]);
	}
	fprintf(out, "%4s %6s %12s %12s %12s  %s\n", "ring", "reader", "E_p", "received",
		"processed", "");
	for (uint32_t p = 0; p < s->nprocs; p++) {
		uint64_t E = s->part[p].entry_target;
		for (uint32_t q = 0; q < s->nprocs; q++) {
			if (q == p)
				continue;
			size_t i = (size_t)p * s->nprocs + q;
			const char *mark = s->received[i] < E    ? "<- not received"
					   : s->processed[i] < E ? "<- not processed"
								 : "";
			fprintf(out, "%4u %6u %12llu %12llu %12llu  %s\n", p, q,
				(unsigned long long)E, (unsigned long long)s->received[i],
				(unsigned long long)s->processed[i], mark);
		}
	}
	return 0;
}
