// triplex: parse the configuration, build the server, run it, return its exit code.
#include <exception>
#include <iostream>

#include "config/config_loader.hpp"
#include "server/server.hpp"

int main(int argc, char** argv) {
  auto loaded = triplex::config::load(argc, argv, triplex::config::process_environment());
  if (auto* exit = std::get_if<triplex::config::early_exit>(&loaded)) {
    (exit->exit_code == 0 ? std::cout : std::cerr) << exit->message;
    return exit->exit_code;
  }
  try {
    triplex::server::server s(std::move(std::get<triplex::config::config>(loaded)));
    return s.run();
  } catch (const std::exception& e) {
    std::cerr << "triplex: cannot start: " << e.what() << "\n";
    return 1;
  }
}
