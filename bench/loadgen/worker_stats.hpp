// The counters and histograms one load-generator thread collects. Trivially copyable: each
// worker copies its statistics into its slot of the run's shared memory when it stops, so
// workers in forked processes report to the main process the same way as local ones.
#pragma once

#include <cstdint>

#include "histogram.hpp"

namespace loadgen {

struct worker_stats {
  log_histogram latency;  // publish -> deliver, ns
  log_histogram connect;  // connect() -> subscribed (or publisher connected), ns
  std::uint64_t unique = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t disconnects = 0;  // ready subscribers the server closed
  std::uint64_t connect_failures = 0;
  std::uint64_t pings = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t polls = 0;  // long-poll answers
  std::uint64_t pub_sent = 0;
  std::uint64_t pub_ok = 0;
  std::uint64_t pub_errors = 0;
  std::uint64_t pub_late = 0;  // fixed rate: publishes sent late (no free connection)
  log_histogram pub_rtt;       // publish request -> response, ns
  std::uint64_t owed = 0;      // deliveries owed for the publishes acknowledged
};

}  // namespace loadgen
