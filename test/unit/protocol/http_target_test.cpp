#include "protocol/http_target.hpp"

#include <gtest/gtest.h>

namespace {

using triplex::protocol::parse_http_target;
using triplex::protocol::percent_decode;

TEST(HttpTarget, SplitsPathAndRepeatedParams) {
  auto t = parse_http_target("/sse?channel=doc%3A42&channel=notify%23alice&cursor=abc");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/sse");
  auto ch = t->params("channel");
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_EQ(ch[0], "doc:42");
  EXPECT_EQ(ch[1], "notify#alice");
  ASSERT_TRUE(t->param("cursor"));
  EXPECT_EQ(*t->param("cursor"), "abc");
  EXPECT_EQ(t->param("token"), nullptr);
}

TEST(HttpTarget, DecodesPlusAsSpaceInQueryOnly) {
  auto t = parse_http_target("/a+b?x=a+b&y=a%2Bb&flag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/a+b");
  EXPECT_EQ(*t->param("x"), "a b");
  EXPECT_EQ(*t->param("y"), "a+b");
  EXPECT_EQ(*t->param("flag"), "");
}

TEST(HttpTarget, RejectsMalformedInput) {
  EXPECT_FALSE(parse_http_target(""));
  EXPECT_FALSE(parse_http_target("http://x/"));
  EXPECT_FALSE(parse_http_target("/x?a=%4"));
  EXPECT_FALSE(parse_http_target("/x?a=%zz"));
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("ab%", false));
  EXPECT_EQ(*percent_decode("%41%42", false), "AB");
}

}  // namespace
