/* Broadcast rings: the writer side (rf_send, rf_send_many) and delivery by
 * polling (SPEC §2, §3).
 *
 * The ring knows no barrier: after each record it calls the hooks the
 * barrier layer installed (struct rf_ring_hooks), and it hands the library's
 * own record types to them.
 *
 * A record is a 16-byte header and its payload padded to 16 bytes. A record
 * never wraps: when it does not fit before the end of the buffer, the writer
 * first fills the rest with a pad record. Because every position is a
 * multiple of 16, a pad header always fits.
 *
 * A reader learns of a record from the record itself: it polls the commit
 * word of the header at its position, which the writer stores last, with
 * release, so a small record's hand-off moves one cache line. Before it
 * commits a record, the writer zeroes the commit word of the slot just past
 * it: a reader that gets there finds 0 (nothing yet) or the next record's
 * stamp, never the bytes of an earlier lap, and anything else is corruption.
 * That slot is why a record needs one header more free space than its own.
 * A pad is committed after the record that follows it (at offset 0, where
 * the slot holds stale bytes too), so a reader past the pad finds that
 * record complete. The leading position is still published, once per send
 * or burst, for snapshots and diagnostics; no reader waits on it. */
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
	/* model: ring_backpressure.pml writer (reserve: lead + 1 <= rcv + CAPACITY) */
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
	/* model: ring_backpressure.pml writer (ring_wait condition) */
	uint64_t end = *(const uint64_t *)arg;
	return end <= w->free_until || end <= refresh_free_until(w);
}

/* Bytes of padding a record of `total` bytes needs first, to not wrap. */
static uint32_t pad_before(const struct rf_world *w, uint32_t total)
{
	uint32_t room = w->capacity - (uint32_t)(w->leading & (w->capacity - 1));
	return total > room ? room : 0;
}

/* The position up to which a record of len bytes written now needs free
 * ring: its pad, itself and the header slot after it, which it clears. */
static uint64_t needed_until(const struct rf_world *w, uint32_t len)
{
	uint32_t total = rec_bytes(len);
	return w->leading + pad_before(w, total) + total + sizeof(struct rf_rec_hdr);
}

/* Whether a record of len bytes fits now, by the cached reader positions. */
static bool fits(const struct rf_world *w, uint32_t len)
{
	return needed_until(w, len) <= w->free_until;
}

/* Tells what we wrote so far: leading for snapshots and diagnostics, and a
 * wake-up for readers that sleep (spinning readers have seen the commits). */
static void publish(struct rf_world *w)
{
	/* model: barrier_central.pml proctype participant (a send: lead++, wake_sleepers) */
	/* release: a snapshot that sees leading sees every record below it committed */
	atomic_store_explicit(&w->rings[w->self].leading, w->leading, memory_order_release);
	rf_wake_all(w);
}

/* Waits until a record of len bytes fits: 0, RF_EAGAIN when the deadline is
 * RF_NONBLOCK, or why the wait failed. Before sleeping it publishes, as the
 * readers it waits for may themselves sleep, unaware of a burst's records. */
static int reserve(struct rf_world *w, uint32_t len, int64_t deadline_ns)
{
	/* model: ring_backpressure.pml writer (reserve: PUBLISH, then ring_wait) */
	for (;;) {
		uint64_t until = needed_until(w, len);
		if (space_for(w, &until))
			return 0;
		if (deadline_ns == RF_NONBLOCK)
			return RF_EAGAIN;
		publish(w);
		int rc = rf_ring_wait(w, space_for, &until, deadline_ns);
		if (rc)
			return rc;
		/* A handler that ran while we waited may have sent: look again. */
	}
}

/* Stores a header's plain fields at slot; its commit word comes last. */
static void put_header(const struct rf_world *w, uint8_t *slot, uint64_t pos, uint16_t dest,
		       uint16_t type, uint32_t len)
{
	struct rf_rec_hdr h = {.len = len, .type = type, .sender = (uint16_t)w->self, .dest = dest};
	h.check = rf_rec_check(&h, pos);
	memcpy(slot, &h, offsetof(struct rf_rec_hdr, commit));
}

/* Writes and commits one record at leading (after a pad if it needs one) in
 * space reserve() found. */
