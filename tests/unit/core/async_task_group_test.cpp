// core/async/task_group: waiting for a group's tasks, with and without a drain deadline.
#include "core/async/task_group.hpp"

#include <doctest/doctest.h>

#include "core/async/async_event.hpp"
#include "tests/support/http_client.hpp"

using faas::async::AsyncEvent;
using faas::async::TaskGroup;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("core.async.task_group");

TEST_CASE("task group: wait_for is true once the tasks ended") {
    asio::io_context io;
    TaskGroup group(io.get_executor());
    AsyncEvent release(io.get_executor());
    group.spawn([&release]() -> faas::awaitable<void> { co_await release.wait(); });
    const bool idle = faas::test::run_sync(io, [&]() -> faas::awaitable<bool> {
        release.notify();
        co_return co_await group.wait_for(faas::test::kMaxWait);
    });
    CHECK(idle);
    CHECK(group.running() == 0);
}

TEST_CASE("task group: wait_for is false when the deadline passes first") {
    asio::io_context io;
    TaskGroup group(io.get_executor());
    AsyncEvent never(io.get_executor());
    group.spawn([&never]() -> faas::awaitable<void> { co_await never.wait(); });
    const bool idle = faas::test::run_sync(
        io, [&]() -> faas::awaitable<bool> { co_return co_await group.wait_for(1ms); });
    CHECK_FALSE(idle);
    CHECK(group.running() == 1);
    // Let the task end before the group and the event die.
    never.notify();
    faas::test::run_sync_void(io, [&]() -> faas::awaitable<void> { co_await group.wait(); });
}

TEST_SUITE_END();
