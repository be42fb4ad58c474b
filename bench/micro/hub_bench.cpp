// Micro-benchmark of the worker hub's fan-out: one message handed to N dummy subscribers of a
// channel (the per-delivery cost before any queueing or I/O), and the cost of encoding the
// message once for every wire format (broker::make_message). Built into micro_bench.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "broker/message.hpp"
#include "transport/hub.hpp"
#include "transport/subscriber.hpp"

namespace {

using triplex::broker::message_ptr;

// Keeps a reference to the last message and counts bytes, like a queue push would.
class dummy_subscriber final : public triplex::transport::subscriber {
 public:
  void on_event(const message_ptr& msg) override {
    last_ = msg;
    bytes_ += msg->ws_frame.size();
  }
  std::size_t bytes() const { return bytes_; }

 private:
  message_ptr last_;
  std::size_t bytes_ = 0;
};

void hub_fanout(benchmark::State& state) {
  auto n = static_cast<std::size_t>(state.range(0));
  triplex::transport::hub h(nullptr);
  std::vector<dummy_subscriber> subs(n);
  for (auto& s : subs)
    h.add("doc:42", &s);
  auto msg = triplex::broker::make_message("doc:42", {"Xq3", 17}, false, "", R"({"text":"hello"})");
  for (auto _ : state) {
    h.deliver(msg);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(hub_fanout)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000);

// Many channels with one subscriber each: the per-message lookup cost.
void hub_many_channels(benchmark::State& state) {
  auto n = static_cast<std::size_t>(state.range(0));
  triplex::transport::hub h(nullptr);
  std::vector<dummy_subscriber> subs(n);
  std::vector<message_ptr> msgs;
  for (std::size_t i = 0; i < n; ++i) {
    std::string ch = "room:" + std::to_string(i);
    h.add(ch, &subs[i]);
    msgs.push_back(triplex::broker::make_message(ch, {"Xq3", 1}, false, "", "1"));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    h.deliver(msgs[i]);
    i = i + 1 == n ? 0 : i + 1;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(hub_many_channels)->Arg(5000);

void make_message_encode(benchmark::State& state) {
  std::string data =
      "{\"text\":\"" + std::string(static_cast<std::size_t>(state.range(0)), 'x') + "\"}";
  for (auto _ : state) {
    auto m = triplex::broker::make_message("doc:42", {"Xq3", 17}, false, "", data);
    benchmark::DoNotOptimize(m.get());
  }
}
BENCHMARK(make_message_encode)->Arg(16)->Arg(1000);

}  // namespace
