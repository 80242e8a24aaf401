// rf-bench: the histogram-carrying JSON reporter and the p50-first console.
#include "reporter.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <vector>

#include "loops.h"

// Google Benchmark's own flags (1.7: exported, not in its header): which
// reporters it would make.
namespace benchmark {
extern std::string FLAGS_benchmark_format;
extern std::string FLAGS_benchmark_out;
extern std::string FLAGS_benchmark_out_format;
}  // namespace benchmark

namespace rfb {
namespace {

struct Kept {
  int64_t iterations;
  std::string json;  // the row's "histogram" value
};
// by registered name, every call in order: a repetition's last is reported
std::map<std::string, std::vector<Kept>> kept;

std::string HistJson(const bench_hist& h) {
  std::vector<char> buf(64 * 1024);
  size_t need = bench_hist_encode(&h, buf.data(), buf.size());
  if (need >= buf.size()) {
    buf.resize(need + 1);
    bench_hist_encode(&h, buf.data(), buf.size());
  }
  char head[160];
  std::snprintf(head, sizeof head, "{\"count\": %llu, \"sum_ns\": %llu, \"min_ns\": %lld, \"max_ns\": %lld, \"buckets\": ",
                static_cast<unsigned long long>(h.count), static_cast<unsigned long long>(h.sum),
                static_cast<long long>(h.count ? h.min : 0), static_cast<long long>(h.count ? h.max : 0));
  return head + std::string(buf.data()) + "}";
}

// The histograms of the non-aggregate runs of one report, in order (empty
// where a run has none): the last reports.size() calls of each name.
std::vector<const Kept*> Match(const std::vector<benchmark::BenchmarkReporter::Run>& runs) {
  std::vector<const Kept*> out(runs.size(), nullptr);
  std::map<std::string, size_t> total, seen;
  for (const auto& r : runs)
    if (r.run_type == benchmark::BenchmarkReporter::Run::RT_Iteration) total[r.run_name.function_name]++;
  for (size_t i = 0; i < runs.size(); i++) {
    const auto& r = runs[i];
    if (r.run_type != benchmark::BenchmarkReporter::Run::RT_Iteration || r.error_occurred) continue;
    auto it = kept.find(r.run_name.function_name);
    if (it == kept.end()) continue;
    const size_t n = total[r.run_name.function_name], j = seen[r.run_name.function_name]++;
    if (it->second.size() < n) continue;
    const Kept& k = it->second[it->second.size() - n + j];
    if (k.iterations == r.iterations) out[i] = &k;
  }
  return out;
}

// Google Benchmark's JSONReporter writing into a buffer, one run at a time;
// each latency row's text gets its histogram before the closing brace.
class HistJsonReporter : public benchmark::BenchmarkReporter {
 public:
  HistJsonReporter() {
    inner_.SetOutputStream(&buf_);
    inner_.SetErrorStream(&std::cerr);
  }
  bool ReportContext(const Context& c) override {
    bool ok = inner_.ReportContext(c);
    Flush();
    return ok;
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<const Kept*> hist = Match(runs);
    for (size_t i = 0; i < runs.size(); i++) {
      inner_.ReportRuns({runs[i]});
      std::string row = buf_.str();
      buf_.str("");
      size_t close = row.rfind('}'), nl = close == std::string::npos ? close : row.rfind('\n', close);
      if (hist[i] && nl != std::string::npos)
        row.insert(nl, ",\n      \"histogram\": " + hist[i]->json);
      GetOutputStream() << row;
    }
    // every repetition of a benchmark is reported at once: its calls are done
    for (const Run& r : runs) kept.erase(r.run_name.function_name);
  }
  void Finalize() override {
    inner_.Finalize();
    Flush();
  }

 private:
  void Flush() {
    GetOutputStream() << buf_.str();
    buf_.str("");
  }
  benchmark::JSONReporter inner_;
  std::ostringstream buf_;
};

// A counter's value with its unit: times in ns, rates per second, the
// coefficient of variation in percent.
std::string WithUnit(const std::string& name, double v, bool cv) {
  char out[64];
  if (cv) {
    std::snprintf(out, sizeof out, "%.1f %%", v * 100);
  } else if (name.size() > 11 && name.compare(name.size() - 11, 11, "_per_second") == 0) {
    const char* what = name == "bytes_per_second" ? "B/s" : "/s";
    const char* si[] = {"", "k", "M", "G", "T"};
    int e = 0;
    while (std::fabs(v) >= 1000 && e < 4) {
      v /= 1000;
      e++;
    }
    std::snprintf(out, sizeof out, "%.3g %s%s", v, si[e], what);
  } else {
    std::snprintf(out, sizeof out, v >= 100 || v == 0 ? "%.0f ns" : "%.3g ns", v);
  }
  return out;
}

// p50 first, Google Benchmark's mean second (named so), then the other
// counters each with its unit.
class P50ConsoleReporter : public benchmark::ConsoleReporter {
 public:
  P50ConsoleReporter() : benchmark::ConsoleReporter(OO_None) {}

