// subscription_set: one connection's subscriptions and positions, against a real memory_broker
// with one worker whose io_context the test runs on its own thread (no other threads).
#include "transport/subscription_set.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/memory_broker.hpp"
#include "broker/message.hpp"
#include "metrics/triplex_metrics.hpp"
#include "transport/settings.hpp"
#include "transport/worker_context.hpp"

namespace triplex::transport {
namespace {

using core::position;

// Records the events the hub hands to the connection.
class test_subscriber final : public subscriber {
 public:
  void on_event(const broker::message_ptr& m) override { got.push_back(m); }
  std::vector<broker::message_ptr> got;
};

class SubscriptionSet : public ::testing::Test {
 protected:
  void SetUp() override { ctx_.broker = &broker_; }

  // Runs the worker until it has nothing left to do (every broker answer and delivery).
  void run() {
    io_.restart();
    io_.run();
  }

  broker::publish_result publish(const std::string& channel, const std::string& data = "{}") {
    broker::publish_result out;
    broker_.publish(0, broker::publish_request{channel, data, false, ""},
                    [&out](broker::publish_result r) { out = std::move(r); });
    run();
    return out;
  }

  // Publishes `n` durable messages; returns the last position.
  position publish_n(const std::string& channel, int n) {
    position last;
    for (int i = 0; i < n; ++i)
      last = publish(channel).pos;
    return last;
  }

  // The broker's subscriber count for `channel` (0 when not listed).
  std::uint64_t broker_subscribers(const std::string& channel) {
    std::uint64_t n = 0;
    broker_.channels(0, channel, [&](std::vector<broker::channel_info> v) {
      for (const auto& ci : v)
        if (ci.channel == channel) n = ci.subscribers;
    });
    run();
    return n;
  }

  // A `done` callback that keeps the answer and accepts the replay, as a transport must.
  subscription_set::subscribe_done accepting(subscription_set& set,
                                             std::optional<broker::subscribe_result>& out) {
    return [&set, &out](broker::subscribe_result& r) {
      for (const auto& m : r.replay)
        EXPECT_TRUE(set.accept(*m)) << "replayed offset " << m->pos.offset;
      out = r;
    };
  }

  subscription_set::subscribe_done recording(std::optional<broker::subscribe_result>& out) {
    return [&out](broker::subscribe_result& r) { out = r; };
  }

  std::unique_ptr<subscription_set> make_set() {
    return std::make_unique<subscription_set>(ctx_, owner_, &self_);
  }

