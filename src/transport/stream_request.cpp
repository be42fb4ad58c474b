// Stream request validation: see stream_request.hpp.
#include "transport/stream_request.hpp"

#include "core/channel_name.hpp"
#include "protocol/cursor.hpp"
#include "protocol/result_json.hpp"

namespace triplex::transport {

namespace {

stream_request_error fail(metrics::reject_reason reason, std::string_view message) {
  return stream_request_error{protocol::http_error(core::status::bad_request, message), reason};
}

}  // namespace

std::variant<stream_request, stream_request_error> parse_stream_request(
    const protocol::http_request& req, const settings& cfg) {
  using reason = metrics::reject_reason;
  stream_request out;
  for (std::string_view name : req.target.params("channel")) {
    if (!core::is_valid_channel_name(name))
      return fail(reason::bad_channel, "invalid channel name: " + std::string(name));
    for (const auto& c : out.channels)
      if (c.name == name) return fail(reason::bad_channel, "channel listed twice");
    out.channels.push_back(stream_channel{std::string(name), std::nullopt});
  }
  if (out.channels.empty()) return fail(reason::bad_channel, "at least one channel is required");
  if (out.channels.size() > cfg.max_subscriptions)
    return fail(reason::too_many_subscriptions, "too many channels");
  auth_result auth = cfg.auth->authenticate(token_of(req));
  if (!auth.who)
    return stream_request_error{protocol::http_error(auth.status, auth.message), auth.reason};
  out.who = std::move(*auth.who);
  for (const auto& c : out.channels)
    if (!may_subscribe(cfg, out.who, c.name))
      return stream_request_error{
          protocol::http_error(core::status::forbidden, "not allowed to subscribe to " + c.name),
          reason::forbidden};
  std::string_view cursor = req.last_event_id;
  if (cursor.empty() && req.target.param("cursor")) cursor = *req.target.param("cursor");
  if (cursor.empty()) return out;
  auto decoded = protocol::decode_cursor(cursor);
  if (!decoded.ok()) return fail(reason::bad_cursor, "malformed cursor: " + decoded.error);
  for (auto& e : decoded.entries)
    for (auto& c : out.channels)
      if (c.name == e.channel) c.since = std::move(e.pos);
  return out;
}

}  // namespace triplex::transport
