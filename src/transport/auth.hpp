// Who a client is and what it may do (spec §5): tokens from `Authorization: Bearer` or the
// `token` query parameter are verified by protocol::jwt_verifier; permissions follow
// core::permissions with the namespace's options. Shared read-only by every worker.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "metrics/triplex_metrics.hpp"
#include "protocol/http_message.hpp"
#include "protocol/jwt.hpp"

namespace triplex::transport {

struct settings;

// A connection's identity: anonymous (no token) or the claims of a verified token.
struct identity {
  bool authenticated = false;
  protocol::claims claims;

  const std::string& user() const { return claims.sub; }
  // When the token stops being valid (exp + leeway); nullopt for no token or no exp.
  std::optional<std::chrono::system_clock::time_point> expires;
};

// The outcome of checking a token: an identity, or the status, reason and message to refuse
// with (401, bad_token / token_expired).
struct auth_result {
  std::optional<identity> who;
  core::status status = core::status::ok;
  metrics::reject_reason reason = metrics::reject_reason::bad_token;
  std::string message;
};

class authenticator {
 public:
  // From [auth]: the HS256 secret, the PEM text of the public key (the caller reads the file),
  // the leeway. Returns the reason on an unusable key (a start-up error).
  static std::variant<std::shared_ptr<const authenticator>, std::string> make(
      std::string secret, std::string public_key_pem, std::chrono::seconds leeway);

  // An empty token is anonymous. Any thread.
  auth_result authenticate(std::string_view token) const;

 private:
  explicit authenticator(protocol::jwt_verifier v, std::chrono::seconds leeway)
      : verifier_(std::move(v)), leeway_(leeway) {}
  protocol::jwt_verifier verifier_;
  std::chrono::seconds leeway_;
};

// The token of an HTTP request: `Authorization: Bearer <jwt>`, else `token=<jwt>`; "" if none.
std::string_view token_of(const protocol::http_request& req);

// Permission checks with the channel's namespace options (core/permissions.hpp).
bool may_subscribe(const settings& cfg, const identity& who, std::string_view channel);
bool may_publish(const settings& cfg, const identity& who, std::string_view channel);

}  // namespace triplex::transport
