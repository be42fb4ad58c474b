// Tests of JWT verification (protocol/jwt.hpp, spec §5). Keys are generated here with OpenSSL
// and tokens signed by a small test-only signer, so no key material is checked in; the clock is
// a fixed time point.
#include "protocol/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "protocol/base64url.hpp"

namespace triplex::protocol {
namespace {

using std::chrono::seconds;
using time_point = std::chrono::system_clock::time_point;

constexpr std::int64_t t0 = 1'700'000'000;  // "now" in most tests
const time_point now{seconds(t0)};
constexpr std::string_view secret = "a-test-secret-of-32-bytes-length";

// ---- test-only signer ---------------------------------------------------------------------

struct pkey_free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

pkey_ptr rsa_key(unsigned bits) {
  return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
}

pkey_ptr ec_key(const char* curve) {
  return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

std::string public_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string private_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string hs256(std::string_view key, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
  return std::string(reinterpret_cast<const char*>(mac), size);
}

// SHA-256 signature with a private key: PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value for EC.
std::string sign_with_key(EVP_PKEY* key, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t size = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(ctx, nullptr, &size, in, input.size());
  std::string sig(size, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size, in, input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(size);
  return sig;
}

// DER ECDSA-Sig-Value to JWS r || s (32 bytes each).
std::string der_to_raw(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

using signer = std::function<std::string(std::string_view signing_input)>;

signer hs256_signer(std::string_view key) {
  return [key = std::string(key)](std::string_view in) { return hs256(key, in); };
}
signer rs256_signer(EVP_PKEY* key) {
  return [key](std::string_view in) { return sign_with_key(key, in); };
}
signer es256_signer(EVP_PKEY* key) {
  return [key](std::string_view in) { return der_to_raw(sign_with_key(key, in)); };
}

std::string make_token(std::string_view header_json, std::string_view payload_json,
                       const signer& sign) {
  std::string token = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  const std::string signature = sign ? sign(token) : std::string();
  return token + "." + base64url_encode(signature);
}

struct test_keys {
  pkey_ptr rsa = rsa_key(2048);
  pkey_ptr rsa_other = rsa_key(2048);
  pkey_ptr ec = ec_key("P-256");
  pkey_ptr ec_other = ec_key("P-256");
  std::string rsa_pem = public_pem(rsa.get());
  std::string ec_pem = public_pem(ec.get());
};

const test_keys& keys() {
  static const test_keys k;
  return k;
}

// ---- tokens and verifiers -----------------------------------------------------------------

constexpr std::string_view hs_header = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view rs_header = R"({"alg":"RS256","typ":"JWT"})";
constexpr std::string_view es_header = R"({"alg":"ES256","typ":"JWT"})";

std::string hs_token(std::string_view payload, std::string_view key = secret) {
  return make_token(hs_header, payload, hs256_signer(key));
}
std::string rs_token(std::string_view payload, EVP_PKEY* key = keys().rsa.get()) {
  return make_token(rs_header, payload, rs256_signer(key));
}
std::string es_token(std::string_view payload, EVP_PKEY* key = keys().ec.get()) {
  return make_token(es_header, payload, es256_signer(key));
}

std::string exp_payload(std::int64_t exp) {
  return R"({"sub":"alice","exp":)" + std::to_string(exp) + "}";
}

jwt_config config(std::string_view hs256_secret, std::string_view public_key_pem = {},
                  seconds leeway = seconds(5)) {
  jwt_config c;
  c.hs256_secret = hs256_secret;
  c.public_key_pem = public_key_pem;
  c.leeway = leeway;
  return c;
}

jwt_verifier make_verifier(const jwt_config& config) {
  jwt_verifier_or_error r = jwt_verifier::make(config);
  if (const auto* message = std::get_if<std::string>(&r)) {
    ADD_FAILURE() << *message;
    return std::get<jwt_verifier>(jwt_verifier::make({}));
  }
  return std::get<jwt_verifier>(std::move(r));
}

jwt_verifier hs_verifier(seconds leeway = seconds(5)) {
  return make_verifier(config(secret, {}, leeway));
}
jwt_verifier rs_verifier() {
  return make_verifier(config({}, keys().rsa_pem));
}
jwt_verifier es_verifier() {
  return make_verifier(config({}, keys().ec_pem));
}

std::string make_error(const jwt_config& config) {
  jwt_verifier_or_error r = jwt_verifier::make(config);
  if (std::holds_alternative<jwt_verifier>(r)) return "(made a verifier)";
  return std::get<std::string>(r);
}

// "ok", or the error kind's name.
std::string outcome(const jwt_result& r) {
  if (std::holds_alternative<claims>(r)) return "ok";
  const jwt_error& e = std::get<jwt_error>(r);
  EXPECT_FALSE(e.message.empty());
  return std::string(jwt_error_kind_name(e.kind));
}

claims expect_ok(const jwt_result& r) {
  if (const auto* e = std::get_if<jwt_error>(&r)) {
    ADD_FAILURE() << jwt_error_kind_name(e->kind) << ": " << e->message;
    return {};
  }
  return std::get<claims>(r);
}

std::string message_of(const jwt_result& r) {
  const auto* e = std::get_if<jwt_error>(&r);
  return e ? e->message : std::string("(ok)");
}

// ---- start-up -----------------------------------------------------------------------------

TEST(JwtStartup, PicksTheAlgorithmFromTheKeyType) {
  EXPECT_EQ(rs_verifier().public_key_alg(), "RS256");
  EXPECT_EQ(es_verifier().public_key_alg(), "ES256");
  EXPECT_FALSE(rs_verifier().accepts_hs256());
  EXPECT_TRUE(hs_verifier().accepts_hs256());
  EXPECT_EQ(hs_verifier().public_key_alg(), "");
  const jwt_verifier both = make_verifier(config(secret, keys().ec_pem));
  EXPECT_TRUE(both.accepts_hs256());
  EXPECT_EQ(both.public_key_alg(), "ES256");
}

TEST(JwtStartup, RefusesOtherKeyTypes) {
  const pkey_ptr p384 = ec_key("P-384");
  EXPECT_NE(make_error(config({}, public_pem(p384.get()))).find("P-256"), std::string::npos);
  const pkey_ptr ed = pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  EXPECT_NE(make_error(config({}, public_pem(ed.get()))).find("ED25519"), std::string::npos);
  const pkey_ptr small_rsa = rsa_key(1024);
  EXPECT_NE(make_error(config({}, public_pem(small_rsa.get()))).find("2048"), std::string::npos);
}

TEST(JwtStartup, RefusesTextWithoutAPublicKey) {
  for (const std::string& pem :
       {std::string("not a key"), private_pem(keys().ec.get()), keys().rsa_pem.substr(0, 100)}) {
    EXPECT_NE(make_error(config({}, pem)).find("jwt_public_key"), std::string::npos);
  }
}

TEST(JwtStartup, NamesAPrivateKeyGivenAsPublicKey) {
  EXPECT_NE(make_error(config({}, private_pem(keys().ec.get()))).find("private key"),
            std::string::npos);
}

TEST(JwtStartup, AcceptsPkcs1RsaPublicKey) {
  // The "type-specific" structure of an RSA public key is PKCS#1 RSAPublicKey.
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(keys().rsa.get(), EVP_PKEY_PUBLIC_KEY,
                                                        "PEM", "type-specific", nullptr);
  unsigned char* data = nullptr;
  std::size_t size = 0;
  ASSERT_EQ(OSSL_ENCODER_to_data(ctx, &data, &size), 1);
  const std::string pem(reinterpret_cast<char*>(data), size);
  OPENSSL_free(data);
  OSSL_ENCODER_CTX_free(ctx);
  ASSERT_NE(pem.find("BEGIN RSA PUBLIC KEY"), std::string::npos);
  const jwt_verifier v = make_verifier(config({}, pem));
  EXPECT_EQ(v.public_key_alg(), "RS256");
  EXPECT_EQ(outcome(v.verify(rs_token("{}"), now)), "ok");
}

TEST(JwtStartup, RefusesNegativeLeeway) {
  EXPECT_NE(make_error(config("s", {}, seconds(-1))).find("leeway"), std::string::npos);
}

TEST(JwtStartup, WithoutKeysEveryTokenIsBadAlg) {
  const jwt_verifier v = make_verifier({});
  EXPECT_EQ(outcome(v.verify(hs_token(exp_payload(t0 + 60)), now)), "bad_alg");
  EXPECT_EQ(outcome(v.verify(rs_token(exp_payload(t0 + 60)), now)), "bad_alg");
  EXPECT_EQ(outcome(v.verify(es_token(exp_payload(t0 + 60)), now)), "bad_alg");
}

TEST(JwtErrorKind, HasNames) {
  EXPECT_EQ(jwt_error_kind_name(jwt_error_kind::malformed), "malformed");
  EXPECT_EQ(jwt_error_kind_name(jwt_error_kind::bad_signature), "bad_signature");
  EXPECT_EQ(jwt_error_kind_name(jwt_error_kind::bad_alg), "bad_alg");
  EXPECT_EQ(jwt_error_kind_name(jwt_error_kind::expired), "expired");
  EXPECT_EQ(jwt_error_kind_name(jwt_error_kind::not_yet_valid), "not_yet_valid");
  EXPECT_EQ(jwt_error_kind_name(jwt_error_kind::too_large), "too_large");
}

// ---- valid tokens -------------------------------------------------------------------------

constexpr std::string_view full_payload =
    R"({"sub":"alice","exp":1700000060,"iat":1699999000,"channels":["doc:*","notify#alice"],)"
    R"("publish":["chat:*"],"info":{ "name" : "Alice", "n": 1.50e1 },"aud":"ignored"})";

void expect_full_claims(const claims& c) {
  EXPECT_EQ(c.sub, "alice");
  EXPECT_EQ(c.exp, 1700000060);
  EXPECT_EQ(c.channels, (std::vector<std::string>{"doc:*", "notify#alice"}));
  EXPECT_EQ(c.publish, (std::vector<std::string>{"chat:*"}));
  EXPECT_EQ(c.info_json, R"({"name":"Alice","n":1.50e1})");
}

TEST(JwtHs256, VerifiesAndReadsClaims) {
  expect_full_claims(expect_ok(hs_verifier().verify(hs_token(full_payload), now)));
}

TEST(JwtRs256, VerifiesAndReadsClaims) {
  expect_full_claims(expect_ok(rs_verifier().verify(rs_token(full_payload), now)));
}

TEST(JwtEs256, VerifiesAndReadsClaims) {
  expect_full_claims(expect_ok(es_verifier().verify(es_token(full_payload), now)));
}

TEST(JwtHs256, EmptyPayloadIsAnonymousWithoutClaims) {
  const claims c = expect_ok(hs_verifier().verify(hs_token("{}"), now));
  EXPECT_EQ(c.sub, "");
  EXPECT_FALSE(c.exp);
  EXPECT_FALSE(c.channels);
  EXPECT_FALSE(c.publish);
  EXPECT_EQ(c.info_json, "");
}

TEST(JwtHs256, EmptyListsArePresentClaims) {
  const claims c =
      expect_ok(hs_verifier().verify(hs_token(R"({"channels":[],"publish":[]})"), now));
  ASSERT_TRUE(c.channels && c.publish);
  EXPECT_TRUE(c.channels->empty());
  EXPECT_TRUE(c.publish->empty());
}

TEST(JwtHs256, HeaderMayCarryOtherParameters) {
  const std::string token =
      make_token(R"({"typ":"JWT","kid":"k1","alg":"HS256"})", "{}", hs256_signer(secret));
  EXPECT_EQ(outcome(hs_verifier().verify(token, now)), "ok");
}

TEST(JwtBothKeys, AcceptsEachConfiguredAlgorithm) {
  const jwt_verifier v = make_verifier(config(secret, keys().rsa_pem));
  EXPECT_EQ(outcome(v.verify(hs_token("{}"), now)), "ok");
  EXPECT_EQ(outcome(v.verify(rs_token("{}"), now)), "ok");
  EXPECT_EQ(outcome(v.verify(es_token("{}"), now)), "bad_alg");
}

// RFC 7515 appendix A.1: an HS256 JWS made by another implementation.
TEST(JwtHs256, VerifiesRfc7515Example) {
  const std::string key = *base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const jwt_verifier v = make_verifier(config(key, {}, seconds(0)));
  const claims c = expect_ok(v.verify(token, time_point(seconds(1300819379))));
  EXPECT_EQ(c.exp, 1300819380);
  EXPECT_EQ(outcome(v.verify(token, time_point(seconds(1300819380)))), "expired");
}

// ---- wrong key, wrong alg -----------------------------------------------------------------

TEST(JwtHs256, WrongSecretIsBadSignature) {
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token("{}", "another secret"), now)), "bad_signature");
}

TEST(JwtRs256, WrongKeyIsBadSignature) {
  EXPECT_EQ(outcome(rs_verifier().verify(rs_token("{}", keys().rsa_other.get()), now)),
            "bad_signature");
}

TEST(JwtEs256, WrongKeyIsBadSignature) {
  EXPECT_EQ(outcome(es_verifier().verify(es_token("{}", keys().ec_other.get()), now)),
            "bad_signature");
}

TEST(JwtEs256, DerSignatureIsRefused) {
  // JWS ES256 signatures are raw r || s; a DER-encoded one (what OpenSSL produces) is refused.
  const std::string token = make_token(
      es_header, "{}", [](std::string_view in) { return sign_with_key(keys().ec.get(), in); });
  EXPECT_EQ(outcome(es_verifier().verify(token, now)), "bad_signature");
}

TEST(JwtEs256, SignatureOfWrongSizeIsRefused) {
  for (std::size_t size : {0, 32, 63, 65, 128}) {
    const std::string token = make_token(es_header, "{}", [size](std::string_view in) {
      std::string raw = der_to_raw(sign_with_key(keys().ec.get(), in));
      raw.resize(size, '\x01');
      return raw;
    });
    EXPECT_EQ(outcome(es_verifier().verify(token, now)), "bad_signature") << size;
  }
}

TEST(JwtAlg, HsTokenAgainstPublicKeyVerifierIsBadAlg) {
  EXPECT_EQ(outcome(rs_verifier().verify(hs_token("{}"), now)), "bad_alg");
  EXPECT_EQ(outcome(es_verifier().verify(hs_token("{}"), now)), "bad_alg");
}

TEST(JwtAlg, PublicKeyTokenAgainstHsVerifierIsBadAlg) {
  EXPECT_EQ(outcome(hs_verifier().verify(rs_token("{}"), now)), "bad_alg");
  EXPECT_EQ(outcome(hs_verifier().verify(es_token("{}"), now)), "bad_alg");
  EXPECT_EQ(outcome(rs_verifier().verify(es_token("{}"), now)), "bad_alg");
  EXPECT_EQ(outcome(es_verifier().verify(rs_token("{}"), now)), "bad_alg");
}

// The classic confusion attack: HMAC with the (public) RSA key's PEM text as the secret.
TEST(JwtAlg, HsTokenKeyedWithThePublicKeyIsRefused) {
  const std::string forged = hs_token(exp_payload(t0 + 60), keys().rsa_pem);
  EXPECT_EQ(outcome(rs_verifier().verify(forged, now)), "bad_alg");
  const jwt_verifier both = make_verifier(config(secret, keys().rsa_pem));
  EXPECT_EQ(outcome(both.verify(forged, now)), "bad_signature");
}

TEST(JwtAlg, NoneIsAlwaysRefused) {
  const jwt_verifier both = make_verifier(config(secret, keys().rsa_pem));
  const std::string unsigned_token = make_token(R"({"alg":"none"})", exp_payload(t0 + 60), {});
  const std::string signed_token =
      make_token(R"({"alg":"none"})", exp_payload(t0 + 60), hs256_signer(secret));
  EXPECT_EQ(outcome(both.verify(unsigned_token, now)), "bad_alg");
  EXPECT_EQ(outcome(both.verify(signed_token, now)), "bad_alg");
  EXPECT_EQ(outcome(hs_verifier().verify(unsigned_token, now)), "bad_alg");
  EXPECT_EQ(outcome(make_verifier({}).verify(unsigned_token, now)), "bad_alg");
}

TEST(JwtAlg, OtherAlgorithmsAreRefused) {
  for (std::string_view alg : {"None", "NONE", "hs256", "HS384", "HS512", "RS512", "PS256", "ES384",
                               "EdDSA", "", "HS256 "}) {
    const std::string header = R"({"alg":")" + std::string(alg) + R"("})";
    EXPECT_EQ(outcome(hs_verifier().verify(make_token(header, "{}", hs256_signer(secret)), now)),
              "bad_alg")
        << alg;
  }
}

TEST(JwtAlg, MissingOrNonStringAlgIsMalformed) {
  for (std::string_view header :
       {R"({})", R"({"alg":null})", R"({"alg":256})", R"({"alg":["HS256"]})", R"({"typ":"JWT"})"}) {
    EXPECT_EQ(outcome(hs_verifier().verify(make_token(header, "{}", hs256_signer(secret)), now)),
              "malformed")
        << header;
  }
}

TEST(JwtAlg, CritHeaderIsRefused) {
  const std::string token =
      make_token(R"({"alg":"HS256","crit":["b64"],"b64":false})", "{}", hs256_signer(secret));
  EXPECT_EQ(outcome(hs_verifier().verify(token, now)), "malformed");
}

TEST(JwtAlg, DuplicateAlgUsesTheLastOne) {
  const std::string token =
      make_token(R"({"alg":"HS256","alg":"none"})", "{}", hs256_signer(secret));
  EXPECT_EQ(outcome(hs_verifier().verify(token, now)), "bad_alg");
}

// ---- time ---------------------------------------------------------------------------------

TEST(JwtTime, ExpiredTokenIsRefused) {
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(exp_payload(t0 - 10)), now)), "expired");
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(exp_payload(t0 - 5)), now)), "expired");
}

