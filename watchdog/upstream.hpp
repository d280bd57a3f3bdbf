#pragma once
// Upstream: the long-lived HTTP server process of http mode. Started once, waited for until it
// accepts connections, restarted with back-off whenever it exits, stopped on shutdown. Runs on
// the io_context it was created with (thread 0).
#include <chrono>
#include <functional>
#include <optional>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "core/process/child.hpp"
#include "watchdog/context.hpp"

namespace faas::watchdog {

class Upstream {
public:
    Upstream(asio::io_context& ioc, Shared& shared);

    // Starts the supervision loop; `on_first_ready` runs once the upstream first accepts
    // connections.
    void start(std::function<void()> on_first_ready);
    // Stops restarting; SIGTERM to the process group, SIGKILL after `grace`. Completes once
    // the process has exited.
    awaitable<void> stop(std::chrono::nanoseconds grace);

private:
    awaitable<void> supervise();
    // One run of the process, started at `started`: its output logged, the first readiness
    // announced, until it exits.
    awaitable<process::ExitStatus> run(process::Child& child,
                                       std::chrono::steady_clock::time_point started);
    awaitable<bool> wait_accepting(process::Child& child);

    asio::io_context& ioc_;
    Shared& shared_;
    std::function<void()> on_first_ready_;
    bool announced_ = false;  // on_first_ready_ has run
    process::Child* current_ = nullptr;
    bool stopping_ = false;
    asio::steady_timer backoff_timer_;
    async::AsyncEvent finished_;
};

}  // namespace faas::watchdog
