/* Placement (SPEC §5): spec parsing, the policies on a made-up topology where
 * the right answer is known exactly, and a real bind checked with the kernel. */
#include "testutil.h"

#include <string.h>

#ifndef RF_TEST_NO_HWLOC
#include "../src/internal.h" /* rf_topology_pus, rf_distrib_table */
#endif

#define SYN "package:2 l3cache:2 core:4 pu:2" /* 32 PUs, 2 per core, 8 per L3 */

static void expect(const struct rf_binding *b, int pu, int core, int l3, int pkg, const char *what,
		   uint32_t i)
{
	CHECK(b->pu == pu && b->core == core && b->l3 == l3 && b->package == pkg,
	      "%s participant %u: got pu %d core %d l3 %d package %d, want %d %d %d %d", what, i,
	      b->pu, b->core, b->l3, b->package, pu, core, l3, pkg);
}

static void plan(const rf_topology *t, const char *spec, uint32_t n, struct rf_binding *out,
		 bool *over)
{
	struct rf_placement pl;

	CHECK_OK(rf_placement_parse(spec, &pl));
	*over = !*over; /* the call must write it either way */
	CHECK_OK(rf_placement_plan(t, &pl, n, out, over));
}

static void test_parse_format(void)
{
	static const char *good[][2] = {
		{"compact", "compact"}, {" scatter\t", "scatter"}, {"none", "none"},
		{"0,2,4-7", "0,2,4-7"}, {" 3 , 1 - 2 ,9 ", "3,1-2,9"}, {"5-5", "5"},
		{"1,2,3", "1-3"}, {"7,7,8", "7,7-8"}, {"4-6,2", "4-6,2"}, {"0-1023", "0-1023"},
	};
	static const char *bad[] = {
		"", "  ", ",", "1,", ",1", "1,,2", "-1", "1--2", "a", "1-", "5-3", "1 2",
		"compact,1", "compactx", "Compact", "+1", "0x10", "99999999999", "0-1024",
		"0-1023,0", "1;2",
	};
	struct rf_placement pl, back;
	char buf[8192];

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		CHECK_OK(rf_placement_parse(good[i][0], &pl));
		CHECK_OK(rf_placement_format(&pl, buf, sizeof buf));
		CHECK(strcmp(buf, good[i][1]) == 0, "'%s' formats as '%s', want '%s'", good[i][0],
		      buf, good[i][1]);
		CHECK_OK(rf_placement_parse(buf, &back));
		CHECK(back.policy == pl.policy && back.npus == pl.npus &&
			      memcmp(back.pus, pl.pus, pl.npus * sizeof pl.pus[0]) == 0,
		      "'%s' does not round-trip", buf);
	}
	CHECK_OK(rf_placement_parse("0,2,4-7", &pl));
	CHECK(pl.policy == RF_PLACE_LIST && pl.npus == 6, "npus %u", pl.npus);
	static const int32_t want[] = {0, 2, 4, 5, 6, 7};
	CHECK(memcmp(pl.pus, want, sizeof want) == 0, "wrong list contents");
	CHECK_OK(rf_placement_parse("0-1023", &pl));
	CHECK(pl.npus == RF_PLACEMENT_MAX_LIST && pl.pus[1023] == 1023, "full list");

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_OK(rf_placement_parse("scatter", &pl));
		CHECK(rf_placement_parse(bad[i], &pl) == RF_EINVAL, "'%s' was accepted", bad[i]);
		CHECK(pl.policy == RF_PLACE_SCATTER, "'%s' changed the output on failure", bad[i]);
	}
	CHECK_RC(rf_placement_parse(NULL, &pl), RF_EINVAL);
	CHECK_RC(rf_placement_parse("none", NULL), RF_EINVAL);

	CHECK_OK(rf_placement_parse("0,2,4-7", &pl));
	CHECK_RC(rf_placement_format(&pl, buf, 7), RF_EINVAL); /* needs 8 */
	CHECK_OK(rf_placement_format(&pl, buf, 8));
	CHECK_OK(rf_placement_parse("compact", &pl));
	CHECK_RC(rf_placement_format(&pl, buf, 7), RF_EINVAL);
	pl = (struct rf_placement){.policy = RF_PLACE_LIST, .npus = 0};
	CHECK_RC(rf_placement_format(&pl, buf, sizeof buf), RF_EINVAL);
	pl = (struct rf_placement){.policy = RF_PLACE_LIST, .npus = 1, .pus = {-3}};
	CHECK_RC(rf_placement_format(&pl, buf, sizeof buf), RF_EINVAL);
	pl = (struct rf_placement){.policy = (enum rf_policy)42};
	CHECK_RC(rf_placement_format(&pl, buf, sizeof buf), RF_EINVAL);
}

