// Tests of the envelope/reply encoders (spec §2, §3.1, §4) and the JSON string escaper.
#include "protocol/envelope.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <string>

#include "protocol/json_text.hpp"

namespace triplex::protocol {
namespace {

namespace json = boost::json;

json::value parse_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return v;
}

std::string json_quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonText, EscapesQuotesBackslashAndControls) {
  EXPECT_EQ(json_quoted(""), R"("")");
  EXPECT_EQ(json_quoted("plain /text"), R"("plain /text")");
  EXPECT_EQ(json_quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(json_quoted(std::string("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
}

TEST(JsonText, KeepsWellFormedUtf8) {
  const std::string text = "\xc3\xa9 \xe2\x82\xac \xef\xbf\xbf \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";
  EXPECT_EQ(json_quoted(text), "\"" + text + "\"");
}

TEST(JsonText, ReplacesEachInvalidByte) {
  const std::pair<std::string, std::string> cases[] = {
      {"\x80", R"("\ufffd")"},                      // lone continuation
      {"\xc0\x80", R"("\ufffd\ufffd")"},            // overlong NUL
      {"\xc1\xbf", R"("\ufffd\ufffd")"},            // overlong
      {"\xe0\x80\x80", R"("\ufffd\ufffd\ufffd")"},  // overlong 3-byte
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},  // surrogate
      {"\xf0\x80\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},
      {"\xf4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},  // above U+10FFFF
      {"\xf5", R"("\ufffd")"},
      {"\xff", R"("\ufffd")"},
      {"a\xe2\x82", R"("a\ufffd\ufffd")"},  // truncated at the end
      {"\xe2\x82"
       "a",
       R"("\ufffd\ufffda")"},
      {"\xc3", R"("\ufffd")"},
  };
  for (const auto& [in, out] : cases)
    EXPECT_EQ(json_quoted(in), out);
}

TEST(JsonText, AppendsToExistingText) {
  std::string out = "x=";
  append_json_string(out, "y");
  append_json_uint(out, 18446744073709551615u);
  append_json_int(out, INT64_MIN);
  append_json_bool(out, false);
  EXPECT_EQ(out, "x=\"y\"18446744073709551615-9223372036854775808false");
}

// Every 1- and 2-byte input yields JSON that a strict parser accepts, decoding back to the
// input when the input was valid UTF-8.
TEST(JsonText, EveryTwoByteInputIsValidJson) {
  for (int a = 0; a < 256; ++a) {
    for (int b = -1; b < 256; ++b) {
      std::string in(1, static_cast<char>(a));
      if (b >= 0) in += static_cast<char>(b);
      const std::string out = json_quoted(in);
      boost::system::error_code ec;
      const json::value v = json::parse(out, ec);
      ASSERT_FALSE(ec) << a << " " << b;
      const std::string_view back(v.as_string().data(), v.as_string().size());
      if (out.find("\\ufffd") == std::string::npos) {
        ASSERT_EQ(back, in);
      }
    }
  }
}

TEST(JsonText, RandomBytesAreValidJson) {
  std::mt19937 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::string in(rng() % 40, '\0');
    for (char& c : in)
      c = static_cast<char>(rng() % 4 == 0 ? 0x80 | rng() : rng());
    boost::system::error_code ec;
    json::parse(json_quoted(in), ec);
    ASSERT_FALSE(ec);
  }
}

TEST(JsonText, FindsTheLastTopLevelMember) {
  EXPECT_EQ(find_json_member(R"({"data":1})", "data"), "1");
  EXPECT_EQ(find_json_member(R"( { "a" : [ {"data":0} ] , "data" : { "b" : "}" } } )", "data"),
            R"({ "b" : "}" })");
  EXPECT_EQ(find_json_member(R"({"data":1,"x":"y","data":"z\""})", "data"), R"("z\"")");
  EXPECT_EQ(find_json_member(R"({"d\u0061t\u0061":true})", "data"), "true");
  EXPECT_EQ(find_json_member(R"({"data\n":1,"dat":2,"datas":3,"\"data":4})", "data"), std::nullopt);
  EXPECT_EQ(find_json_member(R"({"s":"\"data\":1"})", "data"), std::nullopt);
  EXPECT_EQ(find_json_member(R"({})", "data"), std::nullopt);
  EXPECT_EQ(find_json_member(R"([{"data":1}])", "data"), std::nullopt);
  EXPECT_EQ(find_json_member(R"({"data":-1.5e3})", "data"), "-1.5e3");
}

TEST(JsonText, FindMemberIsSafeOnAnyPrefix) {
  const std::string text = R"({"a":[1,{"b":"\"}"}],"data":{"c":[true,null]}})";
  for (std::size_t n = 0; n < text.size(); ++n) {
    const auto found = find_json_member(text.substr(0, n), "data");
    if (found) {
      EXPECT_LE(found->size(), n);
    }
  }
  EXPECT_EQ(find_json_member(text, "data"), R"({"c":[true,null]})");
}

