// The async routes through the real gateway into the real nats-server: what is stored, what is
// refused (and then nothing is stored), duplicates, batches, NATS going away, and 1,000 calls
// at once.
#include <set>

#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "core/openfaas/call_status.hpp"
#include "core/openfaas/types.hpp"
#include "gateway/routing.hpp"
#include "tests/integration/gateway/async_fixture.hpp"
#include "tests/integration/nats/jetstream_fixture.hpp"
#include "tests/support/wait.hpp"

using faas::test::AsyncPlatform;
using faas::test::EnvMap;
using faas::test::header_of;
using faas::test::metric_value;
using faas::test::post_async;

namespace {

std::string json_field(const std::string& body, const char* key) {
    auto doc = faas::json::parse(body);
    REQUIRE(doc.ok());
    std::string_view s;
    if (doc->root()[key].get(s) != simdjson::SUCCESS) {
        return "";
    }
    return std::string(s);
}

}  // namespace

TEST_SUITE_BEGIN("gateway.async");

TEST_CASE(
    "async: a call is stored with body, path, query, headers, callback, call id and annotations") {
    AsyncPlatform p;
    p.deploy("echo", R"({"com.openfaas.queue":"q1","com.openfaas.retry.attempts":"3",)"
                     R"("other.annotation":"kept-out"})");
    const faas::http::Headers headers{{"X-Custom", "v1"},
                                      {"Content-Type", "text/plain"},
                                      {"X-Callback-Url", "http://127.0.0.1:9/cb"}};
    auto r = post_async(p.gateway, "/async-function/echo/sub/path?a=1&b=2", "hello", headers);
    REQUIRE(r.ok());
    CHECK(r->status == 202);
    CHECK(r->body.empty());
    const std::string call_id = header_of(*r, "X-Call-Id");
    CHECK(faas::gateway::looks_like_uuid(call_id));
    CHECK_FALSE(header_of(*r, "X-Start-Time").empty());

    auto stored = p.read_requests(2);
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].subject == "faas-request.q1." + call_id);
    // The queue's consumer, made before its first call was stored: how workers find the queue.
    auto consumer = p.js().consumer_state("faas-request", "faas-request-calls_q1");
    REQUIRE_MESSAGE(consumer.ok(), (consumer.ok() ? "" : consumer.error().what()));
    CHECK(consumer->filter_subject == "faas-request.q1.*");
    CHECK(consumer->pending == 1);
    const auto q = stored[0].request();
    CHECK(q.body == "hello");
    CHECK(q.path == "/sub/path");
    CHECK(q.query == "a=1&b=2");
    CHECK(q.method == "POST");
    CHECK(q.function == "echo");
    CHECK(q.namespace_ == "openfaas-fn");
    CHECK(q.queue == "q1");
    CHECK(q.call_id == call_id);
    CHECK(q.callback_url == "http://127.0.0.1:9/cb");
    CHECK(q.headers.get("X-Custom").value_or("") == "v1");
    CHECK(q.headers.get("X-Call-Id").value_or("") == call_id);
    CHECK(q.headers.get("X-Start-Time").value_or("") == header_of(*r, "X-Start-Time"));
    CHECK(q.attempt == 0);
    CHECK_FALSE(q.enqueued_at.empty());
    CHECK(q.annotations.size() == 2);
    CHECK(q.annotations.count("com.openfaas.retry.attempts") == 1);
    CHECK(q.annotations.count("com.openfaas.queue") == 1);
    CHECK(q.annotations.count("other.annotation") == 0);

    // Its status says queued.
    auto status = p.gateway.get("/system/async-calls/" + call_id);
    REQUIRE(status.ok());
    CHECK(status->status == 200);
    CHECK(json_field(status->body, "status") == "queued");
    CHECK(json_field(status->body, "callId") == call_id);
    CHECK(json_field(status->body, "function") == "echo.openfaas-fn");
    CHECK(json_field(status->body, "queue") == "q1");
    auto unknown = p.gateway.get("/system/async-calls/no-such-call");
    REQUIRE(unknown.ok());
    CHECK(unknown->status == 404);
    CHECK(unknown->body.find("no such call") != std::string::npos);

    // Counted as an async request, not as an invocation (the worker's call will be one).
    const std::string m = p.gateway.metrics();
    CHECK(metric_value(m, R"(faas_async_requests_total{code="202",function="echo.openfaas-fn"})") ==
          1);
    CHECK(m.find(R"(gateway_function_invocation_total{code="202")") == std::string::npos);
}

