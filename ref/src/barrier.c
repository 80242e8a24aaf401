/* rf_barrier: argument checks and the choice of transport (SPEC §4). */
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
	int64_t deadline = rf_deadline(timeout_ns);
	int rc;
	switch (w->transport) {
	case RF_TRANSPORT_SHM:
		rc = rf_barrier_shm(w, mode, deadline);
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

uint64_t rf_barrier_rounds(const rf_world *w)
{
	return w->rounds_done;
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
