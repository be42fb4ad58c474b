// Unit tests of configuration loading: defaults, precedence (flags > TRIPLEX_* > TOML file >
// defaults), value parsing, namespaces, and errors that name their key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "config/value_parsers.hpp"

namespace triplex::config {
namespace {

using namespace std::chrono_literals;

::testing::AssertionResult starts_with(const std::string& text, const std::string& prefix) {
  if (text.starts_with(prefix)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\"" << text << "\" does not start with \"" << prefix << "\"";
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess() << "\"" << text << "\" contains \"" << part << "\"";
  }
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

// Each test gets its own directory for TOML files and an injected environment.
class config_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("triplex_config_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` to <dir>/<name> and returns its path.
  std::string write_file(const std::string& text, const std::string& name = "triplex.toml") {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::string make_dir(const std::string& name) {
    std::filesystem::create_directories(dir_ / name);
    return (dir_ / name).string();
  }

  load_result run(std::vector<std::string> args) const {
    args.insert(args.begin(), "triplex");
    std::vector<const char*> argv;
    for (const auto& a : args)
      argv.push_back(a.c_str());
    argv.push_back(nullptr);
    const auto env_copy = env_;
    return load(static_cast<int>(args.size()), argv.data(),
                [env_copy](std::string_view name) -> std::optional<std::string> {
                  const auto it = env_copy.find(std::string(name));
                  if (it == env_copy.end()) return std::nullopt;
                  return it->second;
                });
  }

  // Loads and expects a configuration.
  config ok(const std::vector<std::string>& args = {}) const {
    auto result = run(args);
    if (const auto* e = std::get_if<early_exit>(&result)) {
      ADD_FAILURE() << "load failed with " << e->exit_code << ": " << e->message;
      return config{};
    }
    return std::get<config>(std::move(result));
  }

  // Loads and expects exit code 2; returns the message.
  std::string fails(const std::vector<std::string>& args) const {
    const auto result = run(args);
    const auto* e = std::get_if<early_exit>(&result);
    if (e == nullptr) {
      ADD_FAILURE() << "load succeeded";
      return {};
    }
    EXPECT_EQ(e->exit_code, 2);
    EXPECT_TRUE(starts_with(e->message, "config error: "));
    EXPECT_TRUE(e->message.ends_with("\n"));
    return e->message;
  }

  // Loads a TOML file with `text` and expects an error.
  std::string toml_fails(const std::string& text) { return fails({"--config", write_file(text)}); }

  config toml_ok(const std::string& text) { return ok({"--config", write_file(text)}); }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

class ConfigDefaults : public config_fixture {};
class ConfigPrecedence : public config_fixture {};
class ConfigErrors : public config_fixture {};
class ConfigNamespaces : public config_fixture {};
class ConfigCommandLine : public config_fixture {};
class ConfigFile : public config_fixture {};

// ---- defaults -------------------------------------------------------------------------------

TEST_F(ConfigDefaults, EveryKeyHasTheDocumentedDefault) {
  const config c = ok();
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 8080);
  EXPECT_EQ(c.api_key, "");
  EXPECT_TRUE(c.allowed_origins.empty());
  EXPECT_EQ(c.static_dir, "");
  EXPECT_EQ(c.http.max_header_bytes, 8192u);
  EXPECT_EQ(c.http.header_timeout, 10s);
  EXPECT_EQ(c.http.max_body_bytes, 65536u);
  EXPECT_EQ(c.http.idle_timeout, 60s);
  EXPECT_EQ(c.websocket.max_message_size, 65536u);
  EXPECT_EQ(c.websocket.ping_interval, 25s);
  EXPECT_EQ(c.websocket.pong_timeout, 10s);
  EXPECT_TRUE(c.websocket.compression);
  EXPECT_FALSE(c.websocket.echo_endpoint);
  EXPECT_EQ(c.sse.heartbeat, 15s);
  EXPECT_EQ(c.sse.retry, 2s);
  EXPECT_EQ(c.longpoll.timeout, 25s);
  EXPECT_EQ(c.longpoll.max_timeout, 120s);
  EXPECT_EQ(c.longpoll.batch_limit, 1000u);
  EXPECT_EQ(c.limits.outbound_queue_bytes, 1048576u);
  EXPECT_EQ(c.limits.max_subscriptions_per_connection, 128u);
  EXPECT_EQ(c.limits.max_connections, 10000u);
  EXPECT_EQ(c.auth.jwt_secret, "");
  EXPECT_EQ(c.auth.jwt_public_key, "");
  EXPECT_EQ(c.auth.leeway, 5s);
  EXPECT_EQ(c.redis.url, "");
  EXPECT_EQ(c.defaults.history_size, 100u);
  EXPECT_EQ(c.defaults.history_ttl, 5min);
  EXPECT_FALSE(c.defaults.presence);
  EXPECT_FALSE(c.defaults.join_leave);
  EXPECT_TRUE(c.defaults.anonymous_subscribe);
  EXPECT_FALSE(c.defaults.anonymous_publish);
  EXPECT_FALSE(c.defaults.client_publish);
  EXPECT_TRUE(c.namespaces.empty());
}

TEST_F(ConfigDefaults, ThreadsZeroMeansOnePerCore) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(ok().threads, cores);
  EXPECT_EQ(toml_ok("threads = 0").threads, cores);
  EXPECT_EQ(toml_ok("threads = 3").threads, 3u);
}

TEST_F(ConfigDefaults, NodeIdIsHostnameAndPidUnlessSet) {
  const config c = ok();
  EXPECT_TRUE(c.node_id.ends_with("-" + std::to_string(::getpid()))) << c.node_id;
  EXPECT_GT(c.node_id.size(), std::to_string(::getpid()).size() + 1);
  EXPECT_EQ(toml_ok("node_id = \"edge-1\"").node_id, "edge-1");
}

TEST_F(ConfigDefaults, EmptyFileKeepsDefaults) {
  const config c = toml_ok("# nothing here\n");
  EXPECT_EQ(c.listen.port, 8080);
  EXPECT_EQ(c.defaults, namespace_options{});
}

TEST_F(ConfigDefaults, NullEnvironmentIsAllowed) {
  const char* argv[] = {"triplex", nullptr};
  const auto result = load(1, argv, environment{});
  EXPECT_TRUE(std::holds_alternative<config>(result));
}

// ---- precedence -----------------------------------------------------------------------------

struct override_case {
  std::string toml_key;  // top-level line or "[table]\nkey"
  std::string env;
  std::string flag;
  std::string (*get)(const config&);
};

TEST_F(ConfigPrecedence, FlagBeatsEnvBeatsFileBeatsDefault) {
  const std::string d1 = make_dir("file"), d2 = make_dir("env"), d3 = make_dir("flag");
  const std::vector<std::pair<override_case, std::array<std::string, 4>>> cases = {
      {{"listen", "TRIPLEX_LISTEN", "--listen",
        [](const config& c) { return c.listen.to_string(); }},
       {"127.0.0.1:8080", "0.0.0.0:1", "0.0.0.0:2", "[::1]:3"}},
      {{"api_key", "TRIPLEX_API_KEY", "--api-key", [](const config& c) { return c.api_key; }},
       {"", "k-file", "k-env", "k-flag"}},
      {{"threads", "TRIPLEX_THREADS", "--threads",
        [](const config& c) { return std::to_string(c.threads); }},
       {std::to_string(std::max(1u, std::thread::hardware_concurrency())), "5", "6", "7"}},
      {{"[auth]\njwt_secret", "TRIPLEX_JWT_SECRET", "--jwt-secret",
        [](const config& c) { return c.auth.jwt_secret; }},
       {"", "s-file", "s-env", "s-flag"}},
      {{"[redis]\nurl", "TRIPLEX_REDIS", "--redis", [](const config& c) { return c.redis.url; }},
       {"", "redis://file:1", "redis://env:2", "redis://flag:3"}},
      {{"static_dir", "TRIPLEX_STATIC_DIR", "--static-dir",
        [](const config& c) { return c.static_dir; }},
       {"", d1, d2, d3}},
  };
  for (const auto& [k, values] : cases) {
    SCOPED_TRACE(k.flag);
    env_.clear();
    EXPECT_EQ(k.get(ok()), values[0]);
    const bool is_int = k.toml_key == "threads";
    const std::string file =
        write_file(k.toml_key + " = " + (is_int ? values[1] : "\"" + values[1] + "\"") + "\n");
    EXPECT_EQ(k.get(ok({"--config", file})), values[1]);
    env_[k.env] = values[2];
    EXPECT_EQ(k.get(ok({"--config", file})), values[2]);
    EXPECT_EQ(k.get(ok({"--config", file, k.flag, values[3]})), values[3]);
    EXPECT_EQ(k.get(ok({"--config", file, k.flag + "=" + values[3]})), values[3]);
    env_[k.env] = "";  // empty counts as unset
    EXPECT_EQ(k.get(ok({"--config", file})), values[1]);
  }
}

TEST_F(ConfigPrecedence, ConfigFlagBeatsConfigEnv) {
  const std::string a = write_file("api_key = \"from-a\"", "a.toml");
  const std::string b = write_file("api_key = \"from-b\"", "b.toml");
  env_["TRIPLEX_CONFIG"] = a;
  EXPECT_EQ(ok().api_key, "from-a");
  EXPECT_EQ(ok({"--config", b}).api_key, "from-b");
}

TEST_F(ConfigPrecedence, BadVariableFailsEvenWhenAFlagOverridesIt) {
  // Each source is checked as it is applied, so a bad variable is reported even then.
  env_["TRIPLEX_THREADS"] = "lots";
  EXPECT_TRUE(contains(fails({"--threads", "2"}), "threads (TRIPLEX_THREADS)"));
}

TEST_F(ConfigPrecedence, BadFileValueOverriddenByAFlagStillFails) {
  // A file must be valid on its own: errors in it are not hidden by later sources.
  EXPECT_TRUE(starts_with(fails({"--config", write_file("threads = 999"), "--threads", "2"}),
                          "config error: threads: "));
}

// ---- durations and listen addresses ---------------------------------------------------------

TEST(ConfigDuration, ParsesUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("15s"), 15s);
  EXPECT_EQ(parse_duration("5m"), 5min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("1h30m"), 90min);
  EXPECT_EQ(parse_duration("2m30s500ms"), 150500ms);
  EXPECT_EQ(parse_duration("1h0m1s"), 3601s);
  EXPECT_EQ(parse_duration("0s"), 0ms);
  EXPECT_EQ(parse_duration("007s"), 7s);
  EXPECT_EQ(parse_duration("9223372036854775807ms"), duration::max());
}

TEST(ConfigDuration, RejectsGarbageNegativesAndOverflow) {
  for (const char* bad : {"",
                          "15",
                          "s",
                          "-5s",
                          "+5s",
                          "1.5s",
                          " 5s",
                          "5s ",
                          "5 s",
                          "5S",
                          "5sec",
                          "1d",
                          "30m1h",
                          "5s5s",
                          "1m1m",
                          "5ms1s",
                          "h",
                          "1hm",
                          "9223372036854775808ms",
                          "9223372036854776s",
                          "2562047788015216h",
                          "2562047788015215h31m",
                          "99999999999999999999999h"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
  }
}

TEST(ConfigDuration, FormatsBackToTheShortestForm) {
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(0ms), "0s");
  EXPECT_EQ(format_duration(3600250ms), "1h250ms");
  for (const char* text : {"250ms", "15s", "5m", "1h", "1h30m", "2m30s500ms"}) {
    EXPECT_EQ(format_duration(*parse_duration(text)), text);
  }
}

TEST(ConfigListen, ParsesHostsAndPorts) {
  EXPECT_EQ(parse_listen("127.0.0.1:8080"), (listen_address{"127.0.0.1", 8080}));
  EXPECT_EQ(parse_listen("0.0.0.0:0"), (listen_address{"0.0.0.0", 0}));
  EXPECT_EQ(parse_listen("localhost:65535"), (listen_address{"localhost", 65535}));
  EXPECT_EQ(parse_listen("[::1]:8080"), (listen_address{"::1", 8080}));
  EXPECT_EQ(parse_listen("[::]:443"), (listen_address{"::", 443}));
  EXPECT_EQ(parse_listen("[fe80::1%eth0]:80"), (listen_address{"fe80::1%eth0", 80}));
  EXPECT_EQ(parse_listen("[::ffff:1.2.3.4]:1"), (listen_address{"::ffff:1.2.3.4", 1}));
}

TEST(ConfigListen, RejectsMalformedAddresses) {
  for (const char* bad :
       {"",         "8080",     ":8080",    "host",      "host:",     "host:65536", "host:-1",
        "host:+80", "host:80x", "::1:8080", "[::1]8080", "[::1]",     "[]:80",      "[host]:80",
        "[::1:80",  "::1]:80",  "ho st:80", "host/x:80", "[::1%]:80", "host:123456"}) {
    EXPECT_EQ(parse_listen(bad), std::nullopt) << bad;
  }
}

TEST(ConfigListen, PrintsIpv6InBrackets) {
  EXPECT_EQ((listen_address{"::1", 80}).to_string(), "[::1]:80");
  EXPECT_EQ((listen_address{"example.com", 0}).to_string(), "example.com:0");
}

TEST_F(ConfigFile, ReadsListenDurationsAndEveryTable) {
  const config c = toml_ok(R"(
listen = "[::1]:0"
threads = 2
api_key = "k"
allowed_origins = ["https://app.example.com", "http://localhost:3000"]
node_id = "n1"

[http]
max_header_bytes = 16384
header_timeout = "2s"
max_body_bytes = 1024
idle_timeout = "1m30s"

[websocket]
max_message_size = 1000
ping_interval = "500ms"
pong_timeout = "1h"
compression = false
echo_endpoint = true

[sse]
heartbeat = "3s"
retry = "100ms"

[longpoll]
timeout = "5s"
max_timeout = "10s"
batch_limit = 7

[limits]
outbound_queue_bytes = 4096
max_subscriptions_per_connection = 3
max_connections = 9

[delivery]
flush_interval = "10ms"

[auth]
jwt_secret = "s"
leeway = "0s"

[redis]
url = "redis://127.0.0.1:6379/0"
)");
  EXPECT_EQ(c.listen, (listen_address{"::1", 0}));
  EXPECT_EQ(c.threads, 2u);
  EXPECT_EQ(c.api_key, "k");
  EXPECT_EQ(c.allowed_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}));
  EXPECT_EQ(c.node_id, "n1");
  EXPECT_EQ(c.http.max_header_bytes, 16384u);
  EXPECT_EQ(c.http.header_timeout, 2s);
  EXPECT_EQ(c.http.max_body_bytes, 1024u);
  EXPECT_EQ(c.http.idle_timeout, 90s);
  EXPECT_EQ(c.websocket.max_message_size, 1000u);
  EXPECT_EQ(c.websocket.ping_interval, 500ms);
  EXPECT_EQ(c.websocket.pong_timeout, 1h);
  EXPECT_FALSE(c.websocket.compression);
  EXPECT_TRUE(c.websocket.echo_endpoint);
  EXPECT_EQ(c.sse.heartbeat, 3s);
  EXPECT_EQ(c.sse.retry, 100ms);
  EXPECT_EQ(c.longpoll.timeout, 5s);
  EXPECT_EQ(c.longpoll.max_timeout, 10s);
  EXPECT_EQ(c.longpoll.batch_limit, 7u);
  EXPECT_EQ(c.limits.outbound_queue_bytes, 4096u);
  EXPECT_EQ(c.limits.max_subscriptions_per_connection, 3u);
  EXPECT_EQ(c.limits.max_connections, 9u);
  EXPECT_EQ(c.delivery.flush_interval, 10ms);
  EXPECT_EQ(c.auth.jwt_secret, "s");
  EXPECT_EQ(c.auth.leeway, 0ms);
  EXPECT_EQ(c.redis.url, "redis://127.0.0.1:6379/0");
}

