// Presence of one channel: see presence_table.hpp.
#include "core/presence_table.hpp"

namespace triplex::core {

// Users are keyed by user id; anonymous connections by client id (prefixed so a client id can
// never collide with a user id).
std::string presence_table::user_key(const presence_member& m) {
  return m.user.empty() ? "\x01" + m.client : m.user;
}

bool presence_table::join(presence_member m) {
  leave(m.client);
  std::size_t& n = users_[user_key(m)];
  ++n;
  std::string client = m.client;
  members_.emplace(std::move(client), std::move(m));
  return n == 1;
}

std::optional<bool> presence_table::leave(std::string_view client) {
  auto it = members_.find(client);
  if (it == members_.end()) return std::nullopt;
  auto u = users_.find(user_key(it->second));
  members_.erase(it);
  if (u == users_.end()) return true;
  if (--u->second > 0) return false;
  users_.erase(u);
  return true;
}

const presence_member* presence_table::find(std::string_view client) const {
  auto it = members_.find(client);
  return it == members_.end() ? nullptr : &it->second;
}

bool presence_table::list(std::size_t max, std::vector<presence_member>& out) const {
  for (const auto& [client, m] : members_) {
    if (max == 0) return false;
    out.push_back(m);
    --max;
  }
  return true;
}

}  // namespace triplex::core
