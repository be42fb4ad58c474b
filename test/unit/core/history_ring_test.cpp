#include "core/history_ring.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using ring = triplex::core::history_ring<int>;
using namespace std::chrono_literals;

std::vector<int> after(const ring& r, std::uint64_t off, std::size_t limit = 100) {
  std::vector<int> out;
  r.read_after(off, limit, out);
  return out;
}

TEST(HistoryRing, KeepsTheLastCapacityEntries) {
  ring r(3, 1h);
  auto t = ring::clock::now();
  for (int i = 1; i <= 5; ++i)
    r.append(i, i * 10, t);
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(r.first_offset(), 3u);
  EXPECT_EQ(after(r, 0), (std::vector<int>{30, 40, 50}));
  EXPECT_EQ(after(r, 3), (std::vector<int>{40, 50}));
  EXPECT_EQ(after(r, 5), std::vector<int>{});
  EXPECT_EQ(after(r, 3, 1), std::vector<int>{40});
}

TEST(HistoryRing, ReadAfterAppendsToWhatIsThere) {
  ring r(5, 1h);
  auto t = ring::clock::now();
  for (int i = 1; i <= 3; ++i)
    r.append(i, i, t);
  std::vector<int> out{99};
  r.read_after(0, 2, out);
  EXPECT_EQ(out, (std::vector<int>{99, 1, 2}));
}

TEST(HistoryRing, TrimsByAge) {
  ring r(10, 5s);
  auto t = ring::clock::now();
  r.append(1, 1, t);
  r.append(2, 2, t + 3s);
  r.trim(t + 6s);
  EXPECT_EQ(r.first_offset(), 2u);
  r.trim(t + 9s);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.first_offset(), 0u);
}

TEST(HistoryRing, ZeroCapacityStoresNothing) {
  ring r(0, 1h);
  r.append(1, 1, ring::clock::now());
  EXPECT_TRUE(r.empty());
}

TEST(HistoryRing, ReadLastReturnsNewestOldestFirst) {
  ring r(5, 1h);
  auto t = ring::clock::now();
  for (int i = 1; i <= 4; ++i)
    r.append(i, i, t);
  std::vector<int> out;
  r.read_last(2, out);
  EXPECT_EQ(out, (std::vector<int>{3, 4}));
}

}  // namespace

namespace {

// Wrap-around and growth after a trim keep offsets consecutive and oldest first.
TEST(HistoryRing, WrapsAroundAndRegrowsAfterTrim) {
  ring r(4, std::chrono::seconds(10));
  auto t = ring::clock::now();
  for (int i = 1; i <= 10; ++i)
    r.append(i, i, t + std::chrono::seconds(i));
  EXPECT_EQ(after(r, 0), (std::vector<int>{7, 8, 9, 10}));
  r.trim(t + std::chrono::seconds(18));  // drops 7
  EXPECT_EQ(r.first_offset(), 8u);
  r.append(11, 11, t + std::chrono::seconds(18));
  r.append(12, 12, t + std::chrono::seconds(18));
  EXPECT_EQ(after(r, 0), (std::vector<int>{9, 10, 11, 12}));
  EXPECT_EQ(after(r, 10), (std::vector<int>{11, 12}));
  std::vector<int> last;
  r.read_last(3, last);
  EXPECT_EQ(last, (std::vector<int>{10, 11, 12}));
  r.trim(t + std::chrono::seconds(100));
  EXPECT_TRUE(r.empty());
  r.append(13, 13, t + std::chrono::seconds(100));
  EXPECT_EQ(after(r, 0), std::vector<int>{13});
}

// Growth while the oldest entry is not at the front of the storage (after a trim).
TEST(HistoryRing, GrowsWhenTheOldestIsNotFirst) {
  ring r(5, std::chrono::seconds(10));
  auto t = ring::clock::now();
  for (int i = 1; i <= 3; ++i)
    r.append(i, i, t + std::chrono::seconds(i));
  r.trim(t + std::chrono::seconds(12));  // drops 1: head moves
  r.append(4, 4, t + std::chrono::seconds(12));
  r.append(5, 5, t + std::chrono::seconds(12));
  r.append(6, 6, t + std::chrono::seconds(12));
  EXPECT_EQ(after(r, 0), (std::vector<int>{2, 3, 4, 5, 6}));
  r.append(7, 7, t + std::chrono::seconds(12));
  EXPECT_EQ(after(r, 0), (std::vector<int>{3, 4, 5, 6, 7}));
}

}  // namespace
