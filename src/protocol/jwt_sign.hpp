// HS256 signing of a JWT: only for the demo's token endpoint (a real deployment's backend mints
// tokens; docs/auth.md). Pure; safe on any thread.
#pragma once

#include <string>
#include <string_view>

namespace triplex::protocol {

// The compact JWS of `payload_json` (a JSON object text) with header {"alg":"HS256","typ":"JWT"}.
std::string sign_hs256(std::string_view payload_json, std::string_view secret);

}  // namespace triplex::protocol
