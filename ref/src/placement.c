/* ringfence — placement policies (SPEC §5), independent of how the topology
 * was learnt: they work on the PU table every loader provides
 * (rf_topology_pus: placement_hwloc.c, placement_win32.c). */
#include "internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t rf_topology_npus(const rf_topology *topo)
{
	uint32_t n = 0;

	if (topo)
		rf_topology_pus(topo, &n);
	return n;
}

/* Reads a non-negative decimal index; signs are not accepted, so "-1" fails. */
static const char *parse_index(const char *s, int32_t *v)
{
	int64_t x = 0;

	if (!isdigit((unsigned char)*s))
		return NULL;
	while (isdigit((unsigned char)*s)) {
		x = x * 10 + (*s++ - '0');
		if (x > INT32_MAX)
			return NULL;
	}
	*v = (int32_t)x;
	return s;
}

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static int parse_list(const char *s, struct rf_placement *pl)
{
	for (;;) {
		int32_t lo, hi;

		s = parse_index(skip_space(s), &lo);
		if (!s)
			return RF_EINVAL;
		s = skip_space(s);
		hi = lo;
		if (*s == '-') {
			s = parse_index(skip_space(s + 1), &hi);
			if (!s || hi < lo)
				return RF_EINVAL;
			s = skip_space(s);
		}
		if ((int64_t)hi - lo + 1 > RF_PLACEMENT_MAX_LIST - (int64_t)pl->npus)
			return RF_EINVAL;
		for (int64_t v = lo; v <= hi; v++)
			pl->pus[pl->npus++] = (int32_t)v;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return RF_EINVAL;
	}
}

/* Keywords tolerate the same surrounding whitespace as list entries. */
static bool is_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	s = skip_space(s);
	return strncmp(s, word, n) == 0 && *skip_space(s + n) == '\0';
}

int rf_placement_parse(const char *spec, struct rf_placement *out)
{
	struct rf_placement pl = {.policy = RF_PLACE_LIST};
	int rc;

	if (!spec || !out)
		return RF_EINVAL;
	if (is_word(spec, "compact"))
		pl.policy = RF_PLACE_COMPACT;
	else if (is_word(spec, "scatter"))
		pl.policy = RF_PLACE_SCATTER;
	else if (is_word(spec, "none"))
		pl.policy = RF_PLACE_NONE;
	else if ((rc = parse_list(spec, &pl)) < 0)
		return rc;
	/* Only a full success touches the caller's struct. */
	*out = pl;
	return 0;
}

int rf_placement_format(const struct rf_placement *pl, char *buf, size_t len)
{
	size_t used = 0;

	if (!pl || !buf || len == 0)
		return RF_EINVAL;
	switch (pl->policy) {
	case RF_PLACE_NONE:
		rf_appendf(buf, len, &used, "none");
		break;
	case RF_PLACE_COMPACT:
		rf_appendf(buf, len, &used, "compact");
		break;
	case RF_PLACE_SCATTER:
		rf_appendf(buf, len, &used, "scatter");
		break;
	case RF_PLACE_LIST:
		if (pl->npus == 0 || pl->npus > RF_PLACEMENT_MAX_LIST)
			return RF_EINVAL;
		for (uint32_t i = 0; i < pl->npus;) {
			uint32_t j = i;

			if (pl->pus[i] < 0)
				return RF_EINVAL;
			/* Ascending runs become ranges; order and repeats are kept
			 * so the text parses back to the same array. */
			while (j + 1 < pl->npus && pl->pus[j] < INT32_MAX &&
			       pl->pus[j + 1] == pl->pus[j] + 1)
				j++;
			rf_appendf(buf, len, &used, i ? ",%d" : "%d", (int)pl->pus[i]);
			if (j > i)
				rf_appendf(buf, len, &used, "-%d", (int)pl->pus[j]);
			i = j + 1;
		}
		break;
	default:
		return RF_EINVAL;
	}
	return used < len ? 0 : RF_EINVAL;
}

/* The table entry of OS PU `os`, or NULL. */
static const struct rf_binding *find_pu(const struct rf_binding *pu, uint32_t n, int32_t os)
{
	for (uint32_t i = 0; i < n; i++)
		if (pu[i].pu == os)
			return &pu[i];
	return NULL;
}

/* One PU per participant, spread from the root down as the loader's
 * rf_topology_scatter does it; beyond one per PU, round-robin. */
static int plan_scatter(const rf_topology *topo, const struct rf_binding *pu, uint32_t npus,
			uint32_t nprocs, struct rf_binding *out)
{
	uint32_t n = nprocs < npus ? nprocs : npus;
	uint32_t *pick = calloc(n, sizeof *pick);
	int rc;

	if (!pick)
		return RF_ENOMEM;
	rc = rf_topology_scatter(topo, n, pick);
	for (uint32_t i = 0; i < nprocs && rc == 0; i++)
		out[i] = pu[pick[i % n]];
	free(pick);
	return rc;
}

static int plan_list(const struct rf_binding *pu, uint32_t npus, const struct rf_placement *pl,
		     uint32_t nprocs, struct rf_binding *out, bool *over)
{
	uint32_t used = nprocs < pl->npus ? nprocs : pl->npus;

	if (pl->npus == 0 || pl->npus > RF_PLACEMENT_MAX_LIST)
		return RF_EINVAL;
	/* Every entry must exist, even those this many participants do not use,
	 * so a bad list fails the same way at every scale. */
	for (uint32_t i = 0; i < pl->npus; i++) {
		if (pl->pus[i] < 0 || !find_pu(pu, npus, pl->pus[i]))
			return RF_EINVAL;
	}
	for (uint32_t i = 0; i < nprocs; i++)
		out[i] = *find_pu(pu, npus, pl->pus[i % pl->npus]);
	*over = nprocs > pl->npus;
	for (uint32_t i = 1; i < used && !*over; i++) {
		for (uint32_t j = 0; j < i && !*over; j++)
			*over = pl->pus[i] == pl->pus[j];
	}
	return 0;
}

int rf_placement_plan(const rf_topology *topo, const struct rf_placement *pl, uint32_t nprocs,
		      struct rf_binding *out, bool *oversubscribed)
{
	const struct rf_binding *pu;
	uint32_t npus = 0;
	bool over = false;
	int rc = 0;

	if (!topo || !pl || (nprocs > 0 && !out))
		return RF_EINVAL;
	pu = rf_topology_pus(topo, &npus);
	switch (pl->policy) {
	case RF_PLACE_NONE:
		for (uint32_t i = 0; i < nprocs; i++)
			out[i] = (struct rf_binding){-1, -1, -1, -1};
		break;
	case RF_PLACE_COMPACT:
		/* Topology order: a core's PUs are adjacent. */
		for (uint32_t i = 0; i < nprocs; i++)
			out[i] = pu[i % npus];
		over = nprocs > npus;
		break;
	case RF_PLACE_SCATTER:
		if (nprocs > 0)
			rc = plan_scatter(topo, pu, npus, nprocs, out);
		over = nprocs > npus;
		break;
	case RF_PLACE_LIST:
		rc = plan_list(pu, npus, pl, nprocs, out, &over);
		break;
	default:
		return RF_EINVAL;
	}
	if (rc == 0 && oversubscribed)
		*oversubscribed = over;
	return rc;
}
