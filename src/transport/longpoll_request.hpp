// One long-poll (spec §3.3): subscribes to the request's channels from its cursor, answers at
// once with everything already after the cursor (up to [longpoll] batch_limit), or else waits
// for the first event or the timeout, then answers with the next cursor and unsubscribes.
// Thread: its worker only. Owned by the HTTP session that holds the request.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "protocol/http_message.hpp"
#include "transport/stream_request.hpp"
#include "transport/subscriber.hpp"
#include "transport/subscription_set.hpp"

namespace triplex::transport {

struct worker_context;

class longpoll_request : public std::enable_shared_from_this<longpoll_request>, public subscriber {
 public:
  using respond_fn = std::function<void(protocol::http_response)>;

  longpoll_request(worker_context& ctx, protocol::http_request req);
  ~longpoll_request();

  // Validates and starts the poll; `respond` runs exactly once, on this worker.
  void start(respond_fn respond);
  // Answers now with what has arrived (server shutdown).
  void drain() { finish(); }
  // The client went away: ends the poll without answering.
  void abandon();

  void on_event(const broker::message_ptr& msg) override;

 private:
  void subscribe_all(stream_request req);
  void on_subscribed(broker::subscribe_result& res);
  void answer_later(protocol::http_response res);
  void schedule_finish();
  void finish();

  worker_context& ctx_;
  protocol::http_request req_;
  respond_fn respond_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<subscription_set> subs_;
  std::vector<broker::message_ptr> batch_;
  std::size_t pending_subscribes_ = 0;
  bool finish_posted_ = false;
  bool finish_when_ready_ = false;
  bool done_ = false;
};

}  // namespace triplex::transport