TEST_CASE(
    "async: unknown function 404, GET 405, too large 413, refused callback 400: nothing stored") {
    AsyncPlatform p(EnvMap{{"async_max_request_size", "1Ki"}});
    p.deploy("echo");
    auto unknown = post_async(p.gateway, "/async-function/nope", "x");
    REQUIRE(unknown.ok());
    CHECK(unknown->status == 404);
    auto get = p.gateway.get("/async-function/echo");
    REQUIRE(get.ok());
    CHECK(get->status == 405);
    auto large = post_async(p.gateway, "/async-function/echo", std::string(2048, 'x'));
    REQUIRE(large.ok());
    CHECK(large->status == 413);
    CHECK(large->body.find("async_max_request_size") != std::string::npos);
    auto callback = post_async(p.gateway, "/async-function/echo", "x",
                               {{"X-Callback-Url", "http://10.1.2.3/hook"}});
    REQUIRE(callback.ok());
    CHECK(callback->status == 400);
    CHECK(p.read_requests(1, std::chrono::milliseconds(500)).empty());
    // The limit is inclusive and a good call is stored: the checks above could have failed.
    auto fits = post_async(p.gateway, "/async-function/echo", std::string(1024, 'y'));
    REQUIRE(fits.ok());
    CHECK(fits->status == 202);
    auto stored = p.read_requests(2);
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].request().body == std::string(1024, 'y'));
}

TEST_CASE("async: a duplicate Idempotency-Key gets the same call id and is stored once") {
    AsyncPlatform p;
    p.deploy("echo");
    const faas::http::Headers key{{"Idempotency-Key", "order-17"}};
    auto first = post_async(p.gateway, "/async-function/echo", "one", key);
    auto second = post_async(p.gateway, "/async-function/echo", "one", key);
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first->status == 202);
    CHECK(second->status == 202);
    CHECK(header_of(*first, "X-Call-Id") == header_of(*second, "X-Call-Id"));
    CHECK(header_of(*first, "X-Call-Id") ==
          faas::gateway::call_id_for_key("echo.openfaas-fn", "order-17"));
    CHECK(header_of(*first, "X-Faas-Duplicate").empty());
    CHECK(header_of(*second, "X-Faas-Duplicate") == "true");
    auto stored = p.read_requests(3);
    REQUIRE(stored.size() == 1);
    CHECK(faas::nats::find_header(stored[0].headers, "Nats-Msg-Id").value_or("") ==
          "echo.openfaas-fn:order-17");
}

TEST_CASE("async: a duplicate submission does not reset a later state of the call") {
    AsyncPlatform p;
    p.deploy("echo");
    const faas::http::Headers key{{"Idempotency-Key", "order-18"}};
    auto first = post_async(p.gateway, "/async-function/echo", "one", key);
    REQUIRE(first.ok());
    REQUIRE(first->status == 202);
    const std::string call_id = header_of(*first, "X-Call-Id");
    // The worker has started the call.
    p.publish_record(call_id, faas::openfaas::CallState::Running, 1);

    auto again = post_async(p.gateway, "/async-function/echo", "one", key);
    REQUIRE(again.ok());
    CHECK(again->status == 202);
    CHECK(header_of(*again, "X-Call-Id") == call_id);
    CHECK(header_of(*again, "X-Faas-Duplicate") == "true");
    auto status = p.gateway.get("/system/async-calls/" + call_id);
    REQUIRE(status.ok());
    CHECK(status->status == 200);
    CHECK(json_field(status->body, "status") == "running");
}

TEST_CASE("async: a caller's X-Call-Id is the call id in the 202, the queued call and its status") {
    AsyncPlatform p;
    p.deploy("echo");
    auto r = post_async(p.gateway, "/async-function/echo", "x", {{"X-Call-Id", "my.call-1"}});
    REQUIRE(r.ok());
    CHECK(r->status == 202);
    CHECK(header_of(*r, "X-Call-Id") == "my.call-1");
    auto stored = p.read_requests(2);
    REQUIRE(stored.size() == 1);
    const auto q = stored[0].request();
    CHECK(q.call_id == "my.call-1");
    CHECK(q.headers.get("X-Call-Id").value_or("") == "my.call-1");
    CHECK(faas::nats::find_header(stored[0].headers, "X-Call-Id").value_or("") == "my.call-1");
    // One subject token, escaped as in the status subject.
    CHECK(stored[0].subject == "faas-request.default.my%2Ecall-1");
    auto status = p.gateway.get("/system/async-calls/my.call-1");
    REQUIRE(status.ok());
    CHECK(status->status == 200);
    CHECK(json_field(status->body, "callId") == "my.call-1");
    CHECK(json_field(status->body, "status") == "queued");
}

