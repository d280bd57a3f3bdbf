// queue-worker/limits: the token bucket's schedule and the AIMD concurrency limit.
#include "queue-worker/limits.hpp"

#include <vector>

#include <doctest/doctest.h>

namespace qw = faas::queue_worker;
using namespace std::chrono_literals;
using Clock = qw::TokenBucket::Clock;

TEST_SUITE_BEGIN("queue_worker.limits");

TEST_CASE("queue-worker token bucket: a full bucket lets a burst through, then one per 1/rate") {
    const auto t0 = Clock::time_point{} + 1000s;
    qw::TokenBucket bucket(20.0, 20.0, t0);
    for (int i = 0; i < 20; ++i) {
        CHECK(bucket.reserve(t0) == Clock::duration::zero());
    }
    // The next reservations queue up 50 ms apart.
    CHECK(bucket.reserve(t0) == 50ms);
    CHECK(bucket.reserve(t0) == 100ms);
    CHECK(bucket.reserve(t0) == 150ms);
}

TEST_CASE("queue-worker token bucket: tokens refill with time, up to the burst only") {
    const auto t0 = Clock::time_point{} + 1000s;
    qw::TokenBucket bucket(10.0, 2.0, t0);
    CHECK(bucket.reserve(t0) == Clock::duration::zero());
    CHECK(bucket.reserve(t0) == Clock::duration::zero());
    CHECK(bucket.reserve(t0) == 100ms);
    // A long idle time refills only to the burst.
    const auto later = t0 + 60s;
    CHECK(bucket.reserve(later) == Clock::duration::zero());
    CHECK(bucket.reserve(later) == Clock::duration::zero());
    CHECK(bucket.reserve(later) == 100ms);
}

TEST_CASE("queue-worker token bucket: no window of one second passes more than burst + rate") {
    const auto t0 = Clock::time_point{} + 1000s;
    const double rate = 20;
    qw::TokenBucket bucket(rate, 20, t0);
    std::vector<Clock::time_point> starts;
    for (int i = 0; i < 100; ++i) {
        starts.push_back(t0 + bucket.reserve(t0));
    }
    for (std::size_t i = 0; i < starts.size(); ++i) {
        std::size_t in_window = 0;
        for (auto s : starts) {
            in_window += (s >= starts[i] && s < starts[i] + 1s) ? 1 : 0;
        }
        CHECK(in_window <= 40);
    }
    CHECK(starts.back() - starts.front() >= 3950ms);  // (100 - 20) / 20 s
}

TEST_CASE(
    "queue-worker aimd: a 429 halves the limit down to 1, successes add one back to the ceiling") {
    qw::Aimd aimd(8);
    CHECK(aimd.limit() == 8);
    CHECK(aimd.on_overload());
    CHECK(aimd.limit() == 4);
    CHECK(aimd.on_overload());
    CHECK(aimd.on_overload());
    CHECK(aimd.limit() == 1);
    CHECK_FALSE(aimd.on_overload());
    CHECK(aimd.limit() == 1);
    for (int i = 2; i <= 8; ++i) {
        CHECK(aimd.on_success());
        CHECK(aimd.limit() == i);
    }
    CHECK_FALSE(aimd.on_success());
    CHECK(aimd.limit() == 8);
}

TEST_CASE(
    "queue-worker aimd: a lower ceiling clamps the limit, a higher one is reached by successes") {
    qw::Aimd aimd(8);
    CHECK(aimd.set_ceiling(2));
    CHECK(aimd.limit() == 2);
    CHECK_FALSE(aimd.set_ceiling(4));
    CHECK(aimd.limit() == 2);
    CHECK(aimd.on_success());
    CHECK(aimd.limit() == 3);
}
