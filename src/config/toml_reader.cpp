#include "config/toml_reader.hpp"

#include <set>
#include <string>
#include <string_view>

#include "config/validate.hpp"
#include "config/value_parsers.hpp"

namespace triplex::config {
namespace {

constexpr int_range kib_to_mib{1024, 1 << 20};   // http.max_header_bytes
constexpr int_range message_bytes{1, 64 << 20};  // body and message sizes
constexpr int_range queue_bytes{1024, std::int64_t{1} << 30};
constexpr int_range batch_range{1, 100000};
constexpr int_range subscriptions_range{1, 65536};
constexpr int_range connections_range{1, 10000000};
constexpr int_range rate_range{0, 1000000};
constexpr int_range history_size_range{0, 1000000};

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

// " (at FILE:LINE:COLUMN)" for a node of the document.
std::string where(const toml::source_region& at) {
  std::string out = " (at ";
  if (at.path) out += *at.path + ":";
  return out + std::to_string(at.begin.line) + ":" + std::to_string(at.begin.column) + ")";
}

[[noreturn]] void fail(const std::string& key, const toml::node& n, const std::string& message) {
  throw config_error(key + ": " + message + where(n.source()));
}

[[noreturn]] void wrong_type(const std::string& key, const toml::node& n, std::string_view want) {
  fail(key, n, "expected " + std::string(want) + ", got " + std::string(type_name(n.type())));
}

// One TOML table: typed getters that remember which keys were read, and finish(), which
// rejects every key that was not.
class table_reader {
 public:
  table_reader(const toml::table& table, std::string prefix)
      : table_(table), prefix_(std::move(prefix)) {}

  template <class Int>
  void get(std::string_view key, Int& out, int_range range) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* v = n->as_integer();
    if (v == nullptr) wrong_type(path(key), *n, describe(range));
    if (!contains(range, v->get())) {
      fail(path(key), *n, "expected " + describe(range) + ", got " + std::to_string(v->get()));
    }
    out = static_cast<Int>(v->get());
  }

  void get(std::string_view key, duration& out, duration_range range) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* v = n->as_string();
    if (v == nullptr) wrong_type(path(key), *n, "a duration string like \"15s\"");
    const auto d = parse_duration(v->get());
    if (!d || !contains(range, *d)) {
      fail(path(key), *n, "expected " + describe(range) + ", got \"" + v->get() + "\"");
    }
    out = *d;
  }

  void get(std::string_view key, bool& out) {
    if (const toml::node* n = find(key)) {
      const auto* v = n->as_boolean();
      if (v == nullptr) wrong_type(path(key), *n, "true or false");
      out = v->get();
    }
  }

  void get(std::string_view key, std::string& out) {
    if (const toml::node* n = find(key)) {
      const auto* v = n->as_string();
      if (v == nullptr) wrong_type(path(key), *n, "a string");
      out = v->get();
    }
  }

  void get(std::string_view key, std::vector<std::string>& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* array = n->as_array();
    if (array == nullptr) wrong_type(path(key), *n, "an array of strings");
    out.clear();
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto* v = (*array)[i].as_string();
      const std::string item = path(key) + "[" + std::to_string(i) + "]";
      if (v == nullptr) wrong_type(item, (*array)[i], "a string");
      out.push_back(v->get());
    }
  }

  void get(std::string_view key, listen_address& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* v = n->as_string();
    if (v == nullptr) wrong_type(path(key), *n, "a string \"HOST:PORT\"");
    auto address = parse_listen(v->get());
    if (!address) fail(path(key), *n, std::string(listen_syntax) + ", got \"" + v->get() + "\"");
    out = *std::move(address);
  }

  // The sub-table at `key`, or nullptr when the key is absent.
  const toml::table* table(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) wrong_type(path(key), *n, "a table");
    return n->as_table();
  }

  // Throws for the first key of the table that no getter asked for.
  void finish() const {
    for (auto&& [key, node] : table_) {
      if (!read_.contains(key.str())) {
        throw config_error("unknown key \"" + path(key.str()) + "\"" + where(key.source()));
      }
    }
  }

  std::string path(std::string_view key) const { return prefix_ + std::string(key); }

 private:
  const toml::node* find(std::string_view key) {
    read_.emplace(key);
    return table_.get(key);
  }

  const toml::table& table_;
  std::string prefix_;
  std::set<std::string, std::less<>> read_;
};

void read_http(table_reader& t, http_options& o) {
  t.get("max_header_bytes", o.max_header_bytes, kib_to_mib);
  t.get("header_timeout", o.header_timeout, positive_duration);
  t.get("max_body_bytes", o.max_body_bytes, message_bytes);
  t.get("idle_timeout", o.idle_timeout, positive_duration);
}

