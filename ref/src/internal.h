/* Private layout of a world segment and of the process-local handle.
 *
 * Segment (all offsets cache-line aligned, every field written by one side
 * only where it can be, so that writers never share a line):
 *
 *   rf_seg_header      immutable after create, validated by every attach
 *   rf_seg_control     world state, abort, barrier counters
 *   rf_seg_part[P]     per participant: barrier entry, state, doorbell
 *   rf_seg_ring[P]     per ring: the writer's leading position (for snapshots
 *                      and barrier diagnostics; readers never poll it: they
 *                      learn of a record from its header's commit word)
 *   rf_seg_progress[P*P] per (ring p, reader q): received, processed
 *   barrier area       the algorithm's own words (barrier_*.c), if any
 *   data[P][capacity]  ring bytes
 *   user[user_bytes]   the user area (rf_world_user)
 */
#ifndef RF_INTERNAL_H
#define RF_INTERNAL_H

#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "ringfence.h"

#define RF_MAGIC 0x434e4546474e4952ull /* "RINGFENC" little-endian */

/* --- what the segment layout depends on, said at compile time ----------------
 * Every one of these is recorded in the segment header and compared at
 * attach (RF_EABI when they differ): processes of one world must agree.
 *
 * RF_CACHE_LINE: the line size that the layout's alignas() separates
 * writers by (false sharing only, never correctness). CMake sets it per
 * target processor (CMakeLists.txt: 256 on s390x, 128 on ppc64, else 64;
 * -DRF_CACHE_LINE=... overrides); a build outside CMake (the fuzz target)
 * gets x86-64's 64. */
#ifndef RF_CACHE_LINE
#define RF_CACHE_LINE 64
#endif
#define RF_CACHELINE ((uint32_t)RF_CACHE_LINE)
_Static_assert(RF_CACHE_LINE >= 32 && RF_CACHE_LINE <= 4096 && (RF_CACHE_LINE & (RF_CACHE_LINE - 1)) == 0,
	       "RF_CACHE_LINE must be a power of two from 32 to 4096");
/* RF_SEG_PAGE: the granule of the ring data's offset and of the segment's
 * size. It is a layout unit, not the OS page size: a mapping is whole OS
 * pages anyway (64 KiB ones too: the tail past the segment's end is never
 * touched), and Windows tells an attacher a section's size only in 4 KiB
 * pages (shm_win32.c), so it must be a multiple of 4096. */
#ifndef RF_SEG_PAGE
#define RF_SEG_PAGE 4096
#endif
_Static_assert(RF_SEG_PAGE >= 4096 && (RF_SEG_PAGE & (RF_SEG_PAGE - 1)) == 0,
	       "RF_SEG_PAGE must be a power of two of at least 4096");
/* Byte order: the header's fields, positions and record headers are native
 * integers; a process of the other byte order reads the magic byte-swapped
 * and gets RF_EABI (qemu-user runs a big-endian s390x process beside
 * little-endian ones on one /dev/shm). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RF_BYTE_ORDER 1u
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define RF_BYTE_ORDER 2u
#elif defined(_WIN32)
#define RF_BYTE_ORDER 1u /* every Windows target is little-endian */
#else
#error "unknown byte order: define __BYTE_ORDER__"
#endif
/* The positions and progress counters are 64-bit atomics in memory shared
 * between processes: only a lock-free atomic works there (libatomic's
 * fallback locks are private to each process). 32-bit ARMv7 has them
 * (LDREXD/STREXD), 32-bit x86 too (CMPXCHG8B); a target without them
 * cannot build ringfence. */
_Static_assert(__atomic_always_lock_free(sizeof(uint64_t), 0) &&
		       __atomic_always_lock_free(sizeof(uint32_t), 0),
	       "64-bit and 32-bit atomics must be lock-free: they live in shared memory");
