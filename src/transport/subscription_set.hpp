// The channels one connection subscribes to, with the position it has reached in each. Shared
// by every transport, so channel logic never branches on the transport (STYLE "avoid").
//
// A subscribe goes to the broker first; the connection joins its worker's hub only when the
// broker's answer arrives, so every later delivery follows the replay in order. Events are
// filtered here: a durable message at or before the position already reached is a duplicate
// and is dropped. Thread: the connection's worker only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "core/position.hpp"
#include "core/presence_table.hpp"
#include "protocol/cursor.hpp"
#include "transport/subscriber.hpp"

namespace triplex::transport {

struct worker_context;

class subscription_set {
 public:
  using subscribe_done = std::function<void(broker::subscribe_result&)>;

  // `owner` guards asynchronous answers: when it has expired they only release the broker's
  // registration. `self` is the connection as the hub sees it.
  subscription_set(worker_context& ctx, std::weak_ptr<void> owner, subscriber* self);
  ~subscription_set();
  subscription_set(const subscription_set&) = delete;
  subscription_set& operator=(const subscription_set&) = delete;

  // Makes this connection a presence member of the channels it subscribes to in namespaces
  // with `presence = true` (set before subscribing; long-polls, being transient, are not).
  void set_member(core::presence_member member) { member_ = std::move(member); }

  std::size_t size() const { return entries_.size(); }
  bool contains(std::string_view channel) const;
  // The first subscribed channel (active or pending) for which `pred(channel)` holds, or null.
  template <typename Pred>
  const std::string* find_channel(Pred pred) const {
    for (const entry& e : entries_)
      if (pred(std::string_view(e.channel))) return &e.channel;
    return nullptr;
  }

  // Starts a subscription; `done` runs on this worker once the broker has answered (not if the
  // channel was unsubscribed meanwhile or the owner is gone); it must pass each replayed
  // message through accept() before sending it. False if already subscribed.
  bool subscribe(const std::string& channel, std::optional<core::position> since,
                 subscribe_done done);
  bool unsubscribe(std::string_view channel);
  void unsubscribe_all();

  // Records that `msg` is delivered; false when it is a duplicate or not subscribed.
  bool accept(const broker::message& msg);

  // True when the set is one active subscription to `channel`, at `pos`: its cursor is then the
  // cursor of that channel and position alone.
  bool is_only(std::string_view channel, const core::position& pos) const;

  // Appends the cursor of the subscriptions to `out` (no copies of the positions): active ones
  // at their position, pending ones at the position they resume from (so a reconnect in that
  // window skips nothing); pending ones that start now are left out.
  void append_cursor(std::string& out) const;

  // Positions of every active subscription, in subscription order.
  std::vector<protocol::cursor_entry> positions() const;
  // Position of one channel, if active.
  const core::position* position_of(std::string_view channel) const;

 private:
  struct entry {
    std::string channel;
    core::position pos;
    std::uint64_t generation = 0;
    std::optional<core::position> since;  // where a pending subscription resumes from
    bool active = false;
    bool member = false;    // joined the channel's presence
    bool announce = false;  // joins and leaves are announced
  };
  void join_presence(entry& e);
  entry* find(std::string_view channel);
  const entry* find(std::string_view channel) const;

  worker_context& ctx_;
  std::weak_ptr<void> owner_;
  subscriber* self_;
  std::optional<core::presence_member> member_;
  std::uint64_t next_generation_ = 1;
  std::vector<entry> entries_;  // few per connection: a vector beats a map here
};

}  // namespace triplex::transport
