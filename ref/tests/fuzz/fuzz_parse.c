/* libFuzzer target: the two places where ringfence reads bytes another
 * process wrote, on arbitrary input. The first input byte picks one:
 *
 *   even  segment-header validation (rf_segment_validate) on the rest
 *   odd   record parsing: the rest is written into a live ring as if its
 *         writer had committed it, and a reader polls it; with bit 2 set
 *         the headers' check fields and commit words are recomputed first,
 *         as a writer would, so that mutated lengths, types and positions
 *         get past them and reach the deeper validation; with bit 1 set the
 *         reader resumes from a position the input gives (as from a damaged
 *         `received` at attach)
 *
 * Either must answer with a return code (RF_ECORRUPT, RF_EABI, ...), never
 * read out of bounds or crash (run with ASan and UBSan). */
#include <stdlib.h>
#include <string.h>

#include "../../src/internal.h"

static rf_world *writer, *reader;
static uint64_t delivered;

static void count(void *ctx, const struct rf_record *rec)
{
	(void)ctx;
	/* Touch every payload byte: ASan checks the copy is in bounds. */
	const volatile uint8_t *b = rec->payload;
	for (uint32_t i = 0; i < rec->len; i++)
		(void)b[i];
	delivered++;
}

static void setup(void)
{
	struct rf_world_params p;
	rf_world_params_default(&p);
	p.nprocs = 2;
	p.ring_capacity = 4096;
	p.max_record = 512;
	if (rf_world_create(NULL, &p, &writer) || rf_world_attach(rf_world_name(writer), 1, &reader))
		abort();
	/* The name is not needed after attach: nothing is left if we die. */
	rf_os_shm_unlink(rf_world_name(writer));
	writer->named = false;
	rf_world_set_handler(reader, count, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		/* A private, exactly sized copy: ASan catches any read past it. */
		uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
		memcpy(copy, data + 1, size - 1);
		(void)rf_segment_validate(copy, size - 1);
		free(copy);
		return 0;
	}
	if (!writer)
		setup();
	size_t n = size - 1 > writer->capacity ? writer->capacity : size - 1;
	uint8_t *ring = rf_ring_data(writer, 0);
	memset(ring, 0, writer->capacity);
	memcpy(ring, data + 1, n);
	/* The reader starts from 0 each time, or, steered by the input, from a
	 * position anywhere. */
	reader->rx[0] = 0;
	if (size > 9 && (data[0] & 2))
		memcpy(&reader->rx[0], data + 1, sizeof reader->rx[0]);
	atomic_store(&rf_progress(writer, 0, 1)->received, 0);
	atomic_store(&rf_progress(writer, 0, 1)->processed, 0);
	if (data[0] & 4) {
		/* Walk the records as the reader will and re-sign each header. */
		for (size_t pos = 0; pos + sizeof(struct rf_rec_hdr) <= n;) {
			struct rf_rec_hdr h;
			memcpy(&h, ring + pos, sizeof h);
			h.check = rf_rec_check(&h, pos);
			h.commit = rf_rec_stamp(pos);
			memcpy(ring + pos, &h, sizeof h);
			uint64_t step = sizeof h + (((uint64_t)h.len + 15) & ~15ull);
			if (h.type == RF_TYPE_PAD || step > n)
				break;
			pos += step;
		}
	}
	(void)rf_poll(reader);
	return 0;
}
