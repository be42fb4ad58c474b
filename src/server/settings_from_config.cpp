// Configuration translations: see settings_from_config.hpp.
#include "server/settings_from_config.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/static_site.hpp"
#include "protocol/json_text.hpp"
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

// {"default":{"transport":..},"namespaces":{"doc":{"transport":..},..}} for GET /client-config.
std::string client_config_json(const config::config& cfg) {
  std::string out = "{\"default\":{\"transport\":";
  protocol::append_json_string(out, cfg.defaults.transport);
  out += "},\"namespaces\":{";
  bool first = true;
  for (const auto& [name, o] : cfg.namespaces) {
    if (!first) out += ',';
    first = false;
    protocol::append_json_string(out, name);
    out += ":{\"transport\":";
    protocol::append_json_string(out, o.transport);
    out += ",\"presence\":";
    protocol::append_json_bool(out, o.presence);
    out += '}';
  }
  return out + "}}";
}

void set_demo_and_static(const config::config& cfg, transport::settings& s) {
  if (!cfg.static_dir.empty()) {
    try {
      s.static_files = api::static_site::load(cfg.static_dir);
    } catch (const std::exception& e) {
      throw config_error(e.what());
    }
  }
  s.demo_endpoints = cfg.demo.token_endpoint;
  if (s.demo_endpoints && cfg.auth.jwt_secret.empty())
    throw config_error("demo.token_endpoint: needs auth.jwt_secret to sign tokens");
  s.demo_secret = cfg.auth.jwt_secret;
  s.demo_token_ttl = cfg.demo.token_ttl;
}

}  // namespace

transport::settings settings_from_config(const config::config& cfg) {
  transport::settings s;
  s.api_key = cfg.api_key;
  s.auth = make_authenticator(cfg.auth);
  s.client_config_json = client_config_json(cfg);
  set_demo_and_static(cfg, s);
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
  s.client_publish_rate = cfg.limits.client_publish_rate;
  s.flush_interval = cfg.delivery.flush_interval;
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
