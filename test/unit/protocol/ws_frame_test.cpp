// Unit tests of the WebSocket frame header codec: parse_header on every prefix, the three length
// encodings, unmasking at every key phase, and the server-side encoders.
#include "protocol/ws_frame.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace triplex::protocol::ws {
namespace {

using namespace std::string_literals;

std::vector<std::uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

TEST(WsFrameHeader, ParsesRfcExample) {
  const auto b = bytes("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
  frame_header h;
  ASSERT_EQ(parse_header(b.data(), b.size(), h), header_status::ok);
  EXPECT_TRUE(h.fin);
  EXPECT_FALSE(h.rsv1 || h.rsv2 || h.rsv3);
  EXPECT_EQ(h.op, 0x1);
  EXPECT_TRUE(h.masked);
  EXPECT_EQ(h.payload_len, 5u);
  EXPECT_EQ(h.size, 6);
  EXPECT_EQ(h.mask, (std::array<std::uint8_t, 4>{0x37, 0xfa, 0x21, 0x3d}));
}

TEST(WsFrameHeader, FlagsAndOpcode) {
  const auto b = bytes("\x7a\x00"s);  // fin=0 rsv1 rsv2 rsv3, opcode 0xA, unmasked, empty
  frame_header h;
  ASSERT_EQ(parse_header(b.data(), b.size(), h), header_status::ok);
  EXPECT_FALSE(h.fin);
  EXPECT_TRUE(h.rsv1 && h.rsv2 && h.rsv3);
  EXPECT_EQ(h.op, 0xA);
  EXPECT_FALSE(h.masked);
  EXPECT_EQ(h.size, 2);
  EXPECT_EQ(h.payload_len, 0u);
}

struct length_case {
  std::string header;
  std::uint64_t len;
  std::uint8_t size;
};

TEST(WsFrameHeader, LengthEncodingsOnEveryPrefix) {
  const std::vector<length_case> cases = {
      {"\x82\x7d"s, 125, 2},
      {"\x82\x7e\x00\x7e"s, 126, 4},
      {"\x82\x7e\xff\xff"s, 65535, 4},
      {"\x82\x7e\x00\x05"s, 5, 4},  // non-minimal: accepted
      {"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"s, 65536, 10},
      {"\x82\x7f\x7f\xff\xff\xff\xff\xff\xff\xff"s, 0x7fffffffffffffffull, 10},
      {"\x82\xfe\x01\x00\x01\x02\x03\x04"s, 256, 8},  // masked
      {"\x82\xff\x00\x00\x00\x00\x00\x00\x00\x01\x01\x02\x03\x04"s, 1, 14},
  };
  for (const auto& c : cases) {
    const auto b = bytes(c.header);
    for (std::size_t n = 0; n < b.size(); ++n) {
      frame_header h;
      EXPECT_EQ(parse_header(b.data(), n, h), header_status::need_more) << n;
    }
    frame_header h;
    ASSERT_EQ(parse_header(b.data(), b.size(), h), header_status::ok);
    EXPECT_EQ(h.payload_len, c.len);
    EXPECT_EQ(h.size, c.size);
    // Trailing payload bytes are not part of the header.
    auto longer = b;
    longer.push_back(0xAB);
    ASSERT_EQ(parse_header(longer.data(), longer.size(), h), header_status::ok);
    EXPECT_EQ(h.size, c.size);
  }
}

TEST(WsFrameHeader, LengthWithMostSignificantBitIsRejected) {
  const auto b = bytes("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00"s);
  frame_header h;
  EXPECT_EQ(parse_header(b.data(), b.size(), h), header_status::bad_length);
  EXPECT_EQ(h.size, 10);
}

TEST(WsFrameOpcode, KnownAndControl) {
  for (int op = 0; op < 16; ++op) {
    const bool known = op <= 2 || (op >= 8 && op <= 10);
    EXPECT_EQ(is_known_opcode(static_cast<std::uint8_t>(op)), known) << op;
  }
  EXPECT_TRUE(is_control(opcode::close));
  EXPECT_TRUE(is_control(opcode::ping));
  EXPECT_TRUE(is_control(opcode::pong));
  EXPECT_FALSE(is_control(opcode::text));
  EXPECT_FALSE(is_control(opcode::binary));
  EXPECT_FALSE(is_control(opcode::continuation));
}

TEST(WsFrameUnmask, EveryLengthAndKeyPhase) {
  const std::array<std::uint8_t, 4> key = {0x12, 0x34, 0x56, 0x78};
  std::vector<std::uint8_t> src(40);
  for (std::size_t i = 0; i < src.size(); ++i)
    src[i] = static_cast<std::uint8_t>(i * 7 + 1);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n <= src.size(); ++n) {
      std::vector<std::uint8_t> dst(n), in_place(src.begin(), src.begin() + n);
      unmask(dst.data(), src.data(), n, key, offset);
      unmask(in_place.data(), in_place.data(), n, key, offset);
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t want = src[i] ^ key[(offset + i) % 4];
        ASSERT_EQ(dst[i], want) << "offset " << offset << " n " << n << " i " << i;
        ASSERT_EQ(in_place[i], want);
      }
    }
  }
}

