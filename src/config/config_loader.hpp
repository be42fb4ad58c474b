// Loads the configuration at start-up. Precedence, highest first: command-line flags,
// TRIPLEX_* environment variables, the TOML file (--config FILE or TRIPLEX_CONFIG), built-in
// defaults (config.hpp). `triplex --help` lists the flags and variables; docs/config.md every key.
//
// Threading: call once, from main, before any other thread starts (the process environment
// is read with getenv). No exception leaves load().
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.hpp"

namespace triplex::config {

// Looks up one environment variable by name; nullopt when it is not set. Variables set to the
// empty string count as not set.
using environment = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (std::getenv).
environment process_environment();

// Exit code for any configuration or usage error.
inline constexpr int exit_config_error = 2;

// load() did not produce a configuration: the process should print `message` (to stdout when
// exit_code is 0, i.e. --help or --version; to stderr otherwise) and exit with `exit_code`.
// On error, message reads "config error: <key>: <problem>" and ends with a newline.
struct early_exit {
  int exit_code = 0;
  std::string message;
};

using load_result = std::variant<config, early_exit>;

// Builds the configuration from the command line, `env` and the TOML file they name. On
// success every setting is checked, `threads` is >= 1 (0 became the number of cores) and
// `node_id` is set ("<hostname>-<pid>" unless configured). argv[0] is the program name.
load_result load(int argc, const char* const* argv, const environment& env) noexcept;

}  // namespace triplex::config
