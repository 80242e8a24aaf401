// rf-bench: world lifetime, the batch protocol, the worker loop.
#include "session.h"

#include <cstdio>
#include <cstring>
#include <map>

#ifdef RF_BENCH_DRIVERS
#include "drivers.h"
#endif
#include "platform.h"
#ifdef RF_BENCH_MPI_PLANE
#include "plane_mpi.h"
#endif

namespace rfb {

Options g_opts;

namespace {

struct Current {
  rf_world* w = nullptr;
  rf_transport t = RF_TRANSPORT_SHM;
  rf_algorithm a = RF_ALGO_AUTO;  // as requested
  uint32_t P = 0;
  uint64_t seq = 0;
  std::vector<bench_stats> stats;
};
Current cur;
char* worker_argv0 = nullptr;
int failures = 0;
std::string last_failure;  // Fail's message, for Probe's
// Under mpirun (no world): the driver's run name; whether a batch failed
// (the ranks may then be out of step).
std::string mpi_run_name;
bool mpi_broken = false;

bool UnderMpi() { return g_opts.mpi_size > 0; }

// Workers sleep in the opening fence between batches; participant 0 may spend
// a while between two of them (reporting, percentiles), never this long.
constexpr int64_t kIdleNs = 120 * 1000000000ll;

// Why the driver's last call failed, as " (why)", or "" (built-ins say why).
std::string ImplWhy() {
#ifdef RF_BENCH_DRIVERS
  const char* why = bench_impl.drv ? rf_drivers_why() : "";
  if (why && why[0]) return std::string(" (") + why + ")";
#endif
  return "";
}

void Drop(int reason) {
  if (!cur.w) return;
  bench_impl_close(true);  // its peers are released by the world's abort too
  rf_world_abort(cur.w, reason);
  rf_world_close(cur.w);  // its workers fail; that is the point
  cur.w = nullptr;
}

// st is nullptr in Probe, before any benchmark runs.
bool Fail(benchmark::State* st, const char* what, int rc) {
  bench_watchdog(0, nullptr);
  char msg[256];
  if (bench_impl.drv)  // the world is only the control plane: name the driver
    std::snprintf(msg, sizeof msg, "%s (impl %s, P=%u): %s%s", what, g_opts.impl.c_str(), cur.P,
                  rf_strerror(rc), ImplWhy().c_str());
  else
    std::snprintf(msg, sizeof msg, "%s (%s/%s, P=%u): %s", what, rf_transport_name(cur.t),
                  rf_algorithm_name(cur.a), cur.P, rf_strerror(rc));
  last_failure = msg;
  mpi_broken = UnderMpi();
  if (!st) {  // Probe: the caller says why, and the control plane is not the cause
    Drop(RF_EABORTED);
    return false;
  }
  std::fprintf(stderr, "rf-bench: %s\n", msg);
  rf_snapshot* s = nullptr;
  if (cur.w && rf_snapshot_take(cur.w, &s) == 0) {
    rf_snapshot_print(s, stderr);
    rf_snapshot_free(s);
  }
  Drop(RF_EABORTED);
  st->SkipWithError(msg);
  failures++;
  return false;
}

int RunOp(rf_world* w, const bench_cmd& c, bench_stats* s) {
  const uint32_t rank = w ? rf_world_rank(w) : g_opts.mpi_rank;
  switch (c.op) {
    case OP_CACHELINE: return bench_cacheline(w, c.iters, nullptr);
    case OP_PINGPONG: return bench_pingpong(w, c.iters, c.size, nullptr);
    case OP_THROUGHPUT: return bench_throughput(w, c.iters, c.size, c.batch, nullptr);
    case OP_BARRIER:
      return bench_barrier(w, c.iters, static_cast<rf_mode>(c.mode), c.traffic, nullptr, s);
    case OP_PTHREAD: return bench_pthread(w, c.iters, nullptr, s);
    case OP_STREAM: return bench_stream(w, c.iters, nullptr);
    case OP_MATRIX: return bench_matrix_pair(w, c.pin, c.home, c.iters, nullptr);
    case OP_IMPL_OPEN:
      if (w) return bench_impl_open(rank, rf_world_size(w), rf_world_name(w));
      mpi_run_name = "rf-bench-" + std::to_string(c.iters);
      return bench_impl_open(rank, g_opts.mpi_size, mpi_run_name.c_str());
    case OP_IMPL_CLOSE: return bench_impl_close(false);
    case OP_IMPL_BARRIER:
      return bench_impl_barrier(c.iters, static_cast<rf_mode>(c.mode), c.traffic, nullptr, s);
    case OP_IMPL_PINGPONG: return bench_impl_pingpong(rank, c.iters, c.size, nullptr);
    case OP_MPI_BARRIER:
#ifdef RF_BENCH_MPI_PLANE
      return bench_plane_barrier(c.iters, nullptr, s);
#else
      return RF_EINVAL;
#endif
  }
  return RF_EINVAL;
}

}  // namespace

std::vector<rf_binding> PlannedBinding(uint32_t P, bool* oversubscribed) {
  struct Plan {
    std::vector<rf_binding> b;
    bool over = false;
  };
  static std::map<uint32_t, Plan> plans;
  static rf_topology* topo = nullptr;
  auto it = plans.find(P);
  if (it == plans.end()) {
    Plan plan;
    if (g_opts.placement.policy != RF_PLACE_NONE) {
      if (!topo && rf_topology_load(&topo) != 0) topo = nullptr;
      plan.b.resize(P);
      if (!topo || rf_placement_plan(topo, &g_opts.placement, P, plan.b.data(), &plan.over) != 0)
        plan.b.clear();
    }
    it = plans.emplace(P, plan).first;
  }
  if (oversubscribed) *oversubscribed = it->second.over;
  return it->second.b;
}

namespace {
// One batch without a loop in participant 0 (opening and closing the
// driver); false after Fail.
bool Batch(benchmark::State* st, bench_op op);

// Under mpirun: closes the driver and tells the ranks to exit; after a
// failed batch (the ranks may be anywhere) ends the job instead, once
// the results are written.
void CloseMpi() {
#ifdef RF_BENCH_MPI_PLANE
  static bool closed = false;
  if (closed) return;
  closed = true;
  if (!mpi_broken && bench_impl.conn && !Batch(nullptr, OP_IMPL_CLOSE))
    std::fprintf(stderr, "rf-bench: closing %s: %s\n", g_opts.impl.c_str(), last_failure.c_str());
  bench_cmd c{};
  c.op = OP_EXIT;
  c.seq = ++cur.seq;
  if (!mpi_broken && bench_plane_cmd(&c, BENCH_WAIT_NS) != 0) mpi_broken = true;
  if (mpi_broken) {
    std::fprintf(stderr, "rf-bench: a batch failed under mpirun; ending the job\n");
    std::fflush(nullptr);
    bench_impl_close(true);
    bench_plane_abort(failures ? 1 : 2);  // no failed row: the probe refused the driver
  }
  bench_plane_fini();
#endif
}
}  // namespace

void CloseWorld() {
  if (UnderMpi()) {
    CloseMpi();
    return;
  }
  if (!cur.w) return;
  // the driver first, while every participant still serves batches
  if (bench_impl.conn && !Batch(nullptr, OP_IMPL_CLOSE)) {
    std::fprintf(stderr, "rf-bench: closing %s (P=%u) failed\n", g_opts.impl.c_str(), cur.P);
    failures++;
    return;  // Fail dropped the world
  }
  bench_cmd c{};
  c.op = OP_EXIT;
  c.seq = ++cur.seq;
  int rc = rf_send(cur.w, RF_DEST_ALL, T_CMD, &c, sizeof c, BENCH_WAIT_NS);
  if (rc == 0) rc = rf_barrier(cur.w, RF_PROCESSING_FENCE, BENCH_WAIT_NS);
  int rc2 = rf_world_close(cur.w);  // waits (bounded) for the workers to exit
  if (rc || rc2) {  // e.g. a worker that failed or died on its way out
    std::fprintf(stderr, "rf-bench: closing the world (%s/%s, P=%u): %s\n",
                 rf_transport_name(cur.t), rf_algorithm_name(cur.a), cur.P,
                 rf_strerror(rc ? rc : rc2));
    failures++;
  }
  cur.w = nullptr;
}

rf_algorithm AutoAlgorithm(rf_transport t, uint32_t P) {
  static std::map<std::pair<int, uint32_t>, rf_algorithm> known;
  auto key = std::make_pair(static_cast<int>(t), P);
  auto it = known.find(key);
  if (it != known.end()) return it->second;
  rf_world_params p;
  rf_world_params_default(&p);
  p.nprocs = P;
  p.transport = t;
  p.algorithm = RF_ALGO_AUTO;
  rf_world* w = nullptr;
  rf_algorithm a = RF_ALGO_AUTO;
  if (rf_world_create(nullptr, &p, &w) == 0) {
    a = rf_world_algorithm(w);
    rf_world_close(w);
  }
  return known[key] = a;
}

namespace {

rf_world* Launch(benchmark::State* st, rf_transport t, rf_algorithm a, uint32_t P) {
  // the same barrier whether it was asked for by name or chosen by AUTO
  rf_algorithm resolved = a == RF_ALGO_AUTO ? AutoAlgorithm(t, P) : a;
  if (cur.w && cur.t == t && cur.P == P && !rf_world_aborted(cur.w) &&
      rf_world_algorithm(cur.w) == resolved)
    return cur.w;
  CloseWorld();
  Drop(RF_EABORTED);
  cur.t = t;
  cur.a = a;
  cur.P = P;
  rf_launch_opts o;
  rf_launch_opts_default(&o);
  o.params.nprocs = P;
  o.params.transport = t;
  o.params.algorithm = a;
  o.params.max_record = BENCH_MAX_SIZE;
  o.params.user_bytes = bench_user_bytes();
  o.placement = g_opts.placement;
  // workers load the same driver (WorkerMain)
  std::string impl = "--rf_impl=" + g_opts.impl, params = "--rf_impl_params=" + g_opts.impl_params;
  char* argv[] = {worker_argv0, nullptr, nullptr, nullptr};
  if (bench_impl.drv) {
    argv[1] = &impl[0];
    argv[2] = &params[0];
  }
  o.argv = argv;
  bench_rx = bench_rx_t{};
  rf_world* w = nullptr;
  int rc = rf_launch(&o, &w);
  if (rc) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "launch of %u participants (%s/%s): %s", P,
                  rf_transport_name(t), rf_algorithm_name(a), rf_strerror(rc));
    std::fprintf(stderr, "rf-bench: %s\n", msg);
    if (st) {
      st->SkipWithError(msg);
      failures++;
    }
    return nullptr;
  }
  cur.w = w;
  cur.stats.assign(P, bench_stats{});
  bench_rx.stats = cur.stats.data();
  bench_rx.nstats = P;
  rf_world_set_handler(w, bench_handler, nullptr);
  // The context reports the planned binding; make sure it is the applied one.
  std::vector<rf_binding> plan = PlannedBinding(P, nullptr);
  for (uint32_t p = 0; p < P; p++) {
    rf_binding b;
    rf_binding none{-1, -1, -1, -1};
    const rf_binding& want = plan.empty() ? none : plan[p];
    if (rf_world_binding(w, p, &b) != 0 || std::memcmp(&b, &want, sizeof b) != 0) {
      Fail(st, "applied binding differs from the reported plan", RF_ETOPOLOGY);
      return nullptr;
    }
  }
  return w;
}

