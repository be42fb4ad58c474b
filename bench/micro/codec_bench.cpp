// Micro-benchmarks of the sans-I/O codecs on the delivery path: WebSocket frame headers and
// whole frames, the ws_reader fed a stream of masked client frames, SSE event blocks and id
// lines, and cursors. Built as part of micro_bench (not run by the test command):
//   build-bench/micro_bench --benchmark_filter=ws_
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/cursor.hpp"
#include "protocol/sse.hpp"
#include "protocol/ws_frame.hpp"
#include "protocol/ws_reader.hpp"

namespace {

namespace ws = triplex::protocol::ws;
using triplex::protocol::cursor_entry;

// A typical message envelope of `data_size` bytes of data.
std::string envelope(std::size_t data_size) {
  return R"({"type":"message","channel":"doc:42","epoch":"Xq3","offset":17,"data":{"text":")" +
         std::string(data_size, 'x') + "\"}}";
}

void ws_encode_header(benchmark::State& state) {
  auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    auto h = ws::encode_header(ws::opcode::text, n);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(ws_encode_header)->Arg(100)->Arg(1000)->Arg(70000);

void ws_encode_frame(benchmark::State& state) {
  std::string payload = envelope(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string f = ws::encode_frame(ws::opcode::text, payload);
    benchmark::DoNotOptimize(f.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(ws_encode_frame)->Arg(16)->Arg(1000)->Arg(16000);

// A masked client text frame, as a browser sends it.
std::string client_frame(const std::string& payload) {
  std::string f;
  f.push_back(static_cast<char>(0x81));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xFF));
  }
  const std::uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return f;
}

class counting_handler final : public ws::ws_reader::handler {
 public:
  void on_message(ws::message_type, std::string& payload, bool) override {
    bytes += payload.size();
  }
  void on_ping(std::string_view) override {}
  void on_pong(std::string_view) override {}
  void on_close(std::uint16_t, std::string_view) override {}
  void on_error(triplex::core::close_code, std::string_view) override { ++errors; }
  std::size_t bytes = 0;
  std::size_t errors = 0;
};

// Feeds 64 frames at a time (one read's worth) to one reader.
void ws_reader_feed(benchmark::State& state) {
  std::string payload = R"({"op":"publish","id":7,"channel":"doc:42","data":{"text":")" +
                        std::string(static_cast<std::size_t>(state.range(0)), 'y') + "\"}}";
  std::string frame = client_frame(payload);
  std::string batch;
  for (int i = 0; i < 64; ++i)
    batch += frame;
  ws::ws_reader reader(1 << 20);
  counting_handler h;
  for (auto _ : state) {
    reader.feed(batch, h);
  }
  if (h.errors) state.SkipWithError("reader reported an error");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 64));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(ws_reader_feed)->Arg(16)->Arg(1000);

void sse_event_encode(benchmark::State& state) {
  std::string env = envelope(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string e = triplex::protocol::sse_event("message", env);
    benchmark::DoNotOptimize(e.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * env.size()));
}
BENCHMARK(sse_event_encode)->Arg(16)->Arg(1000)->Arg(16000);

std::vector<cursor_entry> entries(std::size_t n) {
  std::vector<cursor_entry> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({"doc:" + std::to_string(i), {"Xq3Zk1", 1000 + i}});
  return out;
}

// What an SSE stream does per delivered durable message: the cursor and its id line.
void sse_cursor_id_line(benchmark::State& state) {
  auto e = entries(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string line = triplex::protocol::sse_id_line(triplex::protocol::encode_cursor(e));
    benchmark::DoNotOptimize(line.data());
  }
}
BENCHMARK(sse_cursor_id_line)->Arg(1)->Arg(4)->Arg(32);

void cursor_encode(benchmark::State& state) {
  auto e = entries(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string c = triplex::protocol::encode_cursor(e);
    benchmark::DoNotOptimize(c.data());
  }
}
BENCHMARK(cursor_encode)->Arg(1)->Arg(4)->Arg(32);

void cursor_decode(benchmark::State& state) {
  std::string c =
      triplex::protocol::encode_cursor(entries(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    auto r = triplex::protocol::decode_cursor(c);
    if (!r.ok()) state.SkipWithError("cursor refused");
    benchmark::DoNotOptimize(r.entries.data());
  }
}
BENCHMARK(cursor_decode)->Arg(1)->Arg(4)->Arg(32);

}  // namespace
