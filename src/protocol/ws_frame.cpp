#include "protocol/ws_frame.hpp"

#include <cstring>

#include "protocol/utf8.hpp"

namespace triplex::protocol::ws {

bool is_known_opcode(std::uint8_t op) {
  switch (op) {
    case 0x0:
    case 0x1:
    case 0x2:
    case 0x8:
    case 0x9:
    case 0xA:
      return true;
    default:
      return false;
  }
}

bool is_valid_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

namespace {

// Big-endian unsigned integer of `bytes` bytes at p.
std::uint64_t read_be(const std::uint8_t* p, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i)
    v = (v << 8) | p[i];
  return v;
}

}  // namespace

header_status parse_header(const std::uint8_t* data, std::size_t n, frame_header& out) {
  if (n < 2) return header_status::need_more;
  const std::uint8_t b0 = data[0];
  const std::uint8_t b1 = data[1];
  const std::uint8_t len7 = b1 & 0x7F;
  const std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  const bool masked = (b1 & 0x80) != 0;
  const std::size_t size = 2 + ext + (masked ? 4 : 0);
  if (n < size) return header_status::need_more;

  out.fin = (b0 & 0x80) != 0;
  out.rsv1 = (b0 & 0x40) != 0;
  out.rsv2 = (b0 & 0x20) != 0;
  out.rsv3 = (b0 & 0x10) != 0;
  out.op = b0 & 0x0F;
  out.masked = masked;
  out.size = static_cast<std::uint8_t>(size);
  out.payload_len = ext == 0 ? len7 : read_be(data + 2, ext);
  if (ext == 8 && (out.payload_len >> 63) != 0) return header_status::bad_length;
  out.mask = {};
  if (masked) std::memcpy(out.mask.data(), data + 2 + ext, 4);
  return header_status::ok;
}

void unmask(std::uint8_t* dst, const std::uint8_t* src, std::size_t n,
            const std::array<std::uint8_t, 4>& key, std::size_t offset) {
  std::size_t i = 0;
  // Byte-wise until the key is aligned, then 8 bytes at a time with a rotated 64-bit key.
  for (; i < n && ((offset + i) & 3) != 0; ++i)
    dst[i] = src[i] ^ key[(offset + i) & 3];
  if (n - i >= 8) {
    std::uint8_t k8[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
    std::uint64_t k;
    std::memcpy(&k, k8, sizeof k);
    for (; n - i >= 8; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, src + i, sizeof w);
      w ^= k;
      std::memcpy(dst + i, &w, sizeof w);
    }
  }
  for (; i < n; ++i)
    dst[i] = src[i] ^ key[(offset + i) & 3];
}

encoded_header encode_header(opcode op, std::uint64_t payload_len, bool fin, bool rsv1) {
  encoded_header h;
  h.bytes[0] = static_cast<std::uint8_t>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) |
                                         static_cast<std::uint8_t>(op));
  std::size_t ext = 0;
  if (payload_len < 126) {
    h.bytes[1] = static_cast<std::uint8_t>(payload_len);
  } else if (payload_len <= 0xFFFF) {
    h.bytes[1] = 126;
    ext = 2;
  } else {
    h.bytes[1] = 127;
    ext = 8;
  }
  for (std::size_t i = 0; i < ext; ++i) {
    h.bytes[2 + i] = static_cast<std::uint8_t>(payload_len >> (8 * (ext - 1 - i)));
  }
  h.size = static_cast<std::uint8_t>(2 + ext);
  return h;
}

std::string encode_frame(opcode op, std::string_view payload) {
  const encoded_header h = encode_header(op, payload.size());
  std::string out;
  out.reserve(h.size + payload.size());
  out.append(h.view());
  out.append(payload);
  return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
  if (code == no_status_code) return encode_frame(opcode::close, {});
  reason = reason.substr(0, utf8_prefix_length(reason, max_control_payload - 2));
  const encoded_header h = encode_header(opcode::close, 2 + reason.size());
  std::string out;
  out.reserve(h.size + 2 + reason.size());
  out.append(h.view());
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason);
  return out;
}

std::string encode_close(core::close_code code, std::string_view reason) {
  return encode_close(static_cast<std::uint16_t>(code), reason);
}

}  // namespace triplex::protocol::ws
