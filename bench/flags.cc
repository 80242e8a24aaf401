// rf-bench's own flags: see flags.h.
#include "flags.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "loops.h"

namespace rfb {
namespace {

[[noreturn]] void Refuse(const std::string& what) { throw FlagError(what); }

// Splits a comma-separated list (empty items kept, so that they are refused).
std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    size_t end = s.find(',', at);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

std::vector<uint32_t> ParseList(const char* flag, const char* v, uint32_t lo, uint32_t hi) {
  std::vector<uint32_t> out;
  for (const std::string& item : Split(v)) {
    char* e = nullptr;
    unsigned long x = std::strtoul(item.c_str(), &e, 10);
    if (item.empty() || *e || x < lo || x > hi)
      Refuse((std::string(flag) + ": each value must be in " + std::to_string(lo) + ".." +
             std::to_string(hi)));
    out.push_back(static_cast<uint32_t>(x));
  }
  return out;
}

std::vector<uint32_t> DefaultProcs(const rf_topology* topo) {
  long npus = topo ? rf_topology_npus(topo) : 0;
  if (npus <= 0) npus = static_cast<long>(rf_os_ncpus());
  std::vector<uint32_t> p{2, 3, 4};
  for (long x = 8; x <= 2 * npus && x <= static_cast<long>(RF_MAX_PROCS); x *= 2)
    p.push_back(static_cast<uint32_t>(x));
  return p;
}


// Found here rather than by every row's rf_launch (RF_EINVAL, each row
// failing): a PU list this machine lacks is a bad value, as rf-soak says.
void CheckPlacement(const Options& o, const rf_topology* topo, const std::string& text) {
  if (o.placement.policy == RF_PLACE_NONE || !topo) return;  // without one, the rows report what fails
  for (uint32_t P : o.procs) {
    std::vector<rf_binding> b(P);
    bool over = false;
    if (rf_placement_plan(topo, &o.placement, P, b.data(), &over) == RF_EINVAL)
      Refuse(("--rf_placement=" + text + ": a PU this machine does not have"));
  }
}

}  // namespace

// See flags.h.
bool ParseOwnFlags(int* argc, char** argv, const rf_topology* topo, Options* opts) {
  Options& o = *opts;
  bool procs_given = false;
  std::string transports = "shm,coordinator", placement = "compact";
  std::string algorithms = "central,dissemination,tree";
  o.sizes = {8, 64, 1024, 4096};
  o.traffic = {0, 1, 16, 256};
  int kept = 1;
  for (int i = 1; i < *argc; i++) {
    const char* a = argv[i];
    auto val = [&](const char* name) -> const char* {
      size_t n = std::strlen(name);
      return std::strncmp(a, name, n) == 0 && a[n] == '=' ? a + n + 1 : nullptr;
    };
    const char* v;
    if ((v = val("--benchmark_min_time")))  // read, and left for Google Benchmark
      o.watchdog_s = 60 + 20 * std::atof(v);
    if (std::strncmp(a, "--rf_", 5) != 0)
      argv[kept++] = argv[i];
    else if ((v = val("--rf_procs"))) {
      o.procs = ParseList("--rf_procs", v, 2, RF_MAX_PROCS);
      procs_given = true;
    }
    else if ((v = val("--rf_placement")))
      placement = v;
    else if ((v = val("--rf_transport")))
      transports = v;
    else if ((v = val("--rf_algorithm")))
      algorithms = v;
    else if ((v = val("--rf_sizes")))
      o.sizes = ParseList("--rf_sizes", v, 0, BENCH_MAX_SIZE);
    else if ((v = val("--rf_traffic")))
      o.traffic = ParseList("--rf_traffic", v, 0, 4096);
    else if ((v = val("--rf_impl")))
      o.impl = v;
    else if ((v = val("--rf_impl_params")))
      o.impl_params = v;
    else
      Refuse((std::string("unknown flag ") + a));
  }
  *argc = kept;
  argv[kept] = nullptr;
  if (o.impl == "ringfence") o.impl.clear();  // the default, by its name
  if (o.impl.empty() && !o.impl_params.empty())
    Refuse("--rf_impl_params: only with --rf_impl=<a driver>");
  if (!o.impl_params.empty())
    for (const std::string& kv : Split(o.impl_params))
      if (kv.find('=') == std::string::npos || kv[0] == '=')
        Refuse(("--rf_impl_params: not key=value: '" + kv + "'"));
  if (o.procs.empty()) o.procs = DefaultProcs(topo);
  if (rf_placement_parse(placement.c_str(), &o.placement) != 0)
    Refuse("--rf_placement: compact, scatter, none or a PU list such as 0,2,4-7");
  CheckPlacement(o, topo, placement);
  char text[256];
  o.placement_text = rf_placement_format(&o.placement, text, sizeof text) == 0 ? text : placement;
  for (const std::string& name : Split(transports)) {
    rf_transport t;
    if (rf_transport_parse(name.c_str(), &t) != 0) Refuse("--rf_transport: shm and/or coordinator");
    o.transports.push_back(t);
  }
  for (const std::string& name : Split(algorithms)) {
    rf_algorithm a;
    if (rf_algorithm_parse(name.c_str(), &a) != 0)
      Refuse("--rf_algorithm: central, dissemination, tree and/or auto");
    bool dup = false;
    for (rf_algorithm b : o.algorithms) dup = dup || a == b;
    if (!dup) o.algorithms.push_back(a);  // one set of rows per algorithm
  }
  return procs_given;
}

}  // namespace rfb
