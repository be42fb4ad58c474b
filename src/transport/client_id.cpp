// Client ids: see client_id.hpp.
#include "transport/client_id.hpp"

#include <random>

namespace triplex::transport {

std::string new_client_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(16, '0');
  std::uint64_t bits = rng();
  for (char& c : id) {
    c = hex[bits & 15];
    bits >>= 4;
  }
  return id;
}

}  // namespace triplex::transport
