#pragma once
// AsyncEvent: "wait until notified" for one io_context thread. A steady_timer set to the far
// future; notify() cancels it. Asio 1.74 has no channels, so this is our condition variable.
#include <chrono>

#include "core/asio.hpp"

namespace faas::async {

class AsyncEvent {
public:
    explicit AsyncEvent(const asio::any_io_executor& ex) : timer_(ex) {
        timer_.expires_at(asio::steady_timer::time_point::max());
    }

    // Wakes every waiter, now and later, until reset().
    void notify() {
        set_ = true;
        timer_.cancel();
    }
    void reset() {
        set_ = false;
        timer_.expires_at(asio::steady_timer::time_point::max());
    }
    bool is_set() const noexcept { return set_; }

    // Returns once notified.
    awaitable<void> wait() {
        while (!set_) {
            boost::system::error_code ec;
            co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
        }
    }

    // Returns true if notified, false when `timeout` passed first.
    awaitable<bool> wait_for(std::chrono::steady_clock::duration timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        asio::steady_timer guard(timer_.get_executor());
        guard.expires_at(deadline);
        bool expired = false;
        guard.async_wait([this, &expired](boost::system::error_code ec) {
            if (!ec) {
                expired = true;
                timer_.cancel();
            }
        });
        while (!set_ && !expired) {
            boost::system::error_code ec;
            co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        guard.cancel();
        if (expired && !set_) {
            timer_.expires_at(asio::steady_timer::time_point::max());
        }
        // Let the guard's handler run before `expired` goes out of scope. The executor is named,
        // not a temporary inside the co_await (core/asio.hpp).
        const auto executor = timer_.get_executor();
        co_await asio::post(executor, use_awaitable);
        co_return set_;
    }

private:
    asio::steady_timer timer_;
    bool set_ = false;
};

}  // namespace faas::async
