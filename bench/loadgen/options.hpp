// Command-line options of triplex_loadgen. `--help` prints them all with their defaults.
// Presets fill in the URL and message-format options for a target: `--preset triplex`
// (GET /ws + subscribe command, /sse?channel=, /poll?channel= with cursors, POST /api/publish
// with a JSON body) or `--preset nchan` (GET /sub/<channel> for every transport, POST
// /pub/<channel> with the raw body, long-poll resumed by If-Modified-Since/If-None-Match).
// Explicit options override the preset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace loadgen {

enum class transport { ws, sse, lp };
enum class pub_format { triplex, raw };
enum class lp_style { triplex, nchan };

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  transport kind = transport::ws;
  int subs = 100;
  bool channel_each = false;   // one channel per subscriber (else all on one channel)
  std::string channel_prefix;  // default: "lg<pid>"
  std::string sub_path;        // request target; "{ch}" is replaced by the channel name
  std::string ws_subscribe;    // text frame sent after the upgrade ("{ch}" replaced)
  lp_style lp = lp_style::triplex;
  std::string pub_path;  // "{ch}" replaced
  pub_format format = pub_format::triplex;
  std::string api_key;
  double rate = 0;    // fixed publish rate (messages/s)
  int closed = 0;     // closed loop: publishes in flight
  int window = 64;    // closed loop: messages published but not yet delivered to all
  int pub_conns = 0;  // publisher connections (default: closed, or 2)
  int batch = 0;      // messages per publish request (Triplex /api/batch); 0 = one, no batch
  long long max_publishes = 10'000'000;
  int payload = 0;      // padding bytes in each message
  double duration = 5;  // seconds of publishing (or of holding idle connections)
  double drain = 3;     // seconds to wait for the last deliveries
  double settle = 0.5;  // seconds between "all connected" and the first publish
  double connect_timeout = 60;
  int connect_parallel = 64;  // connections being set up at once, per thread
  int threads = 1;            // per process
  int procs = 1;              // processes (forked), each with its own open-files limit
  std::vector<int> server_pids;
  std::vector<std::string> source_ips;
  std::string label;
  int stragglers = 0;  // print up to N lagging subscribers per thread at the end
};

// Parses argv; prints a message and returns nullopt on --help or a bad option (`exit_code`
// tells which: 0 for help, 2 for an error).
std::optional<options> parse_options(int argc, char** argv, int& exit_code);

const char* transport_name(transport t);

}  // namespace loadgen
