// The async /system routes and webhooks through the real gateway: queue counts, dead letters
// listed and redriven, GitHub and Slack verification on the async and sync routes, and the
// provider's webhook secret route that the gateway never proxies.
#include <doctest/doctest.h>

#include "core/crypto/hmac.hpp"
#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"
#include "tests/integration/gateway/async_fixture.hpp"
#include "tests/integration/nats/jetstream_fixture.hpp"

using faas::test::AsyncPlatform;
using faas::test::post_async;

namespace {

namespace oa = faas::openfaas::async;

// The element of a JSON array (in `body`) whose `key` is `value`, as its text; "" when none.
simdjson::dom::element find_row(faas::json::Document& doc,
                                const char* key,
                                std::string_view value) {
    simdjson::dom::array arr;
    REQUIRE(doc.root().get(arr) == simdjson::SUCCESS);
    for (auto row : arr) {
        std::string_view v;
        if (row[key].get(v) == simdjson::SUCCESS && v == value) {
            return row;
        }
    }
    FAIL("no row with " << key << "=" << value);
    return {};
}

faas::openfaas::QueueRequest dead_call(const std::string& fn, const std::string& call_id) {
    faas::openfaas::QueueRequest q;
    q.function = fn;
    q.namespace_ = "openfaas-fn";
    q.body = "payload of " + call_id;
    q.call_id = call_id;
    q.enqueued_at = "2020-01-01T00:00:00Z";
    return q;
}

}  // namespace

TEST_SUITE_BEGIN("gateway.async_system");

TEST_CASE("async: /system/queues counts messages, pending, in flight, consumers and dead letters") {
    AsyncPlatform p;
    p.deploy("echo");
    p.deploy("slow", R"({"com.openfaas.queue":"slow"})");
    for (int i = 0; i < 3; ++i) {
        REQUIRE(post_async(p.gateway, "/async-function/echo", "e")->status == 202);
    }
    for (int i = 0; i < 2; ++i) {
        REQUIRE(post_async(p.gateway, "/async-function/slow", "s")->status == 202);
    }
    auto dead = dead_call("slow", "dead-1");
    dead.queue = "slow";
    p.publish_dead_letter(dead, 503, 3, "attempts exhausted");
    // A worker binds to the default queue's consumer (the gateway made it) and holds one
    // message unacked.
    const auto spec = oa::queue_consumer_spec(AsyncPlatform::streams(), "default");
    auto consumer = p.js().consumer(spec);
    REQUIRE(consumer.ok());
    auto held = faas::test::run_for(p.io(), (*consumer)->fetch(1, std::chrono::seconds(2)));
    REQUIRE(held.ok());
    REQUIRE(held->size() == 1);

    auto r = p.gateway.get("/system/queues");
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    auto doc = faas::json::parse(r->body);
    REQUIRE(doc.ok());
    auto def = find_row(*doc, "name", "default");
    CHECK(std::string_view(def["subject"]) == "faas-request.default.*");
    CHECK(std::uint64_t(def["messages"]) == 3);
    CHECK(std::uint64_t(def["pending"]) == 2);
    CHECK(std::uint64_t(def["inFlight"]) == 1);
    CHECK(std::uint64_t(def["consumers"]) == 1);
    CHECK(std::uint64_t(def["deadLetters"]) == 0);
    auto slow = find_row(*doc, "name", "slow");
    CHECK(std::uint64_t(slow["messages"]) == 2);
    CHECK(std::uint64_t(slow["pending"]) == 2);
    CHECK(std::uint64_t(slow["inFlight"]) == 0);
    CHECK(std::uint64_t(slow["consumers"]) == 1);
    CHECK(std::uint64_t(slow["deadLetters"]) == 1);
}

