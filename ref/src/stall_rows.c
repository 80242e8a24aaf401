/* Stall rows (SPEC §4): a snapshot printed as (participant, entry target,
 * observed progress) rows. Above the barrier layer (it names transports and
 * modes); taking a snapshot (snapshot.c) is below it, so a barrier that times
 * out can keep one. */
#include "internal.h"

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
