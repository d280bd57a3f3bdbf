#pragma once
// Provider: the faas-provider process. Owns the I/O threads (thread 0 is the control thread of
// the back end), the back end (from make_backend), the API server and the signal handling;
// run() blocks until SIGTERM/SIGINT has stopped the server and the back end.
#include <memory>

#include "core/log/log.hpp"
#include "provider/config.hpp"

namespace faas::provider {

class Provider {
public:
    Provider(Config config, log::Logger log);
    ~Provider();
    Provider(const Provider&) = delete;
    Provider& operator=(const Provider&) = delete;

    // Returns the process exit code.
    int run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace faas::provider