TEST_CASE("async: dead letters are listed with their details and redriven into the queue") {
    AsyncPlatform p;
    p.deploy("echo");
    const auto s1 =
        p.publish_dead_letter(dead_call("echo", "call-a"), 503, 4, "attempts exhausted");
    const auto s2 = p.publish_dead_letter(dead_call("other", "call-b"), 0, 1, "expired");

    auto list = p.gateway.get("/system/async-dead-letters");
    REQUIRE(list.ok());
    REQUIRE(list->status == 200);
    auto doc = faas::json::parse(list->body);
    REQUIRE(doc.ok());
    auto a = find_row(*doc, "callId", "call-a");
    CHECK(std::uint64_t(a["sequence"]) == s1);
    CHECK(std::string_view(a["function"]) == "echo.openfaas-fn");
    CHECK(std::string_view(a["queue"]) == "default");
    CHECK(std::uint64_t(a["attempts"]) == 4);
    CHECK(std::int64_t(a["statusCode"]) == 503);
    CHECK(std::string_view(a["reason"]) == "attempts exhausted");
    CHECK(std::string_view(a["enqueuedAt"]) == "2020-01-01T00:00:00Z");
    CHECK_FALSE(std::string_view(a["deadLetteredAt"]).empty());
    auto only = p.gateway.get("/system/async-dead-letters?function=other.openfaas-fn");
    REQUIRE(only.ok());
    auto only_doc = faas::json::parse(only->body);
    REQUIRE(only_doc.ok());
    CHECK(simdjson::dom::array(only_doc->root()).size() == 1);
    auto after = p.gateway.get("/system/async-dead-letters?after=" + std::to_string(s1));
    REQUIRE(after.ok());
    CHECK(after->body.find("call-a") == std::string::npos);
    CHECK(after->body.find("call-b") != std::string::npos);

    // The worker's last record of call-a said dead-lettered.
    p.publish_record("call-a", faas::openfaas::CallState::DeadLettered, 4, 503);
    auto before = p.gateway.get("/system/async-calls/call-a");
    REQUIRE(before.ok());
    CHECK(before->body.find(R"("status":"dead-lettered")") != std::string::npos);

    auto redrive = p.gateway.post("/system/async-dead-letters/redrive",
                                  R"({"sequences":[)" + std::to_string(s1) + "]}");
    REQUIRE(redrive.ok());
    REQUIRE(redrive->status == 200);
    auto rd = faas::json::parse(redrive->body);
    REQUIRE(rd.ok());
    simdjson::dom::array redriven = rd->root()["redriven"];
    REQUIRE(redriven.size() == 1);
    CHECK(std::uint64_t(redriven.at(0)["sequence"]) == s1);
    CHECK(std::string_view(redriven.at(0)["callId"]) == "call-a");
    CHECK(simdjson::dom::array(rd->root()["failed"]).size() == 0);

    auto stored = p.read_requests(2);
    REQUIRE(stored.size() == 1);
    const auto q = stored[0].request();
    CHECK(q.call_id == "call-a");
    CHECK(q.attempt == 0);
    CHECK(q.body == "payload of call-a");
    CHECK(q.enqueued_at != "2020-01-01T00:00:00Z");
    CHECK(faas::nats::find_header(stored[0].headers, "Nats-Msg-Id").value_or("") ==
          "redrive-" + std::to_string(s1));
    // Queued again: its request was stored after the dead-lettered record.
    auto status = p.gateway.get("/system/async-calls/call-a");
    REQUIRE(status.ok());
    CHECK(status->status == 200);
    CHECK(status->body.find(R"("status":"queued")") != std::string::npos);

    auto rest = p.gateway.get("/system/async-dead-letters");
    REQUIRE(rest.ok());
    CHECK(rest->body.find("call-a") == std::string::npos);
    CHECK(rest->body.find("call-b") != std::string::npos);
    auto all = p.gateway.post("/system/async-dead-letters/redrive", "{}");
    REQUIRE(all.ok());
    CHECK(all->body.find("call-b") != std::string::npos);
    CHECK(p.gateway.get("/system/async-dead-letters")->body == "[]");
    CHECK(p.read_requests(2).size() == 1);
    (void)s2;
}

TEST_CASE("async: dead letters filtered by queue and limited in number, in sequence order") {
    AsyncPlatform p;
    auto in_slow = dead_call("echo", "slow-1");
    in_slow.queue = "slow";
    const auto d1 = p.publish_dead_letter(dead_call("echo", "def-1"), 503, 2, "attempts exhausted");
    const auto s1 = p.publish_dead_letter(in_slow, 502, 3, "attempts exhausted");
    in_slow.call_id = "slow-2";
    const auto s2 = p.publish_dead_letter(in_slow, 0, 1, "expired");
    const auto d2 = p.publish_dead_letter(dead_call("echo", "def-2"), 429, 5, "attempts exhausted");

    const auto sequences = [](const std::string& body) {
        auto doc = faas::json::parse(body);
        REQUIRE(doc.ok());
        std::vector<std::uint64_t> out;
        for (auto row : simdjson::dom::array(doc->root())) {
            out.push_back(std::uint64_t(row["sequence"]));
        }
        return out;
    };
    auto slow = p.gateway.get("/system/async-dead-letters?queue=slow");
    REQUIRE(slow.ok());
    REQUIRE(slow->status == 200);
    CHECK(sequences(slow->body) == std::vector<std::uint64_t>{s1, s2});
    auto def = p.gateway.get("/system/async-dead-letters?queue=default");
    REQUIRE(def.ok());
    CHECK(sequences(def->body) == std::vector<std::uint64_t>{d1, d2});
    auto two = p.gateway.get("/system/async-dead-letters?limit=2");
    REQUIRE(two.ok());
    CHECK(sequences(two->body) == std::vector<std::uint64_t>{d1, s1});
    auto one_slow = p.gateway.get("/system/async-dead-letters?queue=slow&limit=1");
    REQUIRE(one_slow.ok());
    CHECK(sequences(one_slow->body) == std::vector<std::uint64_t>{s1});
    auto bad = p.gateway.get("/system/async-dead-letters?limit=many");
    REQUIRE(bad.ok());
    CHECK(bad->status == 400);
}

