// Replays of the transcripts that show what the real controllers do on their own
// (/work/shared/kubernetes: 25, 34, 36, 42, 45, 51, 53, 54, 57, 62, 78). The stand-in runs the
// same sequence the recording did and its answers are compared with the recorded ones after the
// comparison's normalisation (tests/support/kube/transcript.hpp). What legitimately differs is
// named at each comparison: generation counts (the recording's cluster had more history), the
// pod-template-hash (the real one hashes Go structures), trigger-time annotations.
// These run with the controller-manager but without the kubelet, as the recordings had no
// kubelet: pods stay Pending until a test binds them to a hand-made Node and patches their
// status as 52 did.
#include <algorithm>
#include <functional>

#include <doctest/doctest.h>

#include "tests/integration/kube_cluster/cluster_fixture.hpp"
#include "tests/support/kube/replay.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

namespace {

using namespace std::chrono_literals;
using kube::Value;

const std::string kDeploy = "/apis/apps/v1/namespaces/openfaas-fn/deployments/echo";
const std::string kSlices =
    "/apis/discovery.k8s.io/v1/namespaces/openfaas-fn/endpointslices"
    "?labelSelector=kubernetes.io/service-name=echo";

// Fields that differ between any two clusters beyond what the comparison normalises.
const std::vector<std::string> kDeploymentNoise = {
    "metadata.generation", "status.observedGeneration", "status.conditions[].message",
    "status.conditions[].lastUpdateTime", "status.conditions[].lastTransitionTime"};

void setup_namespace(Cluster& c) {
    Value ns = Value::object();
    ns["apiVersion"] = "v1";
    ns["kind"] = "Namespace";
    ns["metadata"]["name"] = "openfaas-fn";
    REQUIRE(c.api("POST", "/api/v1/namespaces", ns.dump()).status == 201);
}

// The recorded request body of `file`.
Value request_body(const std::string& file) {
    return *kube::load_transcript(file).request.find("body");
}

// Waits until the Deployment's status reflects its generation and `done` holds.
Value settled(Cluster& c, const std::function<bool(const Value&)>& done) {
    Value d;
    const bool ok = wait_until(
        [&] {
            d = c.get(kDeploy);
            return d.int_at({"status", "observedGeneration"}) ==
                       d.int_at({"metadata", "generation"}) &&
                   done(d);
        },
        10s, 20ms);
    REQUIRE_MESSAGE(ok, "deployment did not settle: " << d.dump());
    return d;
}

void scale(Cluster& c, int replicas) {
    const std::string patch = R"({"spec":{"replicas":)" + std::to_string(replicas) + "}}";
    REQUIRE(c.api("PATCH", kDeploy + "/scale", patch, "application/merge-patch+json").status ==
            200);
}

// Compares the recorded status of `file` with `actual`'s.
void expect_status(const std::string& file,
                   const Value& actual,
                   const std::vector<std::string>& ignored = kDeploymentNoise) {
    const auto t = kube::load_transcript(file);
    const Value* recorded = t.response.at({"body", "status"});
    REQUIRE(recorded != nullptr);
    Value expected_status = Value::object();
    expected_status["status"] = *recorded;
    Value actual_status = Value::object();
    actual_status["status"] = *actual.find("status");
    for (const std::string& d : kube::compare_bodies(expected_status, actual_status, ignored)) {
        ADD_FAIL_CHECK(file << ": " << d);
    }
}

std::vector<std::string> condition_reasons(const Value& d) {
    std::vector<std::string> out;
    const Value* conds = d.at({"status", "conditions"});
    for (const Value& c : conds != nullptr ? conds->items() : Value::Array{}) {
        out.push_back(c.string_at({"type"}) + "/" + c.string_at({"reason"}));
    }
    return out;
}

bool rollout_complete(const Value& d) {
    const auto reasons = condition_reasons(d);
    return std::find(reasons.begin(), reasons.end(), "Progressing/NewReplicaSetAvailable") !=
           reasons.end();
}

// A Ready node, made by hand as the recordings did (fake-node-1).
void add_node(Cluster& c) {
    Value n = Value::object();
    n["apiVersion"] = "v1";
    n["kind"] = "Node";
    n["metadata"]["name"] = "fake-node-1";
    Value ready = Value::object();
    ready["type"] = "Ready";
    ready["status"] = "True";
    n["status"]["conditions"] = Value::Array{std::move(ready)};
    REQUIRE(c.api("POST", "/api/v1/nodes", n.dump()).status == 201);
}

// Patches a pod Running and Ready with `ip`, as 52 (a kubelet's report).
void patch_ready(Cluster& c, const std::string& pod, const std::string& ip) {
    Value body = request_body("52-pod-status-patch-ready.json");
    body.set({"status", "podIP"}, ip);
    Value entry = Value::object();
    entry["ip"] = ip;
    body.set({"status", "podIPs"}, Value::Array{std::move(entry)});
    const auto res = c.api("PATCH", "/api/v1/namespaces/openfaas-fn/pods/" + pod + "/status",
                           body.dump(), "application/merge-patch+json");
    REQUIRE_MESSAGE(res.status == 200, res.body);
}

}  // namespace

