// Server API methods (spec §4): see server_api.hpp.
#include "api/server_api.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <memory>

#include "core/channel_name.hpp"
#include "protocol/command.hpp"
#include "protocol/envelope.hpp"
#include "protocol/json_text.hpp"
#include "protocol/presence_json.hpp"
#include "protocol/result_json.hpp"
#include "transport/worker_context.hpp"

namespace triplex::api {

namespace json = boost::json;
using reason = metrics::reject_reason;

protocol::http_response json_response(std::string body) {
  protocol::http_response res;
  res.body = std::move(body);
  return res;
}

namespace {

void count_publish(transport::worker_context& ctx, bool ephemeral, std::size_t n = 1) {
  auto kind = ephemeral ? metrics::publish_kind::ephemeral : metrics::publish_kind::durable;
  ctx.metrics->messages_published[kind].inc(n);
}

// Reads {"channel", "since"?: {"epoch","offset"} | "epoch:offset", "limit"?} of api/history.
struct history_query {
  std::string channel;
  std::optional<core::position> since;
  std::size_t limit = 100;
  std::string error;
};

history_query parse_history_body(std::string_view body) {
  history_query q;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::string* ch = o && o->if_contains("channel") ? o->at("channel").if_string() : nullptr;
  if (!ch || !core::is_valid_channel_name(*ch)) {
    q.error = "channel: expected a valid channel name";
    return q;
  }
  q.channel = std::string(*ch);
  if (const json::value* s = o->if_contains("since"); s && !s->is_null()) {
    const json::object* so = s->if_object();
    const json::string* e = so && so->if_contains("epoch") ? so->at("epoch").if_string() : nullptr;
    const json::value* off = so ? so->if_contains("offset") : nullptr;
    boost::system::error_code num_ec;
    std::uint64_t offset = off ? off->to_number<std::uint64_t>(num_ec) : 0;
    if (!e || !off || num_ec) {  // not a number, negative, fractional or too large
      q.error = "since: expected {\"epoch\": string, \"offset\": integer}";
      return q;
    }
    q.since = core::position{std::string(*e), offset};
  }
  if (const json::value* l = o->if_contains("limit"); l && l->is_number())
    q.limit = static_cast<std::size_t>(std::clamp(l->to_number<double>(), 0.0, 1000.0));
  return q;
}

}  // namespace

reason reason_of(const protocol::command_error& e) {
  if (e.code == core::status::not_found) return reason::unknown_op;
  if (e.code == core::status::payload_too_large) return reason::too_large;
  return e.message.find("channel") != std::string::npos ? reason::bad_channel : reason::bad_json;
}

namespace {

// Counts and hands one parsed publish to the broker.
void start_publish(transport::worker_context& ctx, protocol::publish_request p,
                   broker::broker::publish_handler h) {
  count_publish(ctx, p.ephemeral);
  broker::publish_request breq{std::move(p.channel), std::move(p.data), p.ephemeral,
                               std::move(p.key)};
  ctx.broker->publish(ctx.id, std::move(breq), std::move(h));
}

// The answer to an accepted publish: its position, or {} for an ephemeral message.
std::string published_json(const broker::publish_result& res) {
  return res.pos.offset ? protocol::position_json(res.pos) : "{}";
}

}  // namespace

void publish(transport::worker_context& ctx, protocol::publish_request p, respond_fn respond) {
  start_publish(ctx, std::move(p), [respond](broker::publish_result res) {
    if (res.status != core::status::ok) return respond(error(res.status, res.error));
    respond(json_response(published_json(res)));
  });
}

std::string history_json(const broker::history_result& res) {
  return protocol::history_json(res.pos, broker::envelopes_of(res.messages));
}

void api_publish(transport::worker_context& ctx, const protocol::http_request& req,
                 respond_fn respond) {
  auto parsed = protocol::parse_publish_body(req.body, ctx.cfg->max_body_bytes);
  if (auto* err = std::get_if<protocol::command_error>(&parsed)) {
    ctx.metrics->rejected[reason_of(*err)].inc();
    return respond(error(err->code, err->message));
  }
  publish(ctx, std::move(std::get<protocol::publish_request>(parsed)), std::move(respond));
}

namespace {

// Collects the JSON replies of `n` operations answered in any order, then responds once with
// {"<field>":[reply 0, ..., reply n-1]}. Every answer comes back to the calling worker (the
// broker's contract), so the shared state needs no lock.
class ordered_replies {
 public:
  static std::shared_ptr<ordered_replies> make(std::size_t n, std::string_view field,
                                               respond_fn respond) {
    return std::shared_ptr<ordered_replies>(new ordered_replies(n, field, std::move(respond)));
  }

