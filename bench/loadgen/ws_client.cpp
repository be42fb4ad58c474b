// WebSocket client framing: see ws_client.hpp.
#include "ws_client.hpp"

#include <cstring>

namespace loadgen {

void append_client_frame(std::string& out, std::uint8_t op, std::string_view payload,
                         std::uint64_t& mask_seed) {
  mask_seed ^= mask_seed << 13;
  mask_seed ^= mask_seed >> 7;
  mask_seed ^= mask_seed << 17;
  std::uint8_t key[4];
  std::memcpy(key, &mask_seed, 4);
  out.push_back(static_cast<char>(0x80 | op));
  std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF));
  }
  out.append(reinterpret_cast<const char*>(key), 4);
  std::size_t start = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < n; ++i)
    out[start + i] = static_cast<char>(out[start + i] ^ key[i % 4]);
}

void ws_decoder::move_bytes(char* dst, const char* src, std::size_t n) {
  std::memmove(dst, src, n);
}

std::size_t ws_decoder::take_header(const char* data, std::size_t n) {
  std::size_t used = 0;
  while (used < n) {
    std::size_t need = 2;
    if (header_have_ >= 2) {
      std::uint8_t len7 = header_[1] & 0x7F;
      need += len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
      if (header_[1] & 0x80) {  // servers must not mask
        failed_ = true;
        return used;
      }
    }
    if (header_have_ == need) break;
    header_[header_have_++] = static_cast<std::uint8_t>(data[used++]);
  }
  if (header_have_ < 2) return used;
  std::uint8_t len7 = header_[1] & 0x7F;
  std::size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
  if (header_have_ < need) return used;
  std::uint64_t len = len7;
  if (len7 >= 126) {
    len = 0;
    for (std::size_t i = 2; i < need; ++i)
      len = (len << 8) | header_[i];
  }
  opcode_ = header_[0] & 0x0F;
  remaining_ = len;
  if (is_control() && len > 125) {
    failed_ = true;
    return used;
  }
  in_frame_ = true;
  return used;
}

}  // namespace loadgen
