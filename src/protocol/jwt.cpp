#include "protocol/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <climits>
#include <cmath>

#include "protocol/base64url.hpp"
#include "protocol/json_text.hpp"

namespace triplex::protocol {
namespace {

namespace json = boost::json;

constexpr std::size_t max_jwt_json_depth = 32;
constexpr std::size_t sha256_size = 32;
constexpr std::size_t es256_half_size = 32;  // bytes of r and of s in a JWS ES256 signature
constexpr int min_rsa_bits = 2048;

enum class alg { hs256, rs256, es256 };

jwt_error fail(jwt_error_kind kind, std::string message) {
  return {kind, std::move(message)};
}

jwt_error malformed(std::string message) {
  return fail(jwt_error_kind::malformed, std::move(message));
}

// ---- OpenSSL helpers ----------------------------------------------------------------------

struct bio_free {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct ecdsa_sig_free {
  void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};

// The reason of the oldest queued OpenSSL error (or `fallback`), clearing the queue.
std::string take_openssl_error(std::string_view fallback) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return std::string(fallback);
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? std::string(reason) : std::string(fallback);
}

bool verify_hs256(std::string_view secret, std::string_view input, std::string_view signature) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  const unsigned char* ok =
      HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_size);
  if (ok == nullptr) {
    ERR_clear_error();
    return false;
  }
  return mac_size == sha256_size && signature.size() == sha256_size &&
         CRYPTO_memcmp(mac, signature.data(), sha256_size) == 0;
}

// A JWS ES256 signature (r || s, 32 bytes each, big-endian) as the DER ECDSA-Sig-Value that
// EVP_DigestVerify expects, or "" when it has the wrong size.
std::string es256_to_der(std::string_view raw) {
  if (raw.size() != 2 * es256_half_size) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, es256_half_size, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + es256_half_size, es256_half_size, nullptr);
  std::unique_ptr<ECDSA_SIG, ecdsa_sig_free> sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ERR_clear_error();
    return {};
  }
  const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (size <= 0) return {};
  std::string der(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != size) return {};
  return der;
}

// SHA-256 signature check with a public key; `signature` is PKCS#1 v1.5 (RSA) or DER (EC).
bool verify_with_key(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

// The public key of a PEM "PUBLIC KEY" block, or an error message.
std::variant<EVP_PKEY*, std::string> read_public_key(std::string_view pem) {
  if (pem.size() > INT_MAX) return std::string("jwt_public_key: PEM text too large");
  std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return "jwt_public_key: " + take_openssl_error("out of memory");
  // A callback that never asks for a passphrase (the default one reads the terminal).
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr);
  if (key == nullptr && pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    ERR_clear_error();
    return std::string(
        "jwt_public_key: holds a private key; give Triplex only the public key "
        "(openssl pkey -in private.pem -pubout)");
  }
  if (key == nullptr) {
    return "jwt_public_key: no PEM public key (-----BEGIN PUBLIC KEY-----) found: " +
           take_openssl_error("unreadable");
  }
  return key;
}

bool is_p256(EVP_PKEY* key) {
  char name[64];
  std::size_t size = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof name, &size) != 1) {
    ERR_clear_error();
    return false;
  }
  return OBJ_sn2nid(name) == NID_X9_62_prime256v1;
}

// ---- JSON helpers -------------------------------------------------------------------------

std::string_view view(const json::string& s) {
  return {s.data(), s.size()};
}

json::value parse_json(std::string_view text, json::storage_ptr storage,
                       boost::system::error_code& ec) {
  json::parse_options options;
  options.max_depth = max_jwt_json_depth;
  return json::parse(text, ec, std::move(storage), options);
}

const json::value* member(const json::object& object, std::string_view name) {
  return object.if_contains(json::string_view(name.data(), name.size()));
}

// A NumericDate (RFC 7519 §2) as whole seconds; a fraction is rounded towards the stricter
// side (`round_up` for nbf, down for exp). nullopt when not a number or out of int64 range.
std::optional<std::int64_t> numeric_date(const json::value& v, bool round_up) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return std::nullopt;  // > INT64_MAX
  if (!v.is_double()) return std::nullopt;
  const double d = round_up ? std::ceil(v.get_double()) : std::floor(v.get_double());
  constexpr double limit = 9.2e18;  // inside int64 range, and exactly representable
  if (!(d >= -limit && d <= limit)) return std::nullopt;  // also NaN and infinities
  return static_cast<std::int64_t>(d);
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? INT64_MAX : INT64_MIN;
}

// ---- token pieces -------------------------------------------------------------------------

struct segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // "header.payload", what the signature covers
};