TEST(JwtTime, ExpWithinLeewayIsAccepted) {
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(exp_payload(t0 - 4)), now)), "ok");
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(exp_payload(t0)), now)), "ok");
}

TEST(JwtTime, ExpIsExclusiveWithoutLeeway) {
  const jwt_verifier v = hs_verifier(seconds(0));
  const std::string token = hs_token(exp_payload(t0));
  EXPECT_EQ(outcome(v.verify(token, now - std::chrono::milliseconds(1))), "ok");
  EXPECT_EQ(outcome(v.verify(token, now)), "expired");
  EXPECT_EQ(outcome(v.verify(token, now + std::chrono::milliseconds(999))), "expired");
}

TEST(JwtTime, NbfInTheFutureIsRefused) {
  const std::string payload = R"({"nbf":)" + std::to_string(t0 + 10) + "}";
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(payload), now)), "not_yet_valid");
}

TEST(JwtTime, NbfWithinLeewayIsAccepted) {
  const std::string payload = R"({"nbf":)" + std::to_string(t0 + 5) + "}";
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(payload), now)), "ok");
  EXPECT_EQ(outcome(hs_verifier(seconds(0)).verify(hs_token(payload), now)), "not_yet_valid");
  EXPECT_EQ(outcome(hs_verifier(seconds(0)).verify(hs_token(payload), now + seconds(5))), "ok");
}

