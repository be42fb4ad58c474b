// JSON Web Token verification for client auth (spec §5): JWS compact serialization (RFC 7515)
// carrying JWT claims (RFC 7519), signed with HS256 (shared secret), RS256 (RSA public key) or
// ES256 (EC P-256 public key). Sans-I/O: the token text and the current time in, claims or a
// classified error out; the caller reads key files and owns the clock. All cryptography is
// OpenSSL's (HMAC, EVP_DigestVerify); nothing here is hand-rolled.
//
// Thread-safety: a jwt_verifier is immutable once made; verify() is const and may run on any
// number of threads at once. Bad tokens never throw (only std::bad_alloc can escape): every
// failure is a jwt_error. Start-up problems (unusable key) are returned by make() as a message.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace triplex::protocol {

// What a verified token says about its holder (spec §5). A claim that is absent from the token
// is empty / nullopt here; a claim that is present always has the right type (else the token is
// malformed). Other claims (iat, iss, aud, ...) are ignored.
struct claims {
  std::string sub;                  // user id; empty = anonymous (no `sub`, or "")
  std::optional<std::int64_t> exp;  // `exp` in whole seconds since the Unix epoch; nullopt = none
  // `channels`: glob patterns the holder may subscribe to. nullopt = no such claim, which is not
  // the same as an empty list (see core/permissions.hpp).
  std::optional<std::vector<std::string>> channels;
  std::optional<std::vector<std::string>> publish;  // `publish`: patterns it may publish to
  std::string info_json;  // `info` object as minified JSON text (spelling kept); empty = absent
};

enum class jwt_error_kind {
  malformed,      // not three base64url segments of JSON objects, or a claim of the wrong type
  bad_signature,  // signature does not verify with the configured key
  bad_alg,        // `alg` is none, unknown, or not backed by a configured key
  expired,        // now >= exp + leeway
  not_yet_valid,  // now + leeway < nbf
  too_large,      // token longer than max_token_size, or `info` longer than max_info_size
};

// "malformed", "bad_signature", ... (for logs and metrics).
std::string_view jwt_error_kind_name(jwt_error_kind kind) noexcept;

struct jwt_error {
  jwt_error_kind kind = jwt_error_kind::malformed;
  std::string message;  // human-readable, never empty; never contains key material
};

using jwt_result = std::variant<claims, jwt_error>;

inline constexpr std::size_t default_max_token_size = 8 * 1024;
inline constexpr std::size_t default_max_info_size = 4 * 1024;

struct jwt_config {
  std::string hs256_secret;        // HS256 key bytes; empty = HS256 tokens refused (bad_alg)
  std::string public_key_pem;      // "-----BEGIN PUBLIC KEY-----" text: an RSA key (>= 2048 bits)
                                   // enables RS256, an EC P-256 key ES256; empty = neither
  std::chrono::seconds leeway{5};  // clock skew tolerated on exp and nbf; must be >= 0
  std::size_t max_token_size = default_max_token_size;  // bytes of token text
  std::size_t max_info_size = default_max_info_size;    // bytes of minified `info` JSON
};

class jwt_verifier;
using jwt_verifier_or_error = std::variant<jwt_verifier, std::string>;

class jwt_verifier {
 public:
  // Builds a verifier, or returns why the configuration is unusable (a PEM text that holds no
  // public key, a key type other than RSA >= 2048 bits or EC P-256, a negative leeway). A
  // configuration with no key at all is valid: such a verifier refuses every token (bad_alg).
  // Call at start-up, from any thread.
  static jwt_verifier_or_error make(const jwt_config& config);

  // Verifies `token` (the compact JWS text, without "Bearer ") at time `now`. Checks, in order:
  // size, three segments of unpadded base64url, header JSON object with a string `alg` and no
  // `crit`, `alg` configured, signature, payload JSON object, claim types, `info` size, exp and
  // nbf (with leeway). Returns the claims or the first failure. Any thread.
  jwt_result verify(std::string_view token, std::chrono::system_clock::time_point now) const;

  bool accepts_hs256() const noexcept { return !secret_.empty(); }
  // "RS256", "ES256", or "" when no public key is configured.
  std::string_view public_key_alg() const noexcept;

 private:
  enum class key_alg { none, rs256, es256 };
  struct pkey_deleter {
    void operator()(evp_pkey_st* key) const noexcept;
  };

  jwt_verifier() = default;

  std::string secret_;
  std::unique_ptr<evp_pkey_st, pkey_deleter> public_key_;
  key_alg public_alg_ = key_alg::none;
  std::chrono::seconds leeway_{0};
  std::size_t max_token_size_ = default_max_token_size;
  std::size_t max_info_size_ = default_max_info_size;
};

}  // namespace triplex::protocol
