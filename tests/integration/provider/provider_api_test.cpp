// faas-provider API with the local back end: deploy, list, status, scale, update, delete, the
// endpoint long poll, info and health, against the real binary and real fwatchdog replicas.
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "tests/integration/provider/provider_fixture.hpp"
#include "tests/support/printers.hpp"

using faas::test::call_replica;
using faas::test::Provider;
using faas::test::wait_until;
using namespace std::chrono_literals;

TEST_SUITE("provider api") {

TEST_CASE("provider: deploy, list and status echo what was deployed") {
    Provider p;
    CHECK(p.deploy(Provider::deployment(
              "echo", "cat",
              R"("labels":{"team":"a"},"annotations":{"note":"line1\nline2"},"secrets":[],)"
              R"("constraints":["x=y"],"readOnlyRootFilesystem":true)")) == 202);
    auto list = p.get("/system/functions");
    REQUIRE(list.ok());
    CHECK(list->status == 200);
    CHECK(list->headers.get("Content-Type") == std::optional<std::string_view>("application/json"));
    auto items = faas::openfaas::parse_status_list(list->body);
    REQUIRE(items.ok());
    REQUIRE(items->size() == 1);
    const auto& s = items->front();
    CHECK(s.name == "echo");
    CHECK(s.image == "functions/alpine:latest");
    CHECK(s.namespace_ == "openfaas-fn");
    CHECK(s.env_process == "cat");
    CHECK(s.read_only_root_filesystem);
    CHECK(s.constraints == std::vector<std::string>{"x=y"});
    CHECK(s.labels.at("faas_function") == "echo");
    CHECK(s.labels.at("team") == "a");
    CHECK(s.annotations.at("note") == "line1\nline2");
    CHECK(s.replicas == 1);
    CHECK(s.created_at.size() > 20);
    // envVars and limits were not sent: they are absent, not empty.
    CHECK(list->body.find("envVars") == std::string::npos);
    CHECK(list->body.find("limits") == std::string::npos);
    CHECK(list->body.find("requests") == std::string::npos);

    auto st = p.status("echo");
    REQUIRE(st.has_value());
    CHECK(st->name == "echo");
    CHECK(st->replicas == 1);
    CHECK_FALSE(p.status("absent").has_value());
}

TEST_CASE("provider: a ready replica from the endpoint list answers with the function output") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("sha", "sha512sum")) == 202);
    auto eps = p.wait_ready("sha", 1);
    CHECK(eps.front().address == "127.0.0.1");
    auto r = call_replica(eps.front().port, "hello");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body.starts_with("9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7"
                              "2323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"));
    auto st = p.status("sha");
    REQUIRE(st.has_value());
    CHECK(st->available_replicas == 1);
    // The provider's own proxy reaches it too.
    auto via = p.call("POST", "/function/sha", "hello");
    REQUIRE(via.ok());
    CHECK(via->status == 200);
    CHECK(via->body == r->body);
}

TEST_CASE("provider: scaling to 3, to 0 and back changes replicas at once and endpoints soon") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("echo", "cat")) == 202);
    p.wait_ready("echo", 1);
    CHECK(p.scale("echo", 3) == 202);
    CHECK(p.status("echo")->replicas == 3);
    auto eps = p.wait_ready("echo", 3);
    std::set<std::uint16_t> ports;
    std::set<std::string> ids;
    for (const auto& e : eps) {
        ports.insert(e.port);
        ids.insert(e.id);
        auto r = call_replica(e.port, "x");
        REQUIRE(r.ok());
        CHECK(r->body == "x");
    }
    CHECK(ports.size() == 3);
    CHECK(ids.size() == 3);

    CHECK(p.scale("echo", 0) == 202);
    CHECK(p.status("echo")->replicas == 0);
    // Left the list before they were stopped: empty at once.
    auto list = p.endpoints();
    REQUIRE(list.find("echo") != nullptr);
    CHECK(list.find("echo")->replicas == 0);
    CHECK(list.find("echo")->endpoints.empty());
    // ... and the processes go away.
    CHECK(wait_until([&] {
        for (auto port : ports) {
            if (call_replica(port, "x", "/").ok()) {
                return false;
            }
        }
        return true;
    }));
    auto proxied = p.call("POST", "/function/echo", "x");
    REQUIRE(proxied.ok());
    CHECK(proxied->status == 503);
    CHECK(proxied->body == "No endpoints available for: echo.\n");
    CHECK(proxied->headers.get("X-OpenFaaS-Internal") == std::optional<std::string_view>("proxy"));

    CHECK(p.scale("echo", 1) == 202);
    auto back = p.wait_ready("echo", 1);
    auto r = call_replica(back.front().port, "again");
    REQUIRE(r.ok());
    CHECK(r->body == "again");
}

