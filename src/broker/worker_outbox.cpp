// Batched hand-over between workers: see worker_outbox.hpp.
#include "broker/worker_outbox.hpp"

#include <boost/asio/post.hpp>

namespace triplex::broker {

worker_outbox::worker_outbox(worker_id self,
                             const std::vector<boost::asio::any_io_executor>& executors,
                             const std::vector<delivery_sink*>& sinks)
    : self_(self), executors_(executors), sinks_(sinks), pending_(executors.size()) {}

void worker_outbox::deliver(worker_id to, message_ptr msg) {
  if (to == self_) return sinks_[to]->deliver(msg);
  push(to, item{std::move(msg), {}});
}

void worker_outbox::run(worker_id to, std::function<void()> task) {
  if (to == self_) return task();
  push(to, item{nullptr, std::move(task)});
}

void worker_outbox::push(worker_id to, item it) {
  pending_[to].push_back(std::move(it));
  if (flush_posted_) return;
  flush_posted_ = true;
  // Runs after the handlers already queued on this worker: everything they send rides along.
  boost::asio::post(executors_[self_], [this] { flush(); });
}

void worker_outbox::flush() {
  flush_posted_ = false;
  for (worker_id to = 0; to < pending_.size(); ++to) {
    if (pending_[to].empty()) continue;
    boost::asio::post(executors_[to], [sink = sinks_[to], items = std::move(pending_[to])] {
      for (const item& it : items)
        it.msg ? sink->deliver(it.msg) : it.task();
    });
    pending_[to] = {};
  }
}

}  // namespace triplex::broker
