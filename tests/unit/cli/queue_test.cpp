// cli/queue and the async commands' flags: what `faas queue` and `faas invoke --async` print and
// refuse before anything is sent.
#include "cli/queue.hpp"

#include <sstream>

#include <doctest/doctest.h>

#include "cli/commands.hpp"
#include "tests/support/text.hpp"

namespace {

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

// Runs the CLI (with a gateway nothing listens on, unless `gateway` is false): input errors
// must be caught before a call.
Run run(std::vector<std::string> argv, bool gateway = true) {
    std::ostringstream out;
    std::ostringstream err;
    std::istringstream in;
    faas::cli::Io io{out, err, in};
    io.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
    if (gateway) {
        argv.insert(argv.end(), {"-g", "http://127.0.0.1:1"});
    }
    Run r;
    r.code = faas::cli::run_cli(argv, io);
    r.out = out.str();
    r.err = err.str();
    return r;
}

using faas::test::contains;

}  // namespace

TEST_SUITE("cli queue") {
    TEST_CASE("queue: the queue list is a table sorted by name with the five columns") {
        auto q = faas::cli::parse_queues(
            R"([{"name":"slow","subject":"faas-request.slow","messages":12,"pending":10,)"
            R"("inFlight":2,"deadLetters":0,"consumers":1},)"
            R"({"name":"default","subject":"faas-request.default","messages":0,"pending":0,)"
            R"("inFlight":0,"deadLetters":3,"consumers":1}])");
        REQUIRE(q.ok());
        REQUIRE(q->size() == 2);
        CHECK((*q)[0].in_flight == 2);
        CHECK((*q)[1].dead_letters == 3);
        CHECK(faas::cli::queues_table(*q) ==
              "QUEUE     MESSAGES   PENDING   IN-FLIGHT   DEAD-LETTERS\n"
              "default   0          0         0           3\n"
              "slow      12         10        2           0\n");
    }

    TEST_CASE("queue: no queues prints the header alone") {
        auto q = faas::cli::parse_queues("[]");
        REQUIRE(q.ok());
        CHECK(faas::cli::queues_table(*q) ==
              "QUEUE   MESSAGES   PENDING   IN-FLIGHT   DEAD-LETTERS\n");
    }

    TEST_CASE("queue: an answer that is not the queue list is an error naming the key") {
        CHECK_FALSE(faas::cli::parse_queues("{}").ok());
        CHECK_FALSE(faas::cli::parse_queues("not json").ok());
        auto bad = faas::cli::parse_queues(R"([{"name":"a","messages":"many"}])");
        REQUIRE_FALSE(bad.ok());
        CHECK(contains(bad.error().what(), "\"messages\""));
    }

    TEST_CASE("queue: dead letters print one row each, status 0 as -") {
        auto d = faas::cli::parse_dead_letters(
            R"([{"sequence":12,"callId":"c-1","function":"fail.openfaas-fn","queue":"default",)"
            R"("attempts":3,"statusCode":503,"reason":"attempts exhausted",)"
            R"("deadLetteredAt":"2026-11-23T10:00:00Z","enqueuedAt":"2026-11-23T09:59:58Z"},)"
            R"({"sequence":13,"callId":"c-2","function":"old.openfaas-fn","queue":"default",)"
            R"("attempts":0,"statusCode":0,"reason":"expired",)"
            R"("deadLetteredAt":"2026-11-23T10:00:01Z","enqueuedAt":"2026-11-23T04:00:00Z"}])");
        REQUIRE(d.ok());
        REQUIRE(d->size() == 2);
        CHECK((*d)[0].status_code == 503);
        CHECK((*d)[1].enqueued_at == "2026-11-23T04:00:00Z");
        const std::string table = faas::cli::dead_letters_table(*d);
        CHECK(table ==
              "SEQ   CALL-ID   FUNCTION           QUEUE     ATTEMPTS   STATUS   REASON             "
              "  DEAD-LETTERED\n"
              "12    c-1       fail.openfaas-fn   default   3          503      attempts exhausted "
              "  2026-11-23T10:00:00Z\n"
              "13    c-2       old.openfaas-fn    default   0          -        expired            "
              "  2026-11-23T10:00:01Z\n");
    }

    TEST_CASE("queue: a call's status shows the fields that are set, one a line") {
        faas::openfaas::CallStatus s;
        s.call_id = "c-1";
        s.function = "echo.openfaas-fn";
        s.queue = "default";
        s.state = faas::openfaas::CallState::Retrying;
        s.attempt = 2;
        s.enqueued_at = "2026-11-23T10:00:00Z";
        s.updated_at = "2026-11-23T10:00:01Z";
        s.next_attempt_at = "2026-11-23T10:00:03Z";
        s.status_code = 503;
        CHECK(faas::cli::call_status_text(s) ==
              "Call ID:         c-1\n"
              "Function:        echo.openfaas-fn\n"
              "Queue:           default\n"
              "Status:          retrying\n"
              "Attempt:         2\n"
              "Enqueued at:     2026-11-23T10:00:00Z\n"
              "Updated at:      2026-11-23T10:00:01Z\n"
              "Next attempt at: 2026-11-23T10:00:03Z\n"
              "Status code:     503\n");
    }

    TEST_CASE("queue: redrive bodies for everything, a function and sequence numbers") {
        CHECK(faas::cli::redrive_body(std::nullopt, {}).value() == "{}");
        CHECK(faas::cli::redrive_body(std::string("fail"), {}).value() ==
              R"({"function":"fail.openfaas-fn"})");
        CHECK(faas::cli::redrive_body(std::string("fail.dev"), {}).value() ==
              R"({"function":"fail.dev"})");
        CHECK(faas::cli::redrive_body(std::nullopt, {"12", "13"}).value() ==
              R"({"sequences":[12,13]})");
        CHECK_FALSE(faas::cli::redrive_body(std::nullopt, {"12x"}).ok());
        CHECK_FALSE(faas::cli::redrive_body(std::nullopt, {"0"}).ok());
        CHECK_FALSE(faas::cli::redrive_body(std::nullopt, {"-1"}).ok());
        CHECK_FALSE(faas::cli::redrive_body(std::string("fail"), {"12"}).ok());
    }

    TEST_CASE("queue: a function is named as the function routes name it, -n included") {
        CHECK(faas::cli::qualified_function("fn") == "fn.openfaas-fn");
        CHECK(faas::cli::qualified_function("fn.dev") == "fn.dev");
        CHECK(faas::cli::qualified_function("fn", std::string("dev")) == "fn.dev");
    }

    TEST_CASE("queue: the redrive answer lists what was queued again and what failed") {
        auto r = faas::cli::parse_redrive(
            R"({"redriven":[{"sequence":12,"callId":"c-1"}],)"
            R"("failed":[{"sequence":13,"error":"no such dead letter"}]})");
        REQUIRE(r.ok());
        REQUIRE(r->redriven.size() == 1);
        CHECK(r->redriven[0].call_id == "c-1");
        REQUIRE(r->failed.size() == 1);
        CHECK(r->failed[0].sequence == 13);
        CHECK(r->failed[0].error == "no such dead letter");
        CHECK(faas::cli::parse_redrive(R"({"redriven":[]})")->failed.empty());
    }

    TEST_CASE("queue: bad arguments exit 2 before anything is sent") {
        auto both = run({"queue", "redrive", "--function", "fail", "12"});
        CHECK(both.code == 2);
        CHECK(contains(both.err, "either --function or sequence numbers"));
        auto seq = run({"queue", "redrive", "abc"});
        CHECK(seq.code == 2);
        CHECK(contains(seq.err, "\"abc\" is not a dead letter's sequence number"));
        auto no_id = run({"queue", "status"});
        CHECK(no_id.code == 2);
        CHECK(contains(no_id.err, "wants one call id"));
        auto limit = run({"queue", "dead-letters", "--limit", "ten"});
        CHECK(limit.code == 2);
        CHECK(contains(limit.err, "--limit wants a number"));
        auto unknown = run({"queue", "bogus"});
        CHECK(unknown.code == 2);
        CHECK(contains(unknown.err, "unknown command \"queue bogus\""));
    }

    TEST_CASE("queue: a gateway that does not answer exits 1 naming it") {
        auto r = run({"queue"});
        CHECK(r.code == 1);
        CHECK(contains(r.err, "faas: gateway http://127.0.0.1:1"));
    }

    TEST_CASE("invoke: --callback and --idempotency-key need --async, and --async needs POST") {
        auto cb = run({"invoke", "echo", "--callback", "http://127.0.0.1:9/", "--no-stdin"});
        CHECK(cb.code == 2);
        CHECK(contains(cb.err, "--callback needs --async"));
        auto key = run({"invoke", "echo", "--idempotency-key", "k", "--no-stdin"});
        CHECK(key.code == 2);
        CHECK(contains(key.err, "--idempotency-key needs --async"));
        auto get = run({"invoke", "echo", "--async", "-m", "GET", "--no-stdin"});
        CHECK(get.code == 2);
        CHECK(contains(get.err, "--async calls are POSTed"));
    }

    TEST_CASE("queue: help lists the queue subcommands") {
        auto r = run({"help"}, false);
        CHECK(r.code == 0);
        CHECK(contains(r.out, "queue status"));
        CHECK(contains(r.out, "queue dead-letters"));
        CHECK(contains(r.out, "queue redrive"));
        auto up = run({"up", "--help"}, false);
        CHECK(contains(up.out, "--nats-port"));
    }
}
