// rf-bench: the manual time of a batch, from its histogram.
//
// Google Benchmark's own statistics are across repetitions only; a latency
// benchmark counts every iteration into a histogram (histogram.h), whose
// percentiles become its counters and which the JSON keeps (reporter.h).
#ifndef RF_BENCH_SAMPLES_H
#define RF_BENCH_SAMPLES_H

#include "histogram.h"
#include "reporter.h"

namespace rfb {

// The batch's manual time: the sum of the timed sections (exact).
inline double Seconds(const bench_hist& h) { return static_cast<double>(h.sum) * 1e-9; }

}  // namespace rfb
#endif
