// Per-subscriber record of which sequence numbers of its channel arrived, to count duplicates
// and (by difference with what the publisher got acknowledged) losses, tolerating reordering
// of up to `window` numbers (publishes in flight on several connections may be ordered
// differently by the server). 80 bytes per subscriber, no allocation. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>

namespace loadgen {

class seq_window {
 public:
  static constexpr std::uint64_t window = 512;

  // Returns true when `seq` is new, false for a duplicate (or a number so old it fell out of
  // the window, which can only be a duplicate once the window moved past it).
  bool record(std::uint64_t seq) {
    if (seq < base_) return false;
    if (seq >= base_ + window) slide_to(seq - window + 1);
    if (test(seq)) return false;
    set(seq);
    ++unique_;
    while (test(base_)) {
      clear(base_);
      ++base_;
    }
    return true;
  }

  std::uint64_t unique() const { return unique_; }

 private:
  void slide_to(std::uint64_t new_base) {
    if (new_base - base_ >= window) {
      bits_.fill(0);
    } else {
      for (std::uint64_t s = base_; s < new_base; ++s)
        clear(s);
    }
    base_ = new_base;
  }
  bool test(std::uint64_t s) const { return (bits_[(s % window) / 64] >> (s % 64)) & 1; }
  void set(std::uint64_t s) { bits_[(s % window) / 64] |= std::uint64_t{1} << (s % 64); }
  void clear(std::uint64_t s) { bits_[(s % window) / 64] &= ~(std::uint64_t{1} << (s % 64)); }

  std::array<std::uint64_t, window / 64> bits_{};
  std::uint64_t base_ = 0;  // every number below has arrived (or was given up on)
  std::uint64_t unique_ = 0;
};

}  // namespace loadgen
