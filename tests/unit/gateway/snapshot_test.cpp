// gateway/snapshot: parsing the provider's GET /system/endpoints body (docs/contracts.md).
#include "gateway/snapshot.hpp"

#include <doctest/doctest.h>

#include "core/errc.hpp"

using faas::gateway::parse_snapshot;

TEST_SUITE_BEGIN("gateway.snapshot");

TEST_CASE("snapshot: functions are keyed by name.namespace with their ready endpoints") {
    auto s = parse_snapshot(R"({"generation": 42, "functions": [
        {"name": "echo", "namespace": "openfaas-fn", "replicas": 2, "minReplicas": 1,
         "endpoints": [{"id": "echo-3f2a", "address": "127.0.0.1", "port": 40123},
                       {"id": "echo-77aa", "address": "127.0.0.1", "port": 40124}]},
        {"name": "idle", "namespace": "team", "replicas": 0, "minReplicas": 3,
         "endpoints": []}]})");
    REQUIRE(s.ok());
    CHECK(s->generation == 42);
    CHECK(s->functions.size() == 2);
    const auto* echo = s->find("echo.openfaas-fn");
    REQUIRE(echo != nullptr);
    CHECK(echo->replicas == 2);
    REQUIRE(echo->endpoints.size() == 2);
    CHECK(echo->endpoints[0].id == "echo-3f2a");
    CHECK(echo->endpoints[0].endpoint.host == "127.0.0.1");
    CHECK(echo->endpoints[1].endpoint.port == 40124);
    const auto* idle = s->find("idle.team");
    REQUIRE(idle != nullptr);
    CHECK(idle->replicas == 0);
    CHECK(idle->min_replicas == 3);
    CHECK(idle->endpoints.empty());
    CHECK(s->find("echo") == nullptr);
}

TEST_CASE("snapshot: missing optional fields take their defaults") {
    auto s = parse_snapshot(R"({"generation": 1, "functions": [
        {"name": "f", "namespace": "n", "endpoints": null},
        {"name": "g", "namespace": "n", "replicas": 1,
         "endpoints": [{"address": "127.0.0.1", "port": 9}]}]})");
    REQUIRE(s.ok());
    CHECK(s->find("f.n")->min_replicas == 1);
    CHECK(s->find("f.n")->endpoints.empty());
    // An endpoint without an id is known by its address.
    CHECK(s->find("g.n")->endpoints.at(0).id == "127.0.0.1:9");
    auto empty = parse_snapshot(R"({"generation": 0, "functions": []})");
    REQUIRE(empty.ok());
    CHECK(empty->functions.empty());
}

TEST_CASE("snapshot: malformed lists are bad_request with a reason") {
    for (const char* bad :
         {"", "[]", "{\"functions\": []}", "{\"generation\": 1, \"functions\": {}}",
          R"({"generation": 1, "functions": [{"namespace": "n"}]})",
          R"({"generation": 1, "functions": [{"name": "f", "endpoints": [{"address": "h"}]}]})",
          R"({"generation": 1, "functions": [{"name": "f", )"
          R"("endpoints": [{"address": "h", "port": 70000}]}]})"}) {
        CAPTURE(bad);
        auto s = parse_snapshot(bad);
        REQUIRE_FALSE(s.ok());
        CHECK(s.error().code == faas::errc::bad_request);
        CHECK_FALSE(s.error().what().empty());
    }
}

TEST_CASE("snapshot: a function's annotations come along, and a non-string value is refused") {
    auto s = parse_snapshot(R"({"generation": 3, "functions": [
        {"name": "hook", "namespace": "n", "endpoints": [],
         "annotations": {"com.faas.webhook": "github", "com.openfaas.queue": "slow"}},
        {"name": "plain", "namespace": "n", "endpoints": []}]})");
    REQUIRE(s.ok());
    const auto* hook = s->find("hook.n");
    REQUIRE(hook != nullptr);
    CHECK(hook->annotations.size() == 2);
    CHECK(hook->annotations.at("com.faas.webhook") == "github");
    CHECK(hook->annotations.at("com.openfaas.queue") == "slow");
    CHECK(s->find("plain.n")->annotations.empty());
    auto bad = parse_snapshot(R"({"generation": 1, "functions": [
        {"name": "f", "namespace": "n", "annotations": {"a": 1}}]})");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().what().find("annotation a of f") != std::string::npos);
}

TEST_CASE("snapshot: the queue, the worker's annotations and the webhook config are read once") {
    auto s = parse_snapshot(R"({"generation": 3, "functions": [
        {"name": "hook", "namespace": "n", "annotations": {"com.openfaas.queue": "q1",
         "com.faas.webhook": "github", "com.faas.webhook.secret": "gh-key",
         "com.openfaas.retry.attempts": "3", "topic": "payments"}},
        {"name": "plain", "namespace": "n"},
        {"name": "bad", "namespace": "n", "annotations": {"com.openfaas.queue": "a.b",
         "com.faas.webhook": "gitlab", "com.faas.webhook.secret": "s"}}]})");
    REQUIRE(s.ok());
    const auto* hook = s->find("hook.n");
    REQUIRE(hook != nullptr);
    CHECK(hook->queue == "q1");
    CHECK(hook->queue_error.empty());
    CHECK(hook->worker_annotations ==
          std::map<std::string, std::string>{{"com.faas.webhook", "github"},
                                             {"com.openfaas.queue", "q1"},
                                             {"com.openfaas.retry.attempts", "3"}});
    REQUIRE(hook->webhook.has_value());
    CHECK(hook->webhook->secret_name == "gh-key");
    CHECK(hook->verifies_webhook());

    const auto* plain = s->find("plain.n");
    REQUIRE(plain != nullptr);
    CHECK(plain->queue == "default");
    CHECK(plain->worker_annotations.empty());
    CHECK_FALSE(plain->verifies_webhook());

    const auto* bad = s->find("bad.n");
    REQUIRE(bad != nullptr);
    CHECK(bad->queue_error.find("annotation com.openfaas.queue: queue name \"a.b\"") == 0);
    CHECK(bad->webhook_error.find("annotation com.faas.webhook: expected github or slack") == 0);
    CHECK(bad->verifies_webhook());
}

TEST_SUITE_END();
