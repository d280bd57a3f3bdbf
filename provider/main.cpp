// faas-provider: turns env into a Config and runs the Provider. With --exec-replica it is the
// replica launcher instead (see provider/backends/local/launcher.hpp).

#include <cstdio>
#include <string_view>

#include "core/config/env.hpp"
#include "core/daemon/run.hpp"
#include "core/log/log.hpp"
#include "provider/config.hpp"
#include "provider/backends/local/launcher.hpp"
#include "provider/provider.hpp"

#ifndef FAAS_VERSION
#define FAAS_VERSION "unknown"
#endif

int main(int argc, char** argv) {
    using namespace faas;
    if (argc > 1 && std::string_view(argv[1]) == provider::local::kLauncherFlag) {  // NOLINT
        return provider::local::run_launcher(argc, argv, 2);
    }
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];  // NOLINT
        if (arg == "-version" || arg == "--version") {
            std::printf("faas-provider version: %s\n", FAAS_VERSION);
            return 0;
        }
        // NOLINTNEXTLINE
        std::fprintf(stderr, "faas-provider: unknown flag %s (known: --version)\n", argv[i]);
        return 2;
    }
    const config::Env env;
    return daemon::run_daemon<provider::Provider>({"faas-provider", "provider"}, env,
                                                  provider::load);
}
