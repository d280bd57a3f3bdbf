#pragma once
// Worker: the queue-worker daemon (docs/async.md, "queue-worker"). Consumes every queue of the
// request stream through a durable pull consumer per queue, calls each function through the
// gateway under the function's limits, retries, dead-letters, delivers callbacks, writes call
// status records and serves /metrics. Constructed and run by main() through config::run_daemon.
#include <memory>

#include "core/log/log.hpp"
#include "queue-worker/config.hpp"

namespace faas::queue_worker {

class Worker {
public:
    Worker(Config config, log::Logger log);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Connects to NATS, declares the streams, consumes until SIGTERM/SIGINT, drains, returns
    // the exit code (0 after a clean drain, 1 when NATS or the metrics port cannot be used).
    int run();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace faas::queue_worker
