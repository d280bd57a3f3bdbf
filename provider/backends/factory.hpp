#pragma once
// The back ends the provider can run, by the name `backend=` gives: each one's settings loader
// and constructor, one table entry per back end (provider/backends/factory.cpp). Adding a back
// end is its folder under provider/backends/, its settings in Config, and one entry there.
#include <memory>

#include "core/asio.hpp"
#include "core/config/env.hpp"
#include "core/log/log.hpp"
#include "core/metrics/metrics.hpp"
#include "provider/config.hpp"
#include "provider/function_backend.hpp"

namespace faas::provider {

// Reads the settings of the back end `c.backend` names into `c`. config::ConfigError for a
// name no back end has, or settings that cannot work.
void load_backend_config(const config::Env& env, Config& c);

// The back end `config.backend` names, not started yet. `control` is its control thread.
std::unique_ptr<FunctionBackend> make_backend(const Config& config,
                                              asio::io_context& control,
                                              log::Logger log,
                                              metrics::Registry& registry);

}  // namespace faas::provider
