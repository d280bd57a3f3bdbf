#include "queue-worker/limits.hpp"

#include <algorithm>

namespace faas::queue_worker {

TokenBucket::TokenBucket(double rate, double burst, Clock::time_point now)
    : rate_(rate), burst_(std::max(1.0, burst)), tokens_(burst_), last_(now) {}

TokenBucket::Clock::duration TokenBucket::reserve(Clock::time_point now) {
    if (now > last_) {
        const double elapsed = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
        last_ = now;
    }
    tokens_ -= 1.0;
    if (tokens_ >= 0) {
        return Clock::duration::zero();
    }
    return std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(-tokens_ / rate_));
}

bool Aimd::on_overload() noexcept {
    const int next = std::max(1, limit_ / 2);
    const bool changed = next != limit_;
    limit_ = next;
    return changed;
}

bool Aimd::on_success() noexcept {
    const int next = std::min(ceiling_, limit_ + 1);
    const bool changed = next != limit_;
    limit_ = next;
    return changed;
}

bool Aimd::set_ceiling(int ceiling) noexcept {
    ceiling_ = std::max(1, ceiling);
    const int next = std::min(limit_, ceiling_);
    const bool changed = next != limit_;
    limit_ = next;
    return changed;
}

}  // namespace faas::queue_worker
