#include "protocol/envelope.hpp"

#include "protocol/json_text.hpp"

namespace triplex::protocol {
namespace {

// Bytes reserved besides the variable parts: keys, punctuation and numbers.
constexpr std::size_t fixed_overhead = 96;

void append_payload(std::string& out, std::string_view json, std::string_view if_empty) {
  out += json.empty() ? if_empty : json;
}

// Starts an envelope `{"type":T,"channel":C` with room for `extra` more payload bytes.
// `type` is one of our literals and needs no escaping.
std::string open_envelope(std::string_view type, std::string_view channel, std::size_t extra) {
  std::string out;
  out.reserve(fixed_overhead + channel.size() + extra);
  out += R"({"type":")";
  out += type;
  out += R"(","channel":)";
  append_json_string(out, channel);
  return out;
}

void append_position(std::string& out, const core::position& pos) {
  out += R"(,"epoch":)";
  append_json_string(out, pos.epoch);
  out += R"(,"offset":)";
  append_json_uint(out, pos.offset);
}

void append_error_object(std::string& out, core::status code, std::string_view message) {
  out += R"({"code":)";
  append_json_uint(out, static_cast<std::uint64_t>(code));
  out += R"(,"message":)";
  append_json_string(out, message);
  out += '}';
}

}  // namespace

std::string message_envelope(std::string_view channel, const core::position& pos,
                             std::string_view data_json) {
  std::string out = open_envelope("message", channel, pos.epoch.size() + data_json.size());
  append_position(out, pos);
  out += R"(,"data":)";
  append_payload(out, data_json, "null");
  out += '}';
  return out;
}

std::string ephemeral_envelope(std::string_view channel, std::string_view data_json) {
  std::string out = open_envelope("message", channel, data_json.size());
  out += R"(,"data":)";
  append_payload(out, data_json, "null");
  out += '}';
  return out;
}

std::string gap_envelope(std::string_view channel, const core::position& pos) {
  std::string out = open_envelope("gap", channel, pos.epoch.size());
  append_position(out, pos);
  out += '}';
  return out;
}

std::string join_envelope(std::string_view channel, std::string_view client, std::string_view user,
                          std::string_view info_json, bool first) {
  std::string out = open_envelope("join", channel, client.size() + user.size() + info_json.size());
  out += R"(,"client":)";
  append_json_string(out, client);
  out += R"(,"user":)";
  append_json_string(out, user);
  out += R"(,"info":)";
  append_payload(out, info_json, "{}");
  out += R"(,"first":)";
  append_json_bool(out, first);
  out += '}';
  return out;
}

std::string leave_envelope(std::string_view channel, std::string_view client, std::string_view user,
                           bool last) {
  std::string out = open_envelope("leave", channel, client.size() + user.size());
  out += R"(,"client":)";
  append_json_string(out, client);
  out += R"(,"user":)";
  append_json_string(out, user);
  out += R"(,"last":)";
  append_json_bool(out, last);
  out += '}';
  return out;
}

std::string reply_result(std::int64_t id, std::string_view result_json) {
  std::string out;
  out.reserve(fixed_overhead + result_json.size());
  out += R"({"type":"reply","id":)";
  append_json_int(out, id);
  out += R"(,"result":)";
  append_payload(out, result_json, "{}");
  out += '}';
  return out;
}

std::string reply_error(std::optional<std::int64_t> id, core::status code,
                        std::string_view message) {
  std::string out;
  out.reserve(fixed_overhead + message.size());
  out += R"({"type":"reply")";
  if (id) {
    out += R"(,"id":)";
    append_json_int(out, *id);
  }
  out += R"(,"error":)";
  append_error_object(out, code, message);
  out += '}';
  return out;
}

std::string http_error_body(core::status code, std::string_view message) {
  std::string out;
  out.reserve(fixed_overhead + message.size());
  out += R"({"error":)";
  append_error_object(out, code, message);
  out += '}';
  return out;
}

}  // namespace triplex::protocol
