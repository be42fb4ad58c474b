#include "config/validate.hpp"

#include <filesystem>
#include <fstream>

#include "config/value_parsers.hpp"
#include "core/channel_name.hpp"

namespace triplex::config {
namespace {

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

bool is_node_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

void check_node_id(const std::string& id) {
  bool ok = id.size() <= 128;
  for (char c : id)
    ok = ok && is_node_id_char(c);
  if (!ok) {
    throw config_error("node_id: expected up to 128 of A-Z a-z 0-9 . - _, got " + in_quotes(id));
  }
}

// "*", or scheme://host[:port] with nothing after it (browsers send no path, no slash).
bool valid_origin(std::string_view origin) {
  if (origin == "*") return true;
  const auto sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  const std::string_view rest = origin.substr(sep + 3);
  return !rest.empty() && rest.find_first_of("/?# ") == std::string_view::npos;
}

void check_origins(const std::vector<std::string>& origins) {
  for (std::size_t i = 0; i < origins.size(); ++i) {
    if (!valid_origin(origins[i])) {
      throw config_error("allowed_origins[" + std::to_string(i) +
                         "]: expected \"*\" or an origin like \"https://example.com\", got " +
                         in_quotes(origins[i]));
    }
  }
}

void check_redis_url(const std::string& url) {
  if (url.empty()) return;
  for (std::string_view scheme : {"redis://", "rediss://", "unix://"}) {
    if (url.starts_with(scheme) && url.size() > scheme.size()) return;
  }
  throw config_error("redis.url: expected redis://HOST[:PORT][/DB], rediss://... or unix://PATH");
}

void check_paths(const config& c) {
  std::error_code ec;
  if (!c.static_dir.empty() && !std::filesystem::is_directory(c.static_dir, ec)) {
    throw config_error("static_dir: " + in_quotes(c.static_dir) + " is not a directory");
  }
  if (!c.auth.jwt_public_key.empty() && !std::ifstream(c.auth.jwt_public_key)) {
    throw config_error("auth.jwt_public_key: cannot read " + in_quotes(c.auth.jwt_public_key));
  }
}

}  // namespace

std::string describe(int_range range) {
  if (range.min == 1) return "a positive integer up to " + std::to_string(range.max);
  return "an integer from " + std::to_string(range.min) + " to " + std::to_string(range.max);
}

std::string describe(duration_range range) {
  return "a duration like \"250ms\", \"15s\", \"5m\" or \"1h30m\" from " +
         format_duration(range.min) + " to " + format_duration(range.max);
}

std::int64_t integer_from_text(const std::string& what, std::string_view text, int_range range) {
  const auto value = parse_integer(text);
  if (!value || !contains(range, *value)) {
    throw config_error(what + ": expected " + describe(range) + ", got " + in_quotes(text));
  }
  return *value;
}

listen_address listen_from_text(const std::string& what, std::string_view text) {
  auto address = parse_listen(text);
  if (!address) {
    throw config_error(what + ": " + std::string(listen_syntax) + ", got " + in_quotes(text));
  }
  return *std::move(address);
}

bool valid_namespace_name(std::string_view name) {
  return core::is_valid_channel_name(name) && name.find_first_of(":#,") == std::string_view::npos;
}

void validate(const config& c) {
  check_node_id(c.node_id);
  check_origins(c.allowed_origins);
  check_redis_url(c.redis.url);
  if (c.longpoll.timeout > c.longpoll.max_timeout) {
    throw config_error("longpoll.timeout: " + in_quotes(format_duration(c.longpoll.timeout)) +
                       " exceeds longpoll.max_timeout " +
                       in_quotes(format_duration(c.longpoll.max_timeout)));
  }
  check_paths(c);
}

}  // namespace triplex::config
