// HTTP/1.1 connection: see http_session.hpp. The only file besides the stream sessions that
// speaks Beast HTTP.
#include "transport/http_session.hpp"

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "api/router.hpp"
#include "core/origin_policy.hpp"
#include "protocol/envelope.hpp"
#include "protocol/http_response_head.hpp"
#include "protocol/permessage_deflate.hpp"
#include "protocol/result_json.hpp"
#include "protocol/ws_handshake.hpp"
#include "transport/longpoll_request.hpp"
#include "transport/sse_session.hpp"
#include "transport/stream_request.hpp"
#include "transport/worker_context.hpp"
#include "transport/ws_session.hpp"

namespace triplex::transport {

namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;
using tcp = boost::asio::ip::tcp;
using reason = metrics::reject_reason;
using clock = std::chrono::steady_clock;
constexpr std::chrono::seconds linger_time{2};

namespace {

class http_session : public std::enable_shared_from_this<http_session>, public connection {
 public:
  http_session(worker_context& ctx, tcp::socket socket)
      : ctx_(ctx), socket_(std::move(socket)), timer_(socket_.get_executor()) {
    ctx_.connections.insert(this);
    ctx_.metrics->connections[metrics::transport::http].add(1);
  }
  ~http_session() {
    ctx_.connections.erase(this);
    ctx_.metrics->connections[metrics::transport::http].add(-1);
  }

  void run() { do_read(); }
  std::string_view user() const override { return {}; }
  void disconnect() override {}

  // A request being answered (an API publish waiting for the broker) finishes first: its
  // answer goes out with Connection: close.
  void drain() override {
    draining_ = true;
    if (poll_) {
      poll_->drain();  // answers at once; the response closes the connection
    } else if (!writing_ && !busy_) {
      abort();
    }
  }

