#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

namespace {

using triplex::core::token_bucket;
using namespace std::chrono_literals;

TEST(TokenBucket, AllowsABurstThenTheRate) {
  token_bucket b(10, 3);
  auto t = token_bucket::clock::now();
  EXPECT_TRUE(b.try_take(t));
  EXPECT_TRUE(b.try_take(t));
  EXPECT_TRUE(b.try_take(t));
  EXPECT_FALSE(b.try_take(t));
  EXPECT_FALSE(b.try_take(t + 50ms));  // half a token
  EXPECT_TRUE(b.try_take(t + 110ms));
  EXPECT_FALSE(b.try_take(t + 120ms));
  EXPECT_TRUE(b.try_take(t + 10s));  // refilled, but never past the burst
  EXPECT_TRUE(b.try_take(t + 10s));
  EXPECT_TRUE(b.try_take(t + 10s));
  EXPECT_FALSE(b.try_take(t + 10s));
}

TEST(TokenBucket, ZeroRateIsUnlimited) {
  token_bucket b(0, 0);
  auto t = token_bucket::clock::now();
  for (int i = 0; i < 1000; ++i)
    EXPECT_TRUE(b.try_take(t));
}

}  // namespace
