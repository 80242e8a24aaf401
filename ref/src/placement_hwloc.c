/* ringfence — placement on top of hwloc 2.x (SPEC §5). */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <hwloc.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rf_topology {
	hwloc_topology_t t;
	uint32_t npus;
};

static int finish_load(hwloc_topology_t t, rf_topology **out)
{
	rf_topology *topo;
	int n;

	if (hwloc_topology_load(t) < 0) {
		rf_log(RF_LOG_ERROR, "hwloc_topology_load: %s", strerror(errno));
		hwloc_topology_destroy(t);
		return RF_ETOPOLOGY;
	}
	n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	if (n <= 0) {
		hwloc_topology_destroy(t);
		return RF_ETOPOLOGY;
	}
	topo = malloc(sizeof *topo);
	if (!topo) {
		hwloc_topology_destroy(t);
		return RF_ENOMEM;
	}
	topo->t = t;
	topo->npus = (uint32_t)n;
	*out = topo;
	return 0;
}

int rf_topology_load(rf_topology **out)
{
	hwloc_topology_t t;

	if (!out)
		return RF_EINVAL;
	*out = NULL;
	if (hwloc_topology_init(&t) < 0)
		return RF_ENOMEM;
	/* hwloc 2 leaves cgroup-disallowed PUs out by default, which is what
	 * "PUs this process may use" means here: no extra flags. */
	return finish_load(t, out);
}

int rf_topology_load_synthetic(const char *description, rf_topology **out)
{
	hwloc_topology_t t;

	if (!out)
		return RF_EINVAL;
	*out = NULL;
	if (!description)
		return RF_EINVAL;
	if (hwloc_topology_init(&t) < 0)
		return RF_ENOMEM;
	if (hwloc_topology_set_synthetic(t, description) < 0) {
		hwloc_topology_destroy(t);
		return RF_EINVAL;
	}
	return finish_load(t, out);
}

void rf_topology_free(rf_topology *topo)
{
	if (!topo)
		return;
	hwloc_topology_destroy(topo->t);
	free(topo);
}

uint32_t rf_topology_npus(const rf_topology *topo)
{
	return topo ? topo->npus : 0;
}

/* snprintf that keeps counting past len, so truncation is checked once at the
 * end by comparing *used with len. */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (*used < len)
		n = vsnprintf(buf + *used, len - *used, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

int rf_topology_describe(const rf_topology *topo, char *buf, size_t len)
{
	static const struct {
		hwloc_obj_type_t type;
		const char *name;
	} levels[] = {
		{HWLOC_OBJ_PACKAGE, "Package"},
		{HWLOC_OBJ_L3CACHE, "L3Cache"},
		{HWLOC_OBJ_CORE, "Core"},
		{HWLOC_OBJ_PU, "PU"},
	};
	/* NO_EXTENDED_TYPES is left out: it only serves hwloc < 1.9 readers and
	 * turns "L3Cache" into a bare "Cache", losing what the record is for. */
	const unsigned long lean = HWLOC_TOPOLOGY_EXPORT_SYNTHETIC_FLAG_NO_ATTRS |
				   HWLOC_TOPOLOGY_EXPORT_SYNTHETIC_FLAG_IGNORE_MEMORY;
	size_t used = 0;
	int n;

	if (!topo || !buf || len == 0)
		return RF_EINVAL;
	/* Real machines often carry memory-side objects or attributes that the
	 * full export refuses; the lean export keeps just the CPU hierarchy. */
	n = hwloc_topology_export_synthetic(topo->t, buf, len, 0);
	if (n < 0)
		n = hwloc_topology_export_synthetic(topo->t, buf, len, lean);
	if (n >= 0) {
		buf[len - 1] = '\0';
		return (size_t)n < len ? 0 : RF_EINVAL;
	}
	/* Asymmetric CPU trees (e.g. hybrid cores) have no synthetic form at
	 * all. Totals per type still say what the machine was; note they are
	 * counts, not the per-parent arities of a real synthetic string. */
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		int count = hwloc_get_nbobjs_by_type(topo->t, levels[i].type);

		if (count > 0)
			append(buf, len, &used, "%s%s:%d", used ? " " : "", levels[i].name,
			       count);
	}
	return used < len ? 0 : RF_EINVAL;
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
		append(buf, len, &used, "none");
		break;
	case RF_PLACE_COMPACT:
		append(buf, len, &used, "compact");
		break;
	case RF_PLACE_SCATTER:
		append(buf, len, &used, "scatter");
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
			append(buf, len, &used, i ? ",%d" : "%d", (int)pl->pus[i]);
			if (j > i)
				append(buf, len, &used, "-%d", (int)pl->pus[j]);
			i = j + 1;
		}
		break;
	default:
		return RF_EINVAL;
	}
	return used < len ? 0 : RF_EINVAL;
}

static void fill_binding(hwloc_topology_t t, hwloc_obj_t pu, struct rf_binding *b)
{
	hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_CORE, pu);
	hwloc_obj_t l3 = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_L3CACHE, pu);
	hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, pu);

	b->pu = (int32_t)pu->os_index;
	b->core = core ? (int32_t)core->logical_index : -1;
	b->l3 = l3 ? (int32_t)l3->logical_index : -1;
	b->package = pkg ? (int32_t)pkg->logical_index : -1;
}

