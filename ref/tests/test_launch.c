/* The launcher's placement (SPEC §5, §6): every participant runs where the
 * world says it was placed, as the kernel sees it, and oversubscription is
 * reported exactly when two participants share a PU.
 *
 *   test_launch POLICY P      (POLICY: compact, scatter, none or a PU list)
 */
#include <string.h>

#include "testutil.h"

int main(int argc, char **argv)
{
	CHECK(argc >= 3, "usage: %s compact|scatter|none|LIST P", argv[0]);
	tu_log_to_stderr();
	uint32_t P = (uint32_t)atoi(argv[2]);
	struct rf_launch_opts o;
	rf_launch_opts_default(&o);
	o.params.nprocs = P;
	o.argv = argv;
	CHECK_OK(rf_placement_parse(argv[1], &o.placement));
	struct tu_cpuset before;
	CHECK(tu_affinity_get(&before) == 0, "getaffinity");
	rf_world *w;
	CHECK_OK(rf_launch(&o, &w));
	uint32_t me = rf_world_rank(w);

	struct rf_binding b;
	CHECK_OK(rf_world_binding(w, me, &b));
	struct tu_cpuset now;
	CHECK(tu_affinity_get(&now) == 0, "getaffinity");
	if (o.placement.policy == RF_PLACE_NONE) {
		CHECK(b.pu == -1 && b.core == -1 && b.package == -1, "none placed %u on %d", me, b.pu);
		CHECK(tu_cpuset_equal(&now, &before), "none changed participant %u's affinity", me);
		CHECK(!rf_world_oversubscribed(w), "none reported oversubscribed");
	} else {
		CHECK(b.pu >= 0 && b.core >= 0 && b.package >= 0, "participant %u unplaced", me);
		CHECK(tu_cpuset_count(&now) == 1 && tu_cpuset_has(&now, b.pu),
		      "participant %u placed on PU %d but the kernel runs it on %d CPUs", me, b.pu,
		      tu_cpuset_count(&now));
	}
	if (me == 0) {
		/* Oversubscribed exactly when two participants share a PU. */
		bool shared = false;
		for (uint32_t p = 0; p < P; p++)
			for (uint32_t q = p + 1; q < P; q++) {
				struct rf_binding bp, bq;
				CHECK_OK(rf_world_binding(w, p, &bp));
				CHECK_OK(rf_world_binding(w, q, &bq));
				shared |= bp.pu >= 0 && bp.pu == bq.pu;
			}
		CHECK(shared == rf_world_oversubscribed(w), "oversubscribed %d, shared PU %d",
		      rf_world_oversubscribed(w), shared);
		for (uint32_t p = 0; p < P; p++) {
			CHECK_OK(rf_world_binding(w, p, &b));
			printf("%s: participant %u on PU %d core %d L3 %d package %d\n", argv[1], p,
			       b.pu, b.core, b.l3, b.package);
		}
	}
	/* Everyone checked itself before anyone leaves. */
	CHECK_OK(rf_barrier(w, RF_RENDEZVOUS, 10 * 1000000000ll));
	return tu_finish(w);
}
