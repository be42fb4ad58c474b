// Envelopes (spec §2) and command replies (spec §3.1, §4) as compact single-line JSON text:
// the one shape every transport delivers. JSON payloads (`data`, `info`, `result`) are passed
// as already-serialized JSON text and copied verbatim, never re-parsed; the caller guarantees
// they are valid JSON (an empty payload is written as `null` for data, `{}` for objects).
// Strings are escaped with append_json_string. Pure; safe on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/position.hpp"
#include "core/status.hpp"

namespace triplex::protocol {

// {"type":"message","channel":C,"epoch":E,"offset":O,"data":D} — a durable message.
std::string message_envelope(std::string_view channel, const core::position& pos,
                             std::string_view data_json);

// {"type":"message","channel":C,"data":D} — an ephemeral message (no position).
std::string ephemeral_envelope(std::string_view channel, std::string_view data_json);

// {"type":"gap","channel":C,"epoch":E,"offset":O} — messages up to `pos` are lost to the client.
std::string gap_envelope(std::string_view channel, const core::position& pos);

// {"type":"join","channel":C,"client":I,"user":U,"info":{..},"first":B}
std::string join_envelope(std::string_view channel, std::string_view client, std::string_view user,
                          std::string_view info_json, bool first);

// {"type":"leave","channel":C,"client":I,"user":U,"last":B}
std::string leave_envelope(std::string_view channel, std::string_view client, std::string_view user,
                           bool last);

// {"type":"reply","id":N,"result":R}
std::string reply_result(std::int64_t id, std::string_view result_json);

// {"type":"reply","id":N,"error":{"code":C,"message":M}}; without "id" when `id` is empty
// (the command carried none, or it could not be read).
std::string reply_error(std::optional<std::int64_t> id, core::status code,
                        std::string_view message);

// {"error":{"code":C,"message":M}} — the body of an HTTP error answer (status C).
std::string http_error_body(core::status code, std::string_view message);

}  // namespace triplex::protocol