 protected:
  void PrintHeader(const Run&) override {
    std::ostream& out = GetOutputStream();
    out << "p50: median of every timed iteration (from the row's histogram, within 0.8 %); "
           "mean: Google Benchmark's Time column (manual time / iterations), pulled up by "
           "slow rounds\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-*s %12s %12s %11s  %s\n", static_cast<int>(name_field_width_),
                  "Benchmark", "p50", "mean", "Iterations", "counters");
    out << line << std::string(std::strlen(line) - 1, '-') << "\n";
  }
  void PrintRunData(const Run& r) override {
    std::ostream& out = GetOutputStream();
    const bool cv = r.run_type == Run::RT_Aggregate && r.aggregate_unit == benchmark::kPercentage;
    std::string name = r.benchmark_name();
    char head[512];
    if (r.error_occurred) {
      std::snprintf(head, sizeof head, "%-*s ERROR OCCURRED: '%s'\n", static_cast<int>(name_field_width_),
                    name.c_str(), r.error_message.c_str());
      out << head;
      return;
    }
    auto p50 = r.counters.find("p50");
    std::string p = p50 == r.counters.end() ? "-" : WithUnit("p50", p50->second.value, cv);
    // an aggregate in percent keeps its value unscaled (Google Benchmark's
    // GetAdjusted* would scale it as a time)
    std::string mean = WithUnit("", cv ? r.real_accumulated_time : r.GetAdjustedRealTime(), cv);
    std::snprintf(head, sizeof head, "%-*s %12s %12s %11lld ", static_cast<int>(name_field_width_),
                  name.c_str(), p.c_str(), mean.c_str(), static_cast<long long>(r.iterations));
    out << head;
    for (const auto& c : r.counters) {
      if (c.first == "p50") continue;
      out << " " << c.first << "=" << WithUnit(c.first, c.second.value, cv);
    }
    if (!r.report_label.empty()) out << " " << r.report_label;
    out << "\n";
  }
};

}  // namespace

void KeepHistogram(benchmark::State& st, const std::string& name, const bench_hist& h) {
  kept[name].push_back(Kept{static_cast<int64_t>(st.iterations()), HistJson(h)});
  if (!h.count) return;
  st.counters["p50"] = bench_hist_quantile(&h, 0.50);
  st.counters["p99"] = bench_hist_quantile(&h, 0.99);
  st.counters["p999"] = bench_hist_quantile(&h, 0.999);
  st.counters["max"] = static_cast<double>(h.max);
}

size_t RunBenchmarks() {
  if (const char* v = std::getenv("RF_BENCH_TEST_DELAY_PCT")) {
    char* end = nullptr;
    long x = std::strtol(v, &end, 10);
    if (!*v || *end || x < 0 || x > 100) {
      std::fprintf(stderr, "rf-bench: RF_BENCH_TEST_DELAY_PCT=%s: a whole percentage 0..100 (test only)\n", v);
      std::exit(2);
    }
    if (x > 0) {
      benchmark::AddCustomContext(
          "test_delay_pct", std::to_string(x) + " (TEST ONLY, RF_BENCH_TEST_DELAY_PCT: participant 0 "
          "counted every reference barrier call " + std::to_string(x) + " % longer than it took)");
      std::fprintf(stderr, "rf-bench: RF_BENCH_TEST_DELAY_PCT=%ld: barrier rows are stretched "
                   "(test only, not a measurement)\n", x);
    }
  }
  char scheme[512];
  std::snprintf(scheme, sizeof scheme,
                "log-linear, sub_bucket_bits %u: a value v (ns) is in bucket v when v < %u, else "
                "in %u*(k-%u) + (v >> (k-%u)) with k = floor(log2 v); a bucket holds [lowest, "
                "lowest + 2^max(0,k-%u)); its midpoint is within 1/%u of each of its values. A row's "
                "\"histogram\": {count, sum_ns, min_ns, max_ns, buckets: [[index, count], ...] "
                "(non-zero only, ascending)}",
                BENCH_HIST_SUB_BITS, BENCH_HIST_SUB, BENCH_HIST_SUB, BENCH_HIST_SUB_BITS,
                BENCH_HIST_SUB_BITS, BENCH_HIST_SUB_BITS, 2 * BENCH_HIST_SUB);
  benchmark::AddCustomContext("histogram_scheme", scheme);
  benchmark::AddCustomContext("counter_units",
                              "p50, p99, p999, max, slowest_wait_mean: ns (p50 to p999 from the "
                              "row's histogram, within 0.8 %); records_per_second: records/s; "
                              "bytes_per_second: bytes/s; real_time, cpu_time: the row's time_unit, "
                              "a mean over its iterations");
  static P50ConsoleReporter console;
  static HistJsonReporter json;
  benchmark::BenchmarkReporter* display =
      benchmark::FLAGS_benchmark_format == "console" ? &console : nullptr;
  benchmark::BenchmarkReporter* file =
      !benchmark::FLAGS_benchmark_out.empty() && benchmark::FLAGS_benchmark_out_format == "json"
          ? &json : nullptr;
  if (!display) return benchmark::RunSpecifiedBenchmarks(nullptr, file);
  return benchmark::RunSpecifiedBenchmarks(display, file);
}

}  // namespace rfb
