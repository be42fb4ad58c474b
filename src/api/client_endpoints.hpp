// The client HTTP endpoints for SSE and long-poll clients (spec §3.4), with the same rules as
// the WebSocket ops: `POST /publish` and `GET /history`.
#pragma once

#include "api/router.hpp"

namespace triplex::api {

void client_publish(transport::worker_context& ctx, const protocol::http_request& req,
                    respond_fn respond);
void client_presence(transport::worker_context& ctx, const protocol::http_request& req,
                     respond_fn respond);
void client_history(transport::worker_context& ctx, const protocol::http_request& req,
                    respond_fn respond);

}  // namespace triplex::api
