#pragma once
// The provider's configuration, read from env (docs/provider.md): the fields every back end
// shares, and each back end's own settings, read by its own load_config. load() throws
// config::ConfigError on a value that cannot work; main() turns it into one line and exit 2.
#include <chrono>
#include <cstdint>
#include <string>

#include "core/config/env.hpp"
#include "provider/backends/kubernetes/config.hpp"
#include "provider/backends/local/config.hpp"
#include "provider/backends/swarm/config.hpp"

namespace faas::provider {

struct Config {
    // The back end: a name of provider/backends/factory.cpp (local, swarm, kubernetes).
    std::string backend = "local";
    std::uint16_t port = 8081;
    std::string bind_address = "0.0.0.0";
    std::chrono::nanoseconds read_timeout = std::chrono::seconds(10);
    std::chrono::nanoseconds write_timeout = std::chrono::seconds(10);
    std::string default_namespace = "openfaas-fn";
    // Function definitions (local) and copies of secret values (both back ends).
    std::string state_dir;
    bool basic_auth = false;
    std::string secret_mount_path = "/var/openfaas/secrets";
    std::size_t threads = 2;
    std::string log_level = "info";

    // The settings of the back end `backend` names (the others keep their defaults).
    ::faas::provider::local::LocalConfig local;
    ::faas::provider::swarm::SwarmConfig swarm;
    ::faas::provider::kubernetes::KubernetesConfig kubernetes;
};

// The default state directory: $FAAS_STATE_DIR, else /var/lib/faas for root, else
// $HOME/.local/state/faas.
std::string default_state_dir(const config::Env& env);

Config load(const config::Env& env);

}  // namespace faas::provider
