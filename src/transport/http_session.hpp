// One HTTP/1.1 connection before it becomes a stream: reads requests (bounded header size,
// body size and read time), answers API and operational requests, holds long-polls, and hands
// the socket over to a WebSocket or SSE session when the request asks for one.
// Thread: its worker only. Owns itself through shared_from_this (STYLE habit 5).
#pragma once

#include <memory>

#include <boost/asio/ip/tcp.hpp>

namespace triplex::transport {

struct worker_context;

// Starts serving an accepted socket on its worker.
void start_http_session(worker_context& ctx, boost::asio::ip::tcp::socket socket);

}  // namespace triplex::transport
