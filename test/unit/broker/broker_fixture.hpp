// The fixture of the broker conformance suite (STYLE habit 9): every implementation of
// triplex::broker::broker must pass broker_conformance_test.cpp. The fixture runs N real
// workers, each an io_context on its own std::thread with a recording delivery sink, and offers
// blocking helpers that make one broker call on a worker's thread and wait (bounded by
// `wait_limit`) for its handler, checking that the handler ran on that worker and not inline.
//
// Adding an implementation is one line (see the end of broker_conformance_test.cpp):
//
//   INSTANTIATE_TEST_SUITE_P(Redis, BrokerConformance,
//                            ::testing::ValuesIn(with_worker_counts(redis_impl())), param_name);
//
// where redis_impl() returns a broker_impl whose `make` builds a broker over empty storage.
//
// Assumption beyond broker.hpp, shared by every implementation: calls made by one worker on
// one channel take effect in call order (an unsubscribe is applied before a later publish of
// the same worker on that channel is).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/broker.hpp"
#include "broker/message.hpp"
#include "core/position.hpp"
#include "core/presence_table.hpp"

namespace triplex::broker_test {

using namespace std::chrono_literals;
using broker::message_ptr;
using broker::worker_id;
using core::position;

// Every wait of the suite is bounded by this, so that a bug fails a test instead of hanging it.
inline constexpr std::chrono::seconds wait_limit{5};

// History limits applied to every channel of a broker under test.
struct history_options {
  std::size_t size = 100;
  std::chrono::milliseconds ttl{600000};
};

// How to build one implementation: a fresh broker, over empty storage, whose worker i posts
// to executors[i] and delivers to sinks[i].
struct broker_impl {
  std::string name;
  std::function<std::unique_ptr<broker::broker>(std::vector<boost::asio::any_io_executor>,
                                                std::vector<broker::delivery_sink*>,
                                                history_options)>
      make;
};

struct conformance_param {
  broker_impl impl;
  unsigned workers = 1;
};

// The suite runs every implementation with one worker and with three.
inline std::vector<conformance_param> with_worker_counts(const broker_impl& impl) {
  return {conformance_param{impl, 1}, conformance_param{impl, 3}};
}

// Makes gtest name the parameter instead of dumping its bytes.
inline void PrintTo(const conformance_param& p, std::ostream* os) {
  *os << p.impl.name << " broker, " << p.workers << " workers";
}

inline std::string param_name(const ::testing::TestParamInfo<conformance_param>& info) {
  return info.param.impl.name + "_" + std::to_string(info.param.workers) + "workers";
}

// What a worker saw, in the order it saw it: deliveries and the answers of subscribe calls.
struct logged_event {
  enum class what { delivered, subscribed } kind = what::delivered;
  std::string channel;
  message_ptr msg;  // delivered only
  std::thread::id thread;
};

// The delivery sink of one worker. deliver() runs on the worker; the test thread reads the
// log under the mutex and waits on the condition variable (bounded), never by sleeping.
class recording_sink final : public broker::delivery_sink {
 public:
  void deliver(const message_ptr& msg) override {
    record(
        logged_event{logged_event::what::delivered, msg->channel, msg, std::this_thread::get_id()});
  }

  void mark_subscribed(const std::string& channel) {
    record(
        logged_event{logged_event::what::subscribed, channel, nullptr, std::this_thread::get_id()});
  }

  std::vector<logged_event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

  // Deliveries of `channel`, in arrival order.
  std::vector<message_ptr> deliveries(std::string_view channel) const {
    std::lock_guard lock(mu_);
    std::vector<message_ptr> out;
    for (const auto& e : events_)
      if (e.kind == logged_event::what::delivered && e.channel == channel) out.push_back(e.msg);
    return out;
  }

  // Waits until `n` deliveries of `channel` arrived; false on timeout.
  bool wait_for_deliveries(std::string_view channel, std::size_t n) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, wait_limit, [&] { return count_locked(channel) >= n; });
  }

 private:
  void record(logged_event e) {
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }

  std::size_t count_locked(std::string_view channel) const {
    std::size_t n = 0;
    for (const auto& e : events_)
      n += e.kind == logged_event::what::delivered && e.channel == channel;
    return n;
  }

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<logged_event> events_;
};

