// libFuzzer target for JWT verification (protocol/jwt.hpp). Arbitrary bytes as a token, checked
// by an HS256 verifier and by an ES256 verifier whose private key is thrown away: verify() must
// never crash and never accept (nobody here can sign), and every error carries a message. The
// same bytes are then used as the payload of a token this target signs itself, to reach claim
// parsing: an accepted token's claims must be consistent with the limits.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/base64url.hpp"
#include "protocol/json_text.hpp"
#include "protocol/jwt.hpp"

namespace {

namespace protocol = triplex::protocol;
using std::chrono::seconds;

// Tokens given as input are checked against `verify_secret`, which nothing ever signs with (the
// seed corpus uses yet another one); the tokens this target signs use `sign_secret`.
constexpr std::string_view verify_secret = "jwt-fuzz-verify-secret";
constexpr std::string_view sign_secret = "jwt-fuzz-sign-secret";
constexpr std::int64_t now_seconds = 1'700'000'000;
const std::chrono::system_clock::time_point now{seconds(now_seconds)};

protocol::jwt_verifier make_or_abort(const protocol::jwt_config& config) {
  auto r = protocol::jwt_verifier::make(config);
  if (!std::holds_alternative<protocol::jwt_verifier>(r)) std::abort();
  return std::get<protocol::jwt_verifier>(std::move(r));
}

// The PEM public key of a fresh P-256 key pair; the private half is freed here.
std::string throwaway_p256_public_pem() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  if (key == nullptr || bio == nullptr || PEM_write_bio_PUBKEY(bio, key) != 1) std::abort();
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

protocol::jwt_verifier make_hs_verifier(std::string_view secret) {
  protocol::jwt_config config;
  config.hs256_secret = secret;
  return make_or_abort(config);
}

const protocol::jwt_verifier& hs_verifier() {
  static const protocol::jwt_verifier v = make_hs_verifier(verify_secret);
  return v;
}

const protocol::jwt_verifier& signing_verifier() {
  static const protocol::jwt_verifier v = make_hs_verifier(sign_secret);
  return v;
}

const protocol::jwt_verifier& es_verifier() {
  static const protocol::jwt_verifier v = [] {
    protocol::jwt_config config;
    config.public_key_pem = throwaway_p256_public_pem();
    return make_or_abort(config);
  }();
  return v;
}

void expect_refused(const protocol::jwt_result& r) {
  const auto* e = std::get_if<protocol::jwt_error>(&r);
  if (e == nullptr || e->message.empty()) std::abort();
}

std::string signed_token(std::string_view payload) {
  std::string token = protocol::base64url_encode(R"({"alg":"HS256"})");
  token += '.';
  protocol::append_base64url(token, payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), sign_secret.data(), static_cast<int>(sign_secret.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac, &size);
  token += '.';
  protocol::append_base64url(token, std::string_view(reinterpret_cast<char*>(mac), size));
  return token;
}

void check_claims(const protocol::claims& c) {
  // Accepted means now < exp + leeway (written without overflow).
  if (c.exp && *c.exp <= now_seconds - protocol::jwt_config{}.leeway.count()) std::abort();
  if (c.info_json.empty()) return;
  if (c.info_json.size() > protocol::default_max_info_size) std::abort();
  boost::system::error_code ec;
  const boost::json::value info = boost::json::parse(c.info_json, ec);
  if (ec || !info.is_object()) std::abort();
  std::string minified;
  protocol::append_minified_json(minified, c.info_json);
  if (minified != c.info_json) std::abort();
}

void check_payload(std::string_view payload) {
  const protocol::jwt_result r = signing_verifier().verify(signed_token(payload), now);
  if (const auto* c = std::get_if<protocol::claims>(&r)) {
    check_claims(*c);
  } else if (std::get<protocol::jwt_error>(r).message.empty()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  expect_refused(hs_verifier().verify(text, now));
  expect_refused(es_verifier().verify(text, now));
  check_payload(text);
  return 0;
}