bool StartBatch(benchmark::State* st, bench_cmd& cmd, const std::string& name) {
  cmd.seq = ++cur.seq;
  if (UnderMpi()) {
    if (mpi_broken) {  // the ranks are out of step: nothing more can run
      if (st) st->SkipWithError("an earlier batch failed under mpirun");
      return false;
    }
#ifdef RF_BENCH_MPI_PLANE
    bench_watchdog(g_opts.watchdog_s, name.c_str());
    int rc = bench_plane_cmd(&cmd, BENCH_WAIT_NS);
    return rc ? Fail(st, "command to the ranks", rc) : true;
#endif
  }
  bench_watchdog(g_opts.watchdog_s, name.c_str());
  bench_rx.data = 0;
  int rc = rf_send(cur.w, RF_DEST_ALL, T_CMD, &cmd, sizeof cmd, BENCH_WAIT_NS);
  if (rc == 0) rc = rf_barrier(cur.w, RF_PROCESSING_FENCE, BENCH_WAIT_NS);
  return rc ? Fail(st, "opening fence", rc) : true;
}

bool FinishBatch(benchmark::State* st, int loop_rc, const bench_stats& own,
                 std::vector<bench_stats>* all) {
#ifdef RF_BENCH_MPI_PLANE
  if (UnderMpi()) {
    // gathered even after a failed loop: a rank's seq 0 says its loop failed
    std::vector<bench_stats> got(g_opts.mpi_size);
    int rc = bench_plane_stats(&own, got.data(), BENCH_WAIT_NS);
    if (loop_rc) return Fail(st, "benchmark loop", loop_rc);
    if (rc) return Fail(st, "stats from the ranks", rc);
    bench_watchdog(0, nullptr);
    for (uint32_t p = 1; p < g_opts.mpi_size; p++)
      if (got[p].seq != cur.seq) return Fail(st, "a rank's loop failed (see its stderr)", RF_ECORRUPT);
    if (all) {
      *all = got;
      (*all)[0] = own;
    }
    return true;
  }
#endif
  if (loop_rc) return Fail(st, "benchmark loop", loop_rc);
  int rc = rf_barrier(cur.w, RF_PROCESSING_FENCE, BENCH_WAIT_NS);
  if (rc) return Fail(st, "closing fence", rc);
  bench_watchdog(0, nullptr);
  for (uint32_t p = 1; p < cur.P; p++)
    if (cur.stats[p].seq != cur.seq) return Fail(st, "a worker's stats are missing", RF_ECORRUPT);
  if (all) {
    *all = cur.stats;
    (*all)[0] = own;
  }
  return true;
}

