// Demo-only endpoints, off unless `[demo] token_endpoint = true`: they stand in for the app
// backend that a real deployment has (docs/client.md).
//   GET  /demo/token?user=NAME  mints an HS256 token for NAME (any caller!): it may read and
//                                publish `doc:*`, read `notify#NAME`; info {"name": NAME}.
//   POST /demo/mention           {"token", "to", "doc", "text"}: publishes a mention to
//                                `notify#<to>` on behalf of the token's user, as a backend would.
#pragma once

#include "api/router.hpp"

namespace triplex::api {

void demo_token(transport::worker_context& ctx, const protocol::http_request& req,
                respond_fn respond);
void demo_mention(transport::worker_context& ctx, const protocol::http_request& req,
                  respond_fn respond);

}  // namespace triplex::api
