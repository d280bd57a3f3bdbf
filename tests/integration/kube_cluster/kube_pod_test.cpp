// What the stand-in's kubelet gives a single pod: its log through GET pods/<pod>/log (tailLines,
// timestamps, follow), the projected secrets read by the function at /var/openfaas/secrets, and
// a pod that waits in ContainerCreating until its secret exists.
#include <algorithm>
#include <atomic>
#include <thread>

#include <doctest/doctest.h>
#include <unistd.h>

#include "core/text/text.hpp"
#include "tests/integration/kube_cluster/cluster_fixture.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

namespace {

using namespace std::chrono_literals;

const std::string kNs = "openfaas-fn";
const std::string kDeployments = "/apis/apps/v1/namespaces/openfaas-fn/deployments";

void create_namespace(Cluster& c) {
    kube::Value ns = kube::Value::object();
    ns["apiVersion"] = "v1";
    ns["kind"] = "Namespace";
    ns["metadata"]["name"] = kNs;
    REQUIRE(c.api("POST", "/api/v1/namespaces", ns.dump()).status == 201);
}

std::string ready_address(Cluster& c, const std::string& svc) {
    std::vector<std::string> ready;
    REQUIRE(wait_until(
        [&] {
            ready = c.ready_addresses(kNs, svc);
            return ready.size() == 1;
        },
        30s, 100ms));
    return ready.front();
}

kube::Value with_secret(kube::Value d, const std::string& secret) {
    kube::Value source = kube::Value::object();
    source["secret"]["name"] = secret;
    kube::Value volume = kube::Value::object();
    volume["name"] = "secrets";
    volume["projected"]["sources"] = kube::Value::Array{std::move(source)};
    d["spec"]["template"]["spec"]["volumes"] = kube::Value::Array{std::move(volume)};
    kube::Value mount = kube::Value::object();
    mount["name"] = "secrets";
    mount["readOnly"] = true;
    mount["mountPath"] = "/var/openfaas/secrets";
    kube::Value& c = d["spec"]["template"]["spec"]["containers"].items().front();
    c["volumeMounts"] = kube::Value::Array{std::move(mount)};
    return d;
}

kube::Value secret(const std::string& name, const std::string& key, const std::string& value) {
    kube::Value s = kube::Value::object();
    s["apiVersion"] = "v1";
    s["kind"] = "Secret";
    s["metadata"]["name"] = name;
    s["type"] = "Opaque";
    s["data"][key] = text::base64_encode(value);
    return s;
}

}  // namespace

TEST_SUITE("kube stand-in: controllers and kubelet") {
    TEST_CASE(
        "kube cluster: pods/<pod>/log serves the container's lines with tailLines and "
        "timestamps, and follow delivers new lines as they are written") {
        Cluster c;
        create_namespace(c);
        c.create(kDeployments, function_deployment("echo", "cat", 1));
        c.create("/api/v1/namespaces/openfaas-fn/services", function_service("echo"));
        const std::string ip = ready_address(c, "echo");
        const auto pods = c.pod_names(kNs, "faas_function=echo");
        REQUIRE(pods.size() == 1);
        const std::string log = "/api/v1/namespaces/openfaas-fn/pods/" + pods[0] + "/log";

        const http::Response all = c.api("GET", log);
        CHECK(all.status == 200);
        CHECK(all.body.find("Listening on port: 8080") != std::string::npos);
        const http::Response tail = c.api("GET", log + "?tailLines=1");
        CHECK(std::count(tail.body.begin(), tail.body.end(), '\n') == 1);
        const http::Response stamped = c.api("GET", log + "?timestamps=true&tailLines=1");
        CHECK(stamped.body.starts_with("20"));
        CHECK(stamped.body.find("Z ") != std::string::npos);

        std::atomic<bool> seen{false};
        std::thread follower([&] {
            http::SyncClient client;
            http::Request req;
            req.target = log + "?follow=true&tailLines=0";
            req.headers.set("Authorization", "Bearer " + c.server().admin_token());
            http::StreamOptions so;
            so.head_timeout = 10s;
            std::string got;
            (void)client.stream(http::Endpoint("127.0.0.1", c.server().port()), std::move(req), so,
                                [&](std::string_view piece) {
                                    got.append(piece);
                                    seen = got.find("Forking fprocess.") != std::string::npos;
                                    return !seen;
                                });
        });
        const bool called = wait_until(
            [&] {
                (void)c.invoke(ip, "x");  // each call logs "Forking fprocess."
                return seen.load();
            },
            10s, 200ms);
        CHECK(called);
        follower.join();
    }

    TEST_CASE("kube cluster: the function reads its projected secrets at /var/openfaas/secrets") {
        // The kubelet bind-mounts the pod's secrets directory there, as the local back end does:
        // that takes root and mount namespaces, which CI has.
        REQUIRE_MESSAGE(::geteuid() == 0, "the secrets mount needs root");
        Cluster c;
        create_namespace(c);
        c.create("/api/v1/namespaces/openfaas-fn/secrets",
                 secret("echo-api-key", "api-key", "s3cr3t"));
        c.create(kDeployments,
                 with_secret(function_deployment("echo", "cat /var/openfaas/secrets/api-key", 1),
                             "echo-api-key"));
        c.create("/api/v1/namespaces/openfaas-fn/services", function_service("echo"));
        const std::string ip = ready_address(c, "echo");
        const http::Response res = c.invoke(ip, "");
        CHECK(res.status == 200);
        CHECK(res.body == "s3cr3t");
    }

    TEST_CASE(
        "kube cluster: a pod whose secret is missing waits in ContainerCreating and starts "
        "once the secret exists") {
        Cluster c;
        create_namespace(c);
        c.create(kDeployments, with_secret(function_deployment("echo", "cat", 1), "late"));
        c.create("/api/v1/namespaces/openfaas-fn/services", function_service("echo"));
        kube::Value pod;
        CHECK(wait_until(
            [&] {
                const kube::Value list = c.get("/api/v1/namespaces/openfaas-fn/pods");
                if (list.find("items")->empty()) {
                    return false;
                }
                pod = list.find("items")->items().front();
                const kube::Value* cs = pod.at({"status", "containerStatuses"});
                return cs != nullptr && !cs->empty() &&
                       cs->items().front().string_at({"state", "waiting", "reason"}) ==
                           "ContainerCreating";
            },
            10s, 50ms));
        CHECK(pod.string_at({"status", "phase"}) == "Pending");
        CHECK(c.ready_addresses(kNs, "echo").empty());
        c.create("/api/v1/namespaces/openfaas-fn/secrets", secret("late", "k", "v"));
        CHECK(!ready_address(c, "echo").empty());
    }
}

}  // namespace faas::test
