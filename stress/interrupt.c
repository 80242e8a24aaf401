/* The interrupt's record and its one action. The supervisor never sets a
 * world: there an interrupt only ends the trials. */
#include <stdatomic.h>

#include "interrupt.h"
#include "proc.h"

static volatile int interrupted;
static rf_world *_Atomic current_world;

static void on_signal(int sig)
{
	interrupted = sig;
	/* Async-signal-safe in this library: an atomic CAS and futex wake-ups,
	 * no lock, no allocation. The handle is cleared before close. */
	rf_world *w = atomic_load(&current_world);
	if (w)
		rf_world_abort(w, RF_EABORTED);
}

void interrupt_catch(void)
{
	proc_catch_interrupts(on_signal);
}

void interrupt_set_world(rf_world *w)
{
	atomic_store(&current_world, w);
}

int interrupt_signal(void)
{
	return interrupted;
}
