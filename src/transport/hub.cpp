// Per-worker subscriber index: see hub.hpp.
#include "transport/hub.hpp"

#include <algorithm>
#include <chrono>

namespace triplex::transport {

void hub::add(std::string_view channel, subscriber* s) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) it = channels_.emplace(std::string(channel), subscriber_list{}).first;
  it->second.push_back(s);
}

void hub::remove(std::string_view channel, subscriber* s) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), s);
  if (pos == list.end()) return;
  if (delivering_) {
    *pos = nullptr;  // compacted after the delivery
    to_compact_.emplace_back(channel);
    return;
  }
  *pos = list.back();
  list.pop_back();
  if (list.empty()) channels_.erase(it);
}

void hub::deliver(const broker::message_ptr& msg) {
  auto it = channels_.find(msg->channel);
  if (it == channels_.end()) return;
  if (metrics_) {
    auto age = std::chrono::steady_clock::now() - msg->published_at;
    metrics_->publish_to_deliver_seconds.observe(std::chrono::duration<double>(age).count());
  }
  delivering_ = true;
  auto& list = it->second;
  for (std::size_t i = 0; i < list.size(); ++i)
    if (list[i]) list[i]->on_event(msg);
  delivering_ = false;
  std::erase(list, nullptr);
  if (list.empty()) channels_.erase(it);
  for (const std::string& name : to_compact_)
    compact(name);
  to_compact_.clear();
}

void hub::compact(std::string_view channel) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  std::erase(it->second, nullptr);
  if (it->second.empty()) channels_.erase(it);
}

}  // namespace triplex::transport
