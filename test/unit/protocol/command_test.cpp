// Tests of WebSocket client-command parsing (spec §3.1) and the HTTP publish bodies (§3.4, §4).
#include "protocol/command.hpp"

#include <gtest/gtest.h>

#include <string>

namespace triplex::protocol {
namespace {

command parse_ok(std::string_view text) {
  command_result r = parse_command(text);
  if (auto* e = std::get_if<command_error>(&r)) {
    ADD_FAILURE() << text << " -> " << e->message;
    return {};
  }
  return std::get<command>(std::move(r));
}

command_error parse_error(std::string_view text) {
  command_result r = parse_command(text);
  if (std::holds_alternative<command>(r)) {
    ADD_FAILURE() << text << " parsed";
    return {};
  }
  return std::get<command_error>(std::move(r));
}

bool mentions(const command_error& e, std::string_view word) {
  return e.message.find(word) != std::string::npos;
}

TEST(Command, ParsesEveryOp) {
  const std::pair<std::string, op> ops[] = {
      {R"({"op":"connect","token":"t"})", op::connect},
      {R"({"op":"subscribe","channel":"c"})", op::subscribe},
      {R"({"op":"unsubscribe","channel":"c"})", op::unsubscribe},
      {R"({"op":"publish","channel":"c","data":1})", op::publish},
      {R"({"op":"presence","channel":"c"})", op::presence},
      {R"({"op":"history","channel":"c"})", op::history},
      {R"({"op":"refresh","token":"t"})", op::refresh},
      {R"({"op":"ping"})", op::ping},
  };
  for (const auto& [text, kind] : ops) {
    EXPECT_EQ(parse_ok(text).kind, kind) << text;
    const std::string quoted_name = "\"" + std::string(op_name(kind)) + "\"";
    EXPECT_NE(text.find(quoted_name), std::string::npos) << text;
  }
}

TEST(Command, ReadsPublishFields) {
  const command c =
      parse_ok(R"({"id":7,"op":"publish","channel":"doc:42","data": { "a" : [1, 2.5, "x\u0041"] },)"
               R"("ephemeral":true,"key":"cursor","extra":{"ignored":[]}})");
  EXPECT_EQ(c.kind, op::publish);
  EXPECT_EQ(c.id, 7);
  EXPECT_EQ(c.channel, "doc:42");
  EXPECT_EQ(c.data, R"({"a":[1,2.5,"x\u0041"]})");
  EXPECT_TRUE(c.ephemeral);
  EXPECT_EQ(c.key, "cursor");
}

TEST(Command, PublishDataMayBeAnyJson) {
  for (const char* data : {"null", "false", "0", "-3", "\"s\"", "[]", "{}"}) {
    const command c =
        parse_ok(std::string(R"({"op":"publish","channel":"c","data":)") + data + "}");
    EXPECT_EQ(c.data, data);
    EXPECT_FALSE(c.ephemeral);
  }
}

// Subscribers get the published values exactly: no number is rounded or rewritten.
TEST(Command, PublishDataKeepsTheClientsSpelling) {
  const std::string data =
      R"([1e400,-0.0,5e+32,0.1,123456789012345678901234567890,-9223372036854775809,)"
      R"("t\u00e9\n\/",{"k":"v \" x"}])";
  EXPECT_EQ(parse_ok(R"({"op":"publish","channel":"c","data":)" + data + "}").data, data);
  const auto r = parse_publish_body(R"({"channel":"c","data":)" + data + "}");
  ASSERT_TRUE(std::holds_alternative<publish_request>(r));
  EXPECT_EQ(std::get<publish_request>(r).data, data);
}

TEST(Command, PublishDataIsMinified) {
  EXPECT_EQ(
      parse_ok(
          "{\"op\":\"publish\",\"channel\":\"c\",\"data\":\r\n [ 1 ,\t{ \"a b\" : \" x \" } ] }")
          .data,
      R"([1,{"a b":" x "}])");
}

TEST(Command, PublishDataFindsTheTopLevelMember) {
  const command c = parse_ok(
      R"({"x":{"data":1},"y":"\"data\":2","op":"publish","d\u0061ta":3,"channel":"c","data":4})");
  EXPECT_EQ(c.data, "4");
  EXPECT_EQ(parse_ok(R"({"op":"publish","channel":"c","d\u0061ta":[5]})").data, "[5]");
}

