/* Broadcast rings: the writer side (rf_send) and delivery by polling (SPEC §2, §3).
 *
 * A record is a 16-byte header and its payload padded to 16 bytes. A record
 * never wraps: when it does not fit before the end of the buffer, the writer
 * first fills the rest with a pad record. Because every position is a
 * multiple of 16, a pad header always fits. */
#include <string.h>

#include "internal.h"

static uint32_t rec_bytes(uint32_t len)
{
	return (uint32_t)sizeof(struct rf_rec_hdr) + ((len + RF_REC_ALIGN - 1) & ~(RF_REC_ALIGN - 1));
}

/* Lowest position any reader of our ring still needs, plus capacity: we may
 * write below it. Readers that detached will never read again and stop
 * holding the ring back; readers not yet attached still do (no loss). */
static uint64_t refresh_free_until(struct rf_world *w)
{
	uint64_t low = w->leading;
	for (uint32_t q = 0; q < w->nprocs; q++) {
		if (q == w->self)
			continue;
		/* acquire: the reader copied the bytes out before publishing received */
		uint64_t r = atomic_load_explicit(&rf_progress(w, w->self, q)->received,
						  memory_order_acquire);
		if (r < low && atomic_load_explicit(&w->part[q].state, memory_order_relaxed) !=
				       RF_PART_DETACHED)
			low = r;
	}
	w->free_until = low + w->capacity;
	return w->free_until;
}

static int space_for(struct rf_world *w, void *arg)
{
	uint64_t end = *(const uint64_t *)arg;
	return end <= w->free_until || end <= refresh_free_until(w);
}

int rf_ring_write(struct rf_world *w, uint16_t dest, uint16_t type, const void *payload,
		  uint32_t len, int64_t timeout_ns)
{
	uint64_t mask = w->capacity - 1;
	uint32_t total = rec_bytes(len);
	uint32_t room = w->capacity - (uint32_t)(w->leading & mask);
	uint32_t pad = total > room ? room : 0;
	uint64_t end = w->leading + pad + total;
	if (!space_for(w, &end)) {
		if (timeout_ns == RF_NONBLOCK)
			return RF_EAGAIN;
		/* The clock is read only when we must wait: not on the hot path. */
		int rc = rf_wait(w, space_for, &end, rf_os_deadline(timeout_ns), 0);
		if (rc)
			return rc;
	}
	uint8_t *ring = rf_ring_data(w, w->self);
	struct rf_rec_hdr h;
	if (pad) {
		h = (struct rf_rec_hdr){.len = pad - (uint32_t)sizeof h, .type = RF_TYPE_PAD,
					.sender = (uint16_t)w->self, .dest = RF_DEST_ALL,
					.pos_lo = (uint32_t)w->leading};
		h.check = rf_rec_check(&h, w->leading);
		memcpy(ring + (w->leading & mask), &h, sizeof h);
		w->leading += pad;
	}
	h = (struct rf_rec_hdr){.len = len, .type = type, .sender = (uint16_t)w->self,
				.dest = dest, .pos_lo = (uint32_t)w->leading};
	h.check = rf_rec_check(&h, w->leading);
	uint8_t *at = ring + (w->leading & mask);
	memcpy(at, &h, sizeof h);
	if (len)
		memcpy(at + sizeof h, payload, len);
	w->leading += total;
	/* release: a reader that acquires the new leading sees the whole record */
	atomic_store_explicit(&w->rings[w->self].leading, w->leading, memory_order_release);
	rf_wake_all(w);
	return 0;
}

int rf_send(rf_world *w, uint16_t dest, uint16_t type, const void *payload, uint32_t len,
	    int64_t timeout_ns)
{
	if (!w || type >= RF_TYPE_RESERVED || (len && !payload) || timeout_ns < 0 ||
	    (dest != RF_DEST_ALL && (dest >= w->nprocs || dest == w->self)))
		return RF_EINVAL;
	if (len > w->max_record)
		return RF_ETOOBIG;
	int ab = rf_world_aborted(w);
	if (ab)
		return ab;
	if (timeout_ns != RF_NONBLOCK && w->in_handler)
		return RF_EBUSY; /* a blocking write inside a handler could wait on itself */
	return rf_ring_write(w, (uint16_t)dest, type, payload, len, timeout_ns);
}

