// Bounded outbound queue: see outbound_queue.hpp for the policy.
#include "transport/outbound_queue.hpp"

#include <algorithm>

namespace triplex::transport {

std::string_view chunk::bytes() const {
  switch (part) {
    case wire_part::own:
      return own;
    case wire_part::ws_frame:
      return msg->ws_frame;
    case wire_part::ws_frame_deflated:
      return msg->ws_frame_deflated();
    case wire_part::sse_event:
      return msg->sse_event;
    case wire_part::envelope:
      return msg->envelope();
  }
  return {};
}

bool outbound_queue::coalesce(chunk& c) {
  if (!c.ephemeral() || c.msg->key.empty()) return false;
  for (std::size_t i = in_flight_; i < chunks_.size(); ++i) {
    chunk& old = chunks_[i];
    if (old.ephemeral() && old.part == c.part && old.msg->key == c.msg->key &&
        old.msg->channel == c.msg->channel) {
      std::size_t after = bytes_ - old.bytes().size() + c.bytes().size();
      if (after > limit_) return false;  // the replacement does not fit: the push policy decides
      bytes_ = after;
      old = std::move(c);
      return true;
    }
  }
  return false;
}

std::size_t outbound_queue::evict_ephemeral(std::size_t need) {
  std::size_t evicted = 0;
  for (std::size_t i = in_flight_; i < chunks_.size() && bytes_ + need > limit_;) {
    if (chunks_[i].ephemeral()) {
      bytes_ -= chunks_[i].bytes().size();
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(i));
      ++evicted;
    } else {
      ++i;
    }
  }
  return evicted;
}

push_result outbound_queue::push(chunk c, std::size_t& dropped_out) {
  if (coalesce(c)) return push_result::queued;
  std::size_t n = c.bytes().size();
  // A single chunk larger than the whole limit still goes out when nothing else is queued:
  // the limit bounds a backlog, not the size of one message (that is max_message_size's job).
  if (bytes_ + n > limit_ && !chunks_.empty()) {
    if (c.ephemeral()) {
      ++dropped_out;
      return push_result::dropped;
    }
    dropped_out += evict_ephemeral(n);
    if (bytes_ + n > limit_) return push_result::overflow;
  }
  bytes_ += n;
  chunks_.push_back(std::move(c));
  return push_result::queued;
}

void outbound_queue::push_unbounded(chunk c) {
  bytes_ += c.bytes().size();
  chunks_.push_back(std::move(c));
}

bool outbound_queue::start_write(std::vector<std::string_view>& out, std::size_t max_chunks,
                                 std::size_t max_bytes) {
  out.clear();
  if (in_flight_ > 0 || chunks_.empty()) return false;
  std::size_t total = 0;
  for (const chunk& c : chunks_) {
    if (in_flight_ == max_chunks || (in_flight_ > 0 && total >= max_bytes)) break;
    std::string_view b = c.bytes();
    out.push_back(b);
    total += b.size();
    ++in_flight_;
  }
  return true;
}

void outbound_queue::clear_pending() {
  while (chunks_.size() > in_flight_) {
    bytes_ -= chunks_.back().bytes().size();
    chunks_.pop_back();
  }
}

void outbound_queue::finish_write() {
  for (; in_flight_ > 0; --in_flight_) {
    bytes_ -= chunks_.front().bytes().size();
    chunks_.pop_front();
  }
}

}  // namespace triplex::transport
