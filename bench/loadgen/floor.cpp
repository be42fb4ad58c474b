// `triplex_loadgen --floor N`: what this machine allows. An in-process "ideal server" writes
// the same 150-byte message to N loopback TCP connections (one send() per connection per
// batch of B messages, nothing else: no parsing, no queues, no timers) while a reader thread
// drains them. The writer thread's CPU time per delivered message is the floor
// under any server's CPU per delivery at that batching; the reader's is the floor of a
// subscriber (its whole thread time). Runs B = 1, 4 and 16, about one second each; loopback
// only. The writer's CPU is counted inside its send loops only (CLOCK_THREAD_CPUTIME_ID), not
// while it waits for the reader.
#include "floor.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "proc_stats.hpp"

namespace loadgen {

namespace {

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Connects n client sockets to a fresh listener; returns {server side, client side} fds.
bool make_pairs(int n, std::vector<int>& servers, std::vector<int>& clients) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (lfd < 0 || bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(lfd, 4096) != 0 || getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return false;
  int one = 1;
  for (int i = 0; i < n; ++i) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0 || connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
    int s = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (s < 0) return false;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    servers.push_back(s);
    clients.push_back(c);
  }
  close(lfd);
  return true;
}

struct reader_result {
  std::atomic<std::uint64_t> bytes{0};
  double cpu_s = 0;
};

void read_all(const std::vector<int>& clients, const std::atomic<bool>& stop, reader_result& out) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (int fd : clients) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  std::vector<char> buf(256 * 1024);
  epoll_event evs[512];
  double cpu0 = thread_cpu_s();
  std::uint64_t total = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    int n = epoll_wait(ep, evs, 512, 10);
    for (int i = 0; i < n; ++i) {
      ssize_t r = recv(evs[i].data.fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (r > 0) total += static_cast<std::uint64_t>(r);
    }
    out.bytes.store(total, std::memory_order_relaxed);
  }
  out.cpu_s = thread_cpu_s() - cpu0;
  close(ep);
}

}  // namespace

int run_floor(int conns) {
  std::vector<int> servers, clients;
  if (conns < 1 || !make_pairs(conns, servers, clients)) {
    std::fprintf(stderr, "triplex_loadgen --floor: cannot set up %d loopback connections\n", conns);
    return 1;
  }
  const std::string message(150, 'm');
  for (int batch : {1, 4, 16}) {
    std::string buf;
    for (int i = 0; i < batch; ++i)
      buf += message;
    std::atomic<bool> stop{false};
    reader_result rd;
    std::thread reader([&] { read_all(clients, stop, rd); });
    double cpu = 0;  // CPU of the send loops only, not of waiting for the reader
    std::uint64_t start = now_ns(), deliveries = 0, sends = 0;
    while (now_ns() - start < 1'000'000'000ull) {
      double cpu0 = thread_cpu_s();
      for (int fd : servers) {
        if (send(fd, buf.data(), buf.size(), MSG_NOSIGNAL) > 0) ++sends;
      }
      cpu += thread_cpu_s() - cpu0;
      deliveries += static_cast<std::uint64_t>(batch) * servers.size();
      // Stay close to the reader: never more than ~64 KB queued per connection.
      while (deliveries * message.size() - rd.bytes.load() > 64 * 1024 * servers.size())
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    double wall = static_cast<double>(now_ns() - start) / 1e9;
    stop.store(true);
    reader.join();
    std::printf(
        "{\"floor\":true,\"conns\":%d,\"batch\":%d,\"deliveries_per_s\":%.0f,"
        "\"sends_per_s\":%.0f,\"writer_ns_per_delivery\":%.1f,\"writer_ns_per_send\":%.1f,"
        "\"reader_ns_per_delivery\":%.1f}\n",
        conns, batch, static_cast<double>(deliveries) / wall, static_cast<double>(sends) / wall,
        cpu * 1e9 / static_cast<double>(deliveries), cpu * 1e9 / static_cast<double>(sends),
        rd.cpu_s * 1e9 / static_cast<double>(deliveries));
    // Let the reader's socket buffers drain before the next batch size.
    std::vector<char> sink(256 * 1024);
    for (int fd : clients)
      while (recv(fd, sink.data(), sink.size(), MSG_DONTWAIT) > 0) {
      }
  }
  for (int fd : servers)
    close(fd);
  for (int fd : clients)
    close(fd);
  return 0;
}

}  // namespace loadgen
