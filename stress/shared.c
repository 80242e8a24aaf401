/* The user area's layout: the arrays follow part[P]; every element is
 * 8 bytes, so each stays aligned. */
#include "shared.h"

size_t shared_bytes(uint32_t P)
{
	return sizeof(struct soak_shared) + P * sizeof(struct soak_part) +
	       (2 * (size_t)P * P + (size_t)P * P + 2 * (size_t)P) * sizeof(uint64_t) +
	       P * sizeof(struct soak_counts);
}

struct soak_part *shared_part(struct soak_shared *s, uint32_t p)
{
	return (struct soak_part *)(s + 1) + p;
}

_Atomic uint64_t *shared_sent(struct soak_shared *s, uint32_t P, uint64_t r, uint32_t p, uint32_t q)
{
	_Atomic uint64_t *a = (_Atomic uint64_t *)(shared_part(s, 0) + P);
	return a + ((r % 2) * P + p) * P + q;
}

_Atomic uint64_t *shared_recv(struct soak_shared *s, uint32_t P, uint32_t q, uint32_t p)
{
	_Atomic uint64_t *a = (_Atomic uint64_t *)(shared_part(s, 0) + P) + 2 * (size_t)P * P;
	return a + (size_t)q * P + p;
}

_Atomic uint64_t *shared_entry(struct soak_shared *s, uint32_t P, uint64_t r, uint32_t p)
{
	_Atomic uint64_t *a = (_Atomic uint64_t *)(shared_part(s, 0) + P) + 3 * (size_t)P * P;
	return a + (r % 2) * P + p;
}

struct soak_counts *shared_counts(struct soak_shared *s, uint32_t P, uint32_t p)
{
	return (struct soak_counts *)(shared_entry(s, P, 0, 0) + 2 * (size_t)P) + p;
}
