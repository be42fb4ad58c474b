#include "protocol/command.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "core/channel_name.hpp"
#include "protocol/cursor.hpp"
#include "protocol/json_text.hpp"

namespace triplex::protocol {
namespace {

namespace json = boost::json;

std::string_view view(const json::string& s) {
  return {s.data(), s.size()};
}

command_error bad_request(std::string message, std::optional<std::int64_t> id = {}) {
  return {core::status::bad_request, std::move(message), id};
}

// Reads typed fields of one JSON object parsed from `source`; the first failure is kept in
// error().
class field_reader {
 public:
  field_reader(const json::object& object, std::string_view source)
      : object_(object), source_(source) {}

  bool string(std::string_view name, bool required, std::string& out);
  bool channel(std::string_view name, std::string& out);
  bool channel_list(std::string_view name, std::vector<std::string>& out);
  bool json_text(std::string_view name, std::string& out);
  bool boolean(std::string_view name, bool& out);
  bool uint64(std::string_view name, std::optional<std::uint64_t>& out);
  bool position(std::string_view name, std::optional<core::position>& out);

  std::string& error() { return error_; }

 private:
  // The value of `name`, or nullptr when absent (or null and optional); sets error_ when a
  // required field is missing.
  const json::value* find(std::string_view name, bool required);
  bool fail(std::string_view name, std::string_view problem);

