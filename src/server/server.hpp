// The Triplex server: N workers, each a thread running its own io_context with its own hub
// (STYLE habit 4); one acceptor hands connections to the workers in turn; the broker links
// them. SIGTERM/SIGINT drain: stop accepting, close every connection the way its transport
// expects (WS 1001, SSE end, long-poll answered), let in-flight publishes finish, then return.
// Thread: construct and run() from main; everything else happens on the workers.
#pragma once

#include <memory>

#include "config/config.hpp"

namespace triplex::server {

class server {
 public:
  // Binds the listening socket; throws std::system_error when it cannot (start-up only).
  explicit server(config::config cfg);
  ~server();

  // Prints the listening line, serves until a signal drains the server, returns the exit code.
  int run();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace triplex::server
