// Everything a connection needs from the worker it lives on: the worker's io_context and hub,
// the broker, settings, metrics and the registry of live connections (for drain and for
// /api/info). One per worker thread; touched only by that thread, except `state`.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "broker/broker.hpp"
#include "metrics/triplex_metrics.hpp"
#include "transport/hub.hpp"
#include "transport/settings.hpp"

namespace triplex::transport {

// Process-wide facts, shared read-mostly by all workers.
struct worker_context;

struct server_state {
  std::atomic<bool> draining{false};
  std::string node_id;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::vector<worker_context*> workers;  // every worker, set before the workers start
};

// A live connection, as the worker's registry sees it.
class connection {
 public:
  // Ends the connection for a server shutdown: WS close 1001, SSE stream end, long-poll answer.
  virtual void drain() = 0;
  // The user of the connection's token ("" = anonymous, or not a streaming connection).
  virtual std::string_view user() const = 0;
  // Ends the connection on a backend's request (/api/disconnect): WS close 1008, SSE end.
  virtual void disconnect() = 0;
  // Closes the socket now (the drain deadline passed): pending operations end, and with them
  // the connection.
  virtual void abort() = 0;

 protected:
  ~connection() = default;
};

// A connection whose queued deliveries are written at the end of the loop turn (flush), so the
// messages of one turn leave in one write per connection (STYLE habit 8: bursts coalesce).
class flushable {
 public:
  virtual void flush() = 0;

 protected:
  ~flushable() = default;
};

struct worker_context {
  worker_context(broker::worker_id id_, boost::asio::io_context& io_, const settings& s,
                 metrics::server_metrics& m, server_state& st)
      : id(id_), io(io_), hub(&m), cfg(&s), metrics(&m), state(&st), flush_timer_(io_) {}

  broker::worker_id id;
  boost::asio::io_context& io;
  transport::hub hub;
  broker::broker* broker = nullptr;
  const settings* cfg;
  metrics::server_metrics* metrics;
  server_state* state;
  std::unordered_set<connection*> connections;
  // Read buffer shared by this worker's connections: a connection waits for readability
  // without a buffer of its own and reads into this one (small idle connections).
  std::vector<char> scratch = std::vector<char>(64 * 1024);

  // Flushes `f` once the handlers already queued on this worker have run: one post per worker
  // and turn, however many connections take part. With settings::flush_interval, a flush that
  // would follow the previous one sooner than that waits for it (a timer), so that under load
  // more messages share each write; an idle worker still flushes at once.
  void defer_flush(std::shared_ptr<flushable> f) {
    to_flush_.push_back(std::move(f));
    if (flush_posted_) return;
    flush_posted_ = true;
    if (cfg->flush_interval.count() > 0) {
      auto due = last_flush_ + cfg->flush_interval;
      if (std::chrono::steady_clock::now() < due) {
        metrics->flushes_delayed.inc();
        flush_timer_.expires_at(due);
        flush_timer_.async_wait([this](boost::system::error_code ec) {
          if (!ec) return run_flush();
          flush_posted_ = false;  // cancelled (shutdown): a later request may post again
        });
        return;
      }
    }
    boost::asio::post(io, [this] { run_flush(); });
  }

 private:
  void run_flush() {
    flush_posted_ = false;
    if (cfg->flush_interval.count() > 0) last_flush_ = std::chrono::steady_clock::now();
    flushing_.swap(to_flush_);
    for (auto& f : flushing_)
      f->flush();
    flushing_.clear();
  }

  std::vector<std::shared_ptr<flushable>> to_flush_;
  std::vector<std::shared_ptr<flushable>> flushing_;
  bool flush_posted_ = false;
  boost::asio::steady_timer flush_timer_;
  std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace triplex::transport