static void test_synthetic(void)
{
#ifdef RF_TEST_NO_HWLOC
	/* Synthetic topologies are hwloc's; this build places with the native
	 * fallback. The policies themselves are the same code as with hwloc. */
	rf_topology *none;
	CHECK_RC(rf_topology_load_synthetic(SYN, &none), RF_ETOPOLOGY);
	printf("test_placement: SKIPPED the synthetic-topology checks: no hwloc in this build\n");
	return;
#endif
	struct rf_binding b[64];
	bool over = false;
	rf_topology *t, *t2;
	char desc[1024];

	CHECK_RC(rf_topology_load_synthetic("package:x", &t), RF_EINVAL);
	CHECK_OK(rf_topology_load_synthetic(SYN, &t));
	CHECK(rf_topology_npus(t) == 32, "npus %u", rf_topology_npus(t));

	CHECK_OK(rf_topology_describe(t, desc, sizeof desc));
	CHECK(strstr(desc, "Package:2") && strstr(desc, "Core:4") && strstr(desc, "PU:2"),
	      "describe: '%s'", desc);
	CHECK_OK(rf_topology_load_synthetic(desc, &t2));
	CHECK(rf_topology_npus(t2) == 32, "described topology reloads with %u PUs",
	      rf_topology_npus(t2));
	rf_topology_free(t2);
	CHECK_RC(rf_topology_describe(t, desc, 10), RF_EINVAL);
	CHECK(strlen(desc) == 9, "truncated describe is not NUL-terminated at len");

	/* compact: PU i sits on core i/2, L3 i/8, package i/16 */
	plan(t, "compact", 32, b, &over);
	CHECK(!over, "32 on 32 is not oversubscribed");
	for (uint32_t i = 0; i < 32; i++)
		expect(&b[i], (int)i, (int)i / 2, (int)i / 8, (int)i / 16, "compact", i);
	plan(t, "compact", 40, b, &over);
	CHECK(over, "40 on 32 is oversubscribed");
	for (uint32_t i = 0; i < 40; i++) {
		uint32_t k = i % 32;
		expect(&b[i], (int)k, (int)k / 2, (int)k / 8, (int)k / 16, "compact 40", i);
	}

	/* scatter 2: one per package */
	plan(t, "scatter", 2, b, &over);
	CHECK(!over, "scatter 2");
	expect(&b[0], 0, 0, 0, 0, "scatter 2", 0);
	expect(&b[1], 16, 8, 2, 1, "scatter 2", 1);
	/* scatter 4: one per L3, two per package */
	plan(t, "scatter", 4, b, &over);
	for (uint32_t i = 0; i < 4; i++)
		expect(&b[i], (int)i * 8, (int)i * 4, (int)i, (int)i / 2, "scatter 4", i);
	/* scatter 8: eight different cores, two per L3, spread inside the L3 */
	plan(t, "scatter", 8, b, &over);
	for (uint32_t i = 0; i < 8; i++)
		expect(&b[i], (int)i * 4, (int)i * 2, (int)i / 2, (int)i / 4, "scatter 8", i);
	/* scatter 32 then 40: every PU once, then round-robin */
	plan(t, "scatter", 32, b, &over);
	CHECK(!over, "scatter 32");
	for (uint32_t i = 0; i < 32; i++)
		for (uint32_t j = 0; j < i; j++)
			CHECK(b[i].pu != b[j].pu, "scatter 32: %u and %u share a PU", i, j);
	plan(t, "scatter", 40, b, &over);
	CHECK(over, "scatter 40 on 32 is oversubscribed");
	for (uint32_t i = 32; i < 40; i++)
		CHECK(memcmp(&b[i], &b[i - 32], sizeof b[i]) == 0, "scatter 40: %u wraps", i);

	plan(t, "none", 3, b, &over);
	CHECK(!over, "none is never oversubscribed");
	for (uint32_t i = 0; i < 3; i++)
		expect(&b[i], -1, -1, -1, -1, "none", i);

	plan(t, "3,17", 5, b, &over);
	CHECK(over, "5 on a 2-entry list is oversubscribed");
	for (uint32_t i = 0; i < 5; i += 2)
		expect(&b[i], 3, 1, 0, 0, "list", i);
	for (uint32_t i = 1; i < 5; i += 2)
		expect(&b[i], 17, 8, 2, 1, "list", i);
	plan(t, "1,2", 2, b, &over);
	CHECK(!over, "distinct list entries");
	plan(t, "1,1", 2, b, &over);
	CHECK(over, "a repeated PU is shared");
	plan(t, "1,2,1", 2, b, &over);
	CHECK(!over, "a repeat no participant reaches is not sharing");

	struct rf_placement pl;
	CHECK_OK(rf_placement_parse("0,99", &pl));
	CHECK_RC(rf_placement_plan(t, &pl, 1, b, &over), RF_EINVAL);
	CHECK_OK(rf_placement_parse("32", &pl));
	CHECK_RC(rf_placement_plan(t, &pl, 1, b, &over), RF_EINVAL);
	CHECK_OK(rf_placement_parse("compact", &pl));
	CHECK_OK(rf_placement_plan(t, &pl, 0, NULL, &over));
	CHECK_RC(rf_placement_plan(t, &pl, 1, NULL, &over), RF_EINVAL);
	pl.policy = (enum rf_policy)42;
	CHECK_RC(rf_placement_plan(t, &pl, 1, b, &over), RF_EINVAL);

	/* a synthetic machine is not this one: nothing to bind to */
	struct rf_binding unbound = {-1, -1, -1, -1};
	plan(t, "compact", 1, b, &over);
	CHECK_RC(rf_placement_bind(t, 0, &b[0]), RF_ETOPOLOGY);
	CHECK_OK(rf_placement_bind(t, 0, &unbound));
	rf_topology_free(t);

	/* no L3 object at all: l3 is -1, the rest is still filled */
	CHECK_OK(rf_topology_load_synthetic("package:1 core:2 pu:2", &t));
	plan(t, "compact", 4, b, &over);
	for (uint32_t i = 0; i < 4; i++)
		expect(&b[i], (int)i, (int)i / 2, -1, 0, "no-L3 compact", i);
	rf_topology_free(t);
	rf_topology_free(NULL);
}

