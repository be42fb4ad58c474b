// WebSocket connection I/O and lifecycle: see ws_connection.hpp.
#include "transport/ws_connection.hpp"

#include <boost/asio/post.hpp>

#include "protocol/ws_frame.hpp"
#include "transport/client_id.hpp"

namespace triplex::transport {

namespace ws = protocol::ws;
using tcp = boost::asio::ip::tcp;
constexpr auto ws_transport = metrics::transport::ws;
constexpr std::chrono::seconds close_deadline{3};
// Broker operations (publish, history, presence) one connection may have waiting; past it the
// connection stops reading until half have been answered.
constexpr std::size_t max_pending_ops = 64;

ws_connection::ws_connection(worker_context& ctx, tcp::socket socket, ws_mode mode, identity who,
                             bool deflate)
    : ctx_(ctx),
      socket_(std::move(socket)),
      mode_(mode),
      reader_(ctx.cfg->ws_max_message_size, deflate),
      inflater_(ctx.cfg->ws_max_message_size),
      writer_(ctx.cfg->outbound_queue_bytes),
      timer_(ctx.io),
      client_id_(new_client_id()),
      who_(std::move(who)),
      deflate_(deflate),
      publish_bucket_(static_cast<double>(ctx.cfg->client_publish_rate),
                      static_cast<double>(ctx.cfg->client_publish_rate)) {
  ctx_.connections.insert(this);
  ctx_.metrics->connections[ws_transport].add(1);
  ctx_.metrics->connections_accepted[ws_transport].inc();
}

ws_connection::~ws_connection() {
  ctx_.connections.erase(this);
  ctx_.metrics->connections[ws_transport].add(-1);
}

void ws_connection::start(std::string leftover, std::string accept_key, std::string extensions) {
  subs_ = std::make_unique<subscription_set>(ctx_, weak_from_this(), this);
  subs_->set_member(core::presence_member{client_id_, who_.user(), who_.claims.info_json});
  next_ping_ = std::chrono::steady_clock::now() + ctx_.cfg->ws_ping_interval;
  error_code ignored;
  socket_.non_blocking(true, ignored);
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      accept_key + "\r\n";
  if (!extensions.empty()) response += "Sec-WebSocket-Extensions: " + extensions + "\r\n";
  response += "\r\n";
  writer_.queue().push_unbounded(chunk{nullptr, wire_part::own, std::move(response)});
  do_write();
  if (!leftover.empty()) feed(leftover.data(), leftover.size());
  do_ping();
  do_read();
}

// Waits for readability without a buffer of its own, then reads into the worker's scratch
// buffer: an idle connection holds no read buffer.
void ws_connection::do_read() {
  if (closed_) return;
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
    if (ec) return self->hard_close();
    self->on_readable();
  });
}

void ws_connection::on_readable() {
  auto& buf = ctx_.scratch;
  error_code ec;
  std::size_t n = socket_.read_some(boost::asio::buffer(buf), ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again)
    return do_read();
  if (ec || n == 0) return hard_close();
  read_since_ping_ = true;
  ping_outstanding_ = false;
  if (!reader_.done()) feed(buf.data(), n);  // after the close frame, bytes are discarded
  if (pending_ops_ >= max_pending_ops) {
    read_paused_ = true;  // backpressure: resumes when the broker has answered enough
    return;
  }
  do_read();
}

void ws_connection::op_finished() {
  --pending_ops_;
  if (read_paused_ && pending_ops_ <= max_pending_ops / 2) {
    read_paused_ = false;
    do_read();
  }
}

void ws_connection::feed(const char* data, std::size_t n) {
  reader_.feed(reinterpret_cast<const std::uint8_t*>(data), n, *this);
}

