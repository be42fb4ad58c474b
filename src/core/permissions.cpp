#include "core/permissions.hpp"

#include "core/channel_name.hpp"
#include "core/glob.hpp"

namespace triplex::core {

bool matches_any(std::span<const std::string> patterns, std::string_view channel) noexcept {
  for (const std::string& pattern : patterns) {
    if (glob_match(pattern, channel)) return true;
  }
  return false;
}

bool may_subscribe(std::string_view channel, std::string_view user, pattern_claim channel_patterns,
                   bool anonymous_subscribe) noexcept {
  if (is_user_channel(channel)) return user_may_access(channel, user);
  if (channel_patterns) return matches_any(*channel_patterns, channel);
  return !user.empty() || anonymous_subscribe;
}

bool may_publish(std::string_view channel, std::string_view user, pattern_claim publish_patterns,
                 bool client_publish, bool anonymous_publish) noexcept {
  if (!client_publish) return false;
  if (is_user_channel(channel) && !user_may_access(channel, user)) return false;
  if (publish_patterns) return matches_any(*publish_patterns, channel);
  return anonymous_publish;
}

}  // namespace triplex::core
