// rf-bench: ringfence's benchmarks on Google Benchmark.
//
// The program is its own worker: participant 0 is the benchmark process and
// rf_launch re-executes this binary as the other participants, which serve
// batches (session.cc) until told to exit. It is also the pipe baseline's
// peer (pipe.c), started with a hidden argument. Google
// Benchmark's flags work as usual; ours follow their style (--rf_name=value)
// and are removed before Google Benchmark sees the command line.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "benchmarks.h"
#include "context.h"
#include "loops.h"
#include "platform.h"
#include "reporter.h"
#include "session.h"

namespace {

bool procs_given = false;  // --rf_procs was on the command line

void PrintHelp() {
  benchmark::PrintDefaultHelp();
  std::fprintf(stdout,
               "          [--rf_procs=<P>,...]            default: 2,3,4 and powers of two up to twice the PUs\n"
               "          [--rf_placement=compact|scatter|none|<PU list>]  default: compact\n"
               "          [--rf_transport=shm,coordinator]  default: both (unavailable ones are skipped)\n"
               "          [--rf_algorithm=central,dissemination,tree,auto]  default: central,dissemination,tree\n"
               "                                            shm barrier algorithms; auto = the library's choice\n"
               "          [--rf_sizes=<bytes>,...]          default: 8,64,1024,4096 (at most %u)\n"
               "          [--rf_traffic=<records>,...]      default: 0,1,16,256\n"
               "          [--rf_impl=<name>|<path>.so]      the implementation under test; default: ringfence\n"
               "                                            (the reference, called directly); built-ins:\n"
               "                                            ringfence-shm, ringfence-coordinator, naive, mpi\n"
               "          [--rf_impl_params=<k>=<v>,...]    the driver's own parameters\n"
               "                                            a driver across hosts (mpi) runs as\n"
               "                                            mpirun -n P rf-bench --rf_impl=mpi ...\n"
               "Console: p50 (the median of every timed iteration, from the row's histogram) comes\n"
               "first; 'mean' is Google Benchmark's Time column (manual time / iterations), which\n"
               "slow rounds pull up. The JSON keeps each latency row's histogram.\n"
               "RF_BENCH_TEST_DELAY_PCT=N (TEST ONLY): barrier calls counted N %% longer.\n",
               BENCH_MAX_SIZE);
}

[[noreturn]] void Usage(const char* what) {
  std::fprintf(stderr, "rf-bench: %s (see --help)\n", what);
  std::exit(2);
}

std::vector<uint32_t> ParseList(const char* flag, const char* v, uint32_t lo, uint32_t hi) {
  std::vector<uint32_t> out;
  std::string s(v);
  size_t at = 0;
  while (at <= s.size()) {
    size_t end = s.find(',', at);
    if (end == std::string::npos) end = s.size();
    std::string item = s.substr(at, end - at);
    char* e = nullptr;
    unsigned long x = std::strtoul(item.c_str(), &e, 10);
    if (item.empty() || *e || x < lo || x > hi)
      Usage((std::string(flag) + ": each value must be in " + std::to_string(lo) + ".." +
             std::to_string(hi)).c_str());
    out.push_back(static_cast<uint32_t>(x));
    at = end + 1;
  }
  return out;
}

std::vector<uint32_t> DefaultProcs() {
  rf_topology* topo = nullptr;
  long npus = 0;
  if (rf_topology_load(&topo) == 0) npus = rf_topology_npus(topo);
  rf_topology_free(topo);
  if (npus <= 0) npus = static_cast<long>(rf_os_ncpus());
  std::vector<uint32_t> p{2, 3, 4};
  for (long x = 8; x <= 2 * npus && x <= static_cast<long>(RF_MAX_PROCS); x *= 2)
    p.push_back(static_cast<uint32_t>(x));
  return p;
}

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

// Found here rather than by every row's rf_launch (RF_EINVAL, each row
// failing): a PU list this machine lacks is a bad value, as rf-soak says.
void CheckPlacement(const rfb::Options& o, const std::string& text) {
  if (o.placement.policy == RF_PLACE_NONE) return;
  rf_topology* topo = nullptr;
  if (rf_topology_load(&topo) != 0) return;  // the rows report what fails
  int rc = 0;
  for (uint32_t P : o.procs) {
    std::vector<rf_binding> b(P);
    bool over = false;
    rc = rf_placement_plan(topo, &o.placement, P, b.data(), &over);
    if (rc == RF_EINVAL) break;
  }
  rf_topology_free(topo);
  if (rc == RF_EINVAL)
    Usage(("--rf_placement=" + text + ": a PU this machine does not have").c_str());
}

// Takes our --rf_* flags out of argv; fills rfb::g_opts.
void ParseOwnFlags(int* argc, char** argv) {
  rfb::Options& o = rfb::g_opts;
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
      Usage((std::string("unknown flag ") + a).c_str());
  }
  *argc = kept;
  argv[kept] = nullptr;
  if (o.impl == "ringfence") o.impl.clear();  // the default, by its name
  if (o.impl.empty() && !o.impl_params.empty())
    Usage("--rf_impl_params: only with --rf_impl=<a driver>");
  if (!o.impl_params.empty())
    for (const std::string& kv : Split(o.impl_params))
      if (kv.find('=') == std::string::npos || kv[0] == '=')
        Usage(("--rf_impl_params: not key=value: '" + kv + "'").c_str());
  if (o.procs.empty()) o.procs = DefaultProcs();
  if (rf_placement_parse(placement.c_str(), &o.placement) != 0)
    Usage("--rf_placement: compact, scatter, none or a PU list such as 0,2,4-7");
  CheckPlacement(o, placement);
  char text[256];
  o.placement_text = rf_placement_format(&o.placement, text, sizeof text) == 0 ? text : placement;
  for (const std::string& name : Split(transports)) {
    rf_transport t;
    if (rf_transport_parse(name.c_str(), &t) != 0) Usage("--rf_transport: shm and/or coordinator");
    o.transports.push_back(t);
  }
  for (const std::string& name : Split(algorithms)) {
    rf_algorithm a;
    if (rf_algorithm_parse(name.c_str(), &a) != 0)
      Usage("--rf_algorithm: central, dissemination, tree and/or auto");
    bool dup = false;
    for (rf_algorithm b : o.algorithms) dup = dup || a == b;
    if (!dup) o.algorithms.push_back(a);  // one set of rows per algorithm
  }
}