TEST_CASE("provider: com.openfaas.scale.min sets the initial replicas and minReplicas") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("two", "cat",
                                          R"("labels":{"com.openfaas.scale.min":"2"})")) == 202);
    CHECK(p.status("two")->replicas == 2);
    auto list = p.endpoints();
    REQUIRE(list.find("two") != nullptr);
    CHECK(list.find("two")->min_replicas == 2);
    p.wait_ready("two", 2);
}

TEST_CASE("provider: an update rolls out new replicas with no failed call in between") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("ver", "env", R"("envVars":{"VERSION":"one"})")) == 202);
    p.wait_ready("ver", 1);
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::atomic<int> calls{0};
    std::atomic<bool> saw_two{false};
    std::string last_error;
    std::thread caller([&] {
        faas::test::SyncClient c;
        while (!stop.load()) {
            auto list = p.endpoints();
            const auto* f = list.find("ver");
            if (f == nullptr || f->endpoints.empty()) {
                ++failures;
                last_error = "no endpoints";
                continue;
            }
            auto r = c.post(f->endpoints.front().port, "/", "");
            ++calls;
            if (!r.ok() || r->status != 200) {
                // A replica that refuses the connection is skipped (contracts.md): retry on the
                // next list, as the gateway does. Anything else is a failed call.
                if (!r.ok() && r.error().code == faas::errc::connect_failed) {
                    continue;
                }
                ++failures;
                last_error = r.ok() ? std::to_string(r->status) : r.error().what();
                continue;
            }
            if (r->body.find("VERSION=two") != std::string::npos) {
                saw_two = true;
            }
        }
    });
    std::this_thread::sleep_for(100ms);
    auto put = p.call("PUT", "/system/functions",
                      Provider::deployment("ver", "env", R"("envVars":{"VERSION":"two"})"));
    REQUIRE(put.ok());
    CHECK(put->status == 202);
    const bool rolled = wait_until([&] { return saw_two.load(); });
    std::this_thread::sleep_for(200ms);
    stop = true;
    caller.join();
    CHECK(rolled);
    CHECK_MESSAGE(failures.load() == 0, "last error: " << last_error);
    CHECK(calls.load() > 0);
    auto st = p.status("ver");
    REQUIRE(st.has_value());
    REQUIRE(st->env_vars.has_value());
    CHECK(st->env_vars->at("VERSION") == "two");
    // The old replica is gone: one endpoint, the new version.
    auto eps = p.wait_ready("ver", 1);
    auto r = call_replica(eps.front().port, "");
    REQUIRE(r.ok());
    CHECK(r->body.find("VERSION=two") != std::string::npos);
}

TEST_CASE("provider: delete stops the replicas and the function leaves the list") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("gone", "cat")) == 202);
    auto eps = p.wait_ready("gone", 1);
    auto del = p.call("DELETE", "/system/functions", R"({"functionName":"gone"})");
    REQUIRE(del.ok());
    CHECK(del->status == 202);
    CHECK_FALSE(p.status("gone").has_value());
    CHECK(p.endpoints().find("gone") == nullptr);
    CHECK(wait_until([&] { return !call_replica(eps.front().port, "x").ok(); }));
    auto list = p.get("/system/functions");
    REQUIRE(list.ok());
    CHECK(list->body == "[]");
    // The name is free again at once.
    CHECK(p.deploy(Provider::deployment("gone", "cat")) == 202);
}

