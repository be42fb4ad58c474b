// Server-side WebSocket message reader (RFC 6455): turns the bytes a client sends into whole
// messages, control frames and protocol errors. Sans-I/O: the caller feeds whatever bytes it has,
// split anywhere, and the reader calls back a handler. Enforces the server-side rules (masked
// frames, RSV bits, opcodes, control-frame limits, fragmentation order, close payloads), checks
// text messages for UTF-8 incrementally (fail fast, even inside a frame) and bounds the message
// size before buffering its payload.
//
// Each payload byte is copied once: unmasked from the input into the reader's message buffer,
// which is handed to the handler by reference (and may be moved out of). Per-reader state is
// about 200 bytes plus that buffer, which is released when it grew past 64 KiB.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "protocol/utf8.hpp"
#include "protocol/ws_frame.hpp"

namespace triplex::protocol::ws {

enum class message_type : std::uint8_t { text, binary };

class ws_reader {
 public:
  // Receives the events of one connection. Callbacks run inside feed(), on the caller's thread;
  // they may call stop() but must not call feed() or destroy the reader. Views are valid only
  // during the call.
  class handler {
   public:
    // A complete data message. For text without rsv1 the payload is valid UTF-8. With rsv1 set
    // (compressed, only when allowed) the payload is delivered as received: not inflated, not
    // UTF-8 checked. `payload` is the reader's buffer: the handler may read it or move it out.
    virtual void on_message(message_type type, std::string& payload, bool rsv1) = 0;
    virtual void on_ping(std::string_view payload) = 0;
    virtual void on_pong(std::string_view payload) = 0;
    // A valid close frame; `code` is no_status_code (1005) when the payload was empty. The
    // stream is over: the caller answers with a close frame and stops reading.
    virtual void on_close(std::uint16_t code, std::string_view reason) = 0;
    // The client broke the protocol; close the connection with `code`. `reason` is a short
    // static text, fit for a close frame or a log line. The stream is over.
    virtual void on_error(core::close_code code, std::string_view reason) = 0;

   protected:
    ~handler() = default;
  };

  // max_message_size bounds the payload of a data message, summed over its fragments (a
  // larger one is a 1009 error, detected from frame headers). allow_rsv1: permessage-deflate was
  // negotiated, so RSV1 may be set on the first frame of a data message.
  explicit ws_reader(std::size_t max_message_size, bool allow_rsv1 = false);

  // Reads data[0, n), calling h for each event, in order. Returns the bytes consumed: n, unless
  // a close frame, an error or stop() ended the stream; then the bytes after the point where
  // it ended are not consumed. Once done(), feed() returns 0 and calls nothing.
  std::size_t feed(const std::uint8_t* data, std::size_t n, handler& h);
  std::size_t feed(std::string_view s, handler& h) {
    return feed(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), h);
  }

  // Ends the stream: feed() returns after the current callback and reads nothing more. A
  // payload being delivered stays valid until its callback returns.
  void stop();

  // True after a close frame, an error or stop().
  bool done() const { return state_ == state::done; }

  // Message buffers whose capacity grew beyond this are released after delivery.
  static constexpr std::size_t keep_capacity = 64 * 1024;

 private:
  enum class state : std::uint8_t { header, payload, done };

  std::size_t read_header(const std::uint8_t* data, std::size_t n, handler& h);
  void start_frame(const frame_header& hdr, handler& h);
  bool check_header(const frame_header& hdr, handler& h);
  bool check_sequence(const frame_header& hdr, handler& h);
  std::size_t read_payload(const std::uint8_t* data, std::size_t n, handler& h);
  void finish_frame(handler& h);
  void deliver_message(handler& h);
  void deliver_close(handler& h);
  void fail(handler& h, core::close_code code, std::string_view reason);
  void release_buffer();

  std::string message_;  // payload of the data message being assembled, unmasked
  std::size_t max_message_size_;
  std::uint64_t remaining_ = 0;  // payload bytes of the current frame not yet read
  utf8_validator utf8_;
  std::array<std::uint8_t, 4> mask_{};
  std::array<std::uint8_t, max_header_size> header_buf_{};  // a header split across feeds
  std::array<std::uint8_t, max_control_payload> control_{};
  std::uint8_t header_have_ = 0;
  std::uint8_t control_len_ = 0;
  std::uint8_t mask_pos_ = 0;  // key index of the next payload byte
  std::uint8_t frame_op_ = 0;
  bool frame_fin_ = false;
  bool in_message_ = false;  // a data message has started and not ended
  bool message_rsv1_ = false;
  bool allow_rsv1_;
  message_type message_type_ = message_type::text;
  state state_ = state::header;
};

}  // namespace triplex::protocol::ws