  boost::asio::io_context io_{1};
  settings cfg_;
  metrics::server_metrics metrics_;
  server_state state_;
  worker_context ctx_{0, io_, cfg_, metrics_, state_};
  broker::history_limits limits_;
  broker::memory_broker broker_{
      {io_.get_executor()}, {&ctx_.hub}, [this](std::string_view) { return limits_; }};
  std::shared_ptr<int> owner_ = std::make_shared<int>(0);
  test_subscriber self_;
};

broker::message_ptr msg(std::string_view channel, position pos) {
  return broker::make_message(channel, pos, false, "", "{}");
}

TEST_F(SubscriptionSet, SubscribeBecomesActiveWhenTheBrokerAnswers) {
  auto set = make_set();
  std::optional<broker::subscribe_result> answer;
  EXPECT_TRUE(set->subscribe("c", std::nullopt, recording(answer)));
  EXPECT_TRUE(set->contains("c"));
  EXPECT_EQ(set->size(), 1u);
  EXPECT_EQ(set->position_of("c"), nullptr) << "not active before the answer";
  EXPECT_TRUE(set->positions().empty());
  EXPECT_EQ(ctx_.hub.channel_count(), 0u) << "joins the hub only with the answer";
  EXPECT_EQ(metrics_.subscriptions.value(), 1);

  run();
  ASSERT_TRUE(answer);
  ASSERT_NE(set->position_of("c"), nullptr);
  EXPECT_EQ(*set->position_of("c"), answer->pos);
  EXPECT_EQ(answer->pos.offset, 0u);
  EXPECT_EQ(ctx_.hub.channel_count(), 1u);
  EXPECT_EQ(broker_subscribers("c"), 1u);

  auto p = publish("c");
  ASSERT_EQ(self_.got.size(), 1u) << "the hub delivers to the connection";
  EXPECT_EQ(self_.got[0]->pos, p.pos);
  EXPECT_TRUE(set->accept(*self_.got[0]));
  EXPECT_EQ(*set->position_of("c"), p.pos);
}

TEST_F(SubscriptionSet, SubscribingTwiceToAChannelIsRefused) {
  auto set = make_set();
  std::optional<broker::subscribe_result> answer;
  EXPECT_TRUE(set->subscribe("c", std::nullopt, recording(answer)));
  EXPECT_FALSE(set->subscribe("c", std::nullopt, recording(answer)));
  run();
  EXPECT_FALSE(set->subscribe("c", std::nullopt, recording(answer)));
  EXPECT_EQ(broker_subscribers("c"), 1u);
  EXPECT_EQ(metrics_.subscriptions.value(), 1);
}

TEST_F(SubscriptionSet, AcceptDropsDuplicatesAndMovesThePosition) {
  auto set = make_set();
  std::optional<broker::subscribe_result> answer;
  set->subscribe("c", std::nullopt, recording(answer));
  run();
  ASSERT_TRUE(answer);
  std::string e = answer->pos.epoch;

  EXPECT_TRUE(set->accept(*msg("c", {e, 1})));
  EXPECT_EQ(*set->position_of("c"), (position{e, 1}));
  EXPECT_FALSE(set->accept(*msg("c", {e, 1}))) << "same offset: a duplicate";
  EXPECT_TRUE(set->accept(*msg("c", {e, 2})));
  EXPECT_FALSE(set->accept(*msg("c", {e, 1}))) << "older offset: a duplicate";
  EXPECT_EQ(*set->position_of("c"), (position{e, 2}));

  auto eph = broker::make_message("c", position{e, 0}, true, "k", "{}");
  EXPECT_TRUE(set->accept(*eph)) << "ephemeral messages are always delivered";
  EXPECT_EQ(*set->position_of("c"), (position{e, 2})) << "and do not move the position";

  EXPECT_TRUE(set->accept(*msg("c", {"other", 1}))) << "another epoch is not a duplicate";
  EXPECT_EQ(*set->position_of("c"), (position{"other", 1}));

  EXPECT_FALSE(set->accept(*msg("unsubscribed", {e, 9})));
}

TEST_F(SubscriptionSet, AcceptRefusesEventsOfAPendingSubscription) {
  auto set = make_set();
  std::optional<broker::subscribe_result> answer;
  set->subscribe("c", std::nullopt, recording(answer));
  EXPECT_FALSE(set->accept(*msg("c", {"E", 1})));
}

TEST_F(SubscriptionSet, ReplayStartsAtSinceAndMovesThroughAccept) {
  position third = publish_n("c", 3);
  auto set = make_set();
  std::optional<position> at_answer;
  std::optional<broker::subscribe_result> answer;
  set->subscribe("c", position{third.epoch, 1}, [&](broker::subscribe_result& r) {
    at_answer = *set->position_of("c");
    for (const auto& m : r.replay)
      EXPECT_TRUE(set->accept(*m));
    answer = r;
  });
  run();
  ASSERT_TRUE(answer);
  EXPECT_EQ(at_answer, (position{third.epoch, 1})) << "the replay starts at since";
  ASSERT_EQ(answer->replay.size(), 2u);
  EXPECT_EQ(*set->position_of("c"), third);
  EXPECT_FALSE(set->accept(*answer->replay[0])) << "a replayed message is now a duplicate";

  auto next = publish("c");
  ASSERT_EQ(self_.got.size(), 1u);
  EXPECT_TRUE(set->accept(*self_.got[0]));
  EXPECT_EQ(*set->position_of("c"), next.pos);
}

TEST_F(SubscriptionSet, SinceAtTheCurrentPositionHasNothingToReplay) {
  position last = publish_n("c", 2);
  auto set = make_set();
  std::optional<broker::subscribe_result> answer;
  set->subscribe("c", last, accepting(*set, answer));
  run();
  ASSERT_TRUE(answer);
  EXPECT_TRUE(answer->replay.empty());
  EXPECT_EQ(*set->position_of("c"), last);
}

TEST_F(SubscriptionSet, AGapMovesThePosition) {
  limits_.size = 2;
  position last = publish_n("c", 5);  // keeps 4 and 5
  auto set = make_set();
  std::optional<broker::subscribe_result> answer;
  set->subscribe("c", position{last.epoch, 1}, accepting(*set, answer));
  run();
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->recovered);
  ASSERT_EQ(answer->replay.size(), 3u);
  EXPECT_EQ(answer->replay[0]->kind, broker::event_kind::gap);
  EXPECT_EQ(*set->position_of("c"), last);

