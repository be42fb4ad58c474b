// The transport-level settings, copied from the configuration once at start-up so transports
// do not depend on the configuration file's layout.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace triplex::transport {

using std::chrono::milliseconds;

class authenticator;
}  // namespace triplex::transport

namespace triplex::api {
class static_site;
}  // namespace triplex::api

namespace triplex::transport {

// What a namespace allows clients to do (spec §7 [defaults] / [namespaces.*]).
struct channel_rules {
  bool client_publish = false;
  bool anonymous_publish = false;
  bool anonymous_subscribe = true;
  bool presence = false;    // subscribers are presence members
  bool join_leave = false;  // and their joins and leaves are announced
};

struct settings {
  std::string api_key;
  std::vector<std::string> allowed_origins;  // browser origins allowed besides same-origin
  std::size_t max_header_bytes = 8192;
  std::size_t max_body_bytes = 65536;
  milliseconds header_timeout{10000};
  milliseconds idle_timeout{60000};

  std::size_t ws_max_message_size = 65536;
  milliseconds ws_ping_interval{25000};
  milliseconds ws_pong_timeout{10000};
  bool ws_echo_endpoint = false;
  bool ws_compression = true;  // permessage-deflate (RFC 7692) when the client offers it

  milliseconds sse_heartbeat{15000};
  milliseconds sse_retry{2000};

  milliseconds lp_timeout{25000};
  milliseconds lp_max_timeout{120000};
  std::size_t lp_batch_limit = 1000;

  std::size_t outbound_queue_bytes = 1048576;
  std::size_t max_subscriptions = 128;
  std::size_t max_presence_members = 1000;
  std::size_t client_publish_rate = 1000;  // per WebSocket connection per second; 0 = no limit
  milliseconds flush_interval{0};          // [delivery]: shortest time between a worker's flushes

  std::function<channel_rules(std::string_view channel)> rules_for;
  std::shared_ptr<const authenticator> auth;  // never null once the server runs

  std::shared_ptr<const api::static_site> static_files;  // null: no static_dir
  std::string client_config_json;  // the answer of GET /client-config, built at start-up

  bool demo_endpoints = false;  // [demo] token_endpoint
  std::string demo_secret;      // signs demo tokens (auth.jwt_secret)
  milliseconds demo_token_ttl{3600000};
};

}  // namespace triplex::transport