TEST(Command, ReadsSubscribeSince) {
  const command c =
      parse_ok(R"({"op":"subscribe","channel":"c","since":{"epoch":"Xq3","offset":17}})");
  ASSERT_TRUE(c.since);
  EXPECT_EQ(*c.since, (core::position{"Xq3", 17}));
  EXPECT_FALSE(parse_ok(R"({"op":"subscribe","channel":"c"})").since);
  EXPECT_FALSE(parse_ok(R"({"op":"subscribe","channel":"c","since":null})").since);
}

TEST(Command, ReadsHistorySinceAndLimit) {
  const command c = parse_ok(
      R"({"op":"history","channel":"c","since":{"offset":18446744073709551615,"epoch":""},"limit":10})");
  ASSERT_TRUE(c.since);
  EXPECT_EQ(c.since->offset, 18446744073709551615u);
  EXPECT_EQ(c.limit, 10u);
}

TEST(Command, ReadsTokens) {
  EXPECT_EQ(parse_ok(R"({"op":"connect","token":"a.b.c"})").token, "a.b.c");
  EXPECT_EQ(parse_ok(R"({"op":"refresh","token":"x"})").token, "x");
}

TEST(Command, IdIsOptionalAndAnInt64) {
  EXPECT_FALSE(parse_ok(R"({"op":"ping"})").id);
  EXPECT_FALSE(parse_ok(R"({"op":"ping","id":null})").id);
  EXPECT_EQ(parse_ok(R"({"op":"ping","id":-5})").id, -5);
  EXPECT_EQ(parse_ok(R"({"op":"ping","id":9223372036854775807})").id, INT64_MAX);
  for (const char* id : {"\"1\"", "1.0", "9223372036854775808", "true", "[]"}) {
    const command_error e = parse_error(std::string(R"({"op":"ping","id":)") + id + "}");
    EXPECT_EQ(e.code, core::status::bad_request);
    EXPECT_FALSE(e.id);
    EXPECT_TRUE(mentions(e, "'id'")) << e.message;
  }
}

TEST(Command, IgnoresFieldsTheOpDoesNotUse) {
  const command c = parse_ok(R"({"op":"ping","channel":5,"data":1,"since":"x","token":[]})");
  EXPECT_EQ(c.kind, op::ping);
  EXPECT_TRUE(c.channel.empty());
  EXPECT_TRUE(c.data.empty());
  EXPECT_EQ(parse_ok(R"({"op":"subscribe","channel":"c","data":1,"limit":"x"})").kind,
            op::subscribe);
}

TEST(Command, MalformedJsonIs400) {
  for (const char* text : {"", "{", "{\"op\":\"ping\"", "{op:\"ping\"}", "{\"op\":\"ping\",}",
                           "{\"op\":\"ping\"} x", "nul", "{\"op\":\"p\xffng\"}"}) {
    const command_error e = parse_error(text);
    EXPECT_EQ(e.code, core::status::bad_request) << text;
    EXPECT_TRUE(mentions(e, "malformed JSON")) << text << ": " << e.message;
  }
}

TEST(Command, NonObjectIs400) {
  for (const char* text : {"[]", "\"ping\"", "1", "null", "[{\"op\":\"ping\"}]"}) {
    const command_error e = parse_error(text);
    EXPECT_EQ(e.code, core::status::bad_request) << text;
    EXPECT_TRUE(mentions(e, "object")) << e.message;
  }
}

TEST(Command, MissingOrBadOpIs400WithId) {
  command_error e = parse_error(R"({"id":3,"channel":"c"})");
  EXPECT_EQ(e.code, core::status::bad_request);
  EXPECT_EQ(e.id, 3);
  EXPECT_TRUE(mentions(e, "'op'"));
  e = parse_error(R"({"id":4,"op":1})");
  EXPECT_EQ(e.code, core::status::bad_request);
  EXPECT_EQ(e.id, 4);
  EXPECT_TRUE(mentions(e, "'op'"));
}

TEST(Command, UnknownOpIs404WithId) {
  command_error e = parse_error(R"({"id":9,"op":"explode"})");
  EXPECT_EQ(e.code, core::status::not_found);
  EXPECT_EQ(e.id, 9);
  EXPECT_TRUE(mentions(e, "explode"));
  e = parse_error(R"({"op":"Ping"})");
  EXPECT_EQ(e.code, core::status::not_found);
  EXPECT_FALSE(e.id);
}

