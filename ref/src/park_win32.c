/* Sleeping on a participant's doorbell on Windows: one named auto-reset event
 * per participant ("Local\<segment>.park.<index>"). WaitOnAddress would be
 * the futex, but it wakes only threads of the same process.
 *
 * No lost wake-up: a waker bumps the doorbell and then sets the event; an
 * event stays set until a wait consumes it, so a sleeper that read the old
 * doorbell and waits afterwards still returns at once. A stale set event
 * gives one spurious return, which the caller's re-check absorbs. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

struct rf_park {
	uint32_t n;
	HANDLE ev[]; /* [n]: one per participant */
};

int rf_os_park_init(struct rf_world *w)
{
	struct rf_park *k = calloc(1, sizeof *k + (size_t)w->nprocs * sizeof(HANDLE));
	if (!k)
		return RF_ENOMEM;
	k->n = w->nprocs;
	w->park = k;
	const char *seg = w->name[0] == '/' ? w->name + 1 : w->name;
	/* Every participant opens (or first creates) all P events, so each one
	 * lives while any participant of the world does. */
	for (uint32_t p = 0; p < w->nprocs; p++) {
		wchar_t name[RF_NAME_MAX + 32];
		_snwprintf(name, sizeof name / sizeof name[0], L"Local\\%hs.park.%u", seg, p);
		name[sizeof name / sizeof name[0] - 1] = 0;
		k->ev[p] = CreateEventW(NULL, FALSE, FALSE, name);
		if (!k->ev[p]) {
			rf_log(RF_LOG_ERROR, "CreateEventW(park %u): error %lu", p, GetLastError());
			return RF_ESYS; /* world_free calls rf_os_park_fini */
		}
	}
	return 0;
}

void rf_os_park_fini(struct rf_world *w)
{
	struct rf_park *k = w->park;
	if (!k)
		return;
	for (uint32_t p = 0; p < k->n; p++)
		if (k->ev[p])
			CloseHandle(k->ev[p]);
	free(k);
	w->park = NULL;
}

void rf_os_park(struct rf_world *w, uint32_t seen, int64_t timeout_ns)
{
	/* acquire: the futex's "still equal" check, done by hand */
	if (atomic_load_explicit(&w->part[w->self].doorbell, memory_order_acquire) != seen)
		return;
	/* Rounded up: a sub-millisecond remainder must sleep, not spin at 0 ms. */
	int64_t ms = timeout_ns <= 0 ? 0 : (timeout_ns + 999999) / 1000000;
	if (ms >= (int64_t)INFINITE)
		ms = (int64_t)INFINITE - 1;
	WaitForSingleObject(w->park->ev[w->self], (DWORD)ms);
}

void rf_os_unpark(struct rf_world *w, uint32_t who)
{
	if (w->park)
		SetEvent(w->park->ev[who]);
}
