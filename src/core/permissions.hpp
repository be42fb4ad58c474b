// Who may subscribe and publish where (spec §1 user channels, §5 token claims, §7 namespace
// options). Pure functions of the channel name, the token's claims and the namespace options;
// no I/O, safe to call from any thread. docs/auth.md has the same rules as a table.
//
// Inputs: `user` is the token's `sub` ("" = anonymous: no token, or a token without `sub`).
// `channel_patterns` / `publish_patterns` are the token's `channels` / `publish` claims: glob
// patterns (core/glob.hpp: `*` any run of bytes, `?` one byte) matched against the whole channel
// name. nullopt means the token has no such claim (or there is no token); an empty list is a
// claim that matches nothing. A std::optional<std::vector<std::string>> (protocol::claims)
// converts implicitly.
//
// Subscribe, first rule that applies wins:
//   1. user channel (`#`): allowed iff `user` is in its user list (core::user_may_access);
//      the `channels` claim and anonymous_subscribe do not matter.
//   2. the token has a `channels` claim: allowed iff one pattern matches (also for a token
//      without `sub`: the backend that signed it granted exactly these channels).
//   3. authenticated (`user` non-empty): allowed.
//   4. anonymous: allowed iff the namespace has anonymous_subscribe.
//
// Publish (clients only; the server API always may), every condition must hold:
//   1. the namespace has client_publish.
//   2. user channel (`#`): `user` is in its user list.
//   3. the token has a `publish` claim: one pattern matches. Without the claim, the namespace
//      has anonymous_publish (a token without `publish` grants no more than no token).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace triplex::core {

using pattern_claim = std::optional<std::span<const std::string>>;

// Whether a client may subscribe to `channel` (a valid channel name). See the rules above.
bool may_subscribe(std::string_view channel, std::string_view user, pattern_claim channel_patterns,
                   bool anonymous_subscribe) noexcept;

// Whether a client may publish to `channel` (a valid channel name). See the rules above.
bool may_publish(std::string_view channel, std::string_view user, pattern_claim publish_patterns,
                 bool client_publish, bool anonymous_publish) noexcept;

// True when one of `patterns` glob-matches the whole of `channel`.
bool matches_any(std::span<const std::string> patterns, std::string_view channel) noexcept;

}  // namespace triplex::core
