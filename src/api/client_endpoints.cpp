// Client HTTP endpoints: see client_endpoints.hpp.
#include "api/client_endpoints.hpp"

#include <charconv>
#include <variant>

#include "api/server_api.hpp"
#include "core/channel_name.hpp"
#include "protocol/command.hpp"
#include "protocol/cursor.hpp"
#include "transport/auth.hpp"
#include "transport/worker_context.hpp"

namespace triplex::api {

using reason = metrics::reject_reason;

namespace {

// The caller's identity, or answers 401 and returns nullopt.
std::optional<transport::identity> authenticate(transport::worker_context& ctx,
                                                const protocol::http_request& req,
                                                const respond_fn& respond) {
  transport::auth_result r = ctx.cfg->auth->authenticate(transport::token_of(req));
  if (r.who) return std::move(r.who);
  ctx.metrics->rejected[r.reason].inc();
  respond(error(r.status, r.message));
  return std::nullopt;
}

// The channel query parameter, or answers 400 / 401 / 403 and returns null.
const std::string* readable_channel(transport::worker_context& ctx,
                                    const protocol::http_request& req, const respond_fn& respond) {
  const std::string* channel = req.target.param("channel");
  if (!channel || !core::is_valid_channel_name(*channel)) {
    ctx.metrics->rejected[reason::bad_channel].inc();
    respond(error(core::status::bad_request, "channel: expected a valid channel name"));
    return nullptr;
  }
  auto who = authenticate(ctx, req, respond);
  if (!who) return nullptr;
  if (!transport::may_subscribe(*ctx.cfg, *who, *channel)) {
    ctx.metrics->rejected[reason::forbidden].inc();
    respond(error(core::status::forbidden, "not allowed to read " + *channel));
    return nullptr;
  }
  return channel;
}

}  // namespace

void client_publish(transport::worker_context& ctx, const protocol::http_request& req,
                    respond_fn respond) {
  auto parsed = protocol::parse_publish_body(req.body, ctx.cfg->max_body_bytes);
  if (auto* err = std::get_if<protocol::command_error>(&parsed)) {
    ctx.metrics->rejected[reason_of(*err)].inc();
    return respond(error(err->code, err->message));
  }
  auto who = authenticate(ctx, req, respond);
  if (!who) return;
  auto& p = std::get<protocol::publish_request>(parsed);
  if (!transport::may_publish(*ctx.cfg, *who, p.channel)) {
    ctx.metrics->rejected[reason::forbidden].inc();
    return respond(error(core::status::forbidden, "not allowed to publish to " + p.channel));
  }
  publish(ctx, std::move(p), std::move(respond));
}

void client_presence(transport::worker_context& ctx, const protocol::http_request& req,
                     respond_fn respond) {
  const std::string* channel = readable_channel(ctx, req, respond);
  if (!channel) return;
  if (!ctx.cfg->rules_for(*channel).presence) {
    ctx.metrics->rejected[reason::forbidden].inc();
    return respond(error(core::status::forbidden, "presence is off in this namespace"));
  }
  answer_presence(ctx, *channel, std::move(respond));
}

void client_history(transport::worker_context& ctx, const protocol::http_request& req,
                    respond_fn respond) {
  const std::string* channel = readable_channel(ctx, req, respond);
  if (!channel) return;
  std::optional<core::position> since;
  if (const std::string* s = req.target.param("since")) {
    since = protocol::parse_since_text(*s);
    if (!since) {
      ctx.metrics->rejected[reason::bad_cursor].inc();
      return respond(error(core::status::bad_request, "since: expected epoch:offset"));
    }
  }
  std::size_t limit = 100;
  if (const std::string* l = req.target.param("limit")) {
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || end != l->data() + l->size()) {
      ctx.metrics->rejected[reason::bad_json].inc();
      return respond(error(core::status::bad_request, "limit: expected a whole number"));
    }
  }
  ctx.broker->history(
      ctx.id, *channel, since, std::min<std::size_t>(limit, 1000),
      [respond](broker::history_result res) { respond(json_response(history_json(res))); });
}

}  // namespace triplex::api
