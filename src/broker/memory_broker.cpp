// In-memory broker: see memory_broker.hpp.
#include "broker/memory_broker.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <random>
#include <string>
#include <unordered_map>

#include "broker/worker_outbox.hpp"
#include "core/glob.hpp"
#include "core/history_ring.hpp"
#include "core/presence_table.hpp"
#include "protocol/envelope.hpp"

namespace triplex::broker {

namespace {

using clock = std::chrono::steady_clock;

std::string new_epoch() {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string e(8, 'A');
  for (char& c : e)
    c = alphabet[rng() % (sizeof(alphabet) - 1)];
  return e;
}

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct channel_state {
  channel_state(std::size_t workers, history_limits l)
      : epoch(new_epoch()), history(l.size, l.ttl), refs(workers, 0) {}
  std::string epoch;
  std::uint64_t offset = 0;
  core::history_ring<message_ptr> history;
  std::vector<std::uint32_t> refs;  // subscribers per worker
  std::uint64_t subscribers = 0;
  core::presence_table presence;
  clock::time_point last_used = clock::now();
};

}  // namespace

struct memory_broker::shard {
  shard(worker_id id, const std::vector<boost::asio::any_io_executor>& executors,
        const std::vector<delivery_sink*>& sinks)
      : sweep_timer(executors[id]), outbox(id, executors, sinks) {}
  std::unordered_map<std::string, channel_state, string_hash, std::equal_to<>> channels;
  boost::asio::steady_timer sweep_timer;
  worker_outbox outbox;  // results and deliveries leaving this shard
};

memory_broker::memory_broker(std::vector<boost::asio::any_io_executor> executors,
                             std::vector<delivery_sink*> sinks, limits_fn limits,
                             broker_observer* observer)
    : executors_(std::move(executors)),
      sinks_(std::move(sinks)),
      limits_(std::move(limits)),
      observer_(observer) {
  for (worker_id id = 0; id < executors_.size(); ++id)
    shards_.push_back(std::make_unique<shard>(id, executors_, sinks_));
}

memory_broker::~memory_broker() = default;

worker_id memory_broker::shard_of(std::string_view channel) const {
  return static_cast<worker_id>(std::hash<std::string_view>{}(channel) % shards_.size());
}

template <typename F>
void memory_broker::on_shard(std::string_view channel, F&& f) {
  worker_id s = shard_of(channel);
  boost::asio::post(executors_[s], [this, s, f = std::forward<F>(f)]() mutable { f(*shards_[s]); });
}

namespace {

channel_state& state_of(
    std::unordered_map<std::string, channel_state, string_hash, std::equal_to<>>& channels,
    const std::string& name, std::size_t workers,
    const std::function<history_limits(std::string_view)>& limits, broker_observer* observer) {
  auto it = channels.find(name);
  if (it == channels.end()) {
    it = channels.try_emplace(name, workers, limits(name)).first;
    if (observer) observer->on_channels_changed(1);
  }
  it->second.last_used = clock::now();
  return it->second;
}

void trim(channel_state& st, broker_observer* observer) {
  std::size_t before = st.history.size();
  st.history.trim(clock::now());
  if (observer && before != st.history.size())
    observer->on_history_changed(-static_cast<std::int64_t>(before - st.history.size()));
}

// Fills `out` with what follows `since` in the channel, or a gap then what is left.
bool replay_since(const channel_state& st, const core::position& since,
                  std::vector<message_ptr>& out, std::string_view channel) {
  // {"", 0} is "before the first message" (what reading an unknown channel answers): it
  // resumes like a position of the current epoch.
  bool before_all = since.epoch.empty() && since.offset == 0;
  bool same_epoch = (since.epoch == st.epoch || before_all) && since.offset <= st.offset;
  std::uint64_t first = st.history.empty() ? st.offset + 1 : st.history.first_offset();
  if (same_epoch && since.offset + 1 >= first) {
    st.history.read_after(since.offset, st.history.size(), out);
    return true;
  }
  out.push_back(make_gap(channel, core::position{st.epoch, first - 1}));
  st.history.read_after(first - 1, st.history.size(), out);
  return false;
}

}  // namespace

void memory_broker::publish(worker_id from, publish_request req, publish_handler h) {
  on_shard(req.channel, [this, from, req = std::move(req), h = std::move(h)](shard& sh) mutable {
    channel_state& st = state_of(sh.channels, req.channel, shards_.size(), limits_, observer_);
    trim(st, observer_);
    publish_result res;
    res.pos.epoch = st.epoch;
    if (!req.ephemeral) res.pos.offset = ++st.offset;
    message_ptr msg = make_message(req.channel, res.pos, req.ephemeral, req.key, req.data);
    if (!req.ephemeral) {
      std::size_t before = st.history.size();
      st.history.append(res.pos.offset, msg, clock::now());
      if (observer_ && st.history.size() != before) observer_->on_history_changed(1);
    }
    fan_out(sh, st.refs, msg);
    sh.outbox.run(from, [h = std::move(h), res = std::move(res)]() mutable { h(std::move(res)); });
  });
}

void memory_broker::fan_out(shard& sh, const std::vector<std::uint32_t>& refs,
                            const message_ptr& msg) {
  // Other workers first: the hand-over to them is then posted before this worker's own flush
  // (which the local delivery schedules), so they write in parallel with it, not after it.
  const worker_id self = sh.outbox.self();
  for (worker_id w = 0; w < refs.size(); ++w)
    if (refs[w] > 0 && w != self) sh.outbox.deliver(w, msg);
  if (refs[self] > 0) sh.outbox.deliver(self, msg);
}

void memory_broker::join(worker_id, std::string channel, core::presence_member member,
                         bool announce) {
  on_shard(channel, [this, channel = std::move(channel), member = std::move(member),
                     announce](shard& sh) mutable {
    channel_state& st = state_of(sh.channels, channel, shards_.size(), limits_, observer_);
    std::string client = member.client, user = member.user, info = member.info_json;
    bool first = st.presence.join(std::move(member));
    if (!announce) return;
    fan_out(sh, st.refs,
            make_presence_event(
                event_kind::join, channel,
                protocol::join_envelope(channel, client, user, info.empty() ? "{}" : info, first)));
  });
}

void memory_broker::leave(worker_id, std::string channel, std::string client, bool announce) {
  on_shard(channel,
           [this, channel = std::move(channel), client = std::move(client), announce](shard& sh) {
             auto it = sh.channels.find(channel);
             if (it == sh.channels.end()) return;
             channel_state& st = it->second;
             const core::presence_member* m = st.presence.find(client);
             if (!m) return;
             std::string user = m->user;
             bool last = *st.presence.leave(client);
             if (!announce) return;
             fan_out(sh, st.refs,
                     make_presence_event(event_kind::leave, channel,
                                         protocol::leave_envelope(channel, client, user, last)));
           });
}

void memory_broker::presence(worker_id from, std::string channel, std::size_t max_members,
                             presence_handler h) {
  on_shard(channel, [this, from, channel = std::move(channel), max_members,
                     h = std::move(h)](shard& sh) mutable {
    presence_result res;
    auto it = sh.channels.find(channel);
    if (it != sh.channels.end()) {
      const auto& p = it->second.presence;
      res.truncated = !p.list(max_members, res.members);
      res.clients = p.clients();
      res.users = p.users();
    }
    sh.outbox.run(from, [h = std::move(h), res = std::move(res)]() mutable { h(std::move(res)); });
  });
}

void memory_broker::subscribe(worker_id from, std::string channel,
                              std::optional<core::position> since, subscribe_handler h) {
  on_shard(channel, [this, from, channel = std::move(channel), since = std::move(since),
                     h = std::move(h)](shard& sh) mutable {
    channel_state& st = state_of(sh.channels, channel, shards_.size(), limits_, observer_);
    trim(st, observer_);
    ++st.refs[from];
    ++st.subscribers;
    subscribe_result res;
    res.pos = core::position{st.epoch, st.offset};
    if (since) res.recovered = replay_since(st, *since, res.replay, channel);
    sh.outbox.run(from, [h = std::move(h), res = std::move(res)]() mutable { h(std::move(res)); });
  });
}

void memory_broker::unsubscribe(worker_id from, std::string channel) {
  on_shard(channel, [from, channel = std::move(channel)](shard& sh) {
    auto it = sh.channels.find(channel);
    if (it == sh.channels.end() || it->second.refs[from] == 0) return;
    --it->second.refs[from];
    --it->second.subscribers;
  });
}

void memory_broker::history(worker_id from, std::string channel,
                            std::optional<core::position> since, std::size_t limit,
                            history_handler h) {
  on_shard(channel, [this, from, channel = std::move(channel), since = std::move(since), limit,
                     h = std::move(h)](shard& sh) mutable {
    history_result res;
    // A read never creates a channel (anyone may read; only publish and subscribe create):
    // an unknown channel answers empty, with no epoch yet.
    auto it = sh.channels.find(channel);
    if (it == sh.channels.end()) {
      sh.outbox.run(from,
                    [h = std::move(h), res = std::move(res)]() mutable { h(std::move(res)); });
      return;
    }
    channel_state& st = it->second;
    trim(st, observer_);
    res.pos = core::position{st.epoch, st.offset};
    if (since && since->epoch == st.epoch)
      st.history.read_after(since->offset, limit, res.messages);
    else if (since)
      st.history.read_after(0, limit, res.messages);
    else
      st.history.read_last(limit, res.messages);
    sh.outbox.run(from, [h = std::move(h), res = std::move(res)]() mutable { h(std::move(res)); });
  });
}

void memory_broker::start_sweeping(std::chrono::milliseconds interval,
                                   std::chrono::milliseconds idle_limit) {
  for (worker_id s = 0; s < shards_.size(); ++s)
    boost::asio::post(executors_[s],
                      [this, s, interval, idle_limit] { schedule_sweep(s, interval, idle_limit); });
}

void memory_broker::schedule_sweep(worker_id s, std::chrono::milliseconds interval,
                                   std::chrono::milliseconds idle_limit) {
  shards_[s]->sweep_timer.expires_after(interval);
  shards_[s]->sweep_timer.async_wait([this, s, interval, idle_limit](boost::system::error_code ec) {
    if (ec) return;
    sweep(*shards_[s], idle_limit);
    schedule_sweep(s, interval, idle_limit);
  });
}

// Trims every history by age and forgets channels nobody uses: no subscriber, no history, and
// no publish or read for `idle_limit`. A forgotten channel starts a new epoch when used again.
void memory_broker::sweep(shard& sh, std::chrono::milliseconds idle_limit) {
  auto now = clock::now();
  for (auto it = sh.channels.begin(); it != sh.channels.end();) {
    channel_state& st = it->second;
    trim(st, observer_);
    if (st.subscribers == 0 && st.history.empty() && now - st.last_used > idle_limit) {
      if (observer_) observer_->on_channels_changed(-1);
      it = sh.channels.erase(it);
    } else {
      ++it;
    }
  }
}

void memory_broker::channels(worker_id from, std::string pattern, channels_handler h) {
  collect_channels(from, 0, std::move(pattern), {}, std::move(h));
}

// Visits the shards one after another (no shared state between threads), then answers from the
// last one (next > 0 there: the first call posts to shard 0).
void memory_broker::collect_channels(worker_id from, std::size_t next, std::string pattern,
                                     std::vector<channel_info> acc, channels_handler h) {
  if (next == shards_.size()) {
    shards_[next - 1]->outbox.run(
        from, [h = std::move(h), acc = std::move(acc)]() mutable { h(std::move(acc)); });
    return;
  }
  boost::asio::post(executors_[next], [this, from, next, pattern = std::move(pattern),
                                       acc = std::move(acc), h = std::move(h)]() mutable {
    for (const auto& [name, st] : shards_[next]->channels)
      if (st.subscribers > 0 && (pattern.empty() || core::glob_match(pattern, name)))
        acc.push_back(channel_info{name, st.subscribers});
    collect_channels(from, next + 1, std::move(pattern), std::move(acc), std::move(h));
  });
}

}  // namespace triplex::broker
