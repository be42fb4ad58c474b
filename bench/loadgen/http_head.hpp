// Minimal HTTP/1.1 client-side parsing, written for the load generator (independent of the
// server's own parsers): the response head (status, Content-Length, chunked, the Last-Modified
// and Etag headers nchan's long-poll needs) and a streaming, in-place chunked-body decoder.
// No allocation. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace loadgen {

struct response_head {
  int status = 0;
  std::size_t size = 0;           // bytes of the head, including the final CRLFCRLF
  long long content_length = -1;  // -1: absent
  bool chunked = false;
  bool close = false;              // Connection: close
  std::string_view last_modified;  // views into the parsed buffer
  std::string_view etag;
};

enum class head_result { ok, more, bad };

// Parses the response head at the start of `buf`. `more` until CRLFCRLF is in `buf`.
head_result parse_response_head(std::string_view buf, response_head& out);

// Decodes a chunked body in place: decode() moves the payload bytes of data[0, n) to the
// front and returns how many there are. done() once the last (empty) chunk and the trailer
// section were read; bytes after that are not consumed (consumed() tells how many were).
class chunk_decoder {
 public:
  std::size_t decode(char* data, std::size_t n);
  bool done() const { return state_ == state::done; }
  bool failed() const { return state_ == state::failed; }
  std::size_t consumed() const { return consumed_; }
  void reset() { *this = chunk_decoder{}; }

 private:
  enum class state : std::uint8_t {
    size,
    extension,
    size_lf,
    data,
    data_cr,
    data_lf,
    trailer,
    trailer_lf,
    done,
    failed
  };
  state state_ = state::size;
  std::uint64_t remaining_ = 0;
  std::uint8_t size_digits_ = 0;
  bool trailer_empty_line_ = true;
  std::size_t consumed_ = 0;  // bytes consumed by the last decode()
};

}  // namespace loadgen