TEST(JwtTime, FractionalDatesRoundTowardsRefusal) {
  const jwt_verifier v = hs_verifier(seconds(0));
  EXPECT_EQ(expect_ok(v.verify(hs_token(R"({"exp":1700000000.9})"), now - seconds(1))).exp, t0);
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"exp":1700000000.9})"), now)), "expired");
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"nbf":1699999999.1})"), now - seconds(1))),
            "not_yet_valid");
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"nbf":1.7e9})"), now)), "ok");
}

TEST(JwtTime, ExtremeDatesDoNotOverflow) {
  const jwt_verifier v = hs_verifier(seconds(60));
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"exp":9223372036854775807})"), now)), "ok");
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"exp":-9223372036854775808})"), now)), "expired");
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"nbf":-9223372036854775808})"), now)), "ok");
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"nbf":9223372036854775807})"), now)), "not_yet_valid");
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"exp":0})"), time_point::max())), "expired");
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"nbf":0})"), time_point::min())), "not_yet_valid");
}

TEST(JwtTime, NonNumericDatesAreMalformed) {
  for (std::string_view payload :
       {R"({"exp":"1700000060"})", R"({"exp":null})", R"({"exp":true})", R"({"exp":[1]})",
        R"({"nbf":"0"})", R"({"exp":18446744073709551615})", R"({"exp":1e300})", R"({"exp":-1e19})",
        R"({"nbf":1e400})"}) {
    const jwt_result r = hs_verifier().verify(hs_token(payload), now);
    EXPECT_EQ(outcome(r), "malformed") << payload;
  }
}

