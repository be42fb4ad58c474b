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
      return msg->sse_event();
    case wire_part::sse_event_with_own_cursor:
      return msg->sse_event_with_own_cursor();
    case wire_part::envelope:
      return msg->envelope();
  }
  return {};
}

bool outbound_queue::coalesce(chunk& c) {
  if (!c.ephemeral() || c.msg->key.empty()) return false;
  for (std::size_t i = head_; i < waiting_.size(); ++i) {
    chunk& old = waiting_[i];
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
  for (std::size_t i = head_; i < waiting_.size() && bytes_ + need > limit_;) {
    if (waiting_[i].ephemeral()) {
      bytes_ -= waiting_[i].bytes().size();
      waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
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
  if (bytes_ + n > limit_ && !empty()) {
    if (c.ephemeral()) {
      ++dropped_out;
      return push_result::dropped;
    }
    dropped_out += evict_ephemeral(n);
    if (bytes_ + n > limit_) return push_result::overflow;
  }
  bytes_ += n;
  waiting_.push_back(std::move(c));
  return push_result::queued;
}

void outbound_queue::push_unbounded(chunk c) {
  bytes_ += c.bytes().size();
  waiting_.push_back(std::move(c));
}

bool outbound_queue::start_write(std::vector<std::string_view>& out, std::size_t max_chunks,
                                 std::size_t max_bytes) {
  out.clear();
  if (writing() || head_ == waiting_.size()) return false;
  std::size_t total = 0, end = head_;
  for (; end < waiting_.size(); ++end) {
    if (end - head_ == max_chunks || (end > head_ && total >= max_bytes)) break;
    total += waiting_[end].bytes().size();
  }
  if (head_ == 0 && end == waiting_.size()) {
    std::swap(writing_, waiting_);  // the common case: everything waiting goes out
  } else {
    // A backlog: take the front without shifting the rest (compacted once half is used up).
    auto first = waiting_.begin() + static_cast<std::ptrdiff_t>(head_);
    auto last = waiting_.begin() + static_cast<std::ptrdiff_t>(end);
    writing_.assign(std::make_move_iterator(first), std::make_move_iterator(last));
    head_ = end;
    if (head_ == waiting_.size()) {
      waiting_.clear();
      head_ = 0;
    } else if (head_ * 2 >= waiting_.size()) {
      waiting_.erase(waiting_.begin(), last);
      head_ = 0;
    }
  }
  for (const chunk& c : writing_)
    out.push_back(c.bytes());
  return true;
}

void outbound_queue::clear_pending() {
  for (std::size_t i = head_; i < waiting_.size(); ++i)
    bytes_ -= waiting_[i].bytes().size();
  waiting_.clear();
  head_ = 0;
}

void outbound_queue::finish_write() {
  for (const chunk& c : writing_)
    bytes_ -= c.bytes().size();
  writing_.clear();
  // A burst's storage is given back once the queue drains: idle connections hold none.
  if (head_ == waiting_.size() && writing_.capacity() > 16) writing_.shrink_to_fit();
  if (head_ == waiting_.size() && waiting_.capacity() > 16) {
    waiting_.clear();
    head_ = 0;
    waiting_.shrink_to_fit();
  }
}

}  // namespace triplex::transport
