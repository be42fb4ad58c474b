// The run's shared state: see run_state.hpp.
#include "run_state.hpp"

#include <sys/mman.h>

#include <new>
#include <stdexcept>

namespace loadgen {

namespace {

std::size_t round_up(std::size_t n) {
  return (n + 63) / 64 * 64;
}

shared_scalars* map_shared(std::size_t size, void*& map) {
  map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) throw std::runtime_error("mmap of the shared run state failed");
  return new (map) shared_scalars{};
}

std::size_t channel_count(const options& o) {
  return o.channel_each ? static_cast<std::size_t>(o.subs) : 1;
}

std::size_t layout_size(const options& o, int workers, int procs) {
  return round_up(sizeof(shared_scalars)) +
         round_up(channel_count(o) * sizeof(std::atomic<std::uint32_t>)) +
         static_cast<std::size_t>(workers) * sizeof(padded_counter) +
         round_up(static_cast<std::size_t>(workers) * sizeof(worker_stats)) +
         round_up(static_cast<std::size_t>(procs) * sizeof(double));
}

}  // namespace

run_state::run_state(const options& o, int workers, int procs)
    : map_size_(layout_size(o, workers, procs)),
      workers_(workers),
      scalars_(map_shared(map_size_, map_)),
      opt(o),
      current(scalars_->current),
      subs_ready(scalars_->subs_ready),
      subs_failed(scalars_->subs_failed),
      pubs_ready(scalars_->pubs_ready),
      children_reported(scalars_->children_reported),
      window_closed(scalars_->window_closed),
      expected(scalars_->expected),
      pub_in_flight(scalars_->pub_in_flight),
      publish_start_ns(scalars_->publish_start_ns) {
  char* p = static_cast<char*>(map_) + round_up(sizeof(shared_scalars));
  std::size_t n = channel_count(o);
  ready_on_channel = new (p) std::atomic<std::uint32_t>[n];
  for (std::size_t i = 0; i < n; ++i)
    ready_on_channel[i].store(0);
  p += round_up(n * sizeof(std::atomic<std::uint32_t>));
  delivered = new (p) padded_counter[static_cast<std::size_t>(workers)];
  p += static_cast<std::size_t>(workers) * sizeof(padded_counter);
  slots = new (p) worker_stats[static_cast<std::size_t>(workers)];
  p += round_up(static_cast<std::size_t>(workers) * sizeof(worker_stats));
  child_cpu_s = new (p) double[static_cast<std::size_t>(procs)]();
  for (std::size_t i = 0; i < n; ++i)
    channels.push_back(o.channel_each ? o.channel_prefix + "_" + std::to_string(i)
                                      : o.channel_prefix);
}

run_state::~run_state() {
  munmap(map_, map_size_);
}

}  // namespace loadgen
