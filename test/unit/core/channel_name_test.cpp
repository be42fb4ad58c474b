// Tests of the channel-name grammar (spec §1).
#include "core/channel_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace triplex::core {
namespace {

TEST(ChannelName, AcceptsEveryGrammarByte) {
  EXPECT_TRUE(is_valid_channel_name("doc:42"));
  EXPECT_TRUE(is_valid_channel_name("ABCXYZabcxyz0189_-.:@/=+#"));
  EXPECT_TRUE(is_valid_channel_name("a"));
  EXPECT_TRUE(is_valid_channel_name("#"));
}

TEST(ChannelName, RejectsEveryOtherByte) {
  const std::string allowed =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:@/=+#";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const std::string name = std::string("doc") + c + "x";
    EXPECT_EQ(is_valid_channel_name(name), allowed.find(c) != std::string::npos) << "byte " << b;
  }
}

TEST(ChannelName, LengthLimits) {
  EXPECT_FALSE(is_valid_channel_name(""));
  EXPECT_TRUE(is_valid_channel_name(std::string(255, 'a')));
  EXPECT_FALSE(is_valid_channel_name(std::string(256, 'a')));
  EXPECT_FALSE(is_valid_channel_name(std::string(100000, 'a')));
}

TEST(ChannelName, RejectsEmbeddedNulAndSpaces) {
  EXPECT_FALSE(is_valid_channel_name(std::string("doc\0x", 5)));
  EXPECT_FALSE(is_valid_channel_name("doc 42"));
  EXPECT_FALSE(is_valid_channel_name("doc\n"));
  EXPECT_FALSE(is_valid_channel_name("caf\xc3\xa9"));
}

TEST(ChannelName, CommaOnlyInsideTheUserList) {
  EXPECT_TRUE(is_valid_channel_name("dm:chat#alice,bob"));
  EXPECT_TRUE(is_valid_channel_name("a#b#c,d"));
  EXPECT_FALSE(is_valid_channel_name("a,b"));
  EXPECT_FALSE(is_valid_channel_name("a,b#c"));
  EXPECT_FALSE(is_valid_channel_name("a#b,c#d"));
  EXPECT_FALSE(is_valid_channel_name(","));
}

TEST(ChannelName, Namespace) {
  EXPECT_EQ(channel_namespace("doc:42"), "doc");
  EXPECT_EQ(channel_namespace("doc:42:7"), "doc");
  EXPECT_EQ(channel_namespace("news"), "");
  EXPECT_EQ(channel_namespace(":x"), "");
  EXPECT_EQ(channel_namespace("notify#alice"), "");
  EXPECT_EQ(channel_namespace("dm:chat#alice,bob"), "dm");
}

TEST(ChannelName, UserChannelDetection) {
  EXPECT_TRUE(is_user_channel("notify#alice"));
  EXPECT_TRUE(is_user_channel("#"));
  EXPECT_FALSE(is_user_channel("doc:42"));
}

TEST(ChannelName, UserMayAccessOrdinaryChannels) {
  EXPECT_TRUE(user_may_access("doc:42", "alice"));
  EXPECT_TRUE(user_may_access("doc:42", ""));
}

TEST(ChannelName, UserMayAccessOnlyListedUsers) {
  EXPECT_TRUE(user_may_access("notify#alice", "alice"));
  EXPECT_FALSE(user_may_access("notify#alice", "alic"));
  EXPECT_FALSE(user_may_access("notify#alice", "alice2"));
  EXPECT_FALSE(user_may_access("notify#alice", "ALICE"));
  EXPECT_TRUE(user_may_access("dm:chat#alice,bob", "alice"));
  EXPECT_TRUE(user_may_access("dm:chat#alice,bob", "bob"));
  EXPECT_FALSE(user_may_access("dm:chat#alice,bob", "alice,bob"));
  EXPECT_FALSE(user_may_access("dm:chat#alice,bob", "carol"));
  EXPECT_FALSE(user_may_access("dm:chat#alice,bob", "chat"));
}

TEST(ChannelName, UserListIsAfterTheLastHash) {
  EXPECT_FALSE(user_may_access("a#alice#bob", "alice"));
  EXPECT_TRUE(user_may_access("a#alice#bob", "bob"));
}

TEST(ChannelName, AnonymousNeverMatchesUserChannels) {
  EXPECT_FALSE(user_may_access("notify#", ""));
  EXPECT_FALSE(user_may_access("notify#alice,", ""));
  EXPECT_FALSE(user_may_access("notify#,alice", ""));
  EXPECT_FALSE(user_may_access("notify#alice", ""));
}

}  // namespace
}  // namespace triplex::core
