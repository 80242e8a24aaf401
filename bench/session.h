// rf-bench: the worlds behind the benchmarks and how participant 0 drives
// its workers.
//
// Participant 0 keeps one world open at a time and reuses it for every
// benchmark with the same transport, barrier algorithm and P, across Google
// Benchmark's repeated calls. Each batch is: a command record to every worker and a processing
// fence (the workers sleep in that barrier between batches, so idle workers
// cost no CPU), the loop in every participant, each worker's stats record to
// participant 0 and a closing processing fence. A watchdog (bench_watchdog,
// platform.h) bounds every batch of participant 0, including waits that
// cannot time out (pthread_barrier_wait, a pipe read).
#ifndef RF_BENCH_SESSION_H
#define RF_BENCH_SESSION_H

#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "loops.h"

namespace rfb {

struct Options {
  std::vector<uint32_t> procs;
  std::vector<rf_transport> transports;
  // shm barrier algorithms of the sweep (--rf_algorithm); AUTO is the
  // library's choice, run under its own name
  std::vector<rf_algorithm> algorithms;
  std::vector<uint32_t> sizes;
  std::vector<uint32_t> traffic;
  rf_placement placement{};
  std::string placement_text;
  // Bound of one batch. Google Benchmark sizes a batch to about 1.4x
  // --benchmark_min_time (at most 10x the previous one); far beyond that
  // something is stuck, e.g. pthread_barrier_wait after a peer died.
  double watchdog_s = 60;
  // --rf_impl: empty (or "ringfence") for the reference, called directly as
  // always; else the driver spec, whose rows go through bench_impl (loops.h)
  std::string impl;
  std::string impl_params;  // --rf_impl_params, handed to the driver's open
  // what the context says of the implementation (Probe fills them for a driver)
  std::string impl_name = "ringfence", impl_version, impl_describe, impl_caps;
  // under mpirun (StartMpi): the ranks and what the context says of them
  uint32_t mpi_rank = 0, mpi_size = 0;  // mpi_size 0: not under mpirun
  std::string mpi_binding, mpi_library;  // rank 0 only
  bool mpi_over = false;                 // a host runs more ranks than it has CPUs
  uint32_t mpi_hosts = 0;
};
extern Options g_opts;

const char* TransportName(rf_transport t);

// The world for (t, algorithm a, P), launched or reused (one with the same
// resolved algorithm serves); nullptr after st.SkipWithError. Without an
// algorithm: the library's choice (AUTO), as the ring and limit rows use.
rf_world* World(benchmark::State& st, rf_transport t, rf_algorithm a, uint32_t P);
rf_world* World(benchmark::State& st, rf_transport t, uint32_t P);

// What AUTO resolves to for (t, P) here (rf_world_algorithm of a world made
// and closed at once, no workers); AUTO itself when no world can be made.
rf_algorithm AutoAlgorithm(rf_transport t, uint32_t P);

// Closes the open world, if any (its workers exit); under mpirun closes
// the driver, releases the ranks and finalises MPI (ends the job after a
// failed batch).
void CloseWorld();

// Loads the driver of spec into bench_impl with params (every process of
// the run does, workers too); false with the loader's reason in *why.
bool LoadImpl(const std::string& spec, const std::string& params, std::string* why);

// The driver under test open in every participant of P: on the world for
// P (a batch of OP_IMPL_OPEN on a new world), or under mpirun on the ranks
// (P must be their number); false after st.SkipWithError.
bool ImplReady(benchmark::State& st, uint32_t P);

// Under mpirun: whether batches can still run (false after st.SkipWithError).
bool MpiReady(benchmark::State& st);

// Under mpirun (a driver that claims RF_DRIVER_HOSTS): starts MPI and the
// suite's communicator and fills the mpi_* fields of g_opts; this rank, or
// -1 with why in *why (not under mpirun, MPI not built).
int StartMpi(std::string* why);

// Every rank but 0 under mpirun: serves batches until told to exit; the exit code.
int MpiServe();

// Before any benchmark: opens the loaded driver at P = 2 and fills the
// impl_* fields of g_opts from it (describe()); false with why the driver
// cannot run here (its params refused, not under mpirun, ...) in *why.
bool Probe(std::string* why);

// Sends cmd (seq is filled in) and waits in the opening fence; false after
// st.SkipWithError (the world is dropped).
bool Start(benchmark::State& st, bench_cmd& cmd, const std::string& name);

// Ends the batch: loop_rc is participant 0's loop result. Collects every
// participant's stats (own is participant 0's) into *all when given; false
// after st.SkipWithError.
bool Finish(benchmark::State& st, int loop_rc, const bench_stats& own,
            std::vector<bench_stats>* all);

// Benchmarks that failed so far (the exit code of rf-bench); NoteFailure
// counts one that failed outside a world.
int Failures();
void NoteFailure();

// What participant 0 re-executes as its workers (argv[0], for ps).
void SetWorkerArgv0(char* argv0);

// Worker side: attaches, serves batches until told to exit; the exit code.
// argv carries --rf_impl (and --rf_impl_params) when a driver is under test.
int WorkerMain(int argc, char** argv);

// The binding the placement gives P participants here (empty when unpinned),
// and whether it oversubscribes; computed once per P.
std::vector<rf_binding> PlannedBinding(uint32_t P, bool* oversubscribed);

}  // namespace rfb
#endif
