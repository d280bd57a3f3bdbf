#pragma once
// The daemon skeleton, part 1: the shared tail of a daemon's main(). Configuration from the
// environment, the daemon's logger, SIGPIPE ignored, the daemon constructed and run, failures
// turned into exit codes. The other parts: core/daemon/signals.hpp (SIGTERM/SIGINT start one
// graceful stop) and core/daemon/admin.hpp (/metrics and /healthz).
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include "core/config/env.hpp"
#include "core/log/log.hpp"

namespace faas::daemon {

using config::ConfigError;
using config::Env;

struct DaemonSpec {
    const char* name = nullptr;                // the executable, in messages on stderr
    const char* logger = nullptr;              // the logger's name in every log line
    log::Format format = log::Format::Structured;
    int config_exit = 2;                       // exit code of a configuration error
};

// `load(env)` gives the daemon's Config (with a `log_level`); `Daemon(Config, Logger).run()`
// gives the exit code. A ConfigError, at load or at construction, prints "<name>: <message>"
// and exits `config_exit`; any other exception is logged as fatal and exits 1.
template <class Daemon, class Load>
int run_daemon(const DaemonSpec& spec, const Env& env, Load load) {
    decltype(load(env)) config;
    try {
        config = load(env);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "%s: %s\n", spec.name, e.what());
        return spec.config_exit;
    }
    // A peer that goes away must surface as EPIPE, not kill the daemon.
    ::signal(SIGPIPE, SIG_IGN);
    auto logger = log::make(spec.logger, spec.format, config.log_level);
    int rc = 1;
    try {
        Daemon daemon(std::move(config), logger);
        rc = daemon.run();
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "%s: %s\n", spec.name, e.what());
        rc = spec.config_exit;
    } catch (const std::exception& e) {
        logger->critical("fatal: {}", e.what());
        rc = 1;
    }
    log::flush_all();
    return rc;
}

}  // namespace faas::daemon
