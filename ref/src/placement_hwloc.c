/* ringfence — the topology from hwloc 2.x (SPEC §5): loading, describing,
 * binding, the PU table the policies in placement.c work on, and scatter
 * by hwloc_distrib itself. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <hwloc.h>
#ifdef _WIN32
#include <windows.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rf_topology {
	hwloc_topology_t t;
	uint32_t npus;
	struct rf_binding *pu; /* [npus], logical PU order */
};

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
	/* Logical PU order is tree order: what placement.c calls topology order. */
	topo->pu = calloc((size_t)n, sizeof *topo->pu);
	if (!topo->pu) {
		rf_topology_free(topo);
		return RF_ENOMEM;
	}
	for (int i = 0; i < n; i++)
		fill_binding(t, hwloc_get_obj_by_type(t, HWLOC_OBJ_PU, (unsigned)i), &topo->pu[i]);
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
	free(topo->pu);
	free(topo);
}

const struct rf_binding *rf_topology_pus(const rf_topology *topo, uint32_t *npus)
{
	*npus = topo->npus;
	return topo->pu;
}

int rf_topology_scatter(const rf_topology *topo, uint32_t n, uint32_t *out)
{
	hwloc_obj_t root = hwloc_get_root_obj(topo->t);
	hwloc_cpuset_t *sets = calloc(n, sizeof *sets);
	int rc = 0;

	if (!sets)
		return RF_ENOMEM;
	/* From the root over every level (until = INT_MAX), so caches, dies and
	 * groups the PU table does not record split the participants too. */
	if (hwloc_distrib(topo->t, &root, 1, sets, n, INT_MAX, 0) < 0)
		rc = RF_EINVAL;
	for (uint32_t k = 0; k < n; k++) {
		hwloc_obj_t pu = NULL;

		if (rc == 0 && !sets[k])
			rc = RF_ENOMEM; /* hwloc_bitmap_dup failed inside */
		if (rc == 0) {
			/* the lowest PU of the share, as hwloc's own examples do */
			hwloc_bitmap_singlify(sets[k]);
			pu = hwloc_get_pu_obj_by_os_index(topo->t,
							  (unsigned)hwloc_bitmap_first(sets[k]));
			if (!pu)
				rc = RF_ETOPOLOGY;
		}
		if (rc == 0) /* logical PU order is the table's order */
			out[k] = pu->logical_index;
		hwloc_bitmap_free(sets[k]);
	}
	free(sets);
	return rc;
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
			rf_appendf(buf, len, &used, "%s%s:%d", used ? " " : "", levels[i].name,
			       count);
	}
	return used < len ? 0 : RF_EINVAL;
}

/* hwloc_pid_t is what the OS binds by: a pid_t on POSIX, a process HANDLE
 * on Windows, where the id must be opened first. -1 with errno on failure. */
#ifdef _WIN32
static bool pid_fits(long pid)
{
	(void)pid; /* a non-negative 32-bit long always fits the DWORD */
	return true;
}

static int set_proc_cpubind(hwloc_topology_t t, long pid, hwloc_const_cpuset_t set)
{
	HANDLE h = OpenProcess(PROCESS_SET_INFORMATION | PROCESS_QUERY_INFORMATION, FALSE, (DWORD)pid);
	if (!h) {
		errno = ESRCH;
		return -1;
	}
	int err = hwloc_set_proc_cpubind(t, h, set, HWLOC_CPUBIND_PROCESS);
	CloseHandle(h);
	return err;
}
#else
static bool pid_fits(long pid)
{
	return (long)(hwloc_pid_t)pid == pid;
}

static int set_proc_cpubind(hwloc_topology_t t, long pid, hwloc_const_cpuset_t set)
{
	return hwloc_set_proc_cpubind(t, (hwloc_pid_t)pid, set, HWLOC_CPUBIND_PROCESS);
}
#endif

int rf_placement_bind(const rf_topology *topo, long pid, const struct rf_binding *b)
{
	hwloc_obj_t pu;
	int err;

	if (!b)
		return RF_EINVAL;
	if (b->pu == -1)
		return 0;
	if (!topo || pid < 0 || !pid_fits(pid) || b->pu < 0)
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
		err = set_proc_cpubind(topo->t, pid, pu->cpuset);
	if (err < 0) {
		rf_log(RF_LOG_ERROR, "binding pid %ld to PU %d: %s", pid, (int)b->pu,
		       strerror(errno));
		return RF_ETOPOLOGY;
	}
	return 0;
}
