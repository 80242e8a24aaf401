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
/* The driver's handler (ctx: the struct soak_run): exactly once, in order,
 * intact, per sender; adds each value to this reader's shared sum; the
 * causal check of a processing round. Never calls the driver. */
void oracle_handler(void *ctx, const struct rf_record *rec);
/* After round r's barrier returned 0: markers, global progress, side
 * effects; violations in fenced modes, misses in rendezvous. */
void oracle_after_round(struct soak_run *r, enum rf_mode mode);
/* Right before this participant enters round r->round's barrier: its E_p,
 * the driver's leading[me], into the shared area (progress drivers only). */
void oracle_before_barrier(struct soak_run *r);
/* After every driver call returns: the causal check of a delivery round
 * (and the rendezvous miss it finds), and rows a handler's violation owes. */
void oracle_after_call(struct soak_run *r);
/* Whether this reader holds the marker of round r->round of every peer. */
bool oracle_has_markers(const struct soak_run *r);
/* Prints why, then the rows: the driver's progress against each E_p where
 * it offers progress counters, else this reader's own per-sender account. */
void oracle_print_rows(struct soak_run *r, const char *why);

#endif
