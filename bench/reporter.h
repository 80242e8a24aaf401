// rf-bench: what each latency row keeps beyond Google Benchmark's numeric
// counters (its histogram, histogram.h), and the reporters that write it.
//
// Google Benchmark's JSON rows carry numbers only; the file reporter here is
// its own JSONReporter with one key added to each latency row: "histogram",
// the row's every timed iteration (scheme in the context's
// "histogram_scheme"). The console reporter puts the p50 first: Google
// Benchmark's "Time" column is a mean over the iterations, which a few slow
// rounds pull far above the typical one.
#ifndef RF_BENCH_REPORTER_H
#define RF_BENCH_REPORTER_H

#include <string>

#include <benchmark/benchmark.h>

#include "histogram.h"

namespace rfb {

// Keeps h as the histogram of the run of benchmark `name` that Google
// Benchmark is running now (the last such call of a repetition is the one
// it reports), and sets its p50, p99, p999 and max counters (ns) from it.
void KeepHistogram(benchmark::State& st, const std::string& name, const bench_hist& h);

// Runs the registered benchmarks with these reporters (Google Benchmark's
// own where --benchmark_format / --benchmark_out_format is not console /
// json); adds the context keys that describe what they write. Refuses an
// invalid RF_BENCH_TEST_DELAY_PCT (exit 2). Returns RunSpecifiedBenchmarks'.
size_t RunBenchmarks();

}  // namespace rfb
#endif
