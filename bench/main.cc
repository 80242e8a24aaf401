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
#include "flags.h"
#include "loops.h"
#include "platform.h"
#include "reporter.h"
#include "session.h"

namespace {

bool procs_given = false;  // --rf_procs was on the command line

void PrintHelp() {
  benchmark::PrintDefaultHelp();
  std::fprintf(stdout,
               "          [--version]                     the version and git revision of this build\n"
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
  for (int i = 1; i < argc; i++)
    if (std::strcmp(argv[i], "--version") == 0) {  // Google Benchmark has none of its own
      std::printf("rf-bench %s (revision %s)\n", RF_BENCH_VERSION, RF_BENCH_GIT_REVISION);
      return 0;
    }
  rf_topology* topo = nullptr;
  if (rf_topology_load(&topo) != 0) topo = nullptr;
  try {
    procs_given = rfb::ParseOwnFlags(&argc, argv, topo, &rfb::g_opts);
  } catch (const rfb::FlagError& e) {
    Usage(e.what());
  }
  rf_topology_free(topo);
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