TEST(JwtTime, BadSignatureIsReportedBeforeExpiry) {
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(exp_payload(t0 - 100), "other"), now)),
            "bad_signature");
}

// ---- claim types and sizes ----------------------------------------------------------------

TEST(JwtClaims, WrongTypesAreMalformed) {
  for (std::string_view payload :
       {R"({"sub":1})", R"({"sub":null})", R"({"sub":["alice"]})", R"({"channels":"doc:*"})",
        R"({"channels":["doc:*",1]})", R"({"channels":[["doc:*"]]})", R"({"channels":null})",
        R"({"channels":{}})", R"({"publish":"chat:*"})", R"({"publish":[null]})", R"({"info":[]})",
        R"({"info":"Alice"})", R"({"info":null})", R"({"info":1})"}) {
    const jwt_result r = hs_verifier().verify(hs_token(payload), now);
    EXPECT_EQ(outcome(r), "malformed") << payload;
    const std::string_view name = payload.substr(2, payload.find('"', 2) - 2);
    EXPECT_NE(message_of(r).find(name), std::string::npos) << message_of(r);
  }
}

TEST(JwtClaims, PayloadMustBeAJsonObject) {
  for (std::string_view payload : {"[]", "\"alice\"", "1", "null", "{", "{}x", "", "{\"a\":1,}"}) {
    EXPECT_EQ(outcome(hs_verifier().verify(hs_token(payload), now)), "malformed") << payload;
  }
}

