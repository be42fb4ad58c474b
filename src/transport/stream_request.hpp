// The subscription an SSE stream or a long-poll asks for: its channels (repeated `channel`
// parameters) and where to start in each (a cursor from Last-Event-ID or `cursor`). Validated
// here, before any stream starts, so a bad request is a plain 400 (spec §1: a malformed cursor
// is never a silent restart from "now").
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/position.hpp"
#include "core/status.hpp"
#include "metrics/triplex_metrics.hpp"
#include "protocol/http_message.hpp"
#include "transport/auth.hpp"
#include "transport/settings.hpp"

namespace triplex::transport {

struct stream_channel {
  std::string name;
  std::optional<core::position> since;  // none: start now
};

struct stream_request {
  std::vector<stream_channel> channels;
  std::string cors_origin;  // the allowed browser Origin to name in the response, if any
  identity who;             // from the request's token
};

struct stream_request_error {
  protocol::http_response response;
  metrics::reject_reason reason;
};

// Parses the channels and the cursor (the Last-Event-ID header wins over `cursor`), checks the
// token (401) and that it may subscribe to every channel (403). Channels of the cursor that the
// request does not list are ignored.
std::variant<stream_request, stream_request_error> parse_stream_request(
    const protocol::http_request& req, const settings& cfg);

}  // namespace triplex::transport