static void put(struct rf_world *w, uint16_t dest, uint16_t type, const void *payload,
		uint32_t len)
{
	uint64_t mask = w->capacity - 1;
	uint8_t *ring = rf_ring_data(w, w->self);
	uint32_t total = rec_bytes(len);
	uint32_t pad = pad_before(w, total);
	uint64_t pad_pos = w->leading, pos = pad_pos + pad, end = pos + total;
	if (pad)
		put_header(w, ring + (pad_pos & mask), pad_pos, RF_DEST_ALL, RF_TYPE_PAD,
			   pad - (uint32_t)sizeof(struct rf_rec_hdr));
	uint8_t *at = ring + (pos & mask);
	/* The header's line last, in one go: a reader polls it, and each of its
	 * looks between our stores to that line would cost us the line again.
	 * head: the payload bytes in that line (ring data is line-aligned). */
	uint32_t head = (uint32_t)(-(pos + sizeof(struct rf_rec_hdr)) % RF_CACHELINE);
	head = len < head ? len : head;
	if (len > head)
		memcpy(at + sizeof(struct rf_rec_hdr) + head, (const uint8_t *)payload + head, len - head);
	/* relaxed: the release of the commit below publishes it with the record */
	atomic_store_explicit(rf_rec_commit(ring + (end & mask)), 0, memory_order_relaxed);
	if (head)
		memcpy(at + sizeof(struct rf_rec_hdr), payload, head);
	put_header(w, at, pos, dest, type, len);
	/* release: a reader that acquires the stamp sees the record and the cleared slot */
	atomic_store_explicit(rf_rec_commit(at), rf_rec_stamp(pos), memory_order_release);
	if (pad)
		/* release: a reader that passes the pad finds the record after it committed */
		atomic_store_explicit(rf_rec_commit(ring + (pad_pos & mask)), rf_rec_stamp(pad_pos),
				      memory_order_release);
	w->leading = end;
}

int rf_ring_write(struct rf_world *w, uint16_t dest, uint16_t type, const void *payload,
		  uint32_t len, int64_t deadline_ns)
{
	int rc = reserve(w, len, deadline_ns);
	if (rc)
		return rc;
	put(w, dest, type, payload, len);
	publish(w);
	return 0;
}

/* Whether a user may send this record: 0, RF_EINVAL or RF_ETOOBIG. */
static int check_record(const struct rf_world *w, uint16_t dest, uint16_t type,
			const void *payload, uint32_t len)
{
	if (type >= RF_TYPE_RESERVED || (len && !payload) ||
	    (dest != RF_DEST_ALL && (dest >= w->nprocs || dest == w->self)))
		return RF_EINVAL;
	return len > w->max_record ? RF_ETOOBIG : 0;
}

/* Whether a send may start now: 0, the abort, or RF_EBUSY for a blocking
 * send inside a handler (it could wait on itself). */
static int check_state(const struct rf_world *w, int64_t timeout_ns)
{
	int ab = rf_world_aborted(w);
	if (ab)
		return ab;
	return timeout_ns != RF_NONBLOCK && w->in_handler ? RF_EBUSY : 0;
}

/* The deadline of a send that may wait timeout_ns, read from the clock only
 * once a record does not fit (never on the hot path), then kept. */
static int64_t deadline_for(const struct rf_world *w, uint32_t len, int64_t timeout_ns,
			    int64_t deadline_ns)
{
	return deadline_ns != RF_NONBLOCK || timeout_ns == RF_NONBLOCK || fits(w, len)
		       ? deadline_ns
		       : rf_os_deadline(timeout_ns);
}

int rf_send(rf_world *w, uint16_t dest, uint16_t type, const void *payload, uint32_t len,
	    int64_t timeout_ns)
{
	if (!w || timeout_ns < 0)
		return RF_EINVAL;
	int rc = check_record(w, dest, type, payload, len);
	if (rc == 0)
		rc = check_state(w, timeout_ns);
	if (rc)
		return rc;
	return rf_ring_write(w, dest, type, payload, len,
			     deadline_for(w, len, timeout_ns, RF_NONBLOCK));
}

int rf_send_many(rf_world *w, const struct rf_message *msgs, uint32_t n, int64_t timeout_ns)
{
	/* model: ring_backpressure.pml writer (the burst, one PUBLISH at its end) */
	if (!w || timeout_ns < 0 || (n && !msgs) || n > INT32_MAX)
		return RF_EINVAL;
	int rc = 0;
	for (uint32_t i = 0; i < n && rc == 0; i++)
		rc = check_record(w, msgs[i].dest, msgs[i].type, msgs[i].payload, msgs[i].len);
	if (rc == 0)
		rc = check_state(w, timeout_ns);
	if (rc)
		return rc;
	int64_t deadline = RF_NONBLOCK;
	uint32_t done = 0;
	for (; done < n; done++) {
		const struct rf_message *m = &msgs[done];
		deadline = deadline_for(w, m->len, timeout_ns, deadline);
		rc = reserve(w, m->len, deadline);
		if (rc)
			break;
		put(w, m->dest, m->type, m->payload, m->len);
	}
	if (done)
		publish(w);
	return done ? (int)done : rc;
}

