// Unit tests of permessage-deflate (protocol/permessage_deflate.hpp): the extension list parser,
// the negotiation policy (a table of offers, several offers, declines), deflate_message against
// zlib used directly as the reference, the inflater (RFC 7692 examples, every window size,
// BFINAL, limits, corrupt and truncated data, stream reuse and release) and compressed messages
// fragmented and fed to ws_reader at every split point.
#include "protocol/permessage_deflate.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "protocol/ws_reader.hpp"

namespace triplex::protocol::ws {
namespace {

using namespace std::string_literals;

// ---- zlib used directly, as the reference -----------------------------------------------------

// Raw DEFLATE of `in` with the given window, ended by `flush` (Z_SYNC_FLUSH or Z_FINISH); with
// `strip`, the trailing 00 00 ff ff of a sync flush is removed (RFC 7692 7.2.1).
std::string ref_deflate(std::string_view in, int wbits = 15, int flush = Z_SYNC_FLUSH,
                        bool strip = true, int level = Z_DEFAULT_COMPRESSION) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, -wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, flush);
  EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  if (strip) {
    EXPECT_TRUE(out.size() >= 4 && out.substr(out.size() - 4) == "\x00\x00\xff\xff"s);
    out.resize(out.size() - 4);
  }
  return out;
}

// Raw INFLATE of a message payload with the 00 00 ff ff tail appended (RFC 7692 7.2.2).
std::string ref_inflate(std::string_view payload) {
  std::string in(payload);
  in += "\x00\x00\xff\xff"s;
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, -15), Z_OK);
  std::string out;
  std::array<char, 4096> buf{};
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = buf.size();
    rc = inflate(&z, Z_SYNC_FLUSH);
    out.append(buf.data(), buf.size() - z.avail_out);
  } while (rc == Z_OK && (z.avail_in > 0 || z.avail_out == 0));
  inflateEnd(&z);
  EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR) << rc;
  return out;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s)
    c = static_cast<char>(rng());
  return s;
}

// JSON-like text that compresses well, like an envelope.
std::string sample_text(std::size_t n) {
  std::string s;
  for (int i = 0; s.size() < n; ++i)
    s += "{\"type\":\"message\",\"channel\":\"doc:42\",\"offset\":" + std::to_string(i) + "},";
  s.resize(n);
  return s;
}

// ---- parse_extension_offers -------------------------------------------------------------------

TEST(ExtensionOffers, ParsesNamesParamsAndQuotedValues) {
  auto offers = parse_extension_offers(
      "permessage-deflate; client_max_window_bits, foo ;a=1;b=\"x\\yz\" ,, x-webkit");
  ASSERT_TRUE(offers);
  ASSERT_EQ(offers->size(), 3u);
  const auto& a = (*offers)[0];
  EXPECT_EQ(a.name, "permessage-deflate");
  ASSERT_EQ(a.params.size(), 1u);
  EXPECT_EQ(a.params[0].name, "client_max_window_bits");
  EXPECT_FALSE(a.params[0].value);
  const auto& b = (*offers)[1];
  EXPECT_EQ(b.name, "foo");
  ASSERT_EQ(b.params.size(), 2u);
  EXPECT_EQ(b.params[0].value, "1");
  EXPECT_EQ(b.params[1].name, "b");
  EXPECT_EQ(b.params[1].value, "xyz");  // quoted-pair unescaped
  EXPECT_EQ((*offers)[2].name, "x-webkit");
  EXPECT_TRUE((*offers)[2].params.empty());
}

TEST(ExtensionOffers, EmptyAndWhitespace) {
  EXPECT_EQ(parse_extension_offers("")->size(), 0u);
  EXPECT_EQ(parse_extension_offers(" , ,\t")->size(), 0u);
  auto o = parse_extension_offers("\tpermessage-deflate \t; \tserver_max_window_bits = \"15\" \t");
  ASSERT_TRUE(o);
  ASSERT_EQ(o->size(), 1u);
  EXPECT_EQ((*o)[0].params[0].value, "15");
}

