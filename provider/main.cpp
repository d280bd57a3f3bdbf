// faas-provider: turns env into a Config and runs the Provider. With --exec-replica it is the
// replica launcher instead (see provider/launcher.hpp).
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/config/env.hpp"
#include "core/log/log.hpp"
#include "provider/config.hpp"
#include "provider/launcher.hpp"
#include "provider/provider.hpp"

#ifndef FAAS_VERSION
#define FAAS_VERSION "unknown"
#endif

int main(int argc, char** argv) {
    using namespace faas;
    if (argc > 1 && std::string_view(argv[1]) == provider::kLauncherFlag) {  // NOLINT
        return provider::run_launcher(argc, argv, 2);
    }
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];  // NOLINT
        if (arg == "-version" || arg == "--version") {
            std::printf("faas-provider version: %s\n", FAAS_VERSION);
            return 0;
        }
        std::fprintf(stderr, "faas-provider: unknown flag %s (known: --version)\n", argv[i]);  // NOLINT
        return 2;
    }
    const config::Env env;
    provider::Config config;
    try {
        config = provider::load(env);
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "faas-provider: %s\n", e.what());
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);
    auto log = log::make("provider", log::Format::Structured, config.log_level);
    try {
        provider::Provider p(std::move(config), log);
        const int rc = p.run();
        log::flush_all();
        return rc;
    } catch (const config::ConfigError& e) {
        log->critical("config error: {}", e.what());
        log::flush_all();
        return 2;
    } catch (const std::exception& e) {
        log->critical("fatal: {}", e.what());
        log::flush_all();
        return 1;
    }
}
