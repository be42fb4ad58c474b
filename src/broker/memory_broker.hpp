// The embedded in-memory broker: channels are sharded over the workers by a hash of their
// name; a channel's state (epoch, offset, history, which workers subscribe) lives on its shard's
// worker and is touched only there, so no lock guards it (STYLE habit 4). Calls are posted to
// the shard; results and deliveries go back to the calling/subscribed workers through the
// shard's worker_outbox (batched per loop turn).
// Positions: a channel gets a random epoch when it is created in this process, so a restart
// changes every epoch and resuming clients see a gap instead of a silent reset.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "broker/broker.hpp"

namespace triplex::broker {

struct history_limits {
  std::size_t size = 100;
  std::chrono::milliseconds ttl{300000};
};

// Counters the broker keeps up to date (owned by the caller; may be null).
struct broker_observer {
  virtual ~broker_observer() = default;
  virtual void on_channels_changed(std::int64_t delta) = 0;
  virtual void on_history_changed(std::int64_t delta) = 0;
};

class memory_broker final : public broker {
 public:
  using limits_fn = std::function<history_limits(std::string_view channel)>;

  // `executors[i]` and `sinks[i]` belong to worker i; both outlive the broker.
  memory_broker(std::vector<boost::asio::any_io_executor> executors,
                std::vector<delivery_sink*> sinks, limits_fn limits,
                broker_observer* observer = nullptr);
  ~memory_broker() override;

  void publish(worker_id from, publish_request req, publish_handler h) override;
  void subscribe(worker_id from, std::string channel, std::optional<core::position> since,
                 subscribe_handler h) override;
  void unsubscribe(worker_id from, std::string channel) override;
  void history(worker_id from, std::string channel, std::optional<core::position> since,
               std::size_t limit, history_handler h) override;
  void channels(worker_id from, std::string pattern, channels_handler h) override;
  void join(worker_id from, std::string channel, core::presence_member member,
            bool announce) override;
  void leave(worker_id from, std::string channel, std::string client, bool announce) override;
  void presence(worker_id from, std::string channel, std::size_t max_members,
                presence_handler h) override;

  // Every `interval`, each shard trims expired history and forgets idle channels (no
  // subscriber, no history, unused for `idle_limit`). Call once, from any thread.
  void start_sweeping(std::chrono::milliseconds interval, std::chrono::milliseconds idle_limit);

 private:
  struct shard;
  worker_id shard_of(std::string_view channel) const;
  template <typename F>
  void on_shard(std::string_view channel, F&& f);
  void schedule_sweep(worker_id s, std::chrono::milliseconds interval,
                      std::chrono::milliseconds idle_limit);
  void sweep(shard& sh, std::chrono::milliseconds idle_limit);
  void fan_out(shard& sh, const std::vector<std::uint32_t>& refs, const message_ptr& msg);
  void collect_channels(worker_id from, std::size_t next, std::string pattern,
                        std::vector<channel_info> acc, channels_handler h);

  std::vector<boost::asio::any_io_executor> executors_;
  std::vector<delivery_sink*> sinks_;
  limits_fn limits_;
  broker_observer* observer_;
  std::vector<std::unique_ptr<shard>> shards_;
};

}  // namespace triplex::broker
