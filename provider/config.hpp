#pragma once
// The provider's configuration, read from env (docs/provider.md). load() throws
// config::ConfigError on a value that cannot work; main() turns it into one line and exit 2.
#include <chrono>
#include <cstdint>
#include <string>

#include "core/config/env.hpp"

namespace faas::provider {

struct Config {
    std::uint16_t port = 8081;
    std::string bind_address = "0.0.0.0";
    std::chrono::nanoseconds read_timeout = std::chrono::seconds(10);
    std::chrono::nanoseconds write_timeout = std::chrono::seconds(10);
    std::string default_namespace = "openfaas-fn";
    std::string state_dir;
    std::string fwatchdog_path;
    // Our own executable.
    std::string self_path;
    // The replica launcher: faas-replica next to us, else our own --exec-replica mode.
    std::string launcher_path;
    bool launcher_via_flag = false;
    bool basic_auth = false;
    std::string secret_mount_path = "/var/openfaas/secrets";
    // Given to each replica's watchdog: how long it keeps serving after SIGTERM.
    std::chrono::nanoseconds replica_drain = std::chrono::milliseconds(250);
    // How often a ready replica's /_/health is checked.
    std::chrono::nanoseconds health_interval = std::chrono::seconds(1);
    // SIGTERM -> SIGKILL bound when a replica is stopped.
    std::chrono::nanoseconds stop_timeout = std::chrono::seconds(10);
    std::size_t log_lines = 10000;
    std::size_t threads = 2;
    std::string log_level = "info";
};

// The default state directory: $FAAS_STATE_DIR, else /var/lib/faas for root, else
// $HOME/.local/state/faas.
std::string default_state_dir(const config::Env& env);

Config load(const config::Env& env);

}  // namespace faas::provider