void read_websocket(table_reader& t, websocket_options& o) {
  t.get("max_message_size", o.max_message_size, message_bytes);
  t.get("ping_interval", o.ping_interval, positive_duration);
  t.get("pong_timeout", o.pong_timeout, positive_duration);
  t.get("compression", o.compression);
  t.get("echo_endpoint", o.echo_endpoint);
}

void read_sse(table_reader& t, sse_options& o) {
  t.get("heartbeat", o.heartbeat, positive_duration);
  t.get("retry", o.retry, positive_duration);
}

void read_longpoll(table_reader& t, longpoll_options& o) {
  t.get("timeout", o.timeout, positive_duration);
  t.get("max_timeout", o.max_timeout, positive_duration);
  t.get("batch_limit", o.batch_limit, batch_range);
}

void read_limits(table_reader& t, limits_options& o) {
  t.get("outbound_queue_bytes", o.outbound_queue_bytes, queue_bytes);
  t.get("max_subscriptions_per_connection", o.max_subscriptions_per_connection,
        subscriptions_range);
  t.get("max_connections", o.max_connections, connections_range);
  t.get("max_presence_members", o.max_presence_members, subscriptions_range);
  t.get("client_publish_rate", o.client_publish_rate, rate_range);
}

void read_delivery(table_reader& t, delivery_options& o) {
  t.get("flush_interval", o.flush_interval, flush_interval_range);
}

void read_auth(table_reader& t, auth_options& o) {
  t.get("jwt_secret", o.jwt_secret);
  t.get("jwt_public_key", o.jwt_public_key);
  t.get("leeway", o.leeway, any_duration);
}

void read_redis(table_reader& t, redis_options& o) {
  t.get("url", o.url);
}

void read_namespace(table_reader& t, namespace_options& o) {
  t.get("history_size", o.history_size, history_size_range);
  t.get("history_ttl", o.history_ttl, positive_duration);
  t.get("presence", o.presence);
  t.get("join_leave", o.join_leave);
  t.get("anonymous_subscribe", o.anonymous_subscribe);
  t.get("anonymous_publish", o.anonymous_publish);
  t.get("client_publish", o.client_publish);
  t.get("transport", o.transport);
  if (o.transport != "auto" && o.transport != "websocket" && o.transport != "sse" &&
      o.transport != "longpoll")
    throw config_error(t.path("transport") +
                       ": expected \"auto\", \"websocket\", \"sse\" or \"longpoll\", got \"" +
                       o.transport + "\"");
}

void read_demo(table_reader& t, demo_options& o) {
  t.get("token_endpoint", o.token_endpoint);
  t.get("token_ttl", o.token_ttl, positive_duration);
}

// Reads [name] of `parent` with `read` into `out`, if the table is there.
template <class Options, class Read>
void read_section(table_reader& parent, std::string_view name, Options& out, Read read) {
  if (const toml::table* table = parent.table(name)) {
    table_reader t(*table, parent.path(name) + ".");
    read(t, out);
    t.finish();
  }
}

void read_namespaces(table_reader& parent, config& c) {
  const toml::table* all = parent.table("namespaces");
  if (all == nullptr) return;
  table_reader names(*all, "namespaces.");
  for (auto&& [key, node] : *all) {
    const std::string name(key.str());
    if (!valid_namespace_name(name)) {
      fail(names.path(name), node,
           "a namespace name is 1-255 of A-Z a-z 0-9 _ - . @ / = + (no ':', '#' or ',')");
    }
    namespace_options options = c.defaults;
    read_section(names, name, options, read_namespace);
    c.namespaces.insert_or_assign(name, options);
  }
  names.finish();
}

void read_top_level(table_reader& t, config& c) {
  t.get("node_id", c.node_id);
  t.get("listen", c.listen);
  t.get("threads", c.threads, threads_range);
  t.get("api_key", c.api_key);
  t.get("allowed_origins", c.allowed_origins);
  t.get("static_dir", c.static_dir);
}

}  // namespace

void read_toml(const toml::table& document, config& c) {
  table_reader top(document, "");
  read_top_level(top, c);
  read_section(top, "http", c.http, read_http);
  read_section(top, "websocket", c.websocket, read_websocket);
  read_section(top, "sse", c.sse, read_sse);
  read_section(top, "longpoll", c.longpoll, read_longpoll);
  read_section(top, "limits", c.limits, read_limits);
  read_section(top, "delivery", c.delivery, read_delivery);
  read_section(top, "auth", c.auth, read_auth);
  read_section(top, "redis", c.redis, read_redis);
  read_section(top, "demo", c.demo, read_demo);
  read_section(top, "defaults", c.defaults, read_namespace);
  read_namespaces(top, c);
  top.finish();
}

}  // namespace triplex::config
