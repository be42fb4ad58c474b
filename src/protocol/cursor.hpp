// Cursors (spec §1): the public, URL-safe text that carries a position for every channel of one
// SSE or long-poll subscription, so any node (and any transport) can resume it. A cursor is
// the unpadded base64url of the compact JSON array `[["doc:42","Xq3",17],...]` of
// [channel, epoch, offset] triples. Also the `epoch:offset` text of `GET /history?since=`.
// Pure codecs; safe on any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/position.hpp"

namespace triplex::protocol {

inline constexpr std::size_t max_cursor_size = 64 * 1024;  // bytes of cursor text
inline constexpr std::size_t max_cursor_entries = 256;
inline constexpr std::size_t max_epoch_size = 64;  // bytes

struct cursor_entry {
  std::string channel;
  core::position pos;

  friend bool operator==(const cursor_entry&, const cursor_entry&) = default;
};

// What decode_cursor found: the entries, or why the cursor is refused (answer 400 with it).
struct cursor_decode_result {
  std::vector<cursor_entry> entries;  // in cursor order; meaningful when ok()
  std::string error;                  // empty on success

  bool ok() const noexcept { return error.empty(); }
};

// Encodes `entries` in order. Runs once per delivered durable SSE message: it writes the JSON
// by hand, escaping epochs (channel names need no escaping but are escaped the same way).
// Does not check limits: the caller bounds the number of channels of a subscription.
std::string encode_cursor(std::span<const cursor_entry> entries);

// Builds a cursor entry by entry without copying them (the per-delivery SSE `id:` path): the
// JSON goes to a per-thread scratch buffer, the cursor text is appended to the caller's string.
// One writer at a time per thread; add() then append_to() once.
class cursor_writer {
 public:
  cursor_writer();
  void add(std::string_view channel, const core::position& pos);
  void append_to(std::string& out);
};

// Decodes a cursor. Refuses: text over max_cursor_size, malformed base64url, text that is not
// JSON or not an array of [string, string, uint64] triples, invalid channel names, epochs over
// max_epoch_size bytes, a channel listed twice, more than max_cursor_entries entries. Any
// JSON spelling is accepted (whitespace, escapes); an empty epoch is accepted. Never throws.
cursor_decode_result decode_cursor(std::string_view text);

// Parses the `epoch:offset` text of `GET /history?since=`: the epoch is everything before the
// last ':' (at most max_epoch_size bytes, may be empty), the offset a decimal uint64 without
// sign or spaces. Returns nullopt when the text has no ':' or either part is malformed.
std::optional<core::position> parse_since_text(std::string_view text);

}  // namespace triplex::protocol
