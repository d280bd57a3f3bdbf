// fwatchdog: turns env into a Config and runs the Watchdog.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/config/env.hpp"
#include "core/daemon/run.hpp"
#include "core/log/log.hpp"
#include "watchdog/config.hpp"
#include "watchdog/watchdog.hpp"

int main(int argc, char** argv) {
    using namespace faas;
    const config::Env env;
    for (int i = 1; i < argc; ++i) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        const std::string_view arg = argv[i];
        if (arg == "-version" || arg == "--version") {
            std::printf("fwatchdog version: %s\n", watchdog::kVersion);
            return 0;
        }
        if (arg == "-run-healthcheck" || arg == "--run-healthcheck") {
            std::string dir = env.string("TMPDIR", "/tmp");
            if (::access(dir.c_str(), F_OK) != 0) {
                dir = "/tmp";
            }
            return ::access((dir + "/.lock").c_str(), F_OK) == 0 ? 0 : 1;
        }
        std::fprintf(stderr, "fwatchdog: unknown flag %s (known: -version, -run-healthcheck)\n",
                     argv[i]);  // NOLINT
        return 2;
    }
    const daemon::DaemonSpec spec{"fwatchdog", "fwatchdog", log::Format::GoStd, 1};
    return daemon::run_daemon<watchdog::Watchdog>(spec, env, watchdog::load);
}
