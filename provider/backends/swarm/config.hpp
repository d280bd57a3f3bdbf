#pragma once
// SwarmConfig: the settings of backend=swarm (functions are Docker Swarm services), read from
// env by load_config (docs/provider.md). Held in the provider's Config.
#include <chrono>
#include <string>

#include "core/config/env.hpp"

namespace faas::provider::swarm {

struct SwarmConfig {
    // dockerd's API socket (Engine API v1.41).
    std::string docker_socket = "/var/run/docker.sock";
    // The attachable overlay network functions join; the gateway reaches task addresses on it.
    std::string function_network = "functions";
    // The Swarm service of the queue-worker, scaled by POST /system/scale-function/<this name>
    // (empty: none).
    std::string queue_worker_service;
    // How often tasks are read while nothing is pending, and while a function waits for a
    // replica (after deploy, scale or a task's exit).
    std::chrono::nanoseconds poll = std::chrono::seconds(2);
    std::chrono::nanoseconds fast_poll = std::chrono::milliseconds(50);
    // Route to a running task only after its /_/health answered (the provider must be on the
    // function network, as in compose/stack.yml); false routes as soon as the task runs.
    bool probe = true;
};

// Throws config::ConfigError on a non-positive poll interval or an empty function network.
SwarmConfig load_config(const config::Env& env);

}  // namespace faas::provider::swarm
