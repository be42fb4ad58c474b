// Command-line parsing of triplex_loadgen: see options.hpp.
#include "options.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace loadgen {

namespace {

constexpr const char* usage =
    R"(triplex_loadgen: subscribers and a publisher against a Triplex or nchan server.

  --target HOST:PORT       server address (loopback), required
  --preset triplex|nchan   URL and message-format defaults for that server (default triplex)
  --transport ws|sse|lp    subscriber transport (default ws)
  --subs N                 subscriber connections (default 100)
  --channels one|each      all subscribers on one channel, or one channel each (default one)
  --channel-prefix S       channel name prefix (default lg<pid>; names are S or S_<i>)
  --sub-path T             subscriber request target, {ch} = channel
  --ws-subscribe T         text frame sent after the WebSocket upgrade, {ch} = channel ("" = none)
  --lp-style triplex|nchan long-poll resume: cursor=... or If-Modified-Since/If-None-Match
  --pub-path T             publish request target, {ch} = channel
  --pub-format triplex|raw body {"channel":..,"data":{marker}} or the raw marker object
  --api-key K              X-API-Key header of publishes
  --rate R                 publish R messages/s (fixed rate)
  --closed K               closed loop: keep K publishes in flight ...
  --window W               ... and at most W messages published but not yet delivered (default 64)
  --pub-conns N            publisher keep-alive connections (default max(K, 2))
  --batch N                N messages per publish request, as one Triplex POST /api/batch
                           (closed loop; consecutive channels with --channels each)
  --max-publishes N        stop publishing after N messages (default 10000000)
  --payload N              padding bytes per message (default 0)
  --duration S             seconds of publishing; without --rate/--closed: seconds idle (default 5)
  --drain S                seconds to wait for late deliveries (default 3)
  --settle S               seconds between all-connected and publishing (default 0.5)
  --connect-timeout S      give up connecting after S seconds (default 60)
  --connect-parallel N     connection set-ups in progress per thread (default 64)
  --threads N              epoll threads per process (default 1)
  --procs N                forked processes sharing the subscribers (default 1): each has its
                           own open-files limit, for runs of more connections than one allows
  --server-pid P[,P..]     server processes whose CPU time and RSS are reported
  --source-ips A[,B..]     local addresses to spread connections over (e.g. 127.0.0.2,127.0.0.3)
  --label S                name of the run in the output
  --stragglers N           at the end, print up to N subscribers per thread that got fewer
                           messages than the best, with their state and resume position
  --self-test              check the load generator's own parsers (no server needed)
  --floor N                the machine's floor: CPU per delivery of a writer that only calls
                           send() on N loopback connections, 1/4/16 messages per send
)";

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    std::size_t p = s.find(sep);
    out.emplace_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

bool parse_target(std::string_view v, options& o) {
  std::size_t colon = v.rfind(':');
  if (colon == std::string_view::npos) return false;
  o.host = std::string(v.substr(0, colon));
  long port = std::strtol(std::string(v.substr(colon + 1)).c_str(), nullptr, 10);
  if (port <= 0 || port > 65535) return false;
  o.port = static_cast<std::uint16_t>(port);
  return true;
}

void apply_preset(options& o, bool nchan, const std::vector<bool>& set) {
  // set: sub_path, ws_subscribe, lp_style, pub_path, pub_format were given explicitly
  if (nchan) {
    if (!set[0]) o.sub_path = "/sub/{ch}";
    if (!set[1]) o.ws_subscribe.clear();
    if (!set[2]) o.lp = lp_style::nchan;
    if (!set[3]) o.pub_path = "/pub/{ch}";
    if (!set[4]) o.format = pub_format::raw;
    return;
  }
  if (!set[0]) {
    o.sub_path = o.kind == transport::ws    ? "/ws"
                 : o.kind == transport::sse ? "/sse?channel={ch}"
                                            : "/poll?channel={ch}&timeout=60";
  }
  if (!set[1]) o.ws_subscribe = R"({"op":"subscribe","id":1,"channel":"{ch}"})";
  if (!set[2]) o.lp = lp_style::triplex;
  if (!set[3]) o.pub_path = "/api/publish";
  if (!set[4]) o.format = pub_format::triplex;
}

}  // namespace

const char* transport_name(transport t) {
  return t == transport::ws ? "ws" : t == transport::sse ? "sse" : "lp";
}

