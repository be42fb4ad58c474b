// libFuzzer target for permessage-deflate (protocol/permessage_deflate.hpp).
//
// Input: byte 0 picks the inflater's output limit (byte0 * 64 bytes); the rest is used twice:
// as a Sec-WebSocket-Extensions value and as the payload of a compressed message.
// Invariants checked (each aborts on violation):
//   - negotiation: an accepted offer is answered with the fixed response (optionally with
//     server_max_window_bits=15), and only when the value parses and offers permessage-deflate;
//   - inflate: the output never exceeds the limit and is empty unless the status is ok;
//     inflating the same payload again with the reused stream gives the same result;
//   - deflate_message -> inflate gives back the input, for the raw input and for any output the
//     inflater produced.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/permessage_deflate.hpp"

namespace {

namespace ws = triplex::protocol::ws;

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

void check_negotiation(std::string_view value) {
  const auto offers = ws::parse_extension_offers(value);
  const auto response = ws::negotiate_permessage_deflate(value);
  if (!response) return;
  FUZZ_CHECK(offers.has_value());
  bool offered = false;
  for (const auto& o : *offers)
    offered = offered || o.name == "permessage-deflate";
  FUZZ_CHECK(offered);
  const std::string base(ws::deflate_response);
  FUZZ_CHECK(*response == base || *response == base + "; server_max_window_bits=15");
}

// deflate_message followed by inflate returns `text`.
void check_round_trip(std::string_view text) {
  const std::string compressed = ws::deflate_message(text);
  FUZZ_CHECK(!compressed.empty());
  ws::inflater inf(text.size());
  std::string out;
  FUZZ_CHECK(inf.inflate(compressed, out) == ws::inflate_status::ok);
  FUZZ_CHECK(out == text);
}

void check_inflate(std::string_view payload, std::size_t limit) {
  ws::inflater inf(limit);
  std::string first;
  const ws::inflate_status st = inf.inflate(payload, first);
  FUZZ_CHECK(first.size() <= limit);
  FUZZ_CHECK(st == ws::inflate_status::ok || first.empty());
  std::string again;
  FUZZ_CHECK(inf.inflate(payload, again) == st);
  FUZZ_CHECK(again == first);
  if (st == ws::inflate_status::ok) check_round_trip(first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t limit = static_cast<std::size_t>(data[0]) * 64;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  check_negotiation(rest);
  check_inflate(rest, limit);
  check_round_trip(rest);
  return 0;
}