  void abort() override {
    if (poll_) poll_->abandon();
    poll_.reset();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void do_read();
  void on_read(error_code ec);
  void on_read_error(error_code ec);
  void route(http::request<http::string_body>&& req);
  void respond(protocol::http_response res, bool keep_alive);
  void on_write(bool keep_alive, error_code ec);
  void linger();
  void watch_poll_peer();
  void linger_more();
  protocol::http_request to_request(http::request<http::string_body>& req,
                                    protocol::http_target target);
  void set_deadline(clock::duration d);
  void clear_deadline() { deadline_ = clock::time_point::max(); }
  void arm_timer();
  void on_timer(error_code ec, std::uint64_t generation);

  worker_context& ctx_;
  tcp::socket socket_;
  // One lazily re-armed timer per connection: moving the deadline per request costs a clock
  // read, not a timer operation; when it fires early it waits again for the current deadline,
  // and at the deadline it cancels the socket's operations (which then fail as timed out).
  boost::asio::steady_timer timer_;
  clock::time_point deadline_ = clock::time_point::max();
  std::uint64_t timer_generation_ = 0;
  bool timer_armed_ = false;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;  // the response head being written (its capacity is kept)
  std::string body_;  // the response body being written
  std::shared_ptr<longpoll_request> poll_;
  std::string cors_origin_;  // Origin of the current request to a client endpoint, if any
  bool first_request_ = true;
  bool writing_ = false;
  bool busy_ = false;  // a request is being answered
  bool draining_ = false;
};

void http_session::do_read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(ctx_.cfg->max_header_bytes));
  parser_->body_limit(ctx_.cfg->max_body_bytes);
  set_deadline(first_request_ ? ctx_.cfg->header_timeout : ctx_.cfg->idle_timeout);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
}

void http_session::set_deadline(clock::duration d) {
  deadline_ = clock::now() + d;
  timed_out_ = false;
  if (!timer_armed_ || deadline_ < timer_.expiry()) arm_timer();
}

void http_session::arm_timer() {
  timer_armed_ = true;
  timer_.expires_at(deadline_);  // cancels an earlier wait: its handler sees an old generation
  timer_.async_wait([weak = weak_from_this(), generation = ++timer_generation_](error_code ec) {
    if (auto self = weak.lock()) self->on_timer(ec, generation);
  });
}

void http_session::on_timer(error_code ec, std::uint64_t generation) {
  if (generation != timer_generation_) return;
  timer_armed_ = false;
  if (ec || deadline_ == clock::time_point::max()) return;
  if (clock::now() < deadline_) return arm_timer();
  timed_out_ = true;
  clear_deadline();
  error_code ignored;
  socket_.cancel(ignored);
}

void http_session::on_read(error_code ec) {
  if (ec == boost::asio::error::operation_aborted && timed_out_) ec = beast::error::timeout;
  if (ec) return on_read_error(ec);
  first_request_ = false;
  clear_deadline();
  busy_ = true;  // until respond()
  route(parser_->release());
}

// True when the comma-separated header value lists `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (beast::iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// Checks an upgrade request (RFC 6455 4.2.1); status 101 when it may proceed.
protocol::http_response check_ws_upgrade(const http::request<http::string_body>& req) {
  if (req.method() != http::verb::get || !has_token(req[http::field::upgrade], "websocket") ||
      !has_token(req[http::field::connection], "upgrade"))
    return protocol::http_error(core::status::bad_request, "expected a WebSocket upgrade");
  if (req[http::field::sec_websocket_version] != "13") {
    protocol::http_response res =
        protocol::http_error(core::status::upgrade_required, "unsupported WebSocket version");
    res.headers.emplace_back("Sec-WebSocket-Version", "13");
    return res;
  }
  if (!protocol::ws::is_valid_ws_key(req[http::field::sec_websocket_key]))
    return protocol::http_error(core::status::bad_request, "invalid Sec-WebSocket-Key");
  protocol::http_response ok;
  ok.status = 101;
  return ok;
}

// The endpoints browsers call: origin-checked, with CORS headers.
bool is_client_endpoint(std::string_view path) {
  return path == "/ws" || path == "/sse" || path == "/poll" || path == "/publish" ||
         path == "/presence" || path == "/history" || path == "/client-config";
}

// The answer to a CORS preflight (the origin was checked before).
protocol::http_response preflight_response() {
  protocol::http_response res;
  res.status = 204;
  res.content_type = "text/plain";
  res.headers = {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                 {"Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID"},
                 {"Access-Control-Max-Age", "600"}};
  return res;
}

// The Sec-WebSocket-Extensions response for an upgrade: permessage-deflate when it is enabled
// and offered (every Sec-WebSocket-Extensions line counts), else empty.
std::string ws_extensions(const http::request<http::string_body>& req, bool compression) {
  if (!compression) return {};
  std::string offers;
  for (auto [it, end] = req.equal_range(http::field::sec_websocket_extensions); it != end; ++it) {
    if (!offers.empty()) offers += ", ";
    offers += it->value();
  }
  return protocol::ws::negotiate_permessage_deflate(offers).value_or(std::string());
}

void http_session::on_read_error(error_code ec) {
  auto& rejected = ctx_.metrics->rejected;
  if (ec == beast::error::timeout) {
    bool partial = buffer_.size() > 0 || parser_->got_some();
    if (!partial) {  // an idle keep-alive connection: close quietly
      ctx_.metrics->http_idle_closes.inc();
      return;
    }
    rejected[reason::header_timeout].inc();
    return respond(
        protocol::http_error(core::status::request_timeout, "request not received in time"), false);
  }
  if (ec == http::error::header_limit) {
    rejected[reason::header_too_large].inc();
    return respond(
        protocol::http_error(core::status::headers_too_large, "request headers too large"), false);
  }
  if (ec == http::error::body_limit) {
    rejected[reason::too_large].inc();
    return respond(protocol::http_error(core::status::payload_too_large, "request body too large"),
                   false);
  }
  if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
      ec == boost::asio::error::connection_reset || ec == boost::asio::error::operation_aborted)
    return;
  if (ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
    rejected[reason::bad_http].inc();
    return respond(protocol::http_error(core::status::bad_request, "malformed HTTP request"),
                   false);
  }
}

protocol::http_request http_session::to_request(http::request<http::string_body>& req,
                                                protocol::http_target target) {
  protocol::http_request out;
  out.method = std::string(req.method_string());
  out.target = std::move(target);
  out.body = std::move(req.body());
  out.api_key = std::string(req["X-API-Key"]);
  out.authorization = std::string(req[http::field::authorization]);
  out.origin = std::string(req[http::field::origin]);
  out.last_event_id = std::string(req["Last-Event-ID"]);
  return out;
}

