// Reading: response heads, WebSocket and SSE streams, long-poll answers, markers. See
// worker.hpp.
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "proc_stats.hpp"
#include "worker.hpp"

namespace loadgen {

namespace {

constexpr std::size_t max_head_size = 64 * 1024;
constexpr const char* ws_key = "dGhlIHNhbXBsZSBub25jZQ==";

}  // namespace

// Reads once. Subscriber sockets carry kernel receive timestamps (SO_TIMESTAMPNS): the
// latency of a message ends when its bytes reached the socket, not when this thread got
// around to reading it, so the load generator's own queueing is not charged to the server.
void worker::on_readable(conn& c) {
  char* data = rbuf_.get() + marker_scanner::carry_capacity;
  std::size_t cap = read_buffer_size - marker_scanner::carry_capacity;
  iovec iov{data, cap};
  alignas(cmsghdr) char control[64];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t r = ::recvmsg(c.fd, &msg, 0);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    return close_conn(c);
  }
  if (r == 0) {
    if (c.state == conn_state::body && c.body_left < 0 && !c.chunked) {
      c.close_after = true;  // a close-delimited body is complete
      c.kind == conn_kind::pub ? on_publish_answer(c, now_ns()) : on_lp_answer(c, now_ns());
    }
    return close_conn(c);
  }
  stats_.bytes_in += static_cast<std::uint64_t>(r);
  on_bytes(c, data, static_cast<std::size_t>(r), received_at(msg));
}

// The kernel receive time of the last segment read (CLOCK_REALTIME, mapped to the monotonic
// clock of the payload timestamps), or the current time when the kernel gave none.
std::uint64_t worker::received_at(msghdr& msg) const {
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec ts{};
    std::memcpy(&ts, CMSG_DATA(cm), sizeof ts);
    auto real = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    if (real == 0) break;
    return static_cast<std::uint64_t>(real - realtime_offset_ns_);
  }
  return now_ns();
}

void worker::on_bytes(conn& c, char* data, std::size_t n, std::uint64_t now) {
  while (c.fd >= 0) {
    switch (c.state) {
      case conn_state::head: {
        c.in.append(data, n);
        response_head h;
        head_result r = parse_response_head(c.in, h);
        if (r == head_result::more) {
          if (c.in.size() > max_head_size) fail(c, "response head too large");
          return;
        }
        if (r == head_result::bad) return fail(c, "malformed HTTP response");
        // The bytes after the head all came with this read: put them back in the buffer.
        n = c.in.size() - h.size;
        std::memcpy(data, c.in.data() + h.size, n);
        on_head(c, h, now);
        c.in.clear();
        if (n == 0 && c.state != conn_state::body) return;
        if (c.state == conn_state::head) return;  // unexpected bytes after an answer: dropped
        continue;
      }
      case conn_state::stream:
        return on_stream(c, data, n, now);
      case conn_state::body:
        return on_body(c, data, n, now);
      default:
        return;
    }
  }
}

void worker::on_head(conn& c, const response_head& h, std::uint64_t now) {
  c.status = h.status;
  c.chunked = h.chunked;
  c.close_after = h.close;
  c.chunks.reset();
  if (c.kind == conn_kind::pub || opt_.kind == transport::lp) {
    bool ok_status =
        c.kind == conn_kind::pub || h.status == 200 || h.status == 304 || h.status == 408;
    if (!ok_status) return fail(c, "long-poll answered with an unexpected status");
    if (c.kind == conn_kind::sub && h.status == 200 && opt_.lp == lp_style::nchan) {
      c.last_modified.assign(h.last_modified);
      c.etag.assign(h.etag);
    }
    c.state = conn_state::body;
    c.body.clear();
    c.body_left = h.content_length;
    return;
  }
  if (opt_.kind == transport::ws) {
    if (h.status != 101) return fail(c, "WebSocket upgrade refused");
    c.state = conn_state::stream;
    if (opt_.ws_subscribe.empty()) return mark_ready(c, now);
    scratch_.clear();
    append_client_frame(scratch_, 0x1, expand(opt_.ws_subscribe, c.channel), mask_seed_);
    c.awaiting_reply = true;
    return send(c, scratch_);
  }
  if (h.status != 200) return fail(c, "SSE stream refused");
  c.state = conn_state::stream;
  mark_ready(c, now);
}