bool Batch(benchmark::State* st, bench_op op) {
  bench_cmd c{};
  c.op = op;
  c.iters = op == OP_IMPL_OPEN ? static_cast<uint64_t>(rf_os_pid()) : 0;
  const char* what = op == OP_IMPL_OPEN ? "open()" : "close()";
  if (!StartBatch(st, c, what)) return false;
  bench_stats own{c.seq, 0, 0};
  int rc = RunOp(cur.w, c, nullptr);
  if (rc && !UnderMpi()) return Fail(st, what, rc);  // a worker's fails the fence
  return FinishBatch(st, rc, own, nullptr);
}

}  // namespace

rf_world* World(benchmark::State& st, rf_transport t, uint32_t P) {
  return Launch(&st, t, RF_ALGO_AUTO, P);
}

rf_world* World(benchmark::State& st, rf_transport t, rf_algorithm a, uint32_t P) {
  return Launch(&st, t, a, P);
}

bool ImplReady(benchmark::State& st, uint32_t P) {
  if (UnderMpi() && P != g_opts.mpi_size) {
    st.SkipWithError("under mpirun P is the number of ranks");
    return false;
  }
  if (!UnderMpi() && !Launch(&st, RF_TRANSPORT_SHM, RF_ALGO_AUTO, P)) return false;
  return bench_impl.conn || Batch(&st, OP_IMPL_OPEN);
}