void ws_connection::do_write() {
  if (closed_) return;
  writer_.pump(socket_, [self = shared_from_this()](error_code ec, std::size_t n) {
    if (ec) return self->hard_close();
    self->ctx_.metrics->bytes_out[ws_transport].inc(n);
    if (self->closing_ && self->writer_.queue().empty()) {
      // Our close frame is out: half-close and let the client finish the handshake.
      error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    if (self->closing_ || self->writer_.queue().backlogged()) return self->do_write();
    // What was queued meanwhile leaves with the worker's next flush, together with whatever
    // else arrives before it (and after delivery.flush_interval, when set); a backlog of more
    // than one write keeps writing at once, so the interval never caps throughput.
    if (!self->writer_.queue().empty() && !self->flush_pending_) {
      self->flush_pending_ = true;
      self->ctx_.defer_flush(self);
    }
  });
}

// One timer per connection serves three deadlines: the next ping, the token's expiry, and,
// once closing, the end of the close handshake.
void ws_connection::do_ping() {
  auto now = std::chrono::steady_clock::now();
  auto deadline = closing_ ? now + close_deadline : next_ping_;
  if (!closing_ && who_.expires)
    deadline = std::min(deadline, now + (*who_.expires - std::chrono::system_clock::now()));
  timer_.expires_at(deadline);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->closed_) return;
    self->on_timer();
  });
}

void ws_connection::on_timer() {
  if (closing_) return hard_close();  // the close handshake took too long
  if (who_.expires && std::chrono::system_clock::now() >= *who_.expires) {
    ctx_.metrics->rejected[metrics::reject_reason::token_expired].inc();
    return close_with(core::close_code::policy, "token expired");
  }
  auto now = std::chrono::steady_clock::now();
  if (now >= next_ping_) {
    if (ping_outstanding_) {
      ctx_.metrics->ws_ping_timeouts.inc();
      return hard_close();
    }
    if (!read_since_ping_) {
      send_frame(ws::encode_frame(ws::opcode::ping, {}));
      ctx_.metrics->ws_pings_sent.inc();
      ping_outstanding_ = true;
      next_ping_ = now + ctx_.cfg->ws_pong_timeout;  // any byte from the client answers it
    } else {
      next_ping_ = now + ctx_.cfg->ws_ping_interval;
    }
    read_since_ping_ = false;
    // Frees the zlib inflate stream when no compressed message came for a whole period.
    inflater_.release_if_unused();
  }
  do_ping();
}

void ws_connection::set_identity(identity who) {
  who_ = std::move(who);
  subs_->set_member(core::presence_member{client_id_, who_.user(), who_.claims.info_json});
  if (closing_ || closed_) return;
  timer_.cancel();  // re-armed for the new expiry
  do_ping();
}

void ws_connection::send_frame(std::string frame) {
  if (closing_ || closed_ || overflowed_) return;
  std::size_t dropped = 0;
  if (writer_.queue().push(chunk{nullptr, wire_part::own, std::move(frame)}, dropped) ==
      push_result::overflow) {
    ctx_.metrics->slow_consumer_closes[ws_transport].inc();
    return close_with(core::close_code::slow_consumer, "slow consumer");
  }
  if (dropped) ctx_.metrics->ephemeral_dropped.inc(dropped);
  do_write();
}

void ws_connection::send_shared(const broker::message_ptr& msg) {
  if (closing_ || closed_ || overflowed_) return;
  std::size_t dropped = 0;
  const auto part = deflate_ ? wire_part::ws_frame_deflated : wire_part::ws_frame;
  auto r = writer_.queue().push(chunk{msg, part, {}}, dropped);
  if (dropped) ctx_.metrics->ephemeral_dropped.inc(dropped);
  if (r == push_result::overflow) {
    ctx_.metrics->slow_consumer_closes[ws_transport].inc();
    // Nothing after the lost message may reach the client, or it would resume past it: stop
    // queueing now; the close itself is deferred, as this runs inside a hub delivery.
    overflowed_ = true;
    writer_.queue().clear_pending();
    boost::asio::post(ctx_.io, [self = shared_from_this()] {
      self->close_with(core::close_code::slow_consumer, "slow consumer");
    });
    return;
  }
  if (r == push_result::queued) ctx_.metrics->deliveries[ws_transport].inc();
  // A write in flight takes everything queued when it completes; otherwise write at the end
  // of this loop turn, with whatever else this turn delivers.
  if (!flush_pending_ && !writer_.queue().writing()) {
    flush_pending_ = true;
    ctx_.defer_flush(shared_from_this());
  }
}

void ws_connection::on_event(const broker::message_ptr& msg) {
  if (subs_->accept(*msg)) send_shared(msg);
}

void ws_connection::close_with(core::close_code code, std::string_view reason) {
  close_with_code(static_cast<std::uint16_t>(code), reason);
}

