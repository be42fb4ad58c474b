// Tests of cursor encoding/decoding (spec §1) and the `epoch:offset` since text.
#include "protocol/cursor.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "protocol/base64url.hpp"

namespace triplex::protocol {
namespace {

std::string cursor_of_json(std::string_view json) {
  return base64url_encode(json);
}

std::string decode_error(std::string_view json) {
  const cursor_decode_result r = decode_cursor(cursor_of_json(json));
  EXPECT_FALSE(r.ok()) << json;
  EXPECT_TRUE(r.entries.empty());
  return r.error;
}

const std::vector<cursor_entry> spec_example = {
    {"doc:42", {"Xq3", 17}},
    {"notify#alice", {"Zk1", 3}},
};

TEST(Cursor, EncodesTheSpecExampleExactly) {
  const std::string cursor = encode_cursor(spec_example);
  EXPECT_EQ(base64url_decode(cursor), R"([["doc:42","Xq3",17],["notify#alice","Zk1",3]])");
  for (char c : cursor)
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
}

TEST(Cursor, RoundTripsTheSpecExample) {
  const cursor_decode_result r = decode_cursor(encode_cursor(spec_example));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.entries, spec_example);
}

TEST(Cursor, RoundTripsAnEmptyList) {
  EXPECT_EQ(base64url_decode(encode_cursor({})), "[]");
  const cursor_decode_result r = decode_cursor(encode_cursor({}));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.entries.empty());
}

TEST(Cursor, RoundTripsEpochsThatNeedEscaping) {
  const std::vector<cursor_entry> entries = {
      {"a", {"q\"b\\s/\n\t\x01\x7f", 0}},
      {"b", {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", std::numeric_limits<std::uint64_t>::max()}},
      {"c", {"", 1}},
  };
  const cursor_decode_result r = decode_cursor(encode_cursor(entries));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.entries, entries);
}

TEST(Cursor, InvalidUtf8EpochBecomesReplacementCharacter) {
  const std::vector<cursor_entry> entries = {{"a", {"x\xffy", 1}}};
  const cursor_decode_result r = decode_cursor(encode_cursor(entries));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.entries[0].pos.epoch, "x\xef\xbf\xbdy");
}

TEST(Cursor, AcceptsAnyJsonSpelling) {
  const cursor_decode_result r =
      decode_cursor(cursor_of_json(" [ [ \"doc:42\" , \"X\\u0071\" , 17 ] ]\n"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0], (cursor_entry{"doc:42", {"Xq", 17}}));
}

TEST(Cursor, AcceptsLimitsExactly) {
  std::vector<cursor_entry> entries;
  for (int i = 0; i < 256; ++i)
    entries.push_back({"c" + std::to_string(i), {std::string(64, 'e'), 1}});
  const std::string cursor = encode_cursor(entries);
  ASSERT_LE(cursor.size(), max_cursor_size);
  const cursor_decode_result r = decode_cursor(cursor);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.entries, entries);
}

TEST(Cursor, RejectsTooManyEntries) {
  std::vector<cursor_entry> entries;
  for (int i = 0; i < 257; ++i)
    entries.push_back({"c" + std::to_string(i), {"e", 1}});
  const cursor_decode_result r = decode_cursor(encode_cursor(entries));
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("256"), std::string::npos) << r.error;
}

TEST(Cursor, RejectsTooLongText) {
  const std::string padding(70000, ' ');
  const std::string cursor = cursor_of_json("[" + padding + "]");
  ASSERT_GT(cursor.size(), max_cursor_size);
  EXPECT_NE(decode_cursor(cursor).error.find("longer"), std::string::npos);
  EXPECT_FALSE(decode_cursor(std::string(max_cursor_size + 1, 'A')).ok());
}

