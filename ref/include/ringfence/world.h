/* ringfence — a world: P participant processes sharing one segment (SPEC §1).
 *
 * Participant 0 creates the world; participants 1..P-1 attach by name and
 * index. The segment header carries magic, ABI version, layout and the
 * creator's pid; attaching to a header that does not match gives RF_EABI or
 * RF_ECORRUPT, never a misread. Usually rf_launch() (launch.h) does all of
 * this; create/attach are public for tools and tests.
 *
 * A world handle is used by one thread at a time.
 */
#ifndef RINGFENCE_WORLD_H
#define RINGFENCE_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringfence/placement.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RF_ABI_VERSION 3u
#define RF_MAX_PROCS 1024u
#define RF_NAME_MAX 64u

enum rf_transport {
	RF_TRANSPORT_SHM = 0,         /* barrier state in shared counters */
	RF_TRANSPORT_COORDINATOR = 1, /* barrier as records via participant 0 */
};

/* The transport's name as tools spell it ("shm", "coordinator"); "?" for a
 * value that names no transport. */
const char *rf_transport_name(enum rf_transport t);
/* Sets *out to the transport called `name`; 0, or RF_EINVAL (out untouched)
 * for NULL or a name this library does not know. */
int rf_transport_parse(const char *name, enum rf_transport *out);

/* How the shm transport completes a round (SPEC §4); every algorithm keeps
 * the same contract for every mode. The coordinator transport has one way
 * only (its coordinator is the centre) and accepts AUTO or CENTRAL. */
enum rf_algorithm {
	RF_ALGO_AUTO = 0,          /* chosen at create from P and the CPUs (README) */
	RF_ALGO_CENTRAL = 1,       /* one shared counter of arrivals and drains */
	RF_ALGO_DISSEMINATION = 2, /* ceil(log2 P) stages of pairwise signals */
	RF_ALGO_TREE = 3,          /* a combining tree whose groups share a cache */
};

/* The algorithm's name as tools spell it ("auto", "central", "dissemination",
 * "tree"); "?" for a value that names none. */
const char *rf_algorithm_name(enum rf_algorithm a);
/* Sets *out to the algorithm called `name`; 0, or RF_EINVAL (out untouched). */
int rf_algorithm_parse(const char *name, enum rf_algorithm *out);

struct rf_world_params {
	uint32_t nprocs;        /* P >= 2 */
	uint32_t ring_capacity; /* bytes per outbound ring, power of two; 0 = 64 KiB */
	uint32_t max_record;    /* largest payload in bytes; 0 = 4096 */
	enum rf_transport transport;
	enum rf_algorithm algorithm; /* shm: how rounds complete; AUTO = by P and CPUs */
	int32_t spin;           /* wait iterations before blocking; -1 = chosen from P and CPUs */
	uint32_t user_bytes;    /* size of the user area (rf_world_user); 0 = none */
};

/* One record as a handler sees it; payload stays valid until the handler returns. */
struct rf_record {
	uint64_t pos;      /* ring position of the record */
	uint32_t len;      /* payload bytes */
	uint16_t type;     /* user type, < RF_TYPE_RESERVED */
	uint16_t sender;   /* participant that wrote it */
	uint16_t dest;     /* one participant or RF_DEST_ALL */
	const void *payload;
};

typedef struct rf_world rf_world;
typedef void (*rf_handler_fn)(void *ctx, const struct rf_record *rec);

/* Fills params with the defaults (P must still be set). */
void rf_world_params_default(struct rf_world_params *p);

/* Writes a fresh name, unique on this machine, into buf (>= RF_NAME_MAX bytes). */
int rf_world_unique_name(char *buf, size_t len);

/* Creates the segment as participant 0; RF_EEXIST if the name is taken by a
 * live world (a dead creator's segment of the same name is swept first). */
int rf_world_create(const char *name, const struct rf_world_params *params, rf_world **out);

/* Attaches as participant `index` (1..P-1); RF_EABI / RF_ECORRUPT on a
 * mismatched or damaged header, RF_EBUSY if the index is already taken,
 * RF_ENOENT or RF_EAGAIN while the creator has not finished (retry). */
int rf_world_attach(const char *name, uint32_t index, rf_world **out);

/* Detaches; participant 0 also waits (bounded) for launched workers to exit
 * and removes the segment. Returns RF_EPEERDEAD / RF_EWORKER when a worker
 * died or failed, RF_ETIMEDOUT when one hung and was killed, 0 otherwise; the
 * handle is freed in every case but one: inside a handler it is RF_EBUSY and
 * nothing happens. */
int rf_world_close(rf_world *w);

/* Sets the handler rf_poll() calls for each user record addressed to us. */
void rf_world_set_handler(rf_world *w, rf_handler_fn fn, void *ctx);

/* Aborts the world: every blocked call in every participant returns
 * `reason` (RF_EABORTED or RF_EPEERDEAD) within the wake-up bound. */
int rf_world_abort(rf_world *w, int reason);

/* Returns the abort reason, or 0 while the world is live. */
int rf_world_aborted(const rf_world *w);

/* Number of participants P. */
uint32_t rf_world_size(const rf_world *w);

/* This process's participant index. */
uint32_t rf_world_rank(const rf_world *w);

/* The segment's name (valid until close). */
const char *rf_world_name(const rf_world *w);

/* The binding applied to participant p (all -1 when unpinned). */
int rf_world_binding(const rf_world *w, uint32_t p, struct rf_binding *out);

/* The world's user area: user_bytes of zero-filled shared memory, cache-line
 * aligned, the same in every participant; the library never touches it. */
void *rf_world_user(const rf_world *w, size_t *bytes);

/* The barrier algorithm this world runs (never AUTO: the one AUTO chose). */
enum rf_algorithm rf_world_algorithm(const rf_world *w);

/* True when two participants were placed on the same PU. */
bool rf_world_oversubscribed(const rf_world *w);

/* Removes the caller's own segments (owned by its uid, with a ringfence
 * header) whose creator no longer runs; returns how many (>= 0). */
int rf_sweep(void);
/* As rf_sweep, but every user's segments: root only (RF_EINVAL otherwise),
 * and still only those with a ringfence header. */
int rf_sweep_all_users(void);

#ifdef __cplusplus
}
#endif
#endif
