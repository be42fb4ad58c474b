#include "protocol/ws_reader.hpp"

#include <algorithm>
#include <cstring>

namespace triplex::protocol::ws {

using core::close_code;

namespace {

bool starts_message(std::uint8_t op) {
  return op == static_cast<std::uint8_t>(opcode::text) ||
         op == static_cast<std::uint8_t>(opcode::binary);
}

}  // namespace

ws_reader::ws_reader(std::size_t max_message_size, bool allow_rsv1)
    : max_message_size_(max_message_size), allow_rsv1_(allow_rsv1) {}

std::size_t ws_reader::feed(const std::uint8_t* data, std::size_t n, handler& h) {
  std::size_t pos = 0;
  while (state_ != state::done) {
    if (state_ == state::header) {
      if (pos == n) break;
      pos += read_header(data + pos, n - pos, h);
      continue;
    }
    pos += read_payload(data + pos, n - pos, h);
    if (state_ == state::done || remaining_ > 0) break;
    finish_frame(h);
  }
  return pos;
}

void ws_reader::stop() {
  state_ = state::done;
}

// Frees the message buffer (after a large message, or once the stream is over).
void ws_reader::release_buffer() {
  std::string().swap(message_);
}

// Parses straight from the input when the whole header is there; otherwise gathers the header
// in header_buf_ across calls. Returns the input bytes consumed.
std::size_t ws_reader::read_header(const std::uint8_t* data, std::size_t n, handler& h) {
  const std::size_t have = header_have_;
  const std::uint8_t* src = data;
  std::size_t avail = n;
  if (have > 0) {
    const std::size_t take = std::min(n, max_header_size - have);
    std::memcpy(header_buf_.data() + have, data, take);
    src = header_buf_.data();
    avail = have + take;
  }
  frame_header hdr;
  const header_status st = parse_header(src, avail, hdr);
  if (st == header_status::need_more) {  // then avail < max_header_size: all input fits
    if (have == 0) std::memcpy(header_buf_.data(), data, n);
    header_have_ = static_cast<std::uint8_t>(avail);
    return n;
  }
  header_have_ = 0;
  if (st == header_status::bad_length) {
    fail(h, close_code::protocol_error, "invalid frame length");
  } else {
    start_frame(hdr, h);
  }
  return hdr.size - have;
}

void ws_reader::start_frame(const frame_header& hdr, handler& h) {
  if (!check_header(hdr, h) || !check_sequence(hdr, h)) return;
  frame_op_ = hdr.op;
  frame_fin_ = hdr.fin;
  mask_ = hdr.mask;
  mask_pos_ = 0;
  remaining_ = hdr.payload_len;
  control_len_ = 0;
  state_ = state::payload;
  const auto op = static_cast<opcode>(hdr.op);
  if (op == opcode::text || op == opcode::binary) {
    in_message_ = true;
    message_type_ = op == opcode::text ? message_type::text : message_type::binary;
    message_rsv1_ = hdr.rsv1;
    utf8_.reset();
  }
}

// Rules that hold for any single frame from a client.
bool ws_reader::check_header(const frame_header& hdr, handler& h) {
  const char* bad = nullptr;
  if (hdr.rsv2 || hdr.rsv3) {
    bad = "reserved bits set";
  } else if (!is_known_opcode(hdr.op)) {
    bad = "unknown opcode";
  } else if (!hdr.masked) {
    bad = "client frame not masked";
  } else if (hdr.rsv1 && !(allow_rsv1_ && starts_message(hdr.op))) {
    bad = "reserved bit 1 set";  // only the first frame of a compressed message may set it
  } else if (is_control(static_cast<opcode>(hdr.op)) &&
             (!hdr.fin || hdr.payload_len > max_control_payload)) {
    bad = hdr.fin ? "control frame too long" : "fragmented control frame";
  }
  if (bad == nullptr) return true;
  fail(h, close_code::protocol_error, bad);
  return false;
}

// Fragmentation order and the message size limit; control frames may come at any time.
bool ws_reader::check_sequence(const frame_header& hdr, handler& h) {
  const auto op = static_cast<opcode>(hdr.op);
  if (is_control(op)) return true;
  if (op == opcode::continuation && !in_message_) {
    fail(h, close_code::protocol_error, "continuation without a message");
    return false;
  }
  if (op != opcode::continuation && in_message_) {
    fail(h, close_code::protocol_error, "new message inside a fragmented one");
    return false;
  }
  const std::size_t used = op == opcode::continuation ? message_.size() : 0;
  if (hdr.payload_len > max_message_size_ - used) {
    fail(h, close_code::too_big, "message too big");
    return false;
  }
  return true;
}

// Unmasks the available payload of the current frame into its buffer. Text is UTF-8 checked
// chunk by chunk, so an invalid byte fails at once. Returns the input bytes consumed.
std::size_t ws_reader::read_payload(const std::uint8_t* data, std::size_t n, handler& h) {
  const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, remaining_));
  if (is_control(static_cast<opcode>(frame_op_))) {
    unmask(control_.data() + control_len_, data, take, mask_, mask_pos_);
    control_len_ = static_cast<std::uint8_t>(control_len_ + take);
  } else if (take > 0) {
    const std::size_t old = message_.size();
    message_.resize(old + take);
    auto* dst = reinterpret_cast<std::uint8_t*>(message_.data()) + old;
    unmask(dst, data, take, mask_, mask_pos_);
    if (message_type_ == message_type::text && !message_rsv1_ && !utf8_.feed(dst, take)) {
      fail(h, close_code::invalid_payload, "invalid UTF-8 in text message");
    }
  }
  mask_pos_ = static_cast<std::uint8_t>((mask_pos_ + take) & 3);
  remaining_ -= take;
  return take;
}

