// core/openfaas/call_status: the async call's status record and its JSON.
#include <string>

#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "core/openfaas/call_status.hpp"
#include "tests/support/printers.hpp"

namespace openfaas = faas::openfaas;
using openfaas::CallState;
using openfaas::CallStatus;

namespace {

CallStatus full() {
    CallStatus s;
    s.call_id = "9f0c6a52-3c1e-4b8e-9d1a-2f6f0e2b7c11";
    s.function = "figlet.openfaas-fn";
    s.queue = "slow";
    s.state = CallState::Retrying;
    s.attempt = 2;
    s.enqueued_at = "2026-11-23T10:00:00.123456789Z";
    s.updated_at = "2026-11-23T10:00:01Z";
    s.next_attempt_at = "2026-11-23T10:00:03Z";
    s.status_code = 503;
    s.error = "function answered 503 \"unavailable\"\n";
    s.callback_url = "http://cb:8888/done?k=v";
    s.callback_status = 202;
    return s;
}

std::string parse_error(std::string_view json) {
    const auto r = openfaas::parse_call_status(json);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == faas::errc::bad_request);
    return r.error().message;
}

}  // namespace

TEST_SUITE_BEGIN("core.openfaas.call_status");

TEST_CASE("call status: every field survives a round trip") {
    const CallStatus s = full();
    const auto back = openfaas::parse_call_status(openfaas::to_json(s));
    REQUIRE_MESSAGE(back.ok(), (back.ok() ? std::string() : back.error().what()));
    CHECK(back.value() == s);
}

TEST_CASE("call status: every state has its name and parses back") {
    for (const CallState state :
         {CallState::Queued, CallState::Running, CallState::Retrying, CallState::Succeeded,
          CallState::Failed, CallState::DeadLettered}) {
        CHECK(openfaas::parse_state(openfaas::state_name(state)) == state);
        CallStatus s;
        s.call_id = "c";
        s.state = state;
        const auto back = openfaas::parse_call_status(openfaas::to_json(s));
        REQUIRE(back.ok());
        CHECK(back.value().state == state);
    }
    CHECK(openfaas::state_name(CallState::DeadLettered) == "dead-lettered");
    CHECK_FALSE(openfaas::parse_state("Queued").has_value());
}

TEST_CASE("call status: optional keys are omitted when empty, the rest always written") {
    CallStatus s;
    s.call_id = "c1";
    s.function = "f.ns";
    s.queue = "default";
    s.enqueued_at = "2026-11-23T10:00:00Z";
    s.updated_at = "2026-11-23T10:00:00Z";
    CHECK(openfaas::to_json(s) ==
          R"({"callId":"c1","function":"f.ns","queue":"default","status":"queued","attempt":0,)"
          R"("enqueuedAt":"2026-11-23T10:00:00Z","updatedAt":"2026-11-23T10:00:00Z"})");
    const std::string json = openfaas::to_json(full());
    for (const char* key : {"\"nextAttemptAt\":\"2026-11-23T10:00:03Z\"", "\"statusCode\":503",
                            "\"callbackUrl\":\"http://cb:8888/done?k=v\"", "\"callbackStatus\":202",
                            "\"status\":\"retrying\"", "\"attempt\":2"}) {
        CHECK_MESSAGE(json.find(key) != std::string::npos, key);
    }
    CHECK(faas::json::parse(json).ok());
}

TEST_CASE("call status: a minimal record parses with defaults") {
    const auto r = openfaas::parse_call_status(R"({"callId":"c","status":"running","extra":1})");
    REQUIRE(r.ok());
    CHECK(r.value().call_id == "c");
    CHECK(r.value().state == CallState::Running);
    CHECK(r.value().attempt == 0);
    CHECK(r.value().status_code == 0);
    CHECK(r.value().next_attempt_at.empty());
}

TEST_CASE("call status: malformed input is an error naming what is wrong") {
    CHECK(parse_error("{").find("call status: not JSON") == 0);
    CHECK(parse_error("[]") == "call status: not a JSON object");
    CHECK(parse_error(R"({"status":"queued"})") == "call status: \"callId\" is missing");
    CHECK(parse_error(R"({"callId":3,"status":"queued"})") ==
          "call status: \"callId\" must be a string");
    CHECK(parse_error(R"({"callId":"c"})").find("call status: \"status\" must be one of") == 0);
    CHECK(parse_error(R"({"callId":"c","status":"done"})").find("(got \"done\")") !=
          std::string::npos);
    CHECK(parse_error(R"({"callId":"c","status":"queued","attempt":-1})") ==
          "call status: \"attempt\" must be an integer from 0 to 4294967295");
    CHECK(parse_error(R"({"callId":"c","status":"queued","statusCode":"200"})") ==
          "call status: \"statusCode\" must be an integer from 0 to 999");
    CHECK(parse_error(R"({"callId":"c","status":"queued","callbackStatus":1000})") ==
          "call status: \"callbackStatus\" must be an integer from 0 to 999");
    CHECK(parse_error(R"({"callId":"c","status":"queued","error":false})") ==
          "call status: \"error\" must be a string");
}

TEST_SUITE_END();