void worker::on_stream(conn& c, char* data, std::size_t n, std::uint64_t now) {
  if (c.chunked) {
    n = c.chunks.decode(data, n);
    if (c.chunks.failed()) return fail(c, "malformed chunked stream");
  }
  if (opt_.kind == transport::ws) {
    n = c.ws.decode(data, n, [&](std::uint8_t op, std::string_view p) { on_control(c, op, p); });
    if (c.ws.failed()) return fail(c, "malformed WebSocket frame");
    if (c.awaiting_reply && n > 0) {
      c.awaiting_reply = false;
      mark_ready(c, now);
    }
  }
  c.scanner.scan_piece(data, n,
                       [&](std::uint64_t seq, std::uint64_t ts) { on_marker(c, seq, ts, now); });
  if (c.chunked && c.chunks.done()) close_conn(c);
}

void worker::on_body(conn& c, char* data, std::size_t n, std::uint64_t now) {
  bool complete = false;
  if (c.chunked) {
    std::size_t m = c.chunks.decode(data, n);
    if (c.chunks.failed()) return fail(c, "malformed chunked body");
    c.body.append(data, m);
    complete = c.chunks.done();
  } else if (c.body_left >= 0) {
    std::size_t take =
        static_cast<std::size_t>(c.body_left) < n ? static_cast<std::size_t>(c.body_left) : n;
    c.body.append(data, take);
    c.body_left -= static_cast<long long>(take);
    complete = c.body_left == 0;
  } else {
    c.body.append(data, n);  // ends when the server closes
  }
  if (!complete) return;
  if (c.kind == conn_kind::pub) {
    on_publish_answer(c, now);
  } else {
    on_lp_answer(c, now);
  }
  if (c.close_after) close_conn(c);
}

void worker::on_lp_answer(conn& c, std::uint64_t now) {
  ++stats_.polls;
  marker_scanner::scan_whole(
      c.body.data(), c.body.size(),
      [&](std::uint64_t seq, std::uint64_t ts) { on_marker(c, seq, ts, now); });
  if (opt_.lp == lp_style::triplex) {
    static constexpr std::string_view key = "\"cursor\":\"";
    std::size_t at = c.body.find(key);
    if (at != std::string::npos) {
      std::size_t start = at + key.size();
      std::size_t end = c.body.find('"', start);
      if (end != std::string::npos) c.cursor.assign(c.body, start, end - start);
    }
  }
  c.state = conn_state::head;
  if (!c.close_after) send_sub_request(c);
}

void worker::on_control(conn& c, std::uint8_t op, std::string_view payload) {
  if (op == 0x9) {
    ++stats_.pings;
    scratch_.clear();
    append_client_frame(scratch_, 0xA, payload, mask_seed_);
    send(c, scratch_);
  } else if (op == 0x8) {
    close_conn(c);
  }
}

void worker::on_marker(conn& c, std::uint64_t seq, std::uint64_t ts, std::uint64_t now) {
  if (!c.seqs.record(seq)) {
    ++stats_.duplicates;
    return;
  }
  ++delivered_;
  ++stats_.unique;
  stats_.latency.record(now > ts ? now - ts : 0);
}

void worker::mark_ready(conn& c, std::uint64_t now) {
  if (c.ready) return;
  c.ready = true;
  stats_.connect.record(now - c.started_ns);
  rs_.ready_on_channel[c.channel].fetch_add(1, std::memory_order_relaxed);
  rs_.subs_ready.fetch_add(1, std::memory_order_release);
}

void worker::send_sub_request(conn& c) {
  std::string path = expand(opt_.sub_path, c.channel);
  if (opt_.kind == transport::lp && opt_.lp == lp_style::triplex && !c.cursor.empty()) {
    path += path.find('?') == std::string::npos ? "?cursor=" : "&cursor=";
    path += c.cursor;
  }
  scratch_.clear();
  scratch_ += "GET ";
  scratch_ += path;
  scratch_ += " HTTP/1.1\r\nHost: ";
  scratch_ += host_header_;
  scratch_ += "\r\n";
  if (opt_.kind == transport::ws) {
    scratch_ += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
    scratch_ += ws_key;
    scratch_ += "\r\nSec-WebSocket-Version: 13\r\n";
  } else if (opt_.kind == transport::sse) {
    scratch_ += "Accept: text/event-stream\r\nCache-Control: no-cache\r\n";
  } else if (opt_.lp == lp_style::nchan) {
    if (!c.last_modified.empty()) scratch_ += "If-Modified-Since: " + c.last_modified + "\r\n";
    if (!c.etag.empty()) scratch_ += "If-None-Match: " + c.etag + "\r\n";
  }
  scratch_ += "\r\n";
  c.state = conn_state::head;
  send(c, scratch_);
  if (opt_.kind == transport::lp) mark_ready(c, now_ns());
}

}  // namespace loadgen