TEST(JsonText, MinifiesOutsideStringsOnly) {
  std::string out;
  append_minified_json(out, " [ 1 ,\r\n\t{ \"a b\" : \" x \\\" y \" } ] ");
  EXPECT_EQ(out, R"([1,{"a b":" x \" y "}])");
}

TEST(Envelope, Message) {
  EXPECT_EQ(message_envelope("doc:42", {"Xq3", 17}, R"({"t":"hi"})"),
            R"({"type":"message","channel":"doc:42","epoch":"Xq3","offset":17,"data":{"t":"hi"}})");
}

TEST(Envelope, Ephemeral) {
  EXPECT_EQ(ephemeral_envelope("doc:42", "[1,2]"),
            R"({"type":"message","channel":"doc:42","data":[1,2]})");
}

TEST(Envelope, EmptyPayloadsStayValidJson) {
  EXPECT_EQ(ephemeral_envelope("c", ""), R"({"type":"message","channel":"c","data":null})");
  EXPECT_EQ(message_envelope("c", {"e", 1}, ""),
            R"({"type":"message","channel":"c","epoch":"e","offset":1,"data":null})");
  EXPECT_EQ(reply_result(1, ""), R"({"type":"reply","id":1,"result":{}})");
  EXPECT_EQ(join_envelope("c", "i", "u", "", false),
            R"({"type":"join","channel":"c","client":"i","user":"u","info":{},"first":false})");
}

TEST(Envelope, Gap) {
  EXPECT_EQ(gap_envelope("doc:42", {"Xq3", 40}),
            R"({"type":"gap","channel":"doc:42","epoch":"Xq3","offset":40})");
}

TEST(Envelope, JoinAndLeave) {
  EXPECT_EQ(join_envelope("doc:42", "c1f", "alice", R"({"name":"Alice"})", true),
            R"({"type":"join","channel":"doc:42","client":"c1f","user":"alice",)"
            R"("info":{"name":"Alice"},"first":true})");
  EXPECT_EQ(leave_envelope("doc:42", "c1f", "alice", true),
            R"({"type":"leave","channel":"doc:42","client":"c1f","user":"alice","last":true})");
  EXPECT_EQ(leave_envelope("doc:42", "c1f", "", false),
            R"({"type":"leave","channel":"doc:42","client":"c1f","user":"","last":false})");
}

TEST(Envelope, EscapesStrings) {
  const std::string out = join_envelope("c", "q\"", "a\\\n\xff", "{}", true);
  EXPECT_EQ(out, R"({"type":"join","channel":"c","client":"q\"","user":"a\\\n\ufffd",)"
                 R"("info":{},"first":true})");
  EXPECT_EQ(parse_json(out).at("user").as_string(), "a\\\n\xef\xbf\xbd");
  const std::string gap = gap_envelope("c", {"e\"\t", 2});
  EXPECT_EQ(parse_json(gap).at("epoch").as_string(), "e\"\t");
}

TEST(Envelope, SingleLine) {
  const std::string out = message_envelope("c", {"e\n", 1}, "1");
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(Envelope, ReplyResult) {
  EXPECT_EQ(reply_result(5, R"({"epoch":"e","offset":3})"),
            R"({"type":"reply","id":5,"result":{"epoch":"e","offset":3}})");
  EXPECT_EQ(reply_result(-9223372036854775807 - 1, "{}"),
            R"({"type":"reply","id":-9223372036854775808,"result":{}})");
}

TEST(Envelope, ReplyError) {
  EXPECT_EQ(reply_error(7, core::status::not_found, "unknown op 'x'"),
            R"({"type":"reply","id":7,"error":{"code":404,"message":"unknown op 'x'"}})");
  EXPECT_EQ(reply_error(std::nullopt, core::status::bad_request, "malformed JSON"),
            R"({"type":"reply","error":{"code":400,"message":"malformed JSON"}})");
  const std::string out = reply_error(1, core::status::too_many_requests, "\"quoted\"\x01");
  EXPECT_EQ(parse_json(out).at("error").at("message").as_string(), "\"quoted\"\x01");
  EXPECT_EQ(parse_json(out).at("error").at("code").as_int64(), 429);
}

TEST(Envelope, HttpErrorBody) {
  EXPECT_EQ(http_error_body(core::status::unauthorized, "no token"),
            R"({"error":{"code":401,"message":"no token"}})");
  EXPECT_EQ(http_error_body(core::status::unavailable, ""),
            R"({"error":{"code":503,"message":""}})");
}

TEST(JsonText, ArrayItemsAreTheRawElements) {
  EXPECT_EQ(json_array_items(R"( [ 1 , "a,]" ,{"b":[2,3]}, [] ,null] )"),
            (std::vector<std::string_view>{"1", R"("a,]")", R"({"b":[2,3]})", "[]", "null"}));
  EXPECT_TRUE(json_array_items("[]").empty());
  EXPECT_TRUE(json_array_items(R"({"a":1})").empty()) << "not an array";
}

}  // namespace
}  // namespace triplex::protocol