#ifndef RF_TEST_NO_HWLOC
/* Synthetic machines for scatter (hwloc_distrib) against the table's rule
 * (rf_distrib_table, the Windows fallback's). Where a level the table does
 * not record has more than one child (an L2 shared by cores, a die holding
 * several L3s, a group), hwloc splits there too and the chosen PUs can
 * differ; above that level both give every object the same number of
 * participants. README, "Placement: scatter with hwloc and without",
 * states the same figures. */
enum { SAME_PUS, SAME_PER_L3, SAME_PER_PACKAGE };
static const struct {
	const char *topo;
	int same;        /* what must agree for every participant count */
	uint32_t differ; /* participant counts 1..npus whose PUs differ */
} distrib_cases[] = {
	{SYN, SAME_PUS, 0},
	{"pack:3 die:2 l3:1 core:3 pu:1", SAME_PUS, 0}, /* one L3 per die: nothing new */
	{"pack:2 die:2 l3:1 group:2 l2:2 core:2 pu:2", SAME_PER_L3, 28},
	{"pack:2 l3:2 l2:2 core:3 pu:2", SAME_PER_L3, 14},
	{"pack:2 l3:1 group:3 l2:1 core:2 pu:2", SAME_PER_L3, 12},
	{"pack:1 l3:1 l2:3 core:2 pu:1", SAME_PER_L3, 2},
	{"pack:1 die:3 l3:2 core:2 pu:1", SAME_PER_PACKAGE, 4},
};