TEST_F(ConfigFile, ReadsPublicKeyPathAndStaticDir) {
  const std::string pem = write_file("-----BEGIN PUBLIC KEY-----\n", "key.pem");
  const std::string dir = make_dir("www");
  const config c =
      toml_ok("static_dir = \"" + dir + "\"\n[auth]\njwt_public_key = \"" + pem + "\"\n");
  EXPECT_EQ(c.auth.jwt_public_key, pem);
  EXPECT_EQ(c.static_dir, dir);
}

TEST_F(ConfigFile, AnyOriginAndEmptyListAreAccepted) {
  EXPECT_EQ(toml_ok("allowed_origins = [\"*\"]").allowed_origins, std::vector<std::string>{"*"});
  EXPECT_TRUE(toml_ok("allowed_origins = []").allowed_origins.empty());
}

// ---- namespaces -----------------------------------------------------------------------------

TEST_F(ConfigNamespaces, InheritEveryKeyFromDefaults) {
  const config c = toml_ok(R"(
[namespaces.doc]          # written before [defaults]: still inherits from it
presence = true
join_leave = true
client_publish = true

[namespaces.chat]
history_size = 0

[namespaces.empty]

[defaults]
history_size = 50
history_ttl = "1h"
anonymous_subscribe = false
)");
  namespace_options defaults;
  defaults.history_size = 50;
  defaults.history_ttl = 1h;
  defaults.anonymous_subscribe = false;
  EXPECT_EQ(c.defaults, defaults);

  namespace_options doc = defaults;
  doc.presence = doc.join_leave = doc.client_publish = true;
  EXPECT_EQ(c.namespaces.at("doc"), doc);

  namespace_options chat = defaults;
  chat.history_size = 0;
  EXPECT_EQ(c.namespaces.at("chat"), chat);
  EXPECT_EQ(c.namespaces.at("empty"), defaults);
}