// One worker: an io_context run by its own thread until stop().
class test_worker {
 public:
  test_worker() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {
    thread_id_ = thread_.get_id();
  }
  ~test_worker() { stop(); }
  test_worker(const test_worker&) = delete;
  test_worker& operator=(const test_worker&) = delete;

  void stop() {
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  boost::asio::any_io_executor executor() { return io_.get_executor(); }
  std::thread::id thread_id() const { return thread_id_; }
  recording_sink& sink() { return sink_; }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  recording_sink sink_;
  std::thread::id thread_id_;
  std::thread thread_;
};

// What a handler received, where it ran, and whether it ran inside the broker call.
template <typename R>
struct answer {
  R value;
  std::thread::id thread;
  bool ran_inline = false;
};

class BrokerConformance : public ::testing::TestWithParam<conformance_param> {
 protected:
  void SetUp() override {
    for (unsigned i = 0; i < GetParam().workers; ++i)
      workers_.push_back(std::make_unique<test_worker>());
  }

  void TearDown() override {
    for (auto& w : workers_)
      w->stop();
    brokers_.clear();  // after the threads: no handler can run into a destroyed broker
  }

  unsigned worker_count() const { return static_cast<unsigned>(workers_.size()); }
  worker_id last_worker() const { return worker_count() - 1; }
  recording_sink& sink(worker_id w) { return workers_.at(w)->sink(); }

  // Builds a broker over the workers; the first one built is `b()`, the helpers below use it.
  // Later ones (another broker instance) share the workers' sinks: only publish through them.
  broker::broker& start(history_options opts = {}) {
    std::vector<boost::asio::any_io_executor> executors;
    std::vector<broker::delivery_sink*> sinks;
    for (auto& w : workers_) {
      executors.push_back(w->executor());
      sinks.push_back(&w->sink());
    }
    brokers_.push_back(GetParam().impl.make(std::move(executors), std::move(sinks), opts));
    return *brokers_.back();
  }

  broker::broker& b() { return *brokers_.at(0); }

  // Runs `f` on worker `w`'s thread; returns the future of its completion.
  std::future<void> run_on(worker_id w, std::function<void()> f) {
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    boost::asio::post(workers_.at(w)->executor(), [f = std::move(f), done] {
      f();
      done->set_value();
    });
    return fut;
  }

  template <typename T>
  static T wait(std::future<T>& f, const std::string& what) {
    if (f.wait_for(wait_limit) != std::future_status::ready)
      throw std::runtime_error("timed out waiting for " + what);
    return f.get();
  }

  // Makes `call(handler)` on worker `w` and waits for the handler; checks it ran on `w`,
  // after the call returned.
  template <typename R, typename Call>
  R call_on(worker_id w, const std::string& what, Call call) {
    auto done = std::make_shared<std::promise<answer<R>>>();
    auto fut = done->get_future();
    auto calling = std::make_shared<std::atomic<bool>>(false);
    boost::asio::post(workers_.at(w)->executor(), [call, done, calling]() mutable {
      calling->store(true);
      call([done, calling](R r) {
        done->set_value(answer<R>{std::move(r), std::this_thread::get_id(), calling->load()});
      });
      calling->store(false);
    });
    answer<R> a = wait(fut, what);
    EXPECT_EQ(a.thread, workers_.at(w)->thread_id()) << what << ": handler on another thread";
    EXPECT_FALSE(a.ran_inline) << what << ": handler ran inside the call";
    return std::move(a.value);
  }

  // The calls below capture their arguments by value: a call that times out may still run.
  broker::publish_result publish(worker_id w, const std::string& channel, const std::string& data,
                                 bool ephemeral = false, const std::string& key = {}) {
    broker::publish_request req{channel, data, ephemeral, key};
    return call_on<broker::publish_result>(
        w, "publish " + channel, [this, w, req](auto h) { b().publish(w, req, std::move(h)); });
  }

