/* The dissemination barrier of the shm transport (SPEC §4; Hensgen, Finkel
 * and Manber 1988): ceil(log2 P) stages; at stage k participant i signals
 * i + 2^k and waits for i - 2^k (mod P). After the last stage every
 * participant has heard, directly or through others, from all P: no counter
 * that everyone hits, no participant that finishes last for the others, and
 * at P = 2 the two signals of the only stage cross in flight.
 *
 * Each signal carries the round R and the OR of the modes its sender has
 * heard of, so every participant ends with the OR of all P modes and agrees
 * on RF_EMODE without reading anyone's entry.
 *
 * The fence: before its first signal a participant waits until every reader
 * of its own ring has received (processed) up to its E_p, polling its own
 * inbound rings meanwhile (struct rf_relay, round.c). Arrival then means
 * "my ring is fenced", and a completed round means every ring is: the fence
 * costs no second phase, only the check, which at K = 0 reads P-1
 * unchanged progress lines.
 *
 * Flags: one cache line per (participant, stage), holding a slot per round
 * parity. A partner can be at most one round ahead of us in any stage (it
 * cannot finish round R+1 without our arrival in it), so slot R & 1 holds
 * either round R-2's value or R's: the wait compares for equality. */
#include <stdlib.h>

#include "barrier_impl.h"

struct flag_line {
	alignas(RF_CACHELINE) _Atomic uint64_t slot[2]; /* [R & 1]: R << 3 | modes */
};

struct rf_barrier_state {
	struct rf_relay relay; /* first: the frame of relaying rows (round.c) */
	uint32_t stages;
	uint32_t stage;  /* stages done in this round */
	bool sent;       /* this stage's signal is out */
};

static uint32_t stages_for(uint32_t P)
{
	uint32_t k = 0;
	while ((1u << k) < P)
		k++;
	return k;
}

static size_t shared_bytes(uint32_t P)
{
	return (size_t)P * stages_for(P) * sizeof(struct flag_line);
}

static struct flag_line *flag(struct rf_world *w, uint32_t who, uint32_t stage)
{
	return (struct flag_line *)w->barrier_area + (size_t)who * w->barrier->stages + stage;
}

/* The stages, as far as they can go now (struct rf_relay's step): 1 when
 * complete, RF_WAIT_PROGRESS when they moved, 0 when waiting for a peer.
 * Called again by the wait after it announced it may sleep: every step is
 * done once. */
static int advance(struct rf_world *w, void *arg)
{
	/* model: barrier_dissemination.pml inline advance */
	(void)arg;
	struct rf_barrier_state *b = w->barrier;
	struct rf_relay *r = &b->relay;
	bool moved = false;
	uint32_t P = w->nprocs, par = (uint32_t)(r->round & 1);
	uint64_t want = r->round;
	while (b->stage < b->stages) {
		uint32_t k = b->stage;
		if (!b->sent) {
			uint32_t to = (uint32_t)((w->self + (1ull << k)) % P);
			/* release: the partner, and all it signals later, see our
			 * fence share held and everything we heard of */
			atomic_store_explicit(&flag(w, to, k)->slot[par], want << 3 | r->modes,
					      memory_order_release);
			rf_wake(w, to);
			b->sent = true;
		}
		/* acquire: pairs with the partner's release above */
		uint64_t v = atomic_load_explicit(&flag(w, w->self, k)->slot[par],
						  memory_order_acquire);
		if (v >> 3 != want)
			return moved ? RF_WAIT_PROGRESS : 0;
		r->modes |= (uint32_t)(v & 7);
		b->stage++;
		b->sent = false;
		moved = true;
	}
	return 1;
}

static int enter(struct rf_world *w, uint64_t R, enum rf_mode mode, int64_t deadline_ns,
		 int32_t *status)
{
	/* model: barrier_dissemination.pml proctype participant (enter: stage, sent) */
	struct rf_barrier_state *b = w->barrier;
	b->stage = 0;
	b->sent = false;
	return rf_round_relay(w, R, mode, deadline_ns, status);
}

static int init(struct rf_world *w)
{
	w->barrier = calloc(1, sizeof *w->barrier);
	if (!w->barrier)
		return RF_ENOMEM;
	w->barrier->relay.step = advance;
	w->barrier->relay.counts = w->self == 0; /* no participant is last: 0 counts */
	w->barrier->stages = stages_for(w->nprocs);
	return 0;
}

const struct rf_barrier_ops rf_barrier_dissemination_ops = {
	.shared_bytes = shared_bytes,
	.init = init,
	.enter = enter,
};