TEST_CASE(
    "async: a queued call is its request message: no status record is written, and a request "
    "stored after the last record reads queued") {
    AsyncPlatform p;
    p.deploy("echo");
    const auto& streams = AsyncPlatform::streams();
    const std::string status_stream = "KV_" + streams.status_bucket;
    const auto record_of = [&](const std::string& call_id) {
        const std::string subject = faas::openfaas::async::status_subject(streams, call_id);
        auto last = p.js().last_message(status_stream, subject);
        REQUIRE(last.ok());
        return last.value();
    };
    const auto state_of = [&](const std::string& call_id) {
        auto r = p.gateway.get("/system/async-calls/" + call_id);
        REQUIRE(r.ok());
        REQUIRE_MESSAGE(r->status == 200, r->body);
        return json_field(r->body, "status");
    };
    const faas::http::Headers headers{{"X-Call-Id", "my.call-2"},
                                      {"X-Callback-Url", "http://127.0.0.1:9/cb"}};
    auto first = post_async(p.gateway, "/async-function/echo", "a", headers);
    REQUIRE(first.ok());
    REQUIRE(first->status == 202);
    CHECK_FALSE(record_of("my.call-2").has_value());
    auto status = p.gateway.get("/system/async-calls/my.call-2");
    REQUIRE(status.ok());
    CHECK(status->status == 200);
    CHECK(json_field(status->body, "status") == "queued");
    CHECK(json_field(status->body, "callId") == "my.call-2");
    CHECK(json_field(status->body, "function") == "echo.openfaas-fn");
    CHECK(json_field(status->body, "queue") == "default");
    CHECK(json_field(status->body, "callbackUrl") == "http://127.0.0.1:9/cb");
    CHECK_FALSE(json_field(status->body, "enqueuedAt").empty());

    // A worker's record, written after the request was stored, is the call's state.
    p.publish_record("my.call-2", faas::openfaas::CallState::Succeeded, 1, 200);
    CHECK(state_of("my.call-2") == "succeeded");

    // The same call id submitted again (no Idempotency-Key: a new message): queued again.
    auto again = post_async(p.gateway, "/async-function/echo", "b", headers);
    REQUIRE(again.ok());
    REQUIRE(again->status == 202);
    CHECK(state_of("my.call-2") == "queued");

    // Every line of a batch too.
    auto batch = post_async(p.gateway, "/async-batch/echo", "d\ne\n");
    REQUIRE(batch.ok());
    REQUIRE(batch->status == 202);
    auto doc = faas::json::parse(batch->body);
    REQUIRE(doc.ok());
    simdjson::dom::array calls = doc->root()["calls"];
    REQUIRE(calls.size() == 2);
    for (simdjson::dom::element c : calls) {
        const std::string id{std::string_view(c["callId"])};
        CHECK_FALSE(record_of(id).has_value());
        CHECK(state_of(id) == "queued");
    }
    CHECK(p.js().stream_state(status_stream)->messages == 1);
}

TEST_CASE("async: a batch queues each line and reports the refused ones per line") {
    AsyncPlatform p(EnvMap{{"async_max_request_size", "16"}, {"async_batch_max_lines", "4"}});
    p.deploy("echo");
    const std::string body = "first\n\n" + std::string(40, 'z') + "\r\nfourth\n";
    auto r = post_async(p.gateway, "/async-batch/echo", body, {{"Idempotency-Key", "B"}});
    REQUIRE(r.ok());
    CHECK(r->status == 202);
    auto doc = faas::json::parse(r->body);
    REQUIRE(doc.ok());
    const auto root = doc->root();
    CHECK(json_field(r->body, "function") == "echo.openfaas-fn");
    CHECK(std::uint64_t(root["accepted"]) == 2);
    CHECK(std::uint64_t(root["failed"]) == 1);
    simdjson::dom::array calls = root["calls"];
    REQUIRE(calls.size() == 3);
    CHECK(std::uint64_t(calls.at(0)["line"]) == 1);
    CHECK(std::string_view(calls.at(0)["callId"]) ==
          faas::gateway::call_id_for_key("echo.openfaas-fn", "B:1"));
    CHECK(std::uint64_t(calls.at(1)["line"]) == 3);
    CHECK(std::int64_t(calls.at(1)["status"]) == 413);
    CHECK(std::uint64_t(calls.at(2)["line"]) == 4);
    auto stored = p.read_requests(3);
    REQUIRE(stored.size() == 2);
    std::set<std::string> bodies;
    for (const auto& s : stored) {
        bodies.insert(s.request().body);
    }
    CHECK(bodies == std::set<std::string>{"first", "fourth"});

    auto many = post_async(p.gateway, "/async-batch/echo", "a\nb\nc\nd\ne\n");
    REQUIRE(many.ok());
    CHECK(many->status == 413);
    auto none_fit = post_async(p.gateway, "/async-batch/echo", std::string(40, 'z'));
    REQUIRE(none_fit.ok());
    CHECK(none_fit->status == 413);
    CHECK(json_field(none_fit->body, "function") == "echo.openfaas-fn");
    CHECK(p.read_requests(1, std::chrono::milliseconds(500)).empty());
}

