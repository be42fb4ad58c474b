// A channel position: the epoch names one unbroken history of a channel, the offset counts
// durable publishes in it (the first message has offset 1, an empty channel is at 0).
#pragma once

#include <cstdint>
#include <string>

namespace triplex::core {

struct position {
  std::string epoch;
  std::uint64_t offset = 0;

  friend bool operator==(const position&, const position&) = default;
};

}  // namespace triplex::core
