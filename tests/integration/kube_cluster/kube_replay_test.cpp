// Replays of the transcripts that show what the real controllers do on their own
// (tests/data/kubernetes: 25, 34, 36, 42, 45, 51, 53, 54, 57, 62, 78). The stand-in runs the
// same sequence the recording did and its answers are compared with the recorded ones, leaving
// out only what legitimately differs between two clusters (normalised below): uids, names with
// generated suffixes, resourceVersions and generations (the recording's cluster had more
// history), timestamps, and the messages that carry the pod-template-hash (the real controller
// hashes Go structures).
// These run with the controller-manager but without the kubelet, as the recordings had no
// kubelet: pods stay Pending until a test binds them to a hand-made Node and patches their
// status as 52 did.
#include <algorithm>
#include <functional>

#include <doctest/doctest.h>

#include "tests/integration/kube_cluster/cluster_fixture.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

namespace {

using namespace std::chrono_literals;
using kube::Value;

const std::string kDeploy = "/apis/apps/v1/namespaces/openfaas-fn/deployments/echo";
const std::string kSlices =
    "/apis/discovery.k8s.io/v1/namespaces/openfaas-fn/endpointslices"
    "?labelSelector=kubernetes.io/service-name=echo";

// The whole recorded exchange of `file`.
Value recorded(const std::string& file) {
    const std::string path = std::string(FAAS_KUBE_TRANSCRIPTS) + "/" + file;
    auto v = Value::parse(read_file(path));
    REQUIRE_MESSAGE(v, "cannot read the transcript " << path);
    return std::move(v).value();
}

// A Deployment status without what differs between clusters: generations, condition times and
// messages (they name the ReplicaSet, whose hash differs).
Value comparable_status(Value status) {
    status.erase("observedGeneration");
    if (Value* conds = status.find("conditions")) {
        for (Value& c : conds->items()) {
            c.erase("lastUpdateTime");
            c.erase("lastTransitionTime");
            c.erase("message");
        }
    }
    return status;
}

// An EndpointSlice without uids, generated names, versions, times and trigger annotations.
Value comparable_slice(Value slice) {
    for (const char* k :
         {"name", "uid", "resourceVersion", "generation", "creationTimestamp", "annotations"}) {
        slice["metadata"].erase(k);
    }
    for (Value& r : slice["metadata"]["ownerReferences"].items()) {
        r.erase("uid");
    }
    if (Value* eps = slice.find("endpoints"); eps != nullptr && eps->is_array()) {
        for (Value& e : eps->items()) {
            e["targetRef"].erase("name");
            e["targetRef"].erase("uid");
        }
    }
    return slice;
}

// Compares the one slice of a recorded EndpointSlice list with the stand-in's.
void expect_slice(const std::string& file, const Value& list) {
    const Value transcript = recorded(file);
    const Value& items = *transcript.at({"response", "body", "items"});
    REQUIRE(list.find("items")->size() == 1);
    const Value expected = comparable_slice(items.items().front());
    const Value got = comparable_slice(list.find("items")->items().front());
    CHECK_MESSAGE(got == expected,
                  file << "\n recorded: " << expected.dump() << "\n stand-in: " << got.dump());
}

void setup_namespace(Cluster& c) {
    Value ns = Value::object();
    ns["apiVersion"] = "v1";
    ns["kind"] = "Namespace";
    ns["metadata"]["name"] = "openfaas-fn";
    REQUIRE(c.api("POST", "/api/v1/namespaces", ns.dump()).status == 201);
}

// The recorded request body of `file`.
Value request_body(const std::string& file) {
    return *recorded(file).at({"request", "body"});
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

// Compares the recorded Deployment status of `file` with `actual`'s.
void expect_status(const std::string& file, const Value& actual) {
    const Value expected = comparable_status(*recorded(file).at({"response", "body", "status"}));
    const Value got = comparable_status(*actual.find("status"));
    CHECK_MESSAGE(got == expected,
                  file << "\n recorded: " << expected.dump() << "\n stand-in: " << got.dump());
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
        expect_slice("51-epslice-list-pending-pods.json", c.get(kSlices));

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
        expect_slice("53-epslice-with-ready-pod.json", c.get(kSlices));

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

        // 35: a background delete answers Status Success naming the object; 36: the
        // ReplicaSets are gone shortly after (the recorded list is empty).
        const Value t35 = recorded("35-deploy-delete-background.json");
        const http::Response del = c.api("DELETE", kDeploy, t35.at({"request", "body"})->dump());
        CHECK(del.status == 200);
        auto answer = Value::parse(del.body);
        REQUIRE(answer);
        Value expected = *t35.at({"response", "body"});
        expected["details"].erase("uid");
        (*answer)["details"].erase("uid");
        CHECK_MESSAGE(*answer == expected, del.body);
        REQUIRE(wait_until([&] { return c.get(rs).find("items")->empty(); }, 10s, 20ms));
        CHECK(recorded("36-rs-list-after-background-delete.json")
                  .at({"response", "body", "items"})
                  ->empty());
        CHECK(wait_until([&] { return c.pod_names("openfaas-fn", "faas_function=echo").empty(); },
                         10s, 20ms));

        REQUIRE(c.api("DELETE", "/api/v1/namespaces/openfaas-fn/services/echo").status == 200);
        CHECK(wait_until([&] { return c.get(kSlices).find("items")->empty(); }, 10s, 20ms));
    }
}

}  // namespace faas::test
