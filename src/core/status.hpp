// Error codes shared by every transport: HTTP-like reply/status codes and WebSocket close
// codes, exactly those of the public contract (spec §3.1).
#pragma once

#include <cstdint>

namespace triplex::core {

// Reply error codes; HTTP endpoints answer with the same number as status.
enum class status : std::uint16_t {
  ok = 200,
  bad_request = 400,
  unauthorized = 401,
  forbidden = 403,
  not_found = 404,
  method_not_allowed = 405,
  request_timeout = 408,
  payload_too_large = 413,
  upgrade_required = 426,
  too_many_requests = 429,
  headers_too_large = 431,
  internal_error = 500,
  unavailable = 503,
};

// WebSocket close codes used by the server.
enum class close_code : std::uint16_t {
  normal = 1000,
  going_away = 1001,  // server shutdown: reconnect elsewhere
  protocol_error = 1002,
  invalid_payload = 1007,  // invalid UTF-8 in a text message
  policy = 1008,           // origin, auth
  too_big = 1009,
  internal_error = 1011,
  slow_consumer = 4008,  // resume from your position
};

}  // namespace triplex::core
