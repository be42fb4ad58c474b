#include "protocol/result_json.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace triplex;

TEST(ResultJson, PositionsHistoryAndErrors) {
  core::position p{"Xq3", 17};
  EXPECT_EQ(protocol::position_json(p), R"({"epoch":"Xq3","offset":17})");
  EXPECT_EQ(protocol::subscribe_result_json(p, false),
            R"({"epoch":"Xq3","offset":17,"recovered":false})");
  std::vector<std::string_view> env{R"({"a":1})", R"({"b":2})"};
  EXPECT_EQ(protocol::history_json(p, env),
            R"({"epoch":"Xq3","offset":17,"messages":[{"a":1},{"b":2}]})");
  EXPECT_EQ(protocol::history_json(p, {}), R"({"epoch":"Xq3","offset":17,"messages":[]})");
  auto e = protocol::http_error(core::status::forbidden, "no");
  EXPECT_EQ(e.status, 403u);
  EXPECT_EQ(e.body, R"({"error":{"code":403,"message":"no"}})");
}

}  // namespace
