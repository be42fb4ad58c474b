// Splits an HTTP request target into path and query parameters, percent-decoding them
// (application/x-www-form-urlencoded rules: '+' is a space, so a channel with '+' must be sent
// as %2B, as URLSearchParams and encodeURIComponent do). Sans-I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace triplex::protocol {

struct http_target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;

  // The first value of `name`, if present.
  const std::string* param(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string_view> params(std::string_view name) const;
};

// Percent-decodes `in`; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);

// nullopt when the target is not origin-form or holds a malformed escape.
std::optional<http_target> parse_http_target(std::string_view target);

}  // namespace triplex::protocol
