// queue-worker: retries with backoff and Retry-After, dead letters, failures that are final,
// AIMD on 429 and expired calls.
#include <doctest/doctest.h>

#include "core/openfaas/async.hpp"
#include "core/openfaas/types.hpp"
#include "tests/integration/queue_worker/worker_fixture.hpp"
#include "tests/support/ports.hpp"

using faas::openfaas::CallState;
using faas::test::Enqueue;
using faas::test::Reply;
using faas::test::WorkerFixture;
using namespace std::chrono_literals;
namespace async_names = faas::openfaas::async;

namespace {

std::string header(const faas::test::Seen& s, std::string_view name) {
    return std::string(s.headers.get(name).value_or(""));
}

std::string nats_header(const faas::nats::StoredMessage& m, std::string_view name) {
    return std::string(faas::nats::find_header(m.headers, name).value_or(""));
}

Reply status_reply(int status) {
    Reply r;
    r.status = status;
    r.body = "status " + std::to_string(status);
    return r;
}

}  // namespace

TEST_SUITE_BEGIN("queue_worker.retry");

TEST_CASE(
    "queue-worker: 503 twice then 200 is three calls, one success callback, the status "
    "goes retrying then succeeded") {
    WorkerFixture f;
    f.gateway.script("fn.openfaas-fn", [](int n) { return status_reply(n <= 2 ? 503 : 200); });
    Enqueue e;
    e.annotations["com.openfaas.retry.min_wait"] = "400ms";
    e.annotations["com.openfaas.retry.max_wait"] = "400ms";
    const std::string id = f.enqueue(e);
    // The retry waits 400 ms: long enough to read the retrying record.
    REQUIRE(f.wait_status(id, CallState::Retrying));
    const auto retrying = f.status(id);
    REQUIRE(retrying);
    CHECK(retrying->status_code == 503);
    CHECK_FALSE(retrying->next_attempt_at.empty());
    CHECK(faas::openfaas::parse_rfc3339(retrying->next_attempt_at).has_value());
    REQUIRE(f.wait_status(id, CallState::Succeeded));
    const auto done = f.status(id);
    CHECK(done->attempt == 3);
    CHECK(done->status_code == 200);
    std::this_thread::sleep_for(300ms);
    const auto calls = f.gateway.calls("fn.openfaas-fn");
    REQUIRE(calls.size() == 3);
    CHECK(header(calls[0], "X-Faas-Attempt") == "1");
    CHECK(header(calls[1], "X-Faas-Attempt") == "2");
    CHECK(header(calls[2], "X-Faas-Attempt") == "3");
    CHECK(calls[1].at - calls[0].at >= 350ms);
    REQUIRE(f.receiver.count() == 1);
    CHECK(header(f.receiver.received().front(), "X-Function-Status") == "200");
    CHECK(f.metrics().find(R"(faas_queue_retries_total{function="fn.openfaas-fn"} 2)") !=
          std::string::npos);
}

TEST_CASE(
    "queue-worker: a function that always fails with a retried status is dead-lettered "
    "after its attempts") {
    WorkerFixture f;
    f.gateway.script("fn.openfaas-fn", [](int) { return status_reply(500); });
    Enqueue e;
    e.annotations["com.openfaas.retry.codes"] = "500";
    e.annotations["com.openfaas.retry.attempts"] = "3";
    const std::string id = f.enqueue(e);
    REQUIRE(f.wait_status(id, CallState::DeadLettered));
    CHECK(f.gateway.count("fn.openfaas-fn") == 3);

    const auto dead = f.dead_letters();
    REQUIRE(dead.size() == 1);
    const auto& dl = dead.front();
    CHECK(dl.subject == "faas-dead-letter.default");
    CHECK(nats_header(dl, async_names::kDeadStatusHeader) == "500");
    CHECK(nats_header(dl, async_names::kDeadAttemptsHeader) == "3");
    CHECK(nats_header(dl, async_names::kDeadReasonHeader).find("500") != std::string::npos);
    CHECK(faas::openfaas::parse_rfc3339(nats_header(dl, async_names::kDeadAtHeader)).has_value());
    auto request = faas::openfaas::decode_queue_request(dl.data, "openfaas-fn");
    REQUIRE(request.ok());
    CHECK(request->call_id == id);
    CHECK(request->attempt == 3);
    CHECK(request->body == "payload");

    REQUIRE(f.receiver.count() == 1);
    const auto cb = f.receiver.received().front();
    CHECK(header(cb, "X-Function-Status") == "500");
    CHECK(cb.body == "status 500");
    const auto status = f.status(id);
    CHECK(status->status_code == 500);
    CHECK(status->attempt == 3);
    CHECK(faas::test::wait_until([&] { return f.queued() == 0; }));
    CHECK(f.metrics().find(R"(faas_queue_dead_letters_total{function="fn.openfaas-fn"} 1)") !=
          std::string::npos);
}

