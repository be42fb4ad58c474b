// WebSocket opening handshake helpers (RFC 6455 section 4.2): checking the client's
// Sec-WebSocket-Key and computing the Sec-WebSocket-Accept answer. Pure functions, callable
// from any thread; the HTTP parsing itself belongs to the transport.
#pragma once

#include <string>
#include <string_view>

namespace triplex::protocol::ws {

// True when key is the canonical base64 encoding of 16 bytes: 22 base64 characters, the last
// of which leaves no stray bits, followed by "==" (24 characters in all).
bool is_valid_ws_key(std::string_view key);

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), the value of the
// Sec-WebSocket-Accept header. `key` is the Sec-WebSocket-Key value without surrounding
// whitespace. Returns an empty string only if OpenSSL fails to hash.
std::string ws_accept_key(std::string_view sec_websocket_key);

}  // namespace triplex::protocol::ws
