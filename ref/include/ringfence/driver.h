/* ringfence — the driver interface: an implementation under test as the
 * benchmark and soak suites see it (SPEC §9).
 *
 * An implementation (the reference, MPI, a naive one, or a third party's
 * shared object) exports one function, rf_driver_entry(), returning a
 * static struct rf_driver. The suite launches P participants (its own
 * launcher, or mpirun), then every participant calls open() with its rank
 * and the world's size; from then on the suite only sends, polls and enters
 * barriers through the table, exactly as it would with the reference.
 *
 * What a driver promises (the oracle of SPEC §7 holds it to this):
 *   send      a record to one participant or to all (RF_DEST_ALL); every
 *             addressed reader gets it exactly once, in the sender's order,
 *             intact. A blocking send keeps delivering inbound records while
 *             it waits (SPEC §3) and gives up at its timeout.
 *   poll      runs the handler given at open for every inbound record that
 *             has arrived, in each sender's order, and returns the count.
 *   barrier   the table of SPEC §4 for every mode it claims in caps; keeps
 *             delivering while it waits; returns RF_ETIMEDOUT at its timeout,
 *             RF_EPEERDEAD / RF_EABORTED when a peer died or the world was
 *             aborted. A mode it does not claim: RF_EINVAL, never a hang.
 *   errors    the RF_E* codes of ringfence/error.h, so the suite can tell a
 *             timeout from a dead peer from a usage error.
 * The handler is never called re-entrantly and never from another thread
 * than the one inside the driver's call; it may not call the driver.
 *
 * Versioning: the suite refuses a driver whose abi_version differs from the
 * RF_DRIVER_ABI_VERSION it was built with, or whose struct_size is smaller
 * than its own, before it reads any other field.
 */
#ifndef RINGFENCE_DRIVER_H
#define RINGFENCE_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "ringfence/barrier.h"
#include "ringfence/error.h"
#include "ringfence/world.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RF_DRIVER_ABI_VERSION 1u
#define RF_DRIVER_ENTRY "rf_driver_entry" /* the symbol a shared object exports */

/* What a driver implements (struct rf_driver.caps). */
enum rf_driver_caps {
	RF_DRIVER_RENDEZVOUS = 1u << 0,
	RF_DRIVER_DELIVERY_FENCE = 1u << 1,
	RF_DRIVER_PROCESSING_FENCE = 1u << 2,
	RF_DRIVER_PROGRESS = 1u << 3, /* progress() reports every reader of every ring */
	RF_DRIVER_HOSTS = 1u << 4,    /* participants may be on different machines */
};

/* The caps bit of one barrier mode. */
#define RF_DRIVER_MODE_CAP(mode) (1u << (unsigned)(mode))

/* What open() is given; the suite fills every field. */
struct rf_driver_env {
	uint32_t abi_version; /* RF_DRIVER_ABI_VERSION of the suite */
	uint32_t rank, size;  /* this participant, of size >= 2 */
	const char *run_name; /* unique per run, the same in every participant:
			       * a base for the driver's own names (segments, ports) */
	uint32_t max_record;  /* largest payload the suite will send, in bytes */
	uint32_t capacity;    /* bytes of buffering per participant the suite
			       * asks for (0: the driver's own choice) */
	int64_t timeout_ns;   /* open() returns within this, whatever the peers do */
	const char *params;   /* the driver's own "key=value,key=value" (may be "") */
	rf_handler_fn handler;
	void *handler_ctx;
	/* The reference's launcher also makes the world (rf_launch): when the
	 * suite launched this run with rf_launch, the world, else NULL. Only the
	 * reference's own drivers use it; every other driver ignores it. */
	rf_world *launched;
};

typedef struct rf_driver_conn rf_driver_conn; /* one participant's open driver */

struct rf_driver {
	uint32_t abi_version; /* RF_DRIVER_ABI_VERSION the driver was built with */
	uint32_t struct_size; /* sizeof(struct rf_driver) it was built with */
	const char *name;     /* e.g. "naive", "mpi", "example" */
	const char *version;  /* the implementation's version */
	uint32_t caps;        /* enum rf_driver_caps */

	/* Opens this participant; *out valid until close. All P participants
	 * open before any of them sends; open() may wait for its peers (bounded
	 * by env->timeout_ns). */
	int (*open)(const struct rf_driver_env *env, rf_driver_conn **out);
	/* Sends one record (dest: a rank or RF_DEST_ALL; type < RF_TYPE_RESERVED). */
	int (*send)(rf_driver_conn *c, uint16_t dest, uint16_t type, const void *payload,
		    uint32_t len, int64_t timeout_ns);
	/* Delivers what has arrived; the number of records handed to the handler. */
	int (*poll)(rf_driver_conn *c);
	/* One round in `mode` (see the contract above). */
	int (*barrier)(rf_driver_conn *c, enum rf_mode mode, int64_t timeout_ns);
	/* Closes this participant (after the last barrier every peer entered);
	 * frees c whatever it returns. */
	int (*close)(rf_driver_conn *c);

	/* Optional (NULL): "key=value ..." of what this open runs (transport,
	 * algorithm as resolved, library version), for the results' context. */
	int (*describe)(rf_driver_conn *c, char *buf, size_t len);
	/* Optional (RF_DRIVER_PROGRESS): the world's progress now, as arrays
	 * the suite sizes by P: leading[p] (just past p's last complete record),
	 * received[p * P + q] and processed[p * P + q] of reader q on p's
	 * outbound, all in one unit per ring. Counters only grow. */
	int (*progress)(rf_driver_conn *c, uint64_t *leading, uint64_t *received,
			uint64_t *processed);
	/* Optional (NULL): every blocked call of every participant returns
	 * `reason` (RF_EABORTED) soon; the suite's watchdog and interrupt use it. */
	int (*abort)(rf_driver_conn *c, int reason);
};

/* The entry point a driver's shared object exports (RF_DRIVER_ENTRY). */
typedef const struct rf_driver *(*rf_driver_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif
