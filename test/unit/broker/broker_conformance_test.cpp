// The broker conformance suite (STYLE habit 9): what every implementation of
// triplex::broker::broker must do, run here against memory_broker with 1 and 3 real workers.
// Positions and gaps follow the public contract (spec §1 Position / Durable vs ephemeral,
// §2 gap and ordering). The fixture is in broker_fixture.hpp.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>

#include "broker/memory_broker.hpp"
#include "broker_fixture.hpp"

namespace triplex::broker_test {
namespace {

namespace json = boost::json;

const std::string ch = "doc:42";

std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

// Checks a replay that opens with a gap at `gap_at` (first kept offset − 1) then holds exactly
// the kept offsets.
void expect_gap(const broker::subscribe_result& r, const position& gap_at,
                const std::vector<std::uint64_t>& kept) {
  EXPECT_FALSE(r.recovered);
  ASSERT_FALSE(r.replay.empty());
  EXPECT_EQ(r.replay[0]->kind, broker::event_kind::gap);
  EXPECT_EQ(r.replay[0]->channel, ch);
  EXPECT_EQ(r.replay[0]->pos, gap_at);
  EXPECT_TRUE(r.replay[0]->moves_position());
  std::vector<message_ptr> rest(r.replay.begin() + 1, r.replay.end());
  EXPECT_EQ(offsets(rest), kept);
  for (const auto& m : rest)
    EXPECT_EQ(m->kind, broker::event_kind::message);
}

// ---- positions ------------------------------------------------------------------------------

TEST_P(BrokerConformance, OffsetsStartAtOneAndIncreaseByOnePerDurablePublish) {
  start();
  std::string epoch;
  for (std::uint64_t i = 1; i <= 5; ++i) {
    auto r = publish(i % worker_count(), ch, "{}");
    EXPECT_EQ(r.status, core::status::ok);
    EXPECT_EQ(r.pos.offset, i);
    EXPECT_FALSE(r.pos.epoch.empty());
    if (i == 1) epoch = r.pos.epoch;
    EXPECT_EQ(r.pos.epoch, epoch) << "the epoch is stable within a channel";
  }
}

TEST_P(BrokerConformance, EphemeralGetsOffsetZeroAndIsNotStored) {
  start();
  auto first = publish(0, ch, "1");
  auto sub = subscribe(last_worker(), ch);
  auto eph = publish(0, ch, R"({"typing":true})", true, "alice");
  EXPECT_EQ(eph.status, core::status::ok);
  EXPECT_EQ(eph.pos.offset, 0u);
  auto second = publish(0, ch, "2");
  EXPECT_EQ(second.pos.offset, 2u) << "an ephemeral publish does not take an offset";

  auto h = history(0, ch, std::nullopt, 100);
  EXPECT_EQ(offsets(h.messages), (std::vector<std::uint64_t>{1, 2}));
  auto resumed = subscribe(0, ch, first.pos);
  EXPECT_TRUE(resumed.recovered);
  EXPECT_EQ(offsets(resumed.replay), std::vector<std::uint64_t>{2});

  // It is still delivered, marked ephemeral, with its key, between the durable ones.
  ASSERT_TRUE(sink(last_worker()).wait_for_deliveries(ch, 2));
  auto got = sink(last_worker()).deliveries(ch);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0]->ephemeral);
  EXPECT_EQ(got[0]->key, "alice");
  EXPECT_EQ(got[0]->pos.offset, 0u);
  EXPECT_FALSE(got[0]->moves_position());
  EXPECT_EQ(got[1]->pos, second.pos);
  EXPECT_EQ(sub.pos.offset, 1u);
}

TEST_P(BrokerConformance, EpochIsStablePerChannelAndDiffersAcrossChannelsAndInstances) {
  start();
  auto empty = subscribe(0, "a");
  EXPECT_EQ(empty.pos.offset, 0u) << "an empty channel is at offset 0";
  auto a1 = publish(0, "a", "1");
  auto a2 = publish(last_worker(), "a", "2");
  auto b1 = publish(0, "b", "1");
  EXPECT_EQ(a1.pos.epoch, empty.pos.epoch);
  EXPECT_EQ(a1.pos.epoch, a2.pos.epoch);
  EXPECT_NE(a1.pos.epoch, b1.pos.epoch);

  // Another instance over fresh storage cannot vouch for the first one's past.
  broker::broker& other = start();
  auto o1 = call_on<broker::publish_result>(0, "publish on another broker", [&other](auto h) {
    other.publish(0, broker::publish_request{"a", "1", false, ""}, std::move(h));
  });
  EXPECT_EQ(o1.pos.offset, 1u);
  EXPECT_NE(o1.pos.epoch, a1.pos.epoch);
}

TEST_P(BrokerConformance, MessagesCarryTheEnvelopeOfTheSpec) {
  start();
  auto sub = subscribe(0, ch);
  auto d = publish(last_worker(), ch, R"({"x":[1,2]})");
  publish(last_worker(), ch, R"("hi")", true, "k");
  ASSERT_TRUE(sink(0).wait_for_deliveries(ch, 2));
  auto got = sink(0).deliveries(ch);

  auto durable = json::parse(got[0]->envelope()).as_object();
  EXPECT_EQ(str(durable.at("type")), "message");
  EXPECT_EQ(str(durable.at("channel")), ch);
  EXPECT_EQ(str(durable.at("epoch")), d.pos.epoch);
  EXPECT_EQ(durable.at("offset").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(durable.at("data"), json::parse(R"({"x":[1,2]})"));

  auto eph = json::parse(got[1]->envelope()).as_object();
  EXPECT_EQ(str(eph.at("type")), "message");
  EXPECT_EQ(str(eph.at("data")), "hi");
  EXPECT_FALSE(eph.contains("offset"));

  auto gap = subscribe(0, ch, position{"not-" + d.pos.epoch, 1});
  ASSERT_FALSE(gap.replay.empty());
  auto g = json::parse(gap.replay[0]->envelope()).as_object();
  EXPECT_EQ(str(g.at("type")), "gap");
  EXPECT_EQ(str(g.at("channel")), ch);
  EXPECT_EQ(str(g.at("epoch")), d.pos.epoch);
  EXPECT_EQ(g.at("offset").to_number<std::uint64_t>(), 0u);
  EXPECT_EQ(sub.pos.offset, 0u);
}

// ---- subscribe and resume -------------------------------------------------------------------

TEST_P(BrokerConformance, SubscribeWithoutSinceStartsAtTheCurrentPositionWithoutReplay) {
  start();
  auto last = publish_n(0, ch, 3);
  auto r = subscribe(last_worker(), ch);
  EXPECT_EQ(r.pos, last.pos);
  EXPECT_TRUE(r.recovered);
  EXPECT_TRUE(r.replay.empty());
}

TEST_P(BrokerConformance, SubscribeSinceInHistoryReplaysExactlyTheMissedMessages) {
  start();
  auto last = publish_n(0, ch, 5);
  const std::string& e = last.pos.epoch;

  auto r = subscribe(last_worker(), ch, position{e, 2});
  EXPECT_TRUE(r.recovered);
  EXPECT_EQ(r.pos, last.pos);
  EXPECT_EQ(offsets(r.replay), (std::vector<std::uint64_t>{3, 4, 5}));
  for (std::size_t i = 0; i < r.replay.size(); ++i) {
    EXPECT_EQ(r.replay[i]->kind, broker::event_kind::message);
    EXPECT_EQ(r.replay[i]->channel, ch);
    EXPECT_EQ(r.replay[i]->pos.epoch, e);
    auto n = json::parse(r.replay[i]->envelope()).at("data").at("n").to_number<std::size_t>();
    EXPECT_EQ(n, i + 3);
  }

  auto all = subscribe(0, ch, position{e, 0});
  EXPECT_TRUE(all.recovered);
  EXPECT_EQ(offsets(all.replay), range(1, 5));

  auto none = subscribe(0, ch, last.pos);
  EXPECT_TRUE(none.recovered);
  EXPECT_TRUE(none.replay.empty());
  EXPECT_EQ(none.pos, last.pos);
}

TEST_P(BrokerConformance, SinceOlderThanHistoryGivesAGapThenWhatIsKept) {
  start({.size = 3});
  auto last = publish_n(0, ch, 6);  // keeps 4, 5, 6
  const std::string& e = last.pos.epoch;

  auto r = subscribe(last_worker(), ch, position{e, 1});
  expect_gap(r, position{e, 3}, {4, 5, 6});
  EXPECT_EQ(r.pos, last.pos);

  auto r2 = subscribe(last_worker(), ch, position{e, 2});
  expect_gap(r2, position{e, 3}, {4, 5, 6});

  // The oldest resumable position: exactly what follows is still kept.
  auto ok = subscribe(0, ch, position{e, 3});
  EXPECT_TRUE(ok.recovered);
  EXPECT_EQ(offsets(ok.replay), (std::vector<std::uint64_t>{4, 5, 6}));
}

TEST_P(BrokerConformance, WrongEpochGivesAGap) {
  start();
  auto last = publish_n(0, ch, 3);
  auto r = subscribe(last_worker(), ch, position{last.pos.epoch + "x", 2});
  expect_gap(r, position{last.pos.epoch, 0}, {1, 2, 3});
  EXPECT_EQ(r.pos, last.pos);
}

TEST_P(BrokerConformance, SinceInTheFutureGivesAGap) {
  start();
  auto last = publish_n(0, ch, 2);
  auto r = subscribe(last_worker(), ch, position{last.pos.epoch, 7});
  expect_gap(r, position{last.pos.epoch, 0}, {1, 2});
  EXPECT_EQ(r.pos, last.pos);
}

TEST_P(BrokerConformance, ExpiredHistoryGivesAGap) {
  start({.size = 100, .ttl = 50ms});
  auto last = publish_n(0, ch, 3);
  const std::string& e = last.pos.epoch;

  // Re-checks until the history expired (a deadline, not a sleep as synchronisation).
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!history(0, ch, std::nullopt, 100).messages.empty()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "history never expired";
    std::this_thread::sleep_for(10ms);
  }

  auto r = subscribe(last_worker(), ch, position{e, 1});
  expect_gap(r, position{e, 3}, {});
  EXPECT_EQ(r.pos, last.pos);

  // Nothing was lost to a subscriber that was already at the end.
  auto ok = subscribe(0, ch, last.pos);
  EXPECT_TRUE(ok.recovered);
  EXPECT_TRUE(ok.replay.empty());

  // Offsets keep counting in the same epoch.
  auto next = publish(0, ch, "4");
  EXPECT_EQ(next.pos, (position{e, 4}));
}

// ---- deliveries -----------------------------------------------------------------------------

TEST_P(BrokerConformance, DeliveriesReachOnlySubscribedWorkersOncePerWorkerInOrder) {
  start();
  subscribe(0, ch);
  subscribe(last_worker(), ch);
  subscribe(last_worker(), ch);  // two subscribers on one worker: still one delivery
  subscribe(worker_count() > 1 ? 1 : 0, "elsewhere");
  constexpr std::uint64_t n = 10;
  publish_n(last_worker(), ch, n);

  for (worker_id w : {worker_id{0}, last_worker()}) {
    ASSERT_TRUE(sink(w).wait_for_deliveries(ch, n)) << "worker " << w;
  }
  settle();
  for (worker_id w = 0; w < worker_count(); ++w) {
    bool subscribed = w == 0 || w == last_worker();
    EXPECT_EQ(offsets(sink(w).deliveries(ch)), subscribed ? range(1, n) : range(1, 0))
        << "worker " << w;
    for (const auto& m : sink(w).deliveries(ch))
      EXPECT_EQ(m->channel, ch);
    EXPECT_TRUE(sink(w).deliveries("elsewhere").empty());
  }
  expect_sinks_on_their_threads();
}

TEST_P(BrokerConformance, DeliveriesFollowTheSubscribeAnswerWithoutDuplicatingTheReplay) {
  start();
  auto third = publish_n(0, ch, 3);
  auto r = subscribe(last_worker(), ch, position{third.pos.epoch, 1});
  EXPECT_EQ(offsets(r.replay), (std::vector<std::uint64_t>{2, 3}));
  publish(0, ch, "4");
  publish(0, ch, "5");

  ASSERT_TRUE(sink(last_worker()).wait_for_deliveries(ch, 2));
  settle();
  auto events = sink(last_worker()).events();
  std::vector<std::uint64_t> delivered;
  bool answered = false;
  for (const auto& ev : events) {
    if (ev.channel != ch) continue;
    if (ev.kind == logged_event::what::subscribed) {
      answered = true;
    } else {
      EXPECT_TRUE(answered) << "offset " << ev.msg->pos.offset << " delivered before the answer";
      delivered.push_back(ev.msg->pos.offset);
    }
  }
  EXPECT_EQ(delivered, (std::vector<std::uint64_t>{4, 5}));
}

// A subscribe racing a stream of publishes from another worker: the subscriber sees every
// message after its answer's position exactly once, in order, and nothing before the answer.
TEST_P(BrokerConformance, SubscribeRacingPublishesMissesAndDuplicatesNothing) {
  start();
  static constexpr int n = 300;
  auto published = std::make_shared<std::promise<void>>();
  auto pub_done = published->get_future();
  auto fire = run_on(0, [this, published] {
    auto left = std::make_shared<int>(n);
    for (int i = 1; i <= n; ++i)
      b().publish(0, broker::publish_request{ch, std::to_string(i), false, ""},
                  [left, published](broker::publish_result) {
                    if (--*left == 0) published->set_value();
                  });
  });
  auto r = subscribe(last_worker(), ch);
  wait(fire, "publishes fired");
  wait(pub_done, "publishes answered");

  std::uint64_t expected = n - r.pos.offset;
  ASSERT_TRUE(sink(last_worker()).wait_for_deliveries(ch, expected));
  settle();
  bool answered = false;
  std::vector<std::uint64_t> delivered;
  for (const auto& ev : sink(last_worker()).events()) {
    if (ev.channel != ch) continue;
    if (ev.kind == logged_event::what::subscribed) answered = true;
    if (ev.kind == logged_event::what::delivered) {
      EXPECT_TRUE(answered) << "offset " << ev.msg->pos.offset << " delivered before the answer";
      delivered.push_back(ev.msg->pos.offset);
    }
  }
  EXPECT_EQ(delivered, range(r.pos.offset + 1, n));
}

// The same worker publishes a burst, subscribes in its middle and publishes more: the calls are
// handled in order, so the answer is at the middle and every later message follows it.
TEST_P(BrokerConformance, SubscribeInTheMiddleOfABurstGetsEveryLaterMessageAfterTheAnswer) {
  start();
  static constexpr int half = 150;
  worker_id w = last_worker();
  recording_sink* s = &sink(w);
  auto answered = std::make_shared<std::promise<broker::subscribe_result>>();
  auto answer = answered->get_future();
  auto burst = run_on(w, [this, w, s, answered] {
    auto pub = [this, w](int i) {
      b().publish(w, broker::publish_request{ch, std::to_string(i), false, ""},
                  [](broker::publish_result) {});
    };
    for (int i = 1; i <= half; ++i)
      pub(i);
    b().subscribe(w, ch, std::nullopt, [s, answered](broker::subscribe_result r) {
      s->mark_subscribed(ch);
      answered->set_value(std::move(r));
    });
    for (int i = half + 1; i <= 2 * half; ++i)
      pub(i);
  });
  wait(burst, "burst");
  auto r = wait(answer, "subscribe answer");
  EXPECT_EQ(r.pos.offset, std::uint64_t{half});

  ASSERT_TRUE(s->wait_for_deliveries(ch, half));
  settle();
  bool seen_answer = false;
  std::vector<std::uint64_t> delivered;
  for (const auto& ev : s->events()) {
    if (ev.kind == logged_event::what::subscribed) seen_answer = true;
    if (ev.kind == logged_event::what::delivered) {
      EXPECT_TRUE(seen_answer) << "offset " << ev.msg->pos.offset << " delivered before the answer";
      delivered.push_back(ev.msg->pos.offset);
    }
  }
  EXPECT_EQ(delivered, range(half + 1, 2 * half));
}

TEST_P(BrokerConformance, UnsubscribeStopsDeliveriesOnceTheWorkersLastSubscriberLeft) {
  start();
  worker_id w = last_worker();
  subscribe(w, ch);
  subscribe(w, ch);
  publish(w, ch, "1");
  unsubscribe(w, ch);
  publish(w, ch, "2");  // one subscriber is left on w
  unsubscribe(w, ch);
  publish(w, ch, "3");
  publish(0, ch, "4");

  ASSERT_TRUE(sink(w).wait_for_deliveries(ch, 2));
  settle();
  EXPECT_EQ(offsets(sink(w).deliveries(ch)), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(subscribers_of(w, ch), 0u);
}

TEST_P(BrokerConformance, UnsubscribeWithoutASubscriptionIsHarmless) {
  start();
  subscribe(0, ch);
  unsubscribe(last_worker(), "never-subscribed");
  if (worker_count() > 1) unsubscribe(last_worker(), ch);  // another worker's subscriber
  publish(last_worker(), ch, "1");
  ASSERT_TRUE(sink(0).wait_for_deliveries(ch, 1));
  EXPECT_EQ(subscribers_of(0, ch), 1u);
  EXPECT_EQ(subscribers_of(0, "never-subscribed"), 0u);

  // The registration that was made still counts once: one unsubscribe releases it.
  unsubscribe(0, ch);
  EXPECT_EQ(subscribers_of(0, ch), 0u);
}

// ---- history and channels -------------------------------------------------------------------

TEST_P(BrokerConformance, HistoryWithAndWithoutSinceAndLimit) {
  start();
  auto last = publish_n(0, ch, 5);
  const std::string& e = last.pos.epoch;
  worker_id w = last_worker();

  auto all = history(w, ch, std::nullopt, 100);
  EXPECT_EQ(all.status, core::status::ok);
  EXPECT_EQ(all.pos, last.pos);
  EXPECT_EQ(offsets(all.messages), range(1, 5));
  EXPECT_EQ(offsets(history(w, ch, std::nullopt, 2).messages), range(4, 5)) << "newest, in order";
  EXPECT_EQ(offsets(history(w, ch, position{e, 2}, 100).messages), range(3, 5));
  EXPECT_EQ(offsets(history(w, ch, position{e, 2}, 2).messages), range(3, 4)) << "oldest first";
  EXPECT_EQ(offsets(history(w, ch, position{e, 0}, 100).messages), range(1, 5));
  EXPECT_TRUE(history(w, ch, last.pos, 100).messages.empty());

  auto unknown = history(0, "nobody-here", std::nullopt, 100);
  EXPECT_EQ(unknown.status, core::status::ok);
  EXPECT_EQ(unknown.pos.offset, 0u);
  EXPECT_TRUE(unknown.messages.empty());
}

TEST_P(BrokerConformance, HistoryIsBoundedBySize) {
  start({.size = 3});
  auto last = publish_n(0, ch, 7);
  auto h = history(0, ch, std::nullopt, 100);
  EXPECT_EQ(h.pos, last.pos);
  EXPECT_EQ(offsets(h.messages), range(5, 7));
}

TEST_P(BrokerConformance, ChannelsMatchTheGlobAndCountSubscribersAcrossWorkers) {
  start();
  for (worker_id w = 0; w < worker_count(); ++w)
    subscribe(w, "doc:1");
  subscribe(0, "doc:1");
  subscribe(last_worker(), "doc:2");
  subscribe(0, "chat:1");
  publish(0, "doc:3", "1");  // published to, never subscribed: not listed

  auto as_map = [](const std::vector<broker::channel_info>& v) {
    std::map<std::string, std::uint64_t> m;
    for (const auto& ci : v)
      EXPECT_TRUE(m.emplace(ci.channel, ci.subscribers).second) << "listed twice: " << ci.channel;
    return m;
  };
  using counts = std::map<std::string, std::uint64_t>;
  std::uint64_t n = worker_count() + 1;
  for (worker_id w = 0; w < worker_count(); ++w) {
    EXPECT_EQ(as_map(channels(w, "doc:*")), (counts{{"doc:1", n}, {"doc:2", 1}}));
    EXPECT_EQ(as_map(channels(w, "")), (counts{{"doc:1", n}, {"doc:2", 1}, {"chat:1", 1}}));
    EXPECT_EQ(as_map(channels(w, "?hat:*")), (counts{{"chat:1", 1}}));
    EXPECT_TRUE(channels(w, "nomatch*").empty());
  }

  // Checked from the worker that unsubscribed: its calls take effect in order.
  unsubscribe(last_worker(), "doc:2");
  EXPECT_TRUE(channels(last_worker(), "doc:2").empty());
  unsubscribe(0, "doc:1");
  EXPECT_EQ(as_map(channels(0, "doc:*")), (counts{{"doc:1", n - 1}}));
}

// ---- presence (spec §2 join / leave) -------------------------------------------------------

// Joins and leaves of one worker reach the channel's subscribers in call order, with
// first/last per user (many tabs, one user).
TEST_P(BrokerConformance, JoinsAndLeavesAreAnnouncedWithFirstAndLast) {
  start();
  worker_id w = last_worker();
  subscribe(w, ch);
  join(0, ch, {"c1", "alice", R"({"name":"Alice"})"}, true);
  join(0, ch, {"c2", "alice", ""}, true);
  leave(0, ch, "c2", true);
  leave(0, ch, "c1", true);
  ASSERT_TRUE(sink(w).wait_for_deliveries(ch, 4));
  settle();
  auto got = sink(w).deliveries(ch);
  ASSERT_EQ(got.size(), 4u);

  std::vector<std::string> seen;
  for (const auto& m : got) {
    EXPECT_FALSE(m->moves_position());
    auto e = json::parse(m->envelope()).as_object();
    EXPECT_EQ(str(e.at("channel")), ch);
    EXPECT_EQ(str(e.at("user")), "alice");
    std::string flag =
        e.contains("first") ? "first=" + str(e.at("first")) : "last=" + str(e.at("last"));
    seen.push_back(str(e.at("type")) + " " + str(e.at("client")) + " " + flag);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"join c1 first=true", "join c2 first=false",
                                            "leave c2 last=false", "leave c1 last=true"}));
  EXPECT_EQ(got[0]->kind, broker::event_kind::join);
  EXPECT_EQ(got[2]->kind, broker::event_kind::leave);
  EXPECT_EQ(str(json::parse(got[0]->envelope()).at("info").at("name")), "Alice");
  EXPECT_EQ(json::parse(got[1]->envelope()).at("info"), json::object{}) << "no info: {}";
}

