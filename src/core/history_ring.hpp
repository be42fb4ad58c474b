// A bounded, time-limited history of one channel: the last `capacity` durable entries, each
// stamped with the time it was appended. Entries are addressed by offset; offsets of stored
// entries are consecutive. Pure data structure: the owner supplies the clock readings.
// Thread: not thread-safe; one owner (the channel's shard) uses it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
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
  void append(std::uint64_t offset, T value, clock::time_point now) {
    if (capacity_ == 0) return;
    if (entries_.size() == capacity_) entries_.pop_front();
    entries_.push_back(entry{offset, now, std::move(value)});
  }

  // Drops entries older than the ttl.
  void trim(clock::time_point now) {
    while (!entries_.empty() && now - entries_.front().at > ttl_)
      entries_.pop_front();
  }

  // Offset of the oldest stored entry, or 0 when empty.
  std::uint64_t first_offset() const { return entries_.empty() ? 0 : entries_.front().offset; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Appends up to `limit` entries with offset > `after`, oldest first, to `out`.
  void read_after(std::uint64_t after, std::size_t limit, std::vector<T>& out) const {
    if (entries_.empty() || limit == 0) return;
    std::uint64_t first = entries_.front().offset;
    std::size_t start = after < first ? 0 : static_cast<std::size_t>(after - first + 1);
    std::size_t end = std::min(entries_.size(), start + std::min(limit, entries_.size()));
    for (std::size_t i = start; i < end; ++i)
      out.push_back(entries_[i].value);
  }

  // Appends the newest `limit` entries, oldest first, to `out`.
  void read_last(std::size_t limit, std::vector<T>& out) const {
    std::size_t n = std::min(limit, entries_.size());
    for (std::size_t i = entries_.size() - n; i < entries_.size(); ++i)
      out.push_back(entries_[i].value);
  }

 private:
  struct entry {
    std::uint64_t offset;
    clock::time_point at;
    T value;
  };
  std::size_t capacity_;
  std::chrono::milliseconds ttl_;
  std::deque<entry> entries_;
};

}  // namespace triplex::core
