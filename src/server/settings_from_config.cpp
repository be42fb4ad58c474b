// Configuration translations: see settings_from_config.hpp.
#include "server/settings_from_config.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "transport/auth.hpp"

namespace triplex::server {

namespace {

std::shared_ptr<const transport::authenticator> make_authenticator(const config::auth_options& a) {
  std::string pem;
  if (!a.jwt_public_key.empty()) {
    std::ifstream in(a.jwt_public_key);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) throw config_error("auth.jwt_public_key: cannot read " + a.jwt_public_key);
    pem = text.str();
  }
  auto made = transport::authenticator::make(
      a.jwt_secret, std::move(pem), std::chrono::duration_cast<std::chrono::seconds>(a.leeway));
  if (auto* err = std::get_if<std::string>(&made))
    throw config_error("auth.jwt_public_key: " + *err);
  return std::get<std::shared_ptr<const transport::authenticator>>(made);
}

}  // namespace

transport::settings settings_from_config(const config::config& cfg) {
  transport::settings s;
  s.api_key = cfg.api_key;
  s.auth = make_authenticator(cfg.auth);
  s.allowed_origins = cfg.allowed_origins;
  s.max_header_bytes = cfg.http.max_header_bytes;
  s.max_body_bytes = cfg.http.max_body_bytes;
  s.header_timeout = cfg.http.header_timeout;
  s.idle_timeout = cfg.http.idle_timeout;
  s.ws_max_message_size = cfg.websocket.max_message_size;
  s.ws_ping_interval = cfg.websocket.ping_interval;
  s.ws_pong_timeout = cfg.websocket.pong_timeout;
  s.ws_echo_endpoint = cfg.websocket.echo_endpoint;
  s.ws_compression = cfg.websocket.compression;
  s.sse_heartbeat = cfg.sse.heartbeat;
  s.sse_retry = cfg.sse.retry;
  s.lp_timeout = cfg.longpoll.timeout;
  s.lp_max_timeout = cfg.longpoll.max_timeout;
  s.lp_batch_limit = cfg.longpoll.batch_limit;
  s.outbound_queue_bytes = cfg.limits.outbound_queue_bytes;
  s.max_subscriptions = cfg.limits.max_subscriptions_per_connection;
  s.max_presence_members = cfg.limits.max_presence_members;
  // The config outlives every worker (the server owns both), so capturing it is safe.
  s.rules_for = [&cfg](std::string_view channel) {
    const auto& o = cfg.options_for_channel(channel);
    return transport::channel_rules{o.client_publish, o.anonymous_publish, o.anonymous_subscribe,
                                    o.presence, o.join_leave};
  };
  return s;
}

broker::memory_broker::limits_fn history_limits_fn(const config::config& cfg) {
  return [&cfg](std::string_view channel) {
    const auto& o = cfg.options_for_channel(channel);
    return broker::history_limits{o.history_size, o.history_ttl};
  };
}

std::vector<std::unique_ptr<boost::asio::io_context>> make_contexts(unsigned threads) {
  std::vector<std::unique_ptr<boost::asio::io_context>> out;
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    out.push_back(std::make_unique<boost::asio::io_context>(1));
  return out;
}

}  // namespace triplex::server