// Starts the closing handshake: drops what waits, sends the close frame, stops reading
// commands, and gives the client close_deadline to answer.
void ws_connection::close_with_code(std::uint16_t code, std::string_view reason) {
  if (closing_ || closed_) return;
  closing_ = true;
  subs_->unsubscribe_all();
  writer_.queue().clear_pending();
  writer_.queue().push_unbounded(chunk{nullptr, wire_part::own, ws::encode_close(code, reason)});
  timer_.cancel();
  do_ping();  // now the close deadline
  do_write();
}

void ws_connection::hard_close() {
  if (closed_) return;
  closed_ = true;
  closing_ = true;
  subs_->unsubscribe_all();
  timer_.cancel();
  error_code ignored;
  socket_.close(ignored);
}

void ws_connection::on_message(ws::message_type type, std::string& payload, bool rsv1) {
  ctx_.metrics->ws_frames_in.inc();
  if (closing_) return;
  if (rsv1 && !inflate_message(type, payload)) return;
  if (mode_ == ws_mode::echo) {
    auto op = type == ws::message_type::text ? ws::opcode::text : ws::opcode::binary;
    return send_frame(ws::encode_frame(op, payload));
  }
  if (type != ws::message_type::text) {
    ctx_.metrics->rejected[metrics::reject_reason::bad_frame].inc();
    return close_with_code(1003, "JSON text frames only");
  }
  on_command(payload);
}

// Replaces a compressed payload by the message it inflates to. On failure the stream ends like
// a reader error: too big -> 1009, corrupt DEFLATE data -> 1002 (RFC 7692 leaves the code to
// the endpoint; bad compressed bytes are a framing-level protocol error, not a UTF-8 one),
// inflated text that is not UTF-8 -> 1007, zlib out of memory -> 1011. Returns true on success.
bool ws_connection::inflate_message(ws::message_type type, std::string& payload) {
  std::string out;
  const ws::inflate_status st = inflater_.inflate(payload, out);
  if (st == ws::inflate_status::no_memory) {
    reader_.stop();
    close_with(core::close_code::internal_error, "out of memory");
    return false;
  }
  const bool utf8_ok = type != ws::message_type::text || protocol::is_valid_utf8(out);
  if (st == ws::inflate_status::ok && utf8_ok) {
    payload.swap(out);
    return true;
  }
  reader_.stop();  // the stream is over, as after any error the reader reports itself
  if (st == ws::inflate_status::too_big) {
    on_error(core::close_code::too_big, "message too big");
  } else if (st == ws::inflate_status::corrupt) {
    on_error(core::close_code::protocol_error, "invalid compressed data");
  } else {
    on_error(core::close_code::invalid_payload, "invalid UTF-8 in text message");
  }
  return false;
}

void ws_connection::on_ping(std::string_view payload) {
  send_frame(ws::encode_frame(ws::opcode::pong, payload));
}

void ws_connection::on_pong(std::string_view) {}

void ws_connection::on_close(std::uint16_t code, std::string_view) {
  if (closing_) {
    // The client answered (or crossed) our close. If our close frame still waits behind a
    // write, the write completion half-closes after it; the close deadline bounds the rest.
    if (writer_.queue().empty()) hard_close();
    return;
  }
  // Echo the client's code (RFC 6455 5.5.1); an empty close is answered with 1000.
  close_with_code(code == 1005 ? 1000 : code, {});
}

void ws_connection::on_error(core::close_code code, std::string_view reason) {
  using reason_t = metrics::reject_reason;
  auto r = code == core::close_code::invalid_payload ? reason_t::bad_utf8
           : code == core::close_code::too_big       ? reason_t::too_large
                                                     : reason_t::bad_frame;
  ctx_.metrics->rejected[r].inc();
  if (closing_) return hard_close();
  close_with(code, reason);
}

void start_ws_session(worker_context& ctx, tcp::socket socket, std::string leftover,
                      std::string accept_key, std::string extensions, ws_mode mode, identity who) {
  const bool deflate = !extensions.empty();
  auto c = std::make_shared<ws_connection>(ctx, std::move(socket), mode, std::move(who), deflate);
  c->start(std::move(leftover), std::move(accept_key), std::move(extensions));
}

}  // namespace triplex::transport
