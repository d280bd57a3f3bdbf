#pragma once
// Gateway: the gateway process. Owns the I/O threads (IoPool), the public server on `port`, the
// metrics server, the per-thread states and the endpoint discovery; run() blocks until
// SIGTERM/SIGINT has been handled and the servers drained.
#include <memory>

#include "core/log/log.hpp"
#include "gateway/config.hpp"

namespace faas::gateway {

class Gateway {
public:
    // Throws config::ConfigError for settings that cannot work (unreadable basic-auth secrets).
    Gateway(Config config, log::Logger log);
    ~Gateway();
    Gateway(const Gateway&) = delete;
    Gateway& operator=(const Gateway&) = delete;

    // Returns the process exit code.
    int run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace faas::gateway
