/* The sender side of a round (SPEC §7). */
#ifndef RF_SOAK_TRAFFIC_H
#define RF_SOAK_TRAFFIC_H

#include <stdint.h>

#include "soak_run.h"

/* Sends round r->round's records and markers through the driver, then
 * reports the sums sent in the shared area; 0 or an RF_E* code. Blocking
 * sends give up at deadline_ns. */
int traffic_send_round(struct soak_run *r, int64_t deadline_ns);
/* Forgets the sender's streams: the next round starts a new world's. */
void traffic_free(void);

#endif
