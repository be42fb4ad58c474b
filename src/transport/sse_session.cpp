// SSE stream: see sse_session.hpp.
#include "transport/sse_session.hpp"

#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "protocol/cursor.hpp"
#include "protocol/sse.hpp"
#include "transport/client_id.hpp"
#include "transport/stream_writer.hpp"
#include "transport/subscription_set.hpp"
#include "transport/worker_context.hpp"

namespace triplex::transport {

namespace {

using error_code = boost::system::error_code;
using tcp = boost::asio::ip::tcp;
constexpr auto sse = metrics::transport::sse;
constexpr std::chrono::seconds close_deadline{3};

std::string sse_headers(const std::string& cors_origin) {
  std::string h =
      "HTTP/1.1 200 OK\r\n"
      "Server: triplex\r\n"
      "Content-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\n"
      "X-Accel-Buffering: no\r\n"
      "Connection: close\r\n";
  if (!cors_origin.empty())
    h += "Access-Control-Allow-Origin: " + cors_origin + "\r\nVary: Origin\r\n";
  return h + "\r\n";
}

class sse_session : public std::enable_shared_from_this<sse_session>,
                    public subscriber,
                    public connection,
                    public flushable {
 public:
  sse_session(worker_context& ctx, tcp::socket socket)
      : ctx_(ctx),
        socket_(std::move(socket)),
        writer_(ctx.cfg->outbound_queue_bytes),
        heartbeat_(ctx.io) {
    ctx_.connections.insert(this);
    ctx_.metrics->connections[sse].add(1);
    ctx_.metrics->connections_accepted[sse].inc();
  }
  ~sse_session() {
    ctx_.connections.erase(this);
    ctx_.metrics->connections[sse].add(-1);
  }

  void start(stream_request req);
  void on_event(const broker::message_ptr& msg) override;
  void drain() override { end_stream(true); }
  std::string_view user() const override { return user_; }
  void disconnect() override { end_stream(true); }
  void abort() override { end_stream(false); }
  void flush() override {
    flush_pending_ = false;
    do_write();
  }

 private:
  void send(const broker::message_ptr& msg);
  void push(chunk c);
  void do_write();
  void do_heartbeat();
  void watch_peer();
  // Ends the stream; with `flush`, after what is queued has been written.
  void end_stream(bool flush);

  worker_context& ctx_;
  tcp::socket socket_;
  stream_writer writer_;
  boost::asio::steady_timer heartbeat_;
  std::unique_ptr<subscription_set> subs_;
  std::optional<std::chrono::system_clock::time_point> expires_;  // the token's end
  std::string user_;
  bool ending_ = false;
  bool overflowed_ = false;
  bool flush_pending_ = false;  // deliveries wait for the end of the loop turn
};

void sse_session::start(stream_request req) {
  subs_ = std::make_unique<subscription_set>(ctx_, weak_from_this(), this);
  error_code ignored;
  socket_.non_blocking(true, ignored);  // watch_peer reads only what is there
  subs_->set_member(
      core::presence_member{new_client_id(), req.who.user(), req.who.claims.info_json});
  expires_ = req.who.expires;
  user_ = req.who.user();
  writer_.queue().push_unbounded(chunk{nullptr, wire_part::own, sse_headers(req.cors_origin)});
  writer_.queue().push_unbounded(
      chunk{nullptr, wire_part::own, protocol::sse_preamble(ctx_.cfg->sse_retry)});
  for (auto& ch : req.channels) {
    subs_->subscribe(ch.name, ch.since, [this](broker::subscribe_result& res) {
      for (const auto& m : res.replay)
        on_event(m);
    });
  }
  do_write();
  do_heartbeat();
  watch_peer();
}

void sse_session::on_event(const broker::message_ptr& msg) {
  if (ending_ || !subs_->accept(*msg)) return;
  send(msg);
}

void sse_session::send(const broker::message_ptr& msg) {
  if (!msg->moves_position()) {
    push(chunk{msg, wire_part::sse_event, {}});
  } else if (subs_->is_only(msg->channel, msg->pos)) {
    push(chunk{msg, wire_part::sse_event_with_own_cursor, {}});  // shared by such streams
  } else {
    std::string id = "id: ";  // cursors are base64url: no character needs filtering
    subs_->append_cursor(id);
    id += '\n';
    push(chunk{nullptr, wire_part::own, std::move(id)});
    push(chunk{msg, wire_part::sse_event, {}});
  }
  ctx_.metrics->deliveries[sse].inc();
  if (!flush_pending_ && !writer_.queue().writing()) {
    flush_pending_ = true;
    ctx_.defer_flush(shared_from_this());
  }
}

void sse_session::push(chunk c) {
  if (overflowed_) return;
  std::size_t dropped = 0;
  auto r = writer_.queue().push(std::move(c), dropped);
  if (dropped) ctx_.metrics->ephemeral_dropped.inc(dropped);
  if (r == push_result::overflow) {
    ctx_.metrics->slow_consumer_closes[sse].inc();
    // Nothing after the lost event (not even its id line) may go out, or Last-Event-ID would
    // skip it: stop queueing now. Ending is deferred: never inside a hub delivery (habit 5).
    overflowed_ = true;
    writer_.queue().clear_pending();
    boost::asio::post(ctx_.io, [self = shared_from_this()] { self->end_stream(false); });
  }
}

void sse_session::do_write() {
  writer_.pump(socket_, [self = shared_from_this()](error_code ec, std::size_t n) {
    if (ec) return self->end_stream(false);
    self->ctx_.metrics->bytes_out[sse].inc(n);
    if (self->ending_ && self->writer_.queue().empty()) {
      error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    if (self->ending_ || self->writer_.queue().backlogged()) return self->do_write();
    // What was queued meanwhile leaves with the worker's next flush (see ws_connection).
    if (!self->writer_.queue().empty() && !self->flush_pending_) {
      self->flush_pending_ = true;
      self->ctx_.defer_flush(self);
    }
  });
}

// One timer serves the heartbeat and the token's expiry: an expired token ends the stream (the
// client reconnects with a new token and its cursor, losing nothing).
void sse_session::do_heartbeat() {
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.cfg->sse_heartbeat);
  if (expires_)
    wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                              *expires_ - std::chrono::system_clock::now()));
  heartbeat_.expires_after(std::max(wait, std::chrono::milliseconds(0)));
  heartbeat_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->ending_) return;
    if (self->expires_ && std::chrono::system_clock::now() >= *self->expires_) {
      self->ctx_.metrics->rejected[metrics::reject_reason::token_expired].inc();
      return self->end_stream(true);
    }
    self->push(chunk{nullptr, wire_part::own, std::string(protocol::sse_heartbeat())});
    self->ctx_.metrics->sse_heartbeats.inc();
    self->do_write();
    self->do_heartbeat();
  });
}

