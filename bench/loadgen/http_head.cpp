// Minimal HTTP/1.1 response parsing: see http_head.hpp.
#include "http_head.hpp"

#include <cstring>

namespace loadgen {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

void header_line(std::string_view line, response_head& out) {
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string_view name = trim(line.substr(0, colon));
  std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "content-length")) {
    long long v = 0;
    for (char c : value)
      if (c >= '0' && c <= '9') v = v * 10 + (c - '0');
    out.content_length = v;
  } else if (iequals(name, "transfer-encoding")) {
    out.chunked = icontains(value, "chunked");
  } else if (iequals(name, "connection")) {
    out.close = icontains(value, "close");
  } else if (iequals(name, "last-modified")) {
    out.last_modified = value;
  } else if (iequals(name, "etag")) {
    out.etag = value;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

head_result parse_response_head(std::string_view buf, response_head& out) {
  std::size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) return head_result::more;
  out = response_head{};
  out.size = end + 4;
  std::string_view head = buf.substr(0, end);
  std::size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return head_result::bad;
  std::size_t sp = status_line.find(' ');
  if (sp == std::string_view::npos || sp + 4 > status_line.size()) return head_result::bad;
  for (std::size_t i = sp + 1; i < sp + 4; ++i) {
    if (status_line[i] < '0' || status_line[i] > '9') return head_result::bad;
    out.status = out.status * 10 + (status_line[i] - '0');
  }
  while (eol != std::string_view::npos) {
    std::size_t start = eol + 2;
    eol = head.find("\r\n", start);
    header_line(head.substr(start, eol == std::string_view::npos ? eol : eol - start), out);
  }
  return head_result::ok;
}

std::size_t chunk_decoder::decode(char* data, std::size_t n) {
  std::size_t in = 0, out = 0;
  while (in < n && state_ != state::done && state_ != state::failed) {
    char c = data[in];
    switch (state_) {
      case state::size: {
        int h = hex_value(c);
        if (h >= 0 && size_digits_ < 15) {
          remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(h);
          ++size_digits_;
        } else if (size_digits_ && (c == ';' || c == ' ' || c == '\t')) {
          state_ = state::extension;
        } else if (size_digits_ && c == '\r') {
          state_ = state::size_lf;
        } else {
          state_ = state::failed;
        }
        ++in;
        break;
      }
      case state::extension:
        if (c == '\r') state_ = state::size_lf;
        ++in;
        break;
      case state::size_lf:
        if (c != '\n') {
          state_ = state::failed;
        } else if (remaining_ == 0) {
          state_ = state::trailer;
          trailer_empty_line_ = true;
        } else {
          state_ = state::data;
        }
        ++in;
        break;
      case state::data: {
        std::size_t take = n - in < remaining_ ? n - in : static_cast<std::size_t>(remaining_);
        if (out != in) std::memmove(data + out, data + in, take);
        out += take;
        in += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = state::data_cr;
        break;
      }
      case state::data_cr:
        state_ = c == '\r' ? state::data_lf : state::failed;
        ++in;
        break;
      case state::data_lf:
        if (c == '\n') {
          state_ = state::size;
          size_digits_ = 0;
        } else {
          state_ = state::failed;
        }
        ++in;
        break;
      case state::trailer:
        if (c == '\r') {
          state_ = state::trailer_lf;
        } else {
          trailer_empty_line_ = false;
        }
        ++in;
        break;
      case state::trailer_lf:
        if (c != '\n') {
          state_ = state::failed;
        } else if (trailer_empty_line_) {
          state_ = state::done;
        } else {
          state_ = state::trailer;
          trailer_empty_line_ = true;
        }
        ++in;
        break;
      case state::done:
      case state::failed:
        break;
    }
  }
  consumed_ = in;
  return out;
}

}  // namespace loadgen
