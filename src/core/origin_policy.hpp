// Which browser origins may use the client endpoints (spec §3: `allowed_origins`). A request
// without an Origin header is not from a browser page and is allowed; same-origin requests are
// always allowed; others only when listed, or when the list holds "*".
// Pure; safe on any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace triplex::core {

// `host` is the request's Host header ("127.0.0.1:8080"). Origins compare exactly
// (scheme://host[:port], as browsers send them), except that the scheme and host are
// case-insensitive.
bool origin_allowed(std::string_view origin, std::string_view host,
                    std::span<const std::string> allowed);

}  // namespace triplex::core
