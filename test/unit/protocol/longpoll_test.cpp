// Tests of long-poll answer bodies (spec §3.3).
#include "protocol/longpoll.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <vector>

#include "protocol/envelope.hpp"

namespace triplex::protocol {
namespace {

TEST(Longpoll, EmptyBodyKeepsTheCursor) {
  EXPECT_EQ(longpoll_body("W10", {}), R"({"cursor":"W10","messages":[]})");
}

TEST(Longpoll, BatchesEnvelopesInOrder) {
  const std::string a = message_envelope("doc:42", {"Xq3", 17}, "1");
  const std::string b = gap_envelope("doc:42", {"Xq3", 20});
  const std::vector<std::string_view> envelopes = {a, b};
  const std::string body = longpoll_body("abc_-", envelopes);
  EXPECT_EQ(body, R"({"cursor":"abc_-","messages":[)" + a + "," + b + "]}");
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(v.at("messages").as_array().size(), 2u);
  EXPECT_EQ(v.at("messages").at(1).at("type").as_string(), "gap");
}

TEST(Longpoll, SingleEnvelope) {
  const std::vector<std::string_view> envelopes = {"{}"};
  EXPECT_EQ(longpoll_body("c", envelopes), R"({"cursor":"c","messages":[{}]})");
}

TEST(Longpoll, CursorIsEscaped) {
  EXPECT_EQ(longpoll_body("a\"b", {}), R"({"cursor":"a\"b","messages":[]})");
}

}  // namespace
}  // namespace triplex::protocol