std::optional<segments> split_token(std::string_view token) {
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  if (token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  return segments{token.substr(0, first), token.substr(first + 1, second - first - 1),
                  token.substr(second + 1), token.substr(0, second)};
}

struct time_claims {
  std::optional<std::int64_t> exp;
  std::optional<std::int64_t> nbf;
};

// Reads the claims of the payload `object`, parsed from `source`. Returns the first problem.
class claims_reader {
 public:
  claims_reader(const json::object& object, std::string_view source, std::size_t max_info_size)
      : object_(object), source_(source), max_info_size_(max_info_size) {}

  std::optional<jwt_error> read(claims& out, time_claims& times) const {
    if (auto e = read_sub(out.sub)) return e;
    if (auto e = read_date("exp", false, times.exp)) return e;
    if (auto e = read_date("nbf", true, times.nbf)) return e;
    if (auto e = read_patterns("channels", out.channels)) return e;
    if (auto e = read_patterns("publish", out.publish)) return e;
    out.exp = times.exp;
    return read_info(out.info_json);
  }

 private:
  static jwt_error wrong_type(std::string_view name, std::string_view expected) {
    return malformed("claim '" + std::string(name) + "' must be " + std::string(expected));
  }

  std::optional<jwt_error> read_sub(std::string& out) const {
    const json::value* v = member(object_, "sub");
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return wrong_type("sub", "a string");
    out = view(v->get_string());
    return std::nullopt;
  }

  std::optional<jwt_error> read_date(std::string_view name, bool round_up,
                                     std::optional<std::int64_t>& out) const {
    const json::value* v = member(object_, name);
    if (v == nullptr) return std::nullopt;
    out = numeric_date(*v, round_up);
    if (!out) return wrong_type(name, "a number of seconds since the Unix epoch");
    return std::nullopt;
  }

  std::optional<jwt_error> read_patterns(std::string_view name,
                                         std::optional<std::vector<std::string>>& out) const {
    const json::value* v = member(object_, name);
    if (v == nullptr) return std::nullopt;
    const json::array* list = v->if_array();
    if (list == nullptr) return wrong_type(name, "an array of strings");
    std::vector<std::string> patterns;
    patterns.reserve(list->size());
    for (const json::value& item : *list) {
      const json::string* s = item.if_string();
      if (s == nullptr) return wrong_type(name, "an array of strings");
      patterns.emplace_back(view(*s));
    }
    out = std::move(patterns);
    return std::nullopt;
  }

  std::optional<jwt_error> read_info(std::string& out) const {
    const json::value* v = member(object_, "info");
    if (v == nullptr) return std::nullopt;
    if (!v->is_object()) return wrong_type("info", "an object");
    // Relay the object as the backend wrote it (minified), like publish data: re-serializing
    // the DOM would rewrite numbers.
    const std::optional<std::string_view> raw = find_json_member(source_, "info");
    if (!raw) return malformed("claim 'info' could not be located in the payload");
    out.clear();
    append_minified_json(out, *raw);
    if (out.size() <= max_info_size_) return std::nullopt;
    out.clear();
    return fail(jwt_error_kind::too_large,
                "claim 'info' longer than " + std::to_string(max_info_size_) + " bytes");
  }

  const json::object& object_;
  std::string_view source_;
  std::size_t max_info_size_;
};

}  // namespace

std::string_view jwt_error_kind_name(jwt_error_kind kind) noexcept {
  switch (kind) {
    case jwt_error_kind::malformed:
      return "malformed";
    case jwt_error_kind::bad_signature:
      return "bad_signature";
    case jwt_error_kind::bad_alg:
      return "bad_alg";
    case jwt_error_kind::expired:
      return "expired";
    case jwt_error_kind::not_yet_valid:
      return "not_yet_valid";
    case jwt_error_kind::too_large:
      return "too_large";
  }
  return "unknown";
}

void jwt_verifier::pkey_deleter::operator()(evp_pkey_st* key) const noexcept {
  EVP_PKEY_free(key);
}

jwt_verifier_or_error jwt_verifier::make(const jwt_config& config) {
  if (config.leeway.count() < 0) return std::string("auth.leeway must not be negative");
  jwt_verifier v;
  v.secret_ = config.hs256_secret;
  v.leeway_ = config.leeway;
  v.max_token_size_ = config.max_token_size;
  v.max_info_size_ = config.max_info_size;
  if (config.public_key_pem.empty()) return v;

  auto key = read_public_key(config.public_key_pem);
  if (auto* message = std::get_if<std::string>(&key)) return std::move(*message);
  v.public_key_.reset(std::get<EVP_PKEY*>(key));
  EVP_PKEY* k = v.public_key_.get();
  if (EVP_PKEY_is_a(k, "RSA")) {
    if (EVP_PKEY_get_bits(k) < min_rsa_bits) {
      return "jwt_public_key: RSA key of " + std::to_string(EVP_PKEY_get_bits(k)) +
             " bits; RS256 needs at least " + std::to_string(min_rsa_bits);
    }
    v.public_alg_ = key_alg::rs256;
  } else if (EVP_PKEY_is_a(k, "EC") && is_p256(k)) {
    v.public_alg_ = key_alg::es256;
  } else {
    const char* type = EVP_PKEY_get0_type_name(k);
    return "jwt_public_key: unsupported key type '" + std::string(type ? type : "?") +
           "'; use an RSA key (RS256) or an EC P-256 key (ES256)";
  }
  return v;
}