TEST_P(BrokerConformance, PresenceListsMembersAndCountsUsers) {
  start();
  worker_id w = last_worker();
  subscribe(0, ch);
  join(0, ch, {"c1", "alice", ""}, false);  // not announced
  join(w, ch, {"c2", "alice", ""}, false);
  join(w, ch, {"c3", "bob", R"({"a":1})"}, false);

  auto p = presence(0, ch, 10);
  EXPECT_EQ(p.clients, 3u);
  EXPECT_EQ(p.users, 2u);
  EXPECT_FALSE(p.truncated);
  std::set<std::string> clients;
  for (const auto& m : p.members)
    clients.insert(m.client + "/" + m.user);
  EXPECT_EQ(clients, (std::set<std::string>{"c1/alice", "c2/alice", "c3/bob"}));

  auto cut = presence(w, ch, 2);
  EXPECT_EQ(cut.members.size(), 2u);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.clients, 3u);

  leave(w, ch, "c3", false);
  leave(w, ch, "not-a-member", false);
  auto after = presence(w, ch, 10);
  EXPECT_EQ(after.clients, 2u);
  EXPECT_EQ(after.users, 1u);

  settle();
  EXPECT_TRUE(sink(0).deliveries(ch).empty()) << "unannounced joins and leaves send nothing";

  auto none = presence(0, "empty-channel", 10);
  EXPECT_EQ(none.clients, 0u);
  EXPECT_TRUE(none.members.empty());
  EXPECT_FALSE(none.truncated);
}

