// queue-worker: long calls keep their message (heartbeats), a killed worker loses nothing, a
// slow queue does not hold a fast one, free slots beside long calls are filled, SIGTERM drains.
#include <csignal>
#include <set>

#include <doctest/doctest.h>

#include "tests/integration/queue_worker/worker_fixture.hpp"

using faas::openfaas::CallState;
using faas::test::Enqueue;
using faas::test::Reply;
using faas::test::WorkerFixture;
using namespace std::chrono_literals;

namespace {

Reply slow(std::chrono::milliseconds d) {
    Reply r;
    r.delay = d;
    return r;
}

}  // namespace

TEST_SUITE_BEGIN("queue_worker.resilience");

TEST_CASE("queue-worker: a call taking 3x ack_wait is not redelivered (in-progress heartbeats)") {
    WorkerFixture f(faas::test::EnvMap{{"ack_wait", "1s"}});
    f.gateway.script("fn.openfaas-fn", [](int) { return slow(3000ms); });
    const std::string id = f.enqueue(Enqueue{});
    REQUIRE(f.wait_status(id, CallState::Succeeded, 20s));
    std::this_thread::sleep_for(1500ms);
    const auto calls = f.gateway.calls("fn.openfaas-fn");
    CHECK(calls.size() == 1);
    CHECK(f.status(id)->attempt == 1);
    CHECK(f.receiver.count() == 1);
}

TEST_CASE("queue-worker: kill -9 during calls, restart: the calls are redone, none is lost") {
    WorkerFixture f(faas::test::EnvMap{{"ack_wait", "1s"}});
    f.gateway.script("fn.openfaas-fn", [](int n) { return slow(n <= 5 ? 3000ms : 50ms); });
    Enqueue e;
    e.callback = false;
    const auto ids = f.enqueue_many(e, 20);
    REQUIRE(faas::test::wait_until([&] { return f.gateway.count("fn.openfaas-fn") >= 5; }));
    f.kill_worker();
    f.start_worker();
    for (const auto& id : ids) {
        REQUIRE(f.wait_status(id, CallState::Succeeded, 30s));
    }
    CHECK(faas::test::wait_until([&] { return f.queued() == 0; }));
    // Every call reached the function; those cut by the kill came again as a later attempt.
    std::set<std::string> seen;
    int redone = 0;
    for (const auto& c : f.gateway.calls("fn.openfaas-fn")) {
        seen.insert(std::string(c.headers.get("X-Call-Id").value_or("")));
        redone += c.headers.get("X-Faas-Attempt") != "1" ? 1 : 0;
    }
    CHECK(seen == std::set<std::string>(ids.begin(), ids.end()));
    CHECK(redone >= 1);
}

TEST_CASE("queue-worker: a slow function on one queue does not hold a fast one on another") {
    WorkerFixture f(faas::test::EnvMap{{"max_inflight", "4"}});
    f.gateway.script("slow.openfaas-fn", [](int) { return slow(4000ms); });
    Enqueue s;
    s.function = "slow";
    s.queue = "slow";
    s.callback = false;
    s.annotations["com.openfaas.queue"] = "slow";
    (void)f.enqueue_many(s, 10);
    REQUIRE(faas::test::wait_until([&] { return f.gateway.count("slow.openfaas-fn") >= 1; }));
    Enqueue fast;
    fast.function = "fast";
    fast.callback = false;
    const auto start = std::chrono::steady_clock::now();
    const auto ids = f.enqueue_many(fast, 10);
    for (const auto& id : ids) {
        REQUIRE(f.wait_status(id, CallState::Succeeded, 3500ms));
    }
    CHECK(std::chrono::steady_clock::now() - start < 3500ms);
    // The slow queue holds at most max_inflight - 1 and is still working.
    CHECK(f.gateway.count("slow.openfaas-fn") == 3);
}

TEST_CASE(
    "queue-worker: the last free slots beside long calls are filled at once, not when they end") {
    // max_inflight 20: one queue may hold 19. 17 long calls leave 2 free: the short calls behind
    // them take those 2 at once, not when the long calls end 4 s later (a worker that refilled
    // only in batches of several free slots would hold them back).
    WorkerFixture f(faas::test::EnvMap{{"max_inflight", "20"}});
    f.gateway.script("slow.openfaas-fn", [](int) { return slow(4000ms); });
    Enqueue s;
    s.function = "slow";
    s.callback = false;
    (void)f.enqueue_many(s, 17);
    REQUIRE(faas::test::wait_until([&] { return f.gateway.count("slow.openfaas-fn") == 17; }));
    Enqueue fast;
    fast.function = "fast";
    fast.callback = false;
    const auto start = std::chrono::steady_clock::now();
    const auto ids = f.enqueue_many(fast, 2);
    for (const auto& id : ids) {
        REQUIRE(f.wait_status(id, CallState::Succeeded, 3000ms));
    }
    CHECK(std::chrono::steady_clock::now() - start < 1500ms);
    CHECK(f.gateway.count("fast.openfaas-fn") == 2);
    CHECK(f.gateway.count("slow.openfaas-fn") == 17);
}

