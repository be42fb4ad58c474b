// Finds the payload markers `"seq":N,"ts":T` that the publisher writes into every message, in
// whatever envelope arrives (Triplex's JSON envelope, nchan's raw body, SSE `data:` lines,
// multipart long-poll bodies): the scan looks only for the marker text. Streams are scanned
// piecewise; a marker cut by a read boundary is carried (at most carry_capacity bytes) and
// completed by the next piece. No allocation. Not thread-safe: one scanner per stream.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace loadgen {

class marker_scanner {
 public:
  // Bytes the caller must leave writable in front of `data` passed to scan_piece.
  static constexpr std::size_t carry_capacity = 64;

  // Scans data[0, n) of a stream, continuing the previous piece. data[-carry_capacity, 0)
  // must be writable (the carried bytes are copied there). Calls on_marker(seq, ts) for each
  // complete marker, in order.
  template <typename F>
  void scan_piece(char* data, std::size_t n, F&& on_marker) {
    char* begin = data - carry_len_;
    if (carry_len_) std::memcpy(begin, carry_.data(), carry_len_);
    carry_len_ = 0;
    const char* rest = scan(begin, data + n, on_marker);
    if (rest) keep(rest, data + n);
  }

  // Scans a complete text (a long-poll body): nothing is carried.
  template <typename F>
  static void scan_whole(const char* data, std::size_t n, F&& on_marker) {
    scan(data, data + n, on_marker);
  }

 private:
  enum class parse_result { ok, more, bad };

  // Returns where an incomplete marker (or a marker prefix at the very end) starts, or null.
  template <typename F>
  static const char* scan(const char* begin, const char* end, F& on_marker) {
    const char* cur = begin;
    while (cur < end) {
      auto* q =
          static_cast<const char*>(std::memchr(cur, 'q', static_cast<std::size_t>(end - cur)));
      if (!q) break;
      if (q - begin < 3 || std::memcmp(q - 3, "\"se", 3) != 0) {
        cur = q + 1;
        continue;
      }
      std::uint64_t seq = 0, ts = 0;
      const char* after = nullptr;
      switch (parse(q + 1, end, seq, ts, after)) {
        case parse_result::ok:
          on_marker(seq, ts);
          cur = after;
          break;
        case parse_result::more:
          return q - 3;
        case parse_result::bad:
          cur = q + 1;
          break;
      }
    }
    for (std::size_t k = 3; k >= 1; --k)  // a tail of `"se`, `"s` or `"`
      if (static_cast<std::size_t>(end - begin) >= k && std::memcmp(end - k, "\"se", k) == 0)
        return end - k;
    return nullptr;
  }

  // Parses `":N,"ts":T` followed by a non-digit, starting just after the `q` of `"seq`.
  static parse_result parse(const char* p, const char* end, std::uint64_t& seq, std::uint64_t& ts,
                            const char*& after) {
    static constexpr char mid[] = ",\"ts\":";
    if (!literal(p, end, "\":", 2)) return end - p < 2 ? parse_result::more : parse_result::bad;
    p += 2;
    auto r = number(p, end, seq);
    if (r != parse_result::ok) return r;
    if (!literal(p, end, mid, 6)) return end - p < 6 ? parse_result::more : parse_result::bad;
    p += 6;
    r = number(p, end, ts);
    if (r != parse_result::ok) return r;
    after = p;
    return parse_result::ok;
  }

  // Compares what is available; true only when all n bytes are there and equal.
  static bool literal(const char* p, const char* end, const char* lit, std::size_t n) {
    std::size_t have =
        static_cast<std::size_t>(end - p) < n ? static_cast<std::size_t>(end - p) : n;
    if (std::memcmp(p, lit, have) != 0) return false;
    return have == n;
  }

  // Reads 1..20 digits ending at a non-digit (which must be present: else `more`).
  static parse_result number(const char*& p, const char* end, std::uint64_t& out) {
    const char* start = p;
    out = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      out = out * 10 + static_cast<std::uint64_t>(*p - '0');
      ++p;
    }
    if (p == end) return p - start > 20 ? parse_result::bad : parse_result::more;
    return (p == start || p - start > 20) ? parse_result::bad : parse_result::ok;
  }

  void keep(const char* from, const char* end) {
    auto n = static_cast<std::size_t>(end - from);
    if (n > carry_capacity) return;  // not a marker we write: drop it
    std::memcpy(carry_.data(), from, n);
    carry_len_ = static_cast<std::uint8_t>(n);
  }

  std::array<char, carry_capacity> carry_{};
  std::uint8_t carry_len_ = 0;
};

}  // namespace loadgen