TEST_F(ConfigNamespaces, OptionsForFallsBackToDefaults) {
  const config c = toml_ok("[namespaces.doc]\npresence = true\n");
  EXPECT_TRUE(c.options_for("doc").presence);
  EXPECT_EQ(&c.options_for("other"), &c.defaults);
  EXPECT_EQ(&c.options_for(""), &c.defaults);
  EXPECT_TRUE(c.options_for_channel("doc:42").presence);
  EXPECT_TRUE(c.options_for_channel("doc:a:b").presence);
  EXPECT_EQ(&c.options_for_channel("doc"), &c.defaults);  // no ':': default namespace
  EXPECT_EQ(&c.options_for_channel("docs:1"), &c.defaults);
  EXPECT_EQ(&c.options_for_channel("notify#alice"), &c.defaults);
}

TEST_F(ConfigNamespaces, NamesMayUseChannelCharacters) {
  const config c = toml_ok("[namespaces.\"a.b-c_d@e/f=g+h\"]\npresence = true\n");
  EXPECT_TRUE(c.options_for_channel("a.b-c_d@e/f=g+h:1").presence);
}

// ---- errors name their key ------------------------------------------------------------------

TEST_F(ConfigErrors, EveryBadValueNamesItsKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"listen = \"nope\"", "listen: expected HOST:PORT"},
      {"listen = 8080", "listen: expected a string"},
      {"listen = \"[::1]:70000\"", "listen: "},
      {"threads = 257", "threads: expected an integer from 0 to 256, got 257"},
      {"threads = -1", "threads: "},
      {"threads = \"4\"", "threads: expected an integer from 0 to 256, got a string"},
      {"api_key = 5", "api_key: expected a string, got an integer"},
      {"node_id = \"a b\"", "node_id: "},
      {"node_id = 1", "node_id: "},
      {"static_dir = \"/nonexistent/triplex\"", "static_dir: "},
      {"static_dir = true", "static_dir: "},
      {"allowed_origins = \"*\"", "allowed_origins: expected an array of strings"},
      {"allowed_origins = [1]", "allowed_origins[0]: expected a string"},
      {"allowed_origins = [\"*\", \"https://a.example/\"]", "allowed_origins[1]: "},
      {"allowed_origins = [\"example.com\"]", "allowed_origins[0]: "},
      {"[http]\nmax_header_bytes = 10", "http.max_header_bytes: "},
      {"[http]\nheader_timeout = \"10\"", "http.header_timeout: expected a duration"},
      {"[http]\nmax_body_bytes = 0", "http.max_body_bytes: expected a positive integer"},
      {"[http]\nidle_timeout = \"-5s\"", "http.idle_timeout: "},
      {"[websocket]\nmax_message_size = -1",
       "websocket.max_message_size: expected a positive integer"},
      {"[websocket]\nmax_message_size = 1.5",
       "websocket.max_message_size: expected a positive integer up to 67108864, got a float"},
      {"[websocket]\nmax_message_size = 67108865", "websocket.max_message_size: "},
      {"[websocket]\nping_interval = \"0s\"", "websocket.ping_interval: "},
      {"[websocket]\npong_timeout = 10", "websocket.pong_timeout: "},
      {"[websocket]\ncompression = \"yes\"", "websocket.compression: expected true or false"},
      {"[websocket]\necho_endpoint = 1", "websocket.echo_endpoint: "},
      {"[sse]\nheartbeat = \"1x\"", "sse.heartbeat: "},
      {"[sse]\nretry = \"\"", "sse.retry: "},
      {"[longpoll]\ntimeout = \"200s\"", "longpoll.timeout: "},
      {"[longpoll]\nmax_timeout = \"forever\"", "longpoll.max_timeout: "},
      {"[longpoll]\nbatch_limit = 0", "longpoll.batch_limit: "},
      {"[limits]\noutbound_queue_bytes = -5", "limits.outbound_queue_bytes: "},
      {"[limits]\nmax_subscriptions_per_connection = 0",
       "limits.max_subscriptions_per_connection: "},
      {"[limits]\nmax_connections = 100000000", "limits.max_connections: "},
      {"[auth]\njwt_secret = 1", "auth.jwt_secret: "},
      {"[auth]\njwt_public_key = \"/nonexistent/key.pem\"", "auth.jwt_public_key: "},
      {"[auth]\nleeway = \"5\"", "auth.leeway: "},
      {"[auth]\nleeway = \"9000h\"", "auth.leeway: "},
      {"[delivery]\nflush_interval = \"2s\"", "delivery.flush_interval: "},
      {"[redis]\nurl = \"http://x\"", "redis.url: "},
      {"[redis]\nurl = 6379", "redis.url: "},
      {"[defaults]\nhistory_size = 1000001", "defaults.history_size: "},
      {"[defaults]\nhistory_size = -1", "defaults.history_size: "},
      {"[defaults]\nhistory_ttl = \"0s\"", "defaults.history_ttl: "},
      {"[defaults]\npresence = \"true\"", "defaults.presence: "},
      {"[namespaces.doc]\nhistory_size = -1", "namespaces.doc.history_size: "},
      {"[namespaces.doc]\nanonymous_publish = 0", "namespaces.doc.anonymous_publish: "},
      {"[namespaces.\"a:b\"]\npresence = true", "namespaces.a:b: "},
      {"[namespaces.\"u#x\"]", "namespaces.u#x: "},
      {"[namespaces.\"\"]", "namespaces.: "},
      {"namespaces = 3", "namespaces: expected a table, got an integer"},
      {"[namespaces]\ndoc = 3", "namespaces.doc: expected a table"},
      {"websocket = 5", "websocket: expected a table"},
      {"defaults = []", "defaults: expected a table, got an array"},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_TRUE(starts_with(toml_fails(text), "config error: " + want)) << text;
  }
}

