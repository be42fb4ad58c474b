// Who is in one channel: its presence members (one per connection) and how many connections
// each user has there, so join/leave can say whether this is the user's first/last connection
// (many tabs, one user). Anonymous connections count as users of their own.
// Pure data structure; not thread-safe: owned by the channel's broker shard.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace triplex::core {

struct presence_member {
  std::string client;
  std::string user;       // "" = anonymous
  std::string info_json;  // JSON object text, or "" for none
};

class presence_table {
 public:
  // Adds a member; returns true when it is its user's first connection here. A client that is
  // already a member is replaced and counts once.
  bool join(presence_member m);

  // Removes a client; returns whether it was its user's last connection, or nullopt when the
  // client was not a member.
  std::optional<bool> leave(std::string_view client);

  const presence_member* find(std::string_view client) const;
  std::size_t clients() const { return members_.size(); }
  std::size_t users() const { return users_.size(); }
  bool empty() const { return members_.empty(); }

  // Appends up to `max` members to `out` (in no particular order); returns false when the list
  // was cut short.
  bool list(std::size_t max, std::vector<presence_member>& out) const;

 private:
  static std::string user_key(const presence_member& m);

  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, presence_member, string_hash, std::equal_to<>> members_;
  std::unordered_map<std::string, std::size_t, string_hash, std::equal_to<>> users_;
};

}  // namespace triplex::core
