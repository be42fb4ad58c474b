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

void worker::publish_on(conn& c, std::uint64_t now) {
  std::uint32_t ch = 0;
  if (opt_.channel_each) {
    ch = next_channel_;
    next_channel_ = (next_channel_ + 1) % static_cast<std::uint32_t>(rs_.channels.size());
  }
  std::uint64_t seq = next_seq_[ch]++;
  std::string marker = "{\"seq\":" + std::to_string(seq) + ",\"ts\":" + std::to_string(now);
  if (opt_.payload > 0)
    marker += ",\"pad\":\"" + std::string(static_cast<std::size_t>(opt_.payload), 'x') + "\"";
  marker += "}";
  std::string body;
  if (opt_.format == pub_format::triplex) {
    body = "{\"channel\":\"" + rs_.channels[ch] + "\",\"data\":" + marker + "}";
  } else {
    body = std::move(marker);
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
  c.sent_ns = now;
  c.state = conn_state::head;
  owed_ += rs_.ready_on_channel[ch].load(std::memory_order_relaxed);
  ++stats_.pub_sent;
  ++in_flight_;
  rs_.pub_in_flight.store(in_flight_, std::memory_order_relaxed);
  send(c, scratch_);
}

void worker::on_publish_answer(conn& c, std::uint64_t now) {
  if (c.sent_ns == 0) return;
  stats_.pub_rtt.record(now - c.sent_ns);
  c.sent_ns = 0;
  --in_flight_;
  if (c.status >= 200 && c.status < 300) {
    ++stats_.pub_ok;
    acked_owed_ += rs_.ready_on_channel[c.channel].load(std::memory_order_relaxed);
    stats_.owed = acked_owed_;
    rs_.expected.store(acked_owed_, std::memory_order_relaxed);
  } else {
    ++stats_.pub_errors;
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
