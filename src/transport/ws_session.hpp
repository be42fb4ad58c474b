// A WebSocket connection (spec §3.1) after the HTTP upgrade: frames are parsed by the sans-I/O
// protocol::ws::ws_reader, JSON commands by protocol::parse_command; events leave through the
// bounded outbound queue as pre-encoded shared frames. Also serves the raw /echo endpoint for
// conformance suites. Thread: its worker only; owns itself (STYLE habit 5).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "transport/auth.hpp"

namespace triplex::transport {

struct worker_context;

enum class ws_mode { triplex, echo };

// Takes over `socket` whose upgrade request was accepted; `leftover` holds bytes the client
// sent after its request; `accept_key` is the Sec-WebSocket-Accept value to answer with; `who`
// comes from the upgrade request's token (anonymous without one).
// `extensions` is the Sec-WebSocket-Extensions value to answer with, from
// protocol::ws::negotiate_permessage_deflate: empty when no extension was agreed (then RSV1 is
// a protocol error), otherwise permessage-deflate is on for this connection.
void start_ws_session(worker_context& ctx, boost::asio::ip::tcp::socket socket,
                      std::string leftover, std::string accept_key, std::string extensions,
                      ws_mode mode, identity who);

}  // namespace triplex::transport
