// rf-bench: the benchmarks, as participant 0 runs them. Names are the
// interface (README, results/, the summary): keep them stable.
//
// Registration order keeps benchmarks on the same world together, so each
// world is launched once. Every latency benchmark uses manual time (the sum
// of its timed sections), counts every iteration into a histogram and
// reports p50/p99/p999/max from it (reporter.h).
#include "benchmarks.h"

#include <stdio.h>
#include <stdlib.h>

#include <functional>
#include <memory>
#include <string>

#include "platform.h"
#ifdef RF_BENCH_MPI_PLANE
#include "plane_mpi.h"
#endif
#include "samples.h"
#include "session.h"

namespace rfb {
namespace {

using Loop = std::function<int(rf_world*, uint64_t n, bench_hist* hist, bench_stats* own)>;

// A batch's histogram: 29 KiB whatever the iterations, so not on the stack.
std::unique_ptr<bench_hist> NewHist() {
  std::unique_ptr<bench_hist> h(new bench_hist);
  bench_hist_reset(h.get());
  return h;
}

void Label(benchmark::State& st, uint32_t P) {
  if (g_opts.mpi_size) {  // mpirun's binding, not our placement
    if (g_opts.mpi_over) st.SetLabel("oversubscribed");
    return;
  }
  bool over = false;
  if (PlannedBinding(P, &over).empty())
    st.SetLabel("unpinned");
  else if (over)
    st.SetLabel("oversubscribed");
}

// One batch of a latency benchmark on world (t, a, P); `waits` adds the
// slowest participant's mean wait in the barrier.
void Latency(benchmark::State& st, const std::string& name, rf_transport t, uint32_t P,
             bench_cmd cmd, const Loop& loop, bool waits, rf_algorithm a = RF_ALGO_AUTO) {
  // a driver's rows: the world is the control plane, the driver is measured
  const bool impl = cmd.op == OP_IMPL_BARRIER || cmd.op == OP_IMPL_PINGPONG;
  const bool mpi = cmd.op == OP_MPI_BARRIER;
  rf_world* w = nullptr;
  if (impl ? !ImplReady(st, P) : mpi ? !MpiReady(st) : !(w = World(st, t, a, P))) return;
  const uint64_t n = static_cast<uint64_t>(st.max_iterations);
  std::unique_ptr<bench_hist> hist = NewHist();
  bench_stats own{};
  cmd.iters = n;
  if (cmd.op == OP_CACHELINE || cmd.op == OP_MATRIX) bench_cacheline_reset(w);
  if (cmd.op == OP_PTHREAD && bench_pthread_init(w) != 0) {
    st.SkipWithError("pthread_barrier_init failed");
    NoteFailure();
    return;
  }
  if (!Start(st, cmd, name)) return;
  int rc = 0;
  while (st.KeepRunningBatch(static_cast<benchmark::IterationCount>(n))) {
    bench_hist_reset(hist.get());
    rc = loop(w, n, hist.get(), &own);
    st.SetIterationTime(Seconds(*hist));
  }
  std::vector<bench_stats> all;
  if (!Finish(st, rc, own, &all)) return;
  // the closing fence: every worker has left pthread_barrier_wait
  if (cmd.op == OP_PTHREAD) bench_pthread_destroy(w);
  KeepHistogram(st, name, *hist);
  if (waits) {
    double worst = 0;
    for (const bench_stats& s : all)
      if (s.rounds) worst = std::max(worst, static_cast<double>(s.wait_ns) / s.rounds);
    st.counters["slowest_wait_mean"] = worst;
  }
  Label(st, P);
}

// Records a burst of ring/throughput/.../batch:N.
constexpr uint32_t kBatch = 16;

void Throughput(benchmark::State& st, const std::string& name, uint32_t size, uint32_t readers,
                uint32_t batch) {
  rf_world* w = World(st, RF_TRANSPORT_SHM, readers + 1);
  if (!w) return;
  const uint64_t n = static_cast<uint64_t>(st.max_iterations);
  bench_cmd cmd{};
  cmd.op = OP_THROUGHPUT;
  cmd.iters = n;
  cmd.size = size;
  cmd.batch = batch;
  if (!Start(st, cmd, name)) return;
  int rc = 0;
  int64_t elapsed = 0;
  while (st.KeepRunningBatch(static_cast<benchmark::IterationCount>(n))) {
    rc = bench_throughput(w, n, size, batch, &elapsed);
    st.SetIterationTime(static_cast<double>(elapsed) * 1e-9);
  }
  if (!Finish(st, rc, bench_stats{}, nullptr)) return;
  // rates over the manual time: records (and their bytes) every reader got
  st.counters["records_per_second"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  st.SetBytesProcessed(static_cast<int64_t>(n * size));
  Label(st, readers + 1);
}

// limit/stream: as Throughput, with the loop of limit.c instead of the ring.
void Stream(benchmark::State& st, const std::string& name) {
  rf_world* w = World(st, RF_TRANSPORT_SHM, 2);
  if (!w) return;
  const uint64_t n = static_cast<uint64_t>(st.max_iterations);
  bench_cmd cmd{};
  cmd.op = OP_STREAM;
  cmd.iters = n;
  bench_stream_reset(w);
  if (!Start(st, cmd, name)) return;
  int rc = 0;
  int64_t elapsed = 0;
  while (st.KeepRunningBatch(static_cast<benchmark::IterationCount>(n))) {
    rc = bench_stream(w, n, &elapsed);
    st.SetIterationTime(static_cast<double>(elapsed) * 1e-9);
  }
  if (!Finish(st, rc, bench_stats{}, nullptr)) return;
  // one record is one 64-byte cache line
  st.counters["records_per_second"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  st.SetBytesProcessed(static_cast<int64_t>(n * 64));
  Label(st, 2);
}

void PipePingpong(benchmark::State& st, const std::string& name) {
  CloseWorld();  // no world: only the two processes of the baseline run
  const uint64_t n = static_cast<uint64_t>(st.max_iterations);
  std::unique_ptr<bench_hist> hist = NewHist();
  std::vector<rf_binding> pin = PlannedBinding(2, nullptr);
  bench_watchdog(g_opts.watchdog_s, name.c_str());
  int rc = 0;
  while (st.KeepRunningBatch(static_cast<benchmark::IterationCount>(n))) {
    bench_hist_reset(hist.get());
    rc = bench_pipe_pingpong(pin.empty() ? nullptr : pin.data(), n, kPipeBytes, hist.get());
    st.SetIterationTime(Seconds(*hist));
  }
  bench_watchdog(0, nullptr);
  if (rc) {
    st.SkipWithError(rf_strerror(rc));
    NoteFailure();
    return;
  }
  KeepHistogram(st, name, *hist);
  Label(st, 2);
}

#ifdef RF_BENCH_MPIEXEC
// rf-bench-mpi beside this program or where it is installed; empty: neither.
const std::string& MpiHelper() {
  static const std::string path = [] {
    const char* p = bench_mpi_helper(RF_BENCH_MPI_HELPER_FROM_BIN);
    return std::string(p ? p : "");
  }();
  return path;
}

// The helper's MPI_Get_library_version, asked once; empty when it failed.
const std::string& MpiLibrary() {
  static const std::string v = [] {
    char buf[512];
    return !MpiHelper().empty() && bench_mpi_version(MpiHelper().c_str(), buf, sizeof buf) == 0
               ? std::string(buf)
               : std::string();
  }();
  return v;
}

bool MpiIsOpenMpi() { return MpiLibrary().rfind("Open MPI", 0) == 0; }

void MpiBarrier(benchmark::State& st, const std::string& name, uint32_t P) {
  CloseWorld();  // the MPI job's P processes are all that run
  if (MpiHelper().empty()) {
    st.SkipWithError("rf-bench-mpi is neither beside rf-bench nor at " RF_BENCH_MPI_HELPER_FROM_BIN
                     " from it");
    NoteFailure();
    return;
  }
  const uint64_t n = static_cast<uint64_t>(st.max_iterations);
  std::unique_ptr<bench_hist> hist = NewHist();
  std::string np = std::to_string(P), iters = std::to_string(n);
  std::vector<char*> argv{const_cast<char*>(RF_BENCH_MPIEXEC), const_cast<char*>("-n"), &np[0]};
  // Open MPI refuses more ranks than its slots unless told (MPICH has no such
  // flag and no such refusal), and root unless told (MPICH ignores these).
  // Its slots are cores, not PUs, so "more ranks than CPUs" is its count,
  // not ours: the flag only lifts the refusal (Open MPI yields when idle only
  // where it finds the node really oversubscribed).
  if (MpiIsOpenMpi()) argv.push_back(const_cast<char*>("--oversubscribe"));
  std::string helper = MpiHelper();
  argv.insert(argv.end(), {&helper[0], &iters[0],
                           &g_opts.placement_text[0], nullptr});
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  bench_watchdog(g_opts.watchdog_s, name.c_str());
  int rc = 0;
  while (st.KeepRunningBatch(static_cast<benchmark::IterationCount>(n))) {
    bench_hist_reset(hist.get());
    rc = bench_mpi_barrier(argv.data(), n, hist.get());
    st.SetIterationTime(Seconds(*hist));
  }
  bench_watchdog(0, nullptr);
  if (rc) {
    st.SkipWithError("the MPI job failed (see its stderr)");
    NoteFailure();
    return;
  }
  KeepHistogram(st, name, *hist);
  Label(st, P);
}
#endif

// iterations > 0 fixes the count instead of letting Google Benchmark reach
// --benchmark_min_time of (manual) time.
void Add(const std::string& name, std::function<void(benchmark::State&)> fn,
         int64_t iterations = 0) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [fn](benchmark::State& st) { fn(st); })
                ->UseManualTime()
                ->Unit(benchmark::kNanosecond);
  if (iterations > 0) b->Iterations(iterations);
}

// limit/matrix: every unordered pair of PUs (the round trip goes both ways)
// up to kMatrixPus PUs; beyond, the pairs of kMatrixPus of them, two
// topology neighbours (SMT siblings or cores of one cache) at each of
// kMatrixPus / 2 evenly spaced places, and the rows' label says so. A fixed
// count of round trips per pair bounds the run: 120 pairs at most.
constexpr uint32_t kMatrixPus = 16;
constexpr int64_t kMatrixIters = 2000;

void Matrix(benchmark::State& st, const std::string& name, const int32_t pin[2],
            const std::string& sampled) {
  std::vector<rf_binding> home = PlannedBinding(2, nullptr);
  bench_cmd c{};
  c.op = OP_MATRIX;
  for (int i = 0; i < 2; i++) {
    c.pin[i] = pin[i];
    c.home[i] = home.empty() ? -1 : home[i].pu;
  }
  Latency(st, name, RF_TRANSPORT_SHM, 2, c,
          [c](rf_world* w, uint64_t n, bench_hist* h, bench_stats*) {
            return bench_matrix_pair(w, c.pin, c.home, n, h);
          }, false);
  st.SetLabel(sampled);  // pinned to the pair, whatever the placement
  if (home.empty()) CloseWorld();  // unpinned: nothing to bind back to
}

void RegisterMatrix() {
  rf_topology* topo = nullptr;
  rf_placement compact{};
  compact.policy = RF_PLACE_COMPACT;
  if (rf_topology_load(&topo) != 0) return;
  std::vector<rf_binding> pu(rf_topology_npus(topo));
  bool ok = rf_placement_plan(topo, &compact, static_cast<uint32_t>(pu.size()), pu.data(),
                              nullptr) == 0;
  rf_topology_free(topo);
  if (!ok) return;
  std::vector<int32_t> pick;  // OS indices, topology order
  const size_t n = pu.size();
  for (size_t k = 0; n > kMatrixPus && k < kMatrixPus / 2; k++)
    for (size_t j = 0; j < 2; j++) pick.push_back(pu[k * n / (kMatrixPus / 2) + j].pu);
  for (size_t i = 0; n <= kMatrixPus && i < n; i++) pick.push_back(pu[i].pu);
  const std::string sampled = n > kMatrixPus ? "sampled: " + std::to_string(pick.size()) +
                                                   " of " + std::to_string(n) + " PUs"
                                             : "";
  for (size_t i = 0; i < pick.size(); i++)
    for (size_t j = i + 1; j < pick.size(); j++) {
      int32_t pair[2] = {std::min(pick[i], pick[j]), std::max(pick[i], pick[j])};
      std::string name = "limit/matrix/pu:" + std::to_string(pair[0]) + "/pu:" +
                         std::to_string(pair[1]);
      Add(name, [name, pair0 = pair[0], pair1 = pair[1], sampled](benchmark::State& st) {
        const int32_t p[2] = {pair0, pair1};
        Matrix(st, name, p, sampled);
      }, kMatrixIters);
    }
}

// A barrier row's iterations when its untimed traffic would dominate the
// run: each round delivers K records of every participant to P-1 readers,
// and only the barrier call is timed, so min_time of manual time can take
// a minute of wall time at P = 16, K = 256 on 2 CPUs. Past 10000 deliveries
// a round, a fixed count of 500000 deliveries in all (at least 10 rounds)
// keeps a repetition near half a second there (81 rounds took 4.8 s at
// P = 16; 0: Google Benchmark's own choice).
int64_t BarrierIterations(uint32_t P, uint32_t K) {
  const uint64_t deliveries = static_cast<uint64_t>(P) * (P - 1) * K;
  if (deliveries < 10000) return 0;
  return std::max<int64_t>(10, static_cast<int64_t>(500000 / deliveries));
}

// The rows of the driver under test (bench_impl): the ring ping-pong by
// size, and the barrier in every mode it claims at each P and traffic K.
// Names say the implementation: .../impl:<name>/...
void RegisterImpl() {
  const Options& o = g_opts;
  const std::string impl = "impl:" + o.impl_name;
  // ranks 0 and 1 bounce; under mpirun the others idle through the batch
  const uint32_t pp = o.mpi_size ? o.mpi_size : 2;
  for (uint32_t size : o.sizes) {
    std::string name = "ring/pingpong/" + impl + "/size:" + std::to_string(size);
    Add(name, [name, size, pp](benchmark::State& st) {
      bench_cmd c{};
      c.op = OP_IMPL_PINGPONG;
      c.size = size;
      Latency(st, name, RF_TRANSPORT_SHM, pp, c,
              [size](rf_world*, uint64_t n, bench_hist* s, bench_stats*) {
                return bench_impl_pingpong(0, n, size, s);
              }, false);
    });
  }
  for (int m = RF_RENDEZVOUS; m <= RF_PROCESSING_FENCE; m++) {
    rf_mode mode = static_cast<rf_mode>(m);
    if (!(bench_impl.drv->caps & RF_DRIVER_MODE_CAP(mode))) {
      std::fprintf(stderr, "rf-bench: %s does not claim mode %s; its barrier rows are skipped\n",
                   o.impl_name.c_str(), rf_mode_name(mode));
      continue;
    }
    for (uint32_t P : o.procs)
      for (uint32_t k : o.traffic) {
        std::string name = "barrier/" + impl + "/mode:" + rf_mode_name(mode) + "/procs:" +
                           std::to_string(P) + "/traffic:" + std::to_string(k);
        Add(name, [name, P, mode, k](benchmark::State& st) {
          bench_cmd c{};
          c.op = OP_IMPL_BARRIER;
          c.mode = mode;
          c.traffic = k;
          Latency(st, name, RF_TRANSPORT_SHM, P, c,
                  [mode, k](rf_world*, uint64_t n, bench_hist* s, bench_stats* own) {
                    return bench_impl_barrier(n, mode, k, s, own);
                  }, true);
        }, BarrierIterations(P, k));
      }
  }
}

}  // namespace

std::vector<rf_algorithm> BarrierAlgorithms(rf_transport t,
                                            const std::vector<rf_algorithm>& algorithms) {
  if (t == RF_TRANSPORT_SHM) return algorithms;
  // the coordinator is the centre: one algorithm, named so, when the sweep
  // has central or the library's choice
  for (rf_algorithm a : algorithms)
    if (a == RF_ALGO_CENTRAL || a == RF_ALGO_AUTO) return {RF_ALGO_CENTRAL};
  return {};
}

void RegisterAll(const std::vector<rf_transport>& transports,
                 const std::vector<rf_algorithm>& algorithms) {
  const Options& o = g_opts;
  if (o.mpi_size) {
    // Under mpirun: the driver's rows and MPI_Barrier on the suite's own
    // communicator (what the driver's fences cost against it); the limits
    // and the other baselines need the launched world, which is not there.
    RegisterImpl();
    std::string name = "baseline/mpi_barrier/procs:" + std::to_string(o.mpi_size);
    Add(name, [name](benchmark::State& st) {
      bench_cmd c{};
      c.op = OP_MPI_BARRIER;
      Latency(st, name, RF_TRANSPORT_SHM, g_opts.mpi_size, c,
              [](rf_world*, uint64_t n, bench_hist* s, bench_stats* own) {
#ifdef RF_BENCH_MPI_PLANE
                return bench_plane_barrier(n, s, own);
#else
                return RF_EINVAL;
#endif
              }, true);
    });
    return;
  }
  Add("limit/cacheline_rtt", [](benchmark::State& st) {
    bench_cmd c{};
    c.op = OP_CACHELINE;
    Latency(st, "limit/cacheline_rtt", RF_TRANSPORT_SHM, 2, c,
            [](rf_world* w, uint64_t n, bench_hist* s, bench_stats*) {
              return bench_cacheline(w, n, s);
            }, false);
  });
  RegisterMatrix();
  Add("limit/stream", [](benchmark::State& st) { Stream(st, "limit/stream"); });
  // A driver under test replaces the reference's ring and barrier rows; the
  // limits and the baselines stay, measured in the same run.
  if (bench_impl.drv) RegisterImpl();
  for (uint32_t size : bench_impl.drv ? std::vector<uint32_t>{} : o.sizes) {
    std::string name = "ring/pingpong/size:" + std::to_string(size);
    Add(name, [name, size](benchmark::State& st) {
      bench_cmd c{};
      c.op = OP_PINGPONG;
      c.size = size;
      Latency(st, name, RF_TRANSPORT_SHM, 2, c,
              [size](rf_world* w, uint64_t n, bench_hist* s, bench_stats*) {
                return bench_pingpong(w, n, size, s);
              }, false);
    });
  }
  // Per record (rf_send), then in bursts of kBatch (rf_send_many: one
  // wake-up check and one leading store a burst).
  for (uint32_t batch : {0u, kBatch})
    for (uint32_t P : bench_impl.drv ? std::vector<uint32_t>{} : o.procs)
      for (uint32_t size : o.sizes) {
        std::string name = "ring/throughput/size:" + std::to_string(size) +
                           "/readers:" + std::to_string(P - 1) +
                           (batch ? "/batch:" + std::to_string(batch) : "");
        Add(name, [name, size, P, batch](benchmark::State& st) {
          Throughput(st, name, size, P - 1, batch);
        });
      }
  for (rf_transport t : bench_impl.drv ? std::vector<rf_transport>{} : transports)
    for (rf_algorithm a : BarrierAlgorithms(t, algorithms))
      for (uint32_t P : o.procs)
        for (int m = RF_RENDEZVOUS; m <= RF_PROCESSING_FENCE; m++)
          for (uint32_t k : o.traffic) {
            rf_mode mode = static_cast<rf_mode>(m);
            std::string name = std::string("barrier/transport:") + rf_transport_name(t) +
                               "/algo:" + rf_algorithm_name(a) + "/mode:" + rf_mode_name(mode) +
                               "/procs:" + std::to_string(P) + "/traffic:" + std::to_string(k);
            Add(name, [name, t, a, P, mode, k](benchmark::State& st) {
              bench_cmd c{};
              c.op = OP_BARRIER;
              c.mode = mode;
              c.traffic = k;
              Latency(st, name, t, P, c,
                      [mode, k](rf_world* w, uint64_t n, bench_hist* s, bench_stats* own) {
                        return bench_barrier(w, n, mode, k, s, own);
                      }, true, a);
            }, BarrierIterations(P, k));
          }
  // Not registered where it does not exist (AbsentBaselines says so): a
  // substitute under its name would not measure what the name says.
  if (!bench_pthread_absent())
    for (uint32_t P : o.procs) {
      std::string name = "baseline/pthread_barrier/procs:" + std::to_string(P);
      Add(name, [name, P](benchmark::State& st) {
        bench_cmd c{};
        c.op = OP_PTHREAD;
        Latency(st, name, RF_TRANSPORT_SHM, P, c,
                [](rf_world* w, uint64_t n, bench_hist* s, bench_stats* own) {
                  return bench_pthread(w, n, s, own);
                }, true);
      });
    }
#ifdef RF_BENCH_MPIEXEC
  for (uint32_t P : o.procs) {
    std::string name = "baseline/mpi_barrier/procs:" + std::to_string(P);
    Add(name, [name, P](benchmark::State& st) { MpiBarrier(st, name, P); });
  }
#endif
  Add("baseline/pipe_pingpong",
      [](benchmark::State& st) { PipePingpong(st, "baseline/pipe_pingpong"); });
}

std::string MpiText() {
  if (g_opts.mpi_size)
    return g_opts.mpi_library + ", this job's mpirun (" + std::to_string(g_opts.mpi_size) +
           " ranks on " + std::to_string(g_opts.mpi_hosts) + " host(s))";
#ifdef RF_BENCH_MPIEXEC
  if (MpiLibrary().empty()) return "unknown (rf-bench-mpi version failed), " RF_BENCH_MPIEXEC;
  return MpiLibrary() + ", " RF_BENCH_MPIEXEC;
#else
  return "none";
#endif
}

std::string AbsentBaselines() {
  std::string out;
  auto add = [&out](const char* name, const char* why) {
    out += (out.empty() ? "" : "; ") + std::string(name) + ": " + why;
  };
  if (g_opts.mpi_size) {  // the launched world's baselines
    add("baseline/pthread_barrier", "not under mpirun");
    add("baseline/pipe_pingpong", "not under mpirun");
    return out;
  }
  if (const char* why = bench_pthread_absent()) add("baseline/pthread_barrier", why);
#ifndef RF_BENCH_MPIEXEC
  add("baseline/mpi_barrier", RF_BENCH_MPI_ABSENT);
#endif
  return out.empty() ? "none" : out;
}

}  // namespace rfb
