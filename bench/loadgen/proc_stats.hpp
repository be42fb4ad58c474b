// CPU time and memory of the server under test (from /proc/<pid>/stat and /proc/<pid>/status)
// and of the load generator itself (getrusage), sampled between the phases of a run.
#pragma once

#include <cstdint>
#include <vector>

namespace loadgen {

struct proc_sample {
  double cpu_seconds = 0;  // user + system, summed over the pids
  long long rss_kb = 0;    // VmRSS, summed over the pids
  bool ok = false;         // every pid was readable
};

// Samples the given processes; ok is false when any is gone or unreadable (or none given).
proc_sample sample_processes(const std::vector<int>& pids);

// User + system CPU seconds of this process, all threads.
double self_cpu_seconds();

// Monotonic clock (CLOCK_MONOTONIC), nanoseconds: the clock of the payload timestamps.
std::uint64_t now_ns();

}  // namespace loadgen