TEST(JwtClaims, HeaderMustBeAJsonObject) {
  for (std::string_view header : {"[]", R"("HS256")", "", "{", R"({"alg":"HS256"} x)"}) {
    EXPECT_EQ(outcome(hs_verifier().verify(make_token(header, "{}", hs256_signer(secret)), now)),
              "malformed")
        << header;
  }
}

TEST(JwtClaims, InvalidUtf8IsMalformed) {
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token("{\"sub\":\"\xff\"}"), now)), "malformed");
}

TEST(JwtClaims, DeepNestingIsMalformed) {
  const std::string deep = R"({"info":)" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(deep), now)), "malformed");
  const std::string shallow =
      R"({"info":{"a":)" + std::string(20, '[') + std::string(20, ']') + "}}";
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(shallow), now)), "ok");
}

TEST(JwtClaims, InfoUpToTheLimitIsAccepted) {
  const std::string big_info = R"({"info":{"x":")" + std::string(4096 - 8, 'a') + R"("}})";
  const claims c = expect_ok(hs_verifier().verify(hs_token(big_info), now));
  EXPECT_EQ(c.info_json.size(), 4096u);
}

TEST(JwtClaims, InfoTooLargeIsRefused) {
  const std::string big_info = R"({"info":{"x":")" + std::string(4096 - 7, 'a') + R"("}})";
  const jwt_result r = hs_verifier().verify(hs_token(big_info), now);
  EXPECT_EQ(outcome(r), "too_large");
  EXPECT_NE(message_of(r).find("info"), std::string::npos);
  // The limit counts minified bytes: whitespace does not count.
  const std::string spaced = R"({"info":{ "x" :   ")" + std::string(4096 - 8, 'a') + R"(" }})";
  EXPECT_EQ(outcome(hs_verifier().verify(hs_token(spaced), now)), "ok");
}

