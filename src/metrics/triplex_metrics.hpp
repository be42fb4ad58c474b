// server_metrics: every metric the Triplex server exports on GET /metrics, registered once
// with its help text and exposed as named members, e.g.
//
//   m.ws_frames_in.inc();
//   m.connections[metrics::transport::ws].add(1);
//   m.rejected[metrics::reject_reason::bad_channel].inc();
//
// A member is named after its metric without the "triplex_" prefix and the "_total" suffix.
// Labelled families are indexed by an enum; to add a label value, add an enumerator and its
// name in label_traits below; to add a metric, add a member and one line in the constructor.
//
// Threading: construct at start-up (before workers run); the members may then be updated from
// any thread (each worker calls metrics::set_thread_shard() first), and render() may be called
// from any thread. No Asio: this header is plain C++.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "metrics/registry.hpp"

namespace triplex::metrics {

enum class transport : std::uint8_t { ws, sse, longpoll, http };

enum class publish_kind : std::uint8_t { durable, ephemeral };

// Why a request, frame or command was refused; one counter each (triplex_rejected_total).
enum class reject_reason : std::uint8_t {
  bad_channel,
  bad_json,
  unknown_op,
  too_large,
  header_too_large,
  header_timeout,
  too_many_subscriptions,
  too_many_connections,
  bad_cursor,
  bad_api_key,
  bad_token,
  token_expired,
  forbidden,
  bad_origin,
  not_found,
  method_not_allowed,
  bad_frame,
  bad_utf8,
  rate_limited,
  bad_http,  // malformed HTTP request or request target, or a bad WebSocket upgrade
};

// Why a message left a channel's history (triplex_history_evicted_total).
enum class eviction_cause : std::uint8_t { size, ttl };

// For each label enum: the label name and the value of each enumerator, in enum order.
template <class Key>
struct label_traits;

template <>
struct label_traits<transport> {
  static constexpr std::string_view label = "transport";
  static constexpr std::array<std::string_view, 4> values = {"ws", "sse", "longpoll", "http"};
};

template <>
struct label_traits<publish_kind> {
  static constexpr std::string_view label = "kind";
  static constexpr std::array<std::string_view, 2> values = {"durable", "ephemeral"};
};

template <>
struct label_traits<reject_reason> {
  static constexpr std::string_view label = "reason";
  static constexpr std::array<std::string_view, 20> values = {"bad_channel",
                                                              "bad_json",
                                                              "unknown_op",
                                                              "too_large",
                                                              "header_too_large",
                                                              "header_timeout",
                                                              "too_many_subscriptions",
                                                              "too_many_connections",
                                                              "bad_cursor",
                                                              "bad_api_key",
                                                              "bad_token",
                                                              "token_expired",
                                                              "forbidden",
                                                              "bad_origin",
                                                              "not_found",
                                                              "method_not_allowed",
                                                              "bad_frame",
                                                              "bad_utf8",
                                                              "rate_limited",
                                                              "bad_http"};
};

template <>
struct label_traits<eviction_cause> {
  static constexpr std::string_view label = "cause";
  static constexpr std::array<std::string_view, 2> values = {"size", "ttl"};
};

static_assert(label_traits<reject_reason>::values.size() ==
              static_cast<std::size_t>(reject_reason::bad_http) + 1);
static_assert(label_traits<transport>::values.size() ==
              static_cast<std::size_t>(transport::http) + 1);

// The label value of an enumerator, e.g. to_string(transport::longpoll) == "longpoll".
template <class Key>
constexpr std::string_view to_string(Key k) noexcept {
  return label_traits<Key>::values[static_cast<std::size_t>(k)];
}

// One metric per value of Key, all in one family (name{label="value"}).
template <class Metric, class Key>
class labelled {
 public:
  static constexpr std::size_t size = label_traits<Key>::values.size();

  // Registers every child of the family; `Metric` is counter or gauge.
  labelled(registry& r, std::string_view name, std::string_view help) {
    for (std::size_t i = 0; i < size; ++i) {
      label_set labels{
          {std::string(label_traits<Key>::label), std::string(label_traits<Key>::values[i])}};
      if constexpr (std::is_same_v<Metric, counter>) {
        items_[i] = &r.add_counter(name, help, std::move(labels));
      } else {
        items_[i] = &r.add_gauge(name, help, std::move(labels));
      }
    }
  }

  Metric& operator[](Key k) const noexcept { return *items_[static_cast<std::size_t>(k)]; }

 private:
  std::array<Metric*, size> items_{};
};

class server_metrics {
  metrics::registry registry_;  // first: the members below refer into it

 public:
  server_metrics();
  server_metrics(const server_metrics&) = delete;
  server_metrics& operator=(const server_metrics&) = delete;

  // Connections and subscriptions.
  labelled<gauge, transport> connections;             // triplex_connections
  labelled<counter, transport> connections_accepted;  // triplex_connections_accepted_total
  gauge& subscriptions;                               // triplex_subscriptions
  gauge& channels;                                    // triplex_channels

  // Messages in and out.
  labelled<counter, publish_kind> messages_published;  // triplex_messages_published_total
  labelled<counter, transport> deliveries;             // triplex_deliveries_total
  labelled<counter, transport> bytes_out;              // triplex_bytes_out_total
  histogram& publish_to_deliver_seconds;               // triplex_publish_to_deliver_seconds

  // Limits enforced (see docs/config.md for which key each one counts).
  counter& ephemeral_dropped;                         // triplex_ephemeral_dropped_total
  labelled<counter, transport> slow_consumer_closes;  // ..._slow_consumer_closes_total
  labelled<counter, reject_reason> rejected;          // triplex_rejected_total
  counter& http_idle_closes;                          // triplex_http_idle_closes_total
  counter& longpoll_timeouts;                         // triplex_longpoll_timeouts_total
  counter& longpoll_timeout_capped;                   // ..._longpoll_timeout_capped_total
  counter& longpoll_batch_truncated;                  // ..._longpoll_batch_truncated_total
  counter& flushes_delayed;                           // triplex_flushes_delayed_total
  labelled<counter, eviction_cause> history_evicted;  // triplex_history_evicted_total
  gauge& history_messages;                            // triplex_history_messages

  // Transport keep-alives.
  counter& ws_frames_in;        // triplex_ws_frames_in_total
  counter& ws_pings_sent;       // triplex_ws_pings_sent_total
  counter& ws_ping_timeouts;    // triplex_ws_ping_timeouts_total
  counter& sse_heartbeats;      // triplex_sse_heartbeats_total
  counter& presence_truncated;  // triplex_presence_truncated_total

  // Broker.
  gauge& broker_up;  // triplex_broker_up: 1 when the broker answers, else 0 (single writer)

  // The registry, to register metrics beyond these (at start-up only).
  metrics::registry& registry() noexcept { return registry_; }

  // Everything, in the Prometheus text format (exposition_content_type).
  std::string render() const { return registry_.render(); }
};

}  // namespace triplex::metrics
