// rf-bench: registration of every benchmark (names in benchmarks.cc).
#ifndef RF_BENCH_BENCHMARKS_H
#define RF_BENCH_BENCHMARKS_H

#include <cstdint>
#include <string>
#include <vector>

#include <ringfence.h>

namespace rfb {

// Bytes per message of baseline/pipe_pingpong: the size of
// ring/pingpong/size:64, the row it is compared with.
constexpr uint32_t kPipeBytes = 64;

// Registers every benchmark of the sweep in g_opts; barrier rows for the
// given transports and shm algorithms only (those the library offers). The
// coordinator transport has one algorithm, central: its rows are there when
// the algorithms include central or auto.
void RegisterAll(const std::vector<rf_transport>& transports,
                 const std::vector<rf_algorithm>& algorithms);

// Which MPI baseline/mpi_barrier runs: "<MPI_Get_library_version's first
// line>, <mpiexec>", or "none" when this build has no MPI.
std::string MpiText();

// The baselines this build cannot run, each as "<name>: <why>", joined by
// "; "; "none" when every baseline is there. They are not registered.
std::string AbsentBaselines();

}  // namespace rfb
#endif