#define RF_NAME_PREFIX RF_OS_SEGMENT_PREFIX
#define RF_DEFAULT_CAPACITY (64u * 1024u)
#define RF_DEFAULT_MAX_RECORD 4096u
#define RF_REC_ALIGN 16u
#define RF_START_TIMEOUT_NS (10ll * 1000000000ll)
#define RF_START_PER_WORKER_NS (100ll * 1000000ll) /* per worker on one CPU */
#define RF_CLOSE_TIMEOUT_NS (5ll * 1000000000ll)
/* Longest sleep between liveness checks: bounds the time to notice a death
 * that nobody signalled (the target in SPEC §4 is 100 ms). RF_PARK_SLICE_NS
 * in the environment overrides it: tests set it huge to prove that no
 * wake-up depends on the slice running out. */
#define RF_PARK_SLICE_NS (20ll * 1000000ll)
/* With more participants than CPUs, yield this long before sleeping: a
 * round needs every participant to run, and a yield hands the CPU over
 * without the cost of a futex sleep and wake. RF_YIELD_NS overrides. */
#define RF_YIELD_NS (200ll * 1000ll)

enum rf_world_state { RF_WS_STARTING = 0, RF_WS_READY = 1 };

/* Library record types (>= RF_TYPE_RESERVED). */
enum { RF_TYPE_PAD = 0xFFFFu, RF_TYPE_ARRIVAL = 0xFFF0u, RF_TYPE_COMPLETE = 0xFFF1u };

/* Fixed-width fields at fixed offsets (no padding on any ABI), so that a
 * process of any build can read the first ones and say why it may not
 * attach. */
struct rf_seg_header {
	uint64_t magic; /* RF_MAGIC in the creator's byte order */
	uint32_t abi;
	uint32_t header_bytes;
	/* The creator's build, as far as the layout depends on it. */
	uint8_t byte_order;    /* RF_BYTE_ORDER */
	uint8_t pointer_bytes; /* sizeof(void *) */
	uint8_t size_bytes;    /* sizeof(size_t) */
	uint8_t u64_align;     /* alignof(uint64_t): padding inside the shared structs */
	uint32_t cacheline;    /* RF_CACHE_LINE */
	uint32_t page;         /* RF_SEG_PAGE */
	uint32_t nprocs;
	uint32_t ring_capacity;
	uint32_t max_record;
	uint32_t transport;
	uint32_t algorithm; /* enum rf_algorithm, never AUTO (resolved at create) */
	uint32_t barrier_bytes; /* size of the algorithm's area */
	int32_t spin;
	int64_t creator_pid; /* at 56: 8-aligned on 32-bit ABIs too, no padding before it */
	uint64_t segment_bytes;
	uint64_t user_bytes;
	uint64_t off_control, off_parts, off_rings, off_progress, off_barrier, off_data, off_user;
	uint64_t checksum; /* FNV-1a of every field above */
};
_Static_assert(offsetof(struct rf_seg_header, creator_pid) == 56 &&
		       sizeof(struct rf_seg_header) == 144,
	       "the header has one layout on every ABI");

struct rf_seg_control {
	alignas(RF_CACHELINE) _Atomic uint32_t state;
	_Atomic int32_t abort_reason;
	_Atomic uint32_t nattached;
	uint32_t oversubscribed; /* written by the creator before workers start */
	/* Sleepers announce themselves here so wakers can skip the scan when
	 * nobody sleeps (the common, spinning case). */
	alignas(RF_CACHELINE) _Atomic uint32_t nsleepers;
	/* shm barrier: round tag, drains and arrivals (barrier_shm.c). */
	alignas(RF_CACHELINE) _Atomic uint64_t bar;
	alignas(RF_CACHELINE) _Atomic uint64_t completed_rounds;
	_Atomic int32_t round_status; /* 0 or RF_EMODE for the last completed round */
	/* Written only by whoever completes a round: per mode, for snapshots. */
	struct rf_seg_stats {
		_Atomic uint64_t rounds, handshakes, wait_total_ns, wait_max_ns;
	} stats[3];
};

