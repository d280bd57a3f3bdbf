#pragma once
// Running one function process for one request in the forking modes (classic, serializing):
// feed it the body, collect its output under a size limit, kill its process group when the
// exec timeout passes. PrespawnPool keeps processes started ahead of requests. Both live on
// one io_context thread.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "core/asio.hpp"
#include "core/process/child.hpp"

namespace faas::watchdog {

struct RunLimits {
    std::chrono::nanoseconds exec_timeout{0};  // 0: none
    std::uint64_t max_output = 0;              // 0: unlimited
    std::size_t max_stderr = 64U * 1024U;      // stderr kept for the log when not combined
};

struct RunResult {
    process::ExitStatus status;
    std::string output;
    std::string stderr_text;
    bool timed_out = false;
    bool output_too_large = false;
};

// Writes `input` to the child's stdin (then closes it) while reading stdout/stderr, and waits
// for the child to exit.
awaitable<RunResult> drive(process::Child& child, std::string input, RunLimits limits);

class PrespawnPool {
public:
    PrespawnPool(asio::any_io_executor ex, process::SpawnOptions options, std::size_t target);

    // A started process waiting on stdin, or a newly started one when none is ready.
    Result<process::Child> take();
    // Starts processes until `target` are waiting. Called after a response has been written.
    void refill();
    std::size_t ready() const noexcept { return ready_.size(); }

private:
    asio::any_io_executor ex_;
    process::SpawnOptions options_;
    std::size_t target_;
    std::deque<process::Child> ready_;
};

}  // namespace faas::watchdog
