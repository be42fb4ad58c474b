#include "protocol/cursor.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/channel_name.hpp"
#include "protocol/base64url.hpp"
#include "protocol/json_text.hpp"

namespace triplex::protocol {
namespace {

namespace json = boost::json;

std::string entry_error(std::size_t index, std::string_view what) {
  std::string error = "cursor entry ";
  error += std::to_string(index);
  error += ": ";
  error += what;
  return error;
}

std::string_view view(const json::string& s) {
  return {s.data(), s.size()};
}

std::optional<std::uint64_t> as_uint64(const json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
  return std::nullopt;
}

// Checks one [channel, epoch, offset] triple and appends it to `out`; returns the error text.
std::string read_entry(const json::value& v, std::size_t index, std::vector<cursor_entry>& out) {
  const json::array* triple = v.if_array();
  if (triple == nullptr || triple->size() != 3) return entry_error(index, "not a 3-element array");
  const json::string* channel = (*triple)[0].if_string();
  const json::string* epoch = (*triple)[1].if_string();
  const std::optional<std::uint64_t> offset = as_uint64((*triple)[2]);
  if (channel == nullptr) return entry_error(index, "channel is not a string");
  if (epoch == nullptr) return entry_error(index, "epoch is not a string");
  if (!offset) return entry_error(index, "offset is not an unsigned 64-bit integer");
  if (!core::is_valid_channel_name(view(*channel)))
    return entry_error(index, "invalid channel name");
  if (epoch->size() > max_epoch_size) return entry_error(index, "epoch longer than 64 bytes");
  out.push_back({std::string(view(*channel)), {std::string(view(*epoch)), *offset}});
  return {};
}

bool has_duplicate_channel(const std::vector<cursor_entry>& entries) {
  std::vector<std::string_view> names;
  names.reserve(entries.size());
  for (const auto& e : entries)
    names.push_back(e.channel);
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

// Parses the decoded JSON text into `result`.
void read_entries(std::string_view json_text, cursor_decode_result& result) {
  unsigned char buffer[4096];
  json::monotonic_resource resource(buffer, sizeof buffer);
  json::parse_options options;
  options.max_depth = 3;
  boost::system::error_code ec;
  const json::value root = json::parse(json_text, ec, &resource, options);
  if (ec) return void(result.error = "cursor is not JSON");
  const json::array* list = root.if_array();
  if (list == nullptr) return void(result.error = "cursor is not a JSON array");
  if (list->size() > max_cursor_entries) {
    return void(result.error = "cursor has more than 256 entries");
  }
  result.entries.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    result.error = read_entry((*list)[i], i, result.entries);
    if (!result.error.empty()) return;
  }
  if (has_duplicate_channel(result.entries)) result.error = "cursor lists a channel twice";
}

}  // namespace

namespace {

// The JSON text of the cursor being built on this thread (reused: no allocation once warm).
std::string& cursor_scratch() {
  thread_local std::string scratch;
  return scratch;
}

}  // namespace

cursor_writer::cursor_writer() {
  std::string& json_text = cursor_scratch();
  json_text.clear();
  json_text += '[';
}

void cursor_writer::add(std::string_view channel, const core::position& pos) {
  std::string& json_text = cursor_scratch();
  if (json_text.size() > 1) json_text += ',';
  json_text += '[';
  append_json_string(json_text, channel);
  json_text += ',';
  append_json_string(json_text, pos.epoch);
  json_text += ',';
  append_json_uint(json_text, pos.offset);
  json_text += ']';
}

void cursor_writer::append_to(std::string& out) {
  std::string& json_text = cursor_scratch();
  json_text += ']';
  append_base64url(out, json_text);
}

std::string encode_cursor(std::span<const cursor_entry> entries) {
  cursor_writer w;
  for (const auto& e : entries)
    w.add(e.channel, e.pos);
  std::string out;
  w.append_to(out);
  return out;
}

cursor_decode_result decode_cursor(std::string_view text) {
  cursor_decode_result result;
  if (text.size() > max_cursor_size) {
    result.error = "cursor longer than 65536 bytes";
    return result;
  }
  const std::optional<std::string> json_text = base64url_decode(text);
  if (!json_text) {
    result.error = "cursor is not valid unpadded base64url";
    return result;
  }
  read_entries(*json_text, result);
  if (!result.ok()) result.entries.clear();
  return result;
}

std::optional<core::position> parse_since_text(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon > max_epoch_size) return std::nullopt;
  const std::string_view digits = text.substr(colon + 1);
  std::uint64_t offset = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return core::position{std::string(text.substr(0, colon)), offset};
}

}  // namespace triplex::protocol
