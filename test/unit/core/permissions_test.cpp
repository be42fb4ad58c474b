// Tests of the subscribe / publish permission rules (core/permissions.hpp, docs/auth.md).
#include "core/permissions.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace triplex::core {
namespace {

using patterns = std::vector<std::string>;

TEST(Permissions, SubscribeWithoutClaimsFollowsAnonymousSubscribe) {
  EXPECT_TRUE(may_subscribe("doc:1", "alice", std::nullopt, false));
  EXPECT_TRUE(may_subscribe("doc:1", "alice", std::nullopt, true));
  EXPECT_TRUE(may_subscribe("doc:1", "", std::nullopt, true));
  EXPECT_FALSE(may_subscribe("doc:1", "", std::nullopt, false));
}

TEST(Permissions, SubscribeUserChannelNeedsListedUser) {
  EXPECT_TRUE(may_subscribe("notify#alice", "alice", std::nullopt, true));
  EXPECT_TRUE(may_subscribe("dm:chat#alice,bob", "bob", std::nullopt, false));
  EXPECT_FALSE(may_subscribe("notify#alice", "bob", std::nullopt, true));
  EXPECT_FALSE(may_subscribe("notify#alice", "", std::nullopt, true));
  EXPECT_FALSE(may_subscribe("dm:chat#alice,bob", "ali", std::nullopt, true));
  EXPECT_FALSE(may_subscribe("dm:chat#alice,bob", "alice,bob", std::nullopt, true));
}

TEST(Permissions, SubscribeUserChannelIgnoresChannelsClaim) {
  const patterns only_docs{"doc:*"};
  EXPECT_TRUE(may_subscribe("notify#alice", "alice", only_docs, false));
  // A pattern that matches someone else's user channel grants nothing.
  const patterns everything{"*"};
  EXPECT_FALSE(may_subscribe("notify#bob", "alice", everything, true));
  EXPECT_FALSE(may_subscribe("notify#bob", "", everything, true));
}

TEST(Permissions, SubscribeChannelsClaimRestrictsAndGrants) {
  const patterns claim{"doc:*", "chat:room?"};
  EXPECT_TRUE(may_subscribe("doc:42", "alice", claim, true));
  EXPECT_TRUE(may_subscribe("chat:room1", "alice", claim, true));
  EXPECT_FALSE(may_subscribe("chat:room12", "alice", claim, true));
  EXPECT_FALSE(may_subscribe("news", "alice", claim, true));
  // Granted even where anonymous clients may not subscribe, and to a token without `sub`.
  EXPECT_TRUE(may_subscribe("doc:42", "alice", claim, false));
  EXPECT_TRUE(may_subscribe("doc:42", "", claim, false));
  EXPECT_FALSE(may_subscribe("news", "", claim, true));
}

TEST(Permissions, SubscribeEmptyChannelsClaimMatchesNothing) {
  const patterns none;
  EXPECT_FALSE(may_subscribe("doc:42", "alice", none, true));
  EXPECT_TRUE(may_subscribe("notify#alice", "alice", none, true));
}

TEST(Permissions, TakesTheOptionalClaimOfATokenDirectly) {
  std::optional<std::vector<std::string>> claim;
  EXPECT_TRUE(may_subscribe("doc:1", "alice", claim, false));
  claim = patterns{"news"};
  EXPECT_FALSE(may_subscribe("doc:1", "alice", claim, false));
  EXPECT_TRUE(may_subscribe("news", "alice", claim, false));
}

TEST(Permissions, PublishNeedsClientPublish) {
  const patterns all{"*"};
  EXPECT_FALSE(may_publish("doc:1", "alice", all, false, true));
  EXPECT_FALSE(may_publish("doc:1", "", std::nullopt, false, true));
  EXPECT_TRUE(may_publish("doc:1", "alice", all, true, false));
}

TEST(Permissions, PublishWithoutClaimFollowsAnonymousPublish) {
  EXPECT_FALSE(may_publish("doc:1", "", std::nullopt, true, false));
  EXPECT_TRUE(may_publish("doc:1", "", std::nullopt, true, true));
  // A token without `publish` grants no more than no token.
  EXPECT_FALSE(may_publish("doc:1", "alice", std::nullopt, true, false));
  EXPECT_TRUE(may_publish("doc:1", "alice", std::nullopt, true, true));
}

TEST(Permissions, PublishClaimRestrictsAndGrants) {
  const patterns claim{"chat:*"};
  EXPECT_TRUE(may_publish("chat:1", "alice", claim, true, false));
  EXPECT_TRUE(may_publish("chat:1", "", claim, true, false));
  EXPECT_FALSE(may_publish("doc:1", "alice", claim, true, false));
  EXPECT_FALSE(may_publish("doc:1", "alice", claim, true, true));
  EXPECT_FALSE(may_publish("doc:1", "alice", patterns{}, true, true));
}

TEST(Permissions, PublishUserChannelNeedsListedUserAndGrant) {
  const patterns all{"*"};
  EXPECT_TRUE(may_publish("dm:chat#alice,bob", "bob", all, true, false));
  EXPECT_FALSE(may_publish("dm:chat#alice,bob", "carol", all, true, true));
  EXPECT_FALSE(may_publish("dm:chat#alice,bob", "", all, true, true));
  EXPECT_FALSE(may_publish("dm:chat#alice,bob", "", std::nullopt, true, true));
  EXPECT_TRUE(may_publish("dm:chat#alice,bob", "alice", std::nullopt, true, true));
  EXPECT_FALSE(may_publish("dm:chat#alice,bob", "alice", std::nullopt, true, false));
  EXPECT_FALSE(may_publish("dm:chat#alice,bob", "alice", patterns{"doc:*"}, true, true));
}

TEST(Permissions, MatchesAny) {
  EXPECT_FALSE(matches_any(patterns{}, "doc:1"));
  EXPECT_TRUE(matches_any(patterns{"x", "doc:?"}, "doc:1"));
  EXPECT_FALSE(matches_any(patterns{"doc"}, "doc:1"));
}

}  // namespace
}  // namespace triplex::core
