// A token bucket: `rate` tokens per second, holding at most `burst`. Pure: the caller passes
// the time. Not thread-safe (one per connection).
#pragma once

#include <algorithm>
#include <chrono>

namespace triplex::core {

class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  // rate 0 = unlimited.
  token_bucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  // Takes one token if there is one.
  bool try_take(clock::time_point now) {
    if (rate_ <= 0) return true;
    double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_{};
};

}  // namespace triplex::core