struct rf_seg_part {
	/* Written by the owner at barrier entry. */
	alignas(RF_CACHELINE) _Atomic uint64_t round; /* rounds entered */
	_Atomic uint64_t entry_target;                /* E_p */
	_Atomic uint32_t mode;
	_Atomic uint32_t state;
	_Atomic int64_t pid;
	struct rf_binding binding; /* written by the creator before the worker starts */
	/* Wake-up: the owner sleeps on doorbell; others bump it. */
	alignas(RF_CACHELINE) _Atomic uint32_t doorbell;
	_Atomic uint32_t sleeping;
};

struct rf_seg_ring {
	alignas(RF_CACHELINE) _Atomic uint64_t leading;
};

struct rf_seg_progress {
	alignas(RF_CACHELINE) _Atomic uint64_t received;
	_Atomic uint64_t processed;
};

/* Every record starts with this header, at a multiple of RF_REC_ALIGN. The
 * writer stores the fields and the payload, then the commit word, last, with
 * release (ring.c); the commit word is only ever accessed atomically
 * (rf_rec_commit), the other fields are plain bytes. */
struct rf_rec_hdr {
	uint32_t len;
	uint16_t type;
	uint16_t sender;
	uint16_t dest;
	uint16_t check;  /* hash of the fields and the position: catches stray writes */
	uint32_t commit; /* 0 (not written yet) or rf_rec_stamp of the record's position */
};

_Static_assert(sizeof(struct rf_rec_hdr) == RF_REC_ALIGN, "a header is one slot");

/* The commit word of a record at position pos: never 0, because positions
 * are multiples of RF_REC_ALIGN; a stale one from another lap differs (for
 * positions less than 2^32 bytes apart). */
static inline uint32_t rf_rec_stamp(uint64_t pos)
{
	return (uint32_t)pos | 1u;
}

/* The commit word of the header slot at `slot` (ring memory, aligned to
 * RF_REC_ALIGN), for atomic access. */
static inline _Atomic uint32_t *rf_rec_commit(uint8_t *slot)
{
	return (_Atomic uint32_t *)(slot + offsetof(struct rf_rec_hdr, commit));
}

struct rf_spawn; /* platform-private (spawn_*.c) */
struct rf_park;  /* platform-private (park_*.c) */
struct rf_barrier_ops;
struct rf_barrier_state; /* private to the transport's own file */

/* What delivery (ring.c) calls back into, installed by the barrier layer; the
 * ring itself knows no barrier. Any pointer may be NULL. */
struct rf_ring_hooks {
	/* A record of the library's own types (>= RF_TYPE_RESERVED) addressed
	 * to us; 0, or RF_ECORRUPT for a protocol violation. Without this hook
	 * such a record is corrupt. */
	int (*library_record)(struct rf_world *w, const struct rf_record *rec);
	/* `received` just moved past a record of ring p, before its handler (if
	 * any) runs: a delivery fence can be met while a handler is slow. */
	void (*received)(struct rf_world *w, uint32_t p, bool to_handler);
	/* A batch of ring p was delivered; processed moved. */
	void (*drained)(struct rf_world *w, uint32_t p);
};

struct rf_world {
	char name[RF_NAME_MAX];
	uint8_t *base;
	size_t size;
	struct rf_seg_header *hdr;
	struct rf_seg_control *ctl;
	struct rf_seg_part *part;
	struct rf_seg_ring *rings;
	struct rf_seg_progress *prog;
	uint8_t *data;

	uint32_t nprocs, self, capacity, max_record;
	enum rf_transport transport;
	enum rf_algorithm algorithm;
	uint8_t *barrier_area; /* the algorithm's words in the segment */
	bool creator;
	bool named; /* the segment's name still exists */

