/* ringfence — the topology on Windows without hwloc (SPEC §5): the native
 * fallback. GetLogicalProcessorInformationEx gives cores, L3 caches and
 * packages as processor masks; the PU table placement.c works on is built
 * from them, and SetProcessAffinityMask binds.
 *
 * A PU's OS index is group * 64 + bit (its number in its processor group);
 * binding is limited to group 0, a process's default group. Wine reports no
 * caches at all: every PU then has l3 = -1, as on a machine without an L3. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct rf_topology {
	uint32_t npus, ncores, nl3, npackages;
	struct rf_binding *pu; /* [npus], topology order */
};

/* Sets field `off` of every PU in mask (group g) to `value`. */
static void mark(struct rf_binding *by_os, uint32_t nos, WORD g, KAFFINITY mask, size_t off,
		 int32_t value)
{
	for (uint32_t bit = 0; bit < 64; bit++) {
		uint32_t os = (uint32_t)g * 64 + bit;
		if ((mask >> bit & 1) && os < nos)
			*(int32_t *)((char *)&by_os[os] + off) = value;
	}
}

static int cmp_pu(const void *a, const void *b)
{
	const struct rf_binding *x = a, *y = b;
	/* Packages, then L3s, then cores, then PUs: tree order. */
	if (x->package != y->package)
		return x->package < y->package ? -1 : 1;
	if (x->l3 != y->l3)
		return x->l3 < y->l3 ? -1 : 1;
	if (x->core != y->core)
		return x->core < y->core ? -1 : 1;
	return x->pu < y->pu ? -1 : x->pu > y->pu;
}

int rf_topology_load(rf_topology **out)
{
	if (!out)
		return RF_EINVAL;
	*out = NULL;
	DWORD len = 0;
	GetLogicalProcessorInformationEx(RelationAll, NULL, &len);
	if (GetLastError() != ERROR_INSUFFICIENT_BUFFER || len == 0)
		return RF_ETOPOLOGY;
	char *buf = malloc(len);
	rf_topology *t = calloc(1, sizeof *t);
	uint32_t nos = (uint32_t)GetActiveProcessorGroupCount() * 64;
	struct rf_binding *by_os = calloc(nos, sizeof *by_os);
	int rc = 0;
	if (!buf || !t || !by_os) {
		rc = RF_ENOMEM;
		goto out;
	}
	if (!GetLogicalProcessorInformationEx(RelationAll, (void *)buf, &len)) {
		rc = RF_ETOPOLOGY;
		goto out;
	}
	for (uint32_t i = 0; i < nos; i++)
		by_os[i] = (struct rf_binding){-1, -1, -1, -1};
	/* Records of one kind come in a consistent order: their ordinals are the
	 * logical indices, as hwloc numbers its objects. */
	for (DWORD off = 0; off < len;) {
		SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *r = (void *)(buf + off);
		if (r->Relationship == RelationProcessorCore) {
			for (WORD k = 0; k < r->Processor.GroupCount; k++) {
				GROUP_AFFINITY *ga = &r->Processor.GroupMask[k];
				mark(by_os, nos, ga->Group, ga->Mask, offsetof(struct rf_binding, pu), 0);
				mark(by_os, nos, ga->Group, ga->Mask, offsetof(struct rf_binding, core),
				     (int32_t)t->ncores);
			}
			t->ncores++;
		} else if (r->Relationship == RelationProcessorPackage) {
			for (WORD k = 0; k < r->Processor.GroupCount; k++) {
				GROUP_AFFINITY *ga = &r->Processor.GroupMask[k];
				mark(by_os, nos, ga->Group, ga->Mask,
				     offsetof(struct rf_binding, package), (int32_t)t->npackages);
			}
			t->npackages++;
		} else if (r->Relationship == RelationCache && r->Cache.Level == 3 &&
			   r->Cache.Type != CacheInstruction) {
			GROUP_AFFINITY *ga = &r->Cache.GroupMask;
			mark(by_os, nos, ga->Group, ga->Mask, offsetof(struct rf_binding, l3),
			     (int32_t)t->nl3);
			t->nl3++;
		}
		off += r->Size;
	}
	/* Every PU some core claims is a PU of the machine (pu was set to 0). */
	for (uint32_t os = 0; os < nos; os++)
		if (by_os[os].pu == 0)
			by_os[os].pu = (int32_t)os, t->npus++;
	if (t->npus == 0) {
		rc = RF_ETOPOLOGY;
		goto out;
	}
	t->pu = calloc(t->npus, sizeof *t->pu);
	if (!t->pu) {
		rc = RF_ENOMEM;
		goto out;
	}
	for (uint32_t os = 0, k = 0; os < nos; os++)
		if (by_os[os].pu >= 0)
			t->pu[k++] = by_os[os];
	qsort(t->pu, t->npus, sizeof *t->pu, cmp_pu);
out:
	free(buf);
	free(by_os);
	if (rc)
		rf_topology_free(t);
	else
		*out = t;
	return rc;
}

