/* ringfence — broadcast rings and delivery by polling (SPEC §2, §3).
 *
 * Every participant owns one outbound ring: it is the only writer, every
 * other participant a reader. Records are variable length, 0..max_record
 * bytes, addressed to one participant or to all; every reader receives every
 * record exactly once, in write order, and skips (but passes) records not
 * addressed to it. The writer never overwrites a byte some reader has not
 * received: a full ring back-pressures it.
 *
 * Per (ring, reader) two progress counters are published: `received` (taken
 * off the ring, handed to the handler) and `processed` (handler returned).
 * processed <= received <= leading, always.
 */
#ifndef RINGFENCE_RING_H
#define RINGFENCE_RING_H

#include <stdint.h>

#include "ringfence/world.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RF_DEST_ALL 0xFFFFu
#define RF_TYPE_RESERVED 0x8000u /* types at and above are the library's own */

/* Timeouts are in nanoseconds. */
#define RF_NONBLOCK 0
#define RF_FOREVER INT64_MAX /* still bounded by peer death and abort */

/* Publishes one record on our ring. timeout_ns == RF_NONBLOCK returns
 * RF_EAGAIN on a full ring; otherwise waits, polling our inbound rings, up to
 * timeout_ns (RF_ETIMEDOUT). RF_ETOOBIG, RF_EINVAL for bad arguments; inside a
 * handler only non-blocking sends are allowed (RF_EBUSY). */
int rf_send(rf_world *w, uint16_t dest, uint16_t type, const void *payload, uint32_t len,
	    int64_t timeout_ns);

/* One record of a burst (rf_send_many): as rf_send's arguments. */
struct rf_message {
	uint16_t dest, type;
	uint32_t len;
	const void *payload;
};

/* Publishes msgs[0..n) in order, as n rf_send calls would but with one
 * wake-up of the readers for the burst. Arguments are checked first (nothing
 * is written on RF_EINVAL / RF_ETOOBIG); then returns how many records, from
 * the first, were published: n, or fewer when the ring stayed full
 * (RF_NONBLOCK) or the wait for room ended (timeout_ns bounds the whole
 * call; the next call reports why). A negative code only when none was:
 * RF_EAGAIN, RF_ETIMEDOUT, RF_EBUSY, RF_EABORTED, RF_EPEERDEAD. */
int rf_send_many(rf_world *w, const struct rf_message *msgs, uint32_t n, int64_t timeout_ns);

/* Delivers every record available now on every inbound ring; returns how many
 * records were taken off (>= 0) or RF_ECORRUPT / RF_EABORTED / RF_EPEERDEAD. */
int rf_poll(rf_world *w);

/* Our ring's leading position: bytes published so far. */
uint64_t rf_ring_leading(const rf_world *w);

#ifdef __cplusplus
}
#endif
#endif
