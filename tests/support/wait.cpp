#include "tests/support/wait.hpp"

#include <thread>

namespace faas::test {

bool wait_until(const std::function<bool()>& predicate,
                std::chrono::nanoseconds bound,
                std::chrono::milliseconds step) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        if (predicate()) {
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return predicate();
        }
        std::this_thread::sleep_for(step);
    }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace faas::test