TEST(Cursor, RejectsMalformedBase64) {
  const std::string good = encode_cursor(spec_example);
  for (const std::string& bad : {good + "=", good + "==", "+" + good.substr(1), good + " ",
                                 std::string("A"), good.substr(0, good.size() - 1) + "!"}) {
    const cursor_decode_result r = decode_cursor(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_NE(decode_cursor("a=b").error.find("base64"), std::string::npos);
}

TEST(Cursor, RejectsTextThatIsNotJson) {
  EXPECT_NE(decode_error("").find("not JSON"), std::string::npos);
  EXPECT_NE(decode_error("[[\"a\",\"b\",1]").find("not JSON"), std::string::npos);
  EXPECT_NE(decode_error("[[\"a\",\"b\",1]]x").find("not JSON"), std::string::npos);
  EXPECT_NE(decode_error("[[\"a\",\"b\xff\",1]]").find("not JSON"), std::string::npos);
  EXPECT_NE(decode_error("[[[[[[[]]]]]]]").find("not JSON"), std::string::npos);
}

TEST(Cursor, RejectsWrongShapes) {
  EXPECT_NE(decode_error(R"({"doc":1})").find("not a JSON array"), std::string::npos);
  EXPECT_NE(decode_error("17").find("not a JSON array"), std::string::npos);
  EXPECT_NE(decode_error(R"(["doc:42"])").find("3-element"), std::string::npos);
  EXPECT_NE(decode_error(R"([["doc:42","X"]])").find("3-element"), std::string::npos);
  EXPECT_NE(decode_error(R"([["doc:42","X",1,2]])").find("3-element"), std::string::npos);
  EXPECT_NE(decode_error(R"([[42,"X",1]])").find("channel is not"), std::string::npos);
  EXPECT_NE(decode_error(R"([["a",7,1]])").find("epoch is not"), std::string::npos);
  EXPECT_NE(decode_error(R"([["a",null,1]])").find("epoch is not"), std::string::npos);
}

TEST(Cursor, RejectsOffsetsThatAreNotUint64) {
  for (const char* offset : {"-1", "1.5", "1e3", "\"1\"", "null", "true", "18446744073709551616"}) {
    const std::string json = std::string(R"([["a","X",)") + offset + "]]";
    EXPECT_NE(decode_error(json).find("offset"), std::string::npos) << json;
  }
  const cursor_decode_result r =
      decode_cursor(cursor_of_json(R"([["a","X",18446744073709551615]])"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.entries[0].pos.offset, std::numeric_limits<std::uint64_t>::max());
}

TEST(Cursor, RejectsInvalidChannelNames) {
  EXPECT_NE(decode_error(R"([["",  "X",1]])").find("invalid channel"), std::string::npos);
  EXPECT_NE(decode_error(R"([["a b","X",1]])").find("invalid channel"), std::string::npos);
  const std::string long_name(256, 'a');
  EXPECT_NE(decode_error("[[\"" + long_name + "\",\"X\",1]]").find("invalid channel"),
            std::string::npos);
}

TEST(Cursor, RejectsLongEpochs) {
  const std::string ok = "[[\"a\",\"" + std::string(64, 'e') + "\",1]]";
  EXPECT_TRUE(decode_cursor(cursor_of_json(ok)).ok());
  const std::string bad = "[[\"a\",\"" + std::string(65, 'e') + "\",1]]";
  EXPECT_NE(decode_error(bad).find("epoch longer"), std::string::npos);
}

TEST(Cursor, RejectsDuplicateChannels) {
  EXPECT_NE(decode_error(R"([["a","X",1],["b","X",1],["a","Y",2]])").find("twice"),
            std::string::npos);
}

TEST(Cursor, ErrorNamesTheEntry) {
  EXPECT_NE(decode_error(R"([["a","X",1],["b","X",-1]])").find("entry 1"), std::string::npos);
}

// Habit 2: a cursor cut at any byte must be refused cleanly, never crash or half-succeed.
TEST(Cursor, EveryStrictPrefixFails) {
  const std::string cursor = encode_cursor(spec_example);
  for (std::size_t n = 0; n < cursor.size(); ++n) {
    const cursor_decode_result r = decode_cursor(cursor.substr(0, n));
    EXPECT_FALSE(r.ok()) << n;
    EXPECT_TRUE(r.entries.empty());
  }
  EXPECT_TRUE(decode_cursor(cursor).ok());
}

TEST(Cursor, EverySingleByteCorruptionIsHandled) {
  const std::string cursor = encode_cursor(spec_example);
  for (std::size_t i = 0; i < cursor.size(); ++i) {
    for (int b = 0; b < 256; ++b) {
      std::string bad = cursor;
      bad[i] = static_cast<char>(b);
      const cursor_decode_result r = decode_cursor(bad);
      if (r.ok()) {
        EXPECT_EQ(decode_cursor(encode_cursor(r.entries)).entries, r.entries);
      }
    }
  }
}

TEST(SinceText, ParsesEpochAndOffset) {
  EXPECT_EQ(parse_since_text("Xq3:17"), (core::position{"Xq3", 17}));
  EXPECT_EQ(parse_since_text("Xq3:0"), (core::position{"Xq3", 0}));
  EXPECT_EQ(parse_since_text(":5"), (core::position{"", 5}));
  EXPECT_EQ(parse_since_text("Xq3:18446744073709551615"),
            (core::position{"Xq3", std::numeric_limits<std::uint64_t>::max()}));
}

TEST(SinceText, EpochIsBeforeTheLastColon) {
  EXPECT_EQ(parse_since_text("a:b:5"), (core::position{"a:b", 5}));
}

TEST(SinceText, RejectsMalformedText) {
  for (const char* bad : {"", "Xq3", "17", "Xq3:", "Xq3:-1", "Xq3:+1", "Xq3: 1", "Xq3:1 ", "Xq3:1a",
                          "Xq3:0x10", "Xq3:18446744073709551616", "Xq3:1:"}) {
    EXPECT_EQ(parse_since_text(bad), std::nullopt) << bad;
  }
}

TEST(SinceText, EpochLengthLimit) {
  EXPECT_TRUE(parse_since_text(std::string(64, 'e') + ":1"));
  EXPECT_FALSE(parse_since_text(std::string(65, 'e') + ":1"));
}

TEST(SinceText, EveryPrefixIsHandled) {
  const std::string text = "Xq3:1234";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    const auto pos = parse_since_text(text.substr(0, n));
    EXPECT_EQ(pos.has_value(), n > 4) << n;
  }
}

}  // namespace
}  // namespace triplex::protocol
