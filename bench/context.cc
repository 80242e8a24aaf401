// rf-bench: the JSON context (SPEC §8) and the warnings Google Benchmark
// style prints for a run whose numbers deserve less trust.
#include "context.h"

#include <cstdio>
#include <string>

#include <benchmark/benchmark.h>

#include "benchmarks.h"
#include "loops.h"
#include "platform.h"
#include "session.h"

namespace rfb {
namespace {

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
  int64_t t0 = rf_os_now_ns(), t = t0;
  for (int i = 0; i < n; i++) t = rf_os_now_ns();
  char s[128];
  int len = std::snprintf(s, sizeof s, "CLOCK_MONOTONIC, %.1f ns per read",
                          static_cast<double>(t - t0) / n);
  // A coarse clock (Windows' 100 ns ticks) quantises every sample: say so.
  int64_t res = bench_clock_res_ns();
  if (res > 1 && len > 0 && static_cast<size_t>(len) < sizeof s)
    std::snprintf(s + len, sizeof s - len, ", %lld ns resolution", static_cast<long long>(res));
  return s;
}

}  // namespace

void AddContext(const std::vector<rf_transport>& transports, const std::string& skipped,
                const std::vector<rf_algorithm>& algorithms, const std::string& skipped_algos) {
  benchmark::AddCustomContext("rf_version", RF_BENCH_VERSION);
  benchmark::AddCustomContext("rf_git_revision", RF_BENCH_GIT_REVISION);
  bench_host host;
  bench_host_get(&host);
  benchmark::AddCustomContext("os", host.os);
  benchmark::AddCustomContext("kernel", host.kernel);
  benchmark::AddCustomContext("cpu_model", host.cpu_model);
  // "wine <version>" where wine ran us: an emulation, not Windows' timings
  benchmark::AddCustomContext("runtime", host.runtime);

  rf_topology* topo = nullptr;
  char desc[4096] = "unknown";
  if (rf_topology_load(&topo) == 0) rf_topology_describe(topo, desc, sizeof desc);
  uint32_t npus = topo ? rf_topology_npus(topo) : 0;
  rf_topology_free(topo);
  benchmark::AddCustomContext("hwloc_topology", desc);

  benchmark::AddCustomContext("compiler", RF_BENCH_COMPILER);
  benchmark::AddCustomContext("compiler_flags", RF_BENCH_FLAGS);
  benchmark::AddCustomContext("build_type", RF_BENCH_BUILD_TYPE);
  benchmark::AddCustomContext("placement", g_opts.mpi_size ? "mpirun (each rank's "
                              "sched_getaffinity in binding)" : g_opts.placement_text);
  // how participant 0 drives the others: the launched reference world, or MPI
  benchmark::AddCustomContext("control_plane", g_opts.mpi_size ? "mpi" : "world");

  std::string binding, over_list;
  if (g_opts.mpi_size) {  // mpirun placed the ranks: what each one got
    binding = g_opts.mpi_binding;
    if (g_opts.mpi_over) over_list = "procs:" + std::to_string(g_opts.mpi_size);
  }
  for (uint32_t P : g_opts.mpi_size ? std::vector<uint32_t>{} : g_opts.procs) {
    bool over = false;
    std::vector<rf_binding> b = PlannedBinding(P, &over);
    binding += (binding.empty() ? "" : "; ") + std::string("procs:") + std::to_string(P) + " " +
               BindingText(b);
    if (over) over_list += (over_list.empty() ? "procs:" : ",") + std::to_string(P);
  }
  benchmark::AddCustomContext("binding", binding);
  benchmark::AddCustomContext("oversubscribed", over_list.empty() ? "no" : over_list);

  std::string tr;
  for (rf_transport t : transports) tr += (tr.empty() ? "" : ",") + std::string(rf_transport_name(t));
  if (!skipped.empty()) tr += " (not available: " + skipped + ")";
  benchmark::AddCustomContext("transports", tr);
  // the shm barrier algorithms of the rows (coordinator rows are central)
  std::string al;
  bool with_auto = false;
  for (rf_algorithm a : algorithms) {
    al += (al.empty() ? "" : ",") + std::string(rf_algorithm_name(a));
    with_auto = with_auto || a == RF_ALGO_AUTO;
  }
  if (!skipped_algos.empty()) al += " (not available: " + skipped_algos + ")";
  benchmark::AddCustomContext("algorithms", al);
  if (with_auto) {  // what algo:auto rows ran: the library's choice per P
    std::string choice;
    for (uint32_t P : g_opts.procs)
      choice += (choice.empty() ? "" : "; ") + std::string("procs:") + std::to_string(P) + " " +
                rf_algorithm_name(AutoAlgorithm(RF_TRANSPORT_SHM, P));
    benchmark::AddCustomContext("algorithm_auto", choice);
  }
  // the implementation under test (SPEC §9); the reference's own rows name
  // their transport and algorithm, a driver's rows say impl:<name>
  benchmark::AddCustomContext("impl", g_opts.impl_name);
  if (g_opts.impl.empty()) {
    benchmark::AddCustomContext("impl_version", RF_BENCH_VERSION);
    benchmark::AddCustomContext("impl_describe",
                                "the reference, called directly (see transports, algorithms)");
    benchmark::AddCustomContext("impl_caps", "rendezvous,delivery,processing,progress");
  } else {
    benchmark::AddCustomContext("impl_spec", g_opts.impl);
    benchmark::AddCustomContext("impl_params", g_opts.impl_params);
    benchmark::AddCustomContext("impl_version", g_opts.impl_version);
    benchmark::AddCustomContext("impl_describe", g_opts.impl_describe);
    benchmark::AddCustomContext("impl_caps", g_opts.impl_caps);
  }
  benchmark::AddCustomContext("baselines_absent", AbsentBaselines());
  benchmark::AddCustomContext("mpi", MpiText());
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
