// Unit tests of the incremental UTF-8 validator: tables of valid and invalid sequences fed at
// every split, fail-fast positions, and an exhaustive comparison with a reference decoder.
#include "protocol/utf8.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace triplex::protocol {
namespace {

using namespace std::string_literals;

// Reference: decodes by the RFC 3629 definition (code point value, then checks), which is a
// different method from the validator's byte-range table.
bool reference_valid(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<std::uint8_t>(s[i]);
    std::size_t len = b < 0x80           ? 1
                      : (b >> 5) == 0x6  ? 2
                      : (b >> 4) == 0xE  ? 3
                      : (b >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? b : b & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<std::uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    const std::uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// Feeds s split at `cut` and reports complete().
bool valid_split(std::string_view s, std::size_t cut) {
  utf8_validator v;
  v.feed(s.substr(0, cut));
  v.feed(s.substr(cut));
  return v.complete();
}

const std::vector<std::string> valid_samples = {
    ""s,
    "hello"s,
    "\x00"s,
    "\x7f"s,                                          // U+007F
    "\xc2\x80"s,                                      // U+0080
    "\xdf\xbf"s,                                      // U+07FF
    "\xe0\xa0\x80"s,                                  // U+0800
    "\xed\x9f\xbf"s,                                  // U+D7FF
    "\xee\x80\x80"s,                                  // U+E000
    "\xef\xbf\xbf"s,                                  // U+FFFF
    "\xf0\x90\x80\x80"s,                              // U+10000
    "\xf4\x8f\xbf\xbf"s,                              // U+10FFFF
    "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"s,  // κόσμε
    "\xef\xbb\xbf"
    "BOM is fine"s,
    "0123456789abcdef0123456789abcdef\xf0\x9d\x84\x9e"
    "0123456789"s,
};

const std::vector<std::string> invalid_samples = {
    "\x80"s,  // lone continuation
    "\xbf"s,
    "\xc0\x80"s,                  // overlong NUL
    "\xc1\xbf"s,                  // overlong
    "\xe0\x80\x80"s,              // overlong 3-byte
    "\xe0\x9f\xbf"s,              // overlong U+07FF
    "\xf0\x80\x80\x80"s,          // overlong 4-byte
    "\xf0\x8f\xbf\xbf"s,          // overlong U+FFFF
    "\xed\xa0\x80"s,              // U+D800
    "\xed\xbf\xbf"s,              // U+DFFF
    "\xed\xa0\x80\xed\xb0\x80"s,  // surrogate pair
    "\xf4\x90\x80\x80"s,          // U+110000
    "\xf5\x80\x80\x80"s,
    "\xf8\x88\x80\x80\x80"s,
    "\xfe"s,
    "\xff"s,
    "\xc2"s,  // truncated
    "\xe1\x80"s,
    "\xf0\x90\x80"s,
    "\xc2\x41"s,  // continuation missing
    "\xe1\x80\x41"s,
    "\xf0\x90\x80\x41"s,
    "abc\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"
    "edited"s,
};

TEST(Utf8Validator, ValidSamplesAtEverySplit) {
  for (const auto& s : valid_samples) {
    EXPECT_TRUE(reference_valid(s));
    EXPECT_TRUE(is_valid_utf8(s));
    for (std::size_t cut = 0; cut <= s.size(); ++cut)
      EXPECT_TRUE(valid_split(s, cut)) << cut;
    utf8_validator v;
    for (char c : s)
      ASSERT_TRUE(v.feed(std::string_view(&c, 1)));
    EXPECT_TRUE(v.complete());
  }
}

TEST(Utf8Validator, InvalidSamplesAtEverySplit) {
  for (const auto& s : invalid_samples) {
    EXPECT_FALSE(reference_valid(s));
    EXPECT_FALSE(is_valid_utf8(s));
    for (std::size_t cut = 0; cut <= s.size(); ++cut)
      EXPECT_FALSE(valid_split(s, cut)) << cut;
  }
}

// Index of the first byte at which byte-by-byte feeding fails, or -1.
int fail_index(std::string_view s) {
  utf8_validator v;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!v.feed(s.substr(i, 1))) return static_cast<int>(i);
  }
  return -1;
}

TEST(Utf8Validator, FailsFastAtTheFirstBadByte) {
  EXPECT_EQ(fail_index("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"), 12);
  EXPECT_EQ(fail_index("ab\xe0\x80"), 3);        // overlong known at the second byte
  EXPECT_EQ(fail_index("\xf4\x90\x80\x80"), 1);  // > U+10FFFF known at the second byte
  EXPECT_EQ(fail_index("\xf0\x8f"), 1);
  EXPECT_EQ(fail_index("\xc0"), 0);
  EXPECT_EQ(fail_index("\xf5"), 0);
  EXPECT_EQ(fail_index("a\xc2"), -1);  // truncated is not (yet) a failure
  // Once failed, the validator stays failed.
  utf8_validator v;
  EXPECT_FALSE(v.feed("\xff"));
  EXPECT_TRUE(v.failed());
  EXPECT_FALSE(v.feed("a"));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.feed("a"));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8Validator, CompleteOnlyAtCharacterBoundary) {
  utf8_validator v;
  EXPECT_TRUE(v.feed("\xf0\x9d"));
  EXPECT_FALSE(v.complete());
  EXPECT_FALSE(v.failed());
  EXPECT_TRUE(v.feed("\x84"));
  EXPECT_FALSE(v.complete());
  EXPECT_TRUE(v.feed("\x9e"));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8Validator, AsciiFastPathDoesNotSkipBadBytes) {
  for (std::size_t pos = 0; pos < 40; ++pos) {
    std::string s(40, 'a');
    s[pos] = '\x80';
    EXPECT_EQ(fail_index(s), static_cast<int>(pos));
    EXPECT_FALSE(is_valid_utf8(s)) << pos;
    s[pos] = '\xc3';
    s.insert(pos + 1, "\xa9");  // é
    EXPECT_TRUE(is_valid_utf8(s)) << pos;
  }
}