TEST(ExtensionOffers, Malformed) {
  for (std::string_view bad : {
           "permessage-deflate;",             // no parameter after ;
           "permessage-deflate; ;a",          //
           "permessage-deflate; =1",          // no parameter name
           "permessage-deflate; a=",          // no value
           "permessage-deflate; a=\"1",       // unterminated quoted string
           "permessage-deflate; a=\"1 2\"",   // quoted value is not a token
           "permessage-deflate; a=\"\"",      // empty quoted value
           "permessage-deflate; a=1 2",       // two values
           "permessage-deflate x",            // two tokens
           "; a",                             // no extension name
           "permessage-deflate; a=\"x\\",     // escape at the end
           "permessage-deflate; a=(1)",       // not a token
           "permessage-deflate\r\n",          // control characters
           "permessage-deflate; a=\"\x01\"",  //
           "permessage-deflate;\xc3\xa9=1",   // non-ASCII name
       }) {
    EXPECT_FALSE(parse_extension_offers(bad)) << bad;
    EXPECT_FALSE(negotiate_permessage_deflate(bad)) << bad;
  }
}

// ---- negotiation policy -----------------------------------------------------------------------

const std::string yes(deflate_response);
const std::string yes15 = yes + "; server_max_window_bits=15";

struct negotiation_case {
  std::string_view offers;
  std::optional<std::string> want;
};

TEST(Negotiate, Table) {
  const negotiation_case cases[] = {
      {"permessage-deflate", yes},
      {"permessage-deflate; client_max_window_bits", yes},  // npm ws, browsers, python
      {"permessage-deflate; client_max_window_bits=10", yes},
      {"permessage-deflate; client_max_window_bits=\"8\"", yes},
      {"permessage-deflate; server_no_context_takeover", yes},
      {"permessage-deflate; client_no_context_takeover", yes},
      {"permessage-deflate; server_no_context_takeover; client_no_context_takeover", yes},
      {"permessage-deflate; server_max_window_bits=15", yes15},
      {"permessage-deflate; server_max_window_bits=\"15\"; client_max_window_bits", yes15},
      // Declined: nothing else is offered.
      {"", std::nullopt},
      {"x-webkit-deflate-frame", std::nullopt},
      {"permessage-deflate; server_max_window_bits=14", std::nullopt},
      {"permessage-deflate; server_max_window_bits=8", std::nullopt},
      {"permessage-deflate; server_max_window_bits", std::nullopt},  // value required
      {"permessage-deflate; server_max_window_bits=16", std::nullopt},
      {"permessage-deflate; server_max_window_bits=015", std::nullopt},  // leading zero
      {"permessage-deflate; client_max_window_bits=7", std::nullopt},
      {"permessage-deflate; client_max_window_bits=08", std::nullopt},
      {"permessage-deflate; client_max_window_bits=abc", std::nullopt},
      {"permessage-deflate; server_no_context_takeover=1", std::nullopt},  // takes no value
      {"permessage-deflate; client_no_context_takeover=\"x\"", std::nullopt},
      {"permessage-deflate; mystery", std::nullopt},
      {"permessage-deflate; Server_No_Context_Takeover", std::nullopt},  // names are exact
      {"PerMessage-Deflate", std::nullopt},
      {"permessage-deflate; client_max_window_bits; client_max_window_bits", std::nullopt},
      {"permessage-deflate; server_no_context_takeover; server_no_context_takeover", std::nullopt},
      // Several offers: the first acceptable one wins.
      {"permessage-deflate; server_max_window_bits=10, permessage-deflate", yes},
      {"permessage-deflate; mystery=1, permessage-deflate; client_max_window_bits", yes},
      {"foo, permessage-deflate; server_max_window_bits=15, permessage-deflate", yes15},
      {"permessage-deflate; server_max_window_bits=9, permessage-deflate; "
       "server_max_window_bits=12",
       std::nullopt},
      {"permessage-deflate, permessage-deflate; server_max_window_bits=15", yes},
      // Several header lines joined by the caller.
      {"foo; bar=1, permessage-deflate; client_max_window_bits", yes},
      // A malformed value anywhere declines everything.
      {"permessage-deflate, foo; a=\"", std::nullopt},
  };
  for (const auto& c : cases)
    EXPECT_EQ(negotiate_permessage_deflate(c.offers), c.want) << c.offers;
}

