// Parsers for the values the configuration reads as text: durations ("1h30m"), listen
// addresses ("[::1]:8080") and decimal integers (flags and environment variables).
//
// Pure functions on bytes, no exceptions, no I/O; safe to call from any thread. Each returns
// std::nullopt on malformed input; the caller names the key in its error message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace triplex::config {

// One or more <digits><unit>, units `h`, `m`, `s`, `ms`, largest first and each at most once:
// "250ms", "15s", "5m", "1h", "1h30m", "2m30s500ms", "0s". Rejects the empty string, signs,
// fractions, spaces, unknown or repeated units and anything beyond int64 milliseconds.
std::optional<duration> parse_duration(std::string_view text) noexcept;

// The shortest text parse_duration() reads back as `d` (d >= 0): 90s -> "1m30s", 0 -> "0s".
std::string format_duration(duration d);

// "HOST:PORT" or "[IPV6]:PORT"; PORT is 0..65535 in decimal. HOST is a name or IPv4 address
// (letters, digits, '.', '-', '_'), or an IPv6 literal in brackets (hex digits, ':', '.', and
// an optional "%zone"), returned without the brackets. An empty host is rejected.
std::optional<listen_address> parse_listen(std::string_view text);

// A decimal integer with an optional leading '-', nothing else; nullopt on overflow.
std::optional<std::int64_t> parse_integer(std::string_view text) noexcept;

}  // namespace triplex::config