// ---- concurrency and threads ----------------------------------------------------------------

TEST_P(BrokerConformance, ConcurrentPublishersGetEveryOffsetExactlyOnce) {
  start();
  for (worker_id w = 0; w < worker_count(); ++w)
    subscribe(w, ch);
  static constexpr int per_worker = 200;
  std::vector<std::shared_ptr<std::vector<std::uint64_t>>> got;
  std::vector<std::future<void>> done;
  std::vector<std::future<void>> fired;
  for (worker_id w = 0; w < worker_count(); ++w) {
    auto offs = std::make_shared<std::vector<std::uint64_t>>();  // touched on w only
    auto all = std::make_shared<std::promise<void>>();
    got.push_back(offs);
    done.push_back(all->get_future());
    fired.push_back(run_on(w, [this, w, offs, all] {
      for (int i = 0; i < per_worker; ++i)
        b().publish(w, broker::publish_request{ch, std::to_string(i), false, ""},
                    [offs, all](broker::publish_result r) {
                      offs->push_back(r.pos.offset);
                      if (offs->size() == per_worker) all->set_value();
                    });
    }));
  }
  for (worker_id w = 0; w < worker_count(); ++w) {
    wait(fired[w], "publishes fired");
    wait(done[w], "publishes answered");
  }

  std::uint64_t total = std::uint64_t{per_worker} * worker_count();
  std::multiset<std::uint64_t> all_offsets;
  for (const auto& offs : got) {
    EXPECT_TRUE(std::is_sorted(offs->begin(), offs->end())) << "one worker's calls keep order";
    all_offsets.insert(offs->begin(), offs->end());
  }
  EXPECT_EQ(std::vector<std::uint64_t>(all_offsets.begin(), all_offsets.end()), range(1, total));

  for (worker_id w = 0; w < worker_count(); ++w)
    ASSERT_TRUE(sink(w).wait_for_deliveries(ch, total)) << "worker " << w;
  settle();
  for (worker_id w = 0; w < worker_count(); ++w)
    EXPECT_EQ(offsets(sink(w).deliveries(ch)), range(1, total)) << "worker " << w;
  expect_sinks_on_their_threads();
}

// Every helper checks that handlers run on the calling worker, after the call returned; this
// makes each kind of call from each worker once.
TEST_P(BrokerConformance, HandlersRunOnTheCallingWorkerNeverInline) {
  start();
  for (worker_id w = 0; w < worker_count(); ++w) {
    std::string c = "t:" + std::to_string(w);
    subscribe(w, c);
    publish(w, c, "1");
    publish(w, c, "2", true, "k");
    subscribe(w, c, position{"stale", 1});
    history(w, c, std::nullopt, 10);
    channels(w, "t:*");
    ASSERT_TRUE(sink(w).wait_for_deliveries(c, 2));
  }
  expect_sinks_on_their_threads();
}

// ---- implementations ------------------------------------------------------------------------

broker_impl memory_impl() {
  return broker_impl{"memory",
                     [](std::vector<boost::asio::any_io_executor> executors,
                        std::vector<broker::delivery_sink*> sinks,
                        history_options opts) -> std::unique_ptr<broker::broker> {
                       return std::make_unique<broker::memory_broker>(
                           std::move(executors), std::move(sinks), [opts](std::string_view) {
                             return broker::history_limits{opts.size, opts.ttl};
                           });
                     }};
}

INSTANTIATE_TEST_SUITE_P(Memory, BrokerConformance,
                         ::testing::ValuesIn(with_worker_counts(memory_impl())), param_name);

}  // namespace
}  // namespace triplex::broker_test
