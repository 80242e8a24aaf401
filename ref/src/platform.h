/* The platform seam: everything that differs between operating systems.
 * One implementation file per seam: shm_*.c, park_*.c, spawn_*.c, fence_*.c;
 * what the tests and tools need as well lives in the support library.
 * The rest of ref/src is platform-free C11. */
#ifndef RF_PLATFORM_H
#define RF_PLATFORM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rf_os.h"

struct rf_world;

/* Clock, processes, CPUs, segment names: the support library (rf_os.h). */

/* --- fence_*.c: asymmetric fences ------------------------------------------- */

/* Asymmetric fences (as liburcu's membarrier flavour): once a process is
 * registered, a waker may order its store before its load of the sleeper
 * flags with a compiler barrier only, because every sleeper runs
 * rf_os_heavy_fence(), which forces a full barrier on every CPU running a
 * registered process, before it re-checks and sleeps. Returns false where
 * that is not available; the caller then uses a full fence itself. */
bool rf_os_fence_register(void);
/* The sleeper's half: a full barrier on all registered processes' CPUs. */
void rf_os_heavy_fence(void);

/* A pause inside spin loops: lets the sibling hyperthread run. */
static inline void rf_os_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* --- shm_*.c: named shared memory ----------------------------------------- */

/* Creates and maps a zero-filled segment; RF_EEXIST if the name is taken. */
int rf_os_shm_create(const char *name, size_t size, void **addr);
/* Maps an existing segment whole; *size is its real size (never trust the header). */
int rf_os_shm_open(const char *name, void **addr, size_t *size);
/* Unmaps a mapping made by create/open. */
void rf_os_shm_unmap(void *addr, size_t size);
/* Removes the name; the memory lives on while mapped. */
int rf_os_shm_unlink(const char *name);

/* --- park_*.c: sleeping on a participant's doorbell ---------------------- */

/* Sets up whatever per-participant wake-up objects the platform needs. */
int rf_os_park_init(struct rf_world *w);
/* Releases them. */
void rf_os_park_fini(struct rf_world *w);
/* Sleeps while our doorbell still reads `seen`, at most timeout_ns. Spurious
 * returns are allowed; the caller re-checks its condition. */
void rf_os_park(struct rf_world *w, uint32_t seen, int64_t timeout_ns);
/* Wakes participant `who` if it sleeps on its doorbell. */
void rf_os_unpark(struct rf_world *w, uint32_t who);

/* --- spawn_*.c: workers, their lifeline and their watcher ----------------- */

/* How a worker ended, as participant 0's close sees it. */
enum rf_worker_end {
	RF_END_NONE,   /* never started */
	RF_END_CLEAN,  /* exit status 0 */
	RF_END_FAILED, /* a failure exit status */
	RF_END_DIED,   /* killed by a signal, crashed or terminated, not by us */
	RF_END_HUNG,   /* still running at the close's deadline: killed by us */
};

/* Participant 0: the lifeline every worker inherits (made on first use), as
 * the number RF_WORKER carries; -1 on failure (logged). */
intptr_t rf_os_lifeline_for_workers(struct rf_world *w);
/* Participant 0: starts worker `index` running `program argv` with `env`
 * (RF_WORKER=...) and the lifeline; it dies with us. */
int rf_os_spawn_worker(struct rf_world *w, uint32_t index, const char *program, char *const *argv,
		       const char *env);
/* Participant 0: watches every spawned worker; an unexpected exit aborts the
 * world with RF_EPEERDEAD. */
int rf_os_watch_start(struct rf_world *w);
/* Participant 0: waits until the absolute deadline for every worker to exit,
 * kills the rest, reaps all, and says how each ended (how[0] is unused). */
void rf_os_reap_workers(struct rf_world *w, int64_t deadline_ns, enum rf_worker_end *how);
/* Participant 0: SIGKILL (or equivalent) to one worker. */
int rf_os_kill_worker(struct rf_world *w, uint32_t index);
/* Worker: keeps the lifeline RF_WORKER named. */
int rf_os_lifeline_open(struct rf_world *w, intptr_t lifeline);
/* Worker: false once participant 0 is gone. Participant 0: always true. */
bool rf_os_lifeline_ok(struct rf_world *w);
/* Releases the platform's spawn/lifeline state of a world. */
void rf_os_spawn_fini(struct rf_world *w);

#endif
