// The JSON commands of a WebSocket connection (spec §3.1 table): see ws_connection.hpp.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "api/server_api.hpp"
#include "protocol/envelope.hpp"
#include "protocol/json_text.hpp"
#include "protocol/presence_json.hpp"
#include "protocol/result_json.hpp"
#include "protocol/ws_frame.hpp"
#include "transport/ws_connection.hpp"

namespace triplex::transport {

namespace ws = protocol::ws;
using reason = metrics::reject_reason;

void ws_connection::reply(const protocol::command& cmd, std::string_view result_json) {
  if (!cmd.id) return;  // commands without an id get no reply
  send_frame(ws::encode_frame(ws::opcode::text, protocol::reply_result(*cmd.id, result_json)));
}

void ws_connection::reply_error(std::optional<std::int64_t> id, core::status code,
                                std::string_view message) {
  send_frame(ws::encode_frame(ws::opcode::text, protocol::reply_error(id, code, message)));
}

void ws_connection::on_command(std::string_view text) {
  auto parsed = protocol::parse_command(text, ctx_.cfg->ws_max_message_size);
  if (auto* err = std::get_if<protocol::command_error>(&parsed)) {
    ctx_.metrics->rejected[api::reason_of(*err)].inc();
    return reply_error(err->id, err->code, err->message);
  }
  auto& cmd = std::get<protocol::command>(parsed);
  switch (cmd.kind) {
    case protocol::op::subscribe:
      return do_subscribe(cmd);
    case protocol::op::unsubscribe:
      return do_unsubscribe(cmd);
    case protocol::op::publish:
      return do_publish(cmd);
    case protocol::op::history:
      return do_history(cmd);
    case protocol::op::connect:
      return do_connect(cmd);
    case protocol::op::refresh:
      return do_refresh(cmd);
    case protocol::op::ping:
      return reply(cmd, "{}");
    case protocol::op::presence:
      return do_presence(cmd);
  }
}

bool ws_connection::check_read(const protocol::command& cmd) {
  if (may_subscribe(*ctx_.cfg, who_, cmd.channel)) return true;
  ctx_.metrics->rejected[reason::forbidden].inc();
  reply_error(cmd.id, core::status::forbidden, "not allowed to read " + cmd.channel);
  return false;
}

void ws_connection::do_subscribe(protocol::command& cmd) {
  if (!check_read(cmd)) return;
  if (subs_->contains(cmd.channel))
    return reply_error(cmd.id, core::status::bad_request, "already subscribed");
  if (subs_->size() >= ctx_.cfg->max_subscriptions) {
    ctx_.metrics->rejected[reason::too_many_subscriptions].inc();
    return reply_error(cmd.id, core::status::bad_request, "too many subscriptions");
  }
  auto id = cmd.id;
  subs_->subscribe(cmd.channel, cmd.since, [this, id](broker::subscribe_result& res) {
    if (id) {
      std::string result = protocol::subscribe_result_json(res.pos, res.recovered);
      send_frame(ws::encode_frame(ws::opcode::text, protocol::reply_result(*id, result)));
    }
    for (const auto& m : res.replay)
      on_event(m);
  });
}

void ws_connection::do_unsubscribe(const protocol::command& cmd) {
  if (!subs_->unsubscribe(cmd.channel))
    return reply_error(cmd.id, core::status::not_found, "not subscribed");
  reply(cmd, "{}");
}

void ws_connection::do_publish(protocol::command& cmd) {
  if (!may_publish(*ctx_.cfg, who_, cmd.channel)) {
    ctx_.metrics->rejected[reason::forbidden].inc();
    return reply_error(cmd.id, core::status::forbidden, "not allowed to publish to " + cmd.channel);
  }
  if (!publish_bucket_.try_take(std::chrono::steady_clock::now())) {
    ctx_.metrics->rejected[reason::rate_limited].inc();
    return reply_error(cmd.id, core::status::too_many_requests, "publishing too fast");
  }
  auto kind = cmd.ephemeral ? metrics::publish_kind::ephemeral : metrics::publish_kind::durable;
  ctx_.metrics->messages_published[kind].inc();
  broker::publish_request req{cmd.channel, std::move(cmd.data), cmd.ephemeral, std::move(cmd.key)};
  auto id = cmd.id;
  op_started();
  ctx_.broker->publish(
      ctx_.id, std::move(req), [self = shared_from_this(), id](broker::publish_result res) {
        self->op_finished();
        if (res.status != core::status::ok) return self->reply_error(id, res.status, res.error);
        if (!id) return;
        std::string result = res.pos.offset ? protocol::position_json(res.pos) : "{}";
        self->send_frame(ws::encode_frame(ws::opcode::text, protocol::reply_result(*id, result)));
      });
}

void ws_connection::do_history(protocol::command& cmd) {
  if (!cmd.id) return;  // a read nobody will see the answer of costs nothing
  if (!check_read(cmd)) return;
  std::size_t limit = cmd.limit ? static_cast<std::size_t>(*cmd.limit) : 100;
  auto id = cmd.id;
  op_started();
  ctx_.broker->history(
      ctx_.id, cmd.channel, cmd.since, std::min<std::size_t>(limit, 1000),
      [self = shared_from_this(), id](broker::history_result res) {
        self->op_finished();
        std::string result = protocol::history_json(res.pos, broker::envelopes_of(res.messages));
        self->send_frame(ws::encode_frame(ws::opcode::text, protocol::reply_result(*id, result)));
      });
}

void ws_connection::do_presence(const protocol::command& cmd) {
  if (!cmd.id) return;  // a read nobody will see the answer of costs nothing
  if (!check_read(cmd)) return;
  if (!ctx_.cfg->rules_for(cmd.channel).presence) {
    ctx_.metrics->rejected[reason::forbidden].inc();
    return reply_error(cmd.id, core::status::forbidden, "presence is off in this namespace");
  }
  auto id = cmd.id;
  op_started();
  ctx_.broker->presence(
      ctx_.id, cmd.channel, ctx_.cfg->max_presence_members,
      [self = shared_from_this(), id](broker::presence_result res) {
        self->op_finished();
        if (res.truncated) self->ctx_.metrics->presence_truncated.inc();
        self->send_frame(ws::encode_frame(
            ws::opcode::text,
            protocol::reply_result(
                *id, protocol::presence_json(res.members, res.clients, res.users, res.truncated))));
      });
}

namespace {

std::string identity_json(const std::string& client, const identity& who) {
  std::string out = "{\"client\":";
  protocol::append_json_string(out, client);
  out += ",\"user\":";
  protocol::append_json_string(out, who.user());
  out += ",\"expires\":";
  if (who.claims.exp)
    protocol::append_json_int(out, *who.claims.exp);
  else
    out += "null";
  out += '}';
  return out;
}

}  // namespace

// A new identity must allow every channel the connection is subscribed to: a token with a
// narrower `channels` claim (or of an anonymous connection that subscribed to what anonymous
// users may) is refused with 403 naming the first such channel, so subscriptions never outlive
// the token that allowed them. Returns whether the reply was sent.
bool ws_connection::refuse_narrower(const protocol::command& cmd, const identity& next) {
  const std::string* denied = subs_->find_channel(
      [&](std::string_view channel) { return !may_subscribe(*ctx_.cfg, next, channel); });
  if (!denied) return false;
  ctx_.metrics->rejected[reason::forbidden].inc();
  reply_error(cmd.id, core::status::forbidden,
              "the token does not allow channel " + *denied + ": unsubscribe from it first");
  return true;
}

// Authenticates a connection that came without a token (spec §3.1 `connect`).
void ws_connection::do_connect(const protocol::command& cmd) {
  if (who_.authenticated)
    return reply_error(cmd.id, core::status::bad_request, "already authenticated");
  auth_result r = ctx_.cfg->auth->authenticate(cmd.token);
  if (!r.who || !r.who->authenticated) {
    ctx_.metrics->rejected[r.reason].inc();
    return reply_error(cmd.id, core::status::unauthorized, r.who ? "empty token" : r.message);
  }
  if (refuse_narrower(cmd, *r.who)) return;
  set_identity(std::move(*r.who));
  reply(cmd, identity_json(client_id_, who_));
}

// Replaces the token before it expires, without reconnecting; the user must stay the same.
void ws_connection::do_refresh(const protocol::command& cmd) {
  auth_result r = ctx_.cfg->auth->authenticate(cmd.token);
  if (!r.who || !r.who->authenticated) {
    ctx_.metrics->rejected[r.reason].inc();
    return reply_error(cmd.id, core::status::unauthorized, r.who ? "empty token" : r.message);
  }
  if (who_.authenticated && r.who->user() != who_.user()) {
    ctx_.metrics->rejected[reason::forbidden].inc();
    return reply_error(cmd.id, core::status::forbidden, "a refresh must keep the same user");
  }
  if (refuse_narrower(cmd, *r.who)) return;
  set_identity(std::move(*r.who));
  reply(cmd, identity_json(client_id_, who_));
}

}  // namespace triplex::transport
