#pragma once
// Bounded waiting. Every wait in a test has a bound, so a bug fails the test instead of hanging
// it (userver's kMaxTestWaitTime).
#include <chrono>
#include <functional>

namespace faas::test {

// The longest any single wait in a test may take.
inline constexpr std::chrono::seconds kMaxWait{10};

// Polls `predicate` every `step` until it holds or `bound` passes; returns its last value.
// Integration tests only: unit tests wait on events, never on the clock.
bool wait_until(const std::function<bool()>& predicate,
                std::chrono::nanoseconds bound = kMaxWait,
                std::chrono::milliseconds step = std::chrono::milliseconds(10));

// Seconds since `start` as a double, for timing assertions.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace faas::test
