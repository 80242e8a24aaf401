/* rf-bench: the log-linear histogram of histogram.h. */
#include "histogram.h"

#include <stdio.h>
#include <string.h>

void bench_hist_reset(struct bench_hist *h)
{
	memset(h, 0, sizeof *h);
}

/* floor(log2 v) for v > 0 */
static uint32_t log2_floor(uint64_t v)
{
	uint32_t k = 0;
	while (v >>= 1)
		k++;
	return k;
}

uint32_t bench_hist_index(int64_t ns)
{
	uint64_t v = ns < 0 ? 0 : (uint64_t)ns;
	if (v < BENCH_HIST_SUB)
		return (uint32_t)v;
	uint32_t k = log2_floor(v);
	uint32_t sub = (uint32_t)(v >> (k - BENCH_HIST_SUB_BITS)) - BENCH_HIST_SUB;
	return BENCH_HIST_SUB + (k - BENCH_HIST_SUB_BITS) * BENCH_HIST_SUB + sub;
}

int64_t bench_hist_lowest(uint32_t index)
{
	if (index < BENCH_HIST_SUB)
		return index;
	uint32_t j = index - BENCH_HIST_SUB;
	uint32_t shift = j / BENCH_HIST_SUB;
	return (int64_t)((uint64_t)(BENCH_HIST_SUB + j % BENCH_HIST_SUB) << shift);
}

int64_t bench_hist_width(uint32_t index)
{
	if (index < BENCH_HIST_SUB)
		return 1;
	return (int64_t)1 << ((index - BENCH_HIST_SUB) / BENCH_HIST_SUB);
}

void bench_hist_record(struct bench_hist *h, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	if (h->count == 0 || ns < h->min)
		h->min = ns;
	if (h->count == 0 || ns > h->max)
		h->max = ns;
	h->count++;
	h->sum += (uint64_t)ns;
	h->counts[bench_hist_index(ns)]++;
}

void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from)
{
	if (from->count == 0)
		return;
	if (into->count == 0 || from->min < into->min)
		into->min = from->min;
	if (into->count == 0 || from->max > into->max)
		into->max = from->max;
	into->count += from->count;
	into->sum += from->sum;
	for (uint32_t i = 0; i < BENCH_HIST_BUCKETS; i++)
		into->counts[i] += from->counts[i];
}

double bench_hist_quantile(const struct bench_hist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q < 0)
		q = 0;
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if (rank > h->count - 1)
		rank = h->count - 1;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen > rank) {
			double mid = (double)bench_hist_lowest(i) + (double)(bench_hist_width(i) - 1) / 2;
			if (mid < (double)h->min)
				mid = (double)h->min;
			if (mid > (double)h->max)
				mid = (double)h->max;
			return mid;
		}
	}
	return (double)h->max; /* not reached: the counts sum to count */
}

size_t bench_hist_encode(const struct bench_hist *h, char *buf, size_t len)
{
	size_t need = 0;
	char one[48];
	for (uint32_t i = 0; i <= BENCH_HIST_BUCKETS; i++) {
		int n;
		if (i == BENCH_HIST_BUCKETS)
			n = snprintf(one, sizeof one, "%s]", need ? "" : "[");
		else if (h->counts[i])
			n = snprintf(one, sizeof one, "%s[%u,%llu]", need ? "," : "[", i,
				     (unsigned long long)h->counts[i]);
		else
			continue;
		if (need < len) { /* as much as fits; the caller retries with need + 1 */
			size_t fit = len - 1 - need < (size_t)n ? len - 1 - need : (size_t)n;
			memcpy(buf + need, one, fit);
			buf[need + fit] = 0;
		}
		need += (size_t)n;
	}
	return need;
}
