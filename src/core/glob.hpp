// Glob matching for channel patterns: `*` matches any run of bytes (including none), `?` one
// byte; everything else matches itself. Linear time, no recursion, no allocation.
#pragma once

#include <string_view>

namespace triplex::core {

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace triplex::core
