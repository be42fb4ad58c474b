// Authentication and permissions: see auth.hpp.
#include "transport/auth.hpp"

#include "core/permissions.hpp"
#include "transport/settings.hpp"

namespace triplex::transport {

std::variant<std::shared_ptr<const authenticator>, std::string> authenticator::make(
    std::string secret, std::string public_key_pem, std::chrono::seconds leeway) {
  protocol::jwt_config c;
  c.hs256_secret = std::move(secret);
  c.public_key_pem = std::move(public_key_pem);
  c.leeway = leeway;
  auto v = protocol::jwt_verifier::make(c);
  if (auto* err = std::get_if<std::string>(&v)) return *err;
  return std::shared_ptr<const authenticator>(
      new authenticator(std::move(std::get<protocol::jwt_verifier>(v)), leeway));
}

auth_result authenticator::authenticate(std::string_view token) const {
  auth_result out;
  if (token.empty()) {
    out.who = identity{};
    return out;
  }
  auto r = verifier_.verify(token, std::chrono::system_clock::now());
  if (auto* err = std::get_if<protocol::jwt_error>(&r)) {
    out.status = core::status::unauthorized;
    out.reason = err->kind == protocol::jwt_error_kind::expired
                     ? metrics::reject_reason::token_expired
                     : metrics::reject_reason::bad_token;
    out.message = "invalid token: " + err->message;
    return out;
  }
  identity who;
  who.authenticated = true;
  who.claims = std::move(std::get<protocol::claims>(r));
  if (who.claims.exp)
    who.expires =
        std::chrono::system_clock::time_point(std::chrono::seconds(*who.claims.exp)) + leeway_;
  out.who = std::move(who);
  return out;
}

std::string_view token_of(const protocol::http_request& req) {
  std::string_view auth = req.authorization;
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer "))
    return auth.substr(7);
  if (const std::string* t = req.target.param("token")) return *t;
  return {};
}

bool may_subscribe(const settings& cfg, const identity& who, std::string_view channel) {
  return core::may_subscribe(channel, who.user(), who.claims.channels,
                             cfg.rules_for(channel).anonymous_subscribe);
}

bool may_publish(const settings& cfg, const identity& who, std::string_view channel) {
  channel_rules rules = cfg.rules_for(channel);
  return core::may_publish(channel, who.user(), who.claims.publish, rules.client_publish,
                           rules.anonymous_publish);
}

}  // namespace triplex::transport
