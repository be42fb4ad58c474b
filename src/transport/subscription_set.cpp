// Per-connection subscriptions: see subscription_set.hpp.
#include "transport/subscription_set.hpp"

#include <algorithm>

#include "transport/worker_context.hpp"

namespace triplex::transport {

subscription_set::subscription_set(worker_context& ctx, std::weak_ptr<void> owner, subscriber* self)
    : ctx_(ctx), owner_(std::move(owner)), self_(self) {}

subscription_set::~subscription_set() {
  unsubscribe_all();
}

subscription_set::entry* subscription_set::find(std::string_view channel) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const entry& e) { return e.channel == channel; });
  return it == entries_.end() ? nullptr : &*it;
}

const subscription_set::entry* subscription_set::find(std::string_view channel) const {
  return const_cast<subscription_set*>(this)->find(channel);
}

bool subscription_set::contains(std::string_view channel) const {
  return find(channel);
}

bool subscription_set::subscribe(const std::string& channel, std::optional<core::position> since,
                                 subscribe_done done) {
  if (find(channel)) return false;
  std::uint64_t gen = next_generation_++;
  entry& added = entries_.emplace_back();
  added.channel = channel;
  added.generation = gen;
  added.since = since;
  ctx_.metrics->subscriptions.add(1);
  // `ctx` is captured apart from `this`: when the owner is gone, so is this set, but the worker
  // context lives as long as the worker.
  auto answer = [this, ctx = &ctx_, owner = owner_, channel, gen, since,
                 done = std::move(done)](broker::subscribe_result res) {
    auto alive = owner.lock();
    entry* e = alive ? find(channel) : nullptr;
    if (!e || e->generation != gen) {
      ctx->broker->unsubscribe(ctx->id, channel);  // the subscriber left before the answer
      return;
    }
    e->active = true;
    // The replay moves the position from `since` to res.pos, message by message, through
    // accept(); without a replay the subscriber is at res.pos already.
    e->pos = since && !res.replay.empty() ? *since : res.pos;
    ctx_.hub.add(channel, self_);
    join_presence(*e);
    done(res);
  };
  ctx_.broker->subscribe(ctx_.id, channel, std::move(since), std::move(answer));
  return true;
}

void subscription_set::join_presence(entry& e) {
  if (!member_) return;
  channel_rules rules = ctx_.cfg->rules_for(e.channel);
  if (!rules.presence) return;
  e.member = true;
  e.announce = rules.join_leave;
  ctx_.broker->join(ctx_.id, e.channel, *member_, e.announce);
}

bool subscription_set::unsubscribe(std::string_view channel) {
  entry* e = find(channel);
  if (!e) return false;
  if (e->active) {
    ctx_.hub.remove(channel, self_);
    if (e->member) ctx_.broker->leave(ctx_.id, e->channel, member_->client, e->announce);
    ctx_.broker->unsubscribe(ctx_.id, e->channel);
  }
  ctx_.metrics->subscriptions.add(-1);
  entries_.erase(entries_.begin() + (e - entries_.data()));
  return true;
}

void subscription_set::unsubscribe_all() {
  while (!entries_.empty())
    unsubscribe(entries_.back().channel);
}

bool subscription_set::accept(const broker::message& msg) {
  entry* e = find(msg.channel);
  if (!e || !e->active) return false;
  if (msg.kind == broker::event_kind::gap) {
    e->pos = msg.pos;
    return true;
  }
  if (msg.kind != broker::event_kind::message || msg.ephemeral) return true;
  if (msg.pos.epoch == e->pos.epoch && msg.pos.offset <= e->pos.offset) return false;
  e->pos = msg.pos;
  return true;
}

bool subscription_set::is_only(std::string_view channel, const core::position& pos) const {
  return entries_.size() == 1 && entries_[0].active && entries_[0].channel == channel &&
         entries_[0].pos == pos;
}

void subscription_set::append_cursor(std::string& out) const {
  protocol::cursor_writer w;
  for (const entry& e : entries_) {
    if (e.active)
      w.add(e.channel, e.pos);
    else if (e.since)
      w.add(e.channel, *e.since);
  }
  w.append_to(out);
}

std::vector<protocol::cursor_entry> subscription_set::positions() const {
  std::vector<protocol::cursor_entry> out;
  out.reserve(entries_.size());
  for (const entry& e : entries_)
    if (e.active) out.push_back(protocol::cursor_entry{e.channel, e.pos});
  return out;
}

const core::position* subscription_set::position_of(std::string_view channel) const {
  const entry* e = find(channel);
  return e && e->active ? &e->pos : nullptr;
}

}  // namespace triplex::transport
