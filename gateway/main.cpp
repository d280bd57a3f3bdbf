// gateway: turns env into a Config and runs the Gateway.
#include <signal.h>

#include <cstdio>
#include <string_view>

#include "core/config/env.hpp"
#include "core/log/log.hpp"
#include "gateway/config.hpp"
#include "gateway/context.hpp"
#include "gateway/gateway.hpp"

int main(int argc, char** argv) {
    using namespace faas;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        if (arg == "-version" || arg == "--version") {
            std::printf("gateway version: %s sha: %s arch: %s\n", gateway::version_release(),
                        gateway::version_sha(), gateway::build_arch());
            return 0;
        }
        std::fprintf(stderr, "gateway: unknown flag %s (known: -version)\n", argv[i]);  // NOLINT
        return 2;
    }
    const config::Env env;
    gateway::Config config;
    try {
        config = gateway::load(env);
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "gateway: %s\n", e.what());
        return 2;
    }
    // A client or replica that goes away must surface as EPIPE, not kill the gateway.
    ::signal(SIGPIPE, SIG_IGN);
    auto log = log::make("gateway", log::Format::Structured, config.log_level);
    try {
        gateway::Gateway gw(std::move(config), log);
        const int rc = gw.run();
        log::flush_all();
        return rc;
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "gateway: %s\n", e.what());
        log::flush_all();
        return 2;
    } catch (const std::exception& e) {
        log->critical("fatal: {}", e.what());
        log::flush_all();
        return 1;
    }
}