TEST_CASE("async: redrive with a function redrives only that function's dead letters") {
    AsyncPlatform p;
    p.deploy("echo");
    const auto a = p.publish_dead_letter(dead_call("echo", "echo-1"), 503, 3, "attempts exhausted");
    const auto b =
        p.publish_dead_letter(dead_call("other", "other-1"), 503, 3, "attempts exhausted");
    const auto c = p.publish_dead_letter(dead_call("echo", "echo-2"), 0, 1, "expired");

    auto r =
        p.gateway.post("/system/async-dead-letters/redrive", R"({"function":"echo.openfaas-fn"})");
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    auto doc = faas::json::parse(r->body);
    REQUIRE(doc.ok());
    simdjson::dom::array redriven = doc->root()["redriven"];
    REQUIRE(redriven.size() == 2);
    CHECK(std::uint64_t(redriven.at(0)["sequence"]) == a);
    CHECK(std::string_view(redriven.at(0)["callId"]) == "echo-1");
    CHECK(std::uint64_t(redriven.at(1)["sequence"]) == c);
    CHECK(std::string_view(redriven.at(1)["callId"]) == "echo-2");
    CHECK(simdjson::dom::array(doc->root()["failed"]).size() == 0);

    auto stored = p.read_requests(3);
    REQUIRE(stored.size() == 2);
    for (const auto& m : stored) {
        CHECK(m.request().function == "echo");
    }
    auto rest = p.gateway.get("/system/async-dead-letters");
    REQUIRE(rest.ok());
    CHECK(rest->body.find("other-1") != std::string::npos);
    CHECK(rest->body.find("echo-") == std::string::npos);
    (void)b;
}

TEST_CASE("webhooks: a batch to a webhook function is verified too: 401 and nothing queued") {
    AsyncPlatform p;
    p.create_secret("gh-secret", "It's a Secret to Everybody");
    p.deploy("hook", R"({"com.faas.webhook":"github","com.faas.webhook.secret":"gh-secret"})");
    const std::string body = "line one\nline two\n";
    auto unsigned_batch = post_async(p.gateway, "/async-batch/hook", body);
    REQUIRE(unsigned_batch.ok());
    CHECK(unsigned_batch->status == 401);
    const faas::http::Headers bad_headers{
        {"X-Hub-Signature-256", "sha256=" + std::string(64, '0')}};
    auto bad = post_async(p.gateway, "/async-batch/hook", body, bad_headers);
    REQUIRE(bad.ok());
    CHECK(bad->status == 401);
    CHECK(p.read_requests(1, std::chrono::milliseconds(500)).empty());
    // Signed over the whole batch body, it is queued line by line.
    const faas::http::Headers signed_headers{
        {"X-Hub-Signature-256",
         "sha256=" + faas::crypto::hmac_sha256_hex("It's a Secret to Everybody", body)}};
    auto ok = post_async(p.gateway, "/async-batch/hook", body, signed_headers);
    REQUIRE(ok.ok());
    CHECK(ok->status == 202);
    CHECK(p.read_requests(3).size() == 2);
}

