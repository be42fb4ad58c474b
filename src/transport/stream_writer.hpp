// The write side of a streaming connection (WebSocket, SSE): one write in flight, taking many
// queued chunks at once as one gathered write (STYLE habit 7). Thread: the connection's worker.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <vector>

#include "transport/outbound_queue.hpp"

namespace triplex::transport {

class stream_writer {
 public:
  explicit stream_writer(std::size_t limit_bytes) : queue_(limit_bytes) {}

  outbound_queue& queue() { return queue_; }

  // Starts the next gathered write unless one is in flight or nothing waits; `done(ec, n)` runs
  // when it completes (after the queue has released the written chunks). Returns whether a
  // write was started.
  template <typename Done>
  bool pump(boost::asio::ip::tcp::socket& socket, Done&& done) {
    if (!queue_.start_write(views_)) return false;
    buffers_.clear();
    for (std::string_view v : views_)
      buffers_.emplace_back(v.data(), v.size());
    boost::asio::async_write(socket, span{buffers_.data(), buffers_.data() + buffers_.size()},
                             [this, done = std::forward<Done>(done)](boost::system::error_code ec,
                                                                     std::size_t n) mutable {
                               queue_.finish_write();
                               if (queue_.empty()) release_idle_storage();
                               done(ec, n);
                             });
    return true;
  }

 private:
  void release_idle_storage() {
    if (views_.capacity() > 16) std::vector<std::string_view>().swap(views_);
    if (buffers_.capacity() > 16) std::vector<boost::asio::const_buffer>().swap(buffers_);
  }

  // A non-owning buffer sequence: the write op copies this, not the vector.
  struct span {
    const boost::asio::const_buffer* first;
    const boost::asio::const_buffer* last;
    const boost::asio::const_buffer* begin() const { return first; }
    const boost::asio::const_buffer* end() const { return last; }
  };

  outbound_queue queue_;
  std::vector<std::string_view> views_;
  std::vector<boost::asio::const_buffer> buffers_;
};

}  // namespace triplex::transport
