#include "provider/backends/local/config.hpp"

#include <filesystem>
#include <system_error>

#include <unistd.h>

namespace faas::provider::local {

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

LocalConfig load_config(const config::Env& env) {
    LocalConfig c;
    c.self_path = self_executable();
    const std::filesystem::path bin_dir = std::filesystem::path(c.self_path).parent_path();
    c.fwatchdog_path = env.string("fwatchdog_path");
    if (c.fwatchdog_path.empty()) {
        c.fwatchdog_path = (bin_dir / "fwatchdog").string();
    }
    if (::access(c.fwatchdog_path.c_str(), X_OK) != 0) {
        throw config::ConfigError(
            "fwatchdog_path=" + c.fwatchdog_path +
            ": not an executable file (build fwatchdog or set fwatchdog_path)");
    }
    c.launcher_path = (bin_dir / "faas-replica").string();
    if (::access(c.launcher_path.c_str(), X_OK) != 0) {
        c.launcher_path = c.self_path;
        c.launcher_via_flag = true;
    }
    c.replica_drain = env.duration("replica_drain", c.replica_drain);
    c.health_interval = env.duration("replica_health_interval", c.health_interval);
    if (c.health_interval <= std::chrono::nanoseconds(0)) {
        c.health_interval = std::chrono::seconds(1);
    }
    c.stop_timeout = env.duration("replica_stop_timeout", c.stop_timeout);
    c.log_lines = static_cast<std::size_t>(env.integer("log_lines", 10000, 1, 10000000));
    return c;
}

}  // namespace faas::provider::local
