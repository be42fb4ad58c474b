// Demo endpoints: see demo.hpp.
#include "api/demo.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>

#include "api/server_api.hpp"
#include "core/channel_name.hpp"
#include "protocol/command.hpp"
#include "protocol/json_text.hpp"
#include "protocol/jwt_sign.hpp"
#include "transport/auth.hpp"
#include "transport/worker_context.hpp"

namespace triplex::api {

namespace {

// Demo user names: 1-32 of A-Z a-z 0-9 _ - (they end up in channel names).
bool valid_user(std::string_view u) {
  if (u.empty() || u.size() > 32) return false;
  for (char c : u)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

std::string demo_claims(const std::string& user, std::chrono::milliseconds ttl) {
  auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                 (std::chrono::system_clock::now() + ttl).time_since_epoch())
                 .count();
  std::string c = "{\"sub\":";
  protocol::append_json_string(c, user);
  c += ",\"exp\":";
  protocol::append_json_int(c, exp);
  c += ",\"channels\":[\"doc:*\",";
  protocol::append_json_string(c, "notify#" + user);
  c += "],\"publish\":[\"doc:*\"],\"info\":{\"name\":";
  protocol::append_json_string(c, user);
  c += "}}";
  return c;
}

}  // namespace

void demo_token(transport::worker_context& ctx, const protocol::http_request& req,
                respond_fn respond) {
  const std::string* user = req.target.param("user");
  if (!user || !valid_user(*user))
    return respond(error(core::status::bad_request, "user: 1-32 of A-Z a-z 0-9 _ -"));
  std::string token =
      protocol::sign_hs256(demo_claims(*user, ctx.cfg->demo_token_ttl), ctx.cfg->demo_secret);
  std::string body = "{\"token\":";
  protocol::append_json_string(body, token);
  body += ",\"user\":";
  protocol::append_json_string(body, *user);
  respond(json_response(body + "}"));
}

void demo_mention(transport::worker_context& ctx, const protocol::http_request& req,
                  respond_fn respond) {
  namespace json = boost::json;
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  auto str = [&](const char* k) -> std::string {
    const json::value* x = o ? o->if_contains(k) : nullptr;
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  auto who = ctx.cfg->auth->authenticate(str("token"));
  if (!who.who || !who.who->authenticated)
    return respond(error(core::status::unauthorized, "token: a demo token is required"));
  std::string to = str("to"), doc = str("doc"), text = str("text");
  if (!valid_user(to) || text.size() > 1000 || !core::is_valid_channel_name(doc))
    return respond(error(core::status::bad_request, "expected to, doc and text (<= 1000 bytes)"));
  std::string data = "{\"from\":";
  protocol::append_json_string(data, who.who->user());
  data += ",\"doc\":";
  protocol::append_json_string(data, doc);
  data += ",\"text\":";
  protocol::append_json_string(data, text);
  protocol::publish_request mention;
  mention.channel = "notify#" + to;
  mention.data = data + "}";
  publish(ctx, std::move(mention), std::move(respond));
}

}  // namespace triplex::api
