// queue-worker/gate: slots under the function's (AIMD) concurrency limit, handed out in order.
#include "queue-worker/gate.hpp"

#include <vector>

#include <doctest/doctest.h>

namespace qw = faas::queue_worker;
using faas::awaitable;

namespace {

// Takes a slot, records the order, and holds it until `release` says so.
awaitable<void> take(qw::FunctionGate& gate, int id, std::vector<int>& order) {
    co_await gate.acquire();
    order.push_back(id);
}

qw::FunctionSettings with_concurrency(int n) {
    qw::FunctionSettings s;
    s.concurrency = n;
    return s;
}

}  // namespace

TEST_SUITE_BEGIN("queue_worker.gate");

TEST_CASE(
    "queue-worker gate: no more than the concurrency run at once, waiters get slots in order") {
    asio::io_context io;
    qw::FunctionGate gate(io.get_executor(), 50);
    CHECK(gate.configure(with_concurrency(2)));
    std::vector<int> order;
    for (int i = 0; i < 5; ++i) {
        asio::co_spawn(io, take(gate, i, order), asio::detached);
    }
    io.poll();
    io.restart();
    CHECK(order == std::vector<int>{0, 1});
    CHECK(gate.running() == 2);
    gate.release();
    io.poll();
    io.restart();
    CHECK(order == std::vector<int>{0, 1, 2});
    gate.release();
    gate.release();
    io.poll();
    io.restart();
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
    CHECK(gate.running() == 2);
}

TEST_CASE("queue-worker gate: without a concurrency annotation max_inflight is the limit") {
    asio::io_context io;
    qw::FunctionGate gate(io.get_executor(), 3);
    CHECK_FALSE(gate.configure(qw::FunctionSettings{}));
    std::vector<int> order;
    for (int i = 0; i < 4; ++i) {
        asio::co_spawn(io, take(gate, i, order), asio::detached);
    }
    io.poll();
    io.restart();
    CHECK(order.size() == 3);
    CHECK(gate.limit() == 3);
}

TEST_CASE("queue-worker gate: a 429 halves the limit, and successes reopen slots one at a time") {
    asio::io_context io;
    qw::FunctionGate gate(io.get_executor(), 50);
    gate.configure(with_concurrency(4));
    std::vector<int> order;
    for (int i = 0; i < 4; ++i) {
        asio::co_spawn(io, take(gate, i, order), asio::detached);
    }
    io.poll();
    io.restart();
    REQUIRE(order.size() == 4);
    // All four end; one saw 429: the limit drops to 2.
    for (int i = 0; i < 4; ++i) {
        gate.release();
    }
    CHECK(gate.on_overload());
    CHECK(gate.limit() == 2);
    for (int i = 4; i < 8; ++i) {
        asio::co_spawn(io, take(gate, i, order), asio::detached);
    }
    io.poll();
    io.restart();
    CHECK(order.size() == 6);  // only 2 of the 4 new ones run
    CHECK(gate.on_success());  // limit 3: one more waiter gets a slot
    io.poll();
    io.restart();
    CHECK(order.size() == 7);
    CHECK(gate.limit() == 3);
}
