// The publisher of worker 0: fixed rate or closed loop over keep-alive connections, one request
// in flight per connection. See worker.hpp.
#include <cstdio>
#include <string>

#include "proc_stats.hpp"
#include "worker.hpp"

namespace loadgen {

void worker::publish_tick(std::uint64_t now) {
  if (rs_.current_phase() != phase::publishing) return;
  std::uint64_t start = rs_.publish_start_ns.load(std::memory_order_relaxed);
  while (!idle_pubs_.empty() && stats_.pub_sent < static_cast<std::uint64_t>(opt_.max_publishes)) {
    if (opt_.rate > 0) {
      double due = static_cast<double>(now - start) * opt_.rate / 1e9;
      if (static_cast<double>(stats_.pub_sent) >= due) break;
      if (static_cast<double>(stats_.pub_sent) + 2 < due) ++stats_.pub_late;
    } else if (opt_.closed > 0) {
      if (in_flight_ >= static_cast<std::uint64_t>(opt_.closed) || !window_open()) break;
    } else {
      break;
    }
    conn* c = idle_pubs_.back();
    idle_pubs_.pop_back();
    publish_on(*c, now);
  }
  rs_.pub_in_flight.store(in_flight_, std::memory_order_relaxed);
}

// Closed loop: fewer than `window` messages published but not yet delivered to every
// subscriber of their channel (measured in messages: owed deliveries / subscribers per message).
bool worker::window_open() const {
  if (stats_.pub_sent == 0 || owed_ == 0) return true;
  std::uint64_t delivered = rs_.delivered_total();
  if (delivered >= owed_) return true;
  double per_message = static_cast<double>(owed_) / static_cast<double>(stats_.pub_sent);
  double behind = static_cast<double>(owed_ - delivered) / per_message;
  return behind < static_cast<double>(opt_.window);
}

// The channel of message k of a request whose first message goes to `first`.
std::uint32_t worker::channel_at(std::uint32_t first, std::uint32_t k) const {
  if (!opt_.channel_each) return first;
  return static_cast<std::uint32_t>((first + k) % rs_.channels.size());
}

// Appends the message's data: {"seq":N,"ts":T[,"pad":..]}.
void worker::append_marker(std::string& out, std::uint32_t ch, std::uint64_t now) {
  std::uint64_t seq = next_seq_[ch]++;
  out += "{\"seq\":" + std::to_string(seq) + ",\"ts\":" + std::to_string(now);
  if (opt_.payload > 0)
    out += ",\"pad\":\"" + std::string(static_cast<std::size_t>(opt_.payload), 'x') + "\"";
  out += "}";
}

void worker::publish_on(conn& c, std::uint64_t now) {
  std::uint32_t ch = 0;
  const std::uint32_t n = opt_.batch > 0 ? static_cast<std::uint32_t>(opt_.batch) : 1;
  if (opt_.channel_each) {
    ch = next_channel_;
    next_channel_ = channel_at(next_channel_, n);
  }
  std::string body;
  if (opt_.batch > 0) {
    body = "{\"commands\":[";
    for (std::uint32_t k = 0; k < n; ++k) {
      body += k ? ",{\"publish\":{\"channel\":\"" : "{\"publish\":{\"channel\":\"";
      body += rs_.channels[channel_at(ch, k)] + "\",\"data\":";
      append_marker(body, channel_at(ch, k), now);
      body += "}}";
    }
    body += "]}";
  } else if (opt_.format == pub_format::triplex) {
    body = "{\"channel\":\"" + rs_.channels[ch] + "\",\"data\":";
    append_marker(body, ch, now);
    body += "}";
  } else {
    append_marker(body, ch, now);
  }
  scratch_.clear();
  scratch_ += "POST ";
  scratch_ += expand(opt_.pub_path, ch);
  scratch_ += " HTTP/1.1\r\nHost: ";
  scratch_ += host_header_;
  scratch_ += "\r\nContent-Type: application/json\r\n";
  if (!opt_.api_key.empty()) scratch_ += "X-API-Key: " + opt_.api_key + "\r\n";
  scratch_ += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  scratch_ += body;
  c.channel = ch;
  c.batch = n;
  c.sent_ns = now;
  c.state = conn_state::head;
  for (std::uint32_t k = 0; k < n; ++k)
    owed_ += rs_.ready_on_channel[channel_at(ch, k)].load(std::memory_order_relaxed);
  stats_.pub_sent += n;
  ++in_flight_;
  rs_.pub_in_flight.store(in_flight_, std::memory_order_relaxed);
  send(c, scratch_);
}

void worker::on_publish_answer(conn& c, std::uint64_t now) {
  if (c.sent_ns == 0) return;
  stats_.pub_rtt.record(now - c.sent_ns);
  c.sent_ns = 0;
  --in_flight_;
  // A batch answer is 200 with one reply per message; any error reply fails the whole request
  // here (the run reports it), which the benchmark never expects.
  const bool ok = c.status >= 200 && c.status < 300 &&
                  (c.batch == 1 || c.body.find("\"error\"") == std::string::npos);
  if (ok) {
    stats_.pub_ok += c.batch;
    for (std::uint32_t k = 0; k < c.batch; ++k)
      acked_owed_ += rs_.ready_on_channel[channel_at(c.channel, k)].load(std::memory_order_relaxed);
    stats_.owed = acked_owed_;
    rs_.expected.store(acked_owed_, std::memory_order_relaxed);
  } else {
    stats_.pub_errors += c.batch;
    if (!reported_pub_error_) {
      reported_pub_error_ = true;
      std::fprintf(stderr, "triplex_loadgen: publish answered %d: %.200s\n", c.status,
                   c.body.c_str());
    }
  }
  c.state = conn_state::idle;
  idle_pubs_.push_back(&c);
  rs_.pub_in_flight.store(in_flight_, std::memory_order_relaxed);
}

}  // namespace loadgen
