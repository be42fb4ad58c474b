// Reads a parsed TOML document into a config: every key of spec §7 and docs/config.md, each
// checked for type and range; any key it does not know, at any depth, is an error.
//
// Threading: start-up only. Throws config_error naming the key (and its file:line:column);
// config::load() catches it.
#pragma once

#include <toml++/toml.h>

#include "config/config.hpp"

namespace triplex::config {

// Overwrites the settings of `c` that `document` sets; keys it leaves out keep their value.
// Namespaces start as a copy of [defaults] (as read from the same document) and override it.
void read_toml(const toml::table& document, config& c);

}  // namespace triplex::config
