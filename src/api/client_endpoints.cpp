// Client HTTP endpoints: see client_endpoints.hpp.
#include "api/client_endpoints.hpp"

#include <charconv>
#include <variant>

#include "api/server_api.hpp"
#include "core/channel_name.hpp"
#include "protocol/command.hpp"
#include "protocol/cursor.hpp"
#include "transport/worker_context.hpp"

namespace triplex::api {

using reason = metrics::reject_reason;

void client_publish(transport::worker_context& ctx, const protocol::http_request& req,
                    respond_fn respond) {
  // Until JWT auth lands every client is anonymous.
  auto peek = protocol::parse_publish_body(req.body, ctx.cfg->max_body_bytes);
  if (auto* p = std::get_if<protocol::publish_request>(&peek)) {
    auto rules = ctx.cfg->rules_for(p->channel);
    if (!rules.client_publish || !rules.anonymous_publish) {
      ctx.metrics->rejected[reason::forbidden].inc();
      return respond(error(core::status::forbidden, "publishing is not allowed here"));
    }
  }
  api_publish(ctx, req, std::move(respond));
}

void client_presence(transport::worker_context& ctx, const protocol::http_request& req,
                     respond_fn respond) {
  const std::string* channel = req.target.param("channel");
  if (!channel || !core::is_valid_channel_name(*channel)) {
    ctx.metrics->rejected[reason::bad_channel].inc();
    return respond(error(core::status::bad_request, "channel: expected a valid channel name"));
  }
  if (!ctx.cfg->rules_for(*channel).presence) {
    ctx.metrics->rejected[reason::forbidden].inc();
    return respond(error(core::status::forbidden, "presence is off in this namespace"));
  }
  answer_presence(ctx, *channel, std::move(respond));
}

void client_history(transport::worker_context& ctx, const protocol::http_request& req,
                    respond_fn respond) {
  const std::string* channel = req.target.param("channel");
  if (!channel || !core::is_valid_channel_name(*channel)) {
    ctx.metrics->rejected[reason::bad_channel].inc();
    return respond(error(core::status::bad_request, "channel: expected a valid channel name"));
  }
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
