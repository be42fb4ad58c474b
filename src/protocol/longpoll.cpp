#include "protocol/longpoll.hpp"

#include "protocol/json_text.hpp"

namespace triplex::protocol {

std::string longpoll_body(std::string_view cursor, std::span<const std::string_view> envelopes) {
  std::size_t size = cursor.size() + 32;
  for (std::string_view e : envelopes)
    size += e.size() + 1;
  std::string out;
  out.reserve(size);
  out += R"({"cursor":)";
  append_json_string(out, cursor);
  out += R"(,"messages":[)";
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    if (i != 0) out += ',';
    out += envelopes[i];
  }
  out += "]}";
  return out;
}

}  // namespace triplex::protocol
