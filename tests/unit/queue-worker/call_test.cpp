// queue-worker/call: the gateway request of one attempt of a queued call.
#include "queue-worker/call.hpp"

#include <doctest/doctest.h>

namespace qw = faas::queue_worker;

namespace {

faas::openfaas::QueueRequest queued() {
    faas::openfaas::QueueRequest r;
    r.function = "fn";
    r.namespace_ = "ns";
    r.path = "/a/b";
    r.query = "x=1&y=2";
    r.body = "payload";
    r.call_id = "call-1";
    r.headers.add("Content-Type", "text/plain");
    r.headers.add("X-Custom", "1");
    r.headers.add("X-Custom", "2");
    r.headers.add("Content-Length", "7");
    r.headers.add("Connection", "keep-alive");
    r.headers.add("Host", "gateway.example");
    r.headers.add("X-Call-Id", "call-1");
    r.headers.add("X-Faas-Attempt", "9");
    return r;
}

}  // namespace

TEST_SUITE_BEGIN("queue_worker.call");

TEST_CASE("queue-worker call: POST /function/<name>.<namespace><path>?<query>") {
    auto r = queued();
    CHECK(qw::function_target(r) == "/function/fn.ns/a/b?x=1&y=2");
    r.path.clear();
    r.query.clear();
    CHECK(qw::function_target(r) == "/function/fn.ns/");
    r.path = "c";
    CHECK(qw::function_target(r) == "/function/fn.ns/c");
}

TEST_CASE(
    "queue-worker call: queued headers and body, X-Call-Id kept, X-Faas-Attempt set, framing "
    "dropped") {
    const auto req = qw::function_request(queued(), 3);
    CHECK(req.method == "POST");
    CHECK(req.body == "payload");
    CHECK(req.headers.get("Content-Type") == "text/plain");
    CHECK(req.headers.get("X-Call-Id") == "call-1");
    CHECK(req.headers.get("X-Faas-Attempt") == "3");
    CHECK_FALSE(req.headers.has("Content-Length"));
    CHECK_FALSE(req.headers.has("Connection"));
    CHECK_FALSE(req.headers.has("Host"));
    int custom = 0;
    int attempts = 0;
    for (const auto& h : req.headers) {
        custom += h.name == "X-Custom" ? 1 : 0;
        attempts += h.name == "X-Faas-Attempt" ? 1 : 0;
    }
    CHECK(custom == 2);
    CHECK(attempts == 1);
}
