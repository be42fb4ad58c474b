// Channel-name grammar of the public contract (spec §1): which names are valid, which
// namespace a name belongs to, and who may access a user channel (`notify#alice`,
// `dm:chat#alice,bob`). Pure functions on bytes; safe to call from any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace triplex::core {

inline constexpr std::size_t max_channel_name_size = 255;

// True when `name` is 1..255 bytes, each one of `A-Z a-z 0-9 _ - . : @ / = + #`, except that
// ',' is also allowed after the last '#' (it separates the users of a user channel, as in the
// spec's own example `dm:chat#alice,bob`).
bool is_valid_channel_name(std::string_view name) noexcept;

// The part of `name` before its first ':', or "" (the default namespace) when it has none.
// The result views into `name`.
std::string_view channel_namespace(std::string_view name) noexcept;

// True when `name` contains '#': the text after its last '#' is a comma-separated user list.
bool is_user_channel(std::string_view name) noexcept;

// Whether `user` (a token's `sub`) may subscribe to `channel`. Channels that are not user
// channels carry no user restriction (true). For a user channel, true only when `user` is
// non-empty and equals one entry of the comma-separated list after the last '#'.
bool user_may_access(std::string_view channel, std::string_view user) noexcept;

}  // namespace triplex::core
