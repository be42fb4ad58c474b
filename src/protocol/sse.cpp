#include "protocol/sse.hpp"

#include <charconv>
#include <cstdint>

namespace triplex::protocol {
namespace {

bool is_line_break(char c) {
  return c == '\r' || c == '\n';
}

// Appends `text` without the bytes for which `drop` is true.
template <class Drop>
void append_filtered(std::string& out, std::string_view text, Drop drop) {
  for (char c : text) {
    if (!drop(c)) out += c;
  }
}

// Appends one "data: ...\n" line per line of `text` (CRLF, CR and LF all end a line).
void append_data_lines(std::string& out, std::string_view text) {
  while (true) {
    std::size_t end = 0;
    while (end < text.size() && !is_line_break(text[end]))
      ++end;
    out += "data: ";
    out.append(text.data(), end);
    out += '\n';
    if (end == text.size()) return;
    const bool crlf = text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n';
    text.remove_prefix(end + (crlf ? 2 : 1));
  }
}

}  // namespace

std::string sse_preamble(std::chrono::milliseconds retry) {
  char digits[24];
  const auto count = retry.count() < 0 ? 0 : static_cast<std::uint64_t>(retry.count());
  const auto r = std::to_chars(digits, digits + sizeof digits, count);
  std::string out;
  out.reserve(32);
  out += "retry: ";
  out.append(digits, static_cast<std::size_t>(r.ptr - digits));
  out += "\n: triplex\n\n";
  return out;
}

std::string sse_event(std::string_view type, std::string_view envelope) {
  std::string out;
  out.reserve(type.size() + envelope.size() + 24);
  if (!type.empty()) {
    out += "event: ";
    append_filtered(out, type, is_line_break);
    out += '\n';
  }
  append_data_lines(out, envelope);
  out += '\n';
  return out;
}

std::string sse_id_line(std::string_view cursor) {
  std::string out;
  out.reserve(cursor.size() + 5);
  out += "id: ";
  append_filtered(out, cursor, [](char c) { return is_line_break(c) || c == '\0'; });
  out += '\n';
  return out;
}

std::string_view sse_heartbeat() noexcept {
  return ":\n\n";
}

}  // namespace triplex::protocol
