// rf-bench: the JSON context (SPEC §8) and the warnings Google Benchmark
// style prints for a run whose numbers deserve less trust.
#include "context.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <benchmark/benchmark.h>

#include "loops.h"
#include "session.h"

namespace rfb {
namespace {

// The value of the first "key: value" line of a /proc or /etc style file.
std::string FileField(const char* path, const std::string& key, char sep) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    size_t at = line.find(sep, key.size());
    if (at == std::string::npos) continue;
    std::string v = line.substr(at + 1);
    v.erase(0, v.find_first_not_of(" \t\""));
    while (!v.empty() && (v.back() == '"' || v.back() == ' ')) v.pop_back();
    return v;
  }
  return "";
}

std::string CpuModel() {
  std::string m = FileField("/proc/cpuinfo", "model name", ':');  // x86
  if (m.empty()) m = FileField("/proc/cpuinfo", "Model", ':');      // some Arm boards
  if (m.empty()) {
    struct utsname u;
    if (uname(&u) == 0) m = u.machine;
  }
  return m.empty() ? "unknown" : m;
}

std::string BindingText(const std::vector<rf_binding>& b) {
  if (b.empty()) return "unpinned";
  std::string s;
  for (size_t p = 0; p < b.size(); p++) {
    char one[96];
    std::snprintf(one, sizeof one, "%s%zu:pu%d/core%d/l3:%d/pkg%d", p ? " " : "", p, b[p].pu,
                  b[p].core, b[p].l3, b[p].package);
    s += one;
  }
  return s;
}

// Each sample includes one read of the clock: say what that costs here.
std::string TimerText() {
  const int n = 100000;
  int64_t t0 = bench_now_ns(), t = t0;
  for (int i = 0; i < n; i++) t = bench_now_ns();
  char s[96];
  std::snprintf(s, sizeof s, "CLOCK_MONOTONIC, %.1f ns per read", static_cast<double>(t - t0) / n);
  return s;
}

}  // namespace

void AddContext(const std::vector<rf_transport>& transports, const std::string& skipped) {
  benchmark::AddCustomContext("rf_version", RF_BENCH_VERSION);
  benchmark::AddCustomContext("rf_git_revision", RF_BENCH_GIT_REVISION);
  std::string os = FileField("/etc/os-release", "PRETTY_NAME", '=');
  struct utsname u;
  bool have_uname = uname(&u) == 0;
  benchmark::AddCustomContext("os", os.empty() && have_uname ? u.sysname : os);
  benchmark::AddCustomContext(
      "kernel", have_uname ? std::string(u.sysname) + " " + u.release + " " + u.version + " " +
                                 u.machine
                           : "unknown");
  benchmark::AddCustomContext("cpu_model", CpuModel());

  rf_topology* topo = nullptr;
  char desc[4096] = "unknown";
  if (rf_topology_load(&topo) == 0) rf_topology_describe(topo, desc, sizeof desc);
  uint32_t npus = topo ? rf_topology_npus(topo) : 0;
  rf_topology_free(topo);
  benchmark::AddCustomContext("hwloc_topology", desc);

  benchmark::AddCustomContext("compiler", RF_BENCH_COMPILER);
  benchmark::AddCustomContext("compiler_flags", RF_BENCH_FLAGS);
  benchmark::AddCustomContext("build_type", RF_BENCH_BUILD_TYPE);
  benchmark::AddCustomContext("placement", g_opts.placement_text);

  std::string binding, over_list;
  for (uint32_t P : g_opts.procs) {
    bool over = false;
    std::vector<rf_binding> b = PlannedBinding(P, &over);
    binding += (binding.empty() ? "" : "; ") + std::string("procs:") + std::to_string(P) + " " +
               BindingText(b);
    if (over) over_list += (over_list.empty() ? "procs:" : ",") + std::to_string(P);
  }
  benchmark::AddCustomContext("binding", binding);
  benchmark::AddCustomContext("oversubscribed", over_list.empty() ? "no" : over_list);

  std::string tr;
  for (rf_transport t : transports) tr += (tr.empty() ? "" : ",") + std::string(TransportName(t));
  if (!skipped.empty()) tr += " (not available: " + skipped + ")";
  benchmark::AddCustomContext("transports", tr);
  benchmark::AddCustomContext("timer", TimerText());

  if (g_opts.placement.policy == RF_PLACE_NONE)
    std::fprintf(stderr,
                 "***WARNING*** --rf_placement=none: participants are not pinned; "
                 "latencies will be noisy and not comparable across runs.\n");
  if (!over_list.empty())
    std::fprintf(stderr,
                 "***WARNING*** %s place two participants on one PU (%u PUs here): those "
                 "rows are oversubscribed (labelled so).\n",
                 over_list.c_str(), npus);
}

}  // namespace rfb
