// triplex: parse the configuration, build the server, run it, return its exit code.
#include <exception>
#include <iostream>

#include "config/config_loader.hpp"
#include "server/server.hpp"
#include "server/settings_from_config.hpp"

int main(int argc, char** argv) {
  auto loaded = triplex::config::load(argc, argv, triplex::config::process_environment());
  if (auto* exit = std::get_if<triplex::config::early_exit>(&loaded)) {
    (exit->exit_code == 0 ? std::cout : std::cerr) << exit->message;
    return exit->exit_code;
  }
  try {
    triplex::server::server s(std::move(std::get<triplex::config::config>(loaded)));
    return s.run();
  } catch (const triplex::server::config_error& e) {
    std::cerr << "config error: " << e.what() << "\n";
    return triplex::config::exit_config_error;
  } catch (const std::exception& e) {
    std::cerr << "triplex: cannot start: " << e.what() << "\n";
    return 1;
  }
}
