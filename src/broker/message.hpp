// One published message, encoded once per wire format (STYLE habit 8). Immutable after
// make_message(); shared by every subscriber on every worker as message_ptr. The one exception,
// the permessage-deflate frame, is built lazily, once, behind std::call_once, the first time a
// subscriber that negotiated compression asks for it; every later caller on any worker gets the
// same bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/position.hpp"

namespace triplex::broker {

enum class event_kind : std::uint8_t { message, gap, join, leave };

struct message {
  event_kind kind = event_kind::message;
  std::string channel;
  core::position pos;  // offset 0 for ephemeral messages
  bool ephemeral = false;
  std::string key;  // coalescing key of an ephemeral message ("" = none)
  std::chrono::steady_clock::time_point published_at;

  std::string ws_frame;  // complete unmasked WebSocket text frame carrying the envelope
  std::size_t ws_header_size = 0;

  // Durable messages and gaps move a subscriber's position; they carry an SSE id line.
  bool moves_position() const {
    return kind == event_kind::gap || (kind == event_kind::message && !ephemeral);
  }

  // The JSON envelope of spec §2 (a view into ws_frame).
  std::string_view envelope() const { return std::string_view(ws_frame).substr(ws_header_size); }

  // The frame for a subscriber that negotiated permessage-deflate (RFC 7692): the envelope
  // compressed on its own in a text frame with RSV1 set, when the envelope is at least
  // deflate_threshold bytes (256, in message.cpp: below that, compressing saves too little to pay
  // for itself) and compressing makes the frame smaller; otherwise ws_frame itself, which is
  // valid on a deflate connection too. Thread: any; the first call compresses (the others wait
  // for it, once per message), later calls only read. The view lives as long as the message.
  std::string_view ws_frame_deflated() const;

  // "event: <kind>\ndata: <envelope>\n\n", built on first use (lazily, like ws_frame_deflated:
  // a server without SSE subscribers never builds it; thread: any).
  std::string_view sse_event() const;

  // "id: <cursor>\n" then sse_event(), where the cursor holds this message's channel at its
  // position alone: what every SSE stream subscribed to just this channel sends for it, built
  // once for all of them (lazily, like ws_frame_deflated; thread: any). Only for messages that
  // move_position().
  std::string_view sse_event_with_own_cursor() const;

  // State of ws_frame_deflated(): written once under deflate_once_, read-only afterwards.
  mutable std::once_flag deflate_once_;
  mutable std::string ws_frame_deflated_;  // empty: send ws_frame
  // State of sse_event() and sse_event_with_own_cursor(), the same way.
  mutable std::once_flag sse_once_;
  mutable std::string sse_event_;
  mutable std::once_flag sse_id_once_;
  mutable std::string sse_event_with_id_;
};

using message_ptr = std::shared_ptr<const message>;

// The envelopes of `msgs`, in order (views into the messages).
std::vector<std::string_view> envelopes_of(std::span<const message_ptr> msgs);

// Encodes a durable (pos.offset > 0) or ephemeral message once for every wire format.
// `data_json` is already-validated JSON text.
message_ptr make_message(std::string_view channel, const core::position& pos, bool ephemeral,
                         std::string_view key, std::string_view data_json);

// Encodes a gap envelope: the subscriber's position jumps to `pos`.
message_ptr make_gap(std::string_view channel, const core::position& pos);

// Wraps an already-encoded join or leave envelope.
message_ptr make_presence_event(event_kind kind, std::string_view channel, std::string envelope);

}  // namespace triplex::broker
