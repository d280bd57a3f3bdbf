#pragma once
// TaskGroup (Seastar's gate): counts the coroutines an object spawned on one io_context so
// that shutdown can stop new work and wait for the running work. Not thread-safe: use it from
// the thread that owns the executor.
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <utility>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"

namespace faas::async {

class TaskGroup {
public:
    explicit TaskGroup(asio::any_io_executor ex) : ex_(std::move(ex)), idle_(ex_) {
        idle_.notify();
    }

    // Spawns `task` unless the group is closed. `on_error` sees any exception it throws (the
    // task's catch boundary); without one, the exception is swallowed after logging by the
    // caller's own try block: tasks are expected to catch their own errors.
    template <class Awaitable>
    bool spawn(Awaitable&& task, std::function<void(std::exception_ptr)> on_error = {}) {
        if (closed_) {
            return false;
        }
        ++running_;
        idle_.reset();
        asio::co_spawn(ex_, std::forward<Awaitable>(task),
                       [this, on_error = std::move(on_error)](const std::exception_ptr& e) {
                           if (e && on_error) {
                               on_error(e);
                           }
                           if (--running_ == 0) {
                               idle_.notify();
                           }
                       });
        return true;
    }

    void close() noexcept { closed_ = true; }
    bool closed() const noexcept { return closed_; }
    std::size_t running() const noexcept { return running_; }

    // Waits until no task is running.
    awaitable<void> wait() { co_await idle_.wait(); }
    // Waits until no task is running or `timeout` passed (a drain deadline); true when idle.
    awaitable<bool> wait_for(std::chrono::steady_clock::duration timeout) {
        co_return co_await idle_.wait_for(timeout);
    }

private:
    asio::any_io_executor ex_;
    AsyncEvent idle_;
    std::size_t running_ = 0;
    bool closed_ = false;
};

}  // namespace faas::async
