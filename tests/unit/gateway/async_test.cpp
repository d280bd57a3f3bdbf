// gateway/async: what a failed publish answers, the body limit that fits NATS's max_payload, and
// the async API's wire rows (core/openfaas/async_api, dead-letter headers) as the gateway writes
// and `faas queue` reads them.
#include "gateway/async.hpp"

#include <doctest/doctest.h>

#include "core/openfaas/async.hpp"
#include "core/openfaas/async_api.hpp"
#include "gateway/async_queue.hpp"

using faas::errc;
using faas::make_error;
using faas::gateway::AsyncQueue;
using faas::gateway::publish_error_response;
using faas::gateway::publish_failure;

TEST_SUITE_BEGIN("gateway.async");

TEST_CASE("async: a publish timeout or lost connection is unavailable: 503 with Retry-After: 1") {
    for (const auto code : {errc::timeout, errc::unavailable}) {
        const auto e = publish_failure(make_error(code, "no ack from NATS"));
        CHECK(e.code == errc::unavailable);
        const auto res = publish_error_response(e);
        CHECK(res.status == 503);
        CHECK(res.headers.get("Retry-After").value_or("") == "1");
        CHECK(res.body.find("Error queuing request: no ack from NATS") == 0);
    }
}

TEST_CASE("async: too many publishes in flight is 429 with Retry-After, anything else 500") {
    const auto overloaded =
        publish_failure(make_error(errc::overloaded, "too many publishes in flight"));
    CHECK(overloaded.code == errc::overloaded);
    const auto busy = publish_error_response(overloaded);
    CHECK(busy.status == 429);
    CHECK(busy.headers.get("Retry-After").value_or("") == "1");
    CHECK(busy.body.find("Error queuing request: too many publishes in flight") == 0);

    const auto other = publish_failure(make_error(errc::bad_request, "maximum payload exceeded"));
    CHECK(other.code == errc::internal);
    const auto failed = publish_error_response(other);
    CHECK(failed.status == 500);
    CHECK_FALSE(failed.headers.get("Retry-After").has_value());
    CHECK(failed.body.find("Error queuing request: maximum payload exceeded") == 0);
}

TEST_CASE("async: the body limit leaves 64 KiB for the envelope and the base64 growth") {
    constexpr std::int64_t kMiB = std::int64_t{1024} * 1024;
    constexpr std::int64_t kKiB = 1024;
    CHECK(AsyncQueue::body_limit_for(kMiB) ==
          static_cast<std::uint64_t>((kMiB - 64 * kKiB) * 3 / 4));
    CHECK(AsyncQueue::body_limit_for(8 * kMiB) ==
          static_cast<std::uint64_t>((8 * kMiB - 64 * kKiB) * 3 / 4));
    CHECK(AsyncQueue::body_limit_for(64 * kKiB) == 0);
    CHECK(AsyncQueue::body_limit_for(1000) == 0);
    CHECK(AsyncQueue::body_limit_for(0) == 0);
    CHECK(AsyncQueue::body_limit_for(-1) == 0);
}

TEST_CASE("async: the queue list and dead letters read back what the gateway wrote") {
    faas::openfaas::QueueInfo q;
    q.name = "slow";
    q.subject = "faas-request.slow";
    q.messages = 12;
    q.pending = 10;
    q.in_flight = 2;
    q.dead_letters = 1;
    q.consumers = 1;
    const std::vector<faas::openfaas::QueueInfo> queues{q, {}};
    const std::string queues_json = faas::openfaas::to_json(queues);
    CHECK(queues_json.find(R"("inFlight":2)") != std::string::npos);
    CHECK(queues_json.find(R"("deadLetters":1)") != std::string::npos);
    auto parsed = faas::openfaas::parse_queues(queues_json);
    REQUIRE(parsed.ok());
    CHECK(*parsed == queues);

    faas::openfaas::DeadLetterInfo d;
    d.sequence = 12;
    d.call_id = "c-1";
    d.function = "fail.openfaas-fn";
    d.queue = "default";
    d.attempts = 3;
    d.status_code = 503;
    d.reason = "attempts exhausted";
    d.dead_lettered_at = "2026-11-23T10:00:00Z";
    d.enqueued_at = "2026-11-23T09:59:58Z";
    faas::openfaas::DeadLetterInfo broken;
    broken.sequence = 13;
    broken.error = "not a QueueRequest";
    const std::vector<faas::openfaas::DeadLetterInfo> letters{d, broken};
    const std::string letters_json = faas::openfaas::to_json(letters);
    CHECK(letters_json.find(R"("statusCode":503)") != std::string::npos);
    CHECK(letters_json.find(R"("error")") == letters_json.rfind(R"("error")"));  // once
    auto back = faas::openfaas::parse_dead_letters(letters_json);
    REQUIRE(back.ok());
    CHECK(*back == letters);

    auto bad = faas::openfaas::parse_dead_letters(R"([{"sequence":"twelve"}])");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == errc::bad_request);
    CHECK(bad.error().what() == R"(dead letters: "sequence" is not a non-negative integer)");
}

TEST_CASE("async: dead-letter headers are written and read back by one pair of functions") {
    namespace oa = faas::openfaas::async;
    oa::DeadLetterHeaders h;
    h.reason = "attempts exhausted";
    h.status_code = 503;
    h.attempts = 4;
    h.dead_lettered_at = "2026-11-23T10:00:00Z";
    const faas::nats::Headers written = oa::dead_letter_headers(h);
    CHECK(faas::nats::find_header(written, "Faas-Dead-Letter-Reason").value_or("") ==
          "attempts exhausted");
    CHECK(faas::nats::find_header(written, "Faas-Status-Code").value_or("") == "503");
    CHECK(faas::nats::find_header(written, "Faas-Attempts").value_or("") == "4");
    CHECK(faas::nats::find_header(written, "Faas-Dead-Lettered-At").value_or("") ==
          "2026-11-23T10:00:00Z");
    const oa::DeadLetterHeaders read = oa::parse_dead_letter_headers(written);
    CHECK(read.reason == h.reason);
    CHECK(read.status_code == 503);
    CHECK(read.attempts == 4);
    CHECK(read.dead_lettered_at == h.dead_lettered_at);

    const oa::DeadLetterHeaders junk =
        oa::parse_dead_letter_headers({{"Faas-Attempts", "-1"}, {"Faas-Status-Code", "x"}});
    CHECK(junk.attempts == 0);
    CHECK(junk.status_code == 0);
    CHECK(junk.reason.empty());
}

TEST_SUITE_END();