/* One PU per participant, picked by hwloc_distrib from the root down, so that
 * the first split is across packages, then L3s, then cores. */
static int plan_scatter(const rf_topology *topo, uint32_t nprocs, struct rf_binding *out)
{
	hwloc_obj_t root = hwloc_get_root_obj(topo->t);
	unsigned n = nprocs < topo->npus ? nprocs : topo->npus;
	hwloc_cpuset_t *sets = calloc(n, sizeof *sets);
	int rc = 0;

	if (!sets)
		return RF_ENOMEM;
	if (hwloc_distrib(topo->t, &root, 1, sets, n, INT_MAX, 0) < 0)
		rc = RF_ETOPOLOGY;
	for (unsigned i = 0; i < n && rc == 0; i++) {
		hwloc_obj_t pu;

		if (!sets[i]) {
			rc = RF_ENOMEM;
			break;
		}
		hwloc_bitmap_singlify(sets[i]);
		pu = hwloc_get_pu_obj_by_os_index(topo->t, (unsigned)hwloc_bitmap_first(sets[i]));
		if (!pu)
			rc = RF_ETOPOLOGY;
		else
			fill_binding(topo->t, pu, &out[i]);
	}
	for (unsigned i = 0; i < n; i++)
		hwloc_bitmap_free(sets[i]);
	free(sets);
	for (uint32_t i = n; i < nprocs && rc == 0; i++)
		out[i] = out[i % n];
	return rc;
}

static int plan_list(const rf_topology *topo, const struct rf_placement *pl, uint32_t nprocs,
		     struct rf_binding *out, bool *over)
{
	uint32_t used = nprocs < pl->npus ? nprocs : pl->npus;

	if (pl->npus == 0 || pl->npus > RF_PLACEMENT_MAX_LIST)
		return RF_EINVAL;
	/* Every entry must exist, even those this many participants do not use,
	 * so a bad list fails the same way at every scale. */
	for (uint32_t i = 0; i < pl->npus; i++) {
		if (pl->pus[i] < 0 || !hwloc_get_pu_obj_by_os_index(topo->t, (unsigned)pl->pus[i]))
			return RF_EINVAL;
	}
	for (uint32_t i = 0; i < nprocs; i++) {
		hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(topo->t,
							      (unsigned)pl->pus[i % pl->npus]);
		fill_binding(topo->t, pu, &out[i]);
	}
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
	bool over = false;
	int rc = 0;

	if (!topo || !pl || (nprocs > 0 && !out))
		return RF_EINVAL;
	switch (pl->policy) {
	case RF_PLACE_NONE:
		for (uint32_t i = 0; i < nprocs; i++)
			out[i] = (struct rf_binding){-1, -1, -1, -1};
		break;
	case RF_PLACE_COMPACT:
		/* Logical PU order is tree order: a core's PUs are adjacent. */
		for (uint32_t i = 0; i < nprocs; i++)
			fill_binding(topo->t,
				     hwloc_get_obj_by_type(topo->t, HWLOC_OBJ_PU, i % topo->npus),
				     &out[i]);
		over = nprocs > topo->npus;
		break;
	case RF_PLACE_SCATTER:
		if (nprocs > 0)
			rc = plan_scatter(topo, nprocs, out);
		over = nprocs > topo->npus;
		break;
	case RF_PLACE_LIST:
		rc = plan_list(topo, pl, nprocs, out, &over);
		break;
	default:
		return RF_EINVAL;
	}
	if (rc == 0 && oversubscribed)
		*oversubscribed = over;
	return rc;
}

int rf_placement_bind(const rf_topology *topo, long pid, const struct rf_binding *b)
{
	hwloc_obj_t pu;
	int err;

	if (!b)
		return RF_EINVAL;
	if (b->pu == -1)
		return 0;
	if (!topo || pid < 0 || (long)(hwloc_pid_t)pid != pid || b->pu < 0)
		return RF_EINVAL;
	/* A synthetic topology describes some other machine: binding by it
	 * would pin to PUs that mean nothing here. */
	if (!hwloc_topology_is_thissystem(topo->t))
		return RF_ETOPOLOGY;
	pu = hwloc_get_pu_obj_by_os_index(topo->t, (unsigned)b->pu);
	if (!pu)
		return RF_EINVAL;
	/* pid 0 has no documented meaning for hwloc_set_proc_cpubind; the
	 * caller-process form is hwloc_set_cpubind. */
	if (pid == 0)
		err = hwloc_set_cpubind(topo->t, pu->cpuset, HWLOC_CPUBIND_PROCESS);
	else
		err = hwloc_set_proc_cpubind(topo->t, (hwloc_pid_t)pid, pu->cpuset,
					     HWLOC_CPUBIND_PROCESS);
	if (err < 0) {
		rf_log(RF_LOG_ERROR, "binding pid %ld to PU %d: %s", pid, (int)b->pu,
		       strerror(errno));
		return RF_ETOPOLOGY;
	}
	return 0;
}
