// core/async/backoff: exponential caps, full jitter within them, bounded attempts.
#include <chrono>
#include <random>
#include <set>

#include <doctest/doctest.h>

#include "core/async/backoff.hpp"

using faas::async::Backoff;
using std::chrono::milliseconds;

TEST_SUITE_BEGIN("core.async.backoff");

TEST_CASE("backoff: the cap doubles from the initial delay and stops at the maximum") {
    const Backoff b{milliseconds(100), milliseconds(1000), 10};
    CHECK(b.cap(1) == milliseconds(100));
    CHECK(b.cap(2) == milliseconds(200));
    CHECK(b.cap(3) == milliseconds(400));
    CHECK(b.cap(4) == milliseconds(800));
    CHECK(b.cap(5) == milliseconds(1000));
    CHECK(b.cap(6) == milliseconds(1000));
    CHECK(b.cap(10'000) == milliseconds(1000));
}

TEST_CASE("backoff: full jitter spans zero to the cap") {
    const Backoff b{milliseconds(100), milliseconds(1000), 10};
    CHECK(b.delay(1, 0.0) == milliseconds(0));
    CHECK(b.delay(1, 1.0) == milliseconds(100));
    CHECK(b.delay(3, 0.5) == milliseconds(200));
    CHECK(b.delay(9, 1.0) == milliseconds(1000));
    // Out-of-range fractions are clamped, never a delay beyond the cap.
    CHECK(b.delay(2, 7.0) == milliseconds(200));
    CHECK(b.delay(2, -1.0) == milliseconds(0));
}

TEST_CASE("backoff: no delay is offered once the attempts are used up") {
    const Backoff b{milliseconds(100), milliseconds(1000), 3};
    CHECK(b.delay(1, 1.0).has_value());
    CHECK(b.delay(2, 1.0).has_value());
    CHECK_FALSE(b.delay(3, 1.0).has_value());
    CHECK_FALSE(b.delay(4, 1.0).has_value());
    CHECK_FALSE(b.delay(0, 1.0).has_value());
    const Backoff once{milliseconds(100), milliseconds(1000), 1};
    CHECK_FALSE(once.delay(1, 0.5).has_value());
}

TEST_CASE("backoff: delays drawn from a seeded RNG stay within the cap and vary") {
    const Backoff b{milliseconds(1000), milliseconds(8000), 6};
    std::mt19937_64 rng(42);
    for (int retry = 1; retry < 6; ++retry) {
        std::set<std::int64_t> seen;
        for (int i = 0; i < 200; ++i) {
            const auto d = b.delay(retry, rng);
            REQUIRE(d.has_value());
            CHECK(*d >= milliseconds(0));
            CHECK(*d <= b.cap(retry));
            seen.insert(d->count());
        }
        // Jitter, not a fixed step: 200 draws over a window of >= 1000 ms are not all alike.
        CHECK(seen.size() > 100);
    }
    std::mt19937_64 again(42);
    std::mt19937_64 same(42);
    CHECK(b.delay(2, again) == b.delay(2, same));
}

TEST_SUITE_END();
