/* rf_barrier (SPEC §4): argument checks, the entry every transport publishes,
 * and the table that chooses the transport and algorithm once per world. An
 * algorithm is a row of the table (struct rf_barrier_ops, barrier_impl.h);
 * it knows nothing of its siblings, and the ring knows nothing of any of them. */
#include <stdlib.h>
#include <string.h>

#include "barrier_impl.h"

#define NALGORITHMS 4

/* [transport][algorithm]; NULL: that transport cannot complete rounds so. */
static const struct rf_barrier_ops *const table[][NALGORITHMS] = {
	[RF_TRANSPORT_SHM] = {[RF_ALGO_CENTRAL] = &rf_barrier_shm_ops,
			      [RF_ALGO_DISSEMINATION] = &rf_barrier_dissemination_ops,
			      [RF_ALGO_TREE] = &rf_barrier_tree_ops},
	[RF_TRANSPORT_COORDINATOR] = {[RF_ALGO_CENTRAL] = &rf_barrier_coordinator_ops},
};

static const char *const algorithm_names[NALGORITHMS] = {
	[RF_ALGO_AUTO] = "auto",
	[RF_ALGO_CENTRAL] = "central",
	[RF_ALGO_DISSEMINATION] = "dissemination",
	[RF_ALGO_TREE] = "tree",
};

static const char *const transport_names[] = {
	[RF_TRANSPORT_SHM] = "shm",
	[RF_TRANSPORT_COORDINATOR] = "coordinator",
};

#define NTRANSPORTS (sizeof table / sizeof table[0])


static const struct rf_barrier_ops *row(uint32_t transport, uint32_t algorithm)
{
	return transport < NTRANSPORTS && algorithm < NALGORITHMS ? table[transport][algorithm]
								   : NULL;
}

/* AUTO: the rule the benchmarks justify (README, "Choosing an algorithm").
 * With more participants than CPUs a round costs context switches, and the
 * central counter needs the fewest (one arrival each, one completion);
 * the dissemination barrier's log2 P dependent stages each wait for a
 * descheduled partner. With a CPU each, the dissemination barrier has no
 * word that everyone hits, and at P = 2 its two signals cross in flight.
 * The machine's CPUs: the creator may already be pinned to one (wait.c). */
static enum rf_algorithm resolve(uint32_t transport, uint32_t nprocs)
{
	if (transport != RF_TRANSPORT_SHM || nprocs > rf_os_ncpus_online())
		return RF_ALGO_CENTRAL;
	return RF_ALGO_DISSEMINATION;
}

bool rf_barrier_plan(struct rf_seg_header *h, enum rf_algorithm requested)
{
	uint32_t a = requested == RF_ALGO_AUTO ? resolve(h->transport, h->nprocs)
					       : (uint32_t)requested;
	const struct rf_barrier_ops *ops = row(h->transport, a);
	if (!ops || h->nprocs < 2 || h->nprocs > RF_MAX_PROCS)
		return false;
	h->algorithm = a;
	h->barrier_bytes = ops->shared_bytes ? ops->shared_bytes(h->nprocs) : 0;
	return true;
}

bool rf_barrier_plan_valid(const struct rf_seg_header *h)
{
	struct rf_seg_header want = *h;
	return rf_barrier_plan(&want, (enum rf_algorithm)h->algorithm) &&
	       want.barrier_bytes == h->barrier_bytes && h->algorithm != RF_ALGO_AUTO;
}

int rf_barrier_init(struct rf_world *w)
{
	const struct rf_barrier_ops *ops = row(w->transport, w->algorithm);
	if (!ops)
		return RF_EINVAL;
	w->barrier_ops = ops;
	w->hooks = (struct rf_ring_hooks){.library_record = ops->on_record,
					  .received = ops->on_received,
					  .drained = ops->on_drained};
	return ops->init(w);
}

void rf_barrier_fini(struct rf_world *w)
{
	if (w->barrier_ops && w->barrier_ops->fini)
		w->barrier_ops->fini(w);
	else
		free(w->barrier); /* a row whose state is one allocation */
	w->barrier = NULL;
	w->barrier_ops = NULL;
}

void rf_barrier_segment_init(struct rf_world *w)
{
	if (w->barrier_ops->segment_init)
		w->barrier_ops->segment_init(w);
}

int rf_barrier(rf_world *w, enum rf_mode mode, int64_t timeout_ns)
{
	/* model: barrier_central.pml proctype participant (barrier.c rf_barrier) */
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
	if (rc == RF_ETIMEDOUT || rc == RF_ECORRUPT) {
		/* the state that caused the timeout, before the abort releases
		 * everyone and they start to leave (rf_snapshot_at_timeout) */
		if (rc == RF_ETIMEDOUT) {
			rf_snapshot_free(w->timeout_snapshot);
			w->timeout_snapshot = NULL;
			rf_snapshot_take(w, &w->timeout_snapshot); /* none if out of memory */
		}
		rf_world_abort(w, RF_EABORTED);
	}
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

const char *rf_algorithm_name(enum rf_algorithm a)
{
	return (unsigned)a < NALGORITHMS ? algorithm_names[a] : "?";
}

int rf_algorithm_parse(const char *name, enum rf_algorithm *out)
{
	for (unsigned a = 0; name && a < NALGORITHMS; a++)
		if (strcmp(name, algorithm_names[a]) == 0) {
			*out = (enum rf_algorithm)a;
			return 0;
		}
	return RF_EINVAL;
}
