#pragma once
// The per-function limits of the queue-worker as pure state machines (time is passed in): a
// token bucket for com.faas.queue.rate and an AIMD limit for com.faas.queue.concurrency that a
// 429 halves and each success raises by one. Owned by the worker's io thread.
#include <chrono>

namespace faas::queue_worker {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    // `rate` tokens per second, at most `burst` stored; starts full.
    TokenBucket(double rate, double burst, Clock::time_point now);

    // Reserves the next token and returns how long to wait until it is due (zero: go now).
    // Reservations queue up in order: the n-th waiter waits n / rate, so no window of 1 s ever
    // passes more than burst + rate calls.
    Clock::duration reserve(Clock::time_point now);

    double rate() const noexcept { return rate_; }
    double burst() const noexcept { return burst_; }

private:
    double rate_;
    double burst_;
    double tokens_;  // negative while reservations wait for tokens
    Clock::time_point last_;
};

// Additive increase, multiplicative decrease of a concurrency limit, bounded to [1, ceiling].
class Aimd {
public:
    explicit Aimd(int ceiling) : ceiling_(ceiling < 1 ? 1 : ceiling), limit_(ceiling_) {}

    int limit() const noexcept { return limit_; }
    int ceiling() const noexcept { return ceiling_; }

    // A 429: halve (at least 1). Returns true when the limit changed.
    bool on_overload() noexcept;
    // A success: one more, up to the ceiling. Returns true when the limit changed.
    bool on_success() noexcept;
    // A new configured ceiling (the function was redeployed with other annotations): the limit
    // is clamped into it. Returns true when the limit changed.
    bool set_ceiling(int ceiling) noexcept;

private:
    int ceiling_;
    int limit_;
};

}  // namespace faas::queue_worker
