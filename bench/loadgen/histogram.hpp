// A fixed-size, log-bucketed histogram of nanosecond values (HDR-like): 32 linear sub-buckets per
// power of two, so a bucket's width is at most 1/32 (about 3%) of its values. Recording is one
// index computation and one increment: no allocation per sample. Each worker thread owns one;
// they are merged after the run. Not thread-safe.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace loadgen {

class log_histogram {
 public:
  static constexpr int sub_bits = 5;
  static constexpr int sub_count = 1 << sub_bits;
  static constexpr int bucket_count = (64 - sub_bits + 1) * sub_count;

  void record(std::uint64_t v) {
    ++counts_[index_of(v)];
    ++total_;
    if (v > max_) max_ = v;
  }

  void merge(const log_histogram& o) {
    for (int i = 0; i < bucket_count; ++i)
      counts_[i] += o.counts_[i];
    total_ += o.total_;
    if (o.max_ > max_) max_ = o.max_;
  }

  std::uint64_t total() const { return total_; }
  std::uint64_t max() const { return max_; }

  // The upper bound of the bucket holding the q-quantile (0 < q <= 1), capped at the exact
  // maximum; 0 when empty.
  std::uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    auto want = static_cast<std::uint64_t>(q * static_cast<double>(total_));
    if (want < 1) want = 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= want) {
        std::uint64_t hi = upper_bound_of(i);
        return hi < max_ ? hi : max_;
      }
    }
    return max_;
  }

 private:
  static int index_of(std::uint64_t v) {
    if (v < sub_count) return static_cast<int>(v);
    int msb = 63 - std::countl_zero(v);
    int shift = msb - sub_bits;
    return ((shift + 1) << sub_bits) + static_cast<int>((v >> shift) & (sub_count - 1));
  }

  static std::uint64_t upper_bound_of(int i) {
    if (i < sub_count) return static_cast<std::uint64_t>(i);
    int shift = (i >> sub_bits) - 1;
    std::uint64_t low = static_cast<std::uint64_t>(sub_count + (i & (sub_count - 1))) << shift;
    return low + ((std::uint64_t{1} << shift) - 1);
  }

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace loadgen
