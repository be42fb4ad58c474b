// One load-generator thread: an epoll loop over its share of the subscribers and, on worker 0,
// the publisher connections. Connections are set up a few at a time (connect_parallel), so the
// server's accept backlog never overflows. The thread runs until the run's phase is `done`;
// its statistics are read by the main thread after join().
#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "conn.hpp"
#include "run_state.hpp"
#include "worker_stats.hpp"

namespace loadgen {

class worker {
 public:
  // `id` is the worker's number over all processes; `first`..`last` are its subscriber
  // numbers; `pub_conns` publisher connections (0 on all but worker 0). Throws std::runtime_error
  // when epoll cannot be created.
  worker(int id, run_state& rs, std::uint32_t first, std::uint32_t last, int pub_conns);
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  // The thread body. When the run is done, copies the statistics into rs.slots[id].
  void run();

 private:
  // Connection set-up and teardown (worker.cpp)
  void start_pending();
  void start_connect(conn& c);
  void on_event(conn& c, std::uint32_t events);
  void on_connected(conn& c);
  void send(conn& c, std::string_view bytes);
  void flush(conn& c);
  void close_conn(conn& c);
  void fail(conn& c, const char* why);
  void reconnect(conn& c);

  // Reading (worker_read.cpp)
  void on_readable(conn& c);
  std::uint64_t received_at(msghdr& msg) const;
  void on_bytes(conn& c, char* data, std::size_t n, std::uint64_t now);
  void on_head(conn& c, const response_head& h, std::uint64_t now);
  void on_stream(conn& c, char* data, std::size_t n, std::uint64_t now);
  void on_body(conn& c, char* data, std::size_t n, std::uint64_t now);
  void on_lp_answer(conn& c, std::uint64_t now);
  void on_control(conn& c, std::uint8_t op, std::string_view payload);
  void on_marker(conn& c, std::uint64_t seq, std::uint64_t ts, std::uint64_t now);
  void mark_ready(conn& c, std::uint64_t now);
  void send_sub_request(conn& c);

  // Publishing (worker_publish.cpp)
  void publish_tick(std::uint64_t now);
  bool window_open() const;
  void publish_on(conn& c, std::uint64_t now);
  std::uint32_t channel_at(std::uint32_t first, std::uint32_t k) const;
  void append_marker(std::string& out, std::uint32_t ch, std::uint64_t now);
  void on_publish_answer(conn& c, std::uint64_t now);

  std::string expand(std::string_view tmpl, std::uint32_t channel) const;
  void report_stragglers() const;

  int id_;
  run_state& rs_;
  const options& opt_;
  int epfd_ = -1;
  std::vector<std::unique_ptr<conn>> conns_;
  std::vector<conn*> pending_;  // waiting for connect, in order (back = next)
  std::vector<conn*> pubs_;     // publisher connections
  std::vector<conn*> idle_pubs_;
  int connecting_ = 0;
  std::unique_ptr<char[]> rbuf_;
  std::string scratch_;
  std::string host_header_;
  std::uint64_t mask_seed_ = 0x9E3779B97F4A7C15ull;
  std::uint64_t delivered_ = 0;
  std::int64_t realtime_offset_ns_ = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC
  worker_stats stats_;
  // publisher state (worker 0)
  std::vector<std::uint64_t> next_seq_;  // per channel
  std::uint64_t owed_ = 0;               // deliveries owed for sent publishes
  std::uint64_t acked_owed_ = 0;         // deliveries owed for acknowledged publishes
  std::uint32_t next_channel_ = 0;
  std::uint64_t in_flight_ = 0;
  bool reported_pub_error_ = false;
  bool reported_sub_error_ = false;
};

inline constexpr std::size_t read_buffer_size = 256 * 1024;

}  // namespace loadgen
