/* The tree barrier of the shm transport (SPEC §4): a combining tree whose
 * groups follow the topology, and one release word.
 *
 * Participants are ordered by their binding (package, L3, core, PU), so
 * those sharing a cache are neighbours. The tree is built bottom-up: first
 * the participants of one core meet, then the leaders of one L3, then those
 * of one package, then everyone, in groups of at most FANIN; the first of a
 * group is its leader and its members are the leader's children. Arrivals
 * climb the tree, each child writing its own slot of its parent's line (the
 * parent waits on that one line), and the root publishes the release word
 * every participant waits on. Unpinned participants (binding unknown) are
 * ordered by index.
 *
 * Each arrival carries the round R and the OR of the modes of the child's
 * subtree; the root's release carries everyone's, so all agree on
 * RF_EMODE. The fence is as in the dissemination barrier: a participant
 * arrives only once every reader of its own ring has reached its E_p
 * (struct rf_relay, round.c), so the completed rendezvous is the fence.
 *
 * A child's slot holds R-1 or R: it cannot arrive in R+1 before the release
 * of R, which needs its parent to have read R. The release word likewise
 * holds R-1 or R. Waits compare for equality. */
#include <stdlib.h>

#include "barrier_impl.h"

#define FANIN 4
/* A leader gains at most FANIN-1 children per level it leads at: 3 topology
 * levels and log4(RF_MAX_PROCS) = 5 above them. Slots fill in order, so the
 * children of the first levels share the first line. */
#define MAX_CHILDREN 32

struct arrive_line {
	alignas(RF_CACHELINE) _Atomic uint64_t slot[MAX_CHILDREN]; /* R << 3 | subtree's modes */
};
_Static_assert((FANIN - 1) * (3 + 5) <= MAX_CHILDREN, "children of a leader fit its line");

struct rf_barrier_state {
	struct rf_relay relay; /* first: the frame of relaying rows (round.c) */
	bool built;        /* parent and children known (at the first round) */
	int32_t parent;    /* -1: the root */
	uint32_t slot;     /* our slot in the parent's line */
	uint32_t children;
	bool arrived;      /* our subtree's arrival is out */
};

static size_t shared_bytes(uint32_t P)
{
	/* one arrival area per participant, then the release word's */
	return ((size_t)P + 1) * sizeof(struct arrive_line);
}

static struct arrive_line *line(struct rf_world *w, uint32_t who)
{
	return (struct arrive_line *)w->barrier_area + who;
}

static _Atomic uint64_t *release_word(struct rf_world *w)
{
	return &line(w, w->nprocs)->slot[0];
}

/* The grouping key of a binding at a level: core, L3, package, everything. */
static int64_t key(const struct rf_binding *b, int level)
{
	switch (level) {
	case 0: return b->core;
	case 1: return b->l3;
	case 2: return b->package;
	}
	return 0;
}

/* Whether participant x comes before y in topology order. */
static bool before(const struct rf_world *w, uint32_t x, uint32_t y)
{
	const struct rf_binding *a = &w->part[x].binding, *b = &w->part[y].binding;
	for (int level = 2; level >= 0; level--)
		if (key(a, level) != key(b, level))
			return key(a, level) < key(b, level);
	if (a->pu != b->pu)
		return a->pu < b->pu;
	return x < y;
}

/* Builds the same tree in every participant from the bindings in the segment
 * (written by participant 0 before any worker runs). */
