/* The soak's record (SPEC §7): what a sender puts at the front of every
 * payload and a reader checks, sealed by a checksum over the whole payload. */
#ifndef RF_SOAK_RECORD_H
#define RF_SOAK_RECORD_H

#include <stdbool.h>
#include <stdint.h>

/* Record payloads start with this; the rest is seeded filler. */
struct soak_rec {
	uint64_t g;     /* the sender's record counter: strictly increasing */
	uint64_t seq;   /* position in its stream (to this reader, or to all) */
	uint64_t value; /* what the handler adds to its per-sender sum */
	uint64_t aux;   /* markers: records the sender had broadcast so far */
	uint64_t total; /* markers: sum of the values sent to this reader so far, this
			 * marker's included: the side effect the handler must have */
	uint32_t round;
	uint32_t check; /* FNV-1a of the payload with this field zero */
};

enum { T_DATA = 1, T_MARKER = 2 }; /* record types */

/* Sets h->check over the header and payload[sizeof *h, len). */
void record_seal(struct soak_rec *h, const uint8_t *payload, uint32_t len);
/* True when h->check matches the header and payload[sizeof *h, len). */
bool record_intact(const struct soak_rec *h, const uint8_t *payload, uint32_t len);

#endif
