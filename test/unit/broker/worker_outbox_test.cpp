// worker_outbox: items for the sending worker run at once, items for another worker run there in
// send order, and a whole loop turn's items reach a worker in one handler.
#include "broker/worker_outbox.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <string>

namespace triplex::broker {
namespace {

struct recording_sink : delivery_sink {
  std::vector<std::string>* log;
  explicit recording_sink(std::vector<std::string>* l) : log(l) {}
  void deliver(const message_ptr& msg) override { log->push_back("msg:" + msg->channel); }
};

struct two_workers {
  boost::asio::io_context io0{1}, io1{1};
  std::vector<std::string> log0, log1;
  recording_sink sink0{&log0}, sink1{&log1};
  std::vector<boost::asio::any_io_executor> executors{io0.get_executor(), io1.get_executor()};
  std::vector<delivery_sink*> sinks{&sink0, &sink1};
  worker_outbox outbox{0, executors, sinks};
};

message_ptr msg(std::string_view channel) {
  return make_message(channel, core::position{"e", 1}, false, "", "{}");
}

TEST(WorkerOutbox, ItemsForTheSendingWorkerRunAtOnce) {
  two_workers w;
  w.outbox.deliver(0, msg("a"));
  w.outbox.run(0, [&] { w.log0.push_back("task"); });
  EXPECT_EQ(w.log0, (std::vector<std::string>{"msg:a", "task"}));
  EXPECT_EQ(w.io0.poll(), 0u) << "nothing was posted";
}

TEST(WorkerOutbox, ATurnsItemsReachAnotherWorkerInOrderInOneHandler) {
  two_workers w;
  // One loop turn of worker 0: two handlers, each sending to worker 1.
  boost::asio::post(w.io0, [&] {
    w.outbox.deliver(1, msg("a"));
    w.outbox.run(1, [&] { w.log1.push_back("task"); });
  });
  boost::asio::post(w.io0, [&] { w.outbox.deliver(1, msg("b")); });
  w.io0.poll();
  EXPECT_TRUE(w.log1.empty()) << "nothing runs on worker 1 before it runs its handlers";
  EXPECT_EQ(w.io1.poll(), 1u) << "one handler for the whole turn";
  EXPECT_EQ(w.log1, (std::vector<std::string>{"msg:a", "task", "msg:b"}));
  EXPECT_TRUE(w.log0.empty());
}

TEST(WorkerOutbox, LaterTurnsSendAgain) {
  two_workers w;
  for (int turn = 0; turn < 3; ++turn) {
    boost::asio::post(w.io0, [&, turn] { w.outbox.deliver(1, msg(std::to_string(turn))); });
    w.io0.poll();
    w.io0.restart();
    EXPECT_EQ(w.io1.poll(), 1u);
    w.io1.restart();
  }
  EXPECT_EQ(w.log1, (std::vector<std::string>{"msg:0", "msg:1", "msg:2"}));
}

}  // namespace
}  // namespace triplex::broker
