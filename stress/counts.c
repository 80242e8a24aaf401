/* Sealed counters. A slot holds two copies; the writer (the slot's one
 * participant) fills the older one, so a copy torn by a kill, or read while
 * it is written, leaves the other whole. A copy counts only if its check
 * word matches; a slot that has neither, or whose writer found it changed
 * under it (the flag, sealed too), is unreadable. A slot never written is
 * all zero: zero counts (a worker killed before it started counting). */
#include <string.h>

#include "counts.h"
#include "rf_os.h"

#define TAMPERED 1u

_Static_assert(sizeof ((struct soak_count_copy *)0)->v == COUNT_N * sizeof(uint64_t),
	       "a copy holds every enum soak_count");

static struct {
	struct soak_shared *sh;
	uint32_t P, me;
	uint64_t v[COUNT_N];   /* what we counted */
	uint64_t pub[COUNT_N]; /* what we published last, as copy seq % 2 */
	uint64_t seq;
	bool tampered;
} self;

static uint64_t seal(uint32_t p, uint64_t seq, uint64_t flags, const uint64_t *v)
{
	uint64_t s = 0x5EA1C0C017ull ^ p, h = 0;
	uint64_t words[3 + COUNT_N] = {p, seq, flags};
	memcpy(words + 3, v, COUNT_N * sizeof *v);
	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		s ^= words[i] + h;
		h = rf_os_splitmix64(&s);
	}
	return h;
}

/* Copy k of slot p as read now; true if its check word holds. */
static bool read_copy(struct soak_count_copy *c, uint32_t p, uint64_t *seq, uint64_t *flags,
		      uint64_t *v)
{
	/* acquire: pairs with the writer's release of the seal */
	uint64_t want = atomic_load_explicit(&c->seal, memory_order_acquire);
	for (int i = 0; i < COUNT_N; i++)
		v[i] = atomic_load_explicit(&c->v[i], memory_order_relaxed);
	*seq = atomic_load_explicit(&c->seq, memory_order_relaxed);
	*flags = atomic_load_explicit(&c->flags, memory_order_relaxed);
	return want == seal(p, *seq, *flags, v);
}

static bool all_zero(struct soak_counts *s)
{
	for (int k = 0; k < 2; k++) {
		struct soak_count_copy *c = &s->copy[k];
		uint64_t any = atomic_load_explicit(&c->seal, memory_order_relaxed) |
			       atomic_load_explicit(&c->seq, memory_order_relaxed) |
			       atomic_load_explicit(&c->flags, memory_order_relaxed);
		for (int i = 0; i < COUNT_N; i++)
			any |= atomic_load_explicit(&c->v[i], memory_order_relaxed);
		if (any)
			return false;
	}
	return true;
}

/* Slot p's newest whole copy into v; false if none is whole or it is flagged. */
static bool read_slot(uint32_t p, uint64_t *v)
{
	struct soak_counts *s = shared_counts(self.sh, self.P, p);
	uint64_t best = 0, seq, flags, got[COUNT_N];
	bool found = false, flagged = false;
	for (int k = 0; k < 2; k++)
		if (read_copy(&s->copy[k], p, &seq, &flags, got) && (!found || seq > best)) {
			found = true;
			best = seq;
			flagged = flags & TAMPERED;
			memcpy(v, got, sizeof got);
		}
	if (!found && all_zero(s)) {
		memset(v, 0, COUNT_N * sizeof *v);
		return true;
	}
	return found && !flagged;
}

static void publish(void)
{
	struct soak_counts *s = shared_counts(self.sh, self.P, self.me);
	if (self.seq) { /* what we wrote last must still be there */
		uint64_t seq, flags, v[COUNT_N];
		if (!read_copy(&s->copy[self.seq % 2], self.me, &seq, &flags, v) || seq != self.seq ||
		    memcmp(v, self.pub, sizeof v) != 0)
			self.tampered = true;
	}
	self.seq++;
	struct soak_count_copy *c = &s->copy[self.seq % 2];
	uint64_t flags = self.tampered ? TAMPERED : 0;
	for (int i = 0; i < COUNT_N; i++)
		atomic_store_explicit(&c->v[i], self.v[i], memory_order_relaxed);
	atomic_store_explicit(&c->seq, self.seq, memory_order_relaxed);
	atomic_store_explicit(&c->flags, flags, memory_order_relaxed);
	/* release: a reader that sees this seal sees the values it covers */
	atomic_store_explicit(&c->seal, seal(self.me, self.seq, flags, self.v), memory_order_release);
	memcpy(self.pub, self.v, sizeof self.pub);
}

void counts_begin(struct soak_shared *sh, uint32_t P, uint32_t me)
{
	memset(&self, 0, sizeof self);
	self.sh = sh;
	self.P = P;
	self.me = me;
	if (sh)
		publish();
}

void counts_add(enum soak_count c)
{
	if (!self.sh)
		return;
	self.v[c]++;
	publish();
}

bool counts_sum(uint64_t sum[COUNT_N])
{
	memset(sum, 0, COUNT_N * sizeof *sum);
	if (!self.sh)
		return true;
	for (uint32_t p = 0; p < self.P; p++) {
		uint64_t v[COUNT_N];
		/* our own slot must also hold what we counted */
		if (!read_slot(p, v) || (p == self.me && (self.tampered || memcmp(v, self.v, sizeof v) != 0))) {
			memset(sum, 0, COUNT_N * sizeof *sum);
			return false;
		}
		for (int i = 0; i < COUNT_N; i++)
			sum[i] += v[i];
	}
	return true;
}
