// WebSocket (RFC 6455 section 5.2) frame headers: parsing the header of a frame received from a
// client, and encoding the headers and small frames the server sends (never masked). Sans-I/O:
// bytes in, header out; no allocation except in the encode_* helpers that return a std::string.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace triplex::protocol::ws {

// Opcodes of RFC 6455 section 5.2; other values are reserved and rejected by the reader.
enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// True for the six opcodes above.
bool is_known_opcode(std::uint8_t op);
// True for close, ping and pong (and reserved 0xB-0xF): opcodes with the high bit set.
constexpr bool is_control(opcode op) {
  return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

// Largest header: 2 bytes + 8 bytes of extended length + 4 bytes of masking key.
inline constexpr std::size_t max_header_size = 14;
// Largest payload of a control frame (RFC 6455 section 5.5).
inline constexpr std::size_t max_control_payload = 125;

// A parsed frame header. `op` is the raw 4-bit opcode (it may be a reserved value).
struct frame_header {
  bool fin = false;
  bool rsv1 = false;
  bool rsv2 = false;
  bool rsv3 = false;
  bool masked = false;
  std::uint8_t op = 0;
  std::uint8_t size = 0;  // bytes of the header itself, 2..14
  std::uint64_t payload_len = 0;
  std::array<std::uint8_t, 4> mask{};
};

enum class header_status : std::uint8_t {
  ok,          // `out` is filled; the header is out.size bytes long
  need_more,   // the n bytes are a valid but incomplete header
  bad_length,  // 64-bit length with the most significant bit set (protocol error)
};

// Parses the header at the start of data[0, n). Never reads past n; does not judge opcodes,
// RSV bits or masking (the reader does). Non-minimal length encodings are accepted.
header_status parse_header(const std::uint8_t* data, std::size_t n, frame_header& out);

// XORs data[0, n) with the masking key, starting at key byte `offset % 4`. Used in place or
// from src to dst (src and dst may be equal, must not partially overlap).
void unmask(std::uint8_t* dst, const std::uint8_t* src, std::size_t n,
            const std::array<std::uint8_t, 4>& key, std::size_t offset);

// An encoded server header (unmasked, 2..10 bytes), kept inline so a caller can send it in
// front of a shared payload buffer without copying the payload.
struct encoded_header {
  std::array<std::uint8_t, 10> bytes{};
  std::uint8_t size = 0;

  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), size}; }
};

// Header of a server frame carrying payload_len bytes, using the minimal length encoding.
encoded_header encode_header(opcode op, std::uint64_t payload_len, bool fin = true,
                             bool rsv1 = false);

// A whole unfragmented server frame: header followed by a copy of the payload.
std::string encode_frame(opcode op, std::string_view payload);

// True for the close codes a peer may send (RFC 6455 section 7.4): 1000-1003, 1007-1011 and
// 3000-4999. Reserved codes (1004-1006, 1015) and unassigned ones are invalid.
bool is_valid_close_code(std::uint16_t code);

// "No status code": reported by the reader for an empty close payload; never sent on the wire.
inline constexpr std::uint16_t no_status_code = 1005;

// A close frame with `code` and `reason`. The reason is cut, at a UTF-8 character boundary, so
// the payload fits in 125 bytes. The caller passes a valid code and valid UTF-8; for
// no_status_code the frame has an empty payload (and no reason).
std::string encode_close(std::uint16_t code, std::string_view reason = {});
std::string encode_close(core::close_code code, std::string_view reason = {});

}  // namespace triplex::protocol::ws