// A transport or algorithm the library does not offer yet (RF_EINVAL from
// create) is skipped with one line; its rows appear once the library has it.
bool Available(rf_transport t, rf_algorithm a) {
  rf_world_params p;
  rf_world_params_default(&p);
  p.nprocs = 2;
  p.transport = t;
  p.algorithm = a;
  rf_world* w = nullptr;
  int rc = rf_world_create(nullptr, &p, &w);
  if (rc == 0) {
    rf_world_close(w);
    return true;
  }
  std::fprintf(stderr, "rf-bench: %s %s not available (rf_world_create: %s); its rows are skipped\n",
               a == RF_ALGO_AUTO ? "transport" : "algorithm",
               a == RF_ALGO_AUTO ? rf_transport_name(t) : rf_algorithm_name(a), rf_strerror(rc));
  return false;
}

// A driver that cannot run here is a usage error: exit 2 before any row.
// A driver across hosts (RF_DRIVER_HOSTS) runs under mpirun: there every
// rank but 0 serves batches, and *serve gets its exit code.
bool OpenImpl(int* serve) {
  const std::string& spec = rfb::g_opts.impl;
  std::string why;
  if (!rfb::LoadImpl(spec, rfb::g_opts.impl_params, &why)) {
#ifndef RF_BENCH_MPI_PLANE
    if (spec == "mpi")
      why = "MPI is not built into this rf-bench (" RF_BENCH_MPI_PLANE_ABSENT ")";
#endif
    Usage(("--rf_impl=" + spec + ": " + why).c_str());
  }
  if (bench_impl.drv->caps & RF_DRIVER_HOSTS) {
    int rank = rfb::StartMpi(&why);
    if (rank < 0) Usage(("--rf_impl=" + spec + ": " + why).c_str());
    if (rank > 0) {
      *serve = rfb::MpiServe();
      return false;
    }
    std::vector<uint32_t> P{rfb::g_opts.mpi_size};
    if (procs_given && rfb::g_opts.procs != P)
      std::fprintf(stderr, "rf-bench: under mpirun P is the %u ranks; --rf_procs is not used\n",
                   P[0]);
    rfb::g_opts.procs = P;
  }
  if (!rfb::Probe(&why)) {
    std::fprintf(stderr, "rf-bench: --rf_impl=%s: %s\n", spec.c_str(), why.c_str());
    rfb::CloseWorld();  // under mpirun: ends the job (exit status 1)
    std::exit(2);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (rf_is_worker()) return rfb::WorkerMain(argc, argv);
  int peer = bench_pipe_init(argc, argv);  // maybe the pipe baseline's peer
  if (peer >= 0) return peer;
  ParseOwnFlags(&argc, argv);
  benchmark::Initialize(&argc, argv, PrintHelp);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  rfb::SetWorkerArgv0(argv[0]);
  int serve = 0;
  if (!rfb::g_opts.impl.empty() && !OpenImpl(&serve)) return serve;

  std::vector<rf_transport> transports;
  std::string skipped;
  for (rf_transport t : rfb::g_opts.transports) {
    if (Available(t, RF_ALGO_AUTO))
      transports.push_back(t);
    else
      skipped += (skipped.empty() ? "" : ",") + std::string(rf_transport_name(t));
  }
  // the shm transport's algorithms (the coordinator's one is central)
  std::vector<rf_algorithm> algorithms;
  std::string skipped_algos;
  for (rf_algorithm a : rfb::g_opts.algorithms) {
    if (a == RF_ALGO_AUTO || Available(RF_TRANSPORT_SHM, a))
      algorithms.push_back(a);
    else
      skipped_algos += (skipped_algos.empty() ? "" : ",") + std::string(rf_algorithm_name(a));
  }
  rfb::AddContext(transports, skipped, algorithms, skipped_algos);
  rfb::RegisterAll(transports, algorithms);
  rfb::RunBenchmarks();  // p50-first console, histograms in the JSON
  rfb::CloseWorld();
  benchmark::Shutdown();
  return rfb::Failures() ? 1 : 0;
}
