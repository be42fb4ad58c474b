// One client connection of the load generator: a subscriber (WebSocket, SSE or long-poll) or a
// publisher keep-alive connection, with its parsing state. Owned by one worker thread.
#pragma once

#include <cstdint>
#include <string>

#include "http_head.hpp"
#include "marker_scanner.hpp"
#include "seq_window.hpp"
#include "ws_client.hpp"

namespace loadgen {

enum class conn_kind : std::uint8_t { sub, pub };

enum class conn_state : std::uint8_t {
  waiting,     // not connected yet (or between reconnects)
  connecting,  // non-blocking connect in progress
  idle,        // publisher: connected, no request in flight
  head,        // request sent, reading the response head
  body,        // reading a response body (long-poll answer, publish answer)
  stream,      // reading an endless stream (WebSocket frames, SSE events)
  closed,
};

struct conn {
  int fd = -1;
  conn_kind kind = conn_kind::sub;
  conn_state state = conn_state::waiting;
  bool ready = false;           // subscriber counted as ready / publisher counted as connected
  bool want_out = false;        // EPOLLOUT armed: `out` holds unsent bytes
  bool awaiting_reply = false;  // WebSocket: subscribe frame sent, no frame received yet
  bool chunked = false;
  bool close_after = false;      // the server said Connection: close
  int status = 0;                // status of the response being read
  std::uint32_t index = 0;       // subscriber number (or publisher number)
  std::uint32_t channel = 0;     // subscriber's channel / channel of the publish in flight
  std::uint32_t batch = 1;       // publisher: messages in the request in flight (--batch)
  long long body_left = -1;      // Content-Length bytes still to read (-1: none given)
  std::uint64_t started_ns = 0;  // connect() time, for the connect-time histogram
  std::uint64_t sent_ns = 0;     // publisher: when the request in flight was written
  std::string in;                // response head being assembled
  std::string out;               // bytes the socket did not take yet
  std::string body;              // long-poll / publish response body being assembled
  std::string cursor;            // long-poll (Triplex): cursor of the last answer
  std::string last_modified;     // long-poll (nchan): headers of the last answer
  std::string etag;
  chunk_decoder chunks;
  ws_decoder ws;
  marker_scanner scanner;
  seq_window seqs;
};

}  // namespace loadgen
