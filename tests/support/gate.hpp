#pragma once
// Gate: lets a test hold a handler that runs on a server thread until the test opens it, and
// tells the test when a handler has entered. No sleeps: both sides wait on events with a bound.
#include <atomic>
#include <chrono>
#include <future>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"

namespace faas::test {

class Gate {
public:
    // `context` is the io_context the handlers run on.
    explicit Gate(asio::io_context& context) : context_(context), event_(context.get_executor()) {}

    // Server thread: records the entry (the first one wakes wait_entered()).
    void enter() {
        if (++entered_ == 1) {
            first_entry_.set_value();
        }
    }
    // Server thread: waits until open() or `bound`; true when opened.
    awaitable<bool> wait(std::chrono::steady_clock::duration bound) {
        return event_.wait_for(bound);
    }

    // Test thread: true once a handler called enter(), false after `bound`.
    bool wait_entered(std::chrono::nanoseconds bound) {
        return entered_future_.wait_for(bound) == std::future_status::ready;
    }
    // Any thread.
    void open() {
        asio::post(context_, [this] { event_.notify(); });
    }
    int entered() const noexcept { return entered_.load(); }

private:
    asio::io_context& context_;
    async::AsyncEvent event_;
    std::atomic<int> entered_{0};
    std::promise<void> first_entry_;
    std::future<void> entered_future_ = first_entry_.get_future();
};

}  // namespace faas::test