// ---- deflate_message --------------------------------------------------------------------------

TEST(DeflateMessage, RoundTripsThroughZlib) {
  for (std::size_t n : {0u, 1u, 5u, 255u, 256u, 4096u, 70000u, 300000u}) {
    for (const std::string& in : {sample_text(n), random_bytes(n, static_cast<unsigned>(n))}) {
      const std::string out = deflate_message(in);
      ASSERT_FALSE(out.empty()) << n;
      EXPECT_EQ(ref_inflate(out), in) << n;
      EXPECT_NE(out.substr(out.size() >= 4 ? out.size() - 4 : 0), "\x00\x00\xff\xff"s);
    }
  }
}

TEST(DeflateMessage, EmptyMessageIsOneZeroByte) {
  EXPECT_EQ(deflate_message(""), "\x00"s);  // RFC 7692 7.2.3.6
}

TEST(DeflateMessage, EachMessageStandsAlone) {
  // No context takeover: the second copy of a message compresses exactly like the first.
  const std::string in = sample_text(2000);
  const std::string first = deflate_message(in);
  EXPECT_EQ(deflate_message(in), first);
  EXPECT_LT(first.size(), in.size() / 4);
}

TEST(DeflateMessage, WorksOnSeveralThreads) {
  const std::string in = sample_text(50000);
  std::string a;
  std::string b;
  std::thread t1([&] { a = deflate_message(in); });
  std::thread t2([&] { b = deflate_message(in); });
  t1.join();
  t2.join();
  EXPECT_EQ(ref_inflate(a), in);
  EXPECT_EQ(a, b);
}

// ---- inflater ---------------------------------------------------------------------------------

std::string inflate_ok(inflater& inf, std::string_view payload) {
  std::string out = "stale";
  EXPECT_EQ(inf.inflate(payload, out), inflate_status::ok);
  return out;
}

TEST(Inflater, Rfc7692Examples) {
  inflater inf(1000);
  // 7.2.3.1: "Hello" in a compressed block.
  EXPECT_EQ(inflate_ok(inf, "\xf2\x48\xcd\xc9\xc9\x07\x00"s), "Hello");
  // 7.2.3.3: a block with no compression.
  EXPECT_EQ(inflate_ok(inf, "\x00\x05\x00\xfa\xff\x48\x65\x6c\x6c\x6f\x00"s), "Hello");
  // 7.2.3.5: a block with BFINAL set, then an empty block.
  EXPECT_EQ(inflate_ok(inf, "\xf3\x48\xcd\xc9\xc9\x07\x00\x00"s), "Hello");
  // 7.2.3.6: an empty message.
  EXPECT_EQ(inflate_ok(inf, "\x00"s), "");
}

TEST(Inflater, EveryWindowSizeAndFinalBlock) {
  const std::string in = sample_text(100000);
  inflater inf(in.size());
  for (int wbits = 9; wbits <= 15; ++wbits)
    EXPECT_EQ(inflate_ok(inf, ref_deflate(in, wbits)), in) << wbits;
  // Z_FINISH: the message ends with a final block (no tail to strip); data after it is ignored.
  const std::string fin = ref_deflate(in, 15, Z_FINISH, false);
  EXPECT_EQ(inflate_ok(inf, fin), in);
  EXPECT_EQ(inflate_ok(inf, fin + "\x00"s), in);
  EXPECT_EQ(inflate_ok(inf, ref_deflate(in, 15, Z_SYNC_FLUSH, true, 0)), in);  // stored blocks
}

