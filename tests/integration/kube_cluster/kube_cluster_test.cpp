// The stand-in's controllers and kubelet end to end over HTTP: a Deployment and a Service for a
// `cat` function become fwatchdog processes on 127.0.1.N that the EndpointSlice lists and that
// answer; scaling, rolling updates and deletion behave as on a real cluster.
#include <algorithm>
#include <set>

#include <doctest/doctest.h>

#include "tests/integration/kube_cluster/cluster_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

namespace {

using namespace std::chrono_literals;

const std::string kNs = "openfaas-fn";
const std::string kDeployments = "/apis/apps/v1/namespaces/openfaas-fn/deployments";
const std::string kServices = "/api/v1/namespaces/openfaas-fn/services";

void deploy(Cluster& c, const std::string& name, const std::string& fprocess, int replicas) {
    kube::Value ns = kube::Value::object();
    ns["apiVersion"] = "v1";
    ns["kind"] = "Namespace";
    ns["metadata"]["name"] = kNs;
    const int status = c.api("POST", "/api/v1/namespaces", ns.dump()).status;
    REQUIRE((status == 201 || status == 409));
    c.create(kDeployments, function_deployment(name, fprocess, replicas));
    c.create(kServices, function_service(name));
}

std::vector<std::string> wait_ready(Cluster& c, const std::string& svc, std::size_t n) {
    std::vector<std::string> ready;
    const bool ok = wait_until(
        [&] {
            ready = c.ready_addresses(kNs, svc);
            return ready.size() == n;
        },
        30s, 100ms);
    REQUIRE_MESSAGE(ok, "ready endpoints: " << ready.size() << ", want " << n);
    return ready;
}

void scale(Cluster& c, const std::string& name, int replicas) {
    const std::string patch = R"({"spec":{"replicas":)" + std::to_string(replicas) + "}}";
    const auto res =
        c.api("PATCH", kDeployments + "/" + name + "/scale", patch, "application/merge-patch+json");
    REQUIRE_MESSAGE(res.status == 200, res.body);
}

bool all_gone(const std::vector<pid_t>& pids) {
    return std::all_of(pids.begin(), pids.end(), [](pid_t p) { return gone(p); });
}

}  // namespace

