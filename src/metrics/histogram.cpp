#include "metrics/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace triplex::metrics {
namespace {

constexpr std::size_t words_per_line = cache_line_size / sizeof(std::uint64_t);

void check_bounds(const std::vector<double>& bounds) {
  if (bounds.empty()) throw std::invalid_argument("histogram: no bucket bounds");
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) throw std::invalid_argument("histogram: bound not finite");
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      throw std::invalid_argument("histogram: bounds not strictly increasing");
    }
  }
}

void add_double(std::atomic<std::uint64_t>& bits, double v) noexcept {
  std::uint64_t old = bits.load(std::memory_order_relaxed);
  while (!bits.compare_exchange_weak(old,
                                     std::bit_cast<std::uint64_t>(std::bit_cast<double>(old) + v),
                                     std::memory_order_relaxed)) {
  }
}

}  // namespace

histogram::histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  check_bounds(bounds_);
  const std::size_t words = 1 + bounds_.size() + 1;  // sum, buckets, +Inf
  lines_per_shard_ = (words + words_per_line - 1) / words_per_line;
  lines_ = std::make_unique<line[]>(lines_per_shard_ * max_shards);  // value-initialised: zeros
}

std::atomic<std::uint64_t>& histogram::word(unsigned shard, std::size_t index) const noexcept {
  line& l = lines_[shard * lines_per_shard_ + index / words_per_line];
  return l.words[index % words_per_line];
}

void histogram::observe(double v) noexcept {
  if (std::isnan(v)) return;
  const auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                               bounds_.begin());
  const unsigned shard = detail::shard_index;
  word(shard, 1 + bucket).fetch_add(1, std::memory_order_relaxed);
  add_double(word(shard, 0), v);
}

histogram::snapshot_type histogram::snapshot() const {
  snapshot_type s;
  s.cumulative.assign(bounds_.size() + 1, 0);
  for (unsigned shard = 0; shard < max_shards; ++shard) {
    s.sum += std::bit_cast<double>(word(shard, 0).load(std::memory_order_relaxed));
    for (std::size_t b = 0; b < s.cumulative.size(); ++b) {
      s.cumulative[b] += word(shard, 1 + b).load(std::memory_order_relaxed);
    }
  }
  for (std::size_t b = 1; b < s.cumulative.size(); ++b)
    s.cumulative[b] += s.cumulative[b - 1];
  s.count = s.cumulative.back();
  return s;
}

std::vector<double> latency_buckets_seconds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

}  // namespace triplex::metrics
