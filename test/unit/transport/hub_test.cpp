// hub: the per-worker index of subscribers; delivers one shared message to every local
// subscriber of its channel, and stays consistent when subscribers leave during a delivery.
#include "transport/hub.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "broker/message.hpp"
#include "metrics/triplex_metrics.hpp"

namespace triplex::transport {
namespace {

broker::message_ptr msg(std::string_view channel, std::uint64_t offset = 1) {
  return broker::make_message(channel, core::position{"E", offset}, false, "", "{}");
}

// Records what it receives; `hook` runs inside on_event (to leave during a delivery).
class test_subscriber final : public subscriber {
 public:
  void on_event(const broker::message_ptr& m) override {
    got.push_back(m);
    if (hook) hook(m);
  }
  std::vector<broker::message_ptr> got;
  std::function<void(const broker::message_ptr&)> hook;
};

TEST(Hub, DeliversToEverySubscriberOfTheChannelOnly) {
  hub h(nullptr);
  test_subscriber a, b, c;
  h.add("x", &a);
  h.add("x", &b);
  h.add("y", &c);
  EXPECT_EQ(h.channel_count(), 2u);

  auto m = msg("x");
  h.deliver(m);
  ASSERT_EQ(a.got.size(), 1u);
  ASSERT_EQ(b.got.size(), 1u);
  EXPECT_EQ(a.got[0].get(), m.get()) << "the same shared message, not a copy";
  EXPECT_EQ(b.got[0].get(), m.get());
  EXPECT_TRUE(c.got.empty());

  h.deliver(msg("nobody"));
  EXPECT_EQ(h.channel_count(), 2u) << "a delivery creates no entry";
  EXPECT_EQ(a.got.size() + b.got.size() + c.got.size(), 2u);
}

TEST(Hub, ASubscriberOfSeveralChannelsGetsEach) {
  hub h(nullptr);
  test_subscriber a;
  h.add("x", &a);
  h.add("y", &a);
  h.deliver(msg("x"));
  h.deliver(msg("y"));
  ASSERT_EQ(a.got.size(), 2u);
  EXPECT_EQ(a.got[0]->channel, "x");
  EXPECT_EQ(a.got[1]->channel, "y");
}

TEST(Hub, RemoveStopsDeliveriesAndDropsTheEmptyChannel) {
  hub h(nullptr);
  test_subscriber a, b;
  h.add("x", &a);
  h.add("x", &b);
  h.remove("x", &a);
  h.deliver(msg("x"));
  EXPECT_TRUE(a.got.empty());
  EXPECT_EQ(b.got.size(), 1u);
  EXPECT_EQ(h.channel_count(), 1u);

  h.remove("x", &b);
  EXPECT_EQ(h.channel_count(), 0u);
  h.deliver(msg("x"));
  EXPECT_EQ(b.got.size(), 1u);
}

TEST(Hub, RemovingWhatIsNotThereIsHarmless) {
  hub h(nullptr);
  test_subscriber a, b;
  h.add("x", &a);
  h.remove("x", &b);
  h.remove("nowhere", &a);
  EXPECT_EQ(h.channel_count(), 1u);
  h.deliver(msg("x"));
  EXPECT_EQ(a.got.size(), 1u);
}

TEST(Hub, ASubscriberCanRemoveItselfDuringADelivery) {
  hub h(nullptr);
  test_subscriber a, b, c;
  a.hook = [&](const broker::message_ptr&) { h.remove("x", &a); };
  h.add("x", &a);
  h.add("x", &b);
  h.add("x", &c);
  h.deliver(msg("x", 1));
  EXPECT_EQ(a.got.size(), 1u);
  EXPECT_EQ(b.got.size(), 1u) << "the others still get the message";
  EXPECT_EQ(c.got.size(), 1u);
  EXPECT_EQ(h.channel_count(), 1u);

  h.deliver(msg("x", 2));
  EXPECT_EQ(a.got.size(), 1u) << "gone after its removal";
  EXPECT_EQ(b.got.size(), 2u);
  EXPECT_EQ(c.got.size(), 2u);
}

TEST(Hub, EverySubscriberLeavingDuringADeliveryDropsTheChannel) {
  hub h(nullptr);
  test_subscriber a, b;
  a.hook = [&](const broker::message_ptr&) { h.remove("x", &a); };
  b.hook = [&](const broker::message_ptr&) { h.remove("x", &b); };
  h.add("x", &a);
  h.add("x", &b);
  h.add("y", &a);
  h.deliver(msg("x"));
  EXPECT_EQ(a.got.size(), 1u);
  EXPECT_EQ(b.got.size(), 1u);
  EXPECT_EQ(h.channel_count(), 1u) << "only y is left";
  a.hook = nullptr;
  h.deliver(msg("y"));
  EXPECT_EQ(a.got.size(), 2u);
}

TEST(Hub, ASubscriberCanRemoveOthersDuringADelivery) {
  hub h(nullptr);
  test_subscriber a, b, c, d;
  // Whoever of b and d comes first removes the other and a (delivered or not yet).
  b.hook = [&](const broker::message_ptr&) {
    h.remove("x", &d);
    h.remove("x", &a);
  };
  d.hook = [&](const broker::message_ptr&) {
    h.remove("x", &b);
    h.remove("x", &a);
  };
  h.add("x", &a);
  h.add("x", &b);
  h.add("x", &c);
  h.add("x", &d);
  h.deliver(msg("x", 1));
  EXPECT_EQ(b.got.size() + d.got.size(), 1u) << "a removed subscriber gets nothing more";
  EXPECT_LE(a.got.size(), 1u);
  EXPECT_EQ(c.got.size(), 1u);

  std::size_t before = a.got.size() + b.got.size() + d.got.size();
  h.deliver(msg("x", 2));
  EXPECT_EQ(c.got.size(), 2u);
  EXPECT_EQ(a.got.size() + b.got.size() + d.got.size(), before + 1) << "only the remover is left";
  EXPECT_EQ(h.channel_count(), 1u);
}

TEST(Hub, RemovingTheLastSubscriberOfAnotherChannelDuringADeliveryDropsThatChannel) {
  hub h(nullptr);
  test_subscriber a, b;
  a.hook = [&](const broker::message_ptr&) { h.remove("y", &b); };
  h.add("x", &a);
  h.add("y", &b);
  h.deliver(msg("x"));
  EXPECT_EQ(h.channel_count(), 1u);
  h.deliver(msg("y"));
  EXPECT_TRUE(b.got.empty());
}

TEST(Hub, RemovingASubscriberOfAnotherChannelDuringADeliveryStopsItsDeliveries) {
  hub h(nullptr);
  test_subscriber a, b, c;
  a.hook = [&](const broker::message_ptr&) { h.remove("y", &b); };
  h.add("x", &a);
  h.add("y", &b);
  h.add("y", &c);
  h.deliver(msg("x"));
  h.deliver(msg("y"));
  EXPECT_TRUE(b.got.empty());
  EXPECT_EQ(c.got.size(), 1u);
  EXPECT_EQ(h.channel_count(), 2u);
}

TEST(Hub, ObservesPublishToDeliverLatency) {
  metrics::server_metrics m;
  hub h(&m);
  test_subscriber a;
  h.add("x", &a);
  h.deliver(msg("x"));
  h.deliver(msg("nobody"));
  EXPECT_EQ(a.got.size(), 1u);
  EXPECT_EQ(m.publish_to_deliver_seconds.snapshot().count, 1u) << "one per delivered message";
}

}  // namespace
}  // namespace triplex::transport
