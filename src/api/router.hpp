// HTTP requests that are answered, not streamed: the server API for backends (spec §4,
// `POST /api/<method>` with X-API-Key), the client endpoints (spec §3.4), /healthz and
// /metrics. Handlers call the broker and render JSON; they never touch sockets.
// Thread: the worker that read the request; `respond` runs exactly once on that worker.
#pragma once

#include <functional>

#include "protocol/http_message.hpp"

namespace triplex::transport {
struct worker_context;
}

namespace triplex::api {

using respond_fn = std::function<void(protocol::http_response)>;

void handle(transport::worker_context& ctx, protocol::http_request req, respond_fn respond);

}  // namespace triplex::api
