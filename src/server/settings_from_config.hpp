// Translations from the configuration file's layout to what the layers below want.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <stdexcept>
#include <vector>

#include "broker/memory_broker.hpp"
#include "config/config.hpp"
#include "transport/settings.hpp"

namespace triplex::server {

// A configuration that passed parsing but cannot be used (e.g. an unreadable key): exit 2.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws config_error.
transport::settings settings_from_config(const config::config& cfg);
broker::memory_broker::limits_fn history_limits_fn(const config::config& cfg);
std::vector<std::unique_ptr<boost::asio::io_context>> make_contexts(unsigned threads);

}  // namespace triplex::server