  void set(std::size_t i, std::string reply) {
    replies_[i] = std::move(reply);
    if (--left_ > 0) return;
    std::string body = "{\"" + field_ + "\":[";
    for (std::size_t k = 0; k < replies_.size(); ++k)
      body += (k ? "," : "") + replies_[k];
    respond_(json_response(body + "]}"));
  }

 private:
  ordered_replies(std::size_t n, std::string_view field, respond_fn respond)
      : replies_(n), left_(n), field_(field), respond_(std::move(respond)) {}
  std::vector<std::string> replies_;
  std::size_t left_;
  std::string field_;
  respond_fn respond_;
};

std::string publish_reply_json(const broker::publish_result& res) {
  return res.status == core::status::ok ? protocol::position_json(res.pos)
                                        : protocol::http_error_body(res.status, res.error);
}

}  // namespace

void api_broadcast(transport::worker_context& ctx, const protocol::http_request& req,
                   respond_fn respond) {
  auto parsed = protocol::parse_broadcast_body(req.body, ctx.cfg->max_body_bytes);
  if (auto* err = std::get_if<protocol::command_error>(&parsed)) {
    ctx.metrics->rejected[reason_of(*err)].inc();
    return respond(error(err->code, err->message));
  }
  auto& b = std::get<protocol::broadcast_request>(parsed);
  count_publish(ctx, false, b.channels.size());
  auto replies = ordered_replies::make(b.channels.size(), "results", std::move(respond));
  for (std::size_t i = 0; i < b.channels.size(); ++i) {
    broker::publish_request breq{b.channels[i], b.data, false, {}};
    ctx.broker->publish(ctx.id, std::move(breq), [replies, i](broker::publish_result res) {
      replies->set(i, publish_reply_json(res));
    });
  }
}

void api_batch(transport::worker_context& ctx, const protocol::http_request& req,
               respond_fn respond) {
  auto parsed = protocol::parse_batch_body(req.body, ctx.cfg->max_body_bytes);
  if (auto* err = std::get_if<protocol::command_error>(&parsed)) {
    ctx.metrics->rejected[reason_of(*err)].inc();
    return respond(error(err->code, err->message));
  }
  auto& commands = std::get<protocol::batch_request>(parsed).commands;
  auto replies = ordered_replies::make(commands.size(), "replies", std::move(respond));
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (auto* err = std::get_if<protocol::command_error>(&commands[i])) {
      ctx.metrics->rejected[reason_of(*err)].inc();
      replies->set(i, protocol::http_error_body(err->code, err->message));
      continue;
    }
    auto& p = std::get<protocol::publish_request>(commands[i]);
    start_publish(ctx, std::move(p), [replies, i](broker::publish_result res) {
      if (res.status != core::status::ok) return replies->set(i, publish_reply_json(res));
      replies->set(i, "{\"publish\":" + published_json(res) + "}");
    });
  }
}

void api_history(transport::worker_context& ctx, const protocol::http_request& req,
                 respond_fn respond) {
  history_query q = parse_history_body(req.body);
  if (!q.error.empty()) {
    ctx.metrics->rejected[q.channel.empty() ? reason::bad_channel : reason::bad_json].inc();
    return respond(error(core::status::bad_request, q.error));
  }
  ctx.broker->history(ctx.id, q.channel, q.since, q.limit, [respond](broker::history_result res) {
    respond(json_response(history_json(res)));
  });
}

void api_channels(transport::worker_context& ctx, const protocol::http_request& req,
                  respond_fn respond) {
  std::string pattern;
  boost::system::error_code ec;
  json::value v = json::parse(req.body.empty() ? "{}" : req.body, ec);
  if (const json::object* o = ec ? nullptr : v.if_object()) {
    if (auto* p = o->if_contains("pattern"); p && p->is_string()) pattern = p->as_string();
  }
  ctx.broker->channels(ctx.id, pattern, [respond](std::vector<broker::channel_info> list) {
    std::string body = "{\"channels\":[";
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i) body += ',';
      body += "{\"channel\":";
      protocol::append_json_string(body, list[i].channel);
      body += ",\"subscribers\":";
      protocol::append_json_uint(body, list[i].subscribers);
      body += '}';
    }
    respond(json_response(body + "]}"));
  });
}

