// Tests of the strict unpadded base64url codec.
#include "protocol/base64url.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace triplex::protocol {
namespace {

TEST(Base64url, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), plain);
    EXPECT_EQ(base64url_encoded_size(plain.size()), encoded.size());
  }
}

TEST(Base64url, UsesTheUrlSafeAlphabet) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
}

TEST(Base64url, AppendKeepsPrefix) {
  std::string out = "id: ";
  append_base64url(out, "foo");
  EXPECT_EQ(out, "id: Zm9v");
}

TEST(Base64url, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int b = 0; b < 256; ++b)
    all += static_cast<char>(b);
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const std::string plain = all.substr(all.size() - n);
    const std::string encoded = base64url_encode(plain);
    ASSERT_EQ(encoded.size(), base64url_encoded_size(n));
    ASSERT_EQ(base64url_decode(encoded), plain) << n;
  }
}

TEST(Base64url, RejectsPaddingAndForeignAlphabets) {
  EXPECT_EQ(base64url_decode("Zg=="), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm8="), std::nullopt);
  EXPECT_EQ(base64url_decode("+/8"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9v\n"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm 9v"), std::nullopt);
  EXPECT_EQ(base64url_decode(" Zm9v"), std::nullopt);
  EXPECT_EQ(base64url_decode(std::string("Zm\0v", 4)), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9\xc3\xa9"), std::nullopt);
}

TEST(Base64url, RejectsImpossibleLengths) {
  EXPECT_EQ(base64url_decode("Z"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9vY"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9vYmFyZ"), std::nullopt);
}

TEST(Base64url, RejectsNonCanonicalTrailingBits) {
  EXPECT_EQ(base64url_decode("Zh"), std::nullopt);   // "Zg" is canonical
  EXPECT_EQ(base64url_decode("Zm9"), std::nullopt);  // "Zm8" is canonical
  EXPECT_EQ(base64url_decode("Zm_"), std::nullopt);
}

// Every accepted string is the encoding of what it decodes to: one spelling per byte string.
std::size_t count_canonical(const std::string& alphabet, std::size_t length) {
  std::size_t accepted = 0;
  std::string text(length, 'A');
  const std::size_t total = length == 2 ? 64 * 64 : 64 * 64 * 64;
  for (std::size_t n = 0; n < total; ++n) {
    for (std::size_t k = 0, v = n; k < length; ++k, v /= 64)
      text[k] = alphabet[v % 64];
    const auto decoded = base64url_decode(text);
    if (!decoded) continue;
    ++accepted;
    EXPECT_EQ(base64url_encode(*decoded), text);
  }
  return accepted;
}

TEST(Base64url, AcceptsExactlyCanonicalSpellings) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  EXPECT_EQ(count_canonical(alphabet, 2), 256u);
  EXPECT_EQ(count_canonical(alphabet, 3), 65536u);
}

TEST(Base64url, RandomRoundTrip) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string plain(rng() % 100, '\0');
    for (char& c : plain)
      c = static_cast<char>(rng());
    ASSERT_EQ(base64url_decode(base64url_encode(plain)), plain);
  }
}

}  // namespace
}  // namespace triplex::protocol
