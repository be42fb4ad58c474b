// A bounded, time-limited history of one channel: the last `capacity` durable entries, each
// stamped with the time it was appended. Entries are addressed by offset; offsets of stored
// entries are consecutive. Pure data structure: the owner supplies the clock readings.
// Storage grows with the entries and is released when the ring empties, so an idle channel
// holds none. Thread: not thread-safe; one owner (the channel's shard) uses it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace triplex::core {

template <typename T>
class history_ring {
 public:
  using clock = std::chrono::steady_clock;

  history_ring(std::size_t capacity, std::chrono::milliseconds ttl)
      : capacity_(capacity), ttl_(ttl) {}

  // Appends the entry with `offset`, which must be last_offset() + 1 (the caller assigns it).
  // When full, the oldest entry is overwritten.
  void append(std::uint64_t offset, T value, clock::time_point now) {
    if (capacity_ == 0) return;
    entry e{offset, now, std::move(value)};
    if (count_ == buf_.size() && buf_.size() < capacity_) {
      // Grow (storage is allocated as entries arrive): make the oldest entry first, then add.
      std::rotate(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_), buf_.end());
      head_ = 0;
      buf_.push_back(std::move(e));
      ++count_;
    } else if (count_ == buf_.size()) {
      buf_[head_] = std::move(e);  // full: overwrite the oldest
      head_ = (head_ + 1) % buf_.size();
    } else {
      buf_[(head_ + count_) % buf_.size()] = std::move(e);
      ++count_;
    }
  }

  // Drops entries older than the ttl; an emptied ring gives its storage back.
  void trim(clock::time_point now) {
    while (count_ > 0 && now - buf_[head_].at > ttl_) {
      buf_[head_] = entry{};
      head_ = (head_ + 1) % buf_.size();
      --count_;
    }
    if (count_ == 0 && !buf_.empty()) {
      std::vector<entry>().swap(buf_);
      head_ = 0;
    }
  }

  // Offset of the oldest stored entry, or 0 when empty.
  std::uint64_t first_offset() const { return count_ == 0 ? 0 : at(0).offset; }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  // Appends up to `limit` entries with offset > `after`, oldest first, to `out`.
  void read_after(std::uint64_t after, std::size_t limit, std::vector<T>& out) const {
    if (count_ == 0 || limit == 0) return;
    std::uint64_t first = at(0).offset;
    std::size_t start = after < first ? 0 : static_cast<std::size_t>(after - first + 1);
    std::size_t end = std::min(count_, start + std::min(limit, count_));
    for (std::size_t i = start; i < end; ++i)
      out.push_back(at(i).value);
  }

  // Appends the newest `limit` entries, oldest first, to `out`.
  void read_last(std::size_t limit, std::vector<T>& out) const {
    std::size_t n = std::min(limit, count_);
    for (std::size_t i = count_ - n; i < count_; ++i)
      out.push_back(at(i).value);
  }

 private:
  struct entry {
    std::uint64_t offset = 0;
    clock::time_point at;
    T value{};
  };
  // The i-th oldest entry.
  const entry& at(std::size_t i) const { return buf_[(head_ + i) % buf_.size()]; }

  std::size_t capacity_;
  std::chrono::milliseconds ttl_;
  std::vector<entry> buf_;  // a circular buffer of up to capacity_ entries
  std::size_t head_ = 0;    // index of the oldest entry
  std::size_t count_ = 0;
};

}  // namespace triplex::core
