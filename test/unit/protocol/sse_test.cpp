// Tests of Server-Sent Events framing (spec §3.2), checked against a small reader that follows
// the HTML event-stream interpretation rules.
#include "protocol/sse.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace triplex::protocol {
namespace {

struct sse_event_seen {
  std::string type;
  std::string data;
  std::string id;
};

// Interprets an event stream like a browser does (lines end in CRLF, CR or LF).
std::vector<sse_event_seen> read_stream(std::string_view stream) {
  std::vector<sse_event_seen> events;
  sse_event_seen current;
  bool has_data = false;
  std::size_t i = 0;
  while (i < stream.size()) {
    std::size_t end = stream.find_first_of("\r\n", i);
    if (end == std::string_view::npos) break;  // an incomplete line is not interpreted
    const std::string_view line = stream.substr(i, end - i);
    i = end + (stream[end] == '\r' && end + 1 < stream.size() && stream[end + 1] == '\n' ? 2 : 1);
    if (line.empty()) {
      if (has_data) events.push_back(current);
      current = {"", "", current.id};
      has_data = false;
      continue;
    }
    if (line[0] == ':') continue;
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    if (field == "event") current.type = value;
    if (field == "id") current.id = value;
    if (field == "data") {
      if (has_data) current.data += '\n';
      current.data += value;
      has_data = true;
    }
  }
  return events;
}

TEST(Sse, Preamble) {
  EXPECT_EQ(sse_preamble(std::chrono::milliseconds(2000)), "retry: 2000\n: triplex\n\n");
  EXPECT_EQ(sse_preamble(std::chrono::seconds(0)), "retry: 0\n: triplex\n\n");
  EXPECT_EQ(sse_preamble(std::chrono::milliseconds(-5)), "retry: 0\n: triplex\n\n");
  EXPECT_TRUE(read_stream(sse_preamble(std::chrono::milliseconds(1))).empty());
}

TEST(Sse, Event) {
  EXPECT_EQ(sse_event("message", R"({"type":"message"})"),
            "event: message\ndata: {\"type\":\"message\"}\n\n");
  EXPECT_EQ(sse_event("", "x"), "data: x\n\n");
  EXPECT_EQ(sse_event("", ""), "data: \n\n");
}

TEST(Sse, IdLineComesBeforeASharedBlock) {
  EXPECT_EQ(sse_id_line("W10"), "id: W10\n");
  const std::string block = sse_event("message", "{}");
  const auto events = read_stream(sse_id_line("abc") + block + sse_id_line("abd") + block);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, "abc");
  EXPECT_EQ(events[1].id, "abd");
  EXPECT_EQ(events[1].type, "message");
  EXPECT_EQ(events[1].data, "{}");
}

TEST(Sse, SplitsLineBreaksIntoDataLines) {
  EXPECT_EQ(sse_event("m", "a\nb"), "event: m\ndata: a\ndata: b\n\n");
  EXPECT_EQ(sse_event("m", "a\r\nb"), "event: m\ndata: a\ndata: b\n\n");
  EXPECT_EQ(sse_event("m", "a\rb"), "event: m\ndata: a\ndata: b\n\n");
  EXPECT_EQ(sse_event("m", "a\n\nb"), "event: m\ndata: a\ndata: \ndata: b\n\n");
  EXPECT_EQ(sse_event("m", "a\n"), "event: m\ndata: a\ndata: \n\n");
  EXPECT_EQ(sse_event("m", "\r\n"), "event: m\ndata: \ndata: \n\n");
}

TEST(Sse, DropsLineBreaksFromTypeAndId) {
  EXPECT_EQ(sse_event("a\nb\r", "x"), "event: ab\ndata: x\n\n");
  EXPECT_EQ(sse_id_line(std::string("a\r\n\0b", 5)), "id: ab\n");
}

TEST(Sse, Heartbeat) {
  EXPECT_EQ(sse_heartbeat(), ":\n\n");
  const std::string stream = std::string(sse_heartbeat()) + sse_event("m", "1");
  EXPECT_EQ(read_stream(stream).size(), 1u);
}

// Any envelope, whatever line breaks it holds, reaches the client as one event whose data is
// the envelope with every line break turned into '\n'.
TEST(Sse, RandomPayloadsSurviveTheReader) {
  std::mt19937 rng(3);
  const std::string alphabet = "ab:{} \r\n";
  for (int i = 0; i < 3000; ++i) {
    std::string payload(rng() % 16, 'x');
    for (char& c : payload)
      c = alphabet[rng() % alphabet.size()];
    std::string expected;
    for (std::size_t k = 0; k < payload.size(); ++k) {
      if (payload[k] == '\r' && k + 1 < payload.size() && payload[k + 1] == '\n') continue;
      expected += payload[k] == '\r' ? '\n' : payload[k];
    }
    const auto events = read_stream(sse_id_line("c") + sse_event("message", payload));
    ASSERT_EQ(events.size(), 1u) << payload;
    EXPECT_EQ(events[0].data, expected);
    EXPECT_EQ(events[0].type, "message");
    EXPECT_EQ(events[0].id, "c");
  }
}

}  // namespace
}  // namespace triplex::protocol