/* Participants per L3 (or package) of the first n bindings, in out[0..npus). */
static void per_object(const struct rf_binding *b, uint32_t n, bool l3, uint32_t *out,
		       uint32_t npus)
{
	memset(out, 0, npus * sizeof *out);
	for (uint32_t i = 0; i < n; i++)
		out[l3 ? b[i].l3 : b[i].package]++;
}

static void pus_text(const struct rf_binding *b, uint32_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n; i++)
		rf_appendf(buf, len, &used, i ? ",%d" : "%d", (int)b[i].pu);
}

/* The scatter policy's PUs and the table rule's for n participants. */
static void both(rf_topology *topo, uint32_t n, struct rf_binding *got, struct rf_binding *want,
		 char *g, char *w, size_t len)
{
	uint32_t npus = 0;
	const struct rf_binding *pu = rf_topology_pus(topo, &npus);
	uint32_t *pick = calloc(npus, sizeof *pick);
	bool over = false;

	CHECK(pick, "calloc");
	plan(topo, "scatter", n, got, &over);
	rf_distrib_table(pu, npus, n, pick);
	for (uint32_t k = 0; k < n; k++)
		want[k] = pu[pick[k]];
	free(pick);
	pus_text(got, n, g, len);
	pus_text(want, n, w, len);
}

/* Every participant count of every case: the differences are exactly as
 * many as listed, and never above the level hwloc adds. A scatter that was
 * the table's rule (no hwloc_distrib) finds no differences and fails. */
static void test_distrib(void)
{
	char g[4096], w[4096];

	for (size_t t = 0; t < sizeof distrib_cases / sizeof distrib_cases[0]; t++) {
		rf_topology *topo;
		uint32_t differ = 0;

		CHECK_OK(rf_topology_load_synthetic(distrib_cases[t].topo, &topo));
		uint32_t npus = rf_topology_npus(topo);
		struct rf_binding *got = calloc(npus, sizeof *got), *want = calloc(npus, sizeof *want);
		uint32_t *cg = calloc(npus, sizeof *cg), *cw = calloc(npus, sizeof *cw);
		CHECK(got && want && cg && cw, "calloc");
		for (uint32_t n = 1; n <= npus; n++) {
			both(topo, n, got, want, g, w, sizeof g);
			differ += strcmp(g, w) != 0;
			CHECK(distrib_cases[t].same != SAME_PUS || strcmp(g, w) == 0,
			      "'%s' n=%u: scatter %s, table %s", distrib_cases[t].topo, n, g, w);
			per_object(got, n, distrib_cases[t].same == SAME_PER_L3, cg, npus);
			per_object(want, n, distrib_cases[t].same == SAME_PER_L3, cw, npus);
			CHECK(memcmp(cg, cw, npus * sizeof *cg) == 0,
			      "'%s' n=%u: scatter %s, table %s give an %s different shares",
			      distrib_cases[t].topo, n, g, w,
			      distrib_cases[t].same == SAME_PER_L3 ? "L3" : "object");
		}
		CHECK(differ == distrib_cases[t].differ, "'%s': %u participant counts differ, want %u",
		      distrib_cases[t].topo, differ, distrib_cases[t].differ);
		free(got);
		free(want);
		free(cg);
		free(cw);
		rf_topology_free(topo);
	}

	/* The README's example: 3 L2s of 2 cores. hwloc gives the second
	 * participant the second L2's first core; the table, knowing only the
	 * L3's 6 cores, the fourth core (the second L2's second). */
	struct rf_binding got[6], want[6];
	rf_topology *topo;
	CHECK_OK(rf_topology_load_synthetic("pack:1 l3:1 l2:3 core:2 pu:1", &topo));
	both(topo, 2, got, want, g, w, sizeof g);
	CHECK(strcmp(g, "0,2") == 0 && strcmp(w, "0,3") == 0, "2 of 6: scatter %s, table %s", g, w);
	both(topo, 4, got, want, g, w, sizeof g);
	CHECK(strcmp(g, "0,1,2,4") == 0 && strcmp(w, "0,1,3,4") == 0, "4 of 6: scatter %s, table %s",
	      g, w);
	rf_topology_free(topo);
}
#endif