namespace {

// The channel of a {"channel": ...} body; empty when missing or invalid.
std::string channel_of_body(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* c = o ? o->if_contains("channel") : nullptr;
  const json::string* s = c ? c->if_string() : nullptr;
  return s && core::is_valid_channel_name(*s) ? std::string(*s) : std::string();
}

}  // namespace

void answer_presence(transport::worker_context& ctx, const std::string& channel,
                     respond_fn respond) {
  ctx.broker->presence(
      ctx.id, channel, ctx.cfg->max_presence_members, [&ctx, respond](broker::presence_result res) {
        if (res.truncated) ctx.metrics->presence_truncated.inc();
        respond(json_response(
            protocol::presence_json(res.members, res.clients, res.users, res.truncated)));
      });
}

void api_presence(transport::worker_context& ctx, const protocol::http_request& req,
                  respond_fn respond) {
  std::string channel = channel_of_body(req.body);
  if (channel.empty()) {
    ctx.metrics->rejected[reason::bad_channel].inc();
    return respond(error(core::status::bad_request, "channel: expected a valid channel name"));
  }
  answer_presence(ctx, channel, std::move(respond));
}

void api_presence_stats(transport::worker_context& ctx, const protocol::http_request& req,
                        respond_fn respond) {
  std::string channel = channel_of_body(req.body);
  if (channel.empty()) {
    ctx.metrics->rejected[reason::bad_channel].inc();
    return respond(error(core::status::bad_request, "channel: expected a valid channel name"));
  }
  ctx.broker->presence(ctx.id, channel, 0, [respond](broker::presence_result res) {
    respond(json_response(protocol::presence_stats_json(res.clients, res.users)));
  });
}

namespace {

// Visits the workers one after another (each on its own thread), closing the user's
// connections, then answers on the worker that asked.
void disconnect_on(transport::worker_context& origin, std::size_t next, std::string user,
                   std::uint64_t closed, respond_fn respond) {
  auto& workers = origin.state->workers;
  if (next == workers.size()) {
    return boost::asio::post(origin.io, [closed, respond = std::move(respond)] {
      respond(json_response("{\"disconnected\":" + std::to_string(closed) + "}"));
    });
  }
  transport::worker_context* w = workers[next];
  boost::asio::post(w->io, [&origin, w, next, user = std::move(user), closed,
                            respond = std::move(respond)]() mutable {
    std::vector<transport::connection*> mine;
    for (auto* c : w->connections)
      if (c->user() == user) mine.push_back(c);
    for (auto* c : mine)
      if (w->connections.count(c)) c->disconnect();
    disconnect_on(origin, next + 1, std::move(user), closed + mine.size(), std::move(respond));
  });
}

}  // namespace

void api_disconnect(transport::worker_context& ctx, const protocol::http_request& req,
                    respond_fn respond) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* u = o ? o->if_contains("user") : nullptr;
  if (!u || !u->is_string() || u->as_string().empty()) {
    ctx.metrics->rejected[reason::bad_json].inc();
    return respond(error(core::status::bad_request, "user: expected a non-empty string"));
  }
  disconnect_on(ctx, 0, std::string(u->as_string()), 0, std::move(respond));
}

void api_info(transport::worker_context& ctx, const protocol::http_request&, respond_fn respond) {
  using metrics::transport;
  auto uptime = std::chrono::steady_clock::now() - ctx.state->started;
  std::string body = "{\"node\":";
  protocol::append_json_string(body, ctx.state->node_id);
  body += ",\"version\":\"" TRIPLEX_VERSION "\",\"uptime\":";
  protocol::append_json_uint(body,
                             std::chrono::duration_cast<std::chrono::seconds>(uptime).count());
  body += ",\"connections\":{";
  for (auto t : {transport::ws, transport::sse, transport::longpoll, transport::http}) {
    if (t != transport::ws) body += ',';
    body += '"' + std::string(metrics::to_string(t)) + "\":";
    protocol::append_json_int(body, ctx.metrics->connections[t].value());
  }
  respond(json_response(body + "}}"));
}

}  // namespace triplex::api
