/* The round loop every participant runs (SPEC §7), with the watchdog. */
#ifndef RF_SOAK_ROUNDS_H
#define RF_SOAK_ROUNDS_H

#include "soak_run.h"

/* Opens the implementation r->im in launched world r->w (r->o and r->trial
 * set by the caller), runs rounds through it until --rounds or --duration,
 * or until an error ends them, and closes it; returns 0 or that error (the
 * open's too), also left in r->rc. A watchdog stall aborts the world and the
 * implementation and marks the shared area stalled. */
int rounds_run(struct soak_run *r);

#endif
