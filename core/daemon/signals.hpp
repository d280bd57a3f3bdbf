#pragma once
// StopSignals (the daemon skeleton, part 2): SIGTERM and SIGINT, waited for on the daemon's
// control io_context. The first signal spawns the daemon's graceful stop there; every later
// one calls `again` (the watchdog uses it to skip its health-check grace period) or is
// ignored, so a second Ctrl-C never kills a drain half-way. Owned by the daemon, used on the
// control thread only.
#include <functional>

#include "core/asio.hpp"

namespace faas::daemon {

class StopSignals {
public:
    // The graceful stop, given the signal number. Kept alive by StopSignals, so a capturing
    // lambda coroutine may be passed here (it outlives the coroutine it starts).
    using Stop = std::function<awaitable<void>(int signal)>;
    using Again = std::function<void(int signal)>;

    StopSignals(asio::io_context& control, Stop stop, Again again = {});
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    // True once the first signal arrived.
    bool stopping() const noexcept { return stopping_; }

private:
    void arm();
    void received(int signal);

    asio::signal_set signals_;
    Stop stop_;
    Again again_;
    bool stopping_ = false;
};

}  // namespace faas::daemon
