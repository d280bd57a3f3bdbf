// The platform end to end on the stand-in Kubernetes cluster (backend=kubernetes): a function
// deployed through the gateway's API as faas-cli does, called sync and async, scaled to 3 and
// to 0 and back, reading a secret, its logs, updated with no failed call, removed without
// leaving a process behind.
#include <set>

#include <doctest/doctest.h>

#include "tests/integration/kubernetes/kube_platform.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

namespace {

using namespace std::chrono_literals;

const std::string kDeployments = "/apis/apps/v1/namespaces/openfaas-fn/deployments";

// Calls `name` until `n` distinct pods (HOSTNAME) answered or the bound passes.
std::set<std::string> answering_pods(KubePlatform& p, const std::string& name, std::size_t n) {
    std::set<std::string> pods;
    (void)wait_until(
        [&] {
            auto r = p.invoke(name);
            if (r && r->status == 200) {
                pods.insert(hostname_of(r->body));
            }
            return pods.size() >= n;
        },
        30s, 20ms);
    return pods;
}

int status_of(const Result<http::Response>& r) {
    return r ? r.value().status : 0;
}

KubePlatformOptions with_async() {
    KubePlatformOptions o;
    o.async = true;
    return o;
}

}  // namespace

TEST_SUITE("kubernetes back end end to end") {
    TEST_CASE(
        "kubernetes e2e: deploy then call sync and async then scale to 3 pods then logs and "
        "remove") {
        KubePlatform p(with_async());
        p.deploy(Provider::deployment("echo", "env"));
        p.wait_ready("echo", 1);
        auto r = p.invoke("echo");
        REQUIRE(r);
        CHECK(r->status == 200);
        const std::string first_pod = hostname_of(r->body);
        CHECK(first_pod.starts_with("echo-"));

        // Async: accepted, run by the queue-worker through the gateway, the result called back.
        auto a =
            p.gateway().post("/async-function/echo", "x", {{"X-Callback-Url", p.receiver().url()}});
        REQUIRE(a);
        REQUIRE(a->status == 202);
        const std::string call_id = header_of(*a, "X-Call-Id");
        REQUIRE_FALSE(call_id.empty());
        CHECK(p.receiver().wait_all({call_id}, "200", 30s));
        const auto callbacks = p.receiver().for_call(call_id);
        REQUIRE_FALSE(callbacks.empty());
        CHECK(hostname_of(callbacks.front().body).starts_with("echo-"));

        // Scale to 3: three different pods answer.
        p.scale("echo", 3);
        p.wait_ready("echo", 3);
        CHECK(answering_pods(p, "echo", 3).size() == 3);
        auto fn = p.gateway().get("/system/function/echo");
        REQUIRE(fn);
        CHECK(fn->body.find(R"("replicas":3)") != std::string::npos);

        // Logs of every pod through the gateway.
        auto logs = p.gateway().get("/system/logs?name=echo&follow=false");
        REQUIRE(logs);
        CHECK(logs->status == 200);
        CHECK(logs->body.find(first_pod) != std::string::npos);
        CHECK(logs->body.find("Forking fprocess") != std::string::npos);

        // Remove: nothing left on the cluster, no fwatchdog process left.
        auto d = p.gateway().call("DELETE", "/system/functions", R"({"functionName":"echo"})");
        REQUIRE(d);
        CHECK(d->status == 202);
        const bool gone = wait_until(
            [&] {
                return p.cluster().pod_names("openfaas-fn", "faas_function%3Decho").empty() &&
                       p.cluster().container_pids().empty();
            },
            30s, 100ms);
        CHECK(gone);
        CHECK(p.cluster().api("GET", kDeployments + "/echo").status == 404);
        CHECK(p.cluster().api("GET", "/api/v1/namespaces/openfaas-fn/services/echo").status == 404);
        CHECK(status_of(p.gateway().get("/system/function/echo")) == 404);
    }

    TEST_CASE(
        "kubernetes e2e: a secret read by the function and a call bringing it back from zero") {
        KubePlatform p;
        auto s = p.gateway().post("/system/secrets", R"({"name":"api-key","value":"s3cr3t"})");
        REQUIRE(s);
        CHECK(s->status == 202);
        p.deploy(Provider::deployment("reader", "cat /var/openfaas/secrets/api-key",
                                      R"("secrets":["api-key"])"));
        p.wait_ready("reader", 1);
        auto r = p.invoke("reader");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body == "s3cr3t");

        p.scale("reader", 0);
        CHECK(wait_until([&] { return p.cluster().container_pids().empty(); }, 30s, 100ms));
        CHECK(p.cluster().get(kDeployments + "/reader").int_at({"spec", "replicas"}, -1) == 0);
        // The gateway holds the call while the function scales up from zero.
        auto back = p.gateway().call("POST", "/function/reader", "x", {}, 60s);
        REQUIRE(back);
        CHECK(back->status == 200);
        CHECK(back->body == "s3cr3t");
    }

    TEST_CASE("kubernetes e2e: an update (new env) rolls the pods with no failed call") {
        KubePlatform p;
        p.deploy(Provider::deployment("echo", "env", R"("envVars":{"VERSION":"1"})"));
        p.wait_ready("echo", 1);
        CallLoop loop(p.gateway().port(), "echo");
        CHECK(wait_until([&] { return loop.calls() > 5; }, 30s, 20ms));
        auto u =
            p.gateway().call("PUT", "/system/functions",
                             Provider::deployment("echo", "env", R"("envVars":{"VERSION":"2"})"));
        REQUIRE(u);
        CHECK(u->status == 202);
        const bool rolled = wait_until(
            [&] { return loop.last_body().find("VERSION=2") != std::string::npos; }, 60s, 50ms);
        CHECK(rolled);
        // The old pod goes once the new one is ready; keep calling through its termination.
        CHECK(wait_until([&] { return p.cluster().container_pids().size() == 1; }, 30s, 50ms));
        const int before = loop.calls();
        CHECK(wait_until([&] { return loop.calls() > before + 20; }, 30s, 20ms));
        loop.stop();
        CHECK_MESSAGE(loop.failures() == 0,
                      loop.failures() << " of " << loop.calls()
                                      << " calls failed, first: " << loop.first_failure());
        MESSAGE(loop.calls() << " calls during the roll");
    }
}

}  // namespace faas::test