bool MpiReady(benchmark::State& st) {
  if (mpi_broken) {
    st.SkipWithError("an earlier batch failed under mpirun");
    return false;
  }
  return true;
}

bool Start(benchmark::State& st, bench_cmd& cmd, const std::string& name) {
  return StartBatch(&st, cmd, name);
}

bool Finish(benchmark::State& st, int loop_rc, const bench_stats& own,
            std::vector<bench_stats>* all) {
  return FinishBatch(&st, loop_rc, own, all);
}

bool LoadImpl(const std::string& spec, const std::string& params, std::string* why) {
#ifdef RF_BENCH_DRIVERS
  static std::string kept;  // bench_impl.params points into it
  kept = params;
  char text[512] = "";
  const rf_driver* d = nullptr;
  if (rf_drivers_load(spec.c_str(), &d, text, sizeof text) != 0 || !d) {
    *why = text[0] ? text : "cannot be loaded";
    return false;
  }
  bench_impl.drv = d;
  bench_impl.params = kept.c_str();
  return true;
#else
  (void)spec;
  (void)params;
  *why = RF_BENCH_DRIVERS_ABSENT;
  return false;
#endif
}

bool Probe(std::string* why) {
  const rf_driver* d = bench_impl.drv;
  g_opts.impl_name = d->name ? d->name : g_opts.impl;
  g_opts.impl_version = d->version ? d->version : "unknown";
  std::string caps;
  const struct { uint32_t bit; const char* name; } bits[] = {
      {RF_DRIVER_RENDEZVOUS, "rendezvous"}, {RF_DRIVER_DELIVERY_FENCE, "delivery"},
      {RF_DRIVER_PROCESSING_FENCE, "processing"}, {RF_DRIVER_PROGRESS, "progress"},
      {RF_DRIVER_HOSTS, "hosts"}};
  for (const auto& b : bits)
    if (d->caps & b.bit) caps += (caps.empty() ? "" : ",") + std::string(b.name);
  g_opts.impl_caps = caps.empty() ? "none" : caps;
  if (!UnderMpi() && !Launch(nullptr, RF_TRANSPORT_SHM, RF_ALGO_AUTO, 2)) {
    *why = "the suite's own world of 2 participants could not be launched";
    return false;
  }
  if (!Batch(nullptr, OP_IMPL_OPEN)) {
    *why = (UnderMpi() ? "" : "at P=2: ") + last_failure;
    return false;
  }
  char text[1024] = "";
  if (d->describe && d->describe(bench_impl.conn, text, sizeof text) == 0 && text[0])
    g_opts.impl_describe = text;
  else
    g_opts.impl_describe = "none (the driver describes nothing)";
  return true;  // the world and the open driver serve the first rows
}

