// A Server-Sent Events stream (spec §3.2): headers and `retry:` first, then every event of its
// channels, each durable one preceded by an `id:` line holding the cursor of the whole stream,
// and a heartbeat comment every [sse] heartbeat. A slow reader whose queue overflows has its
// stream ended; the browser reconnects with Last-Event-ID and loses nothing.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "protocol/http_message.hpp"
#include "transport/stream_request.hpp"

namespace triplex::transport {

struct worker_context;

// Takes over `socket` after the request was validated into `request`.
void start_sse_session(worker_context& ctx, boost::asio::ip::tcp::socket socket,
                       stream_request request);

}  // namespace triplex::transport