TEST_F(ConfigErrors, UnknownKeysAnywhereAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bogus = 1", "unknown key \"bogus\""},
      {"[bogus]", "unknown key \"bogus\""},
      {"[limits]\nfoo = 1", "unknown key \"limits.foo\""},
      {"[websocket.inner]\nx = 1", "unknown key \"websocket.inner\""},
      {"[namespaces.doc]\ncolour = \"red\"", "unknown key \"namespaces.doc.colour\""},
      {"[defaults]\nhistory = 5", "unknown key \"defaults.history\""},
      {"[redis]\nhost = \"x\"", "unknown key \"redis.host\""},
      {"[auth]\njwt_secrets = \"x\"", "unknown key \"auth.jwt_secrets\""},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_TRUE(starts_with(toml_fails(text), "config error: " + want)) << text;
  }
}

TEST_F(ConfigErrors, MessagesPointAtTheLine) {
  const std::string path = write_file("api_key = \"k\"\n\n[limits]\nmax_connections = 0\n");
  EXPECT_TRUE(contains(fails({"--config", path}), path + ":4:"));
}

TEST_F(ConfigErrors, InvalidTomlIsReportedWithItsPosition) {
  const std::string path = write_file("listen = \n");
  const std::string message = fails({"--config", path});
  EXPECT_TRUE(contains(message, path + ":1:"));
  EXPECT_TRUE(contains(message, "invalid TOML"));
  EXPECT_TRUE(contains(toml_fails("[a]\n[a]\n"), "invalid TOML"));
}

