/* rf-bench: a compact, mergeable latency histogram (log-linear buckets, as
 * HdrHistogram's; HdrHistogram_c is not packaged in Debian).
 *
 * Values are non-negative nanoseconds (a negative one counts as 0). Below
 * 2^BENCH_HIST_SUB_BITS every value has its own bucket; above, each range
 * [2^k, 2^(k+1)) is split into 2^BENCH_HIST_SUB_BITS equal buckets, so a
 * bucket is at most 1/64 of its lower bound wide and a value reported as its
 * bucket's midpoint is within 1/128 (0.79 %) of every value in it. The
 * counts live in one fixed array (BENCH_HIST_BUCKETS uint64, 29 KiB) whatever
 * the number of values: memory does not grow with iterations. Merging adds
 * the counts. Count, sum, min and max are kept exactly.
 */
#ifndef RF_BENCH_HISTOGRAM_H
#define RF_BENCH_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_HIST_SUB_BITS 6u
#define BENCH_HIST_SUB (1u << BENCH_HIST_SUB_BITS)
/* values up to INT64_MAX: ranges k = SUB_BITS .. 62 after the exact ones */
#define BENCH_HIST_BUCKETS ((64u - BENCH_HIST_SUB_BITS) * BENCH_HIST_SUB)

struct bench_hist {
	uint64_t count;
	uint64_t sum; /* ns, exact (the manual time of a batch) */
	int64_t min, max;
	uint64_t counts[BENCH_HIST_BUCKETS];
};

/* Empties h (no values, min and max undefined until the first). */
void bench_hist_reset(struct bench_hist *h);

/* Counts one value: O(1), no allocation. */
void bench_hist_record(struct bench_hist *h, int64_t ns);

/* Adds every count of `from` to `into`: the histogram of both sets of values. */
void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from);

/* The bucket a value falls in, and a bucket's lowest value and width (the
 * scheme every reader of the JSON must apply; rfresults.py does). */
uint32_t bench_hist_index(int64_t ns);
int64_t bench_hist_lowest(uint32_t index);
int64_t bench_hist_width(uint32_t index);

/* The q-quantile (0 <= q <= 1) by nearest rank as a sorted array of the
 * values would give it (element min(floor(q*count), count-1)), reported as
 * the midpoint of that element's bucket: within 1/128 of the true element,
 * exact below 2^SUB_BITS ns; clamped to [min, max]. 0 when empty. */
double bench_hist_quantile(const struct bench_hist *h, double q);

/* Writes the non-zero buckets as the JSON array [[index,count],...]
 * (ascending index) into buf, NUL-terminated; returns the length it needs
 * (without the NUL), as snprintf does, so a short buf can be retried. At most
 * BENCH_HIST_BUCKETS pairs whatever the count: bounded. */
size_t bench_hist_encode(const struct bench_hist *h, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
