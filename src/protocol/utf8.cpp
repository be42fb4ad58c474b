#include "protocol/utf8.hpp"

#include <cstring>

namespace triplex::protocol {

namespace {

// True when the 8 bytes at p are all ASCII.
bool ascii8(const std::uint8_t* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return (w & 0x8080808080808080ull) == 0;
}

}  // namespace

bool utf8_validator::feed_continuation(std::uint8_t b) {
  if (b < lo_ || b > hi_) return false;
  --need_;
  lo_ = 0x80;
  hi_ = 0xBF;
  return true;
}

// Lead bytes and the range of their first continuation byte (RFC 3629 section 4): the
// narrowed ranges after E0, ED, F0 and F4 exclude overlongs, surrogates and > U+10FFFF.
bool utf8_validator::feed_lead(std::uint8_t b) {
  if (b < 0x80) return true;
  if (b < 0xC2) return false;  // stray continuation, or overlong C0/C1
  if (b < 0xE0) {
    need_ = 1;
  } else if (b < 0xF0) {
    need_ = 2;
    if (b == 0xE0) lo_ = 0xA0;
    if (b == 0xED) hi_ = 0x9F;
  } else if (b < 0xF5) {
    need_ = 3;
    if (b == 0xF0) lo_ = 0x90;
    if (b == 0xF4) hi_ = 0x8F;
  } else {
    return false;
  }
  return true;
}

bool utf8_validator::feed(const std::uint8_t* data, std::size_t n) {
  if (failed_) return false;
  std::size_t i = 0;
  while (i < n) {
    if (need_ == 0) {
      while (n - i >= 8 && ascii8(data + i))
        i += 8;
      if (i == n) break;
    }
    std::uint8_t b = data[i++];
    bool ok = need_ == 0 ? feed_lead(b) : feed_continuation(b);
    if (!ok) {
      failed_ = true;
      return false;
    }
  }
  return true;
}

bool is_valid_utf8(std::string_view s) {
  utf8_validator v;
  return v.feed(s) && v.complete();
}

std::size_t utf8_prefix_length(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  std::size_t end = max_bytes;
  // Back up over continuation bytes (at most 3) to the start of the cut sequence.
  std::size_t backed = 0;
  while (end > 0 && backed < 3 && (static_cast<std::uint8_t>(s[end]) & 0xC0) == 0x80) {
    --end;
    ++backed;
  }
  return end;
}

}  // namespace triplex::protocol