int StartMpi(std::string* why) {
#ifdef RF_BENCH_MPI_PLANE
  uint32_t rank = 0, size = 0;
  if (bench_plane_init(&rank, &size) != 0) {
    *why = "MPI did not start (MPI_Init_thread)";
    return -1;
  }
  if (size < 2) {
    bench_plane_fini();
    *why = "a driver across hosts runs under mpirun: mpirun -n P rf-bench ... (P >= 2)";
    return -1;
  }
  g_opts.mpi_rank = rank;
  g_opts.mpi_size = size;
  cur.P = size;  // what failures name
  // what the context says of the job: every rank's host and binding
  char where[BENCH_PLANE_TEXT], lib[256];
  uint32_t cpus = 0;
  bench_plane_where(where, sizeof where, &cpus);
  std::snprintf(where + std::strlen(where), sizeof where - std::strlen(where), "/ncpus:%u", cpus);
  std::vector<char> all(rank == 0 ? size * BENCH_PLANE_TEXT : 1);
  if (bench_plane_texts(where, rank == 0 ? all.data() : nullptr, BENCH_WAIT_NS) != 0) {
    *why = "the ranks did not answer (MPI_Igather)";
    return -1;
  }
  if (rank == 0) {
    std::map<std::string, std::pair<uint32_t, uint32_t>> hosts;  // ranks, CPUs
    std::string binding = "procs:" + std::to_string(size);
    for (uint32_t p = 0; p < size; p++) {
      std::string one(&all[p * BENCH_PLANE_TEXT]);
      size_t nc = one.rfind("/ncpus:");
      std::string host = one.substr(0, one.find('/'));
      auto& h = hosts[host];
      h.first++;
      h.second = nc == std::string::npos ? 0 : std::stoul(one.substr(nc + 7));
      binding += " " + std::to_string(p) + ":" + one.substr(0, nc);
    }
    bool over = false;
    for (const auto& h : hosts) over = over || h.second.first > h.second.second;
    g_opts.mpi_binding = binding;
    g_opts.mpi_over = over;
    g_opts.mpi_hosts = static_cast<uint32_t>(hosts.size());
    bench_plane_library(lib, sizeof lib);
    g_opts.mpi_library = lib;
  }
  return static_cast<int>(rank);
#else
  *why = "MPI is not built into this rf-bench (" RF_BENCH_MPI_PLANE_ABSENT ")";
  return -1;
#endif
}