TEST_F(ConfigErrors, MissingConfigFileNamesItsSource) {
  EXPECT_TRUE(starts_with(fails({"--config", (dir_ / "absent.toml").string()}),
                          "config error: config (--config): cannot read"));
  env_["TRIPLEX_CONFIG"] = (dir_ / "absent.toml").string();
  EXPECT_TRUE(starts_with(fails({}), "config error: config (TRIPLEX_CONFIG): cannot read"));
  EXPECT_TRUE(contains(fails({"--config", dir_.string()}), "cannot read"));
}

TEST_F(ConfigErrors, BadEnvironmentValuesNameKeyAndVariable) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"TRIPLEX_THREADS", "many", "threads (TRIPLEX_THREADS): expected an integer from 0 to 256"},
      {"TRIPLEX_THREADS", "300", "threads (TRIPLEX_THREADS): "},
      {"TRIPLEX_THREADS", "-1", "threads (TRIPLEX_THREADS): "},
      {"TRIPLEX_LISTEN", "8080", "listen (TRIPLEX_LISTEN): expected HOST:PORT"},
      {"TRIPLEX_REDIS", "localhost:6379", "redis.url: "},
      {"TRIPLEX_STATIC_DIR", "/nonexistent/www", "static_dir: "},
  };
  for (const auto& [name, value, want] : cases) {
    env_.clear();
    env_[name] = value;
    EXPECT_TRUE(starts_with(fails({}), "config error: " + want)) << name << "=" << value;
  }
}