  // Directly: a gap jumps the position wherever it says, even into another epoch.
  EXPECT_TRUE(set->accept(*broker::make_gap("c", position{"new", 7})));
  EXPECT_EQ(*set->position_of("c"), (position{"new", 7}));
}

TEST_F(SubscriptionSet, ResumingFromAnotherEpochGoesThroughTheGap) {
  position last = publish_n("c", 2);
  auto set = make_set();
  std::optional<broker::subscribe_result> answer;
  set->subscribe("c", position{"stale", 9}, accepting(*set, answer));
  run();
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->replay.size(), 3u);
  EXPECT_EQ(*set->position_of("c"), last);
}

TEST_F(SubscriptionSet, UnsubscribeWhileTheAnswerIsPendingReleasesTheRegistration) {
  auto set = make_set();
  bool done = false;
  set->subscribe("c", std::nullopt, [&](broker::subscribe_result&) { done = true; });
  EXPECT_TRUE(set->unsubscribe("c"));
  EXPECT_FALSE(set->contains("c"));
  EXPECT_EQ(metrics_.subscriptions.value(), 0);
  run();
  EXPECT_FALSE(done) << "no answer for a channel unsubscribed meanwhile";
  EXPECT_EQ(broker_subscribers("c"), 0u);
  EXPECT_EQ(ctx_.hub.channel_count(), 0u);
  publish("c");
  EXPECT_TRUE(self_.got.empty());
}

TEST_F(SubscriptionSet, ResubscribeWhileTheFirstAnswerIsPendingKeepsOneRegistration) {
  auto set = make_set();
  int first = 0, second = 0;
  set->subscribe("c", std::nullopt, [&](broker::subscribe_result&) { ++first; });
  set->unsubscribe("c");
  set->subscribe("c", std::nullopt, [&](broker::subscribe_result&) { ++second; });
  run();
  EXPECT_EQ(first, 0) << "the stale answer is not delivered";
  EXPECT_EQ(second, 1);
  EXPECT_NE(set->position_of("c"), nullptr);
  EXPECT_EQ(broker_subscribers("c"), 1u);
  publish("c");
  EXPECT_EQ(self_.got.size(), 1u) << "in the hub once";
}

TEST_F(SubscriptionSet, UnsubscribeReleasesTheHubAndTheBroker) {
  auto set = make_set();
  std::optional<broker::subscribe_result> answer;
  set->subscribe("c", std::nullopt, recording(answer));
  run();
  EXPECT_TRUE(set->unsubscribe("c"));
  EXPECT_FALSE(set->unsubscribe("c"));
  EXPECT_EQ(ctx_.hub.channel_count(), 0u);
  EXPECT_EQ(broker_subscribers("c"), 0u);
  EXPECT_EQ(set->position_of("c"), nullptr);
  EXPECT_EQ(metrics_.subscriptions.value(), 0);
}

// (Destroying a set whose answers are pending is OwnerDestroyedWithItsSet... below.)
TEST_F(SubscriptionSet, DestructionUnsubscribesEverything) {
  auto set = make_set();
  set->subscribe("a", std::nullopt, [](broker::subscribe_result&) {});
  set->subscribe("b", std::nullopt, [](broker::subscribe_result&) {});
  run();
  EXPECT_EQ(ctx_.hub.channel_count(), 2u);
  set.reset();
  EXPECT_EQ(ctx_.hub.channel_count(), 0u);
  EXPECT_EQ(broker_subscribers("a"), 0u);
  EXPECT_EQ(broker_subscribers("b"), 0u);
  EXPECT_EQ(metrics_.subscriptions.value(), 0);
}

TEST_F(SubscriptionSet, OwnerExpiredBeforeTheAnswerReleasesTheRegistration) {
  auto set = make_set();
  bool done = false;
  set->subscribe("c", std::nullopt, [&](broker::subscribe_result&) { done = true; });
  owner_.reset();
  run();
  EXPECT_FALSE(done);
  EXPECT_EQ(set->position_of("c"), nullptr);
  EXPECT_EQ(ctx_.hub.channel_count(), 0u);
  EXPECT_EQ(broker_subscribers("c"), 0u);
}

// The way transports use it: the set is a member of its owner, so both go together.
TEST_F(SubscriptionSet, OwnerDestroyedWithItsSetBeforeTheAnswerReleasesTheRegistration) {
  struct connection_like {
    std::unique_ptr<subscription_set> subs;
  };
  auto conn = std::make_shared<connection_like>();
  conn->subs = std::make_unique<subscription_set>(ctx_, conn, &self_);
  bool done = false;
  conn->subs->subscribe("c", std::nullopt, [&](broker::subscribe_result&) { done = true; });
  conn.reset();
  run();
  EXPECT_FALSE(done);
  EXPECT_EQ(broker_subscribers("c"), 0u);
  EXPECT_EQ(ctx_.hub.channel_count(), 0u);
}

