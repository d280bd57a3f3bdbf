#pragma once
// Running one function process for one request in the forking modes (classic, serializing):
// feed it the body, collect its output under a size limit, kill its process group when the
// exec timeout passes. PrespawnPool keeps processes started ahead of requests. Both live on
// one io_context thread; the pool starts its processes on a thread of its own.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/asio.hpp"
#include "core/process/child.hpp"

namespace faas::watchdog {

struct RunLimits {
    std::chrono::nanoseconds exec_timeout{0};  // 0: none
    std::uint64_t max_output = 0;              // 0: unlimited
    std::size_t max_stderr = std::size_t{64} * 1024U;  // stderr kept for the log when not combined
};

struct RunResult {
    process::ExitStatus status;
    std::string output;
    std::string stderr_text;
    bool timed_out = false;
    bool output_too_large = false;
};

// Shared with the exec-timeout handler, which may run after the run ended if it was already
// queued; it checks `done` before touching the child.
struct TimeoutState {
    process::Child* child = nullptr;
    bool done = false;
    bool fired = false;
};

// Kills the child's process group when `timeout` (0: none) passes before state->done is set.
void arm_timeout(asio::steady_timer& timer,
                 const std::shared_ptr<TimeoutState>& state,
                 std::chrono::nanoseconds timeout);

// Writes `input` to the child's stdin (then closes it) while reading stdout/stderr, and waits
// for the child to exit.
awaitable<RunResult> drive(process::Child& child, std::string input, RunLimits limits);

class PrespawnPool {
public:
    PrespawnPool(asio::any_io_executor ex, process::SpawnOptions options, std::size_t target);
    ~PrespawnPool();
    PrespawnPool(const PrespawnPool&) = delete;
    PrespawnPool& operator=(const PrespawnPool&) = delete;

    // A started process waiting on stdin, or a newly started one when none is ready.
    Result<process::Child> take();
    // Asks the pool's own thread for the processes missing to `target`; never blocks (a
    // posix_spawn holds its caller until the exec, ~1 ms here, which would delay every other
    // call on this io thread). They join the pool on this thread as they come.
    void refill();
    std::size_t ready() const noexcept { return ready_.size(); }

private:
    class Spawner;
    void deliver(Result<process::Started> started);

    asio::any_io_executor ex_;
    std::shared_ptr<const process::SpawnOptions> options_;
    std::size_t target_;
    std::size_t pending_ = 0;  // asked of the spawner, not delivered yet
    std::deque<process::Child> ready_;
    std::unique_ptr<Spawner> spawner_;
};

}  // namespace faas::watchdog
