// Client ids: 16 random hex characters naming one connection (presence `client`, `connect`).
#pragma once

#include <string>

namespace triplex::transport {

// Thread-safe (a generator per thread).
std::string new_client_id();

}  // namespace triplex::transport
