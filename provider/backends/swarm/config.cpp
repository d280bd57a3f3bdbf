#include "provider/backends/swarm/config.hpp"

namespace faas::provider::swarm {

SwarmConfig load_config(const config::Env& env) {
    SwarmConfig c;
    c.docker_socket = env.string("docker_socket", c.docker_socket);
    if (auto v = env.get("function_network")) {
        c.function_network = *v;
    }
    c.queue_worker_service = env.string("queue_worker_service", "");
    c.poll = env.duration("swarm_poll_interval", c.poll);
    c.fast_poll = env.duration("swarm_fast_poll_interval", c.fast_poll);
    if (c.poll <= std::chrono::nanoseconds(0) || c.fast_poll <= std::chrono::nanoseconds(0)) {
        throw config::ConfigError(
            "swarm_poll_interval and swarm_fast_poll_interval must be positive");
    }
    c.probe = env.flag("swarm_probe", true);
    if (c.function_network.empty()) {
        throw config::ConfigError(
            "backend=swarm: function_network must name the functions' network");
    }
    return c;
}

}  // namespace faas::provider::swarm
