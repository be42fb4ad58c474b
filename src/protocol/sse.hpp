// Server-Sent Events framing (spec §3.2): the stream preamble, event blocks, `id:` lines and
// heartbeats as bytes ready to write. An event block holds no `id:` so one block can be
// encoded once and shared by every stream; each stream writes its own sse_id_line (its
// cursor) immediately before the block of a durable message. Pure; safe on any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace triplex::protocol {

// "retry: <ms>\n: triplex\n\n" — sets the browser's reconnection delay and opens the stream
// with a comment (which also flushes proxies that wait for the first bytes).
std::string sse_preamble(std::chrono::milliseconds retry);

// "event: <type>\ndata: <envelope>\n\n". An envelope containing CR, LF or CRLF is split into
// several `data:` lines, which the client joins back with '\n'. An empty `type` writes no
// `event:` line (the client then sees "message"). CR and LF in `type` are dropped.
std::string sse_event(std::string_view type, std::string_view envelope);

// "id: <cursor>\n". CR, LF and NUL are dropped (a cursor, being base64url, has none).
std::string sse_id_line(std::string_view cursor);

// ":\n\n" — a comment that keeps proxies and clients from timing the stream out.
std::string_view sse_heartbeat() noexcept;

}  // namespace triplex::protocol