TEST_CASE("queue-worker: a status outside the retry set fails at once, one call") {
    WorkerFixture f;
    f.gateway.script("fn.openfaas-fn", [](int) { return status_reply(400); });
    const std::string id = f.enqueue(Enqueue{});
    REQUIRE(f.wait_status(id, CallState::Failed));
    std::this_thread::sleep_for(300ms);
    CHECK(f.gateway.count("fn.openfaas-fn") == 1);
    CHECK(f.dead_letters().empty());
    REQUIRE(f.receiver.count() == 1);
    CHECK(header(f.receiver.received().front(), "X-Function-Status") == "400");
    CHECK(f.status(id)->status_code == 400);
    CHECK(faas::test::wait_until([&] { return f.queued() == 0; }));
}

TEST_CASE(
    "queue-worker: a 429 halves the function's concurrency and is retried after "
    "Retry-After") {
    WorkerFixture f;
    f.gateway.script("fn.openfaas-fn", [](int n) {
        Reply r = status_reply(n == 1 ? 429 : 200);
        if (n == 1) {
            r.headers.add("Retry-After", "1");
        }
        return r;
    });
    Enqueue e;
    e.annotations["com.faas.queue.concurrency"] = "4";
    const std::string id = f.enqueue(e);
    REQUIRE(f.wait_status(id, CallState::Succeeded));
    const auto calls = f.gateway.calls("fn.openfaas-fn");
    REQUIRE(calls.size() == 2);
    CHECK(calls[1].at - calls[0].at >= 950ms);  // Retry-After: 1 beats the 20 ms backoff
    CHECK(f.worker().wait_for_stderr("aimd_decrease call_id=" + id + " fn=fn.openfaas-fn limit=2"));
    CHECK(f.worker().wait_for_stderr("aimd_increase call_id=" + id + " fn=fn.openfaas-fn limit=3"));
}

TEST_CASE("queue-worker: a call older than its max age is dead-lettered without calling") {
    WorkerFixture f;
    Enqueue e;
    e.annotations["com.faas.queue.max_age"] = "1m";
    e.enqueued_at = faas::openfaas::rfc3339(std::chrono::system_clock::now() - 2min);
    const std::string id = f.enqueue(e);
    REQUIRE(f.wait_status(id, CallState::DeadLettered));
    CHECK(f.gateway.count("fn.openfaas-fn") == 0);
    const auto dead = f.dead_letters();
    REQUIRE(dead.size() == 1);
    CHECK(nats_header(dead.front(), async_names::kDeadReasonHeader) == "expired");
    CHECK(nats_header(dead.front(), async_names::kDeadStatusHeader) == "0");
    CHECK(f.receiver.count() == 1);
    CHECK(f.metrics().find(
              R"(faas_queue_calls_total{function="fn.openfaas-fn",outcome="expired"} 1)") !=
          std::string::npos);
}

TEST_CASE("queue-worker: a call cut by upstream_timeout is retried and succeeds as attempt 2") {
    WorkerFixture f(faas::test::EnvMap{{"upstream_timeout", "300ms"}});
    f.gateway.script("fn.openfaas-fn", [](int n) {
        Reply r = status_reply(200);
        r.delay = n == 1 ? 1500ms : 0ms;
        return r;
    });
    const std::string id = f.enqueue(Enqueue{});
    REQUIRE(f.wait_status(id, CallState::Succeeded));
    const auto calls = f.gateway.calls("fn.openfaas-fn");
    REQUIRE(calls.size() == 2);
    CHECK(header(calls[1], "X-Faas-Attempt") == "2");
    CHECK(f.status(id)->attempt == 2);
    CHECK(f.status(id)->status_code == 200);
    REQUIRE(f.receiver.count() == 1);
    CHECK(header(f.receiver.received().front(), "X-Function-Status") == "200");
    CHECK(f.worker().wait_for_stderr("retrying call_id=" + id));
}

TEST_CASE(
    "queue-worker: a gateway that refuses connections is retried, then the call is "
    "dead-lettered with the error and the callback says 503") {
    // Nothing listens on the gateway port the worker is given.
    WorkerFixture f(
        faas::test::EnvMap{{"faas_gateway_port", std::to_string(faas::test::free_port())}});
    Enqueue e;
    e.annotations["com.openfaas.retry.attempts"] = "2";
    const std::string id = f.enqueue(e);
    REQUIRE(f.wait_status(id, CallState::DeadLettered));
    const auto status = f.status(id);
    CHECK(status->attempt == 2);
    CHECK(status->status_code == 0);
    CHECK_FALSE(status->error.empty());
    const auto dead = f.dead_letters();
    REQUIRE(dead.size() == 1);
    CHECK(nats_header(dead.front(), async_names::kDeadAttemptsHeader) == "2");
    CHECK(nats_header(dead.front(), async_names::kDeadReasonHeader)
              .rfind("retries exhausted: ", 0) == 0);
    REQUIRE(f.receiver.count() == 1);
    CHECK(header(f.receiver.received().front(), "X-Function-Status") == "503");
    CHECK(header(f.receiver.received().front(), "X-Call-Id") == id);
    CHECK(faas::test::wait_until([&] { return f.queued() == 0; }));
}
