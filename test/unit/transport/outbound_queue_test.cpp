// outbound_queue: byte accounting, coalesced writes with one write in flight, and the overflow
// policy of STYLE habit 7 (ephemeral drops first, durable overflow is reported).
#include "transport/outbound_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/message.hpp"

namespace triplex::transport {
namespace {

using broker::make_message;

chunk own(std::string bytes) {
  return chunk{nullptr, wire_part::own, std::move(bytes)};
}

// A durable message of `channel` at `offset`, sent as its WebSocket frame.
chunk durable(std::uint64_t offset, std::string_view data = "0", std::string_view channel = "c") {
  return chunk{
      make_message(channel, core::position{"E", offset}, false, "", data), wire_part::ws_frame, {}};
}

// An ephemeral message, sent as its WebSocket frame.
chunk ephemeral(std::string_view data, std::string_view key = "", std::string_view channel = "c") {
  return chunk{
      make_message(channel, core::position{"E", 0}, true, key, data), wire_part::ws_frame, {}};
}

std::size_t size_of(const chunk& c) {
  return c.bytes().size();
}

std::vector<std::string> as_strings(const std::vector<std::string_view>& views) {
  return {views.begin(), views.end()};
}

// Drains the queue write by write; returns the bytes of every chunk in order.
std::vector<std::string> drain(outbound_queue& q) {
  std::vector<std::string> out;
  std::vector<std::string_view> views;
  while (q.start_write(views)) {
    for (auto v : views)
      out.emplace_back(v);
    q.finish_write();
  }
  return out;
}

TEST(OutboundQueue, ChunkBytesAreThePartOfTheSharedMessage) {
  auto m = make_message("c", core::position{"E", 1}, false, "", R"({"a":1})");
  EXPECT_EQ((chunk{m, wire_part::ws_frame, {}}).bytes(), m->ws_frame);
  EXPECT_EQ((chunk{m, wire_part::ws_frame_deflated, {}}).bytes(), m->ws_frame_deflated());
  EXPECT_EQ((chunk{m, wire_part::sse_event, {}}).bytes(), m->sse_event());
  EXPECT_EQ((chunk{m, wire_part::envelope, {}}).bytes(), m->envelope());
  EXPECT_EQ(own("xyz").bytes(), "xyz");
  EXPECT_EQ((chunk{m, wire_part::ws_frame, {}}).bytes().data(), m->ws_frame.data()) << "shared";
}

TEST(OutboundQueue, CountsBytesUntilTheirWriteFinishes) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.queued_bytes(), 0u);
  chunk a = own("hello");
  chunk b = durable(1);
  chunk e = ephemeral("1");
  std::size_t total = size_of(a) + size_of(b) + size_of(e);
  EXPECT_EQ(q.push(std::move(a), dropped), push_result::queued);
  EXPECT_EQ(q.push(std::move(b), dropped), push_result::queued);
  EXPECT_EQ(q.push(std::move(e), dropped), push_result::queued);
  EXPECT_EQ(q.queued_bytes(), total);
  EXPECT_FALSE(q.empty());

  std::vector<std::string_view> out;
  ASSERT_TRUE(q.start_write(out));
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(q.queued_bytes(), total) << "bytes in flight still count";
  q.finish_write();
  EXPECT_EQ(q.queued_bytes(), 0u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(dropped, 0u);
}

TEST(OutboundQueue, StartWriteTakesChunksInOrder) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  q.push(own("a"), dropped);
  q.push(own("bb"), dropped);
  q.push(own("ccc"), dropped);
  std::vector<std::string_view> out{"stale"};
  ASSERT_TRUE(q.start_write(out));
  EXPECT_EQ(as_strings(out), (std::vector<std::string>{"a", "bb", "ccc"}));
}

TEST(OutboundQueue, StartWriteIsFalseWhenNothingWaits) {
  outbound_queue q(100);
  std::vector<std::string_view> out{"stale"};
  EXPECT_FALSE(q.start_write(out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(q.writing());
  q.finish_write();  // nothing in flight: harmless
  EXPECT_EQ(q.queued_bytes(), 0u);
}

TEST(OutboundQueue, OneWriteInFlight) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  q.push(own("first"), dropped);
  std::vector<std::string_view> out;
  ASSERT_TRUE(q.start_write(out));
  EXPECT_TRUE(q.writing());
  q.push(own("second"), dropped);

  std::vector<std::string_view> again{"stale"};
  EXPECT_FALSE(q.start_write(again)) << "a second write while one is in flight";
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(as_strings(out), std::vector<std::string>{"first"}) << "in-flight bytes stay valid";

  q.finish_write();
  EXPECT_FALSE(q.writing());
  EXPECT_EQ(q.queued_bytes(), std::string("second").size());
  ASSERT_TRUE(q.start_write(out));
  EXPECT_EQ(as_strings(out), std::vector<std::string>{"second"});
}

TEST(OutboundQueue, BackloggedWhenMoreWaitsThanOneWriteTakes) {
  outbound_queue q(1 << 24);
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < max_write_chunks; ++i)
    q.push(own("x"), dropped);
  EXPECT_FALSE(q.backlogged()) << "exactly one write's worth";
  q.push(own("x"), dropped);
  EXPECT_TRUE(q.backlogged());
  std::vector<std::string_view> out;
  ASSERT_TRUE(q.start_write(out));
  EXPECT_FALSE(q.backlogged()) << "not while a write is in flight";
  q.finish_write();
  EXPECT_FALSE(q.backlogged()) << "one chunk left";

  q.push(own(std::string(max_write_bytes - 1, 'b')),
         dropped);  // with the "x" left: max_write_bytes
  EXPECT_FALSE(q.backlogged());
  q.push(own("b"), dropped);
  EXPECT_TRUE(q.backlogged()) << "more bytes than one write takes";
}

TEST(OutboundQueue, StartWriteCoalescesAtMostMaxChunks) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  for (char c : std::string("abcde"))
    q.push(own(std::string(1, c)), dropped);
  std::vector<std::string_view> out;
  std::vector<std::vector<std::string>> writes;
  while (q.start_write(out, 2)) {
    writes.push_back(as_strings(out));
    q.finish_write();
  }
  EXPECT_EQ(writes, (std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d"}, {"e"}}));
}

TEST(OutboundQueue, StartWriteStopsOnceMaxBytesAreReached) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  for (char c : std::string("abcde"))
    q.push(own(std::string(4, c)), dropped);
  std::vector<std::string_view> out;
  ASSERT_TRUE(q.start_write(out, 64, 8));
  EXPECT_EQ(as_strings(out), (std::vector<std::string>{"aaaa", "bbbb"}));
  q.finish_write();
  EXPECT_EQ(q.queued_bytes(), 12u);
}

TEST(OutboundQueue, AChunkLargerThanMaxBytesIsWrittenAlone) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  q.push(own(std::string(20, 'x')), dropped);
  q.push(own("y"), dropped);
  std::vector<std::string_view> out;
  ASSERT_TRUE(q.start_write(out, 64, 8));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 20u);
  q.finish_write();
  ASSERT_TRUE(q.start_write(out, 64, 8));
  EXPECT_EQ(as_strings(out), std::vector<std::string>{"y"});
}

// ---- overflow policy ------------------------------------------------------------------------

TEST(OutboundQueue, EphemeralIsDroppedWhenItDoesNotFit) {
  chunk e = ephemeral("1");
  outbound_queue q(size_of(e) + 3);
  std::size_t dropped = 0;
  ASSERT_EQ(q.push(own("1234"), dropped), push_result::queued);
  EXPECT_EQ(q.push(std::move(e), dropped), push_result::dropped);
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(q.queued_bytes(), 4u);
  EXPECT_EQ(drain(q), std::vector<std::string>{"1234"});
}

TEST(OutboundQueue, DurableFillsTheQueueExactly) {
  outbound_queue q(10);
  std::size_t dropped = 0;
  EXPECT_EQ(q.push(own("123456"), dropped), push_result::queued);
  EXPECT_EQ(q.push(own("7890"), dropped), push_result::queued);
  EXPECT_EQ(q.queued_bytes(), 10u);
  EXPECT_EQ(q.push(own("x"), dropped), push_result::overflow);
  EXPECT_EQ(q.queued_bytes(), 10u) << "an overflowing chunk is not queued";
  EXPECT_EQ(dropped, 0u);
}

TEST(OutboundQueue, DurableEvictsWaitingEphemeralsOldestFirstOnlyAsNeeded) {
  chunk e1 = ephemeral("1");
  chunk e2 = ephemeral("2");
  chunk d1 = durable(1);
  chunk d2 = durable(2);
  std::string e2_bytes(e2.bytes()), d1_bytes(d1.bytes()), d2_bytes(d2.bytes());
  ASSERT_EQ(size_of(e1), size_of(e2));
  ASSERT_EQ(size_of(d1), size_of(d2));
  // Room for everything but one ephemeral.
  outbound_queue q(size_of(e1) + size_of(d1) + size_of(d2));
  std::size_t dropped = 0;
  ASSERT_EQ(q.push(std::move(e1), dropped), push_result::queued);
  ASSERT_EQ(q.push(std::move(d1), dropped), push_result::queued);
  ASSERT_EQ(q.push(std::move(e2), dropped), push_result::queued);

  EXPECT_EQ(q.push(std::move(d2), dropped), push_result::queued);
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(q.queued_bytes(), d1_bytes.size() + e2_bytes.size() + d2_bytes.size());
  EXPECT_EQ(drain(q), (std::vector<std::string>{d1_bytes, e2_bytes, d2_bytes}));
}

TEST(OutboundQueue, DurableNeverEvictsEphemeralsInFlight) {
  chunk e1 = ephemeral("1");
  chunk e2 = ephemeral("2");
  chunk d1 = durable(1);
  std::string e1_bytes(e1.bytes()), e2_bytes(e2.bytes()), d1_bytes(d1.bytes());
  ASSERT_LT(size_of(e2), size_of(d1));
  outbound_queue q(size_of(e1) + size_of(d1));  // e1 and e2 fit, then e1 and d1
  std::size_t dropped = 0;
  ASSERT_EQ(q.push(std::move(e1), dropped), push_result::queued);
  std::vector<std::string_view> out;
  ASSERT_TRUE(q.start_write(out));  // e1 in flight
  ASSERT_EQ(q.push(std::move(e2), dropped), push_result::queued);

  // Evicting the waiting e2 makes room; the in-flight e1 is kept.
  EXPECT_EQ(q.push(std::move(d1), dropped), push_result::queued);
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(as_strings(out), std::vector<std::string>{e1_bytes});
  EXPECT_EQ(q.queued_bytes(), e1_bytes.size() + d1_bytes.size());

  // Nothing waits to evict any more: the in-flight ephemeral is not a candidate.
  EXPECT_EQ(q.push(durable(2), dropped), push_result::overflow);
  EXPECT_EQ(dropped, 1u);
  q.finish_write();
  EXPECT_EQ(drain(q), std::vector<std::string>{d1_bytes});
}

TEST(OutboundQueue, OverflowIsReportedWhenEvictingEphemeralsIsNotEnough) {
  chunk e = ephemeral("1");
  outbound_queue q(size_of(e) + 2);
  std::size_t dropped = 0;
  ASSERT_EQ(q.push(std::move(e), dropped), push_result::queued);
  ASSERT_EQ(q.push(own("ab"), dropped), push_result::queued);
  EXPECT_EQ(q.push(own(std::string(q.queued_bytes(), 'x')), dropped), push_result::overflow);
  EXPECT_EQ(dropped, 1u) << "the evicted ephemeral is counted";
  EXPECT_EQ(drain(q), std::vector<std::string>{"ab"});
}

// ---- ephemeral coalescing -------------------------------------------------------------------

TEST(OutboundQueue, EphemeralWithTheSameChannelAndKeyReplacesTheWaitingOne) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  chunk newer = ephemeral(R"("new")", "alice");
  std::string newer_bytes(newer.bytes());
  q.push(own("before"), dropped);
  q.push(ephemeral(R"("old")", "alice"), dropped);
  q.push(own("after"), dropped);
  EXPECT_EQ(q.push(std::move(newer), dropped), push_result::queued);
  EXPECT_EQ(q.queued_bytes(), 6 + newer_bytes.size() + 5);
  EXPECT_EQ(drain(q), (std::vector<std::string>{"before", newer_bytes, "after"}))
      << "the latest wins, in the waiting one's place";
  EXPECT_EQ(dropped, 0u);
}

TEST(OutboundQueue, CoalescingNeedsTheSameChannelAndANonEmptyKey) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  q.push(ephemeral("1", "k", "a"), dropped);
  q.push(ephemeral("2", "k", "b"), dropped);  // another channel
  q.push(ephemeral("3", "j", "a"), dropped);  // another key
  q.push(ephemeral("4", "", "a"), dropped);   // no key
  q.push(ephemeral("5", "", "a"), dropped);
  q.push(durable(1, "6", "a"), dropped);
  EXPECT_EQ(drain(q).size(), 6u);
}

TEST(OutboundQueue, CoalescingSkipsChunksInFlight) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  chunk old = ephemeral("1", "k");
  chunk newer = ephemeral("2", "k");
  std::string old_bytes(old.bytes()), newer_bytes(newer.bytes());
  q.push(std::move(old), dropped);
  std::vector<std::string_view> out;
  ASSERT_TRUE(q.start_write(out));
  q.push(std::move(newer), dropped);
  EXPECT_EQ(as_strings(out), std::vector<std::string>{old_bytes}) << "in flight: untouched";
  EXPECT_EQ(q.queued_bytes(), old_bytes.size() + newer_bytes.size());
  q.finish_write();
  EXPECT_EQ(drain(q), std::vector<std::string>{newer_bytes});
}

TEST(OutboundQueue, CoalescingWhenFullKeepsTheLatest) {
  chunk old = ephemeral("1", "k");
  chunk newer = ephemeral("2", "k");
  std::string newer_bytes(newer.bytes());
  ASSERT_EQ(size_of(old), size_of(newer));
  outbound_queue q(size_of(old));
  std::size_t dropped = 0;
  ASSERT_EQ(q.push(std::move(old), dropped), push_result::queued);
  EXPECT_EQ(q.push(std::move(newer), dropped), push_result::queued);
  EXPECT_EQ(drain(q), std::vector<std::string>{newer_bytes});
}

TEST(OutboundQueue, CoalescingNeverExceedsTheLimit) {
  chunk small = ephemeral("1", "k");
  chunk big = ephemeral(R"("a much longer payload than the first one")", "k");
  const std::size_t limit = size_of(small) + 4;
  outbound_queue q(limit);
  std::size_t dropped = 0;
  ASSERT_EQ(q.push(std::move(small), dropped), push_result::queued);
  q.push(std::move(big), dropped);
  EXPECT_LE(q.queued_bytes(), limit);
}

// ---- clear_pending and push_unbounded -------------------------------------------------------

TEST(OutboundQueue, ClearPendingKeepsTheChunksInFlight) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  q.push(own("a"), dropped);
  q.push(own("bb"), dropped);
  std::vector<std::string_view> out;
  ASSERT_TRUE(q.start_write(out, 1));
  q.push(own("ccc"), dropped);
  q.clear_pending();
  EXPECT_TRUE(q.writing());
  EXPECT_EQ(q.queued_bytes(), 1u);
  EXPECT_EQ(as_strings(out), std::vector<std::string>{"a"});
  q.finish_write();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.queued_bytes(), 0u);
  EXPECT_FALSE(q.start_write(out));
}

TEST(OutboundQueue, ClearPendingThenLastWords) {
  outbound_queue q(1 << 20);
  std::size_t dropped = 0;
  q.push(own("a"), dropped);
  q.push(own("b"), dropped);
  q.clear_pending();
  EXPECT_TRUE(q.empty());
  q.push_unbounded(own("close"));
  EXPECT_EQ(drain(q), std::vector<std::string>{"close"});
}

TEST(OutboundQueue, PushUnboundedIgnoresTheLimit) {
  outbound_queue q(4);
  std::size_t dropped = 0;
  q.push_unbounded(own("0123456789"));
  EXPECT_EQ(q.queued_bytes(), 10u);
  EXPECT_EQ(q.push(own("x"), dropped), push_result::overflow) << "the queue is over its limit";
  EXPECT_EQ(q.push(ephemeral("1"), dropped), push_result::dropped);
  q.push_unbounded(own("close"));
  EXPECT_EQ(q.queued_bytes(), 15u);
  EXPECT_EQ(drain(q), (std::vector<std::string>{"0123456789", "close"}));
  EXPECT_EQ(q.queued_bytes(), 0u);
}

}  // namespace
}  // namespace triplex::transport
