// What a connection that subscribes to channels looks like to the hub of its worker.
#pragma once

#include "broker/message.hpp"

namespace triplex::transport {

class subscriber {
 public:
  // Called on the connection's worker for each event of a channel it subscribes to. Must only
  // queue: never close the connection or change subscriptions inside (defer with post).
  virtual void on_event(const broker::message_ptr& msg) = 0;

 protected:
  ~subscriber() = default;
};

}  // namespace triplex::transport
