#include "protocol/jwt_sign.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <variant>

#include "protocol/jwt.hpp"

namespace {

using namespace triplex::protocol;

TEST(JwtSign, SignedTokensVerifyWithTheSameSecretOnly) {
  const std::string secret = "demo-secret-demo-secret-demo-secret";
  std::string token = sign_hs256(R"({"sub":"alice","exp":4102444800})", secret);
  jwt_config good;
  good.hs256_secret = secret;
  auto v = std::get<jwt_verifier>(jwt_verifier::make(good));
  auto r = v.verify(token, std::chrono::system_clock::now());
  ASSERT_TRUE(std::holds_alternative<claims>(r));
  EXPECT_EQ(std::get<claims>(r).sub, "alice");
  jwt_config bad;
  bad.hs256_secret = secret + "x";
  auto w = std::get<jwt_verifier>(jwt_verifier::make(bad));
  EXPECT_TRUE(std::holds_alternative<jwt_error>(w.verify(token, std::chrono::system_clock::now())));
}

}  // namespace
