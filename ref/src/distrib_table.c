/* ringfence — scatter without hwloc: hwloc_distrib's rule applied to the PU
 * table (packages, L3s, cores, PUs), for the Windows fallback loader
 * (placement_win32.c). Builds with hwloc call hwloc_distrib itself
 * (placement_hwloc.c); test_placement compiles this file in to compare the two. */
#include "internal.h"

/* Tree levels of the table, root first: the machine (one node), packages,
 * L3s, cores, PUs. In topology order a node's PUs are one contiguous run. */
enum { LV_MACHINE, LV_PACKAGE, LV_L3, LV_CORE, LV_PU };

static int64_t key(const struct rf_binding *b, uint32_t i, int level)
{
	switch (level) {
	case LV_PACKAGE:
		return b[i].package;
	case LV_L3:
		return b[i].l3;
	case LV_CORE:
		return b[i].core;
	case LV_PU:
		return i;
	default:
		return 0;
	}
}

/* The PU with the lowest OS index in [lo, hi): what hwloc_bitmap_singlify
 * keeps of a cpuset. */
static uint32_t first_pu(const struct rf_binding *pu, uint32_t lo, uint32_t hi)
{
	uint32_t best = lo;

	for (uint32_t i = lo + 1; i < hi; i++)
		if (pu[i].pu < pu[best].pu)
			best = i;
	return best;
}

/* hwloc_distrib's rule on the table: the nodes at `level` inside [lo, hi)
 * share n participants in proportion to their PU counts, rounding so the
 * earlier nodes get the extra ones; a node given more than one passes its
 * share down to its children. A node given none is merged into the previous
 * share, which keeps its lower PU. out[k] is the table index of share k.
 * hwloc also splits at the levels the table lacks (L2, die, group), so the
 * two can differ there: README, "Placement: scatter with hwloc and
 * without", lists where. */
static void distrib(const struct rf_binding *pu, uint32_t lo, uint32_t hi, int level, uint32_t n,
		    uint32_t *out)
{
	uint64_t total = hi - lo, given_weight = 0;
	uint32_t given = 0;

	for (uint32_t a = lo; a < hi;) {
		uint32_t b = a + 1;

		while (b < hi && key(pu, b, level) == key(pu, a, level))
			b++;
		uint64_t weight = b - a;
		uint32_t chunk = (uint32_t)(((given_weight + weight) * n + total - 1) / total -
					    (given_weight * n + total - 1) / total);
		if (level == LV_PU || chunk <= 1) {
			uint32_t f = first_pu(pu, a, b);

			for (uint32_t j = 0; j < chunk; j++)
				out[given + j] = f;
			if (chunk == 0 && given > 0 && pu[f].pu < pu[out[given - 1]].pu)
				out[given - 1] = f;
		} else {
			distrib(pu, a, b, level + 1, chunk, out + given);
		}
		given += chunk;
		given_weight += weight;
		a = b;
	}
}

void rf_distrib_table(const struct rf_binding *pu, uint32_t npus, uint32_t n, uint32_t *out)
{
	if (n > 0)
		distrib(pu, 0, npus, LV_MACHINE, n, out);
}
