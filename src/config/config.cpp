#include "config/config.hpp"

#include "core/channel_name.hpp"

namespace triplex::config {

std::string listen_address::to_string() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

const namespace_options& config::options_for(std::string_view channel_namespace) const {
  const auto it = namespaces.find(channel_namespace);
  return it == namespaces.end() ? defaults : it->second;
}

const namespace_options& config::options_for_channel(std::string_view channel) const {
  return options_for(core::channel_namespace(channel));
}

}  // namespace triplex::config
