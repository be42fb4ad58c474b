// What one worker's broker shard sends to the workers: deliveries (a message for a worker's
// delivery sink) and tasks (a call's result handler), batched per destination and handed over
// with one post per destination per loop turn of the sending worker, instead of one post per
// item. Under load a worker thus receives many messages at once, delivers them in one handler,
// and its connections flush them in one write each (STYLE habits 4 and 8).
//
// Items for the sending worker itself run at once (the caller is already a posted handler on
// that worker). Items for one destination run there in the order they were sent. Thread: the
// sending worker only; executors and sinks outlive the outbox.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <vector>

#include "broker/broker.hpp"

namespace triplex::broker {

class worker_outbox {
 public:
  worker_outbox(worker_id self, const std::vector<boost::asio::any_io_executor>& executors,
                const std::vector<delivery_sink*>& sinks);

  // sinks[to]->deliver(msg) on worker `to`.
  void deliver(worker_id to, message_ptr msg);
  // task() on worker `to`.
  void run(worker_id to, std::function<void()> task);

  worker_id self() const { return self_; }

 private:
  struct item {
    message_ptr msg;             // a delivery when set
    std::function<void()> task;  // else a task
  };
  void push(worker_id to, item it);
  void flush();

  worker_id self_;
  const std::vector<boost::asio::any_io_executor>& executors_;
  const std::vector<delivery_sink*>& sinks_;
  std::vector<std::vector<item>> pending_;  // per destination worker
  bool flush_posted_ = false;
};

}  // namespace triplex::broker
