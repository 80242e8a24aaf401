/* rf_barrier: argument checks and the choice of transport (SPEC §4). */
#include <string.h>

#include "internal.h"

int rf_barrier(rf_world *w, enum rf_mode mode, int64_t timeout_ns)
{
	if (!w || (unsigned)mode > RF_PROCESSING_FENCE || timeout_ns < 0)
		return RF_EINVAL;
	if (w->in_handler)
		return RF_EBUSY;
	int ab = rf_world_aborted(w);
	if (ab)
		return ab;
	int64_t deadline = rf_os_deadline(timeout_ns);
	int rc;
	switch (w->transport) {
	case RF_TRANSPORT_SHM:
		rc = rf_barrier_shm(w, mode, deadline);
		break;
	case RF_TRANSPORT_COORDINATOR:
		rc = rf_barrier_coord(w, mode, deadline);
		break;
	default:
		return RF_EINVAL;
	}
	/* Our arrival is counted but the round cannot finish without us: release
	 * everyone rather than leave them waiting for a round that is gone. */
	if (rc == RF_ETIMEDOUT || rc == RF_ECORRUPT)
		rf_world_abort(w, RF_EABORTED);
	return rc;
}

void rf_stats_round(struct rf_world *w, enum rf_mode mode, bool handshake, int64_t wait_ns)
{
	/* relaxed: one writer per round (the completer); snapshots are hints
	 * published by the release of completed_rounds that follows */
	struct rf_seg_stats *st = &w->ctl->stats[mode];
	atomic_fetch_add_explicit(&st->rounds, 1, memory_order_relaxed);
	if (!handshake)
		return;
	uint64_t ns = wait_ns > 0 ? (uint64_t)wait_ns : 0;
	atomic_fetch_add_explicit(&st->handshakes, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->wait_total_ns, ns, memory_order_relaxed);
	if (ns > atomic_load_explicit(&st->wait_max_ns, memory_order_relaxed))
		atomic_store_explicit(&st->wait_max_ns, ns, memory_order_relaxed);
}

uint64_t rf_barrier_rounds(const rf_world *w)
{
	return w->rounds_done;
}

static const char *const transport_names[] = {
	[RF_TRANSPORT_SHM] = "shm",
	[RF_TRANSPORT_COORDINATOR] = "coordinator",
};

const char *rf_transport_name(enum rf_transport t)
{
	return (unsigned)t < sizeof transport_names / sizeof transport_names[0] ? transport_names[t]
										    : "?";
}

int rf_transport_parse(const char *name, enum rf_transport *out)
{
	for (unsigned t = 0; name && t < sizeof transport_names / sizeof transport_names[0]; t++)
		if (strcmp(name, transport_names[t]) == 0) {
			*out = (enum rf_transport)t;
			return 0;
		}
	return RF_EINVAL;
}

const char *rf_mode_name(enum rf_mode mode)
{
	switch (mode) {
	case RF_RENDEZVOUS: return "rendezvous";
	case RF_DELIVERY_FENCE: return "delivery";
	case RF_PROCESSING_FENCE: return "processing";
	}
	return "?";
}
