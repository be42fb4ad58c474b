// Incremental UTF-8 validator (RFC 3629): state is kept across chunks, so a text message can be
// checked fragment by fragment as it arrives. Rejects overlong forms, surrogates (U+D800-DFFF)
// and code points above U+10FFFF, and fails at the first byte that cannot be part of a valid
// sequence (fail fast, as Autobahn section 6 expects). Pure functions, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace triplex::protocol {

class utf8_validator {
 public:
  // Checks the next chunk of the stream. Returns false as soon as a byte is invalid given
  // everything fed so far; the validator then stays failed until reset(). A sequence may be
  // split across chunks at any byte.
  bool feed(const std::uint8_t* data, std::size_t n);
  bool feed(std::string_view s) {
    return feed(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  }

  // True when no invalid byte was seen and the input does not end inside a sequence.
  bool complete() const { return !failed_ && need_ == 0; }
  bool failed() const { return failed_; }

  // Forgets all state, ready for a new stream.
  void reset() { *this = utf8_validator{}; }

 private:
  bool feed_continuation(std::uint8_t b);
  bool feed_lead(std::uint8_t b);

  std::uint8_t need_ = 0;   // continuation bytes still expected
  std::uint8_t lo_ = 0x80;  // allowed range of the next continuation byte
  std::uint8_t hi_ = 0xBF;
  bool failed_ = false;
};

// True when s is complete, valid UTF-8.
bool is_valid_utf8(std::string_view s);

// Length of the longest prefix of s that is at most max_bytes long and does not cut a
// multi-byte sequence. s is assumed valid UTF-8; for invalid input the result is still
// <= min(max_bytes, s.size()).
std::size_t utf8_prefix_length(std::string_view s, std::size_t max_bytes);

}  // namespace triplex::protocol
