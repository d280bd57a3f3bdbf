#pragma once
// Retry schedule: exponential backoff with full jitter and a bounded number of attempts, shared
// by callback delivery and the queue-worker's function retries. Pure; the caller owns the RNG.
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace faas::async {

struct Backoff {
    // The cap of the first retry's delay; each later retry doubles it up to `max_delay`.
    std::chrono::milliseconds initial_delay{1000};
    std::chrono::milliseconds max_delay{60000};
    // Attempts in total, the first one included; 1 means never retry.
    int max_attempts = 5;

    // The upper bound of the delay before retry number `retry` (1 = the second attempt):
    // min(max_delay, initial_delay * 2^(retry - 1)).
    std::chrono::milliseconds cap(int retry) const;

    // The delay before the next attempt after `attempts_made` attempts failed, with full jitter:
    // `fraction` in [0, 1] of cap(attempts_made). nullopt when no attempt is left.
    std::optional<std::chrono::milliseconds> delay(int attempts_made, double fraction) const;

    // As above, drawing the fraction uniformly from `rng`. Full jitter spreads retries of many
    // calls that failed together over the whole window instead of sending them in waves.
    std::optional<std::chrono::milliseconds> delay(int attempts_made, std::mt19937_64& rng) const;
};

}  // namespace faas::async