// The client sends nothing after its request; readability means it closed (or misbehaves).
void sse_session::watch_peer() {
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
    if (ec) return;
    auto& buf = self->ctx_.scratch;
    error_code rec;
    std::size_t n = self->socket_.read_some(boost::asio::buffer(buf), rec);
    if (rec == boost::asio::error::would_block) return self->watch_peer();  // spurious wakeup
    if (rec || n == 0) {
      return self->end_stream(false);
    }
    self->watch_peer();
  });
}

void sse_session::end_stream(bool flush) {
  error_code ignored;
  if (!flush) socket_.close(ignored);  // cancels the write in flight and the peer watch
  if (ending_) return;
  ending_ = true;
  subs_->unsubscribe_all();
  heartbeat_.cancel();
  // What is queued goes out first (a flush may be pending): the write's completion shuts down.
  if (flush && !writer_.queue().writing()) {
    if (writer_.queue().empty())
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
    else
      do_write();
  }
  if (!flush) return;
  // A reader that never takes the rest, or never closes after our end, is cut off.
  heartbeat_.expires_after(close_deadline);
  heartbeat_.async_wait([self = shared_from_this()](error_code ec) {
    error_code ignored;
    if (!ec) self->socket_.close(ignored);
  });
}

}  // namespace

void start_sse_session(worker_context& ctx, tcp::socket socket, stream_request request) {
  std::make_shared<sse_session>(ctx, std::move(socket))->start(std::move(request));
}

}  // namespace triplex::transport
