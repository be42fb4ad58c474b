// Long-poll answer bodies (spec §3.3): `{"cursor":"<next cursor>","messages":[<envelope>,...]}`.
// Envelopes are already-encoded JSON text (from envelope.hpp) and are copied verbatim.
// Pure; safe on any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace triplex::protocol {

// The body of a long-poll answer; an empty `envelopes` gives `"messages":[]` (a timeout).
std::string longpoll_body(std::string_view cursor, std::span<const std::string_view> envelopes);

}  // namespace triplex::protocol
