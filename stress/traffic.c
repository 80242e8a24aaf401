/* The sender side of a round (SPEC §7): a seeded random number of records to
 * random destinations and to all, then a marker to every destination as the
 * last record, and the sums of what was sent reported in shared memory.
 *
 * Streams: each record is numbered in its stream, "to reader q" or "to all",
 * so a reader can check exactly-once and order per sender; g numbers every
 * record of the ring, so order across the two streams is checked too. */
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "oracle.h"
#include "record.h"
#include "rf_os.h"
#include "traffic.h"

static struct {
	uint64_t rng, g, all_seq;
	uint64_t *direct_seq; /* [q] */
	uint64_t *sent;       /* [q]: sum of values sent to q so far */
	uint8_t *buf;
	bool ready;
} tx;

void traffic_free(void)
{
	free(tx.direct_seq);
	free(tx.sent);
	free(tx.buf);
	memset(&tx, 0, sizeof tx);
}

static int traffic_init(struct soak_run *r)
{
	traffic_free();
	tx.direct_seq = calloc(r->P, sizeof *tx.direct_seq);
	tx.sent = calloc(r->P, sizeof *tx.sent);
	tx.buf = malloc(r->o->size_max);
	if (!tx.direct_seq || !tx.sent || !tx.buf)
		return RF_ENOMEM;
	/* one stream per participant, all from the seed: a replay sends the same */
	tx.rng = r->o->seed ^ (0x9E3779B97F4A7C15ull * (r->me + 1));
	tx.ready = true;
	return 0;
}

/* Fills and sends one record; `corrupt` 1 breaks its checksum. */
static int send_one(struct soak_run *r, uint16_t dest, uint16_t type, uint64_t seq, uint64_t value,
		    uint64_t aux, uint64_t total, uint32_t len, int corrupt, int64_t timeout)
{
	struct soak_rec h = {.g = ++tx.g, .seq = seq, .value = value, .aux = aux, .total = total,
			     .round = (uint32_t)r->round};
	uint64_t fill = tx.g ^ r->o->seed;
	for (uint32_t i = sizeof h; i < len; i++)
		tx.buf[i] = (uint8_t)rf_os_splitmix64(&fill);
	record_seal(&h, tx.buf, len);
	if (corrupt)
		h.check ^= 1;
	memcpy(tx.buf, &h, sizeof h);
	int rc = r->drv->send(r->c, dest, type, tx.buf, len, timeout);
	oracle_after_call(r); /* a blocking send delivers too */
	return rc;
}

int traffic_send_round(struct soak_run *r, int64_t deadline_ns)
{
	const struct soak_opts *o = r->o;
	if (!tx.ready && traffic_init(r) != 0)
		return RF_ENOMEM;
	uint32_t P = r->P, me = r->me;
	uint32_t n = (uint32_t)(rf_os_splitmix64(&tx.rng) % (o->max_records + 1));
	/* fault=corrupt: three rounds, each breaking one property once */
	int breakage = 0;
	if (o->fault == FAULT_CORRUPT && me == r->victim && r->round >= r->fault_round &&
	    r->round < r->fault_round + 3) {
		breakage = 1 + (int)(r->round - r->fault_round); /* 1 checksum, 2 duplicate, 3 loss */
		if (n == 0)
			n = 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		faults_maybe_kill(r, i);
		uint32_t d = (uint32_t)(rf_os_splitmix64(&tx.rng) % P);
		bool all = d == me || rf_os_splitmix64(&tx.rng) % 4 == 0;
		uint32_t len = o->size_min +
			       (uint32_t)(rf_os_splitmix64(&tx.rng) % (o->size_max - o->size_min + 1));
		uint64_t value = 1 + rf_os_splitmix64(&tx.rng) % 1000;
		uint64_t *seq = all ? &tx.all_seq : &tx.direct_seq[d];
		if (i == 0 && breakage == 3)
			(*seq)++; /* a record that never was: the reader sees a gap */
		int rc = send_one(r, all ? RF_DEST_ALL : (uint16_t)d, T_DATA, *seq, value, 0, 0, len,
				  i == 0 && breakage == 1, run_left_ns(deadline_ns));
		if (rc == 0 && i == 0 && breakage == 2) {
			tx.g--; /* the same record again: a duplicate */
			rc = send_one(r, all ? RF_DEST_ALL : (uint16_t)d, T_DATA, *seq, value, 0, 0,
				      len, 0, run_left_ns(deadline_ns));
		}
		if (rc)
			return rc;
		(*seq)++;
		for (uint32_t q = 0; q < P; q++)
			if (q != me && (all || q == d))
				tx.sent[q] += value;
	}
	faults_maybe_kill(r, UINT32_MAX); /* the kill point was past this round's records */
	for (uint32_t q = 0; q < P; q++) {
		if (q == me)
			continue;
		int rc = send_one(r, (uint16_t)q, T_MARKER, tx.direct_seq[q], 1, tx.all_seq,
				  tx.sent[q] + 1, sizeof(struct soak_rec), 0, run_left_ns(deadline_ns));
		if (rc)
			return rc;
		tx.direct_seq[q]++;
		tx.sent[q] += 1;
	}
	/* Reported before we enter the barrier, so the barrier publishes it; the
	 * slot r % 2 is rewritten only after round r + 1, when every reader has
	 * finished checking round r. */
	for (uint32_t q = 0; q < P; q++)
		atomic_store_explicit(shared_sent(r->sh, P, r->round, me, q), tx.sent[q],
				      memory_order_relaxed);
	return 0;
}
