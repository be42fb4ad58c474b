// base64url (RFC 4648 §5) without padding, as used by cursors (spec §1). The decoder is strict:
// it accepts exactly the strings the encoder produces, so every byte string has one spelling.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace triplex::protocol {

// Number of characters base64url_encode produces for `size` input bytes.
constexpr std::size_t base64url_encoded_size(std::size_t size) noexcept {
  return size / 3 * 4 + (size % 3 == 0 ? 0 : size % 3 + 1);
}

// Appends the unpadded base64url encoding of `bytes` to `out`.
void append_base64url(std::string& out, std::string_view bytes);

// The unpadded base64url encoding of `bytes`.
std::string base64url_encode(std::string_view bytes);

// Decodes unpadded base64url. Returns nullopt for any character outside `A-Z a-z 0-9 - _`
// (including '=', '+', '/', whitespace), a length with `size % 4 == 1`, or non-zero unused
// trailing bits (a non-canonical spelling). Never throws on bad input.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace triplex::protocol
