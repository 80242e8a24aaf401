/* Broadcast rings: the writer side (rf_send) and delivery by polling (SPEC §2, §3).
 *
 * The ring knows no barrier: after each record it calls the hooks the
 * barrier layer installed (struct rf_ring_hooks), and it hands the library's
 * own record types to them.
 *
 * A record is a 16-byte header and its payload padded to 16 bytes. A record
 * never wraps: when it does not fit before the end of the buffer, the writer
 * first fills the rest with a pad record. Because every position is a
 * multiple of 16, a pad header always fits. */
#include <string.h>

#include "internal.h"

uint16_t rf_rec_check(const struct rf_rec_hdr *h, uint64_t pos)
{
	uint64_t x = ((uint64_t)h->len << 32) ^ ((uint64_t)h->type << 16) ^ h->sender;
	x ^= ((uint64_t)h->dest << 48) ^ (pos * 0x9E3779B97F4A7C15ull);
	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	return (uint16_t)(x >> 48);
}

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

/* Bytes of padding a record of `total` bytes needs first, to not wrap. */
static uint32_t pad_before(const struct rf_world *w, uint32_t total)
{
	uint32_t room = w->capacity - (uint32_t)(w->leading & (w->capacity - 1));
	return total > room ? room : 0;
}

/* Whether a record of len bytes fits now, by the cached reader positions. */
static bool fits(const struct rf_world *w, uint32_t len)
{
	uint32_t total = rec_bytes(len);
	return w->leading + pad_before(w, total) + total <= w->free_until;
}

int rf_ring_write(struct rf_world *w, uint16_t dest, uint16_t type, const void *payload,
		  uint32_t len, int64_t deadline_ns)
{
	uint64_t mask = w->capacity - 1;
	uint32_t total = rec_bytes(len);
	uint32_t pad = pad_before(w, total);
	uint64_t end = w->leading + pad + total;
	if (!space_for(w, &end)) {
		if (deadline_ns == RF_NONBLOCK)
			return RF_EAGAIN;
		int rc = rf_ring_wait(w, space_for, &end, deadline_ns);
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
	/* The clock is read only when we must wait: not on the hot path. */
	int64_t deadline = timeout_ns == RF_NONBLOCK || fits(w, len) ? RF_NONBLOCK
									: rf_os_deadline(timeout_ns);
	return rf_ring_write(w, (uint16_t)dest, type, payload, len, deadline);
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
		bool library = deliver && h.type >= RF_TYPE_RESERVED;
		bool to_handler = deliver && !library && w->handler;
		if (w->hooks.received)
			w->hooks.received(w, p, to_handler);
		if (library) {
			/* The library's own records: the barrier layer's business. */
			int rc = w->hooks.library_record ? w->hooks.library_record(w, &rec)
							 : RF_ECORRUPT;
			if (rc)
				return rc;
		} else if (to_handler) {
			w->in_handler++;
			w->handler(w->handler_ctx, &rec);
			w->in_handler--;
		}
		/* release: the handler's effects are visible to whoever sees processed */
		atomic_store_explicit(&pr->processed, pos, memory_order_release);
		n += !is_pad;
	}
	/* The writer may be asleep waiting for exactly this space. */
	rf_wake(w, p);
	if (w->hooks.drained)
		w->hooks.drained(w, p);
	return n;
}

/* Delivers every available record of every inbound ring; how many, or RF_ECORRUPT. */
static int poll_inbound(struct rf_world *w)
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
	return poll_inbound(w);
}

struct delivering {
	rf_cond_fn cond;
	void *arg;
};

/* Delivers what came in, then asks the caller's condition. */
static int deliver_then(struct rf_world *w, void *arg)
{
	const struct delivering *d = arg;
	int n = w->in_handler ? 0 : poll_inbound(w);
	if (n < 0)
		return n;
	int c = d->cond(w, d->arg);
	return c == 0 && n > 0 ? RF_WAIT_PROGRESS : c;
}

int rf_ring_wait(struct rf_world *w, rf_cond_fn cond, void *arg, int64_t deadline_ns)
{
	struct delivering d = {cond, arg};
	return rf_wait(w, deliver_then, &d, deadline_ns);
}

uint64_t rf_ring_leading(const rf_world *w)
{
	return w->leading;
}
