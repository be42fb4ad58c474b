// permessage-deflate (RFC 7692), server side, sans-I/O: choosing the extension response from a
// client's Sec-WebSocket-Extensions offers, inflating the compressed messages a client sends and
// deflating the messages the server sends. zlib does the compression; no sockets, no timers.
//
// Policy: the server always asks for server_no_context_takeover and client_no_context_takeover,
// so every message is compressed and decompressed on its own. That lets the server compress a
// published message once and send the same bytes to every subscriber (STYLE habit 8), and keeps
// no LZ77 window per connection between messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace triplex::protocol::ws {

// ---- negotiation (RFC 7692 section 5 and 7.1) -----------------------------------------------

// One `name[=value]` parameter of an extension offer. A quoted-string value is unescaped.
struct extension_param {
  std::string_view name;
  std::optional<std::string> value;
};

// One extension of a Sec-WebSocket-Extensions value, with its parameters in order.
struct extension_offer {
  std::string_view name;
  std::vector<extension_param> params;
};

// Parses a Sec-WebSocket-Extensions value (RFC 6455 section 9.1): a comma-separated list of
// `token *( ";" token [ "=" ( token / quoted-string ) ] )`, with optional whitespace around the
// separators and empty list elements allowed. A quoted value must unescape to a token. Returns
// nullopt when the value is malformed anywhere. Names are views into `value`.
std::optional<std::vector<extension_offer>> parse_extension_offers(std::string_view value);

// The response to an accepted offer; "; server_max_window_bits=15" is appended when the offer
// carried server_max_window_bits=15 (RFC 7692 7.1.2.1: accepting that parameter means
// answering with it).
inline constexpr std::string_view deflate_response =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

// Chooses the Sec-WebSocket-Extensions response for the offers in `value` (several header
// lines joined with ", "). Accepts the first permessage-deflate offer the server can honour and
// returns the response value; nullopt when there is none or `value` is malformed (then the
// connection runs without compression). An offer is declined, and the next one tried, when it
// has an unknown parameter, a duplicate parameter, a value on a parameter that takes none, an
// invalid window size (not 8-15 without leading zeros) or server_max_window_bits below 15 (the
// server shares one compressed frame among all subscribers, made with a 32 KiB window).
// client_max_window_bits, with or without a value, is accepted and not mentioned: the inflater
// handles any window size.
std::optional<std::string> negotiate_permessage_deflate(std::string_view value);

// ---- inflating client messages (RFC 7692 7.2.2) ---------------------------------------------

enum class inflate_status : std::uint8_t {
  ok,
  too_big,    // the message inflates to more than the limit (close 1009)
  corrupt,    // not valid DEFLATE data, or truncated inside a block (close 1002)
  no_memory,  // zlib could not allocate its state (close 1011)
};

// Inflates whole compressed messages of one connection, each on its own (the client was told
// client_no_context_takeover). Memory: the zlib stream (about 7 KiB of state plus a 32 KiB
// window) is created on the first compressed message, reset and reused for the next ones, and
// freed by release_if_unused() when no message was inflated since its previous call; the
// connection calls it from its ping timer, so an idle connection holds no zlib memory and a busy
// one does not pay inflateInit for every message. Not thread-safe: one connection, one thread.
class inflater {
 public:
  // Messages that inflate to more than max_size bytes are reported as too_big; inflating stops
  // there, so a small "zip bomb" never allocates more than max_size + 1 bytes.
  explicit inflater(std::size_t max_size);
  ~inflater();
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;

  // Inflates the payload of one message as received (RSV1 set, all fragments joined, without
  // the 00 00 ff ff tail the sender stripped) into `out`, which is replaced. Data after a final
  // DEFLATE block (BFINAL) is ignored, as RFC 7692 7.2.3.5 lets a sender add an empty block
  // there. On any status but ok, `out` is empty and the stream is ready for a next message.
  inflate_status inflate(std::string_view compressed, std::string& out);

  // Frees the zlib stream unless a message was inflated since the previous call.
  void release_if_unused();

  // True while the zlib stream is allocated (for tests and memory accounting).
  bool holds_stream() const { return stream_ != nullptr; }

 private:
  struct stream;  // the z_stream, defined in the .cpp so zlib.h stays out of this header

  bool open();
  void release();
  inflate_status run(std::string_view in, std::string& out, std::size_t& produced, bool& ended);

  std::unique_ptr<stream> stream_;
  std::size_t max_size_;
  bool used_ = false;  // a message was inflated since the last release_if_unused()
};

// ---- deflating server messages (RFC 7692 7.2.1) ---------------------------------------------

// Compresses one whole message on its own (no context takeover, 32 KiB window, zlib's default
// level) and returns the payload to send in a frame with RSV1 set: the DEFLATE data ended by a
// sync flush, with its trailing 00 00 ff ff removed. An empty payload compresses to one 0x00
// byte. Returns an empty string only when zlib fails (out of memory): send the message
// uncompressed then. Thread: any; each thread that calls it keeps one zlib deflate stream
// (about 256 KiB), reset for every message, for the life of the thread.
std::string deflate_message(std::string_view payload);

}  // namespace triplex::protocol::ws
