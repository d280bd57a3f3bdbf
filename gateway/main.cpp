// gateway: turns env into a Config and runs the Gateway.

#include <cstdio>
#include <string_view>

#include "core/config/env.hpp"
#include "core/daemon/run.hpp"
#include "core/log/log.hpp"
#include "gateway/config.hpp"
#include "gateway/context.hpp"
#include "gateway/gateway.hpp"

int main(int argc, char** argv) {
    using namespace faas;
    for (int i = 1; i < argc; ++i) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        const std::string_view arg = argv[i];
        if (arg == "-version" || arg == "--version") {
            std::printf("gateway version: %s sha: %s arch: %s\n", gateway::version_release(),
                        gateway::version_sha(), gateway::build_arch());
            return 0;
        }
        std::fprintf(stderr, "gateway: unknown flag %s (known: -version)\n", argv[i]);  // NOLINT
        return 2;
    }
    const config::Env env;
    return daemon::run_daemon<gateway::Gateway>({"gateway", "gateway"}, env, gateway::load);
}