// ---- presence ------------------------------------------------------------------------------

TEST_F(SubscriptionSet, AMemberJoinsPresenceWithTheAnswerAndLeavesOnUnsubscribe) {
  cfg_.rules_for = [](std::string_view) {
    channel_rules r;
    r.presence = true;
    r.join_leave = true;
    return r;
  };
  auto presence_clients = [this](const std::string& channel) {
    std::uint64_t n = 99;
    broker_.presence(0, channel, 10, [&](broker::presence_result r) { n = r.clients; });
    run();
    return n;
  };
  auto set = make_set();
  set->set_member(core::presence_member{"c1", "alice", ""});
  set->subscribe("c", std::nullopt, [](broker::subscribe_result&) {});
  set->subscribe("pending", std::nullopt, [](broker::subscribe_result&) {});
  set->unsubscribe("pending");
  run();
  EXPECT_EQ(presence_clients("c"), 1u);
  EXPECT_EQ(presence_clients("pending"), 0u) << "no join for a subscription that never started";
  ASSERT_EQ(self_.got.size(), 1u) << "its own announced join";
  EXPECT_EQ(self_.got[0]->kind, broker::event_kind::join);

  set->unsubscribe("c");
  EXPECT_EQ(presence_clients("c"), 0u);
}

TEST_F(SubscriptionSet, NoPresenceWhereTheNamespaceHasNone) {
  cfg_.rules_for = [](std::string_view) { return channel_rules{}; };
  auto set = make_set();
  set->set_member(core::presence_member{"c1", "alice", ""});
  set->subscribe("c", std::nullopt, [](broker::subscribe_result&) {});
  run();
  std::uint64_t clients = 99;
  broker_.presence(0, "c", 10, [&](broker::presence_result r) { clients = r.clients; });
  run();
  EXPECT_EQ(clients, 0u);
  EXPECT_TRUE(self_.got.empty());
}

TEST_F(SubscriptionSet, PositionsListActiveSubscriptionsInSubscriptionOrder) {
  position pb = publish_n("b", 2);
  position pa = publish_n("a", 1);
  auto set = make_set();
  for (const char* c : {"b", "a", "c"})
    set->subscribe(c, std::nullopt, [](broker::subscribe_result&) {});
  run();
  auto pos = set->positions();
  ASSERT_EQ(pos.size(), 3u);
  EXPECT_EQ(pos[0].channel, "b");
  EXPECT_EQ(pos[0].pos, pb);
  EXPECT_EQ(pos[1].channel, "a");
  EXPECT_EQ(pos[1].pos, pa);
  EXPECT_EQ(pos[2].channel, "c");
  EXPECT_EQ(pos[2].pos.offset, 0u);

  set->unsubscribe("a");
  set->subscribe("d", std::nullopt, [](broker::subscribe_result&) {});
  pos = set->positions();
  ASSERT_EQ(pos.size(), 2u) << "pending subscriptions have no position yet";
  EXPECT_EQ(pos[0].channel, "b");
  EXPECT_EQ(pos[1].channel, "c");
  run();
  pos = set->positions();
  ASSERT_EQ(pos.size(), 3u);
  EXPECT_EQ(pos[2].channel, "d");
}

// An SSE stream of one channel sends the message's shared "id: <cursor>" + event instead of its
// own id line: valid only while the set's cursor is exactly that channel at that position.
TEST_F(SubscriptionSet, AOneChannelSetsCursorIsTheMessagesOwnCursor) {
  auto set = make_set();
  set->subscribe("c", std::nullopt, [](broker::subscribe_result&) {});
  run();
  std::string e = set->position_of("c")->epoch;
  auto m = msg("c", {e, 1});
  EXPECT_FALSE(set->is_only("c", m->pos)) << "not at that position yet";
  ASSERT_TRUE(set->accept(*m));
  ASSERT_TRUE(set->is_only("c", m->pos));
  std::string own = "id: ";
  set->append_cursor(own);
  own += '\n';
  EXPECT_EQ(m->sse_event_with_own_cursor(), own + std::string(m->sse_event()));

  set->subscribe("d", std::nullopt, [](broker::subscribe_result&) {});
  EXPECT_FALSE(set->is_only("c", m->pos)) << "a pending second channel is in the cursor too";
  run();
  EXPECT_FALSE(set->is_only("c", m->pos));
}

}  // namespace
}  // namespace triplex::transport
