// JSON answers about presence (spec §3.1 `presence` op, §3.4 GET /presence, §4
// /api/presence and /api/presence_stats). Pure; safe on any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/presence_table.hpp"

namespace triplex::protocol {

// {"members":[{"client","user","info"}..],"clients":N,"users":N,"truncated":bool}
std::string presence_json(std::span<const core::presence_member> members, std::uint64_t clients,
                          std::uint64_t users, bool truncated);

// {"clients":N,"users":N}
std::string presence_stats_json(std::uint64_t clients, std::uint64_t users);

}  // namespace triplex::protocol
