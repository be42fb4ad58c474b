// libFuzzer target for cursors (protocol/cursor.hpp) and base64url: arbitrary text must never
// crash the decoders; an accepted cursor must survive decode -> encode -> decode unchanged, and
// base64url has exactly one spelling per byte string.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/base64url.hpp"
#include "protocol/cursor.hpp"

namespace {

namespace protocol = triplex::protocol;

void check_cursor(std::string_view text) {
  const protocol::cursor_decode_result first = protocol::decode_cursor(text);
  if (!first.ok()) {
    if (!first.entries.empty()) std::abort();
    return;
  }
  const protocol::cursor_decode_result second =
      protocol::decode_cursor(protocol::encode_cursor(first.entries));
  if (!second.ok() || second.entries != first.entries) std::abort();
}

void check_base64url(std::string_view text) {
  const auto bytes = protocol::base64url_decode(text);
  if (bytes && protocol::base64url_encode(*bytes) != text) std::abort();
  // The raw input also works as JSON text inside a cursor.
  check_cursor(protocol::base64url_encode(text));
}

void check_since(std::string_view text) {
  const auto pos = protocol::parse_since_text(text);
  if (pos && pos->epoch.size() > protocol::max_epoch_size) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_cursor(text);
  check_base64url(text);
  check_since(text);
  return 0;
}
