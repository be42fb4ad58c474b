// The outbound queue's limit bounds a backlog, not one message: into an empty queue any single
// chunk fits; behind a waiting chunk the same one overflows.
#include <gtest/gtest.h>

#include "broker/message.hpp"
#include "transport/outbound_queue.hpp"

namespace {

using namespace triplex;

transport::chunk durable(std::size_t size) {
  auto m = broker::make_message("c", core::position{"e", 1}, false, "",
                                "\"" + std::string(size, 'x') + "\"");
  return transport::chunk{m, transport::wire_part::ws_frame, {}};
}

TEST(OutboundQueueSingleChunk, AChunkOverTheLimitFitsAnEmptyQueueOnly) {
  transport::outbound_queue q(1000);
  std::size_t dropped = 0;
  EXPECT_EQ(q.push(durable(5000), dropped), transport::push_result::queued);
  EXPECT_GT(q.queued_bytes(), 1000u);
  EXPECT_EQ(q.push(durable(10), dropped), transport::push_result::overflow);
  std::vector<std::string_view> out;
  ASSERT_TRUE(q.start_write(out));
  q.finish_write();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.push(durable(10), dropped), transport::push_result::queued);
  EXPECT_EQ(q.push(durable(5000), dropped), transport::push_result::overflow);
}

}  // namespace
