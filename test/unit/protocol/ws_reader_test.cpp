// Unit tests of ws_reader: every case is fed whole, split at every byte boundary (and at every
// pair of boundaries for short inputs) and byte by byte, and must give the same events.
#include "protocol/ws_reader.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace triplex::protocol::ws {
namespace {

using namespace std::string_literals;

// Events as short strings, so failures print readably: "text:Hello", "binary[rsv1]:..",
// "ping:..", "pong:..", "close:1000:bye", "error:1002".
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

struct recorder : ws_reader::handler {
  std::vector<std::string> events;
  std::vector<std::size_t> capacities;  // payload capacity seen by on_message
  bool take_payload = false;            // move the message out, as a zero-copy consumer would
  bool stop_in_message = false;
  ws_reader* reader = nullptr;

  void on_message(message_type type, std::string& payload, bool rsv1) override {
    if (stop_in_message && reader != nullptr) reader->stop();  // payload must stay valid
    std::string e = type == message_type::text ? "text" : "binary";
    if (rsv1) e += "[rsv1]";
    events.push_back(e + ":" + printable(payload));
    capacities.push_back(payload.capacity());
    if (take_payload) std::string taken = std::move(payload);
  }
  void on_ping(std::string_view p) override { events.push_back("ping:" + printable(p)); }
  void on_pong(std::string_view p) override { events.push_back("pong:" + printable(p)); }
  void on_close(std::uint16_t code, std::string_view reason) override {
    events.push_back("close:" + std::to_string(code) + ":" + printable(reason));
  }
  void on_error(core::close_code code, std::string_view reason) override {
    EXPECT_FALSE(reason.empty());
    events.push_back("error:" + std::to_string(static_cast<int>(code)));
  }
};

struct options {
  std::size_t max_size = 1 << 20;
  bool allow_rsv1 = false;
};

struct run_result {
  std::vector<std::string> events;
  std::size_t consumed = 0;
  bool done = false;
};

// Feeds input cut at the given increasing offsets; stops feeding once the reader is done.
run_result run(std::string_view input, const std::vector<std::size_t>& cuts, options o = {}) {
  ws_reader reader(o.max_size, o.allow_rsv1);
  recorder rec;
  run_result r;
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= cuts.size() && !reader.done(); ++i) {
    const std::size_t end = i < cuts.size() ? cuts[i] : input.size();
    r.consumed += reader.feed(input.substr(begin, end - begin), rec);
    begin = end;
  }
  r.events = std::move(rec.events);
  r.done = reader.done();
  return r;
}

bool ends_in_error(const run_result& r) {
  return !r.events.empty() && r.events.back().starts_with("error:");
}

