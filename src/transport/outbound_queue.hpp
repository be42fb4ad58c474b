// The bounded, byte-counted outbound queue of one connection (STYLE habit 7): chunks wait here
// until the connection's single write in flight takes them, many at a time (coalesced writes).
// Overflow policy: an ephemeral chunk that does not fit is dropped; a durable chunk that does
// not fit first evicts waiting ephemeral chunks, and if it still does not fit the queue reports
// overflow, which the connection answers by closing as a slow consumer (WS 4008). Into an empty
// queue any one chunk fits, whatever its size.
// Ephemeral chunks with a coalescing key replace a waiting chunk of the same channel and key.
// Asio-free; not thread-safe: owned by one connection on one worker.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "broker/message.hpp"

namespace triplex::transport {

// What part of a shared message a chunk sends. ws_frame_deflated: message::ws_frame_deflated(),
// for WebSocket connections that negotiated permessage-deflate.
// sse_event_with_own_cursor: message::sse_event_with_own_cursor(), for SSE streams of one channel.
enum class wire_part : std::uint8_t {
  own,
  ws_frame,
  ws_frame_deflated,
  sse_event,
  sse_event_with_own_cursor,
  envelope
};

struct chunk {
  broker::message_ptr msg;  // shared bytes (null for own)
  wire_part part = wire_part::own;
  std::string own;  // bytes owned by this chunk (replies, SSE id lines, headers)

  std::string_view bytes() const;
  bool ephemeral() const { return msg && msg->ephemeral; }
};

enum class push_result { queued, dropped, overflow };

// What one write takes at most (start_write's defaults).
inline constexpr std::size_t max_write_chunks = 64;
inline constexpr std::size_t max_write_bytes = 256 * 1024;

class outbound_queue {
 public:
  explicit outbound_queue(std::size_t limit_bytes) : limit_(limit_bytes) {}

  // Queues a chunk (see the overflow policy above). `dropped_out` counts evicted/dropped
  // ephemeral chunks, for metrics.
  push_result push(chunk c, std::size_t& dropped_out);

  // Queues a chunk regardless of the limit (a close frame, the last words on a connection).
  void push_unbounded(chunk c);

  // Takes up to `max_chunks` waiting chunks into the write in flight; fills `out` with their
  // bytes. Returns false when nothing waits or a write is already in flight.
  bool start_write(std::vector<std::string_view>& out, std::size_t max_chunks = max_write_chunks,
                   std::size_t max_bytes = max_write_bytes);

  // Drops every chunk not yet in a write (before the last words of a slow consumer).
  void clear_pending();

  // Releases the chunks of the finished write.
  void finish_write();

  bool writing() const { return !writing_.empty(); }
  bool empty() const { return writing_.empty() && head_ == waiting_.size(); }
  std::size_t queued_bytes() const { return bytes_; }
  // True when, with no write in flight, more waits than one write takes (a backlog that
  // should keep the socket busy rather than wait for the next flush).
  bool backlogged() const {
    return !writing() && (waiting_.size() - head_ > max_write_chunks || bytes_ > max_write_bytes);
  }

 private:
  bool coalesce(chunk& c);
  std::size_t evict_ephemeral(std::size_t need);

  std::size_t limit_;
  std::size_t bytes_ = 0;
  // Chunks of the write in flight: never touched until it completes, so the views it writes
  // from stay valid (a chunk's own bytes may live inside the chunk).
  std::vector<chunk> writing_;
  std::vector<chunk> waiting_;  // queued after it, in order, from head_ on
  std::size_t head_ = 0;        // waiting_[0, head_) went to earlier writes (moved-from)
  // Vectors allocate nothing while empty (std::deque does), which matters for thousands of
  // idle connections; capacity left by a burst is released when the queue drains.
};

}  // namespace triplex::transport
