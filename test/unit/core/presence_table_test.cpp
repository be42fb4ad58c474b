#include "core/presence_table.hpp"

#include <gtest/gtest.h>

namespace {

using triplex::core::presence_member;
using triplex::core::presence_table;

TEST(PresenceTable, FirstAndLastArePerUserAcrossConnections) {
  presence_table t;
  EXPECT_TRUE(t.join({"c1", "alice", "{}"}));
  EXPECT_FALSE(t.join({"c2", "alice", "{}"}));
  EXPECT_TRUE(t.join({"c3", "bob", ""}));
  EXPECT_EQ(t.clients(), 3u);
  EXPECT_EQ(t.users(), 2u);
  EXPECT_EQ(t.leave("c1"), std::optional<bool>(false));
  EXPECT_EQ(t.leave("c2"), std::optional<bool>(true));
  EXPECT_EQ(t.users(), 1u);
  EXPECT_EQ(t.leave("c2"), std::nullopt);
}

TEST(PresenceTable, AnonymousConnectionsAreUsersOfTheirOwn) {
  presence_table t;
  EXPECT_TRUE(t.join({"c1", "", ""}));
  EXPECT_TRUE(t.join({"c2", "", ""}));
  EXPECT_EQ(t.users(), 2u);
  EXPECT_EQ(t.leave("c1"), std::optional<bool>(true));
}

TEST(PresenceTable, RejoiningClientCountsOnce) {
  presence_table t;
  EXPECT_TRUE(t.join({"c1", "alice", ""}));
  EXPECT_TRUE(t.join({"c1", "alice", "{\"x\":1}"}));
  EXPECT_EQ(t.clients(), 1u);
  EXPECT_EQ(t.find("c1")->info_json, "{\"x\":1}");
  EXPECT_EQ(t.leave("c1"), std::optional<bool>(true));
  EXPECT_TRUE(t.empty());
}

TEST(PresenceTable, ListIsCappedAndSaysSo) {
  presence_table t;
  for (int i = 0; i < 5; ++i)
    t.join({"c" + std::to_string(i), "u" + std::to_string(i), ""});
  std::vector<presence_member> out;
  EXPECT_FALSE(t.list(3, out));
  EXPECT_EQ(out.size(), 3u);
  out.clear();
  EXPECT_TRUE(t.list(5, out));
  EXPECT_EQ(out.size(), 5u);
}

}  // namespace
