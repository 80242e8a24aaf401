/* rf_barrier (SPEC §4): argument checks, the entry every transport publishes,
 * and the table that chooses the transport once per world. A transport is a
 * row of the table (struct rf_barrier_ops, barrier_impl.h); it knows nothing
 * of its siblings, and the ring knows nothing of any of them. */
#include <stdlib.h>
#include <string.h>

#include "barrier_impl.h"

static const struct rf_barrier_ops *const table[] = {
	[RF_TRANSPORT_SHM] = &rf_barrier_shm_ops,
	[RF_TRANSPORT_COORDINATOR] = &rf_barrier_coordinator_ops,
};

static const char *const transport_names[] = {
	[RF_TRANSPORT_SHM] = "shm",
	[RF_TRANSPORT_COORDINATOR] = "coordinator",
};

#define NTRANSPORTS (sizeof table / sizeof table[0])

int rf_barrier_init(struct rf_world *w)
{
	if ((unsigned)w->transport >= NTRANSPORTS)
		return RF_EINVAL;
	const struct rf_barrier_ops *ops = table[w->transport];
	w->barrier_ops = ops;
	w->hooks = (struct rf_ring_hooks){.library_record = ops->on_record,
					  .received = ops->on_received,
					  .drained = ops->on_drained};
	return ops->init(w);
}

void rf_barrier_fini(struct rf_world *w)
{
	if (w->barrier_ops)
		w->barrier_ops->fini(w);
	w->barrier_ops = NULL;
}

void rf_barrier_segment_init(struct rf_world *w)
{
	if (w->barrier_ops->segment_init)
		w->barrier_ops->segment_init(w);
}

int rf_barrier(rf_world *w, enum rf_mode mode, int64_t timeout_ns)
{
	if (!w || (unsigned)mode > RF_PROCESSING_FENCE || timeout_ns < 0)
		return RF_EINVAL;
	if (w->in_handler)
		return RF_EBUSY;
	int ab = rf_world_aborted(w);
	if (ab)
		return ab;
	uint64_t R = w->rounds_done + 1;
	rf_round_enter(w, R, mode);
	int32_t status = 0;
	int rc = w->barrier_ops->enter(w, R, mode, rf_os_deadline(timeout_ns), &status);
	if (rc == 0) {
		w->rounds_done = R;
		return status;
	}
	/* Our arrival is counted but the round cannot finish without us: release
	 * everyone rather than leave them waiting for a round that is gone. */
	if (rc == RF_ETIMEDOUT || rc == RF_ECORRUPT)
		rf_world_abort(w, RF_EABORTED);
	return rc;
}

void rf_barrier_set_trace(rf_world *w, rf_trace_fn fn, void *ctx)
{
	w->trace = fn;
	w->trace_ctx = ctx;
}

uint64_t rf_barrier_rounds(const rf_world *w)
{
	return w->rounds_done;
}

const char *rf_transport_name(enum rf_transport t)
{
	return (unsigned)t < NTRANSPORTS ? transport_names[t] : "?";
}

int rf_transport_parse(const char *name, enum rf_transport *out)
{
	for (unsigned t = 0; name && t < NTRANSPORTS; t++)
		if (strcmp(name, transport_names[t]) == 0) {
			*out = (enum rf_transport)t;
			return 0;
		}
	return RF_EINVAL;
}
