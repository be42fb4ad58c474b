// Unit tests of the WebSocket handshake helpers: the RFC 6455 accept-key example and
// Sec-WebSocket-Key validation.
#include "protocol/ws_handshake.hpp"

#include <gtest/gtest.h>

namespace triplex::protocol::ws {
namespace {

TEST(WsHandshake, AcceptKeyRfcExample) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, AcceptKeyOtherKeys) {
  // Computed independently: printf '%s' "$key"258EAFA5-... | openssl sha1 -binary | base64
  EXPECT_EQ(ws_accept_key("AAAAAAAAAAAAAAAAAAAAAA=="), "ICX+Yqv66kxgM0FcWaLWlFLwTAI=");
  EXPECT_EQ(ws_accept_key("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
  EXPECT_EQ(ws_accept_key("").size(), 28u);
}

TEST(WsHandshake, ValidKeys) {
  EXPECT_TRUE(is_valid_ws_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(is_valid_ws_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_TRUE(is_valid_ws_key("/////////////////////w=="));
  EXPECT_TRUE(is_valid_ws_key("+/+/+/+/+/+/+/+/+/+/+g=="));
}

TEST(WsHandshake, InvalidKeys) {
  EXPECT_FALSE(is_valid_ws_key(""));
  EXPECT_FALSE(is_valid_ws_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
  EXPECT_FALSE(is_valid_ws_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25 characters
  EXPECT_FALSE(is_valid_ws_key("dGhlIHNhbXBsZSBub25jZQAA"));   // no padding: 18 bytes
  EXPECT_FALSE(is_valid_ws_key("dGhlIHNhbXBsZSBub25jZ==="));
  EXPECT_FALSE(is_valid_ws_key("dGhlIHNhbXBsZSBub25jZR=="));  // stray bits in the last char
  EXPECT_FALSE(is_valid_ws_key("dGhlIHNhbXBsZSBub25j-Q=="));  // base64url alphabet
  EXPECT_FALSE(is_valid_ws_key("dGhlIHNhbXBsZSBub25j Q=="));
  EXPECT_FALSE(is_valid_ws_key(" dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(is_valid_ws_key(std::string_view("dGhlIHNhbXBsZSBub25jZQ==\0", 25)));
}

}  // namespace
}  // namespace triplex::protocol::ws
