// rf-bench: per-iteration samples and the counters made from them.
//
// Google Benchmark's own statistics are across repetitions only; a latency
// benchmark keeps every iteration's sample and reports its percentiles.
#ifndef RF_BENCH_SAMPLES_H
#define RF_BENCH_SAMPLES_H

#include <algorithm>
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

namespace rfb {

// The batch's manual time: the sum of the timed sections.
inline double Seconds(const std::vector<int64_t>& s) {
  double sum = 0;
  for (int64_t v : s) sum += static_cast<double>(v);
  return sum * 1e-9;
}

// Sets p50, p99, p999 and max in ns (nearest rank over every iteration).
inline void Percentiles(benchmark::State& st, std::vector<int64_t>& s) {
  if (s.empty()) return;
  auto rank = [&](double q) {
    size_t i = std::min(static_cast<size_t>(q * static_cast<double>(s.size())), s.size() - 1);
    std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(i), s.end());
    return static_cast<double>(s[i]);
  };
  st.counters["p50"] = rank(0.50);
  st.counters["p99"] = rank(0.99);
  st.counters["p999"] = rank(0.999);
  st.counters["max"] = static_cast<double>(*std::max_element(s.begin(), s.end()));
}

}  // namespace rfb
#endif