TEST_SUITE("kube stand-in: controller transcripts") {
    TEST_CASE(
        "kube replay: the Deployment's status as the controller fills it at 1, 0, 1 and 3 "
        "pending replicas (25, 45, 34, 42)") {
        Cluster c({.kubelet = false});
        setup_namespace(c);
        c.create("/apis/apps/v1/namespaces/openfaas-fn/deployments",
                 request_body("20-deploy-create.json"));
        Value d = settled(c, [](const Value& v) { return v.at({"status", "conditions"}); });
        expect_status("25-deploy-get.json", d);
        CHECK(condition_reasons(d) ==
              std::vector<std::string>{"Available/MinimumReplicasUnavailable",
                                       "Progressing/ReplicaSetUpdated"});
        CHECK(d.string_at({"metadata", "annotations", "deployment.kubernetes.io/revision"}) == "1");

        // The recording reached 34 after a scale to 0 had completed the rollout once
        // (Progressing NewReplicaSetAvailable, 19:53:03): the same history here.
        scale(c, 0);
        (void)settled(c, rollout_complete);

        scale(c, 1);
        d = settled(c, [](const Value& v) { return v.int_at({"status", "replicas"}) == 1; });
        expect_status("34-deploy-status-at-1-replica.json", d);

        scale(c, 3);
        d = settled(c, [](const Value& v) {
            return v.int_at({"status", "unavailableReplicas"}) == 3;
        });
        expect_status("42-deploy-status-at-3-replicas.json", d);

        scale(c, 0);
        d = settled(c, [](const Value& v) { return !v.at({"status"})->contains("replicas"); });
        expect_status("45-deploy-status-at-0-replicas.json", d);
    }

    TEST_CASE(
        "kube replay: EndpointSlices for pending, ready and terminating pods, and the "
        "Deployment with one of two ready (51, 53, 54, 62)") {
        Cluster c({.kubelet = false});
        setup_namespace(c);
        // As recorded: the rollout completed once (at 0 replicas) before the scale to 2.
        Value deploy = request_body("20-deploy-create.json");
        deploy.set({"spec", "replicas"}, 0);
        c.create("/apis/apps/v1/namespaces/openfaas-fn/deployments", deploy);
        (void)settled(c, rollout_complete);
        scale(c, 2);
        c.create("/api/v1/namespaces/openfaas-fn/services", request_body("50-svc-create.json"));
        REQUIRE(wait_until([&] { return c.get(kSlices).find("items")->size() == 1; }, 10s, 20ms));
        const std::vector<std::string> slice_noise = {"metadata.generation", "metadata.annotations",
                                                      "items[].metadata.generation",
                                                      "items[].metadata.annotations"};
        auto t51 = kube::load_transcript("51-epslice-list-pending-pods.json");
        kube::expect_matches_transcript(t51, c.api("GET", kSlices), slice_noise);

        add_node(c);
        std::vector<std::string> pods;
        REQUIRE(wait_until(
            [&] {
                pods = c.pod_names("openfaas-fn", "faas_function=echo");
                const Value list = c.get("/api/v1/namespaces/openfaas-fn/pods");
                int bound = 0;
                for (const Value& p : list.find("items")->items()) {
                    bound += p.string_at({"spec", "nodeName"}) == "fake-node-1" ? 1 : 0;
                }
                return bound == 2;
            },
            10s, 20ms));
        patch_ready(c, pods[0], "198.51.100.7");
        REQUIRE(
            wait_until([&] { return c.endpoints("openfaas-fn", "echo").size() == 1; }, 10s, 20ms));
        auto t53 = kube::load_transcript("53-epslice-with-ready-pod.json");
        kube::expect_matches_transcript(
            t53, c.api("GET", kSlices),
            {"items[].metadata.generation", "items[].metadata.annotations",
             "items[].endpoints[].targetRef.name"});

        const Value d = settled(c, [](const Value& v) {
            return v.int_at({"status", "readyReplicas"}) == 1;
        });
        expect_status("54-deploy-status-one-ready.json", d);

        // 62: the ready pod deleted keeps its endpoint as serving and terminating (no kubelet:
        // it stays Terminating).
        REQUIRE(c.api("DELETE", "/api/v1/namespaces/openfaas-fn/pods/" + pods[0]).status == 200);
        std::vector<SliceEndpoint> eps;
        REQUIRE(wait_until(
            [&] {
                eps = c.endpoints("openfaas-fn", "echo");
                return !eps.empty() && eps.front().terminating;
            },
            10s, 20ms));
        CHECK(eps.front().address == "198.51.100.7");
        CHECK_FALSE(eps.front().ready);
        CHECK(eps.front().serving);
    }

    TEST_CASE(
        "kube replay: a loopback pod IP is listed in the EndpointSlice: the one rule the "
        "stand-in relaxes (57 shows the real server refusing it)") {
        Cluster c({.kubelet = false});
        setup_namespace(c);
        c.create("/apis/apps/v1/namespaces/openfaas-fn/deployments",
                 request_body("20-deploy-create.json"));
        c.create("/api/v1/namespaces/openfaas-fn/services", request_body("50-svc-create.json"));
        add_node(c);
        std::vector<std::string> pods;
        REQUIRE(wait_until(
            [&] {
                pods = c.pod_names("openfaas-fn", "faas_function=echo");
                return pods.size() == 1 && !c.get("/api/v1/namespaces/openfaas-fn/pods/" + pods[0])
                                                .string_at({"spec", "nodeName"})
                                                .empty();
            },
            10s, 20ms));
        patch_ready(c, pods[0], "127.0.1.5");
        // The real controller's write fails here (57, 58) and the slice keeps what it had; the
        // stand-in's pods live on 127.0.1.N, so its controller lists them.
        REQUIRE(wait_until([&] { return c.ready_addresses("openfaas-fn", "echo").size() == 1; },
                           10s, 20ms));
        CHECK(c.ready_addresses("openfaas-fn", "echo").front() == "127.0.1.5");
    }

    TEST_CASE(
        "kube replay: background deletion garbage-collects ReplicaSets (35, 36) and a "
        "deleted Service's EndpointSlice (78)") {
        Cluster c({.kubelet = false});
        setup_namespace(c);
        c.create("/apis/apps/v1/namespaces/openfaas-fn/deployments",
                 request_body("20-deploy-create.json"));
        c.create("/api/v1/namespaces/openfaas-fn/services", request_body("50-svc-create.json"));
        const std::string rs =
            "/apis/apps/v1/namespaces/openfaas-fn/replicasets?labelSelector=faas_function=echo";
        REQUIRE(wait_until([&] { return c.get(rs).find("items")->size() == 1; }, 10s, 20ms));
        REQUIRE(wait_until([&] { return c.get(kSlices).find("items")->size() == 1; }, 10s, 20ms));

        auto t35 = kube::load_transcript("35-deploy-delete-background.json");
        kube::expect_matches_transcript(t35,
                                        c.api("DELETE", kDeploy, t35.request.find("body")->dump()));
        REQUIRE(wait_until([&] { return c.get(rs).find("items")->empty(); }, 10s, 20ms));
        kube::expect_matches_transcript("36-rs-list-after-background-delete.json",
                                        c.api("GET", rs));
        CHECK(wait_until([&] { return c.pod_names("openfaas-fn", "faas_function=echo").empty(); },
                         10s, 20ms));

        REQUIRE(c.api("DELETE", "/api/v1/namespaces/openfaas-fn/services/echo").status == 200);
        CHECK(wait_until([&] { return c.get(kSlices).find("items")->empty(); }, 10s, 20ms));
    }
}

}  // namespace faas::test