TEST(Inflater, OwnDeflateRoundTrip) {
  inflater inf(1 << 20);
  for (std::size_t n : {0u, 1u, 300u, 65536u, 500000u}) {
    const std::string in = n % 2 ? random_bytes(n, 7) : sample_text(n);
    EXPECT_EQ(inflate_ok(inf, deflate_message(in)), in) << n;
  }
}

TEST(Inflater, MessagesAreIndependent) {
  // Each message is reset: a reference to the previous message's window is invalid data.
  inflater inf(10000);
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string msg = sample_text(500);
  std::array<std::string, 2> payloads;
  for (auto& p : payloads) {
    std::string buf(2000, '\0');
    z.next_in = reinterpret_cast<Bytef*>(msg.data());
    z.avail_in = static_cast<uInt>(msg.size());
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = static_cast<uInt>(buf.size());
    ASSERT_EQ(deflate(&z, Z_SYNC_FLUSH), Z_OK);  // context kept between the two
    buf.resize(buf.size() - z.avail_out - 4);
    p = buf;
  }
  deflateEnd(&z);
  EXPECT_EQ(inflate_ok(inf, payloads[0]), msg);
  std::string out;
  EXPECT_EQ(inf.inflate(payloads[1], out), inflate_status::corrupt);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(inflate_ok(inf, payloads[0]), msg);  // usable again after an error
}

TEST(Inflater, LimitIsTheInflatedSize) {
  const std::string in = sample_text(5000);
  const std::string payload = deflate_message(in);
  {
    inflater inf(in.size());
    EXPECT_EQ(inflate_ok(inf, payload), in);
  }
  inflater inf(in.size() - 1);
  std::string out;
  EXPECT_EQ(inf.inflate(payload, out), inflate_status::too_big);
  EXPECT_TRUE(out.empty());
  inflater zero(0);
  EXPECT_EQ(zero.inflate(payload, out), inflate_status::too_big);
  EXPECT_EQ(inflate_ok(zero, "\x00"s), "");
}

TEST(Inflater, BombStopsAtTheLimit) {
  const std::string zeros(20 << 20, '\0');  // 20 MiB of zeros deflate to about 20 KiB
  const std::string bomb = ref_deflate(zeros, 15, Z_SYNC_FLUSH, true, 9);
  ASSERT_LT(bomb.size(), 64u * 1024);
  inflater inf(65536);
  std::string out;
  EXPECT_EQ(inf.inflate(bomb, out), inflate_status::too_big);
  EXPECT_LE(out.capacity(), 2u * 65536 + 64);  // never grew toward 20 MiB
}

TEST(Inflater, CorruptData) {
  inflater inf(1 << 16);
  std::string out;
  for (const std::string& bad : {
           "\x07"s,                          // BTYPE 11 (reserved)
           "\xff\xff\xff\xff"s,              //
           "\x00\x05\x00\x00\x00Hello"s,     // stored block with a bad NLEN
           "\x00\x05\x00\xfa\xff\x48\x65"s,  // stored block cut short
           ""s,                              // no data at all: the tail alone is not a block
       }) {
    EXPECT_EQ(inf.inflate(bad, out), inflate_status::corrupt) << testing::PrintToString(bad);
    EXPECT_TRUE(out.empty());
  }
  // A valid message cut at any byte: DEFLATE has no checksum, so the tail appended to a cut
  // block may decode as other data; either way nothing breaks and the stream stays usable.
  const std::string in = sample_text(3000);
  const std::string payload = ref_deflate(in);
  std::size_t corrupt = 0;
  for (std::size_t cut = 0; cut < payload.size(); ++cut) {
    const auto st = inf.inflate(std::string_view(payload).substr(0, cut), out);
    ASSERT_TRUE(st == inflate_status::ok || st == inflate_status::corrupt) << cut;
    ASSERT_TRUE(st == inflate_status::ok || out.empty()) << cut;
    corrupt += st == inflate_status::corrupt;
  }
  EXPECT_GT(corrupt, payload.size() / 2);  // most cuts end inside a block
  EXPECT_EQ(inflate_ok(inf, payload), in);
}

