/* Unit test of histogram.h: bucket math, percentiles against a sorted-array
 * oracle within the stated precision, merging, and bounded size. */
#include "histogram.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(c, ...)                                                   \
	do {                                                            \
		if (!(c)) {                                             \
			failures++;                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                   \
			fputc('\n', stderr);                            \
		}                                                       \
	} while (0)

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* deterministic xorshift: the test must not depend on the run */
static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Every value lies in the bucket its index names, and the buckets tile the
 * line without gaps or overlaps. */
static void check_buckets(void)
{
	for (uint32_t i = 0; i + 1 < BENCH_HIST_BUCKETS; i++) {
		int64_t lo = bench_hist_lowest(i), w = bench_hist_width(i);
		CHECK(lo + w == bench_hist_lowest(i + 1), "bucket %u [%lld,+%lld) is not followed by %u",
		      i, (long long)lo, (long long)w, i + 1);
		CHECK(bench_hist_index(lo) == i && bench_hist_index(lo + w - 1) == i,
		      "bucket %u's ends index elsewhere", i);
		if (lo >= (int64_t)BENCH_HIST_SUB)
			CHECK((double)w / (double)lo <= 1.0 / BENCH_HIST_SUB,
			      "bucket %u is wider than 1/%u of its bound", i, BENCH_HIST_SUB);
	}
	CHECK(bench_hist_index(INT64_MAX) == BENCH_HIST_BUCKETS - 1, "INT64_MAX is not the last bucket");
	CHECK(bench_hist_index(-5) == 0, "a negative value is not counted as 0");
	for (int k = 0; k < 100000; k++) {
		int64_t v = (int64_t)(next() >> (1 + next() % 63));
		uint32_t i = bench_hist_index(v);
		CHECK(i < BENCH_HIST_BUCKETS && bench_hist_lowest(i) <= v &&
		      v - bench_hist_lowest(i) < bench_hist_width(i),
		      "%lld is not in its bucket %u", (long long)v, i);
	}
}

/* nearest rank as rf-bench's samples had it: element min(floor(q n), n-1) */
static int64_t oracle(const int64_t *sorted, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n);
	return sorted[i < n ? i : n - 1];
}

static void check_quantiles(const char *what, int64_t *v, size_t n)
{
	struct bench_hist *h = malloc(sizeof *h);
	bench_hist_reset(h);
	for (size_t i = 0; i < n; i++)
		bench_hist_record(h, v[i]);
	qsort(v, n, sizeof *v, cmp64);
	CHECK(h->count == n && h->min == v[0] && h->max == v[n - 1], "%s: count/min/max", what);
	const double qs[] = {0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1};
	for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++) {
		double want = (double)oracle(v, n, qs[j]), got = bench_hist_quantile(h, qs[j]);
		/* the stated precision: half a bucket, at most 1/128 of the value */
		double tol = want < BENCH_HIST_SUB ? 0 : want / (2.0 * BENCH_HIST_SUB);
		CHECK(fabs(got - want) <= tol, "%s: q=%g: %.1f, the sorted array says %.0f (tolerance %.2f)",
		      what, qs[j], got, want, tol);
	}
	free(h);
}

static void check_merge(void)
{
	enum { N = 20000 };
	static int64_t v[2 * N];
	struct bench_hist *a = malloc(sizeof *a), *b = malloc(sizeof *b), *all = malloc(sizeof *all);
	bench_hist_reset(a);
	bench_hist_reset(b);
	bench_hist_reset(all);
	for (size_t i = 0; i < 2 * N; i++) {
		/* two different distributions, so the merge must mix them */
		v[i] = i < N ? 100 + (int64_t)(next() % 50) : 3000 + (int64_t)(next() % 20000);
		bench_hist_record(i < N ? a : b, v[i]);
		bench_hist_record(all, v[i]);
	}
	bench_hist_merge(a, b);
	CHECK(memcmp(a, all, sizeof *a) == 0, "merge differs from recording everything in one");
	check_quantiles("merged", v, 2 * N);
	struct bench_hist *empty = malloc(sizeof *empty);
	bench_hist_reset(empty);
	bench_hist_merge(all, empty);
	CHECK(memcmp(a, all, sizeof *a) == 0, "merging an empty histogram changed it");
	free(a);
	free(b);
	free(all);
	free(empty);
}

/* Millions of values take the same memory and an encoding of at most one
 * pair per bucket; the encoding lists exactly the non-zero buckets. */
static void check_bounded(void)
{
	struct bench_hist *h = malloc(sizeof *h);
	bench_hist_reset(h);
	for (int i = 0; i < 5000000; i++)
		bench_hist_record(h, (int64_t)(next() >> (next() % 64)));
	size_t need = bench_hist_encode(h, NULL, 0);
	char *buf = malloc(need + 1);
	CHECK(bench_hist_encode(h, buf, need + 1) == need && strlen(buf) == need, "encode length");
	size_t pairs = 0, total = 0;
	for (const char *p = buf; (p = strchr(p, '[')) != NULL; p++) {
		unsigned idx;
		unsigned long long c;
		if (sscanf(p, "[%u,%llu]", &idx, &c) == 2) {
			pairs++;
			total += c;
			CHECK(idx < BENCH_HIST_BUCKETS && h->counts[idx] == c, "pair [%u,%llu]", idx, c);
		}
	}
	CHECK(total == h->count, "the encoding's counts sum to %zu, not %llu", total,
	      (unsigned long long)h->count);
	CHECK(pairs <= BENCH_HIST_BUCKETS, "%zu pairs", pairs);
	CHECK(sizeof *h < 32 * 1024, "a histogram takes %zu bytes", sizeof *h);
	char small[8];
	CHECK(bench_hist_encode(h, small, sizeof small) == need && strlen(small) == 7,
	      "a short buffer is not truncated and NUL-terminated");
	free(buf);
	free(h);
}

int main(void)
{
	check_buckets();
	enum { N = 100000 };
	static int64_t v[N];
	for (size_t i = 0; i < N; i++) /* latencies: 100 ns .. 1 ms, long tail */
		v[i] = 100 + (int64_t)(next() % 200) + (next() % 100 == 0 ? (int64_t)(next() % 1000000) : 0);
	check_quantiles("tail", v, N);
	for (size_t i = 0; i < N; i++) /* small exact values */
		v[i] = (int64_t)(next() % 70);
	check_quantiles("small", v, N);
	for (size_t i = 0; i < 7; i++) /* very few values */
		v[i] = (int64_t)(next() % 100000000);
	check_quantiles("few", v, 7);
	check_merge();
	check_bounded();
	if (failures) {
		fprintf(stderr, "test_histogram: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_histogram: ok (%u buckets, %zu bytes, precision 1/%u)\n", BENCH_HIST_BUCKETS,
	       sizeof(struct bench_hist), 2 * BENCH_HIST_SUB);
	return 0;
}
