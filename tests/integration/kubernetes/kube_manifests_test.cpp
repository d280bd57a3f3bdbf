// compose/kubernetes on the stand-in API server: every object `kubectl kustomize` renders is
// created with strict field validation, then the provider runs as its ServiceAccount
// (faas-provider in openfaas) with exactly the rights rbac.yaml grants: what the back end does
// succeeds, what the Role does not grant is refused naming the permission.
#include <doctest/doctest.h>

#include "tests/integration/kubernetes/kube_platform.hpp"
#include "tests/integration/manifests/rendered.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

namespace {

using namespace std::chrono_literals;

// Creates every rendered object in kubectl's order; fails the test on any refusal.
void apply_manifests(Cluster& c) {
    const auto objects = manifests::render();
    REQUIRE_FALSE(objects.empty());
    for (const manifests::Object& o : objects) {
        const http::Response res =
            c.api("POST", o.collection_path() + "?fieldValidation=Strict", o.json());
        CHECK_MESSAGE(res.status == 201, o.id() << ": " << res.status << " " << res.body);
        CHECK_MESSAGE(res.headers.get("Warning").value_or("").empty(), o.id());
    }
}

}  // namespace

TEST_SUITE("kubernetes back end on the manifests' RBAC") {
    TEST_CASE(
        "kubernetes manifests: every object accepted strictly and the provider limited to its "
        "RBAC") {
        Cluster c;
        apply_manifests(c);
        const std::string token = c.server().issue_token("openfaas", "faas-provider");
        const TempDir dir;
        const auto config = dir.write("kubeconfig", kubeconfig_text(c.server().url(), token));
        Provider provider({{"backend", "kubernetes"},
                           {"KUBECONFIG", config.string()},
                           {"queue_worker_service", "queue-worker"},
                           {"queue_worker_namespace", "openfaas"}});

        CHECK(provider.deploy(Provider::deployment("echo", "env")) == 202);
        (void)provider.wait_ready("echo", 1, 60s);
        CHECK(provider.scale("echo", 2) == 202);
        (void)provider.wait_ready("echo", 2, 60s);
        auto list = provider.get("/system/functions");
        REQUIRE(list);
        CHECK(list->status == 200);
        CHECK(list->body.find(R"("name":"echo")") != std::string::npos);
        auto logs = provider.get("/system/logs?name=echo&follow=false");
        REQUIRE(logs);
        CHECK_MESSAGE(logs->status == 200, logs->body);
        auto secret = provider.call("POST", "/system/secrets", R"({"name":"k","value":"v"})");
        REQUIRE(secret);
        CHECK_MESSAGE(secret->status == 202, secret->body);
        auto secrets = provider.get("/system/secrets");
        REQUIRE(secrets);
        CHECK(secrets->status == 200);
        CHECK(secrets->body.find(R"("name":"k")") != std::string::npos);
        // The queue-worker's Deployment in openfaas, through its own Role.
        CHECK(provider.scale("queue-worker", 2) == 202);
        CHECK(c.get("/apis/apps/v1/namespaces/openfaas/deployments/queue-worker")
                  .int_at({"spec", "replicas"}) == 2);

        // Namespaces are read-only to the provider (ClusterRole faas-provider-namespaces).
        auto ns = provider.call("POST", "/system/namespace/team-a",
                                R"({"name":"team-a","labels":{"openfaas":"1"}})");
        REQUIRE(ns);
        CHECK(ns->status == 500);
        CHECK_MESSAGE(ns->body.find("create") != std::string::npos, ns->body);
        CHECK_MESSAGE(ns->body.find("namespaces") != std::string::npos, ns->body);

        CHECK(provider.call("DELETE", "/system/functions", R"({"functionName":"echo"})")->status ==
              202);
        CHECK(wait_until([&] { return c.pod_names("openfaas-fn", "faas_function%3Decho").empty(); },
                         30s, 100ms));
    }
}

}  // namespace faas::test
