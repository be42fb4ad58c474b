// Long-poll: see longpoll_request.hpp.
#include "transport/longpoll_request.hpp"

#include <boost/asio/post.hpp>
#include <charconv>

#include "protocol/cursor.hpp"
#include "protocol/longpoll.hpp"
#include "protocol/result_json.hpp"
#include "transport/worker_context.hpp"

namespace triplex::transport {

namespace {

constexpr auto lp = metrics::transport::longpoll;

// Parses `timeout` (whole seconds); nullopt when malformed.
std::optional<std::chrono::milliseconds> poll_timeout(const protocol::http_request& req,
                                                      const settings& cfg, bool& capped) {
  const std::string* t = req.target.param("timeout");
  if (!t) return cfg.lp_timeout;
  std::uint64_t seconds = 0;
  auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), seconds);
  if (ec != std::errc() || end != t->data() + t->size() || t->empty()) return std::nullopt;
  std::chrono::milliseconds want{std::min<std::uint64_t>(seconds, 1'000'000) * 1000};
  capped = want > cfg.lp_max_timeout;
  return capped ? cfg.lp_max_timeout : want;
}

}  // namespace

longpoll_request::longpoll_request(worker_context& ctx, protocol::http_request req)
    : ctx_(ctx), req_(std::move(req)), timer_(ctx.io) {
  ctx_.metrics->connections[lp].add(1);
  ctx_.metrics->connections_accepted[lp].inc();
}

longpoll_request::~longpoll_request() {
  ctx_.metrics->connections[lp].add(-1);
}

void longpoll_request::start(respond_fn respond) {
  respond_ = std::move(respond);
  auto parsed = parse_stream_request(req_, *ctx_.cfg);
  if (auto* err = std::get_if<stream_request_error>(&parsed)) {
    ctx_.metrics->rejected[err->reason].inc();
    return answer_later(std::move(err->response));
  }
  bool capped = false;
  auto timeout = poll_timeout(req_, *ctx_.cfg, capped);
  if (!timeout) {
    ctx_.metrics->rejected[metrics::reject_reason::bad_http].inc();
    return answer_later(
        protocol::http_error(core::status::bad_request, "timeout: expected whole seconds"));
  }
  if (capped) ctx_.metrics->longpoll_timeout_capped.inc();
  timer_.expires_after(*timeout);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    self->ctx_.metrics->longpoll_timeouts.inc();
    self->finish();
  });
  subscribe_all(std::move(std::get<stream_request>(parsed)));
}

// Answers on the next turn of the loop: the owner may drop this request inside respond_.
void longpoll_request::answer_later(protocol::http_response res) {
  done_ = true;
  boost::asio::post(ctx_.io, [self = shared_from_this(), res = std::move(res)]() mutable {
    self->respond_(std::move(res));
  });
}

void longpoll_request::subscribe_all(stream_request req) {
  subs_ = std::make_unique<subscription_set>(ctx_, weak_from_this(), this);
  pending_subscribes_ = req.channels.size();
  for (auto& ch : req.channels)
    subs_->subscribe(ch.name, ch.since,
                     [this](broker::subscribe_result& res) { on_subscribed(res); });
}

void longpoll_request::on_subscribed(broker::subscribe_result& res) {
  for (const auto& m : res.replay)
    on_event(m);
  // Answer only once every channel has a position, so the next cursor covers them all.
  if (--pending_subscribes_ == 0 && (!batch_.empty() || finish_when_ready_)) schedule_finish();
}

void longpoll_request::on_event(const broker::message_ptr& msg) {
  if (done_ || batch_.size() >= ctx_.cfg->lp_batch_limit) {
    if (!done_) ctx_.metrics->longpoll_batch_truncated.inc();
    return;  // not accepted: the next poll reads it from history
  }
  if (!subs_->accept(*msg)) return;
  batch_.push_back(msg);
  ctx_.metrics->deliveries[lp].inc();
  if (pending_subscribes_ == 0) schedule_finish();
}

// Answers on the next turn of the loop, so events arriving together share one answer.
void longpoll_request::schedule_finish() {
  if (finish_posted_) return;
  finish_posted_ = true;
  boost::asio::post(ctx_.io, [self = shared_from_this()] { self->finish(); });
}

void longpoll_request::abandon() {
  if (done_) return;
  done_ = true;
  timer_.cancel();
  if (subs_) subs_->unsubscribe_all();
  batch_.clear();
}

void longpoll_request::finish() {
  if (done_) return;
  if (pending_subscribes_ > 0) {
    finish_when_ready_ = true;  // the timeout came first; answer when the broker has
    return;
  }
  done_ = true;
  timer_.cancel();
  std::vector<std::string_view> envelopes;
  envelopes.reserve(batch_.size());
  for (const auto& m : batch_)
    envelopes.push_back(m->envelope());
  protocol::http_response res;
  auto positions = subs_ ? subs_->positions() : std::vector<protocol::cursor_entry>{};
  res.body = protocol::longpoll_body(protocol::encode_cursor(positions), envelopes);
  res.headers.emplace_back("Cache-Control", "no-store");
  ctx_.metrics->bytes_out[lp].inc(res.body.size());
  if (subs_) subs_->unsubscribe_all();
  batch_.clear();
  auto keep = shared_from_this();  // respond_ may drop the owner's reference
  respond_(std::move(res));
}

}  // namespace triplex::transport
