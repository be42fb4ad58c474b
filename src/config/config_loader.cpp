#include "config/config_loader.hpp"

#include <unistd.h>

#include <toml++/toml.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

#include "config/toml_reader.hpp"
#include "config/validate.hpp"

#ifndef TRIPLEX_VERSION
#define TRIPLEX_VERSION "unknown"
#endif

namespace triplex::config {
namespace {

// A setting that both a flag and an environment variable may override.
struct overridable {
  std::string_view key;   // as written in the TOML file
  std::string_view flag;  // command-line flag
  std::string_view env;   // environment variable
  std::string_view value_name;
  std::string_view help;
  void (*apply)(config& c, const std::string& what, const std::string& value);
};

constexpr std::array<overridable, 6> overridables = {{
    {"listen", "--listen", "TRIPLEX_LISTEN", "HOST:PORT",
     "address to listen on, e.g. 0.0.0.0:8080 or [::]:8080; port 0 = any free port",
     [](config& c, const std::string& what, const std::string& v) {
       c.listen = listen_from_text(what, v);
     }},
    {"api_key", "--api-key", "TRIPLEX_API_KEY", "KEY",
     "key backends send as X-API-Key to the server API (/api/...)",
     [](config& c, const std::string&, const std::string& v) { c.api_key = v; }},
    {"threads", "--threads", "TRIPLEX_THREADS", "N", "worker threads, 0 = one per core (max 256)",
     [](config& c, const std::string& what, const std::string& v) {
       c.threads = static_cast<unsigned>(integer_from_text(what, v, threads_range));
     }},
    {"auth.jwt_secret", "--jwt-secret", "TRIPLEX_JWT_SECRET", "SECRET",
     "HS256 secret that client tokens are signed with",
     [](config& c, const std::string&, const std::string& v) { c.auth.jwt_secret = v; }},
    {"redis.url", "--redis", "TRIPLEX_REDIS", "URL",
     "Redis shared by all nodes, e.g. redis://127.0.0.1:6379 (default: in-memory, one node)",
     [](config& c, const std::string&, const std::string& v) { c.redis.url = v; }},
    {"static_dir", "--static-dir", "TRIPLEX_STATIC_DIR", "DIR",
     "directory of static files to serve (default: none)",
     [](config& c, const std::string&, const std::string& v) { c.static_dir = v; }},
}};

constexpr std::string_view config_flag = "--config";
constexpr std::string_view config_env = "TRIPLEX_CONFIG";

// What the command line said, before it is applied.
struct command_line {
  std::string config_file;
  CLI::Option* config_option = nullptr;
  std::array<std::string, overridables.size()> values;
  std::array<CLI::Option*, overridables.size()> options{};
  bool version = false;
};

std::string footer() {
  std::ostringstream out;
  out << "Environment variables (a flag wins over its variable, a variable over the file):\n";
  out << "  " << std::left << std::setw(22) << config_env << config_flag << "\n";
  for (const auto& o : overridables) {
    out << "  " << std::setw(22) << o.env << o.flag << "\n";
  }
  out << "Every other setting is a key of the TOML file; see docs/config.md.";
  return out.str();
}

void define_flags(CLI::App& app, command_line& cl) {
  cl.config_option = app.add_option(std::string(config_flag), cl.config_file,
                                    "TOML configuration file [env: TRIPLEX_CONFIG]");
  cl.config_option->type_name("FILE");
  for (std::size_t i = 0; i < overridables.size(); ++i) {
    const auto& o = overridables[i];
    const std::string help = std::string(o.help) + " [env: " + std::string(o.env) +
                             "; file: " + std::string(o.key) + "]";
    cl.options[i] = app.add_option(std::string(o.flag), cl.values[i], help);
    cl.options[i]->type_name(std::string(o.value_name));
  }
  app.add_flag("--version", cl.version, "print the version and exit");
  app.footer(footer());
}

std::optional<std::string> lookup(const environment& env, std::string_view name) {
  if (!env) return std::nullopt;
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

std::string read_whole_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path, ec)) {
    throw config_error(what + ": cannot read \"" + path + "\"");
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw config_error(what + ": cannot read \"" + path + "\"");
  return content.str();
}

// Reads the TOML file named by --config or TRIPLEX_CONFIG, if any, into `c`.
void read_config_file(const command_line& cl, const environment& env, config& c) {
  std::string what = "config (" + std::string(config_flag) + ")";
  std::optional<std::string> path;
  if (cl.config_option->count() > 0) {
    path = cl.config_file;
  } else if ((path = lookup(env, config_env))) {
    what = "config (" + std::string(config_env) + ")";
  }
  if (!path) return;
  const std::string text = read_whole_file(*path, what);
  try {
    read_toml(toml::parse(text, *path), c);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw config_error(*path + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                       ": invalid TOML: " + std::string(e.description()));
  }
}

void apply_overrides(const command_line& cl, const environment& env, config& c) {
  for (std::size_t i = 0; i < overridables.size(); ++i) {
    const auto& o = overridables[i];
    if (const auto value = lookup(env, o.env)) {
      o.apply(c, std::string(o.key) + " (" + std::string(o.env) + ")", *value);
    }
  }
  for (std::size_t i = 0; i < overridables.size(); ++i) {
    const auto& o = overridables[i];
    if (cl.options[i]->count() > 0) {
      o.apply(c, std::string(o.key) + " (" + std::string(o.flag) + ")", cl.values[i]);
    }
  }
}

std::string default_node_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "triplex");
  std::string id;
  for (const char* p = host; *p != '\0' && id.size() < 64; ++p) {
    const char ch = *p;
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
    id += ok ? ch : '-';
  }
  return id + "-" + std::to_string(::getpid());
}

void resolve(config& c) {
  if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
  c.threads = std::min(c.threads, static_cast<unsigned>(threads_range.max));
  if (c.node_id.empty()) c.node_id = default_node_id();
}

early_exit error(std::string_view message) {
  return early_exit{exit_config_error, "config error: " + std::string(message) + "\n"};
}

load_result load_checked(int argc, const char* const* argv, const environment& env) {
  CLI::App app("Triplex: real-time messaging over WebSocket, SSE and long-polling.", "triplex");
  command_line cl;
  define_flags(app, cl);
  try {
    std::vector<std::string> args;
    for (int i = argc - 1; i > 0; --i)
      args.emplace_back(argv[i]);  // CLI11 wants them reversed
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    return early_exit{0, app.help()};
  } catch (const CLI::ParseError& e) {
    return error(std::string(e.what()) + " (see triplex --help)");
  }
  if (cl.version) return early_exit{0, "triplex " TRIPLEX_VERSION "\n"};
  config c;
  read_config_file(cl, env, c);
  apply_overrides(cl, env, c);
  validate(c);
  resolve(c);
  return c;
}

}  // namespace

environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

load_result load(int argc, const char* const* argv, const environment& env) noexcept {
  try {
    return load_checked(argc, argv, env);
  } catch (const config_error& e) {
    return error(e.what());
  } catch (const std::exception& e) {
    return error(std::string("unexpected failure: ") + e.what());
  } catch (...) {
    return error("unexpected failure");
  }
}

}  // namespace triplex::config