TEST(Utf8Validator, MatchesReferenceOnAllShortSequences) {
  std::string s(2, '\0');
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      s[0] = static_cast<char>(a);
      s[1] = static_cast<char>(b);
      ASSERT_EQ(is_valid_utf8(s), reference_valid(s)) << a << " " << b;
    }
  }
  // Three and four bytes: every lead byte from 0xC0, continuation-ish bytes around the edges.
  const std::vector<int> tails = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff};
  for (int a = 0xC0; a < 256; ++a) {
    for (int b : tails) {
      for (int c : tails) {
        for (int d : tails) {
          const std::string t = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                                 static_cast<char>(d)};
          ASSERT_EQ(is_valid_utf8(t), reference_valid(t)) << a << " " << b << " " << c << " " << d;
          ASSERT_EQ(is_valid_utf8(t.substr(0, 3)), reference_valid(t.substr(0, 3)));
        }
      }
    }
  }
}

TEST(Utf8PrefixLength, CutsAtCharacterBoundaries) {
  const std::string s = "a\xce\xba\xe1\xbd\xb9\xf0\x9d\x84\x9e";  // 1 + 2 + 3 + 4 bytes
  const std::vector<std::size_t> want = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10};
  for (std::size_t max = 0; max < want.size(); ++max) {
    EXPECT_EQ(utf8_prefix_length(s, max), want[max]) << max;
    EXPECT_TRUE(is_valid_utf8(s.substr(0, utf8_prefix_length(s, max))));
  }
  EXPECT_EQ(utf8_prefix_length("", 5), 0u);
  EXPECT_LE(utf8_prefix_length("\x80\x80\x80\x80\x80", 4), 4u);
}

}  // namespace
}  // namespace triplex::protocol
