// Presence answers: see presence_json.hpp.
#include "protocol/presence_json.hpp"

#include "protocol/json_text.hpp"

namespace triplex::protocol {

namespace {

void append_member(std::string& out, const core::presence_member& m) {
  out += "{\"client\":";
  append_json_string(out, m.client);
  out += ",\"user\":";
  append_json_string(out, m.user);
  out += ",\"info\":";
  out += m.info_json.empty() ? "{}" : m.info_json;  // already-validated JSON object text
  out += '}';
}

}  // namespace

std::string presence_json(std::span<const core::presence_member> members, std::uint64_t clients,
                          std::uint64_t users, bool truncated) {
  std::string out = "{\"members\":[";
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i) out += ',';
    append_member(out, members[i]);
  }
  out += "],\"clients\":";
  append_json_uint(out, clients);
  out += ",\"users\":";
  append_json_uint(out, users);
  out += ",\"truncated\":";
  append_json_bool(out, truncated);
  out += '}';
  return out;
}

std::string presence_stats_json(std::uint64_t clients, std::uint64_t users) {
  std::string out = "{\"clients\":";
  append_json_uint(out, clients);
  out += ",\"users\":";
  append_json_uint(out, users);
  out += '}';
  return out;
}

}  // namespace triplex::protocol
