// triplex_loadgen: N subscribers (WebSocket, SSE or long-poll) and a publisher over the HTTP
// API against a Triplex or nchan server on loopback; reports deliveries/s, publish->deliver
// latency, losses, duplicates, connect times, and the CPU and memory of the server and of
// itself. Independent of the server's code: its own HTTP, WebSocket and SSE handling, on epoll.
//
// A run: connect every subscriber (a few at a time per thread), settle, then publish for
// --duration seconds (fixed rate or closed loop), stop, and wait up to --drain seconds for the
// last deliveries. Without --rate or --closed the connections are held idle for --duration
// (memory per idle connection). With --procs N the subscribers are shared by N processes
// (forked before any thread starts; they meet in shared memory, see run_state.hpp), each with
// --threads epoll threads and its own open-files limit; the publisher runs in the first.
// Exit status: 0, or 1 when the run could not be set up.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

#include "floor.hpp"
#include "options.hpp"
#include "proc_stats.hpp"
#include "report.hpp"
#include "run_state.hpp"
#include "self_test.hpp"
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

// Ends the measurement window: forked processes report their CPU time over it.
double close_window(run_state& rs, double own_cpu_s) {
  rs.window_closed.store(1);
  std::uint64_t start = now_ns();
  auto children = static_cast<std::uint32_t>(rs.opt.procs - 1);
  while (rs.children_reported.load() < children && since_s(start) < 1.0)
    sleep_s(0.0005);
  double total = own_cpu_s;
  for (int p = 1; p < rs.opt.procs; ++p)
    total += rs.child_cpu_s[p];
  return total;
}

// Publishes for the duration, then waits for the owed deliveries (or the drain timeout).
void publish_phase(run_state& rs, run_result& r) {
  const options& o = rs.opt;
  r.server_start = sample_processes(o.server_pids);
  double cpu0 = self_cpu_seconds();
  std::uint64_t t0 = now_ns();
  rs.publish_start_ns.store(t0);
  rs.set_phase(phase::publishing);
  sleep_s(o.duration);
  rs.set_phase(phase::draining);
  r.publish_s = since_s(t0);
  std::uint64_t t_stop = now_ns();
  sleep_s(0.005);  // the publisher sees the phase within a loop turn (<= 1 ms)
  while (since_s(t_stop) < o.drain) {
    if (rs.pub_in_flight.load() == 0 && rs.delivered_total() >= rs.expected.load()) break;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  r.window_s = since_s(t0);
  r.server_end = sample_processes(o.server_pids);
  r.self_cpu_s = close_window(rs, self_cpu_seconds() - cpu0);
}

void hold_idle(run_state& rs, run_result& r) {
  const options& o = rs.opt;
  r.server_start = sample_processes(o.server_pids);
  double cpu0 = self_cpu_seconds();
  sleep_s(o.duration);
  r.window_s = o.duration;
  r.server_connected = r.server_end = sample_processes(o.server_pids);
  r.self_cpu_s = close_window(rs, self_cpu_seconds() - cpu0);
}

void collect(const run_state& rs, run_result& r) {
  for (int i = 0; i < rs.workers(); ++i) {
    const worker_stats& s = rs.slots[i];
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
    r.expected += s.owed;  // final: publishes acknowledged after the window count too
  }
}

// Creates process `proc`'s workers (global numbers proc*threads ...) and starts their threads.
std::vector<std::unique_ptr<worker>> start_workers(run_state& rs, int proc, int pub_conns,
                                                   std::vector<std::thread>& threads) {
  const options& o = rs.opt;
  std::vector<std::unique_ptr<worker>> workers;
  long long total = rs.workers();
  for (int i = 0; i < o.threads; ++i) {
    int id = proc * o.threads + i;
    auto first = static_cast<std::uint32_t>(o.subs * id / total);
    auto last = static_cast<std::uint32_t>(o.subs * (id + 1) / total);
    workers.push_back(std::make_unique<worker>(id, rs, first, last, id == 0 ? pub_conns : 0));
  }
  for (auto& w : workers)
    threads.emplace_back([&w] { w->run(); });
  return workers;
}

// The body of a forked process: its workers, and its CPU time over the measurement window.
[[noreturn]] void child_main(run_state& rs, int proc) {
  std::vector<std::thread> threads;
  int code = 0;
  try {
    auto workers = start_workers(rs, proc, 0, threads);
    double cpu0 = -1;
    bool reported = false;
    while (rs.current_phase() != phase::done) {
      if (cpu0 < 0 && rs.current_phase() != phase::connecting) cpu0 = self_cpu_seconds();
      if (!reported && rs.window_closed.load()) {
        rs.child_cpu_s[proc] = self_cpu_seconds() - (cpu0 < 0 ? 0 : cpu0);
        rs.children_reported.fetch_add(1);
        reported = true;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    for (auto& t : threads)
      t.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "triplex_loadgen (process %d): %s\n", proc, e.what());
    code = 1;
  }
  std::fflush(stderr);
  _exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--self-test") return run_self_test();
  if (argc == 3 && std::string_view(argv[1]) == "--floor") {
    raise_nofile();
    return run_floor(std::atoi(argv[2]));
  }
  int exit_code = 0;
  auto parsed = parse_options(argc, argv, exit_code);
  if (!parsed) return exit_code;
  const options& o = *parsed;
  bool publishing = o.rate > 0 || o.closed > 0;
  int pub_conns = publishing ? o.pub_conns : 0;
  rlim_t limit = raise_nofile();
  long long per_proc = (o.subs + o.procs - 1) / o.procs + pub_conns + 32;
  if (static_cast<rlim_t>(per_proc) > limit) {
    std::fprintf(stderr,
                 "triplex_loadgen: %lld connections per process exceed the %llu open files "
                 "allowed: use more --procs\n",
                 per_proc - 32, static_cast<unsigned long long>(limit));
    return 1;
  }
  std::unique_ptr<run_state> rs_owner;
  try {
    rs_owner = std::make_unique<run_state>(o, o.threads * o.procs, o.procs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "triplex_loadgen: %s\n", e.what());
    return 1;
  }
  run_state& rs = *rs_owner;
  run_result r;
  r.opt = &o;
  r.publishing = publishing;
  r.server_before = sample_processes(o.server_pids);

  std::fflush(stdout);
  std::vector<pid_t> children;
  for (int p = 1; p < o.procs; ++p) {
    pid_t pid = fork();
    if (pid == 0) child_main(rs, p);
    if (pid < 0) {
      std::fprintf(stderr, "triplex_loadgen: fork failed\n");
      rs.set_phase(phase::done);
      for (pid_t c : children)
        waitpid(c, nullptr, 0);
      return 1;
    }
    children.push_back(pid);
  }
  std::uint64_t t_connect = now_ns();
  std::vector<std::thread> threads;
  auto workers = start_workers(rs, 0, pub_conns, threads);

  wait_connected(rs, pub_conns, o.connect_timeout);
  r.connect_wall_s = since_s(t_connect);
  sleep_s(o.settle);
  if (publishing) {
    r.server_connected = sample_processes(o.server_pids);
    publish_phase(rs, r);
  } else {
    hold_idle(rs, r);
  }
  r.subs_ready = rs.subs_ready.load();
  r.subs_failed = rs.subs_failed.load();
  rs.set_phase(phase::done);
  for (auto& t : threads)
    t.join();
  for (pid_t c : children)
    waitpid(c, nullptr, 0);
  collect(rs, r);
  print_report(r);
  return 0;
}
