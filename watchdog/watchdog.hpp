#pragma once
// Watchdog: the fwatchdog process. Owns the I/O threads, the function server on `port`, the
// metrics server, the http-mode upstream and the lock file; run() blocks until SIGTERM/SIGINT
// has been handled and everything drained.
#include <memory>

#include "core/log/log.hpp"
#include "watchdog/config.hpp"

namespace faas::watchdog {

inline constexpr const char* kVersion = "0.1.0";

class Watchdog {
public:
    Watchdog(Config config, log::Logger log);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    // Returns the process exit code.
    int run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace faas::watchdog
