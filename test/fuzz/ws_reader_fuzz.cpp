// libFuzzer target for ws_reader (with ws_frame and utf8 underneath).
//
// Input: byte 0 picks the reader options (bit 0: allow_rsv1; bits 1-3: max message size
// 16 << k), byte 1 seeds the chunk sizes of the split feed, the rest is the client byte stream.
// Invariants checked (each aborts on violation):
//   - the stream fed whole, and fed in seeded chunks, gives the same events, and the same
//     consumed count unless it ended in an error;
//   - a close or error event is the last one, and then the reader is done;
//   - a text message without rsv1 is valid UTF-8 (by an independent reference decoder);
//   - message size <= max, control payloads <= 125 bytes, close codes valid or 1005, close
//     reasons valid UTF-8;
//   - consumed <= size, and == size while the reader is not done.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ws_reader.hpp"

namespace {

using triplex::protocol::ws::message_type;
using triplex::protocol::ws::ws_reader;

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

// RFC 3629 by decoding code points, independent of the validator under test.
bool reference_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<std::uint8_t>(s[i]);
    const std::size_t len = b < 0x80           ? 1
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

struct recorder : ws_reader::handler {
  std::size_t max_size = 0;
  std::vector<std::string> events;
  bool ended = false;

  void add(std::string e) {
    FUZZ_CHECK(!ended);  // nothing after close or error
    events.push_back(std::move(e));
  }
  void on_message(message_type type, std::string& payload, bool rsv1) override {
    FUZZ_CHECK(payload.size() <= max_size);
    if (type == message_type::text && !rsv1) FUZZ_CHECK(reference_utf8(payload));
    add((type == message_type::text ? "t" : "b") + std::string(rsv1 ? "1:" : "0:") + payload);
    if (payload.size() % 2 == 1) std::string taken = std::move(payload);  // both ways
  }
  void on_ping(std::string_view p) override {
    FUZZ_CHECK(p.size() <= 125);
    add("i:" + std::string(p));
  }
  void on_pong(std::string_view p) override {
    FUZZ_CHECK(p.size() <= 125);
    add("o:" + std::string(p));
  }
  void on_close(std::uint16_t code, std::string_view reason) override {
    FUZZ_CHECK(code == 1005 || triplex::protocol::ws::is_valid_close_code(code));
    FUZZ_CHECK(code != 1005 || reason.empty());
    FUZZ_CHECK(reason.size() <= 123 && reference_utf8(reason));
    add("c:" + std::to_string(code) + ":" + std::string(reason));
    ended = true;
  }
  void on_error(triplex::core::close_code code, std::string_view reason) override {
    const auto c = static_cast<int>(code);
    FUZZ_CHECK(c == 1002 || c == 1007 || c == 1009);
    FUZZ_CHECK(!reason.empty());
    add("e:" + std::to_string(c));
    ended = true;
  }
};

struct outcome {
  std::vector<std::string> events;
  std::size_t consumed = 0;
  bool error = false;
};

// How a run cuts the stream: whole, byte by byte, or in pseudo-random chunks of 1..17 bytes.
enum class cut { whole, bytes, seeded };

outcome run(const std::uint8_t* data, std::size_t n, std::size_t max_size, bool rsv1, cut how,
            std::uint32_t seed) {
  ws_reader reader(max_size, rsv1);
  recorder rec;
  rec.max_size = max_size;
  outcome out;
  std::size_t pos = 0;
  while (pos < n && !reader.done()) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t want = how == cut::whole   ? n - pos
                             : how == cut::bytes ? 1
                                                 : 1 + (seed >> 16) % 17;
    const std::size_t chunk = want < n - pos ? want : n - pos;
    const std::size_t used = reader.feed(data + pos, chunk, rec);
    FUZZ_CHECK(used <= chunk);
    FUZZ_CHECK(reader.done() || used == chunk);
    FUZZ_CHECK(reader.done() == rec.ended);
    out.consumed += used;
    pos += chunk;
  }
  if (reader.done()) {
    const std::size_t before = rec.events.size();
    FUZZ_CHECK(reader.feed(data, n, rec) == 0 && rec.events.size() == before);
  }
  out.error = !rec.events.empty() && rec.events.back()[0] == 'e';
  out.events = std::move(rec.events);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool rsv1 = (data[0] & 1) != 0;
  const std::size_t max_size = std::size_t{16} << ((data[0] >> 1) & 7);
  const std::uint8_t* stream = data + 2;
  const std::size_t n = size - 2;
  const outcome whole = run(stream, n, max_size, rsv1, cut::whole, 0);
  const outcome bytes = run(stream, n, max_size, rsv1, cut::bytes, 0);
  const outcome split = run(stream, n, max_size, rsv1, cut::seeded, data[1]);
  FUZZ_CHECK(whole.events == bytes.events);
  FUZZ_CHECK(whole.events == split.events);
  if (!whole.error) {
    FUZZ_CHECK(whole.consumed == bytes.consumed);
    FUZZ_CHECK(whole.consumed == split.consumed);
  }
  return 0;
}
