// The epoll loop, connection set-up, writes and teardown of a load-generator thread: see
// worker.hpp.
#include "worker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "proc_stats.hpp"

namespace loadgen {

worker::worker(int id, run_state& rs, std::uint32_t first, std::uint32_t last, int pub_conns)
    : id_(id), rs_(rs), opt_(rs.opt), rbuf_(new char[read_buffer_size]) {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) throw std::runtime_error("epoll_create1 failed");
  host_header_ = opt_.host + ":" + std::to_string(opt_.port);
  for (std::uint32_t i = first; i < last; ++i) {
    auto c = std::make_unique<conn>();
    c->kind = conn_kind::sub;
    c->index = i;
    c->channel = opt_.channel_each ? i : 0;
    conns_.push_back(std::move(c));
  }
  for (int i = 0; i < pub_conns; ++i) {
    auto c = std::make_unique<conn>();
    c->kind = conn_kind::pub;
    c->index = static_cast<std::uint32_t>(i);
    pubs_.push_back(c.get());
    conns_.push_back(std::move(c));
  }
  // Publishers first (they are few), then subscribers in order.
  for (auto it = conns_.rbegin(); it != conns_.rend(); ++it)
    if ((*it)->kind == conn_kind::sub) pending_.push_back(it->get());
  for (auto it = pubs_.rbegin(); it != pubs_.rend(); ++it)
    pending_.push_back(*it);
  next_seq_.assign(rs_.channels.size(), 0);
  timespec real{}, mono{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  realtime_offset_ns_ = (static_cast<std::int64_t>(real.tv_sec) - mono.tv_sec) * 1'000'000'000 +
                        (real.tv_nsec - mono.tv_nsec);
  mask_seed_ ^= static_cast<std::uint64_t>(id + 1) * 0xBF58476D1CE4E5B9ull;
}

worker::~worker() {
  for (auto& c : conns_)
    if (c->fd >= 0) ::close(c->fd);
  if (epfd_ >= 0) ::close(epfd_);
}

void worker::run() {
  epoll_event events[512];
  while (rs_.current_phase() != phase::done) {
    start_pending();
    bool publishing = !pubs_.empty() && rs_.current_phase() != phase::connecting;
    int n = epoll_wait(epfd_, events, 512, publishing ? 1 : 20);
    for (int i = 0; i < n; ++i)
      on_event(*static_cast<conn*>(events[i].data.ptr), events[i].events);
    rs_.delivered[id_].value.store(delivered_, std::memory_order_relaxed);
    if (publishing) publish_tick(now_ns());
  }
  rs_.slots[id_] = stats_;
  if (opt_.stragglers > 0 && !opt_.channel_each) report_stragglers();
}

// Lists subscribers that got fewer messages than the best of this worker, with where they
// stand: the first thing to look at when a run reports losses (one-channel runs only: with a
// channel each, counts differ by design).
void worker::report_stragglers() const {
  std::uint64_t best = 0;
  for (const auto& c : conns_)
    if (c->kind == conn_kind::sub && c->seqs.unique() > best) best = c->seqs.unique();
  int shown = 0;
  for (const auto& c : conns_) {
    if (c->kind != conn_kind::sub || c->seqs.unique() >= best || shown++ >= opt_.stragglers)
      continue;
    std::fprintf(stderr,
                 "straggler: subscriber %u (%s) got %llu of %llu messages; state %d, fd %d, "
                 "cursor '%s', last-modified '%s', etag '%s'\n",
                 c->index, rs_.channels[c->channel].c_str(),
                 static_cast<unsigned long long>(c->seqs.unique()),
                 static_cast<unsigned long long>(best), static_cast<int>(c->state), c->fd,
                 c->cursor.c_str(), c->last_modified.c_str(), c->etag.c_str());
  }
}

void worker::start_pending() {
  while (connecting_ < opt_.connect_parallel && !pending_.empty()) {
    conn* c = pending_.back();
    pending_.pop_back();
    start_connect(*c);
  }
}

void worker::start_connect(conn& c) {
  c.started_ns = now_ns();
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) return fail(c, "socket() failed (out of file descriptors?)");
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (c.kind == conn_kind::sub) setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  if (!opt_.source_ips.empty()) {
    setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    const std::string& ip = opt_.source_ips[c.index % opt_.source_ips.size()];
    if (inet_pton(AF_INET, ip.c_str(), &local.sin_addr) != 1 ||
        bind(c.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
      return fail(c, "bind() to a source address failed");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(opt_.port);
  if (inet_pton(AF_INET, opt_.host.c_str(), &addr.sin_addr) != 1)
    return fail(c, "bad target address (IPv4 literal expected)");
  int r = connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (r != 0 && errno != EINPROGRESS) return fail(c, "connect() failed");
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = &c;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev);
  c.want_out = true;
  c.state = conn_state::connecting;
  ++connecting_;
}

void worker::on_event(conn& c, std::uint32_t events) {
  if (c.fd < 0) return;
  if (c.state == conn_state::connecting) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    --connecting_;
    if (err != 0) return fail(c, std::strerror(err));
    return on_connected(c);
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
  if (c.fd >= 0 && (events & EPOLLOUT) && c.want_out) flush(c);
}

void worker::on_connected(conn& c) {
  c.out.clear();
  c.want_out = false;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &c;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
  if (c.kind == conn_kind::pub) {
    c.state = conn_state::idle;
    idle_pubs_.push_back(&c);
    if (!c.ready) {
      c.ready = true;
      stats_.connect.record(now_ns() - c.started_ns);
      rs_.pubs_ready.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  send_sub_request(c);
}

void worker::send(conn& c, std::string_view bytes) {
  if (c.fd < 0) return;
  if (!c.out.empty()) {
    c.out.append(bytes);
    return;
  }
  while (!bytes.empty()) {
    ssize_t w = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (w > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(w));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return close_conn(c);
  }
  if (bytes.empty()) return;
  c.out.assign(bytes);
  c.want_out = true;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = &c;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void worker::flush(conn& c) {
  std::string pending;
  pending.swap(c.out);
  c.want_out = false;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &c;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
  send(c, pending);
}

// The server closed (or broke) a connection. Long-poll subscribers and publishers reconnect;
// a stream subscriber that was ready counts as a disconnect.
void worker::close_conn(conn& c) {
  if (c.fd < 0) return;
  ::close(c.fd);
  c.fd = -1;
  bool was_connecting = c.state == conn_state::connecting;
  if (was_connecting) --connecting_;
  c.state = conn_state::closed;
  if (rs_.current_phase() == phase::done) return;
  if (c.kind == conn_kind::pub) {
    if (c.sent_ns) {  // a publish in flight got no answer
      ++stats_.pub_errors;
      --in_flight_;
      c.sent_ns = 0;
    }
    std::erase(idle_pubs_, &c);
    return reconnect(c);
  }
  if (opt_.kind == transport::lp && c.ready) return reconnect(c);  // the cursor survives
  if (c.ready) {
    ++stats_.disconnects;
  } else {
    ++stats_.connect_failures;
    rs_.subs_failed.fetch_add(1, std::memory_order_relaxed);
  }
}

void worker::reconnect(conn& c) {
  c.in.clear();
  c.out.clear();
  c.body.clear();
  c.chunks.reset();
  c.state = conn_state::waiting;
  pending_.push_back(&c);
}

void worker::fail(conn& c, const char* why) {
  if (!reported_sub_error_) {
    std::fprintf(stderr, "triplex_loadgen: connection failed: %s\n", why);
    reported_sub_error_ = true;
  }
  if (c.fd >= 0) {
    ::close(c.fd);
    c.fd = -1;
  }
  c.state = conn_state::closed;
  ++stats_.connect_failures;
  if (c.kind == conn_kind::sub && !c.ready) rs_.subs_failed.fetch_add(1, std::memory_order_relaxed);
}

std::string worker::expand(std::string_view tmpl, std::uint32_t channel) const {
  std::string out;
  const std::string& name = rs_.channels[channel];
  std::size_t at;
  while ((at = tmpl.find("{ch}")) != std::string_view::npos) {
    out.append(tmpl.substr(0, at));
    out.append(name);
    tmpl.remove_prefix(at + 4);
  }
  out.append(tmpl);
  return out;
}

}  // namespace loadgen
