#include "config/value_parsers.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace triplex::config {
namespace {

struct unit {
  std::string_view suffix;
  std::int64_t millis;
};

// Largest first; "ms" before "m" so that the longest suffix matches.
constexpr std::array<unit, 4> units = {unit{"h", 3600000}, unit{"ms", 1}, unit{"m", 60000},
                                       unit{"s", 1000}};

// Rank of a unit in size order (h=0, m=1, s=2, ms=3), for the "largest first" rule.
constexpr int rank(std::int64_t millis) {
  return millis == 3600000 ? 0 : millis == 60000 ? 1 : millis == 1000 ? 2 : 3;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads the unit at the front of `text`; nullptr when there is none.
const unit* read_unit(std::string_view text) {
  for (const unit& u : units) {
    if (text.starts_with(u.suffix)) return &u;
  }
  return nullptr;
}

bool valid_host_char(char c, bool bracketed) {
  if (bracketed) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
  }
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
         c == '_';
}

bool valid_zone(std::string_view zone) {
  if (zone.empty()) return false;
  for (char c : zone) {
    if (!valid_host_char(c, false)) return false;
  }
  return true;
}

bool valid_host(std::string_view host, bool bracketed) {
  if (host.empty()) return false;
  if (bracketed) {
    const auto percent = host.find('%');
    if (percent != std::string_view::npos) {
      if (!valid_zone(host.substr(percent + 1))) return false;
      host = host.substr(0, percent);
    }
    if (host.find(':') == std::string_view::npos) return false;
  }
  for (char c : host) {
    if (!valid_host_char(c, bracketed)) return false;
  }
  return true;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
  }
  const auto value = parse_integer(text);
  if (!value || *value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(*value);
}

}  // namespace

std::optional<duration> parse_duration(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  int last_rank = -1;
  while (!text.empty()) {
    std::uint64_t digits = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), digits);
    if (ec != std::errc() || end == text.data() || !is_digit(text.front())) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    const unit* u = read_unit(text);
    if (u == nullptr || rank(u->millis) <= last_rank) return std::nullopt;
    last_rank = rank(u->millis);
    text.remove_prefix(u->suffix.size());
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    if (digits > static_cast<std::uint64_t>(max / u->millis)) return std::nullopt;
    const auto part = static_cast<std::int64_t>(digits) * u->millis;
    if (part > max - total) return std::nullopt;
    total += part;
  }
  return duration(total);
}

std::string format_duration(duration d) {
  std::int64_t left = d.count();
  if (left <= 0) return "0s";
  std::string out;
  for (std::int64_t millis : {3600000, 60000, 1000, 1}) {
    if (left / millis == 0) continue;
    out += std::to_string(left / millis);
    out += millis == 3600000 ? "h" : millis == 60000 ? "m" : millis == 1000 ? "s" : "ms";
    left %= millis;
  }
  return out;
}

std::optional<listen_address> parse_listen(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const bool bracketed = host.starts_with('[');
  if (bracketed) {
    if (!host.ends_with(']')) return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  const auto port = parse_port(text.substr(colon + 1));
  if (!port || !valid_host(host, bracketed)) return std::nullopt;
  return listen_address{std::string(host), *port};
}

std::optional<std::int64_t> parse_integer(std::string_view text) noexcept {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace triplex::config
