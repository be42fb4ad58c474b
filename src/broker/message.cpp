// Encoding a message once for every wire format: see message.hpp.
#include "broker/message.hpp"

#include "protocol/cursor.hpp"
#include "protocol/envelope.hpp"
#include "protocol/permessage_deflate.hpp"
#include "protocol/sse.hpp"
#include "protocol/ws_frame.hpp"

namespace triplex::broker {

namespace {

// Envelopes shorter than this go uncompressed even to deflate subscribers: a small envelope
// saves a few bytes at best and costs a deflate call. A constant for now; a config key
// (websocket.compression_threshold) can replace it later.
constexpr std::size_t deflate_threshold = 256;

std::string_view sse_type(event_kind kind) {
  switch (kind) {
    case event_kind::message:
      return "message";
    case event_kind::gap:
      return "gap";
    case event_kind::join:
      return "join";
    case event_kind::leave:
      return "leave";
  }
  return "message";
}

// Frames `envelope` for WebSocket and SSE into `m`.
void encode(message& m, std::string_view envelope) {
  auto header = protocol::ws::encode_header(protocol::ws::opcode::text, envelope.size());
  m.ws_frame.reserve(header.size + envelope.size());
  m.ws_frame.append(header.view());
  m.ws_frame.append(envelope);
  m.ws_header_size = header.size;
}

// The compressed frame of `envelope`, or "" when compressing does not make it smaller.
std::string deflated_frame(std::string_view envelope, std::size_t plain_frame_size) {
  const std::string payload = protocol::ws::deflate_message(envelope);
  if (payload.empty()) return {};  // zlib failed: the plain frame goes out
  const auto header = protocol::ws::encode_header(protocol::ws::opcode::text, payload.size(),
                                                  /*fin=*/true, /*rsv1=*/true);
  if (header.size + payload.size() >= plain_frame_size) return {};
  std::string frame;
  frame.reserve(header.size + payload.size());
  frame.append(header.view());
  frame.append(payload);
  return frame;
}

}  // namespace

std::string_view message::ws_frame_deflated() const {
  if (envelope().size() < deflate_threshold) return ws_frame;
  std::call_once(deflate_once_,
                 [this] { ws_frame_deflated_ = deflated_frame(envelope(), ws_frame.size()); });
  return ws_frame_deflated_.empty() ? std::string_view(ws_frame) : ws_frame_deflated_;
}

std::string_view message::sse_event() const {
  std::call_once(sse_once_,
                 [this] { sse_event_ = protocol::sse_event(sse_type(kind), envelope()); });
  return sse_event_;
}

std::string_view message::sse_event_with_own_cursor() const {
  std::call_once(sse_id_once_, [this] {
    std::string out = "id: ";  // cursors are base64url: no character needs filtering
    protocol::cursor_writer w;
    w.add(channel, pos);
    w.append_to(out);
    out += '\n';
    out += sse_event();
    sse_event_with_id_ = std::move(out);
  });
  return sse_event_with_id_;
}

message_ptr make_message(std::string_view channel, const core::position& pos, bool ephemeral,
                         std::string_view key, std::string_view data_json) {
  auto m = std::make_shared<message>();
  m->channel = std::string(channel);
  m->pos = pos;
  m->ephemeral = ephemeral;
  m->key = std::string(key);
  m->published_at = std::chrono::steady_clock::now();
  encode(*m, ephemeral ? protocol::ephemeral_envelope(channel, data_json)
                       : protocol::message_envelope(channel, pos, data_json));
  return m;
}

std::vector<std::string_view> envelopes_of(std::span<const message_ptr> msgs) {
  std::vector<std::string_view> out;
  out.reserve(msgs.size());
  for (const auto& m : msgs)
    out.push_back(m->envelope());
  return out;
}

message_ptr make_gap(std::string_view channel, const core::position& pos) {
  auto m = std::make_shared<message>();
  m->kind = event_kind::gap;
  m->channel = std::string(channel);
  m->pos = pos;
  m->published_at = std::chrono::steady_clock::now();
  encode(*m, protocol::gap_envelope(channel, pos));
  return m;
}

message_ptr make_presence_event(event_kind kind, std::string_view channel, std::string envelope) {
  auto m = std::make_shared<message>();
  m->kind = kind;
  m->channel = std::string(channel);
  m->published_at = std::chrono::steady_clock::now();
  encode(*m, envelope);
  return m;
}

}  // namespace triplex::broker
