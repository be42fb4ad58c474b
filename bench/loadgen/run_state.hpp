// What the workers of one run share: the phase, the channel names, the readiness counters, the
// delivery counters the closed-loop publisher and the main process read, and one statistics
// slot per worker. The counters and slots live in one shared anonymous mapping, so workers in
// processes forked by --procs (each with its own file-descriptor limit) use them exactly like
// local threads: lock-free atomics, one writer per slot, nothing locked.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"
#include "worker_stats.hpp"

namespace loadgen {

enum class phase : int { connecting = 0, publishing = 1, draining = 2, done = 3 };

struct alignas(64) padded_counter {
  std::atomic<std::uint64_t> value{0};
};

// The scalar counters of the shared mapping.
struct shared_scalars {
  std::atomic<int> current{static_cast<int>(phase::connecting)};
  std::atomic<std::uint32_t> subs_ready{0};
  std::atomic<std::uint32_t> subs_failed{0};
  std::atomic<std::uint32_t> pubs_ready{0};
  std::atomic<std::uint32_t> children_reported{0};  // forked processes that wrote their CPU
  std::atomic<int> window_closed{0};                // the measurement window has ended
  std::atomic<std::uint64_t> expected{0};           // deliveries owed for acknowledged publishes
  std::atomic<std::uint64_t> pub_in_flight{0};
  std::atomic<std::uint64_t> publish_start_ns{0};
};

class run_state {
 public:
  // Maps the shared memory for `workers` workers over `procs` processes. Throws
  // std::runtime_error when the mapping fails.
  run_state(const options& o, int workers, int procs);
  ~run_state();
  run_state(const run_state&) = delete;
  run_state& operator=(const run_state&) = delete;

  std::uint64_t delivered_total() const {
    std::uint64_t sum = 0;
    for (int i = 0; i < workers_; ++i)
      sum += delivered[i].value.load(std::memory_order_relaxed);
    return sum;
  }
  phase current_phase() const {
    return static_cast<phase>(current.load(std::memory_order_acquire));
  }
  void set_phase(phase p) { current.store(static_cast<int>(p), std::memory_order_release); }
  int workers() const { return workers_; }

 private:
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  int workers_;
  shared_scalars* scalars_;

 public:
  const options& opt;
  std::vector<std::string> channels;  // private copy in each process (read-only)
  std::atomic<int>& current;
  std::atomic<std::uint32_t>& subs_ready;
  std::atomic<std::uint32_t>& subs_failed;
  std::atomic<std::uint32_t>& pubs_ready;
  std::atomic<std::uint32_t>& children_reported;
  std::atomic<int>& window_closed;
  std::atomic<std::uint64_t>& expected;
  std::atomic<std::uint64_t>& pub_in_flight;
  std::atomic<std::uint64_t>& publish_start_ns;
  std::atomic<std::uint32_t>* ready_on_channel;  // per channel
  padded_counter* delivered;                     // unique deliveries, per worker
  worker_stats* slots;                           // per worker, written when it stops
  double* child_cpu_s;                           // per process: CPU over the window
};

}  // namespace loadgen
