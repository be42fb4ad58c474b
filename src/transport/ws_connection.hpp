// The WebSocket connection class behind start_ws_session (ws_session.hpp). Its I/O and
// lifecycle live in ws_connection.cpp, its JSON commands in ws_commands.cpp.
//
// permessage-deflate (RFC 7692), when negotiated: compressed client messages are inflated
// here, after the reader joined their fragments (protocol::ws::inflater; its zlib stream exists
// only while the client keeps sending compressed messages and is freed after an idle ping
// period); events go out as the message's shared compressed frame (message::ws_frame_deflated);
// replies, pongs and echoes go out uncompressed, which RFC 7692 allows.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "core/token_bucket.hpp"
#include "protocol/command.hpp"
#include "protocol/permessage_deflate.hpp"
#include "protocol/ws_reader.hpp"
#include "transport/auth.hpp"
#include "transport/stream_writer.hpp"
#include "transport/subscription_set.hpp"
#include "transport/worker_context.hpp"
#include "transport/ws_session.hpp"

namespace triplex::transport {

class ws_connection : public std::enable_shared_from_this<ws_connection>,
                      public subscriber,
                      public connection,
                      public flushable,
                      private protocol::ws::ws_reader::handler {
 public:
  // `deflate`: permessage-deflate was negotiated (RSV1 allowed, events sent compressed).
  ws_connection(worker_context& ctx, boost::asio::ip::tcp::socket socket, ws_mode mode,
                identity who, bool deflate);
  ~ws_connection();

  // Sends the 101 response (with `extensions` as Sec-WebSocket-Extensions unless empty), feeds
  // `leftover` and starts reading and pinging.
  void start(std::string leftover, std::string accept_key, std::string extensions);
  void on_event(const broker::message_ptr& msg) override;
  void drain() override { close_with(core::close_code::going_away, "server shutdown"); }
  std::string_view user() const override { return who_.user(); }
  void disconnect() override { close_with(core::close_code::policy, "disconnected"); }
  void abort() override { hard_close(); }
  void flush() override {
    flush_pending_ = false;
    do_write();
  }

 private:
  using error_code = boost::system::error_code;

  // I/O (ws_connection.cpp)
  void do_read();
  void on_readable();
  void feed(const char* data, std::size_t n);
  void do_write();
  void do_ping();
  void op_started() { ++pending_ops_; }
  void op_finished();
  void on_timer();
  // Adopts a (new) token's identity: presence info for later subscriptions, expiry timer.
  void set_identity(identity who);
  void send_frame(std::string frame);
  void send_shared(const broker::message_ptr& msg);
  void close_with(core::close_code code, std::string_view reason);
  void close_with_code(std::uint16_t code, std::string_view reason);
  void hard_close();

  // ws_reader::handler
  void on_message(protocol::ws::message_type type, std::string& payload, bool rsv1) override;
  void on_ping(std::string_view payload) override;
  void on_pong(std::string_view payload) override;
  void on_close(std::uint16_t code, std::string_view reason) override;
  void on_error(core::close_code code, std::string_view reason) override;
  bool inflate_message(protocol::ws::message_type type, std::string& payload);

  // Commands (ws_commands.cpp)
  void on_command(std::string_view text);
  void reply(const protocol::command& cmd, std::string_view result_json);
  void reply_error(std::optional<std::int64_t> id, core::status code, std::string_view message);
  void do_subscribe(protocol::command& cmd);
  void do_unsubscribe(const protocol::command& cmd);
  void do_publish(protocol::command& cmd);
  void do_history(protocol::command& cmd);
  void do_connect(const protocol::command& cmd);
  void do_presence(const protocol::command& cmd);
  void do_refresh(const protocol::command& cmd);
  bool refuse_narrower(const protocol::command& cmd, const identity& next);
  // Replies 403 and returns false when this connection may not read `channel`.
  bool check_read(const protocol::command& cmd);

  worker_context& ctx_;
  boost::asio::ip::tcp::socket socket_;
  ws_mode mode_;
  protocol::ws::ws_reader reader_;
  protocol::ws::inflater inflater_;  // holds no zlib memory until a compressed message comes
  stream_writer writer_;
  boost::asio::steady_timer timer_;  // pings, then the close deadline
  std::unique_ptr<subscription_set> subs_;
  std::string client_id_;
  identity who_;
  std::chrono::steady_clock::time_point next_ping_;
  bool deflate_;  // permessage-deflate negotiated
  bool read_since_ping_ = true;
  bool ping_outstanding_ = false;
  core::token_bucket publish_bucket_;  // limits.client_publish_rate
  std::size_t pending_ops_ = 0;        // broker operations waiting for an answer
  bool read_paused_ = false;
  bool flush_pending_ = false;  // deliveries wait for the end of the loop turn
  bool overflowed_ = false;     // a durable message did not fit: nothing more is queued
  bool closing_ = false;        // a close frame is queued: nothing else is sent
  bool closed_ = false;         // the socket is closed
};

}  // namespace triplex::transport
