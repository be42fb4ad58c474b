// The result of one run and its two output lines: one for people, one JSON object (on a line
// of its own, starting with '{') for scripts.
#pragma once

#include <cstdint>
#include <string>

#include "histogram.hpp"
#include "options.hpp"
#include "proc_stats.hpp"

namespace loadgen {

struct run_result {
  const options* opt = nullptr;
  bool publishing = false;
  std::uint32_t subs_ready = 0;
  std::uint32_t subs_failed = 0;
  double connect_wall_s = 0;  // until every subscriber was ready (or failed)
  double window_s = 0;        // first publish -> last delivery (or the idle hold)
  double publish_s = 0;       // first publish -> publishing stopped
  std::uint64_t pub_sent = 0, pub_ok = 0, pub_errors = 0, pub_late = 0;
  std::uint64_t deliveries = 0, expected = 0, duplicates = 0, disconnects = 0, pings = 0;
  std::uint64_t polls = 0, bytes_in = 0;
  log_histogram latency, connect, pub_rtt;
  proc_sample server_before;     // before any connection
  proc_sample server_connected;  // all connected and settled (idle: after the hold)
  proc_sample server_start;      // at the first publish
  proc_sample server_end;        // after the last delivery
  double self_cpu_s = 0;         // the load generator, over the same window
};

// Prints the human line to stderr-free stdout, then the JSON line.
void print_report(const run_result& r);

}  // namespace loadgen
