// Client commands: one WebSocket JSON text frame (spec §3.1) parsed into a `command`, and the
// JSON bodies of `POST /publish`, `POST /api/publish` and `POST /api/broadcast` (spec §3.4,
// §4). Bytes in, a value or a reply error out; no I/O. Pure; safe on any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/position.hpp"
#include "core/status.hpp"

namespace triplex::protocol {

enum class op { connect, subscribe, unsubscribe, publish, presence, history, refresh, ping };

// The wire name of `kind` ("subscribe", ...).
std::string_view op_name(op kind) noexcept;

// One client command. Only the fields of its op (spec §3.1 table) are read; the others stay
// empty. Optional fields given as JSON null count as absent. `data` keeps the publisher's
// spelling (numbers, string escapes) and only loses whitespace outside strings, so subscribers
// get exactly the values that were published.
struct command {
  op kind = op::ping;
  std::optional<std::int64_t> id;
  std::string channel;  // a valid channel name when the op has one
  std::string data;     // publish: the `data` value's JSON text as sent, minified
  bool ephemeral = false;
  std::string key;  // publish: coalescing key of an ephemeral message, may be empty
  std::optional<core::position> since;  // subscribe, history: `{"epoch": s, "offset": u}`
  std::optional<std::uint64_t> limit;   // history
  std::string token;                    // connect, refresh
};

// Why a command or body was refused; reply with it (reply_error / http_error_body).
// 400: malformed JSON, not an object, wrong field type, missing field, invalid channel name (the
// message names the field); 404: unknown op; 413: text longer than the size limit.
struct command_error {
  core::status code = core::status::bad_request;
  std::string message;
  std::optional<std::int64_t> id;  // the command's id when it could be read, for the reply
};

using command_result = std::variant<command, command_error>;

inline constexpr std::size_t default_max_command_size = 1024 * 1024;  // bytes of JSON text
inline constexpr std::size_t max_json_depth = 64;

// Parses one command frame. Never throws on bad input; an unknown op still reports the id.
command_result parse_command(std::string_view text,
                             std::size_t max_size = default_max_command_size);

// Body of `POST /publish` and `POST /api/publish`: {"channel", "data", "ephemeral"?, "key"?}.
struct publish_request {
  std::string channel;
  std::string data;  // the `data` value's JSON text as sent, minified
  bool ephemeral = false;
  std::string key;
};

// Body of `POST /api/broadcast`: {"channels": [...], "data"}. `channels` is non-empty, every
// name valid, none repeated.
struct broadcast_request {
  std::vector<std::string> channels;
  std::string data;  // the `data` value's JSON text as sent, minified
};

using publish_request_result = std::variant<publish_request, command_error>;
using broadcast_request_result = std::variant<broadcast_request, command_error>;

// Body of `POST /api/batch`: {"commands": [{"publish": {<publish body>}}, ...]}, a non-empty
// array. Each command is parsed on its own: a bad one becomes an error in its place (400 for a
// malformed command or publish body, 404 for an unknown method), the others still run.
struct batch_request {
  std::vector<publish_request_result> commands;
};
using batch_request_result = std::variant<batch_request, command_error>;

// Parse the HTTP bodies with the same rules and error codes as parse_command (id never set).
publish_request_result parse_publish_body(std::string_view json_text,
                                          std::size_t max_size = default_max_command_size);
broadcast_request_result parse_broadcast_body(std::string_view json_text,
                                              std::size_t max_size = default_max_command_size);
batch_request_result parse_batch_body(std::string_view json_text,
                                      std::size_t max_size = default_max_command_size);

}  // namespace triplex::protocol