TEST(Inflater, RandomInputNeverExceedsTheLimit) {
  inflater inf(1000);
  std::string out;
  for (unsigned seed = 0; seed < 2000; ++seed) {
    const auto st = inf.inflate(random_bytes(seed % 200, seed), out);
    EXPECT_LE(out.size(), 1000u);
    if (st != inflate_status::ok) {
      EXPECT_TRUE(out.empty());
    }
  }
}

TEST(Inflater, StreamIsCreatedLazilyAndReleasedWhenUnused) {
  inflater inf(100);
  EXPECT_FALSE(inf.holds_stream());
  inf.release_if_unused();
  EXPECT_FALSE(inf.holds_stream());
  EXPECT_EQ(inflate_ok(inf, "\xf2\x48\xcd\xc9\xc9\x07\x00"s), "Hello");
  EXPECT_TRUE(inf.holds_stream());
  inf.release_if_unused();  // used since the last check: kept
  EXPECT_TRUE(inf.holds_stream());
  inf.release_if_unused();  // idle for a whole period: freed
  EXPECT_FALSE(inf.holds_stream());
  EXPECT_EQ(inflate_ok(inf, "\xf2\x48\xcd\xc9\xc9\x07\x00"s), "Hello");
}

// ---- compressed messages through ws_reader, split everywhere -------------------------------

// A masked client frame.
std::string client_frame(std::uint8_t first_byte, std::string_view payload) {
  std::string f(1, static_cast<char>(first_byte));
  const std::array<std::uint8_t, 4> key{0x12, 0x34, 0x56, 0x78};
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  }
  f.append(reinterpret_cast<const char*>(key.data()), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f += static_cast<char>(payload[i] ^ key[i % 4]);
  return f;
}

// Collects inflated messages, as the connection does.
struct inflating_handler : ws_reader::handler {
  explicit inflating_handler(std::size_t limit) : inf(limit) {}
  void on_message(message_type, std::string& payload, bool rsv1) override {
    std::string out;
    if (!rsv1) {
      messages.push_back("plain:" + payload);
    } else if (inf.inflate(payload, out) == inflate_status::ok) {
      messages.push_back(out);
    } else {
      messages.push_back("error");
    }
  }
  void on_ping(std::string_view) override {}
  void on_pong(std::string_view) override {}
  void on_close(std::uint16_t, std::string_view) override {}
  void on_error(core::close_code, std::string_view reason) override {
    messages.push_back("reader error: " + std::string(reason));
  }
  inflater inf;
  std::vector<std::string> messages;
};

TEST(InflateThroughReader, FragmentedAndSplitAtEveryByte) {
  const std::string text = "h\xc3\xa9llo " + sample_text(400);
  const std::string payload = deflate_message(text);
  for (std::size_t frag = 0; frag <= payload.size(); frag += 7) {
    // RSV1 and the opcode on the first fragment only; the rest in a continuation frame.
    const std::string wire = client_frame(0x41, payload.substr(0, frag)) +
                             client_frame(0x80, payload.substr(frag)) +
                             client_frame(0x81, "{}");  // then an uncompressed message
    for (std::size_t split = 0; split <= wire.size(); split += 5) {
      inflating_handler h(text.size());
      ws_reader reader(1 << 16, true);
      reader.feed(std::string_view(wire).substr(0, split), h);
      reader.feed(std::string_view(wire).substr(split), h);
      ASSERT_EQ(h.messages, (std::vector<std::string>{text, "plain:{}"}))
          << "fragment at " << frag << ", split at " << split;
    }
  }
}

}  // namespace
}  // namespace triplex::protocol::ws
