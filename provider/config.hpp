#pragma once
// The provider's configuration, read from env (docs/provider.md). load() throws
// config::ConfigError on a value that cannot work; main() turns it into one line and exit 2.
#include <chrono>
#include <cstdint>
#include <string>

#include "core/config/env.hpp"

namespace faas::provider {

enum class BackendKind { Local, Swarm };

struct Config {
    // backend=local (fwatchdog processes on this host) or swarm (Docker Swarm services).
    BackendKind backend = BackendKind::Local;
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

    // --- backend=swarm ---
    // dockerd's API socket (Engine API v1.41).
    std::string docker_socket = "/var/run/docker.sock";
    // The attachable overlay network functions join; the gateway reaches task addresses on it.
    std::string function_network = "functions";
    // The Swarm service of the queue-worker, scaled by POST /system/scale-function/<this name>
    // (empty: none).
    std::string queue_worker_service;
    // How often tasks are read while nothing is pending, and while a function waits for a
    // replica (after deploy, scale or a task's exit).
    std::chrono::nanoseconds swarm_poll = std::chrono::seconds(2);
    std::chrono::nanoseconds swarm_fast_poll = std::chrono::milliseconds(50);
    // Route to a running task only after its /_/health answered (the provider must be on the
    // function network, as in compose/stack.yml); false routes as soon as the task runs.
    bool swarm_probe = true;
};

// The default state directory: $FAAS_STATE_DIR, else /var/lib/faas for root, else
// $HOME/.local/state/faas.
std::string default_state_dir(const config::Env& env);

Config load(const config::Env& env);

}  // namespace faas::provider