TEST(Command, UnknownOpMessageIsBounded) {
  const command_error e = parse_error(R"({"id":1,"op":")" + std::string(10000, 'x') + "\"}");
  EXPECT_EQ(e.code, core::status::not_found);
  EXPECT_LT(e.message.size(), 100u);
}

TEST(Command, MissingRequiredFieldsAre400NamingTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"id":1,"op":"connect"})", "'token'"},
      {R"({"id":1,"op":"refresh"})", "'token'"},
      {R"({"id":1,"op":"subscribe"})", "'channel'"},
      {R"({"id":1,"op":"unsubscribe"})", "'channel'"},
      {R"({"id":1,"op":"presence"})", "'channel'"},
      {R"({"id":1,"op":"history"})", "'channel'"},
      {R"({"id":1,"op":"publish","data":1})", "'channel'"},
      {R"({"id":1,"op":"publish","channel":"c"})", "'data'"},
  };
  for (const auto& [text, field] : cases) {
    const command_error e = parse_error(text);
    EXPECT_EQ(e.code, core::status::bad_request) << text;
    EXPECT_EQ(e.id, 1) << text;
    EXPECT_TRUE(mentions(e, "missing")) << e.message;
    EXPECT_TRUE(mentions(e, field)) << e.message;
  }
}

TEST(Command, WrongFieldTypesAre400NamingTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"op":"connect","token":1})", "'token'"},
      {R"({"op":"connect","token":null})", "'token'"},
      {R"({"op":"subscribe","channel":["c"]})", "'channel'"},
      {R"({"op":"subscribe","channel":null})", "'channel'"},
      {R"({"op":"publish","channel":"c","data":1,"ephemeral":"yes"})", "'ephemeral'"},
      {R"({"op":"publish","channel":"c","data":1,"ephemeral":1})", "'ephemeral'"},
      {R"({"op":"publish","channel":"c","data":1,"key":3})", "'key'"},
      {R"({"op":"history","channel":"c","limit":-1})", "'limit'"},
      {R"({"op":"history","channel":"c","limit":"10"})", "'limit'"},
      {R"({"op":"history","channel":"c","limit":1.5})", "'limit'"},
      {R"({"op":"subscribe","channel":"c","since":"Xq3:1"})", "'since'"},
      {R"({"op":"subscribe","channel":"c","since":{"offset":1}})", "'since'"},
      {R"({"op":"subscribe","channel":"c","since":{"epoch":1,"offset":1}})", "'since'"},
      {R"({"op":"subscribe","channel":"c","since":{"epoch":"e"}})", "'since'"},
      {R"({"op":"subscribe","channel":"c","since":{"epoch":"e","offset":-1}})", "'since'"},
      {R"({"op":"history","channel":"c","since":{"epoch":"e","offset":"1"}})", "'since'"},
  };
  for (const auto& [text, field] : cases) {
    const command_error e = parse_error(R"({"id":2,)" + text.substr(1));
    EXPECT_EQ(e.code, core::status::bad_request) << text;
    EXPECT_EQ(e.id, 2) << text;
    EXPECT_TRUE(mentions(e, field)) << text << ": " << e.message;
  }
}

TEST(Command, SinceEpochLengthLimit) {
  const std::string ok = R"({"op":"subscribe","channel":"c","since":{"epoch":")" +
                         std::string(64, 'e') + R"(","offset":1}})";
  EXPECT_EQ(parse_ok(ok).since->epoch.size(), 64u);
  const std::string bad = R"({"op":"subscribe","channel":"c","since":{"epoch":")" +
                          std::string(65, 'e') + R"(","offset":1}})";
  EXPECT_TRUE(mentions(parse_error(bad), "since"));
}

TEST(Command, InvalidChannelNameIs400) {
  for (const std::string& channel : {std::string(), std::string("a b"), std::string(256, 'a'),
                                     std::string("caf\u00e9"), std::string("a,b")}) {
    const command_error e =
        parse_error(R"({"id":5,"op":"subscribe","channel":")" + channel + "\"}");
    EXPECT_EQ(e.code, core::status::bad_request) << channel;
    EXPECT_EQ(e.id, 5);
    EXPECT_TRUE(mentions(e, "'channel'")) << e.message;
    EXPECT_TRUE(mentions(e, "channel name")) << e.message;
  }
  EXPECT_EQ(parse_ok(R"({"op":"subscribe","channel":"dm:chat#alice,bob"})").channel,
            "dm:chat#alice,bob");
}