// Checks that every way of splitting input gives `expected`, and the same consumed count unless
// the stream ended in an error (where the count is only "up to the failure").
::testing::AssertionResult same_for_all_splits(std::string_view input,
                                               const std::vector<std::string>& expected,
                                               options o = {}) {
  const run_result whole = run(input, {}, o);
  auto check = [&](const std::vector<std::size_t>& cuts) -> ::testing::AssertionResult {
    const run_result r = run(input, cuts, o);
    std::string where = "cuts:";
    for (std::size_t c : cuts)
      where += " " + std::to_string(c);
    if (r.events != expected) {
      std::string got;
      for (const auto& e : r.events)
        got += "[" + e + "] ";
      return ::testing::AssertionFailure() << where << " got " << got;
    }
    if (!ends_in_error(r) && r.consumed != whole.consumed) {
      return ::testing::AssertionFailure() << where << " consumed " << r.consumed;
    }
    return ::testing::AssertionSuccess();
  };
  if (auto a = check({}); !a) return a;
  const std::size_t n = input.size();
  for (std::size_t i = 0; i <= n; ++i) {
    if (auto a = check({i}); !a) return a;
  }
  std::vector<std::size_t> bytes;
  for (std::size_t i = 1; i < n; ++i)
    bytes.push_back(i);
  if (auto a = check(bytes); !a) return a;
  if (n <= 48) {
    for (std::size_t i = 0; i <= n; ++i) {
      for (std::size_t j = i; j <= n; ++j) {
        if (auto a = check({i, j}); !a) return a;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// Length encodings a test frame may use; the reader must accept non-minimal ones.
enum class len_form { minimal, bits16, bits64 };

struct frame_spec {
  std::uint8_t op = 0x1;
  std::string payload;
  bool fin = true;
  std::uint8_t rsv = 0;  // RSV1..3 as bits 2..0
  bool masked = true;
  len_form form = len_form::minimal;
  std::uint64_t claimed_len = ~0ull;  // header length when it should differ from payload
  std::uint32_t key = 0x37FA213D;
};

// Builds a frame as a client would send it.
std::string client_frame(const frame_spec& f) {
  std::string out;
  out.push_back(static_cast<char>((f.fin ? 0x80 : 0) | (f.rsv << 4) | f.op));
  const std::uint64_t len = f.claimed_len != ~0ull ? f.claimed_len : f.payload.size();
  len_form form = f.form;
  if (form == len_form::minimal) {
    form = len < 126 ? len_form::minimal : len <= 0xFFFF ? len_form::bits16 : len_form::bits64;
  }
  const char mask_bit = f.masked ? static_cast<char>(0x80) : 0;
  const int ext = form == len_form::bits16 ? 2 : form == len_form::bits64 ? 8 : 0;
  out.push_back(static_cast<char>(mask_bit | (ext == 0 ? len : ext == 2 ? 126 : 127)));
  for (int i = ext - 1; i >= 0; --i)
    out.push_back(static_cast<char>(len >> (8 * i)));
  const char key[4] = {static_cast<char>(f.key >> 24), static_cast<char>(f.key >> 16),
                       static_cast<char>(f.key >> 8), static_cast<char>(f.key)};
  if (f.masked) out.append(key, 4);
  for (std::size_t i = 0; i < f.payload.size(); ++i) {
    out.push_back(f.masked ? static_cast<char>(f.payload[i] ^ key[i % 4]) : f.payload[i]);
  }
  return out;
}

std::string text(std::string payload, bool fin = true) {
  return client_frame({.op = 0x1, .payload = std::move(payload), .fin = fin});
}
std::string binary(std::string payload, bool fin = true) {
  return client_frame({.op = 0x2, .payload = std::move(payload), .fin = fin});
}
std::string cont(std::string payload, bool fin = true) {
  return client_frame({.op = 0x0, .payload = std::move(payload), .fin = fin});
}
std::string ping(std::string payload) {
  return client_frame({.op = 0x9, .payload = std::move(payload)});
}
std::string pong(std::string payload) {
  return client_frame({.op = 0xA, .payload = std::move(payload)});
}
std::string close_frame(std::string payload) {
  return client_frame({.op = 0x8, .payload = std::move(payload)});
}
std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
  std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return p.append(reason);
}

const std::vector<std::string> proto_error = {"error:1002"};
const std::vector<std::string> utf8_error = {"error:1007"};
const std::vector<std::string> too_big = {"error:1009"};

// ---- valid input ----------------------------------------------------------------------------

TEST(WsReader, RfcSingleFrameMaskedText) {
  // RFC 6455 section 5.7: a single-frame masked text message containing "Hello".
  const std::string input = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
  EXPECT_TRUE(same_for_all_splits(input, {"text:Hello"}));
}

TEST(WsReader, RfcFragmentedText) {
  EXPECT_TRUE(same_for_all_splits(text("Hel", false) + cont("lo"), {"text:Hello"}));
}

TEST(WsReader, EmptyMessages) {
  EXPECT_TRUE(same_for_all_splits(text("") + binary(""), {"text:", "binary:"}));
  EXPECT_TRUE(same_for_all_splits(text("", false) + cont("", false) + cont(""), {"text:"}));
}

TEST(WsReader, BinaryKeepsAnyBytes) {
  const std::string payload = "\x00\xff\xc0\x80\xed\xa0\x80"s;
  EXPECT_TRUE(same_for_all_splits(binary(payload), {"binary:" + printable(payload)}));
}

TEST(WsReader, SeveralMessagesInOneBuffer) {
  EXPECT_TRUE(same_for_all_splits(text("a") + binary("bc") + ping("p") + text("d"),
                                  {"text:a", "binary:bc", "ping:p", "text:d"}));
}

TEST(WsReader, LengthEncodings7And16And64Bits) {
  for (std::size_t len : {0u, 1u, 125u, 126u, 127u, 1000u, 65535u, 65536u, 70000u}) {
    const std::string payload(len, 'x');
    const std::string frame = binary(payload);
    const std::size_t header = len < 126 ? 6 : len <= 0xFFFF ? 8 : 14;
    ASSERT_EQ(frame.size(), header + len);
    // Large payloads: split everywhere in the header and around the payload's ends only.
    for (std::size_t cut = 0; cut <= frame.size(); cut += cut < 32 ? 1 : 997) {
      EXPECT_EQ(run(frame, {cut}).events, std::vector<std::string>{"binary:" + payload})
          << "len " << len << " cut " << cut;
    }
    EXPECT_EQ(run(frame, {frame.size() - 1}).events.size(), 1u);
  }
}

TEST(WsReader, NonMinimalLengthsAreAccepted) {
  for (len_form form : {len_form::bits16, len_form::bits64}) {
    const std::string frame = client_frame({.op = 0x1, .payload = "hi", .form = form});
    EXPECT_TRUE(same_for_all_splits(frame, {"text:hi"}));
    const std::string ping_frame = client_frame({.op = 0x9, .payload = "p", .form = form});
    EXPECT_TRUE(same_for_all_splits(ping_frame, {"ping:p"}));
  }
}

TEST(WsReader, MaskingKeysAndOffsets) {
  // Payload lengths around the 8-byte unmasking stride, several keys (zero key included), and
  // fragments whose lengths are not multiples of 4 so the key phase restarts per frame.
  for (std::uint32_t key : {0u, 0xFFFFFFFFu, 0x01020304u, 0xA5C3E1F0u}) {
    for (std::size_t len = 0; len <= 19; ++len) {
      std::string payload;
      for (std::size_t i = 0; i < len; ++i)
        payload.push_back(static_cast<char>('a' + i));
      const std::string f = client_frame({.op = 0x2, .payload = payload, .key = key});
      EXPECT_EQ(run(f, {}).events, std::vector<std::string>{"binary:" + payload});
      EXPECT_EQ(run(f, {1, 5, 6 + len / 2}).events, std::vector<std::string>{"binary:" + payload});
    }
    const std::string frags =
        client_frame({.op = 0x1, .payload = "abc", .fin = false, .key = key}) +
        client_frame({.op = 0x0, .payload = "defgh", .key = key ^ 0x55});
    EXPECT_TRUE(same_for_all_splits(frags, {"text:abcdefgh"}));
  }
}

TEST(WsReader, FragmentationWithInterleavedControlFrames) {
  const std::string input = text("Hel", false) + ping("p1") + cont("lo ", false) + pong("") +
                            ping("") + cont("world") + ping("p2");
  EXPECT_TRUE(
      same_for_all_splits(input, {"ping:p1", "pong:", "ping:", "text:Hello world", "ping:p2"}));
  const std::string bin = binary("\x01", false) + close_frame(close_payload(1000));
  EXPECT_TRUE(same_for_all_splits(bin, {"close:1000:"}));
}

TEST(WsReader, Utf8SplitInsideSequenceAcrossFragments) {
  const std::string kosme = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";  // "κόσμε"
  for (std::size_t a = 0; a <= kosme.size(); ++a) {
    for (std::size_t b = a; b <= kosme.size(); ++b) {
      const std::string input = text(kosme.substr(0, a), false) +
                                cont(kosme.substr(a, b - a), false) + cont(kosme.substr(b));
      EXPECT_TRUE(same_for_all_splits(input, {"text:" + printable(kosme)})) << a << " " << b;
    }
  }
  // A 4-byte sequence split 1+1+2 with a ping in the middle.
  const std::string g = "\xf0\x9d\x84\x9e";  // U+1D11E
  EXPECT_TRUE(same_for_all_splits(
      text(g.substr(0, 1), false) + cont(g.substr(1, 1), false) + ping("") + cont(g.substr(2)),
      {"ping:", "text:" + printable(g)}));
}

TEST(WsReader, PingPongPayloadsUpTo125Bytes) {
  const std::string p125(125, 'z');
  EXPECT_TRUE(same_for_all_splits(ping(p125) + pong(p125), {"ping:" + p125, "pong:" + p125}));
  EXPECT_TRUE(same_for_all_splits(ping("\xff\x00"s), {"ping:\\xff\\x00"}));
}

TEST(WsReader, CloseFrames) {
  EXPECT_TRUE(same_for_all_splits(close_frame(""), {"close:1005:"}));
  EXPECT_TRUE(same_for_all_splits(close_frame(close_payload(1000)), {"close:1000:"}));
  EXPECT_TRUE(same_for_all_splits(close_frame(close_payload(1001, "bye")), {"close:1001:bye"}));
  const std::string reason = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
  EXPECT_TRUE(same_for_all_splits(close_frame(close_payload(4000, reason)),
                                  {"close:4000:" + printable(reason)}));
  const std::string long_reason(123, 'r');
  EXPECT_TRUE(same_for_all_splits(close_frame(close_payload(3000, long_reason)),
                                  {"close:3000:" + long_reason}));
}

TEST(WsReader, NothingIsReadAfterClose) {
  const std::string first = text("a") + close_frame(close_payload(1000));
  const std::string input = first + text("ignored");
  EXPECT_TRUE(same_for_all_splits(input, {"text:a", "close:1000:"}));
  EXPECT_EQ(run(input, {}).consumed, first.size());
  ws_reader reader(100);
  recorder rec;
  EXPECT_EQ(reader.feed(input, rec), first.size());
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(reader.feed(text("b"), rec), 0u);
  EXPECT_EQ(rec.events.size(), 2u);
}

TEST(WsReaderCloseCode, ValidityTable) {
  const std::vector<std::uint16_t> valid = {1000, 1001, 1002, 1003, 1007, 1008, 1009,
                                            1010, 1011, 3000, 3999, 4000, 4999};
  const std::vector<std::uint16_t> invalid = {0,    1,    999,  1004, 1005, 1006, 1012, 1013,
                                              1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535};
  for (std::uint16_t code : valid) {
    EXPECT_TRUE(same_for_all_splits(close_frame(close_payload(code, "x")),
                                    {"close:" + std::to_string(code) + ":x"}))
        << code;
  }
  for (std::uint16_t code : invalid) {
    EXPECT_TRUE(same_for_all_splits(close_frame(close_payload(code)), proto_error)) << code;
  }
}

// ---- protocol errors ------------------------------------------------------------------------

TEST(WsReaderError, UnmaskedFrame) {
  EXPECT_TRUE(same_for_all_splits(client_frame({.op = 0x1, .payload = "hi", .masked = false}),
                                  proto_error));
  EXPECT_TRUE(
      same_for_all_splits(client_frame({.op = 0x9, .payload = "", .masked = false}), proto_error));
}

TEST(WsReaderError, ReservedBits) {
  for (std::uint8_t rsv : {1, 2, 4, 7}) {  // RSV3, RSV2, RSV1, all
    EXPECT_TRUE(
        same_for_all_splits(client_frame({.op = 0x1, .payload = "a", .rsv = rsv}), proto_error))
        << int(rsv);
    EXPECT_TRUE(
        same_for_all_splits(client_frame({.op = 0x9, .payload = "", .rsv = rsv}), proto_error));
  }
}

TEST(WsReaderError, UnknownOpcodes) {
  for (std::uint8_t op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    EXPECT_TRUE(same_for_all_splits(client_frame({.op = op, .payload = "a"}), proto_error))
        << int(op);
    // Also in the middle of a fragmented message.
    EXPECT_TRUE(same_for_all_splits(text("a", false) + client_frame({.op = op, .payload = ""}),
                                    proto_error));
  }
}

TEST(WsReaderError, ControlFrameRules) {
  for (std::uint8_t op : {0x8, 0x9, 0xA}) {
    EXPECT_TRUE(
        same_for_all_splits(client_frame({.op = op, .payload = "", .fin = false}), proto_error));
    // 126 bytes, and a length above 125 announced with only part of the payload sent.
    EXPECT_TRUE(same_for_all_splits(client_frame({.op = op, .payload = std::string(126, 'a')}),
                                    proto_error));
    EXPECT_TRUE(same_for_all_splits(
        client_frame({.op = op, .payload = "", .form = len_form::bits64, .claimed_len = 1u << 20}),
        proto_error));
  }
}

TEST(WsReaderError, ContinuationWithoutMessage) {
  EXPECT_TRUE(same_for_all_splits(cont("a"), proto_error));
  EXPECT_TRUE(same_for_all_splits(text("a") + cont("b"), {"text:a", "error:1002"}));
}

TEST(WsReaderError, NewDataFrameInsideFragmentedMessage) {
  EXPECT_TRUE(same_for_all_splits(text("a", false) + text("b"), proto_error));
  EXPECT_TRUE(same_for_all_splits(binary("a", false) + text("b"), proto_error));
  EXPECT_TRUE(
      same_for_all_splits(text("a", false) + ping("") + binary("b"), {"ping:", "error:1002"}));
}

TEST(WsReaderError, LengthWithMostSignificantBitSet) {
  std::string frame = "\x82\xff\x80\x00\x00\x00\x00\x00\x00\x05"s + "\x01\x02\x03\x04";
  EXPECT_TRUE(same_for_all_splits(frame, proto_error));
  frame = "\x82\xff\xff\xff\xff\xff\xff\xff\xff\xff"s + "\x01\x02\x03\x04";
  EXPECT_TRUE(same_for_all_splits(frame, proto_error));
}

TEST(WsReaderError, InvalidUtf8InText) {
  EXPECT_TRUE(same_for_all_splits(text("a\xff"), utf8_error));
  EXPECT_TRUE(same_for_all_splits(text("\xc0\x80"), utf8_error));          // overlong NUL
  EXPECT_TRUE(same_for_all_splits(text("\xed\xa0\x80"), utf8_error));      // surrogate
  EXPECT_TRUE(same_for_all_splits(text("\xf4\x90\x80\x80"), utf8_error));  // > U+10FFFF
  // Valid first fragment, invalid second one.
  EXPECT_TRUE(same_for_all_splits(text("\xce", false) + cont("\x41"), utf8_error));
}

TEST(WsReaderError, TextEndingInsideUtf8Sequence) {
  EXPECT_TRUE(same_for_all_splits(text("a\xce"), utf8_error));
  EXPECT_TRUE(same_for_all_splits(text("\xf0\x9d", false) + cont("\x84"), utf8_error));
  // A fragment may end inside a sequence; only the end of the message must not.
  EXPECT_TRUE(same_for_all_splits(text("\xf0\x9d", false) + cont("\x84\x9e"),
                                  {"text:\\xf0\\x9d\\x84\\x9e"}));
}

TEST(WsReaderError, InvalidUtf8FailsFastInsideAFrame) {
  // The frame announces 1000 bytes but only a few arrive: the bad byte is enough to fail.
  const std::string frame = client_frame({.op = 0x1, .payload = "ok\xed\xa0", .claimed_len = 1000});
  EXPECT_TRUE(same_for_all_splits(frame, utf8_error));
  EXPECT_TRUE(same_for_all_splits(frame.substr(0, frame.size() - 1), {}));  // "ok\xed" is fine
}

TEST(WsReaderError, CloseFramePayloads) {
  EXPECT_TRUE(same_for_all_splits(close_frame("\x03"), proto_error));
  EXPECT_TRUE(same_for_all_splits(close_frame(close_payload(1000, "\xff")), utf8_error));
  EXPECT_TRUE(same_for_all_splits(close_frame(close_payload(1000, "a\xce")), utf8_error));
}

TEST(WsReaderError, EventsBeforeAnErrorAreDelivered) {
  EXPECT_TRUE(same_for_all_splits(text("a") + ping("b") + client_frame({.op = 0x3, .payload = ""}),
                                  {"text:a", "ping:b", "error:1002"}));
}

TEST(WsReaderError, NothingIsReadAfterAnError) {
  ws_reader reader(100);
  recorder rec;
  reader.feed(cont("x"), rec);
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(reader.feed(text("b"), rec), 0u);
  EXPECT_EQ(rec.events, proto_error);
}

// ---- message size limit ---------------------------------------------------------------------

TEST(WsReaderLimit, SingleFrame) {
  const options o{.max_size = 10};
  EXPECT_TRUE(same_for_all_splits(text("0123456789"), {"text:0123456789"}, o));
  EXPECT_TRUE(same_for_all_splits(text("0123456789A"), too_big, o));
  EXPECT_TRUE(same_for_all_splits(binary(std::string(11, 'b')), too_big, o));
}

TEST(WsReaderLimit, AcrossFragments) {
  const options o{.max_size = 10};
  EXPECT_TRUE(same_for_all_splits(text("01234", false) + ping("") + cont("56789"),
                                  {"ping:", "text:0123456789"}, o));
  EXPECT_TRUE(
      same_for_all_splits(text("01234", false) + ping("") + cont("5678", false) + cont("9A"),
                          {"ping:", "error:1009"}, o));
  // The limit is per message: the next message starts from zero again.
  EXPECT_TRUE(same_for_all_splits(text("01234", false) + cont("56789") + binary("0123456789"),
                                  {"text:0123456789", "binary:0123456789"}, o));
}

TEST(WsReaderLimit, DetectedFromHeaderBeforePayload) {
  // Only the header of a 2^40-byte frame is sent.
  const std::string header = client_frame({.op = 0x2, .payload = "", .claimed_len = 1ull << 40});
  EXPECT_TRUE(same_for_all_splits(header, too_big, {.max_size = 65536}));
  const std::string big16 = client_frame({.op = 0x2, .payload = "", .claimed_len = 65535});
  EXPECT_TRUE(same_for_all_splits(big16, too_big, {.max_size = 1000}));
}

TEST(WsReaderLimit, ControlFramesDoNotCount) {
  EXPECT_TRUE(same_for_all_splits(ping(std::string(100, 'p')) + text("ab"),
                                  {"ping:" + std::string(100, 'p'), "text:ab"}, {.max_size = 2}));
}

// ---- permessage-deflate (RSV1) --------------------------------------------------------------

TEST(WsReaderRsv1, AllowedOnFirstDataFrameOnly) {
  const options o{.allow_rsv1 = true};
  // Compressed payloads are not UTF-8 checked: the inflater does that after inflating.
  EXPECT_TRUE(same_for_all_splits(client_frame({.op = 0x1, .payload = "\xff\x00"s, .rsv = 4}),
                                  {"text[rsv1]:\\xff\\x00"}, o));
  EXPECT_TRUE(same_for_all_splits(
      client_frame({.op = 0x2, .payload = "ab", .fin = false, .rsv = 4}) + cont("\xc0"),
      {"binary[rsv1]:ab\\xc0"}, o));
  EXPECT_TRUE(same_for_all_splits(
      text("a", false) + client_frame({.op = 0x0, .payload = "b", .rsv = 4}), proto_error, o));
  EXPECT_TRUE(
      same_for_all_splits(client_frame({.op = 0x9, .payload = "", .rsv = 4}), proto_error, o));
  EXPECT_TRUE(
      same_for_all_splits(client_frame({.op = 0x1, .payload = "a", .rsv = 2}), proto_error, o));
  // Uncompressed messages are still checked.
  EXPECT_TRUE(same_for_all_splits(text("\xff"), utf8_error, o));
}

// ---- buffer ownership -----------------------------------------------------------------------

TEST(WsReaderBuffer, HandlerMayMoveThePayloadOut) {
  ws_reader reader(1 << 20);
  recorder rec;
  rec.take_payload = true;
  reader.feed(text("first", false) + cont(" message") + binary("second"), rec);
  EXPECT_EQ(rec.events, (std::vector<std::string>{"text:first message", "binary:second"}));
}

TEST(WsReaderBuffer, LargeBufferIsReleasedAfterDelivery) {
  ws_reader reader(1 << 20);
  recorder rec;
  const std::string big(100 * 1024, 'b');
  reader.feed(binary(big), rec);
  reader.feed(binary("x"), rec);
  ASSERT_EQ(rec.capacities.size(), 2u);
  EXPECT_GE(rec.capacities[0], big.size());
  EXPECT_LE(rec.capacities[1], ws_reader::keep_capacity);
}

TEST(WsReaderBuffer, StopInsideCallbackEndsTheStream) {
  ws_reader reader(1 << 20);
  recorder rec;
  rec.reader = &reader;
  rec.stop_in_message = true;
  const std::string first = text("a");
  EXPECT_EQ(reader.feed(first + text("b"), rec), first.size());
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(rec.events, std::vector<std::string>{"text:a"});
}

TEST(WsReaderBuffer, PerReaderStateIsSmall) {
  // Thousands of idle connections each hold one reader: no big inline buffers.
  EXPECT_LE(sizeof(ws_reader), 256u);
}

}  // namespace
}  // namespace triplex::protocol::ws
