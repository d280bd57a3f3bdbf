#include "provider/config.hpp"

#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace faas::provider {

std::string default_state_dir(const config::Env& env) {
    if (auto v = env.get("FAAS_STATE_DIR"); v && !v->empty()) {
        return *v;
    }
    if (::geteuid() == 0) {
        return "/var/lib/faas";
    }
    const std::string home = env.string("HOME");
    if (home.empty()) {
        throw config::ConfigError("state_dir: not set, and neither FAAS_STATE_DIR nor HOME is");
    }
    return home + "/.local/state/faas";
}

namespace {

std::string self_executable() {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        throw config::ConfigError("cannot read /proc/self/exe: " + ec.message());
    }
    return p.string();
}

}  // namespace

Config load(const config::Env& env) {
    Config c;
    c.port = static_cast<std::uint16_t>(env.integer("port", 8081, 0, 65535));
    c.bind_address = env.string("bind_address", "0.0.0.0");
    c.read_timeout = env.duration("read_timeout", c.read_timeout);
    c.write_timeout = env.duration("write_timeout", c.write_timeout);
    c.default_namespace = env.string("function_namespace", "openfaas-fn");
    if (c.default_namespace.empty()) {
        c.default_namespace = "openfaas-fn";
    }
    c.state_dir = env.string("state_dir");
    if (c.state_dir.empty()) {
        c.state_dir = default_state_dir(env);
    }
    const std::string backend = env.string("backend", "local");
    if (backend == "local" || backend.empty()) {
        c.backend = BackendKind::Local;
    } else if (backend == "swarm") {
        c.backend = BackendKind::Swarm;
    } else {
        throw config::ConfigError("backend=" + backend + ": expected local or swarm");
    }
    c.docker_socket = env.string("docker_socket", c.docker_socket);
    if (auto v = env.get("function_network")) {
        c.function_network = *v;
    }
    c.queue_worker_service = env.string("queue_worker_service", "");
    c.swarm_poll = env.duration("swarm_poll_interval", c.swarm_poll);
    c.swarm_fast_poll = env.duration("swarm_fast_poll_interval", c.swarm_fast_poll);
    if (c.swarm_poll <= std::chrono::nanoseconds(0) || c.swarm_fast_poll <= std::chrono::nanoseconds(0)) {
        throw config::ConfigError("swarm_poll_interval and swarm_fast_poll_interval must be positive");
    }
    c.swarm_probe = env.flag("swarm_probe", true);
    if (c.backend == BackendKind::Swarm && c.function_network.empty()) {
        throw config::ConfigError("backend=swarm: function_network must name the functions' network");
    }
    c.self_path = self_executable();
    c.fwatchdog_path = env.string("fwatchdog_path");
    if (c.fwatchdog_path.empty()) {
        c.fwatchdog_path =
            (std::filesystem::path(c.self_path).parent_path() / "fwatchdog").string();
    }
    if (c.backend == BackendKind::Local && ::access(c.fwatchdog_path.c_str(), X_OK) != 0) {
        throw config::ConfigError("fwatchdog_path=" + c.fwatchdog_path +
                                  ": not an executable file (build fwatchdog or set fwatchdog_path)");
    }
    c.launcher_path = (std::filesystem::path(c.self_path).parent_path() / "faas-replica").string();
    if (::access(c.launcher_path.c_str(), X_OK) != 0) {
        c.launcher_path = c.self_path;
        c.launcher_via_flag = true;
    }
    c.basic_auth = env.flag("basic_auth", false);
    c.secret_mount_path = env.string("secret_mount_path", "/var/openfaas/secrets");
    c.replica_drain = env.duration("replica_drain", c.replica_drain);
    c.health_interval = env.duration("replica_health_interval", c.health_interval);
    if (c.health_interval <= std::chrono::nanoseconds(0)) {
        c.health_interval = std::chrono::seconds(1);
    }
    c.stop_timeout = env.duration("replica_stop_timeout", c.stop_timeout);
    c.log_lines = static_cast<std::size_t>(env.integer("log_lines", 10000, 1, 10000000));
    c.threads = static_cast<std::size_t>(env.integer("threads", 2, 1, 256));
    c.log_level = env.string("log_level", "info");
    return c;
}

}  // namespace faas::provider
