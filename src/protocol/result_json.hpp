// JSON results shared by the WebSocket replies and the HTTP answers: positions, history, and
// HTTP error responses (spec §3.1, §3.4, §4). Pure; safe on any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/position.hpp"
#include "core/status.hpp"
#include "protocol/http_message.hpp"

namespace triplex::protocol {

// {"epoch":"..","offset":N}
std::string position_json(const core::position& pos);

// {"epoch":"..","offset":N,"recovered":bool} (the subscribe result)
std::string subscribe_result_json(const core::position& pos, bool recovered);

// {"epoch":"..","offset":N,"messages":[<envelope>,..]} (the history result)
std::string history_json(const core::position& pos, std::span<const std::string_view> envelopes);

// An HTTP response with status `code` and the body {"error":{"code":C,"message":".."}}.
http_response http_error(core::status code, std::string_view message);

}  // namespace triplex::protocol
