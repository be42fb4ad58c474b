#include "protocol/json_text.hpp"

#include <charconv>
#include <cstddef>

namespace triplex::protocol {
namespace {

bool is_continuation(unsigned char c, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
  return c >= lo && c <= hi;
}

// Length of the well-formed UTF-8 sequence (Unicode Table 3-7) starting at `s[i]` (a byte >=
// 0x80), or 0 when there is none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const std::size_t left = s.size() - i;
  const unsigned char b0 = at(0);
  if (b0 >= 0xc2 && b0 <= 0xdf) return left >= 2 && is_continuation(at(1)) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const unsigned char lo = b0 == 0xe0 ? 0xa0 : 0x80;
    const unsigned char hi = b0 == 0xed ? 0x9f : 0xbf;
    return left >= 3 && is_continuation(at(1), lo, hi) && is_continuation(at(2)) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const unsigned char lo = b0 == 0xf0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xf4 ? 0x8f : 0xbf;
    return left >= 4 && is_continuation(at(1), lo, hi) && is_continuation(at(2)) &&
                   is_continuation(at(3))
               ? 4
               : 0;
  }
  return 0;
}

bool is_plain_ascii(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void append_escaped_ascii(std::string& out, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  const char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
  out.append(u, sizeof u);
}

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_space(std::string_view t, std::size_t i) {
  while (i < t.size() && is_json_space(t[i]))
    ++i;
  return i;
}

// Index just past the string whose opening quote is at `i` (t.size() if unterminated).
std::size_t skip_string(std::string_view t, std::size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return t.size();
}

// Index just past the value starting at `i`.
std::size_t skip_value(std::string_view t, std::size_t i) {
  if (i >= t.size()) return t.size();
  if (t[i] == '"') return skip_string(t, i);
  if (t[i] != '{' && t[i] != '[') {
    while (i < t.size() && std::string_view(",}] \t\n\r").find(t[i]) == std::string_view::npos)
      ++i;
    return i;
  }
  std::size_t depth = 0;
  while (i < t.size()) {
    const char c = t[i];
    if (c == '"') {
      i = skip_string(t, i);
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && --depth == 0) return i + 1;
    ++i;
  }
  return t.size();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the escape at raw[i] == '\\' into an ASCII char; returns false for non-ASCII or bad
// escapes. Advances `i` past it.
bool decode_ascii_escape(std::string_view raw, std::size_t& i, char& c) {
  if (i + 1 >= raw.size()) return false;
  const char e = raw[i + 1];
  static constexpr std::string_view from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
  if (const auto k = from.find(e); k != std::string_view::npos) {
    c = to[k];
    i += 2;
    return true;
  }
  if (e != 'u' || i + 6 > raw.size()) return false;
  int code = 0;
  for (std::size_t k = i + 2; k < i + 6; ++k) {
    const int d = hex_digit(raw[k]);
    if (d < 0) return false;
    code = code * 16 + d;
  }
  if (code >= 0x80) return false;
  c = static_cast<char>(code);
  i += 6;
  return true;
}

// Whether the raw body of a JSON string (between its quotes) decodes to the ASCII `key`.
bool raw_string_equals(std::string_view raw, std::string_view key) {
  std::size_t i = 0;
  std::size_t k = 0;
  while (i < raw.size()) {
    char c = raw[i];
    if (c != '\\') {
      ++i;
    } else if (!decode_ascii_escape(raw, i, c)) {
      return false;
    }
    if (k == key.size() || key[k++] != c) return false;
  }
  return k == key.size();
}

}  // namespace

std::optional<std::string_view> find_json_member(std::string_view t, std::string_view key) {
  std::size_t i = skip_space(t, 0);
  if (i >= t.size() || t[i] != '{') return std::nullopt;
  std::optional<std::string_view> found;
  i = skip_space(t, i + 1);
  while (i < t.size() && t[i] == '"') {
    const std::size_t key_end = skip_string(t, i);
    if (key_end < i + 2) return std::nullopt;
    const std::string_view raw_key = t.substr(i + 1, key_end - i - 2);
    i = skip_space(t, key_end);
    if (i >= t.size() || t[i] != ':') return std::nullopt;
    i = skip_space(t, i + 1);
    const std::size_t value_end = skip_value(t, i);
    if (raw_string_equals(raw_key, key)) found = t.substr(i, value_end - i);
    i = skip_space(t, value_end);
    if (i < t.size() && t[i] == ',') i = skip_space(t, i + 1);
  }
  return found;
}

std::vector<std::string_view> json_array_items(std::string_view t) {
  std::vector<std::string_view> out;
  std::size_t i = skip_space(t, 0);
  if (i >= t.size() || t[i] != '[') return out;
  i = skip_space(t, i + 1);
  while (i < t.size() && t[i] != ']') {
    const std::size_t end = skip_value(t, i);
    if (end <= i) break;
    out.push_back(t.substr(i, end - i));
    i = skip_space(t, end);
    if (i >= t.size() || t[i] != ',') break;
    i = skip_space(t, i + 1);
  }
  return out;
}

void append_minified_json(std::string& out, std::string_view t) {
  std::size_t i = 0;
  while (i < t.size()) {
    if (t[i] == '"') {
      const std::size_t end = skip_string(t, i);
      out.append(t.data() + i, end - i);
      i = end;
    } else {
      if (!is_json_space(t[i])) out += t[i];
      ++i;
    }
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run = i;
    while (run < text.size() && is_plain_ascii(static_cast<unsigned char>(text[run])))
      ++run;
    out.append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      append_escaped_ascii(out, c);
      ++i;
    } else if (const std::size_t n = utf8_sequence_length(text, i); n != 0) {
      out.append(text.data() + i, n);
      i += n;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out += '"';
}

void append_json_uint(std::string& out, std::uint64_t value) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void append_json_int(std::string& out, std::int64_t value) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

}  // namespace triplex::protocol