/* Takes every available record off ring p; returns how many or RF_ECORRUPT. */
static int drain_ring(struct rf_world *w, uint32_t p)
{
	/* acquire: pairs with the writer's release of leading */
	uint64_t lead = atomic_load_explicit(&w->rings[p].leading, memory_order_acquire);
	uint64_t pos = w->rx[p];
	if (lead == pos)
		return 0;
	if (lead < pos || lead - pos > w->capacity || (pos & (RF_REC_ALIGN - 1)))
		return RF_ECORRUPT;
	const uint8_t *ring = rf_ring_data(w, p);
	uint64_t mask = w->capacity - 1;
	struct rf_seg_progress *pr = rf_progress(w, p, w->self);
	int n = 0;
	while (pos < lead) {
		uint32_t room = w->capacity - (uint32_t)(pos & mask);
		struct rf_rec_hdr h;
		/* A private copy: a scribbler cannot change what we validated. */
		memcpy(&h, ring + (pos & mask), sizeof h);
		bool is_pad = h.type == RF_TYPE_PAD;
		uint32_t total = is_pad ? room : rec_bytes(h.len);
		if (h.pos_lo != (uint32_t)pos || h.sender != p || h.check != rf_rec_check(&h, pos) ||
		    (is_pad ? h.len != room - sizeof h : h.len > w->max_record || total > room) ||
		    total > lead - pos || (h.dest != RF_DEST_ALL && h.dest >= w->nprocs)) {
			rf_log(RF_LOG_ERROR,
			       "ring %u at %llu: bad record header (len %u type %#x sender %u)", p,
			       (unsigned long long)pos, h.len, h.type, h.sender);
			return RF_ECORRUPT;
		}
		bool deliver = !is_pad && (h.dest == RF_DEST_ALL || h.dest == w->self);
		struct rf_record rec = {.pos = pos, .len = h.len, .type = h.type,
					.sender = h.sender, .dest = h.dest, .payload = w->scratch};
		if (deliver)
			memcpy(w->scratch, ring + (pos & mask) + sizeof h, h.len);
		pos += total;
		w->rx[p] = pos;
		/* release: the writer may reuse these bytes once it sees this */
		atomic_store_explicit(&pr->received, pos, memory_order_release);
		rf_barrier_on_received(w);
		if (deliver && h.type >= RF_TYPE_RESERVED) {
			/* The library's own records: barrier arrivals and completions. */
			int rc = rf_coord_on_record(w, &rec);
			if (rc)
				return rc;
		} else if (deliver && w->handler) {
			/* A handler may take long: a coordinator waiting for a delivery
			 * fence must hear about `received` now, not when it returns. */
			if (w->transport == RF_TRANSPORT_COORDINATOR && w->self != 0)
				rf_wake(w, 0);
			w->in_handler++;
			w->handler(w->handler_ctx, &rec);
			w->in_handler--;
		}
		/* release: the handler's effects are visible to whoever sees processed */
		atomic_store_explicit(&pr->processed, pos, memory_order_release);
		n += !is_pad;
	}
	/* The writer may be asleep waiting for exactly this space, and the
	 * coordinator for exactly this progress (its remote-drain handshake). */
	rf_wake(w, p);
	if (w->transport == RF_TRANSPORT_COORDINATOR && p != 0 && w->self != 0)
		rf_wake(w, 0);
	return n;
}

int rf_poll_inbound(struct rf_world *w)
{
	int total = 0;
	for (uint32_t p = 0; p < w->nprocs; p++) {
		if (p == w->self)
			continue;
		int n = drain_ring(w, p);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int rf_poll(rf_world *w)
{
	if (!w)
		return RF_EINVAL;
	if (w->in_handler)
		return RF_EBUSY;
	int ab = rf_world_aborted(w);
	if (ab)
		return ab;
	return rf_poll_inbound(w);
}

bool rf_inbound_pending(const struct rf_world *w)
{
	for (uint32_t p = 0; p < w->nprocs; p++)
		/* relaxed: a hint only; delivery re-reads with acquire */
		if (p != w->self &&
		    atomic_load_explicit(&w->rings[p].leading, memory_order_relaxed) != w->rx[p])
			return true;
	return false;
}

uint64_t rf_ring_leading(const rf_world *w)
{
	return w->leading;
}
