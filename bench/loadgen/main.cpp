// triplex_loadgen: N subscribers (WebSocket, SSE or long-poll) and a publisher over the HTTP
// API against a Triplex or nchan server on loopback; reports deliveries/s, publish->deliver
// latency, losses, duplicates, connect times, and the CPU and memory of the server and of
// itself. Independent of the server's code: its own HTTP, WebSocket and SSE handling, on epoll.
//
// A run: connect every subscriber (a few at a time per thread), settle, then publish for
// --duration seconds (fixed rate or closed loop), stop, and wait up to --drain seconds for the
// last deliveries. Without --rate or --closed the connections are held idle for --duration
// (memory per idle connection). Exit status: 0, or 1 when the run could not be set up.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "options.hpp"
#include "proc_stats.hpp"
#include "report.hpp"
#include "run_state.hpp"
#include "worker.hpp"

namespace {

using namespace loadgen;

void sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

double since_s(std::uint64_t start) {
  return static_cast<double>(now_ns() - start) / 1e9;
}

// Raises the soft open-files limit to the hard one; returns the limit in force.
rlim_t raise_nofile() {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  return rl.rlim_cur;
}

// Waits until every subscriber and publisher connection is up (or failed), or the timeout.
void wait_connected(const run_state& rs, int pub_conns, double timeout_s) {
  std::uint64_t start = now_ns();
  while (since_s(start) < timeout_s) {
    auto done = rs.subs_ready.load() + rs.subs_failed.load();
    if (done >= static_cast<std::uint32_t>(rs.opt.subs) &&
        rs.pubs_ready.load() >= static_cast<std::uint32_t>(pub_conns))
      return;
    sleep_s(0.01);
  }
  std::fprintf(stderr, "triplex_loadgen: connect timeout: %u of %d subscribers ready\n",
               rs.subs_ready.load(), rs.opt.subs);
}

// Publishes for the duration, then waits for the owed deliveries (or the drain timeout).
void publish_phase(run_state& rs, run_result& r) {
  const options& o = rs.opt;
  r.server_start = sample_processes(o.server_pids);
  double cpu0 = self_cpu_seconds();
  std::uint64_t t0 = now_ns();
  rs.publish_start_ns.store(t0);
  rs.current.store(static_cast<int>(phase::publishing), std::memory_order_release);
  sleep_s(o.duration);
  rs.current.store(static_cast<int>(phase::draining), std::memory_order_release);
  r.publish_s = since_s(t0);
  std::uint64_t t_stop = now_ns();
  while (since_s(t_stop) < o.drain) {
    if (rs.pub_in_flight.load() == 0 && rs.delivered_total() >= rs.expected.load()) break;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  r.window_s = since_s(t0);
  r.server_end = sample_processes(o.server_pids);
  r.self_cpu_s = self_cpu_seconds() - cpu0;
  r.expected = rs.expected.load();
}

void collect(const std::vector<std::unique_ptr<worker>>& workers, run_result& r) {
  for (const auto& w : workers) {
    const worker_stats& s = w->stats();
    r.latency.merge(s.latency);
    r.connect.merge(s.connect);
    r.pub_rtt.merge(s.pub_rtt);
    r.deliveries += s.unique;
    r.duplicates += s.duplicates;
    r.disconnects += s.disconnects;
    r.pings += s.pings;
    r.polls += s.polls;
    r.bytes_in += s.bytes_in;
    r.pub_sent += s.pub_sent;
    r.pub_ok += s.pub_ok;
    r.pub_errors += s.pub_errors;
    r.pub_late += s.pub_late;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto parsed = parse_options(argc, argv, exit_code);
  if (!parsed) return exit_code;
  const options& o = *parsed;
  bool publishing = o.rate > 0 || o.closed > 0;
  int pub_conns = publishing ? o.pub_conns : 0;
  rlim_t limit = raise_nofile();
  if (static_cast<rlim_t>(o.subs + pub_conns + 32) > limit) {
    std::fprintf(stderr,
                 "triplex_loadgen: %d connections need more than the %llu open files allowed "
                 "per process: split the run over several processes\n",
                 o.subs + pub_conns, static_cast<unsigned long long>(limit));
    return 1;
  }
  run_state rs(o, o.threads);
  run_result r;
  r.opt = &o;
  r.publishing = publishing;
  r.server_before = sample_processes(o.server_pids);

  std::vector<std::unique_ptr<worker>> workers;
  try {
    for (int i = 0; i < o.threads; ++i) {
      auto first = static_cast<std::uint32_t>(static_cast<long long>(o.subs) * i / o.threads);
      auto last = static_cast<std::uint32_t>(static_cast<long long>(o.subs) * (i + 1) / o.threads);
      workers.push_back(std::make_unique<worker>(i, rs, first, last, i == 0 ? pub_conns : 0));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "triplex_loadgen: %s\n", e.what());
    return 1;
  }
  std::uint64_t t_connect = now_ns();
  std::vector<std::thread> threads;
  for (auto& w : workers)
    threads.emplace_back([&w] { w->run(); });

  wait_connected(rs, pub_conns, o.connect_timeout);
  r.connect_wall_s = since_s(t_connect);
  sleep_s(o.settle);
  if (publishing) {
    r.server_connected = sample_processes(o.server_pids);
    publish_phase(rs, r);
  } else {
    r.server_start = sample_processes(o.server_pids);
    double cpu0 = self_cpu_seconds();
    sleep_s(o.duration);
    r.window_s = o.duration;
    r.server_connected = r.server_end = sample_processes(o.server_pids);
    r.self_cpu_s = self_cpu_seconds() - cpu0;
  }
  r.subs_ready = rs.subs_ready.load();
  r.subs_failed = rs.subs_failed.load();
  rs.current.store(static_cast<int>(phase::done), std::memory_order_release);
  for (auto& t : threads)
    t.join();
  collect(workers, r);
  print_report(r);
  return 0;
}
