// The Triplex configuration: plain structs holding every setting with its built-in default
// (spec §7; each key is documented in docs/config.md). config_loader.hpp fills them from the
// TOML file, TRIPLEX_* environment variables and command-line flags.
//
// Threading: built once at start-up by config::load(); immutable afterwards and safe to read
// from any thread without synchronisation.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace triplex::config {

using duration = std::chrono::milliseconds;

// `listen`: where the server accepts connections.
struct listen_address {
  std::string host = "127.0.0.1";  // name, IPv4 or IPv6 literal (without brackets: "::1")
  std::uint16_t port = 8080;       // 0 = any free port

  // "127.0.0.1:8080", or "[::1]:8080" when host is an IPv6 literal.
  std::string to_string() const;

  friend bool operator==(const listen_address&, const listen_address&) = default;
};

// [http]: every HTTP request (client endpoints, server API, SSE and long-poll handshakes).
struct http_options {
  std::size_t max_header_bytes = 8192;
  duration header_timeout = std::chrono::seconds(10);
  std::size_t max_body_bytes = 65536;
  duration idle_timeout = std::chrono::seconds(60);
};

// [websocket]
struct websocket_options {
  std::size_t max_message_size = 65536;
  duration ping_interval = std::chrono::seconds(25);
  duration pong_timeout = std::chrono::seconds(10);
  bool compression = true;     // permessage-deflate when the client offers it
  bool echo_endpoint = false;  // raw /echo for conformance suites
};

// [sse]
struct sse_options {
  duration heartbeat = std::chrono::seconds(15);
  duration retry = std::chrono::seconds(2);
};

// [longpoll]
struct longpoll_options {
  duration timeout = std::chrono::seconds(25);  // default when the request gives none
  duration max_timeout = std::chrono::seconds(120);
  std::size_t batch_limit = 1000;  // messages per answer
};

// [limits]
struct limits_options {
  std::size_t outbound_queue_bytes = 1048576;  // per connection
  std::size_t max_subscriptions_per_connection = 128;
  std::size_t max_connections = 10000;      // per node, all transports together
  std::size_t max_presence_members = 1000;  // members listed by one presence answer
  std::size_t client_publish_rate = 1000;   // publishes per second per WebSocket; 0 = no limit
};

// [delivery]
struct delivery_options {
  duration flush_interval{0};  // shortest time between two flushes of one worker; 0 = at once
};

// [auth]
struct auth_options {
  std::string jwt_secret;      // HS256; empty = HS256 tokens refused
  std::string jwt_public_key;  // path of a PEM file (RS256 or ES256); empty = none
  duration leeway = std::chrono::seconds(5);
};

// [redis]
struct redis_options {
  std::string url;  // empty = embedded in-memory broker, single node
};

// [defaults] and [namespaces.<name>]: per-namespace channel options.
struct demo_options {
  bool token_endpoint = false;  // GET /demo/token mints tokens for anyone: demos only
  duration token_ttl = std::chrono::hours(1);
};

struct namespace_options {
  std::size_t history_size = 100;  // 0 = no history
  duration history_ttl = std::chrono::minutes(5);
  bool presence = false;
  bool join_leave = false;
  bool anonymous_subscribe = true;
  bool anonymous_publish = false;
  bool client_publish = false;
  // The transport clients should prefer for this namespace's channels (advertised by
  // GET /client-config): "auto", "websocket", "sse" or "longpoll".
  std::string transport = "auto";

  friend bool operator==(const namespace_options&, const namespace_options&) = default;
};

struct config {
  std::string node_id;  // load() fills an empty one with "<hostname>-<pid>"
  listen_address listen;
  unsigned threads = 0;  // 0 = one per core; load() resolves it, so afterwards threads >= 1
  std::string api_key;   // empty = the server API (/api/...) accepts no request
  std::vector<std::string> allowed_origins;  // besides same-origin; {"*"} = any
  std::string static_dir;                    // empty = no static files served

  http_options http;
  websocket_options websocket;
  sse_options sse;
  longpoll_options longpoll;
  limits_options limits;
  delivery_options delivery;
  auth_options auth;
  redis_options redis;
  demo_options demo;

  namespace_options defaults;  // channels without a namespace, and undeclared namespaces
  std::map<std::string, namespace_options, std::less<>> namespaces;  // each inherits defaults

  // Options of a namespace (e.g. "doc"); `defaults` for "" or an undeclared namespace.
  const namespace_options& options_for(std::string_view channel_namespace) const;

  // Options of the namespace a channel belongs to (core::channel_namespace: the part before
  // the first ':'; "doc:42" -> namespaces["doc"], "lobby" -> defaults).
  const namespace_options& options_for_channel(std::string_view channel) const;
};

}  // namespace triplex::config
