// Encoding a message once for every wire format: see message.hpp.
#include "broker/message.hpp"

#include "protocol/envelope.hpp"
#include "protocol/sse.hpp"
#include "protocol/ws_frame.hpp"

namespace triplex::broker {

namespace {

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
  m.sse_event = protocol::sse_event(sse_type(m.kind), envelope);
}

}  // namespace

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
