#pragma once
// NatsServer: the real `nats-server -js` on a free loopback port with a JetStream store in a temp
// dir of its own and a config file setting `max_payload: 8MB` (as `faas up` runs it). restart()
// brings it back on the same port and store (to test reconnects and durability). The destructor
// stops it by PID. Owned by one test thread.
#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace faas::test {

class NatsServer {
public:
    // Starts the server and waits until it accepts connections and says it is ready; throws
    // std::runtime_error (with its log) when it does not within kMaxWait.
    NatsServer();
    ~NatsServer();
    NatsServer(const NatsServer&) = delete;
    NatsServer& operator=(const NatsServer&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // nats://127.0.0.1:<port>
    std::string url() const;
    // The store directory (-sd); JetStream keeps its files under store()/jetstream.
    const TempDir& store() const noexcept { return store_; }

    // SIGTERM, then SIGKILL if it has not exited within kMaxWait.
    void stop();
    // Starts it again on the same port and store.
    void start();
    void restart() {
        stop();
        start();
    }
    bool running() const noexcept { return process_ != nullptr; }
    // The log of the current (or last) run.
    std::string log() const;

private:
    TempDir logs_;
    TempDir store_;
    std::uint16_t port_;
    int runs_ = 0;
    std::unique_ptr<Process> process_;
};

}  // namespace faas::test
