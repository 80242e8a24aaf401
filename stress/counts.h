/* The run's counters (issue 14.4): kept privately by each participant and
 * published in its own slot of the world's user area, sealed with a check
 * word, so that bytes scribbled over the shared area can make the counts
 * unreadable but never make the summary print garbage. */
#ifndef RF_SOAK_COUNTS_H
#define RF_SOAK_COUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "shared.h"

enum soak_count {
	COUNT_VIOLATIONS, /* broken guarantees the oracle found */
	COUNT_MISSES,     /* rendezvous rounds in which some reader lacked a marker */
	COUNT_RV_ROUNDS,  /* rendezvous rounds completed: the misses' denominator */
	COUNT_N
};

/* Starts this process's counts at zero as participant `me` of a world of P
 * whose user area is sh, and publishes them; every participant, each world. */
void counts_begin(struct soak_shared *sh, uint32_t P, uint32_t me);
/* Adds one to our count c and publishes it, sealed; notes (for counts_sum)
 * when our published slot was overwritten since we last wrote it. */
void counts_add(enum soak_count c);
/* Sums every participant's published counts into sum[]; false, with sum[]
 * all zero, when a slot fails its check (the shared area was overwritten).
 * Safe while the others still write. */
bool counts_sum(uint64_t sum[COUNT_N]);

#endif