	/* Wait tuning (wait.c, from P, the CPUs, the placement and RF_* knobs). */
	int32_t spin;
	int64_t park_slice_ns;
	int64_t yield_ns; /* how long to yield before parking (oversubscribed) */
	bool light_wake;  /* asymmetric fences available (rf_os_fence_register) */

	rf_handler_fn handler;
	void *handler_ctx;
	int in_handler;
	struct rf_ring_hooks hooks;
	struct rf_snapshot *timeout_snapshot; /* taken when a barrier timed out */

	/* Writer side: own leading position and the lowest position any reader
	 * still needs (cached; refreshed only when the ring looks full). */
	uint64_t leading;
	uint64_t free_until;

	/* Reader side: our received position on every ring (mirrors shared). */
	uint64_t *rx;
	uint8_t *scratch;

	/* Barrier (barrier.c): the transport chosen once, its private state,
	 * the rounds completed here, and the handshake trace. */
	const struct rf_barrier_ops *barrier_ops;
	struct rf_barrier_state *barrier;
	uint64_t rounds_done;
	rf_trace_fn trace;
	void *trace_ctx;

	struct rf_spawn *spawn;
	struct rf_park *park;
};

/* Shared-memory accessors. */
static inline struct rf_seg_progress *rf_progress(const struct rf_world *w, uint32_t ring,
						  uint32_t reader)
{
	return &w->prog[(size_t)ring * w->nprocs + reader];
}

static inline uint8_t *rf_ring_data(const struct rf_world *w, uint32_t ring)
{
	return w->data + (size_t)ring * w->capacity;
}

/* printf-style checking: mingw's "printf" means the old msvcrt formats (no
 * %zu, %lld); the build selects its C99 stdio (__USE_MINGW_ANSI_STDIO). */
#ifdef __MINGW32__
#define RF_PRINTF_FORMAT gnu_printf
#else
#define RF_PRINTF_FORMAT printf
#endif

/* error.c: logs through the hook, if any. */
void rf_log(int level, const char *fmt, ...) __attribute__((format(RF_PRINTF_FORMAT, 2, 3)));

/* --- wake.c: the waker's half of the wait protocol, and the abort ----------- */

/* Wakes participant `who` if it sleeps (after a change it may wait for). */
void rf_wake(struct rf_world *w, uint32_t who);
/* Wakes every other participant that sleeps. */
void rf_wake_all(struct rf_world *w);

/* --- wait.c: the one waiting loop, its tuning and the RF_* knobs ------------- */

/* A waiting condition: 1 when done, 0 to keep waiting, RF_WAIT_PROGRESS when
 * not done but something moved (spin again before sleeping), or a negative
 * RF_E* code. Called again after the waiter announced it may sleep, so a
 * change published before a wake-up is never missed. */
typedef int (*rf_cond_fn)(struct rf_world *w, void *arg);
enum { RF_WAIT_PROGRESS = 2 };
/* Waits until cond is done, the world is aborted, a peer died or the
 * absolute deadline passed (RF_ETIMEDOUT); spins, yields, then sleeps. */
int rf_wait(struct rf_world *w, rf_cond_fn cond, void *arg, int64_t deadline_ns);
/* Picks spin, yield and sleep budgets from P, the CPUs, the placement and
 * the RF_* knobs (the creator calls it again once the placement is known). */
void rf_wait_tune(struct rf_world *w);
/* RF_TRACE_HANDSHAKE: whether handshakes are logged. */
bool rf_knob_trace_handshake(void);
/* Checks peers' liveness (slow path); a negative code if the world is dead. */
int rf_check_peers(struct rf_world *w);

/* --- ring.c: records ---------------------------------------------------------------- */

/* 16-bit check of a record header at position pos. */
uint16_t rf_rec_check(const struct rf_rec_hdr *h, uint64_t pos);
/* Publishes a record of any type (the library's own too) before the absolute
 * deadline; RF_NONBLOCK as deadline: RF_EAGAIN when the ring is full. */