TEST(JwtClaims, InfoLimitIsConfigurable) {
  jwt_config c = config(secret);
  c.max_info_size = 8;
  const jwt_verifier v = make_verifier(c);
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"info":{"a":1}})"), now)), "ok");
  EXPECT_EQ(outcome(v.verify(hs_token(R"({"info":{"a":123}})"), now)), "too_large");
}

TEST(JwtClaims, DuplicateClaimsUseTheLastOne) {
  const claims c = expect_ok(hs_verifier().verify(
      hs_token(R"({"sub":"a","sub":"b","info":{"n":1},"info":{"n":2}})"), now));
  EXPECT_EQ(c.sub, "b");
  EXPECT_EQ(c.info_json, R"({"n":2})");
}

// ---- malformed and oversized text ---------------------------------------------------------

TEST(JwtMalformed, WrongNumberOfSegments) {
  const std::string token = hs_token("{}");
  const std::string two = token.substr(0, token.rfind('.'));
  for (const std::string& t :
       {two, token + ".", token + "." + token.substr(token.rfind('.') + 1), std::string(),
        std::string("abc"), std::string("..."), std::string("a.b.c.d")}) {
    EXPECT_EQ(outcome(hs_verifier().verify(t, now)), "malformed") << t;
  }
}

TEST(JwtMalformed, BadBase64urlIsMalformed) {
  const std::string token = hs_token("{}");
  const std::size_t dot = token.find('.');
  for (const std::string& t : {
           token.substr(0, dot) + "=" + token.substr(dot),  // padding
           "+" + token.substr(1),                           // base64 alphabet, not base64url
           token.substr(0, dot) + " " + token.substr(dot),  // whitespace
           token + "=",                                     // padded signature
           token + "AA",                                    // impossible length
           " " + token,
       }) {
    EXPECT_EQ(outcome(hs_verifier().verify(t, now)), "malformed") << t;
  }
}

