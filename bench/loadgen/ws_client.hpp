// WebSocket client framing (RFC 6455), written for the load generator: encoding the masked
// frames a client must send (the subscribe command, pongs, close) and an in-place, streaming
// decoder of the server's unmasked frames. The decoder moves the payload bytes of data frames
// to the front of the buffer (a text message arrives as its payload, ready for the marker
// scan) and reports control frames to a callback. No allocation. Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

// Appends a masked client frame (FIN set) with opcode `op` and `payload` to `out`. `mask_seed`
// is advanced (a cheap xorshift: masking keys need not be secret for a benchmark).
void append_client_frame(std::string& out, std::uint8_t op, std::string_view payload,
                         std::uint64_t& mask_seed);

class ws_decoder {
 public:
  // Control frames reach on_control(opcode, payload) once complete (payload up to 125 bytes).
  // Returns the number of data-payload bytes now at data[0, result). Sets failed() on a frame
  // header the client cannot accept (a masked server frame, a control frame over 125 bytes).
  template <typename F>
  std::size_t decode(char* data, std::size_t n, F&& on_control) {
    std::size_t in = 0, out = 0;
    while (in < n && !failed_) {
      if (!in_frame_) {
        in += take_header(data + in, n - in);
        if (in_frame_ && remaining_ == 0) finish(on_control);
        continue;
      }
      std::size_t take = n - in < remaining_ ? n - in : static_cast<std::size_t>(remaining_);
      if (is_control()) {
        for (std::size_t i = 0; i < take; ++i)
          control_[control_len_++] = data[in + i];
      } else {
        if (out != in) move_bytes(data + out, data + in, take);
        out += take;
      }
      in += take;
      remaining_ -= take;
      if (remaining_ == 0) finish(on_control);
    }
    return out;
  }

  bool failed() const { return failed_; }

 private:
  static void move_bytes(char* dst, const char* src, std::size_t n);
  // Copies header bytes; sets in_frame_ once the header is complete. Returns bytes used.
  std::size_t take_header(const char* data, std::size_t n);
  bool is_control() const { return (opcode_ & 0x8) != 0; }

  template <typename F>
  void finish(F& on_control) {
    if (is_control()) on_control(opcode_, std::string_view(control_.data(), control_len_));
    in_frame_ = false;
    header_have_ = 0;
    control_len_ = 0;
  }

  std::array<std::uint8_t, 10> header_{};
  std::array<char, 125> control_{};
  std::uint64_t remaining_ = 0;
  std::uint8_t header_have_ = 0;
  std::uint8_t control_len_ = 0;
  std::uint8_t opcode_ = 0;
  bool in_frame_ = false;
  bool failed_ = false;
};

}  // namespace loadgen
