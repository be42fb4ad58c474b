#include "core/origin_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using triplex::core::origin_allowed;

TEST(OriginPolicy, NoOriginAndSameOriginAreAllowed) {
  std::vector<std::string> none;
  EXPECT_TRUE(origin_allowed("", "127.0.0.1:8080", none));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", none));
  EXPECT_TRUE(origin_allowed("HTTPS://Example.com", "example.com", none));
  EXPECT_FALSE(origin_allowed("http://127.0.0.1:9999", "127.0.0.1:8080", none));
  EXPECT_FALSE(origin_allowed("http://evil.example", "127.0.0.1:8080", none));
  EXPECT_FALSE(origin_allowed("null", "127.0.0.1:8080", none));
  EXPECT_FALSE(origin_allowed("ftp://127.0.0.1:8080", "127.0.0.1:8080", none));
}

TEST(OriginPolicy, ListedOriginsAndWildcard) {
  std::vector<std::string> list{"https://app.example"};
  EXPECT_TRUE(origin_allowed("https://app.example", "api.example", list));
  EXPECT_FALSE(origin_allowed("https://app.example.evil", "api.example", list));
  EXPECT_FALSE(origin_allowed("http://app.example", "api.example", list));
  std::vector<std::string> any{"*"};
  EXPECT_TRUE(origin_allowed("http://whatever", "api.example", any));
}

}  // namespace