// Called when the current frame's payload is complete: delivers what it finished.
void ws_reader::finish_frame(handler& h) {
  state_ = state::header;  // before any callback, so that stop() inside it wins
  const auto payload = [this] {
    return std::string_view(reinterpret_cast<const char*>(control_.data()), control_len_);
  };
  switch (static_cast<opcode>(frame_op_)) {
    case opcode::ping:
      h.on_ping(payload());
      return;
    case opcode::pong:
      h.on_pong(payload());
      return;
    case opcode::close:
      deliver_close(h);
      return;
    default:
      if (frame_fin_) deliver_message(h);
      return;
  }
}

void ws_reader::deliver_message(handler& h) {
  if (message_type_ == message_type::text && !message_rsv1_ && !utf8_.complete()) {
    fail(h, close_code::invalid_payload, "text message ends inside a UTF-8 sequence");
    return;
  }
  in_message_ = false;
  h.on_message(message_type_, message_, message_rsv1_);
  if (message_.capacity() > keep_capacity || done()) {
    release_buffer();
  } else {
    message_.clear();
  }
}

void ws_reader::deliver_close(handler& h) {
  std::uint16_t code = no_status_code;
  std::string_view reason;
  if (control_len_ == 1) {
    fail(h, close_code::protocol_error, "close payload of one byte");
    return;
  }
  if (control_len_ >= 2) {
    code = static_cast<std::uint16_t>((control_[0] << 8) | control_[1]);
    reason = {reinterpret_cast<const char*>(control_.data()) + 2, control_len_ - 2u};
    if (!is_valid_close_code(code)) {
      fail(h, close_code::protocol_error, "invalid close code");
      return;
    }
    if (!is_valid_utf8(reason)) {
      fail(h, close_code::invalid_payload, "close reason is not UTF-8");
      return;
    }
  }
  stop();
  release_buffer();
  h.on_close(code, reason);
}

void ws_reader::fail(handler& h, core::close_code code, std::string_view reason) {
  stop();
  release_buffer();
  h.on_error(code, reason);
}

}  // namespace triplex::protocol::ws
