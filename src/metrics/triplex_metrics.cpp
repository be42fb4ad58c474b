#include "metrics/triplex_metrics.hpp"

namespace triplex::metrics {

server_metrics::server_metrics()
    : connections(registry_, "triplex_connections", "Open client connections, by transport."),
      connections_accepted(registry_, "triplex_connections_accepted_total",
                           "Client connections accepted since start, by transport."),
      subscriptions(registry_.add_gauge("triplex_subscriptions",
                                        "Active channel subscriptions on this node.")),
      channels(registry_.add_gauge("triplex_channels",
                                   "Channels with at least one subscriber on this node.")),
      messages_published(registry_, "triplex_messages_published_total",
                         "Messages published through this node, durable or ephemeral."),
      deliveries(registry_, "triplex_deliveries_total",
                 "Messages delivered to subscribers, by transport."),
      bytes_out(registry_, "triplex_bytes_out_total", "Bytes written to clients, by transport."),
      publish_to_deliver_seconds(registry_.add_histogram(
          "triplex_publish_to_deliver_seconds",
          "Time from accepting a publish to handing it to a subscriber's socket.",
          latency_buckets_seconds())),
      ephemeral_dropped(registry_.add_counter(
          "triplex_ephemeral_dropped_total",
          "Ephemeral messages dropped because a subscriber's outbound queue was full.")),
      slow_consumer_closes(registry_, "triplex_slow_consumer_closes_total",
                           "Connections closed because their outbound queue overflowed."),
      rejected(registry_, "triplex_rejected_total",
               "Requests, frames and commands refused, by reason."),
      http_idle_closes(registry_.add_counter(
          "triplex_http_idle_closes_total",
          "Keep-alive HTTP connections closed after http.idle_timeout without a request.")),
      longpoll_timeouts(
          registry_.add_counter("triplex_longpoll_timeouts_total",
                                "Long-polls answered empty because their timeout expired.")),
      longpoll_timeout_capped(registry_.add_counter(
          "triplex_longpoll_timeout_capped_total",
          "Long-polls whose requested timeout was lowered to longpoll.max_timeout.")),
      longpoll_batch_truncated(
          registry_.add_counter("triplex_longpoll_batch_truncated_total",
                                "Long-poll answers cut at longpoll.batch_limit messages.")),
      flushes_delayed(registry_.add_counter(
          "triplex_flushes_delayed_total",
          "Worker flushes that waited for delivery.flush_interval to pass since the last one.")),
      history_evicted(registry_, "triplex_history_evicted_total",
                      "Messages removed from channel history, by cause (history_size or "
                      "history_ttl)."),
      history_messages(
          registry_.add_gauge("triplex_history_messages", "Messages held in channel history.")),
      ws_frames_in(registry_.add_counter("triplex_ws_frames_in_total",
                                         "WebSocket data frames received from clients.")),
      ws_pings_sent(registry_.add_counter("triplex_ws_pings_sent_total",
                                          "WebSocket pings sent to idle connections.")),
      ws_ping_timeouts(registry_.add_counter(
          "triplex_ws_ping_timeouts_total",
          "WebSocket connections closed because no pong came within websocket.pong_timeout.")),
      sse_heartbeats(
          registry_.add_counter("triplex_sse_heartbeats_total", "SSE heartbeat comments sent.")),
      presence_truncated(
          registry_.add_counter("triplex_presence_truncated_total",
                                "Presence answers cut at limits.max_presence_members.")),
      broker_up(registry_.add_gauge("triplex_broker_up",
                                    "1 when the broker (memory or Redis) is reachable, else 0.")) {}

}  // namespace triplex::metrics
