// The server API methods (spec §4), after the API key was checked.
#pragma once

#include "api/router.hpp"
#include "broker/broker.hpp"
#include "core/status.hpp"
#include "metrics/triplex_metrics.hpp"
#include "protocol/command.hpp"
#include "protocol/result_json.hpp"

namespace triplex::api {

void api_publish(transport::worker_context& ctx, const protocol::http_request& req,
                 respond_fn respond);
void api_broadcast(transport::worker_context& ctx, const protocol::http_request& req,
                   respond_fn respond);
// Many publishes in one request (docs/protocol.md): one reply per command, in order.
void api_batch(transport::worker_context& ctx, const protocol::http_request& req,
               respond_fn respond);
void api_history(transport::worker_context& ctx, const protocol::http_request& req,
                 respond_fn respond);
void api_channels(transport::worker_context& ctx, const protocol::http_request& req,
                  respond_fn respond);
void api_presence(transport::worker_context& ctx, const protocol::http_request& req,
                  respond_fn respond);
void api_presence_stats(transport::worker_context& ctx, const protocol::http_request& req,
                        respond_fn respond);
void api_disconnect(transport::worker_context& ctx, const protocol::http_request& req,
                    respond_fn respond);
void api_info(transport::worker_context& ctx, const protocol::http_request& req,
              respond_fn respond);

// Shared by the API and the client endpoints.
protocol::http_response json_response(std::string body);
inline protocol::http_response error(core::status status, std::string_view message) {
  return protocol::http_error(status, message);
}
// Answers the presence of `channel` (members capped at limits.max_presence_members).
void answer_presence(transport::worker_context& ctx, const std::string& channel,
                     respond_fn respond);

// Publishes a parsed request and answers its position.
void publish(transport::worker_context& ctx, protocol::publish_request p, respond_fn respond);

// The rejected_total reason of a refused command or body.
metrics::reject_reason reason_of(const protocol::command_error& e);

// {"epoch":..,"offset":..,"messages":[..]} of a history answer.
std::string history_json(const broker::history_result& res);

}  // namespace triplex::api