TEST_CASE("queue-worker: SIGTERM lets the call in flight finish, then exits 0") {
    WorkerFixture f;
    f.gateway.script("fn.openfaas-fn", [](int) { return slow(1000ms); });
    const std::string id = f.enqueue(Enqueue{});
    REQUIRE(faas::test::wait_until([&] { return f.gateway.count("fn.openfaas-fn") == 1; }));
    f.worker().signal(SIGTERM);
    const auto exit = f.worker().wait_exit(10s);
    REQUIRE(exit.has_value());
    CHECK(exit->exited_with(0));
    const auto status = f.status(id);
    REQUIRE(status);
    CHECK(status->state == CallState::Succeeded);
    CHECK(f.receiver.count() == 1);
    CHECK(f.worker_log().find("shutdown complete") != std::string::npos);
}

TEST_CASE(
    "queue-worker: kill -9 while a callback is being delivered: the call is redone and its "
    "callback comes again, nothing is lost") {
    WorkerFixture f(faas::test::EnvMap{{"ack_wait", "1s"}});
    f.receiver.set_delay(30s);  // the first callback hangs until the worker dies
    const std::string id = f.enqueue(Enqueue{});
    REQUIRE(faas::test::wait_until([&] { return f.receiver.count() == 1; }));
    f.kill_worker();
    f.receiver.set_delay(0ms);
    f.start_worker();
    REQUIRE(f.wait_status(id, CallState::Succeeded, 20s));
    const auto calls = f.gateway.calls("fn.openfaas-fn");
    REQUIRE(calls.size() == 2);
    CHECK(calls[1].headers.get("X-Faas-Attempt") == "2");
    const auto callbacks = f.receiver.received();
    REQUIRE(callbacks.size() == 2);
    for (const auto& cb : callbacks) {
        CHECK(cb.headers.get("X-Call-Id") == id);
        CHECK(cb.headers.get("X-Function-Status") == "200");
    }
    CHECK(f.status(id)->callback_status == 200);
    CHECK(faas::test::wait_until([&] { return f.queued() == 0; }));
}

TEST_CASE(
    "queue-worker: calls waiting for a concurrency slot longer than ack_wait are not "
    "redelivered") {
    WorkerFixture f(faas::test::EnvMap{{"ack_wait", "1s"}});
    f.gateway.script("fn.openfaas-fn", [](int) { return slow(1200ms); });
    Enqueue e;
    e.callback = false;
    e.annotations["com.faas.queue.concurrency"] = "1";
    const auto ids = f.enqueue_many(e, 3);  // the third waits about 2.4 s for its slot
    for (const auto& id : ids) {
        REQUIRE(f.wait_status(id, CallState::Succeeded, 20s));
    }
    std::this_thread::sleep_for(1500ms);
    const auto calls = f.gateway.calls("fn.openfaas-fn");
    CHECK(calls.size() == 3);
    for (const auto& c : calls) {
        CHECK(c.headers.get("X-Faas-Attempt") == "1");
    }
    CHECK(f.gateway.max_running("fn.openfaas-fn") == 1);
}

TEST_CASE(
    "queue-worker: a message that is not a queued call is terminated, counted and logged once, "
    "and the calls after it run") {
    WorkerFixture f(faas::test::EnvMap{{"ack_wait", "1s"}});
    f.publish_raw("", "this is not a queued call");
    const std::string id = f.enqueue(Enqueue{});
    REQUIRE(f.wait_status(id, CallState::Succeeded));
    CHECK(f.worker().wait_for_stderr("bad_message"));
    // Terminated, not left to come back after ack_wait.
    std::this_thread::sleep_for(2500ms);
    const std::string log = f.worker_log();
    CHECK(log.find("bad_message") == log.rfind("bad_message"));
    CHECK(f.metrics().find("faas_queue_bad_messages_total 1") != std::string::npos);
    CHECK(f.gateway.count("fn.openfaas-fn") == 1);
    CHECK(f.worker().running());
}
