// The broker: the one place that assigns positions, keeps history and fans messages out to the
// workers that have subscribers (STYLE habit 9: the memory and the Redis broker implement this
// interface and pass one conformance suite).
//
// Threads: every call is made from a worker thread, naming that worker; every handler runs
// later on that same worker, never inline. Deliveries for a channel reach a worker through
// delivery_sink::deliver on that worker, in offset order, after the handler of the subscribe
// call that asked for them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "broker/message.hpp"
#include "core/position.hpp"
#include "core/presence_table.hpp"
#include "core/status.hpp"

namespace triplex::broker {

using worker_id = unsigned;

struct publish_request {
  std::string channel;
  std::string data;  // JSON text
  bool ephemeral = false;
  std::string key;
};

struct publish_result {
  core::status status = core::status::ok;
  std::string error;
  core::position pos;  // offset 0 for ephemeral
};

struct subscribe_result {
  core::position pos;               // the position the subscriber is at after `replay`
  bool recovered = true;            // false when a gap was reported
  std::vector<message_ptr> replay;  // gap event (if any) then missed messages, in order
};

struct history_result {
  core::status status = core::status::ok;
  core::position pos;  // the channel's current position
  std::vector<message_ptr> messages;
};

struct presence_result {
  std::vector<core::presence_member> members;  // at most the requested number
  std::uint64_t clients = 0;
  std::uint64_t users = 0;
  bool truncated = false;  // members holds fewer than `clients`
};

struct channel_info {
  std::string channel;
  std::uint64_t subscribers = 0;
};

// Receives deliveries on one worker (the hub of that worker).
class delivery_sink {
 public:
  virtual ~delivery_sink() = default;
  virtual void deliver(const message_ptr& msg) = 0;
};

class broker {
 public:
  using publish_handler = std::function<void(publish_result)>;
  using subscribe_handler = std::function<void(subscribe_result)>;
  using history_handler = std::function<void(history_result)>;
  using channels_handler = std::function<void(std::vector<channel_info>)>;
  using presence_handler = std::function<void(presence_result)>;

  virtual ~broker() = default;

  // Assigns the next offset (durable), appends to history and fans out, atomically.
  virtual void publish(worker_id from, publish_request req, publish_handler h) = 0;

  // Registers one subscriber of `from` on the channel. With `since`, the result replays what
  // followed it (or a gap); without, the subscriber starts at the current position.
  virtual void subscribe(worker_id from, std::string channel, std::optional<core::position> since,
                         subscribe_handler h) = 0;

  // Drops one subscriber of `from` registered by subscribe.
  virtual void unsubscribe(worker_id from, std::string channel) = 0;

  // Reads history: with `since`, what followed it; without, the newest `limit` messages. A
  // channel never published to nor subscribed answers position {"", 0} and no messages.
  virtual void history(worker_id from, std::string channel, std::optional<core::position> since,
                       std::size_t limit, history_handler h) = 0;

  // Adds a presence member. Call after subscribe() of the same connection (calls from one
  // worker are handled in order). With `announce`, a join envelope reaches the channel's
  // subscribers, with `first` true for the user's first connection here.
  virtual void join(worker_id from, std::string channel, core::presence_member member,
                    bool announce) = 0;

  // Removes a presence member (no-op when not a member); with `announce`, a leave envelope.
  virtual void leave(worker_id from, std::string channel, std::string client, bool announce) = 0;

  // Lists up to `max_members` members with the channel's client and user counts.
  virtual void presence(worker_id from, std::string channel, std::size_t max_members,
                        presence_handler h) = 0;

  // Channels with subscribers whose name matches the glob `pattern` ("" = all).
  virtual void channels(worker_id from, std::string pattern, channels_handler h) = 0;
};

}  // namespace triplex::broker