  // Publishes `n` durable messages {"n":1}..{"n":n}; returns the last result.
  broker::publish_result publish_n(worker_id w, const std::string& channel, int n) {
    broker::publish_result last;
    for (int i = 1; i <= n; ++i)
      last = publish(w, channel, R"({"n":)" + std::to_string(i) + "}");
    return last;
  }

  // Subscribes and records the answer in the worker's log (so deliveries can be ordered
  // against it).
  broker::subscribe_result subscribe(worker_id w, const std::string& channel,
                                     std::optional<position> since = std::nullopt) {
    recording_sink* s = &sink(w);
    return call_on<broker::subscribe_result>(
        w, "subscribe " + channel, [this, w, s, channel, since](auto h) {
          b().subscribe(w, channel, since, [s, channel, h](broker::subscribe_result r) {
            s->mark_subscribed(channel);
            h(std::move(r));
          });
        });
  }

  // Unsubscribes; waits until the call was made (it has no answer).
  void unsubscribe(worker_id w, const std::string& channel) {
    auto f = run_on(w, [this, w, channel] { b().unsubscribe(w, channel); });
    wait(f, "unsubscribe " + channel);
  }

  broker::history_result history(worker_id w, const std::string& channel,
                                 std::optional<position> since, std::size_t limit) {
    return call_on<broker::history_result>(w, "history " + channel,
                                           [this, w, channel, since, limit](auto h) {
                                             b().history(w, channel, since, limit, std::move(h));
                                           });
  }

  std::vector<broker::channel_info> channels(worker_id w, const std::string& pattern) {
    return call_on<std::vector<broker::channel_info>>(
        w, "channels " + pattern,
        [this, w, pattern](auto h) { b().channels(w, pattern, std::move(h)); });
  }

  // Joins/leaves presence; waits until the call was made (it has no answer).
  void join(worker_id w, const std::string& channel, core::presence_member m, bool announce) {
    auto f = run_on(w, [this, w, channel, m, announce] { b().join(w, channel, m, announce); });
    wait(f, "join " + channel);
  }

  void leave(worker_id w, const std::string& channel, const std::string& client, bool announce) {
    auto f = run_on(
        w, [this, w, channel, client, announce] { b().leave(w, channel, client, announce); });
    wait(f, "leave " + channel);
  }

  broker::presence_result presence(worker_id w, const std::string& channel, std::size_t max) {
    return call_on<broker::presence_result>(
        w, "presence " + channel,
        [this, w, channel, max](auto h) { b().presence(w, channel, max, std::move(h)); });
  }

  // Subscriber count of `channel` as channels() reports it from worker `w` (0 when absent).
  std::uint64_t subscribers_of(worker_id w, const std::string& channel) {
    for (const auto& ci : channels(w, channel))
      if (ci.channel == channel) return ci.subscribers;
    return 0;
  }

  // A round trip through the broker from every worker: deliveries the broker had already
  // sent when it answered have arrived once this returns.
  void settle() {
    for (worker_id w = 0; w < worker_count(); ++w)
      channels(w, "");
    for (worker_id w = 0; w < worker_count(); ++w)
      channels(w, "");
  }

  // Checks that every event of every worker's log ran on that worker's thread.
  void expect_sinks_on_their_threads() {
    for (worker_id w = 0; w < worker_count(); ++w)
      for (const auto& e : sink(w).events())
        EXPECT_EQ(e.thread, workers_[w]->thread_id()) << "worker " << w << ", " << e.channel;
  }

  std::vector<std::unique_ptr<test_worker>> workers_;
  std::vector<std::unique_ptr<broker::broker>> brokers_;
};

// Offsets of `msgs`, in order.
inline std::vector<std::uint64_t> offsets(const std::vector<message_ptr>& msgs) {
  std::vector<std::uint64_t> out;
  for (const auto& m : msgs)
    out.push_back(m->pos.offset);
  return out;
}

// {first, first + 1, ..., last}; empty when first > last.
inline std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t o = first; o <= last; ++o)
    out.push_back(o);
  return out;
}

}  // namespace triplex::broker_test
