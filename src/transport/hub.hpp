// The hub of one worker: which of this worker's connections subscribe to which channel. The
// broker delivers each message once per worker; the hub hands the same shared message to every
// local subscriber (STYLE habit 8). Thread: the worker's own thread only.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/broker.hpp"
#include "metrics/triplex_metrics.hpp"
#include "transport/subscriber.hpp"

namespace triplex::transport {

class hub final : public broker::delivery_sink {
 public:
  explicit hub(metrics::server_metrics* metrics) : metrics_(metrics) {}

  void add(std::string_view channel, subscriber* s);
  // Safe to call while a delivery is in progress (the slot is emptied, compacted later).
  void remove(std::string_view channel, subscriber* s);
  void deliver(const broker::message_ptr& msg) override;

  std::size_t channel_count() const { return channels_.size(); }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using subscriber_list = std::vector<subscriber*>;

  std::unordered_map<std::string, subscriber_list, string_hash, std::equal_to<>> channels_;
  metrics::server_metrics* metrics_;
  void compact(std::string_view channel);

  std::vector<std::string> to_compact_;  // channels emptied during a delivery
  bool delivering_ = false;
};

}  // namespace triplex::transport
