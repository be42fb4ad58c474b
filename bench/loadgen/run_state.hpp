// What the threads of one run share: the phase, the channel names, the readiness counters and
// the delivery counters the closed-loop publisher and the main thread read. Every counter has
// one writer (a worker thread) or is atomic; nothing here is locked.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "options.hpp"

namespace loadgen {

enum class phase : int { connecting = 0, publishing = 1, draining = 2, done = 3 };

struct alignas(64) padded_counter {
  std::atomic<std::uint64_t> value{0};
};

struct run_state {
  run_state(const options& o, int workers)
      : opt(o),
        ready_on_channel(std::make_unique<std::atomic<std::uint32_t>[]>(
            o.channel_each ? static_cast<std::size_t>(o.subs) : 1)),
        delivered(static_cast<std::size_t>(workers)) {
    std::size_t n = o.channel_each ? static_cast<std::size_t>(o.subs) : 1;
    for (std::size_t i = 0; i < n; ++i)
      channels.push_back(o.channel_each ? o.channel_prefix + "_" + std::to_string(i)
                                        : o.channel_prefix);
  }

  std::uint64_t delivered_total() const {
    std::uint64_t sum = 0;
    for (const auto& d : delivered)
      sum += d.value.load(std::memory_order_relaxed);
    return sum;
  }

  const options& opt;
  std::vector<std::string> channels;
  std::atomic<int> current{static_cast<int>(phase::connecting)};
  std::atomic<std::uint32_t> subs_ready{0};
  std::atomic<std::uint32_t> subs_failed{0};
  std::atomic<std::uint32_t> pubs_ready{0};
  std::unique_ptr<std::atomic<std::uint32_t>[]> ready_on_channel;  // per channel
  std::vector<padded_counter> delivered;                           // unique deliveries, per worker
  std::atomic<std::uint64_t> expected{0};  // deliveries owed for acknowledged publishes
  std::atomic<std::uint64_t> pub_in_flight{0};
  std::atomic<std::uint64_t> publish_start_ns{0};

  phase current_phase() const {
    return static_cast<phase>(current.load(std::memory_order_acquire));
  }
};

}  // namespace loadgen
