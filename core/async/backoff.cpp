#include "core/async/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace faas::async {

std::chrono::milliseconds Backoff::cap(int retry) const {
    const std::int64_t initial = std::max<std::int64_t>(initial_delay.count(), 0);
    const std::int64_t limit = std::max<std::int64_t>(max_delay.count(), 0);
    std::int64_t c = initial;
    // Doubling stops at the limit, so a large retry number cannot overflow.
    for (int i = 1; i < retry && c < limit; ++i) {
        c = c > limit / 2 ? limit : c * 2;
    }
    return std::chrono::milliseconds(std::min(c, limit));
}

std::optional<std::chrono::milliseconds> Backoff::delay(int attempts_made, double fraction) const {
    if (attempts_made < 1 || attempts_made >= max_attempts) {
        return std::nullopt;
    }
    const double f = std::isnan(fraction) ? 0.0 : std::clamp(fraction, 0.0, 1.0);
    const auto c = static_cast<double>(cap(attempts_made).count());
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(c * f)));
}

std::optional<std::chrono::milliseconds> Backoff::delay(int attempts_made,
                                                        std::mt19937_64& rng) const {
    std::uniform_real_distribution<double> fraction(0.0, 1.0);
    return delay(attempts_made, fraction(rng));
}

}  // namespace faas::async