std::string_view jwt_verifier::public_key_alg() const noexcept {
  switch (public_alg_) {
    case key_alg::rs256:
      return "RS256";
    case key_alg::es256:
      return "ES256";
    case key_alg::none:
      break;
  }
  return "";
}

namespace {

// The algorithm of a header, if this verifier has a key for it.
std::variant<alg, jwt_error> header_alg(const json::object& header, bool has_secret,
                                        std::string_view public_alg) {
  if (member(header, "crit") != nullptr) {
    return malformed("JWT header parameter 'crit' is not supported");
  }
  const json::value* v = member(header, "alg");
  if (v == nullptr || !v->is_string()) return malformed("JWT header needs a string 'alg'");
  const std::string_view name = view(v->get_string());
  if (name == "none") return fail(jwt_error_kind::bad_alg, "alg 'none' is always refused");
  if (name == "HS256" && has_secret) return alg::hs256;
  if (name == "RS256" && public_alg == name) return alg::rs256;
  if (name == "ES256" && public_alg == name) return alg::es256;
  if (name == "HS256" || name == "RS256" || name == "ES256") {
    return fail(jwt_error_kind::bad_alg, "alg '" + std::string(name) + "' is not configured");
  }
  return fail(jwt_error_kind::bad_alg, "alg is not one of HS256, RS256, ES256");
}

bool signature_matches(alg algorithm, std::string_view secret, EVP_PKEY* public_key,
                       std::string_view input, std::string_view signature) {
  switch (algorithm) {
    case alg::hs256:
      return verify_hs256(secret, input, signature);
    case alg::rs256:
      return verify_with_key(public_key, input, signature);
    case alg::es256: {
      const std::string der = es256_to_der(signature);
      return !der.empty() && verify_with_key(public_key, input, der);
    }
  }
  return false;
}

std::optional<jwt_error> check_times(const time_claims& times, std::int64_t now,
                                     std::int64_t leeway) {
  // RFC 7519: valid while now < exp, and from now >= nbf; both widened by the leeway.
  if (times.exp && now >= saturating_add(*times.exp, leeway)) {
    return fail(jwt_error_kind::expired, "token expired");
  }
  if (times.nbf && saturating_add(now, leeway) < *times.nbf) {
    return fail(jwt_error_kind::not_yet_valid, "token not valid yet (nbf)");
  }
  return std::nullopt;
}

}  // namespace

jwt_result jwt_verifier::verify(std::string_view token,
                                std::chrono::system_clock::time_point now) const {
  if (token.size() > max_token_size_) {
    return fail(jwt_error_kind::too_large,
                "token longer than " + std::to_string(max_token_size_) + " bytes");
  }
  const std::optional<segments> parts = split_token(token);
  if (!parts) return malformed("a JWT has three '.'-separated segments");
  const std::optional<std::string> header_text = base64url_decode(parts->header);
  const std::optional<std::string> payload_text = base64url_decode(parts->payload);
  const std::optional<std::string> signature = base64url_decode(parts->signature);
  if (!header_text || !payload_text || !signature) {
    return malformed("JWT segment is not unpadded base64url");
  }

  unsigned char buffer[4096];
  json::monotonic_resource resource(buffer, sizeof buffer);
  boost::system::error_code ec;
  const json::value header = parse_json(*header_text, &resource, ec);
  if (ec || !header.is_object()) return malformed("JWT header is not a JSON object");
  const auto algorithm = header_alg(header.get_object(), accepts_hs256(), public_key_alg());
  if (const auto* e = std::get_if<jwt_error>(&algorithm)) return *e;

  if (!signature_matches(std::get<alg>(algorithm), secret_, public_key_.get(), parts->signing_input,
                         *signature)) {
    return fail(jwt_error_kind::bad_signature, "bad token signature");
  }

  const json::value payload = parse_json(*payload_text, &resource, ec);
  if (ec || !payload.is_object()) return malformed("JWT payload is not a JSON object");
  claims out;
  time_claims times;
  const claims_reader reader(payload.get_object(), *payload_text, max_info_size_);
  if (auto e = reader.read(out, times)) return std::move(*e);
  const auto now_seconds = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  if (auto e = check_times(times, now_seconds, leeway_.count())) return std::move(*e);
  return out;
}

}  // namespace triplex::protocol
