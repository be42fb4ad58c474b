// The status line and headers of an answered HTTP/1.1 request (sans-I/O): the HTTP session
// writes this head and the body as one gathered write, with no per-response header container.
#pragma once

#include <string>
#include <string_view>

#include "protocol/http_message.hpp"

namespace triplex::protocol {

// Whether a response with `status` has a body (RFC 9110: not 1xx, 204, 304).
bool response_has_body(unsigned status);

// The reason phrase of `status` (RFC 9110 section 15), "" for a code the server never sends.
std::string_view reason_phrase(unsigned status);

// Appends to `out` the head of `res`: status line, Server, Content-Type, Content-Length (absent
// for 1xx, 204 and 304, which have no body), res.headers, the CORS pair when `cors_origin` is not
// empty, "Connection: close" unless `keep_alive`, and the blank line. Header names and values
// are written as given: callers pass values without CR or LF (the request parser refuses them).
void append_response_head(const http_response& res, bool keep_alive, std::string_view cors_origin,
                          std::string& out);

}  // namespace triplex::protocol
