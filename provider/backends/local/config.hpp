#pragma once
// LocalConfig: the settings of backend=local (replicas are fwatchdog processes on this host),
// read from env by load_config (docs/provider.md). Held in the provider's Config.
#include <chrono>
#include <cstddef>
#include <string>

#include "core/config/env.hpp"

namespace faas::provider::local {

struct LocalConfig {
    std::string fwatchdog_path;
    // Our own executable.
    std::string self_path;
    // The replica launcher: faas-replica next to us, else our own --exec-replica mode.
    std::string launcher_path;
    bool launcher_via_flag = false;
    // Given to each replica's watchdog: how long it keeps serving after SIGTERM.
    std::chrono::nanoseconds replica_drain = std::chrono::milliseconds(250);
    // How often a ready replica's /_/health is checked.
    std::chrono::nanoseconds health_interval = std::chrono::seconds(1);
    // SIGTERM -> SIGKILL bound when a replica is stopped.
    std::chrono::nanoseconds stop_timeout = std::chrono::seconds(10);
    // Output lines kept per function for GET /system/logs.
    std::size_t log_lines = 10000;
};

// Throws config::ConfigError when fwatchdog_path is not an executable file.
LocalConfig load_config(const config::Env& env);

}  // namespace faas::provider::local