TEST_CASE("webhooks: GitHub's published vector is queued, a bad signature is 401 on both routes") {
    AsyncPlatform p;
    p.create_secret("gh-secret", "It's a Secret to Everybody");
    p.deploy("hook", R"({"com.faas.webhook":"github","com.faas.webhook.secret":"gh-secret"})");
    const std::string good =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const faas::http::Headers signed_headers{{"X-Hub-Signature-256", good},
                                             {"X-GitHub-Delivery", "delivery-42"}};
    auto ok = post_async(p.gateway, "/async-function/hook", "Hello, World!", signed_headers);
    REQUIRE(ok.ok());
    CHECK(ok->status == 202);
    auto stored = p.read_requests(2);
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].request().body == "Hello, World!");
    CHECK(stored[0].request().annotations.count("com.faas.webhook") == 1);
    CHECK(stored[0].request().annotations.count("com.faas.webhook.secret") == 0);
    CHECK(faas::nats::find_header(stored[0].headers, "Nats-Msg-Id").value_or("") ==
          "hook.openfaas-fn:delivery-42");

    const faas::http::Headers bad_headers{
        {"X-Hub-Signature-256", "sha256=" + std::string(64, '0')}};
    auto bad = post_async(p.gateway, "/async-function/hook", "Hello, World!", bad_headers);
    REQUIRE(bad.ok());
    CHECK(bad->status == 401);
    auto unsigned_call = post_async(p.gateway, "/async-function/hook", "Hello, World!");
    REQUIRE(unsigned_call.ok());
    CHECK(unsigned_call->status == 401);
    CHECK(p.read_requests(1, std::chrono::milliseconds(500)).empty());

    // The sync route verifies too, and relays a verified body unchanged.
    auto sync_bad = p.gateway.post("/function/hook", "Hello, World!", bad_headers);
    REQUIRE(sync_bad.ok());
    CHECK(sync_bad->status == 401);
    auto sync_ok = p.gateway.post("/function/hook", "Hello, World!", signed_headers);
    REQUIRE(sync_ok.ok());
    CHECK(sync_ok->status == 200);
    CHECK(sync_ok->body == "Hello, World!");

    // The secret route is the provider's, for the gateway only.
    auto hidden = p.gateway.get("/system/function-webhook-secret/hook?namespace=openfaas-fn");
    REQUIRE(hidden.ok());
    CHECK(hidden->status == 404);
    CHECK(hidden->body.find("Secret") == std::string::npos);
    auto direct = p.provider.get("/system/function-webhook-secret/hook?namespace=openfaas-fn");
    REQUIRE(direct.ok());
    CHECK(direct->status == 200);
    CHECK(direct->body == "It's a Secret to Everybody");
    p.deploy("plain");
    auto no_annotation = p.provider.get("/system/function-webhook-secret/plain");
    REQUIRE(no_annotation.ok());
    CHECK(no_annotation->status == 404);
    auto no_function = p.provider.get("/system/function-webhook-secret/nope");
    REQUIRE(no_function.ok());
    CHECK(no_function->status == 404);
}

TEST_CASE("webhooks: a secret name the provider cannot hold (a dot) is refused clearly, nothing "
          "queued") {
    AsyncPlatform p;
    p.deploy("dotted", R"({"com.faas.webhook":"github","com.faas.webhook.secret":"gh.key"})");
    const faas::http::Headers signed_headers{
        {"X-Hub-Signature-256", "sha256=" + std::string(64, '0')}};
    auto r = post_async(p.gateway, "/async-function/dotted", "x", signed_headers);
    REQUIRE(r.ok());
    CHECK(r->status == 500);
    CHECK(r->body.find("\"gh.key\" is not a secret name") != std::string::npos);
    auto sync = p.gateway.post("/function/dotted", "x", signed_headers);
    REQUIRE(sync.ok());
    CHECK(sync->status == 500);
    CHECK(sync->body.find("\"gh.key\" is not a secret name") != std::string::npos);
    CHECK(p.read_requests(1, std::chrono::milliseconds(500)).empty());
    // The provider applies the same rule: it has no such secret to serve.
    auto direct = p.provider.get("/system/function-webhook-secret/dotted?namespace=openfaas-fn");
    REQUIRE(direct.ok());
    CHECK(direct->status == 404);
    CHECK(faas::test::metric_value(
              p.gateway.metrics(),
              R"(faas_gateway_webhook_rejected_total{function_name="dotted.openfaas-fn",)"
              R"(reason="config"})") ==
          2);
}

TEST_CASE("webhooks: Slack url_verification is answered with the challenge and nothing is queued") {
    AsyncPlatform p;
    p.create_secret("slack-secret", "8f742231b10e8888abcd99yyyzzz85a5");
    p.deploy("bot", R"({"com.faas.webhook":"slack","com.faas.webhook.secret":"slack-secret"})");
    const auto sign = [](const std::string& body) {
        const std::string ts =
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
        return faas::http::Headers{
            {"Content-Type", "application/json"},
            {"X-Slack-Request-Timestamp", ts},
            {"X-Slack-Signature",
             "v0=" + faas::crypto::hmac_sha256_hex("8f742231b10e8888abcd99yyyzzz85a5",
                                                   "v0:" + ts + ":" + body)}};
    };
    const std::string challenge =
        R"({"type":"url_verification","token":"t",)"
        R"("challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})";
    auto r = post_async(p.gateway, "/async-function/bot", challenge, sign(challenge));
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    CHECK(p.read_requests(1, std::chrono::milliseconds(500)).empty());
    const std::string event = R"({"type":"event_callback","event_id":"Ev123"})";
    auto queued = post_async(p.gateway, "/async-function/bot", event, sign(event));
    REQUIRE(queued.ok());
    CHECK(queued->status == 202);
    auto stored = p.read_requests(2);
    REQUIRE(stored.size() == 1);
    CHECK(faas::nats::find_header(stored[0].headers, "Nats-Msg-Id").value_or("") ==
          "bot.openfaas-fn:Ev123");
}

TEST_SUITE_END();