int rf_topology_load_synthetic(const char *description, rf_topology **out)
{
	if (out)
		*out = NULL;
	if (!description || !out)
		return RF_EINVAL;
	rf_log(RF_LOG_ERROR, "synthetic topologies need hwloc, which this build lacks");
	return RF_ETOPOLOGY;
}

void rf_topology_free(rf_topology *topo)
{
	if (!topo)
		return;
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
	/* no hwloc_distrib here: its rule on the table's levels */
	rf_distrib_table(topo->pu, topo->npus, n, out);
	return 0;
}

int rf_topology_describe(const rf_topology *topo, char *buf, size_t len)
{
	size_t used = 0;

	if (!topo || !buf || len == 0)
		return RF_EINVAL;
	/* Totals, like hwloc's summary for machines it cannot write as a
	 * synthetic string, and which loader produced them. */
	buf[0] = '\0';
	if (topo->npackages)
		rf_appendf(buf, len, &used, "Package:%u ", topo->npackages);
	if (topo->nl3)
		rf_appendf(buf, len, &used, "L3Cache:%u ", topo->nl3);
	rf_appendf(buf, len, &used, "Core:%u PU:%u (native Windows fallback, not hwloc%s)",
		   topo->ncores, topo->npus, topo->nl3 ? "" : "; no L3 reported");
	return used < len ? 0 : RF_EINVAL;
}

int rf_placement_bind(const rf_topology *topo, long pid, const struct rf_binding *b)
{
	if (!b)
		return RF_EINVAL;
	if (b->pu == -1)
		return 0;
	if (!topo || pid < 0 || b->pu < 0)
		return RF_EINVAL;
	bool known = false;
	for (uint32_t i = 0; i < topo->npus && !known; i++)
		known = topo->pu[i].pu == b->pu;
	if (!known)
		return RF_EINVAL;
	if (b->pu >= 64) {
		rf_log(RF_LOG_ERROR, "binding to PU %d: only processor group 0 is supported",
		       (int)b->pu);
		return RF_ETOPOLOGY;
	}
	HANDLE h = pid == 0 ? GetCurrentProcess()
			    : OpenProcess(PROCESS_SET_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION,
					  FALSE, (DWORD)pid);
	if (!h) {
		rf_log(RF_LOG_ERROR, "binding pid %ld: OpenProcess error %lu", pid, GetLastError());
		return RF_ETOPOLOGY;
	}
	BOOL ok = SetProcessAffinityMask(h, (DWORD_PTR)1 << b->pu);
	DWORD err = GetLastError();
	if (pid != 0)
		CloseHandle(h);
	if (!ok) {
		rf_log(RF_LOG_ERROR, "binding pid %ld to PU %d: error %lu", pid, (int)b->pu, err);
		return RF_ETOPOLOGY;
	}
	return 0;
}
