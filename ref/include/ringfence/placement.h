/* ringfence — placing participants on processing units (SPEC §5).
 *
 * A placement turns a policy into one binding per participant. Policies:
 *   compact  consecutive PUs in topology order: a core's PUs, then the next core
 *   scatter  spread across packages, then L3s, then cores (hwloc_distrib)
 *   none     no binding (every field -1)
 *   list     explicit OS PU indices, "0,2,4-7"
 * More participants than PUs wrap round-robin and set `oversubscribed`.
 * The topology type hides hwloc so a platform without it can provide a native
 * implementation behind the same header.
 */
#ifndef RINGFENCE_PLACEMENT_H
#define RINGFENCE_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RF_PLACEMENT_MAX_LIST 1024

enum rf_policy { RF_PLACE_NONE = 0, RF_PLACE_COMPACT = 1, RF_PLACE_SCATTER = 2, RF_PLACE_LIST = 3 };

struct rf_placement {
	enum rf_policy policy;
	uint32_t npus;                         /* RF_PLACE_LIST only */
	int32_t pus[RF_PLACEMENT_MAX_LIST];    /* OS PU indices, RF_PLACE_LIST only */
};

/* Where one participant runs. pu is the OS index (as lstopo -p and taskset
 * show it); core, l3 and package are logical indices. -1 means unbound or
 * absent from the topology. */
struct rf_binding {
	int32_t pu;
	int32_t core;
	int32_t l3;
	int32_t package;
};

typedef struct rf_topology rf_topology;

/* Loads this machine's topology: the PUs the OS (cgroups) allows; a taskset
 * affinity mask does not shrink it. */
int rf_topology_load(rf_topology **out);

/* Builds a made-up topology from an hwloc synthetic description, for tests. */
int rf_topology_load_synthetic(const char *description, rf_topology **out);

/* Releases a topology; NULL is accepted. */
void rf_topology_free(rf_topology *topo);

/* Number of PUs the topology offers for placement. */
uint32_t rf_topology_npus(const rf_topology *topo);

/* Writes the topology as an hwloc synthetic string (NUL-terminated); for an
 * asymmetric machine hwloc cannot express, a "Type:count ..." summary of the
 * totals instead. RF_EINVAL if it does not fit in len. */
int rf_topology_describe(const rf_topology *topo, char *buf, size_t len);

/* Parses "compact", "scatter", "none" or a PU list such as "0,2,4-7". */
int rf_placement_parse(const char *spec, struct rf_placement *out);

/* Writes the canonical text of a placement (parseable by rf_placement_parse). */
int rf_placement_format(const struct rf_placement *pl, char *buf, size_t len);

/* Fills out[0..nprocs-1] with the binding of each participant; sets
 * *oversubscribed (if not NULL) when two participants share a PU. A listed PU
 * that the topology does not have is RF_EINVAL. */
int rf_placement_plan(const rf_topology *topo, const struct rf_placement *pl, uint32_t nprocs,
		      struct rf_binding *out, bool *oversubscribed);

/* Binds process `pid` (0 = the caller) to the binding's PU; a binding with
 * pu == -1 is a no-op. RF_EINVAL for a PU the topology lacks; RF_ETOPOLOGY
 * when the OS refuses or the topology is not this machine's (synthetic). */
int rf_placement_bind(const rf_topology *topo, long pid, const struct rf_binding *b);

#ifdef __cplusplus
}
#endif
#endif
