// A parsed HTTP request and a response to write, as plain data: the HTTP layer (Beast) fills and
// writes these, so handlers in api/ never see sockets or Beast types.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "protocol/http_target.hpp"

namespace triplex::protocol {

struct http_request {
  std::string method;
  http_target target;
  std::string body;
  std::string api_key;        // X-API-Key
  std::string authorization;  // Authorization
  std::string origin;         // Origin
  std::string last_event_id;  // Last-Event-ID
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace triplex::protocol
