// libFuzzer target: rf-bench's own flags (rfb::ParseOwnFlags) on arbitrary
// command lines. The input, split at its NUL bytes, is the arguments after
// argv[0] (at most 32). Each is refused with a FlagError (the usage message,
// exit 2, in rf-bench) or accepted with every value inside the range --help
// documents, and Google Benchmark's arguments left in order. Never a crash,
// an out-of-bounds access (ASan, UBSan) or another exception.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../flags.h"


namespace {

void Accepted(const rfb::Options& o, const std::vector<std::string>& others, int argc, char** argv) {
  if (o.procs.empty() || o.transports.empty() || o.algorithms.empty()) std::abort();
  for (uint32_t p : o.procs)
    if (p < 2 || p > RF_MAX_PROCS) std::abort();
  for (uint32_t s : o.sizes)
    if (s > BENCH_MAX_SIZE) std::abort();
  for (uint32_t k : o.traffic)
    if (k > 4096) std::abort();
  if (o.placement_text.empty()) std::abort();
  // what is left is what was not ours, in the same order
  if (argc != static_cast<int>(others.size()) + 1 || argv[argc] != nullptr) std::abort();
  for (int i = 1; i < argc; i++)
    if (others[i - 1] != argv[i]) std::abort();
}

rf_topology* topo;  // loaded once: what rf-bench's main hands the parser

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (rf_topology_load(&topo) != 0) topo = nullptr;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string buf(reinterpret_cast<const char*>(data), size);
  std::vector<char*> argv{const_cast<char*>("rf-bench")};
  std::vector<std::string> others;
  for (size_t at = 0; at <= size && argv.size() < 33; at += std::strlen(&buf[at]) + 1) {
    argv.push_back(&buf[at]);
    if (std::strncmp(&buf[at], "--rf_", 5) != 0) others.push_back(&buf[at]);
  }
  argv.push_back(nullptr);
  int argc = static_cast<int>(argv.size()) - 1;
  rfb::Options o;
  try {
    rfb::ParseOwnFlags(&argc, argv.data(), topo, &o);
  } catch (const rfb::FlagError& e) {
    if (!*e.what()) std::abort();  // a refusal says why
    return 0;
  }
  Accepted(o, others, argc, argv.data());
  return 0;
}
