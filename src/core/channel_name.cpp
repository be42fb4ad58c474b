#include "core/channel_name.hpp"

#include <array>

namespace triplex::core {
namespace {

constexpr std::array<bool, 256> make_channel_byte_table() {
  std::array<bool, 256> table{};
  for (unsigned char c = 'A'; c <= 'Z'; ++c)
    table[c] = true;
  for (unsigned char c = 'a'; c <= 'z'; ++c)
    table[c] = true;
  for (unsigned char c = '0'; c <= '9'; ++c)
    table[c] = true;
  for (unsigned char c : std::string_view("_-.:@/=+#"))
    table[c] = true;
  return table;
}

constexpr std::array<bool, 256> channel_byte = make_channel_byte_table();

}  // namespace

bool is_valid_channel_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_channel_name_size) return false;
  const auto hash = name.rfind('#');
  const std::size_t users_begin = hash == std::string_view::npos ? name.size() : hash + 1;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (channel_byte[static_cast<unsigned char>(c)]) continue;
    if (c != ',' || i < users_begin) return false;
  }
  return true;
}

std::string_view channel_namespace(std::string_view name) noexcept {
  const auto colon = name.find(':');
  if (colon == std::string_view::npos) return {};
  return name.substr(0, colon);
}

bool is_user_channel(std::string_view name) noexcept {
  return name.find('#') != std::string_view::npos;
}

bool user_may_access(std::string_view channel, std::string_view user) noexcept {
  const auto hash = channel.rfind('#');
  if (hash == std::string_view::npos) return true;
  if (user.empty()) return false;
  std::string_view users = channel.substr(hash + 1);
  while (true) {
    const auto comma = users.find(',');
    if (users.substr(0, comma) == user) return true;
    if (comma == std::string_view::npos) return false;
    users.remove_prefix(comma + 1);
  }
}

}  // namespace triplex::core