void http_session::route(http::request<http::string_body>&& req) {
  auto target = protocol::parse_http_target(req.target());
  if (!target) {
    ctx_.metrics->rejected[reason::bad_http].inc();
    return respond(protocol::http_error(core::status::bad_request, "malformed request target"),
                   false);
  }
  bool keep_alive = req.keep_alive() && !draining_;
  const std::string path = target->path;
  if (ctx_.state->draining && (path == "/ws" || path == "/sse" || path == "/poll"))
    return respond(protocol::http_error(core::status::unavailable, "shutting down"), false);
  cors_origin_.clear();
  if (is_client_endpoint(path)) {
    std::string_view origin = req[http::field::origin];
    if (!core::origin_allowed(origin, req[http::field::host], ctx_.cfg->allowed_origins)) {
      ctx_.metrics->rejected[reason::bad_origin].inc();
      return respond(protocol::http_error(core::status::forbidden, "origin not allowed"), false);
    }
    cors_origin_ = std::string(origin);
    if (req.method() == http::verb::options) return respond(preflight_response(), keep_alive);
  }
  if (path == "/ws" || (path == "/echo" && ctx_.cfg->ws_echo_endpoint)) {
    auto upgrade = check_ws_upgrade(req);
    if (upgrade.status != 101) {
      ctx_.metrics->rejected[reason::bad_http].inc();
      return respond(std::move(upgrade), false);
    }
    ws_mode mode = path == "/ws" ? ws_mode::triplex : ws_mode::echo;
    auth_result auth = ctx_.cfg->auth->authenticate(token_of(to_request(req, *target)));
    if (!auth.who) {
      ctx_.metrics->rejected[auth.reason].inc();
      return respond(protocol::http_error(auth.status, auth.message), false);
    }
    auto leftover = std::string(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    return start_ws_session(ctx_, std::move(socket_), std::move(leftover),
                            protocol::ws::ws_accept_key(req[http::field::sec_websocket_key]),
                            ws_extensions(req, ctx_.cfg->ws_compression), mode,
                            std::move(*auth.who));
  }
  if (path == "/sse" && req.method() == http::verb::get) {
    auto parsed = parse_stream_request(to_request(req, std::move(*target)), *ctx_.cfg);
    if (auto* err = std::get_if<stream_request_error>(&parsed)) {
      ctx_.metrics->rejected[err->reason].inc();
      return respond(std::move(err->response), keep_alive);
    }
    auto& stream = std::get<stream_request>(parsed);
    stream.cors_origin = cors_origin_;
    return start_sse_session(ctx_, std::move(socket_), std::move(stream));
  }
  if (path == "/poll" && req.method() == http::verb::get) {
    poll_ = std::make_shared<longpoll_request>(ctx_, to_request(req, std::move(*target)));
    poll_->start([self = shared_from_this(), keep_alive](protocol::http_response res) {
      self->poll_.reset();
      self->respond(std::move(res), keep_alive && !self->draining_);
    });
    return watch_poll_peer();
  }
  api::handle(ctx_, to_request(req, std::move(*target)),
              [self = shared_from_this(), keep_alive](protocol::http_response res) {
                self->respond(std::move(res), keep_alive);
              });
}

// While a long-poll is held the client sends nothing; readability with no bytes means it went
// away, and the poll is abandoned at once instead of holding its subscriptions until timeout.
// Bytes (a pipelined request) stay in the socket for the read after the answer.
void http_session::watch_poll_peer() {
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
    if (ec || !self->poll_) return;
    error_code e;
    if (self->socket_.available(e) > 0 && !e) return;
    self->poll_->abandon();
    self->poll_.reset();
    self->socket_.close(e);
  });
}

void http_session::respond(protocol::http_response res, bool keep_alive) {
  busy_ = false;
  keep_alive = keep_alive && !draining_ && !ctx_.state->draining;
  head_.clear();
  protocol::append_response_head(res, keep_alive, cors_origin_, head_);
  body_ = std::move(res.body);
  if (!protocol::response_has_body(res.status)) body_.clear();  // would desync the stream
  writing_ = true;
  set_deadline(ctx_.cfg->idle_timeout);
  std::array<boost::asio::const_buffer, 2> buffers{boost::asio::buffer(head_),
                                                   boost::asio::buffer(body_)};
  boost::asio::async_write(socket_, buffers,
                           [self = shared_from_this(), keep_alive](error_code ec, std::size_t) {
                             self->on_write(keep_alive, ec);
                           });
}

void http_session::on_write(bool keep_alive, error_code ec) {
  writing_ = false;
  body_ = std::string();  // a large body (a static file) is not kept by an idle connection
  if (ec) return;
  if (!keep_alive || draining_) return linger();
  do_read();
}

// Half-closes after the last response and discards what the client still sends (the rest of a
// refused body) until it closes or linger_time passes: closing with unread input would reset
// the connection and could destroy the response before the client reads it (RFC 9112 9.6).
void http_session::linger() {
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  set_deadline(linger_time);
  linger_more();
}

void http_session::linger_more() {
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                            if (!ec) self->linger_more();
                          });
}

}  // namespace

void start_http_session(worker_context& ctx, tcp::socket socket) {
  std::make_shared<http_session>(ctx, std::move(socket))->run();
}

}  // namespace triplex::transport