static void check_bound_to(int pu, const char *how)
{
	struct tu_cpuset set;

	CHECK(tu_affinity_get(&set) == 0, "sched_getaffinity");
	CHECK(tu_cpuset_count(&set) == 1 && tu_cpuset_has(&set, pu),
	      "%s: affinity has %d CPUs, PU %d %s in it", how, tu_cpuset_count(&set), pu,
	      tu_cpuset_has(&set, pu) ? "is" : "is not");
	CHECK(tu_current_cpu() == pu, "%s: running on CPU %d, bound to %d", how, tu_current_cpu(),
	      pu);
}

static void test_real(void)
{
	struct rf_binding *b;
	bool over = false;
	rf_topology *t;
	char desc[4096];
	struct tu_cpuset saved;

	CHECK_OK(rf_topology_load(&t));
	uint32_t npus = rf_topology_npus(t);
	CHECK(npus >= 1, "npus %u", npus);
	CHECK_OK(rf_topology_describe(t, desc, sizeof desc));
	CHECK(desc[0] != '\0', "empty description");
	fprintf(stderr, "real topology: %u PUs, %s\n", npus, desc);

	b = calloc(2 * npus, sizeof *b);
	CHECK(b, "calloc");
	plan(t, "compact", 2 * npus, b, &over);
	CHECK(over, "2*npus participants are oversubscribed");
	for (uint32_t i = 0; i < npus; i++) {
		CHECK(b[i].pu >= 0 && b[i].core >= 0 && b[i].package >= 0, "binding %u unset", i);
		CHECK(memcmp(&b[i], &b[i + npus], sizeof b[i]) == 0, "%u and %u differ", i,
		      i + npus);
		for (uint32_t j = 0; j < i; j++)
			CHECK(b[i].pu != b[j].pu, "compact: %u and %u share PU %d", i, j, b[i].pu);
	}
	plan(t, "scatter", npus, b, &over);
	CHECK(!over, "scatter on every PU");
	for (uint32_t i = 0; i < npus; i++)
		for (uint32_t j = 0; j < i; j++)
			CHECK(b[i].pu != b[j].pu, "scatter: %u and %u share PU %d", i, j, b[i].pu);

	struct rf_placement pl = {.policy = RF_PLACE_LIST, .npus = 1, .pus = {1 << 20}};
	CHECK_RC(rf_placement_plan(t, &pl, 1, b, &over), RF_EINVAL);

	/* bind for real, twice when there are two PUs so the second bind is
	 * seen to move the process, and once through an explicit pid */
	CHECK(tu_affinity_get(&saved) == 0, "sched_getaffinity");
	uint32_t n = npus < 2 ? npus : 2;
	plan(t, "compact", n, b, &over);
	for (uint32_t i = 0; i < n; i++) {
		CHECK_OK(rf_placement_bind(t, 0, &b[i]));
		check_bound_to(b[i].pu, "pid 0");
	}
	CHECK_OK(rf_placement_bind(t, rf_os_pid(), &b[0]));
	check_bound_to(b[0].pu, "own pid");
	struct rf_binding missing = {1 << 20, -1, -1, -1};
	CHECK_RC(rf_placement_bind(t, 0, &missing), RF_EINVAL);
	CHECK(tu_affinity_set(&saved) == 0, "restoring affinity");

	free(b);
	rf_topology_free(t);
}

int main(void)
{
	test_parse_format();
	test_synthetic();
#ifndef RF_TEST_NO_HWLOC
	test_distrib();
#endif
	test_real();
	printf("test_placement: ok\n");
	return 0;
}