std::optional<options> parse_options(int argc, char** argv, int& exit_code) {
  options o;
  std::vector<bool> set(5, false);
  bool nchan = false;
  exit_code = 2;
  for (int i = 1; i < argc; ++i) {
    std::string_view name = argv[i];
    if (name == "--help" || name == "-h") {
      std::fputs(usage, stdout);
      exit_code = 0;
      return std::nullopt;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "triplex_loadgen: %s needs a value (see --help)\n", argv[i]);
      return std::nullopt;
    }
    std::string v = argv[++i];
    bool ok = true;
    if (name == "--target")
      ok = parse_target(v, o);
    else if (name == "--preset") {
      nchan = v == "nchan";
      ok = nchan || v == "triplex";
    } else if (name == "--transport") {
      o.kind = v == "ws" ? transport::ws : v == "sse" ? transport::sse : transport::lp;
      ok = v == "ws" || v == "sse" || v == "lp";
    } else if (name == "--subs")
      o.subs = std::atoi(v.c_str());
    else if (name == "--channels") {
      o.channel_each = v == "each";
      ok = v == "each" || v == "one";
    } else if (name == "--channel-prefix")
      o.channel_prefix = v;
    else if (name == "--sub-path") {
      o.sub_path = v;
      set[0] = true;
    } else if (name == "--ws-subscribe") {
      o.ws_subscribe = v;
      set[1] = true;
    } else if (name == "--lp-style") {
      o.lp = v == "nchan" ? lp_style::nchan : lp_style::triplex;
      set[2] = true;
      ok = v == "nchan" || v == "triplex";
    } else if (name == "--pub-path") {
      o.pub_path = v;
      set[3] = true;
    } else if (name == "--pub-format") {
      o.format = v == "raw" ? pub_format::raw : pub_format::triplex;
      set[4] = true;
      ok = v == "raw" || v == "triplex";
    } else if (name == "--api-key")
      o.api_key = v;
    else if (name == "--rate")
      o.rate = std::atof(v.c_str());
    else if (name == "--closed")
      o.closed = std::atoi(v.c_str());
    else if (name == "--window")
      o.window = std::atoi(v.c_str());
    else if (name == "--pub-conns")
      o.pub_conns = std::atoi(v.c_str());
    else if (name == "--batch")
      o.batch = std::atoi(v.c_str());
    else if (name == "--max-publishes")
      o.max_publishes = std::atoll(v.c_str());
    else if (name == "--payload")
      o.payload = std::atoi(v.c_str());
    else if (name == "--duration")
      o.duration = std::atof(v.c_str());
    else if (name == "--drain")
      o.drain = std::atof(v.c_str());
    else if (name == "--settle")
      o.settle = std::atof(v.c_str());
    else if (name == "--connect-timeout")
      o.connect_timeout = std::atof(v.c_str());
    else if (name == "--connect-parallel")
      o.connect_parallel = std::atoi(v.c_str());
    else if (name == "--threads")
      o.threads = std::atoi(v.c_str());
    else if (name == "--procs")
      o.procs = std::atoi(v.c_str());
    else if (name == "--server-pid") {
      for (auto& p : split(v, ','))
        if (!p.empty()) o.server_pids.push_back(std::atoi(p.c_str()));
    } else if (name == "--source-ips")
      o.source_ips = split(v, ',');
    else if (name == "--stragglers")
      o.stragglers = std::atoi(v.c_str());
    else if (name == "--label")
      o.label = v;
    else {
      std::fprintf(stderr, "triplex_loadgen: unknown option %s (see --help)\n", argv[i - 1]);
      return std::nullopt;
    }
    if (!ok) {
      std::fprintf(stderr, "triplex_loadgen: bad value for %s: %s\n", argv[i - 1], v.c_str());
      return std::nullopt;
    }
  }
  if (o.port == 0) {
    std::fprintf(stderr, "triplex_loadgen: --target HOST:PORT is required\n");
    return std::nullopt;
  }
  if (o.subs < 0 || o.threads < 1 || o.procs < 1 || o.window < 1 || o.connect_parallel < 1 ||
      o.duration <= 0 || (o.rate > 0 && o.closed > 0) || o.closed < 0 || o.payload < 0 ||
      o.batch < 0 || (o.batch > 0 && (nchan || o.closed == 0))) {
    std::fprintf(stderr, "triplex_loadgen: inconsistent options (see --help)\n");
    return std::nullopt;
  }
  apply_preset(o, nchan, set);
  if (o.batch > 0 && !set[3]) o.pub_path = "/api/batch";
  if (o.channel_prefix.empty()) o.channel_prefix = "lg" + std::to_string(getpid());
  if (o.pub_conns <= 0) o.pub_conns = o.closed > 2 ? o.closed : 2;
  if (o.label.empty())
    o.label = std::string(nchan ? "nchan" : "triplex") + "-" + transport_name(o.kind);
  return o;
}

}  // namespace loadgen