TEST_SUITE("kube stand-in: controllers and kubelet") {
    TEST_CASE(
        "kube cluster: a Deployment's pod runs on 127.0.1.N, turns Ready, is listed ready "
        "in the Service's EndpointSlice and answers") {
        Cluster c;
        deploy(c, "echo", "cat", 1);
        const auto ready = wait_ready(c, "echo", 1);
        // The real API server refuses loopback addresses in EndpointSlices (transcripts 57, 58);
        // the stand-in lists them, because its pods really are on 127.0.1.N.
        CHECK(ready[0].starts_with("127.0.1."));
        const http::Response res = c.invoke(ready[0], "hello");
        CHECK(res.status == 200);
        CHECK(res.body == "hello");

        const kube::Value pods = c.get("/api/v1/namespaces/openfaas-fn/pods");
        REQUIRE(pods.find("items")->size() == 1);
        const kube::Value& pod = pods.find("items")->items().front();
        CHECK(pod.string_at({"status", "phase"}) == "Running");
        CHECK(pod.string_at({"status", "podIP"}) == ready[0]);
        CHECK(pod.string_at({"spec", "nodeName"}) == "fake-node-1");
        const std::string hash = pod.string_at({"metadata", "labels", "pod-template-hash"});
        CHECK(pod.string_at({"metadata", "name"}).starts_with("echo-" + hash + "-"));
        CHECK(pod.at({"metadata", "ownerReferences"})->items().front().string_at({"kind"}) ==
              "ReplicaSet");

        const kube::Value slices = c.get(
            "/apis/discovery.k8s.io/v1/namespaces/openfaas-fn/endpointslices"
            "?labelSelector=kubernetes.io/service-name=echo");
        const kube::Value& slice = slices.find("items")->items().front();
        CHECK(slice.string_at({"metadata", "generateName"}) == "echo-");
        CHECK(slice.string_at({"metadata", "labels", "endpointslice.kubernetes.io/managed-by"}) ==
              "endpointslice-controller.k8s.io");
        CHECK(slice.string_at({"addressType"}) == "IPv4");
        CHECK(slice.at({"ports"})->items().front().int_at({"port"}) == 8080);

        kube::Value d;
        CHECK(wait_until(
            [&] {
                d = c.get(kDeployments + "/echo");
                return d.int_at({"status", "availableReplicas"}) == 1;
            },
            10s, 50ms));
        CHECK(d.int_at({"status", "readyReplicas"}) == 1);
        CHECK(d.at({"status", "unavailableReplicas"}) == nullptr);
    }

    TEST_CASE(
        "kube cluster: scale to 3 gives three distinct answering addresses; scale to 0 "
        "empties the slice and ends the processes") {
        Cluster c;
        deploy(c, "echo", "cat", 1);
        wait_ready(c, "echo", 1);
        scale(c, "echo", 3);
        const auto ready = wait_ready(c, "echo", 3);
        CHECK(std::set<std::string>(ready.begin(), ready.end()).size() == 3);
        for (const std::string& ip : ready) {
            const http::Response res = c.invoke(ip, ip);
            CHECK(res.status == 200);
            CHECK(res.body == ip);
        }
        const std::vector<pid_t> pids = c.container_pids();
        CHECK(pids.size() == 3);

        scale(c, "echo", 0);
        CHECK(wait_until([&] { return c.endpoints(kNs, "echo").empty(); }, 20s, 100ms));
        CHECK(wait_until([&] { return all_gone(pids); }, 20s, 50ms));
        CHECK(c.container_pids().empty());
        kube::Value d;
        CHECK(wait_until(
            [&] {
                d = c.get(kDeployments + "/echo");
                return d.at({"status", "replicas"}) == nullptr;
            },
            10s, 50ms));
        CHECK(d.at({"status", "updatedReplicas"}) == nullptr);
    }

    TEST_CASE(
        "kube cluster: a template change rolls the pods with a ready endpoint answering "
        "at every moment") {
        Cluster c;
        deploy(c, "echo", "cat", 2);
        const auto before = wait_ready(c, "echo", 2);
        const std::string patch =
            R"({"spec":{"template":{"spec":{"containers":[{"name":"echo","env":)"
            R"([{"name":"fprocess","value":"tr a-z A-Z"}]}]}}}})";
        const auto res =
            c.api("PATCH", kDeployments + "/echo", patch, "application/strategic-merge-patch+json");
        REQUIRE_MESSAGE(res.status == 200, res.body);
        int calls = 0;
        int failed = 0;
        bool rolled = false;
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (!rolled && std::chrono::steady_clock::now() < deadline) {
            const auto ready = c.ready_addresses(kNs, "echo");
            REQUIRE_MESSAGE(!ready.empty(), "no ready endpoint during the roll");
            int upper = 0;
            for (const std::string& ip : ready) {
                const http::Response r = c.invoke(ip, "hello");
                ++calls;
                failed += r.status == 200 ? 0 : 1;
                upper += r.body == "HELLO" ? 1 : 0;
            }
            rolled = ready.size() == 2 && upper == 2 && c.endpoints(kNs, "echo").size() == 2;
        }
        CHECK(rolled);
        CHECK(failed == 0);
        MESSAGE("calls during the roll: " << calls);
        const kube::Value sets = c.get(
            "/apis/apps/v1/namespaces/openfaas-fn/replicasets?labelSelector=faas_function=echo");
        CHECK(sets.find("items")->size() == 2);  // the old one kept at 0 (revision history)
        const kube::Value d = c.get(kDeployments + "/echo");
        CHECK(d.string_at({"metadata", "annotations", "deployment.kubernetes.io/revision"}) == "2");
    }

    TEST_CASE(
        "kube cluster: deleting the Deployment and the Service removes the ReplicaSets, the "
        "pods, the slice and every process") {
        Cluster c;
        deploy(c, "echo", "cat", 2);
        wait_ready(c, "echo", 2);
        const std::vector<pid_t> pids = c.container_pids();
        REQUIRE(pids.size() == 2);
        const std::string background = R"({"kind":"DeleteOptions","apiVersion":"v1",)"
                                       R"("propagationPolicy":"Background"})";
        CHECK(c.api("DELETE", kDeployments + "/echo", background).status == 200);
        CHECK(c.api("DELETE", kServices + "/echo").status == 200);
        const std::string rs = "/apis/apps/v1/namespaces/openfaas-fn/replicasets";
        const std::string slices =
            "/apis/discovery.k8s.io/v1/namespaces/openfaas-fn/endpointslices";
        CHECK(wait_until([&] { return c.get(rs).find("items")->empty(); }, 20s, 50ms));
        CHECK(wait_until([&] { return c.get(slices).find("items")->empty(); }, 20s, 50ms));
        CHECK(
            wait_until([&] { return c.pod_names(kNs, "faas_function=echo").empty(); }, 20s, 50ms));
        CHECK(all_gone(pids));
        CHECK(c.container_pids().empty());
    }
}

}  // namespace faas::test
