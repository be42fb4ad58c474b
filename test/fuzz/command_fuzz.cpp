// libFuzzer target for client-command parsing (protocol/command.hpp): arbitrary bytes must never
// crash the parser, and any `data` it accepts must be minified JSON text holding exactly the
// value of the input's top-level "data" member.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "core/channel_name.hpp"
#include "protocol/command.hpp"
#include "protocol/json_text.hpp"

namespace {

namespace json = boost::json;
namespace protocol = triplex::protocol;

json::value parse_or_abort(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = protocol::max_json_depth;
  json::value v = json::parse(text, ec, {}, options);
  if (ec) std::abort();
  return v;
}

// `data_json` parses, is already minified and equals the "data" member of `input`.
void check_data(std::string_view input, std::string_view data_json) {
  const json::value data = parse_or_abort(data_json);
  std::string minified;
  protocol::append_minified_json(minified, data_json);
  if (minified != data_json) std::abort();
  const json::value root = parse_or_abort(input);
  const json::value* original = root.as_object().if_contains("data");
  // Compared as serialized text: Boost 1.81 parses some numbers (0e400) to NaN, and NaN != NaN.
  if (original == nullptr || json::serialize(*original) != json::serialize(data)) std::abort();
}

void check_command(std::string_view text) {
  const protocol::command_result r = protocol::parse_command(text);
  if (const auto* c = std::get_if<protocol::command>(&r)) {
    if (c->kind == protocol::op::publish) check_data(text, c->data);
    const bool needs_channel = c->kind != protocol::op::connect &&
                               c->kind != protocol::op::refresh && c->kind != protocol::op::ping;
    if (needs_channel && !triplex::core::is_valid_channel_name(c->channel)) std::abort();
  } else if (std::get<protocol::command_error>(r).message.empty()) {
    std::abort();
  }
}

void check_bodies(std::string_view text) {
  const auto p = protocol::parse_publish_body(text);
  if (const auto* body = std::get_if<protocol::publish_request>(&p)) check_data(text, body->data);
  const auto b = protocol::parse_broadcast_body(text);
  if (const auto* body = std::get_if<protocol::broadcast_request>(&b)) {
    check_data(text, body->data);
    if (body->channels.empty()) std::abort();
  }
  const auto batch = protocol::parse_batch_body(text);
  if (const auto* body = std::get_if<protocol::batch_request>(&batch)) {
    if (body->commands.empty()) std::abort();
    for (const auto& c : body->commands) {
      const auto* p = std::get_if<protocol::publish_request>(&c);
      if (p && !triplex::core::is_valid_channel_name(p->channel)) std::abort();
      if (p && p->data.empty()) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_command(text);
  check_bodies(text);
  return 0;
}
