// Per-thread shard selection shared by the sharded metrics (counter, gauge, histogram).
//
// Threading: each worker thread calls set_thread_shard() once, before it touches any metric,
// with its own worker index; every later update from that thread goes to its own cache line,
// so worker threads never contend on a metric. Threads that never call it use shard 0 (and
// share it, which is still correct, only slower). Indexes are taken modulo max_shards.
#pragma once

#include <atomic>
#include <cstddef>

namespace triplex::metrics {

// Number of slots each sharded metric holds; one per worker thread is ideal.
inline constexpr unsigned max_shards = 64;

// Size the slots are aligned to, so that two shards never share a cache line.
inline constexpr std::size_t cache_line_size = 64;

namespace detail {
inline thread_local unsigned shard_index = 0;
}  // namespace detail

// Makes the calling thread update shard `index % max_shards` from now on.
inline void set_thread_shard(unsigned index) noexcept {
  detail::shard_index = index % max_shards;
}

// The shard the calling thread updates (0 unless set_thread_shard() was called).
inline unsigned thread_shard() noexcept {
  return detail::shard_index;
}

// One relaxed atomic alone on its cache line.
template <class T>
struct alignas(cache_line_size) padded_atomic {
  std::atomic<T> value{0};
};

}  // namespace triplex::metrics
