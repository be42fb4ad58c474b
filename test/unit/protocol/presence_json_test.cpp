#include "protocol/presence_json.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using triplex::core::presence_member;

TEST(PresenceJson, ListsMembersWithCountsAndTruncation) {
  std::vector<presence_member> m{{"c1", "alice", "{\"name\":\"Al\"}"}, {"c2", "", ""}};
  EXPECT_EQ(triplex::protocol::presence_json(m, 3, 2, true),
            "{\"members\":[{\"client\":\"c1\",\"user\":\"alice\",\"info\":{\"name\":\"Al\"}},"
            "{\"client\":\"c2\",\"user\":\"\",\"info\":{}}],\"clients\":3,\"users\":2,"
            "\"truncated\":true}");
  EXPECT_EQ(triplex::protocol::presence_stats_json(3, 2), "{\"clients\":3,\"users\":2}");
}

TEST(PresenceJson, EscapesUserIds) {
  std::vector<presence_member> m{{"c\"1", "a\\b", ""}};
  auto s = triplex::protocol::presence_json(m, 1, 1, false);
  EXPECT_NE(s.find("\"client\":\"c\\\"1\""), std::string::npos);
  EXPECT_NE(s.find("\"user\":\"a\\\\b\""), std::string::npos);
}

}  // namespace
