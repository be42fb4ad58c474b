// Shared JSON results: see result_json.hpp.
#include "protocol/result_json.hpp"

#include "protocol/envelope.hpp"
#include "protocol/json_text.hpp"

namespace triplex::protocol {

namespace {

// Writes {"epoch":..,"offset":.. without the closing brace.
void open_position(std::string& out, const core::position& pos) {
  out += "{\"epoch\":";
  append_json_string(out, pos.epoch);
  out += ",\"offset\":";
  append_json_uint(out, pos.offset);
}

}  // namespace

std::string position_json(const core::position& pos) {
  std::string out;
  open_position(out, pos);
  out += '}';
  return out;
}

std::string subscribe_result_json(const core::position& pos, bool recovered) {
  std::string out;
  open_position(out, pos);
  out += ",\"recovered\":";
  append_json_bool(out, recovered);
  out += '}';
  return out;
}

std::string history_json(const core::position& pos, std::span<const std::string_view> envelopes) {
  std::string out;
  open_position(out, pos);
  out += ",\"messages\":[";
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    if (i) out += ',';
    out += envelopes[i];
  }
  out += "]}";
  return out;
}

http_response http_error(core::status code, std::string_view message) {
  http_response res;
  res.status = static_cast<unsigned>(code);
  res.body = http_error_body(code, message);
  return res;
}

}  // namespace triplex::protocol
