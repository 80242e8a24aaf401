/* The soak oracle (SPEC §7): the reader's checks in the handler and after
 * every barrier. Violations and misses are counted in the shared area. */
#ifndef RF_SOAK_ORACLE_H
#define RF_SOAK_ORACLE_H

#include <ringfence.h>

#include "soak_run.h"

/* Sets up r->rx for r->P senders; 0 or RF_ENOMEM. */
int oracle_init(struct soak_run *r);
/* Releases r->rx; harmless when there is none. */
void oracle_free(struct soak_run *r);
/* The world's handler (ctx: the struct soak_run): exactly once, in order,
 * intact, per sender; adds each value to this reader's shared sum. */
void oracle_handler(void *ctx, const struct rf_record *rec);
/* After round r's barrier returned 0: markers, global progress, side
 * effects; violations in fenced modes, misses in rendezvous. */
void oracle_after_round(struct soak_run *r, enum rf_mode mode);
/* Prints why, then the world's snapshot rows, to stderr. */
void oracle_print_snapshot(rf_world *w, const char *why);

#endif