int rf_ring_write(struct rf_world *w, uint16_t dest, uint16_t type, const void *payload,
		  uint32_t len, int64_t deadline_ns);
/* rf_wait that delivers inbound records while it waits (SPEC §3), except
 * inside a handler. */
int rf_ring_wait(struct rf_world *w, rf_cond_fn cond, void *arg, int64_t deadline_ns);

/* --- world.c ----------------------------------------------------------------------- */

/* Checks a mapped segment header against this build: 0, RF_EAGAIN (not
 * finished), RF_EABI or RF_ECORRUPT. Never reads past size. */
int rf_segment_validate(const uint8_t *base, size_t size);

/* --- workers.c: the worker protocol -------------------------------------------------- */

/* What participant 0 hands a worker. */
struct rf_worker_env {
	char name[RF_NAME_MAX];
	uint32_t index;
	intptr_t lifeline;
	int64_t start_timeout_ns;
};
/* Formats worker `index`'s RF_WORKER=... variable into buf. */
int rf_worker_env_format(const struct rf_world *w, uint32_t index, intptr_t lifeline,
			 int64_t start_timeout_ns, char *buf, size_t len);
/* Reads RF_WORKER; RF_ENOENT when this process is not a worker, RF_EINVAL
 * when the variable is malformed. */
int rf_worker_env_get(struct rf_worker_env *env);
/* Participant 0 at close: waits up to timeout_ns for every worker, kills the
 * rest; 0, or the most telling failure: RF_EPEERDEAD (one died), RF_EWORKER
 * (a failure status), RF_ETIMEDOUT (one hung and was killed). */
int rf_workers_reap(struct rf_world *w, int64_t timeout_ns);

/* --- barrier.c: the barrier layer, as the world sets it up ---------------------------- */

/* Chooses the world's transport and sets up its state and ring hooks; called
 * once per handle, before any record can arrive. */
int rf_barrier_init(struct rf_world *w);
/* Releases the transport's state. */
void rf_barrier_fini(struct rf_world *w);
/* Sets up the shared barrier words of a new segment (creator only). */
void rf_barrier_segment_init(struct rf_world *w);
/* Create: fills h->algorithm (AUTO resolved from P and the CPUs) and
 * h->barrier_bytes; false when the transport cannot run that algorithm. */
bool rf_barrier_plan(struct rf_seg_header *h, enum rf_algorithm requested);
/* Attach: whether h's algorithm and area size are ones this build would plan. */
bool rf_barrier_plan_valid(const struct rf_seg_header *h);

/* placement.c <-> placement_*.c: a loaded topology seen as a table of its
 * PUs, one rf_binding each (OS index; logical core, L3 and package, -1 if
 * absent), in topology order: a core's PUs adjacent, then the cores of one
 * L3, then the L3s of one package. The policies (placement.c) work on this
 * table only; each loader (hwloc, Windows) builds it. Never empty. */
const struct rf_binding *rf_topology_pus(const rf_topology *topo, uint32_t *npus);
/* placement.c -> placement_*.c: n participants (1 <= n <= the PU count)
 * spread from the root, packages first, down to PUs: out[k] is the table
 * index of participant k's PU. With hwloc it is hwloc_distrib over every
 * level hwloc knows; the Windows fallback applies the same rule to the
 * table's levels (rf_distrib_table). RF_ENOMEM, else 0. */
int rf_topology_scatter(const rf_topology *topo, uint32_t n, uint32_t *out);
/* distrib_table.c: hwloc_distrib's rule over the table's own levels
 * (package, L3, core, PU); out[k] as for rf_topology_scatter. Only in
 * builds without hwloc, and in test_placement, which compares it with hwloc. */
void rf_distrib_table(const struct rf_binding *pu, uint32_t npus, uint32_t n, uint32_t *out);
/* error.c: snprintf that keeps counting past len, so truncation is
 * checked once at the end by comparing *used with len. */
void rf_appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(RF_PRINTF_FORMAT, 4, 5)));

#endif