TEST(WsFrameEncode, HeaderLengths) {
  struct c {
    std::uint64_t len;
    std::string want;
  };
  const std::vector<c> cases = {
      {0, "\x82\x00"s},
      {125, "\x82\x7d"s},
      {126, "\x82\x7e\x00\x7e"s},
      {65535, "\x82\x7e\xff\xff"s},
      {65536, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"s},
      {0x123456789aull, "\x82\x7f\x00\x00\x00\x12\x34\x56\x78\x9a"s},
  };
  for (const auto& k : cases) {
    const encoded_header h = encode_header(opcode::binary, k.len);
    EXPECT_EQ(h.view(), k.want) << k.len;
    frame_header parsed;
    ASSERT_EQ(parse_header(h.bytes.data(), h.size, parsed), header_status::ok);
    EXPECT_EQ(parsed.payload_len, k.len);
    EXPECT_FALSE(parsed.masked);
  }
}

TEST(WsFrameEncode, HeaderFlags) {
  EXPECT_EQ(encode_header(opcode::text, 3, false).view(), "\x01\x03"s);
  EXPECT_EQ(encode_header(opcode::text, 3, true, true).view(), "\xc1\x03"s);
  EXPECT_EQ(encode_header(opcode::continuation, 0, true).view(), "\x80\x00"s);
  EXPECT_EQ(encode_header(opcode::pong, 1).view(), "\x8a\x01"s);
}

TEST(WsFrameEncode, FrameIsHeaderPlusPayload) {
  // RFC 6455 section 5.7: a single-frame unmasked text message.
  EXPECT_EQ(encode_frame(opcode::text, "Hello"), "\x81\x05Hello"s);
  const std::string big(300, 'x');
  EXPECT_EQ(encode_frame(opcode::binary, big), "\x82\x7e\x01\x2c"s + big);
}

TEST(WsFrameEncode, Close) {
  EXPECT_EQ(encode_close(core::close_code::normal), "\x88\x02\x03\xe8"s);
  EXPECT_EQ(encode_close(core::close_code::slow_consumer, "slow"), "\x88\x06\x0f\xa8slow"s);
  EXPECT_EQ(encode_close(std::uint16_t{3000}, "x"), "\x88\x03\x0b\xb8x"s);
  EXPECT_EQ(encode_close(no_status_code, "ignored"), "\x88\x00"s);
}

TEST(WsFrameEncode, CloseReasonIsCutAtACharacterBoundary) {
  const std::string ascii(200, 'a');
  const std::string f = encode_close(core::close_code::policy, ascii);
  ASSERT_EQ(f.size(), 2u + 125u);
  EXPECT_EQ(f.substr(4), ascii.substr(0, 123));
  // 122 ASCII bytes then a 2-byte character: it would end at byte 124 > 123, so it is dropped.
  const std::string mixed = std::string(122, 'a') + "\xce\xba" + "tail";
  const std::string g = encode_close(core::close_code::policy, mixed);
  EXPECT_EQ(g.substr(4), std::string(122, 'a'));
  EXPECT_EQ(static_cast<std::uint8_t>(g[1]), 124);
  // 121 + 2 bytes fits exactly.
  const std::string fits = std::string(121, 'a') + "\xce\xba" + "tail";
  EXPECT_EQ(encode_close(core::close_code::policy, fits).substr(4), fits.substr(0, 123));
  // A 4-byte character cut in any position.
  for (std::size_t pad = 119; pad <= 123; ++pad) {
    const std::string s = std::string(pad, 'a') + "\xf0\x9d\x84\x9e";
    const std::string reason = encode_close(std::uint16_t{1000}, s).substr(4);
    EXPECT_EQ(reason, pad + 4 <= 123 ? s : std::string(pad, 'a')) << pad;
  }
}

TEST(WsFrameCloseCode, ValidityTable) {
  for (int code = 0; code <= 65535; ++code) {
    const bool want = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
                      (code >= 3000 && code <= 4999);
    ASSERT_EQ(is_valid_close_code(static_cast<std::uint16_t>(code)), want) << code;
  }
  EXPECT_FALSE(is_valid_close_code(1005));
  EXPECT_FALSE(is_valid_close_code(1015));
  EXPECT_TRUE(is_valid_close_code(static_cast<std::uint16_t>(core::close_code::slow_consumer)));
}

}  // namespace
}  // namespace triplex::protocol::ws
