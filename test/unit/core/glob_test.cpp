#include "core/glob.hpp"

#include <gtest/gtest.h>

namespace {

using triplex::core::glob_match;

TEST(Glob, MatchesLiteralsStarsAndQuestionMarks) {
  EXPECT_TRUE(glob_match("doc:42", "doc:42"));
  EXPECT_FALSE(glob_match("doc:42", "doc:43"));
  EXPECT_TRUE(glob_match("doc:*", "doc:42"));
  EXPECT_TRUE(glob_match("doc:*", "doc:"));
  EXPECT_FALSE(glob_match("doc:*", "notify#a"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("d?c:*2", "doc:42"));
  EXPECT_TRUE(glob_match("*a*b*c", "xxaxxbxxc"));
  EXPECT_FALSE(glob_match("*a*b*c", "xxaxxbxx"));
  EXPECT_FALSE(glob_match("", "a"));
  EXPECT_TRUE(glob_match("**", "abc"));
}

}  // namespace