TEST(Command, DuplicateKeysLastWins) {
  EXPECT_EQ(parse_ok(R"({"op":"subscribe","channel":"a","channel":"b"})").channel, "b");
  EXPECT_EQ(parse_ok(R"({"op":"publish","channel":"c","data":[1],"data":{"a":2}})").data,
            R"({"a":2})");
}

TEST(Command, DepthLimit) {
  const auto nested = [](int depth) {
    return R"({"op":"publish","channel":"c","data":)" + std::string(depth, '[') +
           std::string(depth, ']') + "}";
  };
  EXPECT_EQ(parse_ok(nested(max_json_depth - 1)).kind, op::publish);
  const command_error e = parse_error(nested(max_json_depth));
  EXPECT_EQ(e.code, core::status::bad_request);
  EXPECT_EQ(parse_error(nested(100000)).code, core::status::bad_request);
}

TEST(Command, SizeLimitIs413) {
  const std::string text = R"({"op":"ping"})";
  EXPECT_EQ(parse_ok(text).kind, op::ping);
  EXPECT_EQ(std::get<command_error>(parse_command(text, text.size() - 1)).code,
            core::status::payload_too_large);
  EXPECT_TRUE(std::holds_alternative<command>(parse_command(text, text.size())));
}

TEST(Command, LargeDataOutgrowsTheStackBuffer) {
  std::string data = "[";
  for (int i = 0; i < 5000; ++i)
    data += std::to_string(i) + ",";
  data.back() = ']';
  const command c = parse_ok(R"({"op":"publish","channel":"c","data":)" + data + "}");
  EXPECT_EQ(c.data, data);
}

// Habit 2: a command cut at any byte is refused cleanly (a JSON object is never complete
// before its closing brace).
TEST(Command, EveryStrictPrefixFails) {
  const std::string text =
      R"({"id":12,"op":"publish","channel":"doc:42","data":{"t":"h\u00e9\"llo","n":[1,-2.5e3,true,null]},"ephemeral":false,"key":"k"})";
  for (std::size_t n = 0; n < text.size(); ++n) {
    const command_error e = parse_error(text.substr(0, n));
    EXPECT_EQ(e.code, core::status::bad_request) << n;
  }
  EXPECT_EQ(parse_ok(text).id, 12);
}

TEST(PublishBody, ParsesAllFields) {
  const auto r = parse_publish_body(
      R"({"channel":"doc:42","data":{"x": 1},"ephemeral":true,"key":"k","extra":0})");
  ASSERT_TRUE(std::holds_alternative<publish_request>(r));
  const auto& p = std::get<publish_request>(r);
  EXPECT_EQ(p.channel, "doc:42");
  EXPECT_EQ(p.data, R"({"x":1})");
  EXPECT_TRUE(p.ephemeral);
  EXPECT_EQ(p.key, "k");
}

TEST(PublishBody, OptionalFieldsDefault) {
  const auto r = parse_publish_body(R"({"channel":"c","data":null})");
  ASSERT_TRUE(std::holds_alternative<publish_request>(r));
  EXPECT_EQ(std::get<publish_request>(r).data, "null");
  EXPECT_FALSE(std::get<publish_request>(r).ephemeral);
}

TEST(PublishBody, Errors) {
  const std::pair<std::string, std::string> cases[] = {
      {"{", "malformed"},
      {"[]", "object"},
      {R"({"data":1})", "'channel'"},
      {R"({"channel":"c"})", "'data'"},
      {R"({"channel":"a b","data":1})", "'channel'"},
      {R"({"channel":1,"data":1})", "'channel'"},
      {R"({"channel":"c","data":1,"ephemeral":0})", "'ephemeral'"},
      {R"({"channel":"c","data":1,"key":false})", "'key'"},
  };
  for (const auto& [text, word] : cases) {
    const auto r = parse_publish_body(text);
    ASSERT_TRUE(std::holds_alternative<command_error>(r)) << text;
    const auto& e = std::get<command_error>(r);
    EXPECT_EQ(e.code, core::status::bad_request) << text;
    EXPECT_FALSE(e.id);
    EXPECT_TRUE(mentions(e, word)) << text << ": " << e.message;
  }
  const auto big = parse_publish_body(R"({"channel":"c","data":1})", 5);
  EXPECT_EQ(std::get<command_error>(big).code, core::status::payload_too_large);
}

