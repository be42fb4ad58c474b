// Hand-written JSON text for the hot paths: appends JSON tokens to a std::string without
// building a DOM (envelopes, cursors, long-poll bodies), and lifts a member's raw value out of
// already-validated JSON text so it can be relayed exactly as sent. Pure; safe on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace triplex::protocol {

// Appends `text` as a quoted JSON string. Always produces valid JSON and valid UTF-8 for any
// input bytes: '"', '\\' and control characters are escaped, well-formed UTF-8 is copied as is,
// and each byte that is not part of a well-formed UTF-8 sequence becomes \ufffd.
void append_json_string(std::string& out, std::string_view text);

// Appends the decimal form of an integer (a JSON number).
void append_json_uint(std::string& out, std::uint64_t value);
void append_json_int(std::string& out, std::int64_t value);

// Appends "true" or "false".
inline void append_json_bool(std::string& out, bool value) {
  out += value ? "true" : "false";
}

// In `object_text`, JSON text already accepted by a JSON parser whose root is an object, the raw
// text of the value of the last member named `key` (duplicates: last wins, as in Boost.JSON).
// Member names are compared after decoding their escapes. Returns nullopt when there is no
// such member. On text that is not valid JSON the result is unspecified but memory-safe.
std::optional<std::string_view> find_json_member(std::string_view object_text,
                                                 std::string_view key);

// Appends `value_text`, valid JSON text, without the whitespace outside strings. Everything
// else (number spellings, string escapes) is copied byte for byte.
void append_minified_json(std::string& out, std::string_view value_text);

// In `array_text`, JSON text already accepted by a JSON parser whose root is an array, the raw
// text of each element, in order (empty when the root is not an array). On text that is not
// valid JSON the result is unspecified but memory-safe.
std::vector<std::string_view> json_array_items(std::string_view array_text);

}  // namespace triplex::protocol