static int build(struct rf_world *w)
{
	/* model: barrier_tree.pml inline advance (the one group at P <= 4: children = P - 1) */
	struct rf_barrier_state *b = w->barrier;
	uint32_t P = w->nprocs, n = P;
	uint32_t *leaders = malloc(P * sizeof *leaders);
	uint32_t *children = calloc(P, sizeof *children);
	if (!leaders || !children) {
		free(leaders);
		free(children);
		return RF_ENOMEM;
	}
	/* insertion sort: once per world, P <= RF_MAX_PROCS */
	for (uint32_t i = 0; i < P; i++) {
		uint32_t j = i;
		for (; j > 0 && before(w, i, leaders[j - 1]); j--)
			leaders[j] = leaders[j - 1];
		leaders[j] = i;
	}
	b->parent = -1;
	b->children = 0;
	/* Levels 0..2 group by core, L3, package; level 3 and beyond by nothing
	 * until one leader is left. */
	for (int level = 0; n > 1; level++) {
		uint32_t kept = 0;
		for (uint32_t i = 0; i < n;) {
			uint32_t lead = leaders[i], members = 1;
			const struct rf_binding *lb = &w->part[lead].binding;
			while (i + members < n && members < FANIN &&
			       key(&w->part[leaders[i + members]].binding, level) == key(lb, level))
				members++;
			for (uint32_t m = 1; m < members; m++) {
				uint32_t child = leaders[i + m];
				if (child == w->self) {
					b->parent = (int32_t)lead;
					b->slot = children[lead];
				}
				children[lead]++;
			}
			leaders[kept++] = lead;
			i += members;
		}
		/* A level that grouped nobody moves on; past the package level
		 * everyone has one key, so groups then always form. */
		n = kept;
	}
	b->children = children[w->self];
	b->relay.counts = b->parent < 0; /* the root releases, so it counts */
	free(leaders);
	free(children);
	b->built = true;
	return 0;
}

/* The climb and the release, as far as they can go now (struct rf_relay's
 * step): 1 when released, RF_WAIT_PROGRESS when it moved, 0 when it waits.
 * Every step is done once. */
static int advance(struct rf_world *w, void *arg)
{
	/* model: barrier_tree.pml inline advance */
	(void)arg;
	struct rf_barrier_state *b = w->barrier;
	struct rf_relay *r = &b->relay;
	bool moved = false;
	uint64_t want = r->round;
	if (!b->arrived) {
		struct arrive_line *mine = line(w, w->self);
		uint32_t modes = r->modes;
		for (uint32_t c = 0; c < b->children; c++) {
			/* acquire: the child's subtree held its fence shares */
			uint64_t v = atomic_load_explicit(&mine->slot[c], memory_order_acquire);
			if (v >> 3 != want)
				return 0;
			modes |= (uint32_t)(v & 7);
		}
		r->modes = modes;
		b->arrived = true;
		moved = true;
		if (b->parent < 0) {
			/* release: everyone who sees R sees every arrival we acquired */
			atomic_store_explicit(release_word(w), want << 3 | modes,
					      memory_order_release);
			rf_wake_all(w);
			return 1;
		}
		/* release: the parent sees our subtree's arrivals and fence shares */
		atomic_store_explicit(&line(w, (uint32_t)b->parent)->slot[b->slot],
				      want << 3 | modes, memory_order_release);
		rf_wake(w, (uint32_t)b->parent);
	}
	/* acquire: pairs with the root's release */
	uint64_t v = atomic_load_explicit(release_word(w), memory_order_acquire);
	if (v >> 3 != want)
		return moved ? RF_WAIT_PROGRESS : 0;
	r->modes = (uint32_t)(v & 7);
	return 1;
}

static int enter(struct rf_world *w, uint64_t R, enum rf_mode mode, int64_t deadline_ns,
		 int32_t *status)
{
	/* model: barrier_tree.pml proctype participant (enter: arrived) */
	struct rf_barrier_state *b = w->barrier;
	if (!b->built) {
		int rc = build(w);
		if (rc)
			return rc;
	}
	b->arrived = false;
	return rf_round_relay(w, R, mode, deadline_ns, status);
}

static int init(struct rf_world *w)
{
	w->barrier = calloc(1, sizeof *w->barrier);
	if (!w->barrier)
		return RF_ENOMEM;
	w->barrier->relay.step = advance;
	return 0;
}

const struct rf_barrier_ops rf_barrier_tree_ops = {
	.shared_bytes = shared_bytes,
	.init = init,
	.enter = enter,
};