TEST(BroadcastBody, ParsesChannelsAndData) {
  const auto r = parse_broadcast_body(R"({"channels":["a","b:1","n#u,v"],"data":[1]})");
  ASSERT_TRUE(std::holds_alternative<broadcast_request>(r));
  const auto& b = std::get<broadcast_request>(r);
  EXPECT_EQ(b.channels, (std::vector<std::string>{"a", "b:1", "n#u,v"}));
  EXPECT_EQ(b.data, "[1]");
}

TEST(BroadcastBody, Errors) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"data":1})", "missing field 'channels'"},
      {R"({"channels":"a","data":1})", "non-empty array"},
      {R"({"channels":[],"data":1})", "non-empty array"},
      {R"({"channels":["a",1],"data":1})", "only strings"},
      {R"({"channels":["a","b c"],"data":1})", "invalid channel"},
      {R"({"channels":["a","b","a"],"data":1})", "twice"},
      {R"({"channels":["a"]})", "'data'"},
      {"1", "object"},
  };
  for (const auto& [text, word] : cases) {
    const auto r = parse_broadcast_body(text);
    ASSERT_TRUE(std::holds_alternative<command_error>(r)) << text;
    const auto& e = std::get<command_error>(r);
    EXPECT_EQ(e.code, core::status::bad_request) << text;
    EXPECT_TRUE(mentions(e, word)) << text << ": " << e.message;
  }
}

TEST(BatchBody, ParsesEachPublishInOrderKeepingDataAsSent) {
  const auto r = parse_batch_body(
      R"({"commands":[{"publish":{"channel":"a","data":{"n": 1.50}}},)"
      R"( {"publish":{"channel":"b","data":"x,]}","ephemeral":true,"key":"k"}}]})");
  ASSERT_TRUE(std::holds_alternative<batch_request>(r));
  const auto& cmds = std::get<batch_request>(r).commands;
  ASSERT_EQ(cmds.size(), 2u);
  const auto& a = std::get<publish_request>(cmds[0]);
  EXPECT_EQ(a.channel, "a");
  EXPECT_EQ(a.data, R"({"n":1.50})");
  const auto& b = std::get<publish_request>(cmds[1]);
  EXPECT_EQ(b.channel, "b");
  EXPECT_EQ(b.data, R"("x,]}")");
  EXPECT_TRUE(b.ephemeral);
  EXPECT_EQ(b.key, "k");
}

TEST(BatchBody, ABadCommandIsAnErrorInItsPlace) {
  const auto r = parse_batch_body(
      R"({"commands":[{"publish":{"channel":"bad name","data":1}},{"broadcast":{}},)"
      R"(7,{"publish":1},{"publish":{"channel":"ok","data":2}}]})");
  ASSERT_TRUE(std::holds_alternative<batch_request>(r));
  const auto& cmds = std::get<batch_request>(r).commands;
  ASSERT_EQ(cmds.size(), 5u);
  EXPECT_EQ(std::get<command_error>(cmds[0]).code, core::status::bad_request);
  EXPECT_TRUE(mentions(std::get<command_error>(cmds[0]), "channel"));
  EXPECT_EQ(std::get<command_error>(cmds[1]).code, core::status::not_found);
  EXPECT_EQ(std::get<command_error>(cmds[2]).code, core::status::bad_request);
  EXPECT_EQ(std::get<command_error>(cmds[3]).code, core::status::bad_request);
  EXPECT_EQ(std::get<publish_request>(cmds[4]).data, "2");
}

TEST(BatchBody, Errors) {
  for (const char* text : {R"({})", R"({"commands":[]})", R"({"commands":{}})", R"([1])", "{"}) {
    const auto r = parse_batch_body(text);
    ASSERT_TRUE(std::holds_alternative<command_error>(r)) << text;
    EXPECT_EQ(std::get<command_error>(r).code, core::status::bad_request) << text;
  }
}

}  // namespace
}  // namespace triplex::protocol
