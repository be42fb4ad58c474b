// HTTP/1.1 response heads: see http_response_head.hpp.
#include "protocol/http_response_head.hpp"

#include <charconv>

namespace triplex::protocol {

std::string_view reason_phrase(unsigned status) {
  switch (status) {
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "";
  }
}

namespace {

void append_number(std::uint64_t n, std::string& out) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

void append_header(std::string_view name, std::string_view value, std::string& out) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

bool response_has_body(unsigned status) {
  return status >= 200 && status != 204 && status != 304;
}

void append_response_head(const http_response& res, bool keep_alive, std::string_view cors_origin,
                          std::string& out) {
  out.append("HTTP/1.1 ");
  append_number(res.status, out);
  out.push_back(' ');
  out.append(reason_phrase(res.status));
  out.append("\r\nServer: triplex\r\n");
  append_header("Content-Type", res.content_type, out);
  if (response_has_body(res.status)) {
    out.append("Content-Length: ");
    append_number(res.body.size(), out);
    out.append("\r\n");
  }
  for (const auto& [name, value] : res.headers)
    append_header(name, value, out);
  if (!cors_origin.empty()) {
    append_header("Access-Control-Allow-Origin", cors_origin, out);
    out.append("Vary: Origin\r\n");
  }
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
}

}  // namespace triplex::protocol