int MpiServe() {
#ifdef RF_BENCH_MPI_PLANE
  int rc = 0;
  for (;;) {
    bench_cmd c{};
    rc = bench_plane_cmd(&c, kIdleNs);
    if (rc || c.op == OP_EXIT) break;
    cur.seq = c.seq;
    bench_stats s{c.seq, 0, 0};
    rc = RunOp(nullptr, c, &s);
    if (rc) {
      std::fprintf(stderr, "rf-bench rank %u: %s%s\n", g_opts.mpi_rank, rf_strerror(rc),
                   ImplWhy().c_str());
      s.seq = 0;  // rank 0 sees the failure in the stats and ends the job
    }
    int rc2 = bench_plane_stats(&s, nullptr, BENCH_WAIT_NS);
    if (rc || rc2) break;
  }
  if (rc) std::fprintf(stderr, "rf-bench rank %u: %s\n", g_opts.mpi_rank, rf_strerror(rc));
  bench_impl_close(rc != 0);
  bench_plane_fini();
  return rc ? 1 : 0;
#else
  return 2;
#endif
}

int WorkerMain(int argc, char** argv) {
  std::string impl, params;
  for (int i = 1; i < argc; i++) {
    if (std::strncmp(argv[i], "--rf_impl=", 10) == 0) impl = argv[i] + 10;
    if (std::strncmp(argv[i], "--rf_impl_params=", 17) == 0) params = argv[i] + 17;
  }
  std::string why;
  if (!impl.empty() && !LoadImpl(impl, params, &why)) {
    // participant 0 loaded it: only a changed file can get here
    std::fprintf(stderr, "rf-bench worker: --rf_impl=%s: %s\n", impl.c_str(), why.c_str());
    return 1;
  }
  rf_launch_opts o;
  rf_launch_opts_default(&o);
  rf_world* w = nullptr;
  int rc = rf_launch(&o, &w);  // a worker: attaches to participant 0's world
  if (rc) {
    std::fprintf(stderr, "rf-bench worker: attach: %s\n", rf_strerror(rc));
    return 1;
  }
  rf_world_set_handler(w, bench_handler, nullptr);
  uint64_t seen = 0;
  for (;;) {
    bench_rx.data = 0;
    rc = rf_barrier(w, RF_PROCESSING_FENCE, kIdleNs);
    if (rc) break;
    // the processing fence ran our handler on the command: exactly one new
    if (bench_rx.cmds != ++seen) {
      rc = RF_ECORRUPT;
      break;
    }
    bench_cmd c = bench_rx.cmd;
    if (c.op == OP_EXIT) break;
    bench_stats s{c.seq, 0, 0};
    rc = RunOp(w, c, &s);
    if (rc == 0) rc = rf_send(w, 0, T_STATS, &s, sizeof s, BENCH_WAIT_NS);
    if (rc == 0) rc = rf_barrier(w, RF_PROCESSING_FENCE, BENCH_WAIT_NS);
    if (rc) break;
  }
  uint32_t me = rf_world_rank(w);
  // Aborted or a dead peer: participant 0 reports the cause, not us.
  if (rc && rc != RF_EABORTED && rc != RF_EPEERDEAD) {
    std::fprintf(stderr, "rf-bench worker %u: %s%s\n", me, rf_strerror(rc), ImplWhy().c_str());
    rf_world_abort(w, RF_EABORTED);
  }
  bench_impl_close(rc != 0);  // still open only when the run failed
  rf_world_close(w);
  return rc ? 1 : 0;
}

void SetWorkerArgv0(char* argv0) { worker_argv0 = argv0; }

int Failures() { return failures; }

void NoteFailure() { failures++; }

}  // namespace rfb
