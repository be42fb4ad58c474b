// Origin checks: see origin_policy.hpp.
#include "core/origin_policy.hpp"

#include <algorithm>
#include <cctype>

namespace triplex::core {

namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The host[:port] part of "scheme://host[:port]", or "" when the origin has another shape.
std::string_view origin_host(std::string_view origin) {
  std::size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return {};
  std::string_view scheme = origin.substr(0, sep);
  if (!iequal(scheme, "http") && !iequal(scheme, "https")) return {};
  return origin.substr(sep + 3);
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host,
                    std::span<const std::string> allowed) {
  if (origin.empty()) return true;
  std::string_view oh = origin_host(origin);
  if (!oh.empty() && !host.empty() && iequal(oh, host)) return true;
  for (const std::string& a : allowed)
    if (a == "*" || iequal(a, origin)) return true;
  return false;
}

}  // namespace triplex::core