  const json::object& object_;
  std::string_view source_;
  std::string error_;
};

const json::value* field_reader::find(std::string_view name, bool required) {
  const json::value* v = object_.if_contains(json::string_view(name.data(), name.size()));
  if (v != nullptr && (required || !v->is_null())) return v;
  if (required) error_ = "missing field '" + std::string(name) + "'";
  return nullptr;
}

bool field_reader::fail(std::string_view name, std::string_view problem) {
  error_ = "field '";
  error_ += name;
  error_ += "' ";
  error_ += problem;
  return false;
}

bool field_reader::string(std::string_view name, bool required, std::string& out) {
  const json::value* v = find(name, required);
  if (v == nullptr) return !required;
  if (!v->is_string()) return fail(name, "must be a string");
  out = view(v->get_string());
  return true;
}

bool field_reader::channel(std::string_view name, std::string& out) {
  if (!string(name, true, out)) return false;
  if (!core::is_valid_channel_name(out)) return fail(name, "is not a valid channel name");
  return true;
}

bool field_reader::channel_list(std::string_view name, std::vector<std::string>& out) {
  const json::value* v = find(name, true);
  if (v == nullptr) return false;
  const json::array* list = v->if_array();
  if (list == nullptr || list->empty()) return fail(name, "must be a non-empty array");
  out.reserve(list->size());
  for (const json::value& item : *list) {
    const json::string* s = item.if_string();
    if (s == nullptr) return fail(name, "must contain only strings");
    if (!core::is_valid_channel_name(view(*s))) {
      return fail(name, "contains an invalid channel name");
    }
    out.emplace_back(view(*s));
  }
  std::vector<std::string_view> sorted(out.begin(), out.end());
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return fail(name, "lists a channel twice");
  }
  return true;
}

bool field_reader::json_text(std::string_view name, std::string& out) {
  const json::value* v = find(name, true);
  if (v == nullptr) return false;
  // Relay the value as the client wrote it (minified): re-serializing the DOM would rewrite
  // numbers (Boost 1.81 parses doubles inexactly, prints 1e400 as `Infinity`, big integers
  // as doubles).
  const std::optional<std::string_view> raw = find_json_member(source_, name);
  if (!raw) return fail(name, "could not be located in the JSON text");
  out.clear();
  out.reserve(raw->size());
  append_minified_json(out, *raw);
  return true;
}

bool field_reader::boolean(std::string_view name, bool& out) {
  const json::value* v = find(name, false);
  if (v == nullptr) return true;
  if (!v->is_bool()) return fail(name, "must be a boolean");
  out = v->get_bool();
  return true;
}

std::optional<std::uint64_t> as_uint64(const json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
  return std::nullopt;
}

bool field_reader::uint64(std::string_view name, std::optional<std::uint64_t>& out) {
  const json::value* v = find(name, false);
  if (v == nullptr) return true;
  out = as_uint64(*v);
  return out ? true : fail(name, "must be a non-negative integer");
}

bool field_reader::position(std::string_view name, std::optional<core::position>& out) {
  const json::value* v = find(name, false);
  if (v == nullptr) return true;
  const json::object* object = v->if_object();
  if (object == nullptr) return fail(name, "must be an object {\"epoch\", \"offset\"}");
  const json::value* epoch = object->if_contains("epoch");
  const json::value* offset = object->if_contains("offset");
  if (epoch == nullptr || !epoch->is_string()) return fail(name, "needs a string 'epoch'");
  if (epoch->get_string().size() > max_epoch_size) {
    return fail(name, "has an epoch longer than 64 bytes");
  }
  const std::optional<std::uint64_t> number = offset ? as_uint64(*offset) : std::nullopt;
  if (!number) return fail(name, "needs a non-negative integer 'offset'");
  out = core::position{std::string(view(epoch->get_string())), *number};
  return true;
}

// Fields a command may carry (spec §3.1 table).
enum field : unsigned {
  f_channel = 1,
  f_data = 2,
  f_ephemeral = 4,
  f_key = 8,
  f_since = 16,
  f_limit = 32,
  f_token = 64,
};

struct op_spec {
  std::string_view name;
  op kind;
  unsigned required;
  unsigned optional;
};

constexpr std::array<op_spec, 8> op_specs{{
    {"connect", op::connect, f_token, 0},
    {"subscribe", op::subscribe, f_channel, f_since},
    {"unsubscribe", op::unsubscribe, f_channel, 0},
    {"publish", op::publish, f_channel | f_data, f_ephemeral | f_key},
    {"presence", op::presence, f_channel, 0},
    {"history", op::history, f_channel, f_since | f_limit},
    {"refresh", op::refresh, f_token, 0},
    {"ping", op::ping, 0, 0},
}};

const op_spec* find_op(std::string_view name) {
  for (const op_spec& spec : op_specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool read_fields(field_reader& r, const op_spec& spec, command& cmd) {
  const unsigned wanted = spec.required | spec.optional;
  const auto has = [&](unsigned f) { return (wanted & f) != 0; };
  return (!has(f_channel) || r.channel("channel", cmd.channel)) &&
         (!has(f_data) || r.json_text("data", cmd.data)) &&
         (!has(f_ephemeral) || r.boolean("ephemeral", cmd.ephemeral)) &&
         (!has(f_key) || r.string("key", false, cmd.key)) &&
         (!has(f_since) || r.position("since", cmd.since)) &&
         (!has(f_limit) || r.uint64("limit", cmd.limit)) &&
         (!has(f_token) || r.string("token", true, cmd.token));
}

// The id of a command: absent (or null) is fine, anything but an int64 is an error.
bool read_id(const json::object& object, std::optional<std::int64_t>& id) {
  const json::value* v = object.if_contains("id");
  if (v == nullptr || v->is_null()) return true;
  if (!v->is_int64()) return false;
  id = v->get_int64();
  return true;
}

json::parse_options parse_options() {
  json::parse_options options;
  options.max_depth = max_json_depth;
  return options;
}

std::optional<command_error> check_size(std::string_view text, std::size_t max_size) {
  if (text.size() <= max_size) return std::nullopt;
  return command_error{core::status::payload_too_large,
                       "JSON text longer than " + std::to_string(max_size) + " bytes",
                       {}};
}

command_error unknown_op(std::string_view name, std::optional<std::int64_t> id) {
  constexpr std::size_t shown = 32;
  std::string message = "unknown op '";
  message += name.substr(0, shown);
  message += name.size() > shown ? "...'" : "'";
  return {core::status::not_found, std::move(message), id};
}

command_result read_command(const json::object& object, std::string_view source) {
  command cmd;
  if (!read_id(object, cmd.id)) return bad_request("field 'id' must be an integer");
  const json::value* name = object.if_contains("op");
  if (name == nullptr) return bad_request("missing field 'op'", cmd.id);
  if (!name->is_string()) return bad_request("field 'op' must be a string", cmd.id);
  const op_spec* spec = find_op(view(name->get_string()));
  if (spec == nullptr) return unknown_op(view(name->get_string()), cmd.id);
  cmd.kind = spec->kind;
  field_reader fields(object, source);
  if (!read_fields(fields, *spec, cmd)) return bad_request(std::move(fields.error()), cmd.id);
  return cmd;
}

// Parses `text` and calls `read(object, text)`, or returns the 413/400 error for bad text.
template <class Result, class Read>
Result parse_object(std::string_view text, std::size_t max_size, Read read) {
  if (auto error = check_size(text, max_size)) return std::move(*error);
  unsigned char buffer[2048];
  json::monotonic_resource resource(buffer, sizeof buffer);
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec, &resource, parse_options());
  if (ec) return bad_request("malformed JSON: " + ec.message());
  const json::object* object = root.if_object();
  if (object == nullptr) return bad_request("JSON text must be an object");
  return read(*object, text);
}

publish_request_result read_publish(const json::object& object, std::string_view source) {
  publish_request request;
  field_reader r(object, source);
  if (r.channel("channel", request.channel) && r.json_text("data", request.data) &&
      r.boolean("ephemeral", request.ephemeral) && r.string("key", false, request.key)) {
    return request;
  }
  return bad_request(std::move(r.error()));
}

broadcast_request_result read_broadcast(const json::object& object, std::string_view source) {
  broadcast_request request;
  field_reader r(object, source);
  if (r.channel_list("channels", request.channels) && r.json_text("data", request.data)) {
    return request;
  }
  return bad_request(std::move(r.error()));
}

// One element of "commands": {"publish": {...}} (exactly one member).
publish_request_result read_batch_command(const json::value& value, std::string_view source) {
  const json::object* command = value.if_object();
  if (command == nullptr || command->size() != 1)
    return bad_request("a command must be an object with one member, e.g. {\"publish\": {...}}");
  const json::value* body = command->if_contains("publish");
  if (body == nullptr) {
    command_error e;
    e.code = core::status::not_found;
    e.message = "unknown command: only \"publish\" is supported";
    return e;
  }
  const std::optional<std::string_view> raw = find_json_member(source, "publish");
  if (!body->is_object() || !raw) return bad_request("field 'publish' must be an object");
  return read_publish(body->get_object(), *raw);
}

batch_request_result read_batch(const json::object& object, std::string_view source) {
  const json::value* commands = object.if_contains("commands");
  const json::array* list = commands ? commands->if_array() : nullptr;
  if (list == nullptr || list->empty())
    return bad_request("field 'commands' must be a non-empty array");
  const std::optional<std::string_view> raw = find_json_member(source, "commands");
  const std::vector<std::string_view> items =
      raw ? json_array_items(*raw) : std::vector<std::string_view>{};
  if (items.size() != list->size())
    return bad_request("field 'commands' could not be located in the JSON text");
  batch_request request;
  request.commands.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i)
    request.commands.push_back(read_batch_command((*list)[i], items[i]));
  return request;
}

}  // namespace

std::string_view op_name(op kind) noexcept {
  for (const op_spec& spec : op_specs) {
    if (spec.kind == kind) return spec.name;
  }
  return "unknown";
}

command_result parse_command(std::string_view text, std::size_t max_size) {
  return parse_object<command_result>(text, max_size, read_command);
}

publish_request_result parse_publish_body(std::string_view json_text, std::size_t max_size) {
  return parse_object<publish_request_result>(json_text, max_size, read_publish);
}

broadcast_request_result parse_broadcast_body(std::string_view json_text, std::size_t max_size) {
  return parse_object<broadcast_request_result>(json_text, max_size, read_broadcast);
}

batch_request_result parse_batch_body(std::string_view json_text, std::size_t max_size) {
  return parse_object<batch_request_result>(json_text, max_size, read_batch);
}

}  // namespace triplex::protocol
