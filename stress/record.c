/* The record's checksum: FNV-1a, enough to see a torn or corrupt payload. */
#include "record.h"

#include <stddef.h>

static uint32_t fnv1a(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t payload_check(struct soak_rec h, const uint8_t *payload, uint32_t len)
{
	h.check = 0;
	uint32_t c = fnv1a(2166136261u, &h, sizeof h);
	return fnv1a(c, payload + sizeof h, len - sizeof h);
}

void record_seal(struct soak_rec *h, const uint8_t *payload, uint32_t len)
{
	h->check = payload_check(*h, payload, len);
}

bool record_intact(const struct soak_rec *h, const uint8_t *payload, uint32_t len)
{
	return h->check == payload_check(*h, payload, len);
}
