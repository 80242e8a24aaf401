// rf-bench's own flags (--rf_name=value, Google Benchmark's style): parsed
// and checked here, apart from the program, so that a fuzzer can drive the
// parser on arbitrary command lines (bench/fuzz_flags.cc).
#ifndef RF_BENCH_FLAGS_H
#define RF_BENCH_FLAGS_H

#include <stdexcept>

#include "session.h"

namespace rfb {

// A bad flag or value; what() says which and why, for the usage message.
struct FlagError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Takes the --rf_* flags out of argv (Google Benchmark's stay, in order) and
// fills *o with them and the defaults; returns whether --rf_procs was given.
// Throws FlagError on an unknown flag or a bad value. topo is the machine's
// (the default P, and a PU list checked against it); NULL when it cannot be
// loaded: the CPU count stands in and the rows report a bad PU.
bool ParseOwnFlags(int* argc, char** argv, const rf_topology* topo, Options* o);

}  // namespace rfb

#endif
