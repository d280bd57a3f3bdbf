#include "provider/config.hpp"

#include <unistd.h>

#include "provider/backends/factory.hpp"

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
    c.backend = env.string("backend", "local");
    if (c.backend.empty()) {
        c.backend = "local";
    }
    load_backend_config(env, c);
    c.basic_auth = env.flag("basic_auth", false);
    c.secret_mount_path = env.string("secret_mount_path", "/var/openfaas/secrets");
    c.threads = static_cast<std::size_t>(env.integer("threads", 2, 1, 256));
    c.log_level = env.string("log_level", "info");
    return c;
}

}  // namespace faas::provider
