// A signed 64-bit gauge, sharded per thread (see shard.hpp).
//
// A gauge is used in exactly one of two ways, never both:
//  - add()/sub() from any number of threads (open connections, subscriptions): each thread
//    updates its own shard, so a shard may go negative when one thread adds and another
//    subtracts; value() sums the shards and is exact once the updates have happened;
//  - set() from a single writer thread (broker_up, a count computed elsewhere).
//
// Threading: every member is lock-free and may be called from any thread, under the rule above.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "metrics/shard.hpp"

namespace triplex::metrics {

class gauge {
 public:
  gauge() = default;
  gauge(const gauge&) = delete;
  gauge& operator=(const gauge&) = delete;

  // Adds n (may be negative) to the calling thread's shard.
  void add(std::int64_t n = 1) noexcept {
    slots_[detail::shard_index].value.fetch_add(n, std::memory_order_relaxed);
  }

  // Subtracts n from the calling thread's shard.
  void sub(std::int64_t n = 1) noexcept {
    slots_[detail::shard_index].value.fetch_sub(n, std::memory_order_relaxed);
  }

  // Sets the value; only for single-writer gauges that never use add()/sub().
  void set(std::int64_t v) noexcept { slots_[0].value.store(v, std::memory_order_relaxed); }

  // The sum over all shards.
  std::int64_t value() const noexcept {
    std::uint64_t sum = 0;  // unsigned: shards wrap modulo 2^64, the total does not
    for (const auto& slot : slots_) {
      sum += static_cast<std::uint64_t>(slot.value.load(std::memory_order_relaxed));
    }
    return static_cast<std::int64_t>(sum);
  }

 private:
  std::array<padded_atomic<std::int64_t>, max_shards> slots_{};
};

}  // namespace triplex::metrics
