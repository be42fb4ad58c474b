// A monotonically increasing 64-bit counter, sharded per thread (see shard.hpp).
//
// Threading: inc() may be called from any thread, lock-free and wait-free, touching only the
// calling thread's cache line; value() may be called from any thread at any time and returns
// the sum of all shards (a consistent-enough snapshot for scraping, not a linearisable one).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "metrics/shard.hpp"

namespace triplex::metrics {

class counter {
 public:
  counter() = default;
  counter(const counter&) = delete;
  counter& operator=(const counter&) = delete;

  // Adds n to the calling thread's shard.
  void inc(std::uint64_t n = 1) noexcept {
    slots_[detail::shard_index].value.fetch_add(n, std::memory_order_relaxed);
  }

  // The sum over all shards.
  std::uint64_t value() const noexcept {
    std::uint64_t sum = 0;
    for (const auto& slot : slots_)
      sum += slot.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  std::array<padded_atomic<std::uint64_t>, max_shards> slots_{};
};

}  // namespace triplex::metrics
