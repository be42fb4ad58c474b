// Checks shared by every source of configuration (TOML file, environment, flags): the error
// type the loader throws internally, the allowed ranges of numeric keys, and the checks that
// run once all sources are merged (cross-key rules, files and directories that must exist).
//
// Threading: start-up only. Functions throw config_error; config::load() catches it, so no
// exception leaves the loader.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace triplex::config {

// A bad configuration value; what() starts with the key it is about, e.g.
// "websocket.max_message_size: expected a positive integer up to 67108864, got 0".
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct int_range {
  std::int64_t min;
  std::int64_t max;
};

struct duration_range {
  duration min;
  duration max;
};

inline constexpr int_range threads_range{0, 256};
inline constexpr duration max_duration = std::chrono::hours(24 * 365);
inline constexpr duration_range positive_duration{duration(1), max_duration};
inline constexpr duration_range any_duration{duration(0), max_duration};
inline constexpr duration_range flush_interval_range{duration(0), std::chrono::seconds(1)};

inline bool contains(int_range r, std::int64_t v) {
  return v >= r.min && v <= r.max;
}
inline bool contains(duration_range r, duration v) {
  return v >= r.min && v <= r.max;
}

// What a key accepts, for messages: "a positive integer up to 10", "an integer from 0 to 256",
// "a duration like \"250ms\", \"15s\", \"5m\" or \"1h30m\" from 1ms to 8760h".
std::string describe(int_range range);
std::string describe(duration_range range);

// How a listen address is written, for messages.
inline constexpr std::string_view listen_syntax =
    "expected HOST:PORT or [IPV6]:PORT with a port from 0 to 65535";

// Parses `text` as an integer in `range` (flags and environment variables).
std::int64_t integer_from_text(const std::string& what, std::string_view text, int_range range);

// Parses `text` as a listen address; throws naming `what` on failure.
listen_address listen_from_text(const std::string& what, std::string_view text);

// True for a usable [namespaces.<name>]: a valid channel name without ':', '#' or ','.
bool valid_namespace_name(std::string_view name);

// Rules that need the merged configuration: longpoll.timeout <= longpoll.max_timeout, the
// syntax of node_id, allowed_origins and redis.url, static_dir is a directory and
// auth.jwt_public_key a readable file.
void validate(const config& c);

}  // namespace triplex::config