TEST_CASE("provider: bad input gets the documented error codes") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("dup", "cat")) == 202);
    SUBCASE("duplicate deploy is 409") {
        CHECK(p.deploy(Provider::deployment("dup", "cat")) == 409);
    }
    SUBCASE("malformed JSON is 400 with the parser's message") {
        auto r = p.call("POST", "/system/functions", "{not json");
        REQUIRE(r.ok());
        CHECK(r->status == 400);
        CHECK(r->body.size() > 1);
    }
    SUBCASE("an invalid name is 400") {
        CHECK(p.deploy(Provider::deployment("Bad_Name", "cat")) == 400);
    }
    SUBCASE("a missing image is 400") {
        CHECK(p.deploy(R"({"service":"noimage","envProcess":"cat"})") == 400);
    }
    SUBCASE("a missing secret is 400") {
        CHECK(p.deploy(Provider::deployment("sec", "cat", R"("secrets":["nope"])")) == 400);
    }
    SUBCASE("an invalid limit quantity is 400") {
        CHECK(p.deploy(Provider::deployment("lim", "cat", R"("limits":{"memory":"lots"})")) == 400);
    }
    SUBCASE("PUT of an absent function is 404") {
        auto r = p.call("PUT", "/system/functions", Provider::deployment("absent", "cat"));
        REQUIRE(r.ok());
        CHECK(r->status == 404);
    }
    SUBCASE("DELETE of an absent function is 404") {
        auto r = p.call("DELETE", "/system/functions", R"({"functionName":"absent"})");
        REQUIRE(r.ok());
        CHECK(r->status == 404);
    }
    SUBCASE("DELETE without a name is 400") {
        auto r = p.call("DELETE", "/system/functions", R"({})");
        REQUIRE(r.ok());
        CHECK(r->status == 400);
    }
    SUBCASE("scaling an absent function is 404") { CHECK(p.scale("absent", 1) == 404); }
    SUBCASE("a wrong method is 405 and an unknown route 404") {
        auto r = p.call("PATCH", "/system/functions");
        REQUIRE(r.ok());
        CHECK(r->status == 405);
        auto n = p.get("/system/nothing");
        REQUIRE(n.ok());
        CHECK(n->status == 404);
    }
    SUBCASE("an unknown namespace is 400") {
        auto r = p.get("/system/functions?namespace=other");
        REQUIRE(r.ok());
        CHECK(r->status == 400);
    }
}

TEST_CASE("provider: the endpoint long poll answers within milliseconds of a change") {
    Provider p;
    auto first = p.endpoints();
    const auto gen = first.generation;
    std::atomic<bool> answered{false};
    std::chrono::steady_clock::time_point answered_at;
    faas::test::EndpointList after;
    std::thread poller([&] {
        faas::test::SyncClient c;
        auto r = c.get(p.port(), "/system/endpoints?since=" + std::to_string(gen) + "&wait=20s",
                       30s);
        answered_at = std::chrono::steady_clock::now();
        answered = true;
        if (r.ok()) {
            after = faas::test::parse_endpoints(r->body);
        }
    });
    std::this_thread::sleep_for(300ms);
    CHECK_FALSE(answered.load());
    const auto changed_at = std::chrono::steady_clock::now();
    REQUIRE(p.deploy(Provider::deployment("poll", "cat")) == 202);
    poller.join();
    CHECK(answered.load());
    CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(answered_at - changed_at).count() <
          500);
    CHECK(after.generation > gen);
    REQUIRE(after.find("poll") != nullptr);
    CHECK(after.find("poll")->replicas == 1);
}

TEST_CASE("provider: the endpoint long poll waits when nothing changes") {
    Provider p;
    const auto gen = p.endpoints().generation;
    const auto start = std::chrono::steady_clock::now();
    auto r = p.get("/system/endpoints?since=" + std::to_string(gen) + "&wait=400ms");
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(took >= 350ms);
    CHECK(faas::test::parse_endpoints(r->body).generation == gen);
    // An old generation is answered at once.
    const auto start2 = std::chrono::steady_clock::now();
    auto r2 = p.get("/system/endpoints?since=0&wait=5s");
    REQUIRE(r2.ok());
    CHECK(std::chrono::steady_clock::now() - start2 < 1s);
    auto bad = p.get("/system/endpoints?since=x");
    REQUIRE(bad.ok());
    CHECK(bad->status == 400);
}

TEST_CASE("provider: info names faas-local and healthz answers 200") {
    Provider p;
    auto info = p.get("/system/info");
    REQUIRE(info.ok());
    CHECK(info->status == 200);
    auto pi = faas::openfaas::parse_provider_info(info->body);
    REQUIRE(pi.ok());
    CHECK(pi->provider == "faas-local");
    CHECK(pi->orchestration == "local");
    CHECK_FALSE(pi->release.empty());
    CHECK_FALSE(pi->sha.empty());
    auto h = p.get("/healthz");
    REQUIRE(h.ok());
    CHECK(h->status == 200);
    auto ns = p.get("/system/namespaces");
    REQUIRE(ns.ok());
    CHECK(ns->body == R"(["openfaas-fn"])");
}

}  // TEST_SUITE