/* The commit word at pos of a ring: 0 while nothing is there. */
static uint32_t commit_at(uint8_t *ring, uint64_t mask, uint64_t pos)
{
	/* acquire: pairs with the writer's release: the record is complete */
	return atomic_load_explicit(rf_rec_commit(ring + (pos & mask)), memory_order_acquire);
}

/* Takes the records available on ring p, inside a wait only up to the first
 * handled by the user's handler; returns how many or RF_ECORRUPT. */
static int drain_ring(struct rf_world *w, uint32_t p, bool waiting)
{
	/* model: barrier_central.pml inline poll_inbound (one record: received, handler, processed) */
	uint64_t pos = w->rx[p];
	/* Our position came from shared memory (a resumed slot): check it
	 * before it addresses anything. */
	if (pos & (RF_REC_ALIGN - 1))
		return RF_ECORRUPT;
	uint8_t *ring = rf_ring_data(w, p);
	uint64_t mask = w->capacity - 1, stop = pos + w->capacity;
	uint32_t c = commit_at(ring, mask, pos);
	if (c == 0)
		return 0;
	struct rf_seg_progress *pr = rf_progress(w, p, w->self);
	int n = 0;
	while (c) {
		uint32_t room = w->capacity - (uint32_t)(pos & mask);
		struct rf_rec_hdr h;
		/* A private copy: a scribbler cannot change what we validated. */
		memcpy(&h, ring + (pos & mask), sizeof h);
		bool is_pad = h.type == RF_TYPE_PAD;
		uint32_t total = is_pad ? room : rec_bytes(h.len);
		if (c != rf_rec_stamp(pos) || h.sender != p || h.check != rf_rec_check(&h, pos) ||
		    (is_pad ? h.len != room - sizeof h : h.len > w->max_record || total > room) ||
		    (h.dest != RF_DEST_ALL && h.dest >= w->nprocs)) {
			rf_log(RF_LOG_ERROR,
			       "ring %u at %llu: bad record header (commit %#x len %u type %#x sender %u)",
			       p, (unsigned long long)pos, c, h.len, h.type, h.sender);
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
		/* The next slot's line, on its way while we deliver this record. */
		__builtin_prefetch(ring + (pos & mask));
		bool library = deliver && h.type >= RF_TYPE_RESERVED;
		bool to_handler = deliver && !library && w->handler;
		/* A writer waiting for this room must not sleep through the handler. */
		if (to_handler)
			rf_wake(w, p);
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
		/* Inside a wait, the waiter's own step (a barrier's signal) comes
		 * before the next handler, which may be slow too. One lap at most:
		 * a writer as fast as we are cannot keep us here. */
		c = (to_handler && waiting) || pos >= stop ? 0 : commit_at(ring, mask, pos);
	}
	/* The writer may be asleep waiting for exactly this space. */
	rf_wake(w, p);
	if (w->hooks.drained)
		w->hooks.drained(w, p);
	return n;
}
/* Delivers the available records of every inbound ring (waiting: as
 * drain_ring); how many, or RF_ECORRUPT. */
static int poll_inbound(struct rf_world *w, bool waiting)
{
	/* model: barrier_central.pml inline poll_inbound */
	int total = 0;
	for (uint32_t p = 0; p < w->nprocs; p++) {
		if (p == w->self)
			continue;
		int n = drain_ring(w, p, waiting);
		if (n < 0)
			return n;
		total += n;
	}
	/* Nothing anywhere: a caller spinning on rf_poll looks less often at
	 * the lines the writers are filling. Once per poll, not per ring (P-1
	 * pauses would slow every wait at large P), and not inside rf_wait,
	 * which pauses between its own spins. */
	if (total == 0 && !waiting)
		rf_os_cpu_relax();
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
	return poll_inbound(w, false);
}

struct delivering {
	rf_cond_fn cond;
	void *arg;
};

/* Asks the caller's condition, then delivers what came in: a waiter's own
 * step (a barrier's signal) does not wait behind slow handlers. */
static int ask_then_deliver(struct rf_world *w, void *arg)
{
	/* model: barrier_central.pml inline cond (then poll_inbound) */
	const struct delivering *d = arg;
	int c = d->cond(w, d->arg);
	if (c != 0 && c != RF_WAIT_PROGRESS)
		return c;
	int n = w->in_handler ? 0 : poll_inbound(w, true);
	if (n < 0)
		return n;
	return n > 0 ? RF_WAIT_PROGRESS : c;
}

int rf_ring_wait(struct rf_world *w, rf_cond_fn cond, void *arg, int64_t deadline_ns)
{
	struct delivering d = {cond, arg};
	return rf_wait(w, ask_then_deliver, &d, deadline_ns);
}

uint64_t rf_ring_leading(const rf_world *w)
{
	return w->leading;
}
