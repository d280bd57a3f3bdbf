#pragma once
// `faas up`: the whole platform on this machine. Starts faas-provider and the gateway (found
// next to the faas executable) as supervised children in their own process groups, with their
// logs in <state dir>/logs/ and echoed to the terminal; health-checks them, deploys a stack
// (the examples by default) with the same code as `faas deploy`, then stays in the foreground
// until SIGINT/SIGTERM, when it stops the gateway, then the provider. A child that dies stops
// the rest and makes `faas up` exit 1. Runs on one io_context on the calling thread.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace faas::cli {

struct UpOptions {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 8080;
    // The gateway's metrics port; nullopt: 8082 when free, else any free port.
    std::optional<std::uint16_t> metrics_port;
    std::filesystem::path state_dir;
    std::filesystem::path stack;  // empty: deploy nothing
    std::filesystem::path bin_dir;
    bool quiet = false;  // children's logs only to the log files
    std::chrono::nanoseconds start_timeout = std::chrono::seconds(30);
    std::chrono::nanoseconds ready_timeout = std::chrono::seconds(60);
};

// The provider's default: $FAAS_STATE_DIR, /var/lib/faas for root, else ~/.local/state/faas.
std::filesystem::path default_state_dir(const VarLookup& env);

// The directory of the running executable (/proc/self/exe).
std::filesystem::path own_bin_dir();

int run_up(const UpOptions& options, Io& io);

}  // namespace faas::cli
