// rf-bench: the run's context in the JSON (SPEC §8).
#ifndef RF_BENCH_CONTEXT_H
#define RF_BENCH_CONTEXT_H

#include <string>
#include <vector>

#include <ringfence.h>

namespace rfb {

// Adds every SPEC §8 key to Google Benchmark's context and warns on stderr
// when the run is unpinned or oversubscribed. `skipped` names transports the
// library does not offer, `skipped_algos` shm algorithms likewise.
void AddContext(const std::vector<rf_transport>& transports, const std::string& skipped,
                const std::vector<rf_algorithm>& algorithms, const std::string& skipped_algos);

}  // namespace rfb
#endif
