// A histogram with fixed bucket upper bounds, sharded per thread (see shard.hpp).
//
// Each shard holds one count per bucket (not cumulative; the last bucket is +Inf) and the sum
// of the observations, packed on cache lines of its own. The total count is the sum of the
// bucket counts, so a snapshot's +Inf bucket always equals its count.
//
// Threading: the constructor runs at start-up (it throws std::invalid_argument on bad bounds);
// observe() may then be called from any thread, lock-free; snapshot() from any thread at any
// time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "metrics/shard.hpp"

namespace triplex::metrics {

class histogram {
 public:
  // Cumulative view of a histogram at one moment (Prometheus semantics).
  struct snapshot_type {
    std::vector<std::uint64_t> cumulative;  // one per upper bound, then one for +Inf
    double sum = 0;
    std::uint64_t count = 0;  // == cumulative.back()
  };

  // upper_bounds: finite, strictly increasing, at least one; +Inf is implicit.
  explicit histogram(std::vector<double> upper_bounds);
  histogram(const histogram&) = delete;
  histogram& operator=(const histogram&) = delete;

  // Records one observation in the calling thread's shard. NaN is ignored.
  void observe(double v) noexcept;

  // Sums all shards into a cumulative view.
  snapshot_type snapshot() const;

  std::span<const double> upper_bounds() const noexcept { return bounds_; }

 private:
  struct alignas(cache_line_size) line {
    std::atomic<std::uint64_t> words[cache_line_size / sizeof(std::uint64_t)];
  };

  std::atomic<std::uint64_t>& word(unsigned shard, std::size_t index) const noexcept;

  std::vector<double> bounds_;
  std::size_t lines_per_shard_ = 0;  // word 0: sum (bits of a double), words 1..: buckets
  std::unique_ptr<line[]> lines_;
};

// Latency buckets in seconds, 100 µs to 10 s, roughly 1-2.5-5 per decade.
std::vector<double> latency_buckets_seconds();

}  // namespace triplex::metrics