TEST_CASE("async: with NATS down async calls answer 503 while sync calls work, then queue again") {
    faas::test::NatsServer nats;
    nats.stop();
    faas::test::Provider provider;
    faas::test::Gateway gateway(provider.port(), faas::test::async_env(nats));
    REQUIRE(provider.deploy(faas::test::Provider::deployment("echo", "cat")) == 202);
    provider.wait_ready("echo", 1);
    auto down = post_async(gateway, "/async-function/echo", "x");
    REQUIRE(down.ok());
    CHECK(down->status == 503);
    CHECK(down->body.find("NATS") != std::string::npos);
    auto sync = gateway.post("/function/echo", "still here");
    REQUIRE(sync.ok());
    CHECK(sync->status == 200);
    CHECK(sync->body == "still here");

    nats.start();  // the gateway keeps trying in the background
    CHECK(faas::test::wait_until(
        [&] {
            auto r = post_async(gateway, "/async-function/echo", "x");
            return r.ok() && r->status == 202;
        },
        std::chrono::seconds(20), std::chrono::milliseconds(200)));

    nats.stop();  // an established connection that drops
    CHECK(faas::test::wait_until([&] {
        auto r = post_async(gateway, "/async-function/echo", "x");
        return r.ok() && r->status == 503;
    }));
    auto again = gateway.post("/function/echo", "sync");
    REQUIRE(again.ok());
    CHECK(again->status == 200);
}

TEST_CASE("async: without faas_nats_address the async routes answer 503") {
    faas::test::Platform p;
    auto r = post_async(p.gateway, "/async-function/echo", "x");
    REQUIRE(r.ok());
    CHECK(r->status == 503);
    CHECK(r->body.find("faas_nats_address") != std::string::npos);
}

TEST_CASE("async: 1,000 concurrent submissions are all accepted and all stored") {
    AsyncPlatform p;
    p.deploy("echo");
    constexpr int kCalls = 1000;
    asio::io_context io;
    faas::http::ClientPool pool(io.get_executor());
    int accepted = 0;
    int finished = 0;
    std::set<std::string> ids;
    const faas::http::Endpoint gw{"127.0.0.1", p.gateway.port()};
    for (int i = 0; i < kCalls; ++i) {
        asio::co_spawn(
            io,
            [&, i]() -> faas::awaitable<void> {
                faas::http::Request req;
                req.method = "POST";
                req.target = "/async-function/echo";
                req.body = "call-" + std::to_string(i);
                faas::http::CallOptions options;
                options.timeout = std::chrono::seconds(30);
                auto r = co_await pool.request(gw, std::move(req), options);
                if (r.ok() && r->status == 202) {
                    ++accepted;
                    ids.insert(header_of(*r, "X-Call-Id"));
                }
                ++finished;
            },
            asio::detached);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (finished < kCalls && std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::milliseconds(100));
    }
    REQUIRE(finished == kCalls);
    CHECK(accepted == kCalls);
    CHECK(ids.size() == static_cast<std::size_t>(kCalls));
    auto stored = p.read_requests(kCalls + 1);
    CHECK(stored.size() == static_cast<std::size_t>(kCalls));
    std::set<std::string> bodies;
    for (const auto& s : stored) {
        bodies.insert(s.request().body);
    }
    CHECK(bodies.size() == static_cast<std::size_t>(kCalls));
}

TEST_SUITE_END();