TEST(JwtMalformed, HugeTokenIsTooLargeBeforeAnyWork) {
  EXPECT_EQ(outcome(hs_verifier().verify(std::string(8193, '.'), now)), "too_large");
  EXPECT_EQ(outcome(hs_verifier().verify(std::string(1 << 20, 'A'), now)), "too_large");
  // A valid token just over the limit is refused; a larger limit accepts it.
  std::string payload = R"({"pad":")" + std::string(7000, 'p') + R"("})";
  const std::string token = hs_token(payload);
  ASSERT_GT(token.size(), 8192u);
  EXPECT_EQ(outcome(hs_verifier().verify(token, now)), "too_large");
  jwt_config c = config(secret);
  c.max_token_size = token.size();
  const jwt_verifier bigger = make_verifier(c);
  EXPECT_EQ(outcome(bigger.verify(token, now)), "ok");
}

// ---- tampering ----------------------------------------------------------------------------

// Flips every bit of the decoded signature in turn: each must be refused as bad_signature.
void expect_signature_bit_flips_refused(const jwt_verifier& v, const std::string& token) {
  ASSERT_EQ(outcome(v.verify(token, now)), "ok");
  const std::size_t dot = token.rfind('.');
  const std::string signature = *base64url_decode(token.substr(dot + 1));
  for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
    std::string flipped = signature;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    const std::string t = token.substr(0, dot + 1) + base64url_encode(flipped);
    ASSERT_EQ(outcome(v.verify(t, now)), "bad_signature") << "bit " << bit;
  }
}

TEST(JwtTamper, EverySignatureBitFlipIsRefusedHs256) {
  expect_signature_bit_flips_refused(hs_verifier(), hs_token(full_payload));
}

TEST(JwtTamper, EverySignatureBitFlipIsRefusedRs256) {
  expect_signature_bit_flips_refused(rs_verifier(), rs_token(full_payload));
}

TEST(JwtTamper, EverySignatureBitFlipIsRefusedEs256) {
  expect_signature_bit_flips_refused(es_verifier(), es_token(full_payload));
}

// Changes every character of the token, and cuts it at every length: nothing verifies.
void expect_edits_refused(const jwt_verifier& v, const std::string& token) {
  ASSERT_EQ(outcome(v.verify(token, now)), "ok");
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (char c : {'A', 'B', '-', '.'}) {
      if (token[i] == c) continue;
      std::string t = token;
      t[i] = c;
      ASSERT_NE(outcome(v.verify(t, now)), "ok") << "position " << i << " set to " << c;
    }
    ASSERT_NE(outcome(v.verify(token.substr(0, i), now)), "ok") << "prefix " << i;
  }
}

TEST(JwtTamper, EveryEditIsRefused) {
  expect_edits_refused(hs_verifier(), hs_token(full_payload));
  expect_edits_refused(rs_verifier(), rs_token(full_payload));
  expect_edits_refused(es_verifier(), es_token(full_payload));
}

TEST(JwtTamper, ChangedPayloadWithOriginalSignatureIsRefused) {
  const std::string token = hs_token(exp_payload(t0 + 60));
  const std::string forged = base64url_encode(hs_header) + "." +
                             base64url_encode(R"({"sub":"admin","exp":1700000060})") +
                             token.substr(token.rfind('.'));
  EXPECT_EQ(outcome(hs_verifier().verify(forged, now)), "bad_signature");
}

// ---- threads ------------------------------------------------------------------------------

TEST(JwtThreads, OneVerifierServesManyThreads) {
  const jwt_verifier v = make_verifier(config(secret, keys().ec_pem));
  const std::string good_hs = hs_token(full_payload);
  const std::string good_es = es_token(full_payload);
  const std::string bad_es = es_token(full_payload, keys().ec_other.get());
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const bool ok = std::holds_alternative<claims>(v.verify(good_hs, now)) &&
                        std::holds_alternative<claims>(v.verify(good_es, now)) &&
                        std::holds_alternative<jwt_error>(v.verify(bad_es, now));
        if (!ok) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace triplex::protocol
