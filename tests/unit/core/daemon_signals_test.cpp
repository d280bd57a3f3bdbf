// core/daemon/signals: the first SIGTERM/SIGINT starts the graceful stop, later ones only nudge.
#include "core/daemon/signals.hpp"

#include <csignal>

#include <doctest/doctest.h>

#include "tests/support/wait.hpp"

TEST_SUITE_BEGIN("core.daemon.signals");

TEST_CASE("signals: the first signal starts one stop and later ones call again") {
    asio::io_context io;
    int stops = 0;
    int first = 0;
    int agains = 0;
    const auto settle = [&] {
        if (stops == 1 && agains == 2) {
            io.stop();
        }
    };
    faas::daemon::StopSignals signals(
        io,
        [&](int signal) -> faas::awaitable<void> {
            ++stops;
            first = signal;
            settle();
            co_return;
        },
        [&](int) {
            ++agains;
            settle();
        });
    // Raised while the set is registered: delivered through Asio, never the default action.
    std::raise(SIGTERM);
    std::raise(SIGINT);
    std::raise(SIGTERM);
    io.run_for(faas::test::kMaxWait);
    CHECK(stops == 1);
    CHECK(first == SIGTERM);
    CHECK(agains == 2);
    CHECK(signals.stopping());
}

TEST_CASE("signals: without an again callback later signals are ignored") {
    asio::io_context io;
    int stops = 0;
    faas::daemon::StopSignals signals(io, [&](int) -> faas::awaitable<void> {
        ++stops;
        co_return;
    });
    std::raise(SIGINT);
    std::raise(SIGINT);
    // Both deliveries are queued on the io_context; run until it has nothing ready.
    for (int i = 0; i < 100 && io.poll() > 0; ++i) {
    }
    CHECK(stops == 1);
    CHECK(signals.stopping());
}

TEST_SUITE_END();