TEST_F(ConfigErrors, BadFlagValuesNameKeyAndFlag) {
  EXPECT_TRUE(starts_with(fails({"--threads", "x"}), "config error: threads (--threads): "));
  EXPECT_TRUE(starts_with(fails({"--threads=257"}), "config error: threads (--threads): "));
  EXPECT_TRUE(starts_with(fails({"--listen", "[::1]"}),
                          "config error: listen (--listen): expected HOST:PORT"));
  EXPECT_TRUE(starts_with(fails({"--redis", "nope"}), "config error: redis.url: "));
}

TEST_F(ConfigErrors, SecretsAreNotEchoed) {
  EXPECT_FALSE(contains(fails({"--redis", "http://user:hunter2@x"}), "hunter2"));
}

// ---- command line ---------------------------------------------------------------------------

TEST_F(ConfigCommandLine, HelpListsFlagsAndVariablesAndExitsZero) {
  for (const char* flag : {"--help", "-h"}) {
    const auto result = run({flag});
    const auto* e = std::get_if<early_exit>(&result);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->exit_code, 0);
    for (const char* item :
         {"--listen", "--config", "--api-key", "--threads", "--jwt-secret", "--redis",
          "--static-dir", "--version", "TRIPLEX_LISTEN", "TRIPLEX_CONFIG", "TRIPLEX_API_KEY",
          "TRIPLEX_THREADS", "TRIPLEX_JWT_SECRET", "TRIPLEX_REDIS", "TRIPLEX_STATIC_DIR"}) {
      EXPECT_TRUE(contains(e->message, item));
    }
    EXPECT_TRUE(e->message.ends_with("\n"));
  }
}

TEST_F(ConfigCommandLine, HelpWinsOverOtherFlags) {
  const auto result = run({"--threads", "4", "--help"});
  ASSERT_TRUE(std::holds_alternative<early_exit>(result));
  EXPECT_EQ(std::get<early_exit>(result).exit_code, 0);
}

TEST_F(ConfigCommandLine, VersionExitsZero) {
  const auto result = run({"--version"});
  const auto* e = std::get_if<early_exit>(&result);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_TRUE(starts_with(e->message, "triplex "));
}

TEST_F(ConfigCommandLine, UsageErrorsExitTwo) {
  EXPECT_TRUE(contains(fails({"--bogus"}), "--bogus"));
  EXPECT_TRUE(contains(fails({"stray"}), "stray"));
  EXPECT_TRUE(contains(fails({"--threads"}), "--threads"));
  EXPECT_TRUE(contains(fails({"--threads", "1", "--threads", "2"}), "--threads"));
}

TEST_F(ConfigCommandLine, NoArgumentsAtAll) {
  const char* argv[] = {nullptr};
  EXPECT_TRUE(std::holds_alternative<config>(load(0, argv, environment{})));
}

}  // namespace
}  // namespace triplex::config
