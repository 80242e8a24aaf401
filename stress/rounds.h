/* The round loop every participant runs (SPEC §7), with the watchdog. */
#ifndef RF_SOAK_ROUNDS_H
#define RF_SOAK_ROUNDS_H

#include "soak_run.h"

/* Runs rounds in world r->w (r->o and r->trial set by the caller) until
 * --rounds or --duration, or until a library error ends them; returns 0 or
 * that error, also left in r->rc. A watchdog stall aborts the world and
 * marks the shared area stalled. */
int rounds_run(struct soak_run *r);

#endif
