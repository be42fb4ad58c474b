// The server's threads, listener and drain: see server.hpp.
#include "server/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <thread>

#include "broker/memory_broker.hpp"
#include "metrics/shard.hpp"
#include "server/settings_from_config.hpp"
#include "transport/http_session.hpp"
#include "transport/worker_context.hpp"

namespace triplex::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
// Drain: connections get drain_deadline to close the way their transport expects (longer than
// the WebSocket and SSE close deadlines); those left are then aborted, and the workers stop once
// every connection object is gone (at most abort_deadline later), so no session outlives the
// worker state it refers to.
constexpr std::chrono::seconds drain_deadline{6};
constexpr std::chrono::seconds abort_deadline{2};
// How often shards trim history and forget idle channels, and how idle a channel must be.
constexpr std::chrono::seconds sweep_interval{10};
constexpr std::chrono::hours channel_idle_limit{1};

namespace {

// Keeps the channel and history gauges of /metrics current.
struct gauge_observer final : broker::broker_observer {
  explicit gauge_observer(metrics::server_metrics& m) : m_(m) {}
  void on_channels_changed(std::int64_t d) override { m_.channels.add(d); }
  void on_history_changed(std::int64_t d) override { m_.history_messages.add(d); }
  metrics::server_metrics& m_;
};

}  // namespace

struct server::impl {
  using work_guard = asio::executor_work_guard<asio::io_context::executor_type>;

  explicit impl(config::config c);
  void start_accept();
  void on_signal();
  void check_drained();
  std::size_t open_connections() const;

  config::config cfg;
  metrics::server_metrics metrics;
  transport::settings settings;
  transport::server_state state;
  gauge_observer observer{metrics};
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<work_guard> guards;
  std::vector<std::unique_ptr<transport::worker_context>> workers;
  std::unique_ptr<broker::memory_broker> broker;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  std::chrono::steady_clock::time_point drain_started;
  bool aborted = false;
  std::size_t next_worker = 0;
};

server::impl::impl(config::config c)
    : cfg(std::move(c)),
      settings(settings_from_config(cfg)),
      ios(make_contexts(cfg.threads)),
      acceptor(*ios[0]),
      signals(*ios[0], SIGTERM, SIGINT),
      drain_timer(*ios[0]) {
  state.node_id = cfg.node_id;
  std::vector<asio::any_io_executor> executors;
  std::vector<broker::delivery_sink*> sinks;
  for (unsigned i = 0; i < ios.size(); ++i) {
    guards.push_back(asio::make_work_guard(*ios[i]));
    workers.push_back(
        std::make_unique<transport::worker_context>(i, *ios[i], settings, metrics, state));
    executors.push_back(ios[i]->get_executor());
    sinks.push_back(&workers[i]->hub);
  }
  broker = std::make_unique<broker::memory_broker>(std::move(executors), std::move(sinks),
                                                   history_limits_fn(cfg), &observer);
  for (auto& w : workers) {
    w->broker = broker.get();
    state.workers.push_back(w.get());
  }
  metrics.broker_up.set(1);
  tcp::endpoint ep(asio::ip::make_address(cfg.listen.host), cfg.listen.port);
  acceptor.open(ep.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

// Accepts on worker 0, creating each socket on the next worker's io_context; the session
// starts on that worker's thread and never leaves it.
void server::impl::start_accept() {
  std::size_t w = next_worker++ % workers.size();
  acceptor.async_accept(*ios[w], [this, w](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec && open_connections() >= cfg.limits.max_connections) {
      metrics.rejected[metrics::reject_reason::too_many_connections].inc();
      socket.close(ec);  // refused: the client sees the connection closed at once
    } else if (!ec) {
      metrics.connections_accepted[metrics::transport::http].inc();
      socket.set_option(tcp::no_delay(true), ec);
      asio::post(*ios[w], [ctx = workers[w].get(), s = std::move(socket)]() mutable {
        transport::start_http_session(*ctx, std::move(s));
      });
    } else {
      std::cerr << "triplex: accept failed: " << ec.message() << "\n";
    }
    start_accept();
  });
}

// Open client connections of every transport (a long-poll lives inside an HTTP connection).
std::size_t server::impl::open_connections() const {
  using metrics::transport;
  std::int64_t n = 0;
  for (auto t : {transport::ws, transport::sse, transport::http})
    n += metrics.connections[t].value();
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

void server::impl::on_signal() {
  if (state.draining.exchange(true)) return;
  std::cerr << "triplex: draining\n";
  error_code ignored;
  acceptor.close(ignored);
  for (auto& w : workers) {
    asio::post(w->io, [ctx = w.get()] {
      std::vector<transport::connection*> live(ctx->connections.begin(), ctx->connections.end());
      for (auto* c : live)
        if (ctx->connections.count(c)) c->drain();
    });
  }
  drain_started = std::chrono::steady_clock::now();
  check_drained();
}

// Polls until every connection has closed or the deadline passed, then stops the workers.
void server::impl::check_drained() {
  auto waited = std::chrono::steady_clock::now() - drain_started;
  if (open_connections() == 0 || waited > drain_deadline + abort_deadline) {
    for (auto& io : ios)
      io->stop();
    return;
  }
  if (waited > drain_deadline && !aborted) {
    aborted = true;
    for (auto& w : workers)
      asio::post(w->io, [ctx = w.get()] {
        std::vector<transport::connection*> live(ctx->connections.begin(), ctx->connections.end());
        for (auto* c : live)
          if (ctx->connections.count(c)) c->abort();
      });
  }
  drain_timer.expires_after(std::chrono::milliseconds(20));
  drain_timer.async_wait([this](error_code ec) {
    if (!ec) check_drained();
  });
}

server::server(config::config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {}

server::~server() = default;

int server::run() {
  auto ep = impl_->acceptor.local_endpoint();
  std::string host =
      ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  std::cout << "triplex listening on http://" << host << ":" << ep.port() << std::endl;
  impl_->signals.async_wait([this](error_code ec, int) {
    if (!ec) impl_->on_signal();
  });
  impl_->start_accept();
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < impl_->ios.size(); ++i) {
    threads.emplace_back([this, i] {
      metrics::set_thread_shard(i);
      impl_->ios[i]->run();
    });
  }
  for (auto& t : threads)
    t.join();
  return 0;
}

}  // namespace triplex::server
