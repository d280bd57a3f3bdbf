// The platform's pods in compose/kubernetes: images scripts/images.sh builds, resources,
// probes and the restricted security profile on every container; NATS on a claimed volume;
// the gateway, provider and queue-worker wired to each other as on Swarm.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "tests/integration/manifests/query.hpp"
#include "tests/integration/manifests/rendered.hpp"

namespace m = faas::test::manifests;

namespace {

// Ports a probe may name: the container's own, by name or number.
std::set<std::string> ports_of(const YAML::Node& c) {
    std::set<std::string> out;
    for (const YAML::Node& p : c["ports"]) {
        out.insert(m::scalar(p, {"name"}));
        out.insert(m::scalar(p, {"containerPort"}));
    }
    return out;
}

void check_probe(const YAML::Node& c, const char* which) {
    CAPTURE(which);
    const YAML::Node probe = c[which];
    REQUIRE(probe.IsMap());
    const std::string http_port = m::scalar(probe, {"httpGet", "port"});
    const std::string tcp_port = m::scalar(probe, {"tcpSocket", "port"});
    const std::string port = http_port.empty() ? tcp_port : http_port;
    CHECK(ports_of(c).contains(port));
    if (!http_port.empty()) {
        CHECK(m::scalar(probe, {"httpGet", "path"}).starts_with("/"));
    }
}

// What the namespace's "restricted" Pod Security Standard asks of each container.
void check_restricted(const YAML::Node& pod_spec, const YAML::Node& c) {
    const auto either = [&](const char* key) {
        const std::string own = m::scalar(c, {"securityContext", key});
        return own.empty() ? m::scalar(pod_spec, {"securityContext", key}) : own;
    };
    CHECK(either("runAsNonRoot") == "true");
    CHECK(either("runAsUser") != "0");
    CHECK(m::scalar(pod_spec, {"securityContext", "seccompProfile", "type"}) == "RuntimeDefault");
    CHECK(m::scalar(c, {"securityContext", "allowPrivilegeEscalation"}) == "false");
    CHECK(m::scalar(c, {"securityContext", "readOnlyRootFilesystem"}) == "true");
    CHECK(m::strings(c["securityContext"]["capabilities"]["drop"]) ==
          std::vector<std::string>{"ALL"});
}

// True when some argument equals `flag`, or `flag` then `value` follow each other.
bool has_args(const YAML::Node& c, const std::string& flag, const std::string& value = "") {
    const std::vector<std::string> args = m::strings(c["args"]);
    const auto it = std::find(args.begin(), args.end(), flag);
    return it != args.end() && (value.empty() || (it + 1 != args.end() && *(it + 1) == value));
}

}  // namespace

TEST_SUITE_BEGIN("manifests.workloads");

TEST_CASE("manifests: every container runs an image scripts/images.sh builds, loaded locally") {
    const std::vector<m::Object> objects = m::render();
    const std::set<std::string> built =
        m::built_images(m::source_dir() / "scripts" / "images.sh");
    REQUIRE(built.contains("faas/gateway"));
    std::set<std::string> used;
    for (const m::PodTemplate& t : m::pod_templates(objects)) {
        for (const YAML::Node& c : t.spec["containers"]) {
            CAPTURE(t.owner->id() + " " + m::scalar(c, {"name"}));
            const std::string image = m::scalar(c, {"image"});
            const auto colon = image.rfind(':');
            REQUIRE(colon != std::string::npos);
            CHECK(built.contains(image.substr(0, colon)));
            // `latest` or a build's git sha: both are tags images.sh gives (kustomization.yaml).
            CHECK_FALSE(image.substr(colon + 1).empty());
            CHECK(image.find('@') == std::string::npos);  // a digest needs a registry
            used.insert(image.substr(0, colon));
            // No registry: the node's runtime must not try to pull.
            const std::string pull = m::scalar(c, {"imagePullPolicy"});
            CHECK((pull == "IfNotPresent" || pull == "Never"));
        }
        CHECK_FALSE(t.spec["initContainers"]);
    }
    // Every platform image is used; the function base (watchdog) is the provider's to deploy.
    std::set<std::string> expected = built;
    expected.erase("faas/watchdog");
    CHECK(used == expected);
}

TEST_CASE("manifests: every container has requests, a memory limit, probes and no privileges") {
    const std::vector<m::Object> objects = m::render();
    int containers = 0;
    for (const m::PodTemplate& t : m::pod_templates(objects)) {
        for (const YAML::Node& c : t.spec["containers"]) {
            ++containers;
            CAPTURE(t.owner->id() + " " + m::scalar(c, {"name"}));
            CHECK_FALSE(m::scalar(c, {"resources", "requests", "cpu"}).empty());
            CHECK_FALSE(m::scalar(c, {"resources", "requests", "memory"}).empty());
            CHECK_FALSE(m::scalar(c, {"resources", "limits", "memory"}).empty());
            check_probe(c, "readinessProbe");
            check_probe(c, "livenessProbe");
            check_restricted(t.spec, c);
        }
    }
    CHECK(containers == 6);
}

TEST_CASE("manifests: NATS is a StatefulSet with JetStream storing on its claimed volume") {
    const std::vector<m::Object> objects = m::render();
    const m::PodTemplate nats = m::pod_template(objects, "StatefulSet", "nats");
    const YAML::Node claims = nats.owner->node["spec"]["volumeClaimTemplates"];
    REQUIRE(claims.size() == 1);
    const std::string claim = m::scalar(claims[0], {"metadata", "name"});
    CHECK(m::strings(claims[0]["spec"]["accessModes"]) ==
          std::vector<std::string>{"ReadWriteOnce"});
    CHECK_FALSE(m::scalar(claims[0], {"spec", "resources", "requests", "storage"}).empty());
    const YAML::Node c = m::container(nats.spec, "nats");
    REQUIRE(c);
    CHECK(has_args(c, "--jetstream"));
    CHECK(has_args(c, "--store_dir", "/data"));
    bool mounted = false;
    for (const YAML::Node& mount : c["volumeMounts"]) {
        mounted = mounted || (m::scalar(mount, {"name"}) == claim &&
                              m::scalar(mount, {"mountPath"}) == "/data");
    }
    CHECK(mounted);
    // The volume is writable by the image's user (nobody) where the provisioner honours it.
    CHECK(m::scalar(nats.spec, {"securityContext", "fsGroup"}) == "65534");
}

TEST_CASE("manifests: gateway, provider and queue-worker are wired as the Swarm stack wires them") {
    const std::vector<m::Object> objects = m::render();
    const m::PodTemplate pod = m::pod_template(objects, "Deployment", "gateway");
    const YAML::Node gateway = m::container(pod.spec, "gateway");
    const YAML::Node provider = m::container(pod.spec, "provider");
    REQUIRE(gateway);
    REQUIRE(provider);
    // One pod: the gateway reaches the provider on localhost.
    CHECK(m::env_value(gateway, "functions_provider_url") == "http://127.0.0.1:8081/");
    CHECK(m::env_value(provider, "backend") == "kubernetes");
    CHECK(m::env_value(gateway, "function_namespace") == "openfaas-fn");
    CHECK(m::env_value(provider, "function_namespace") == "openfaas-fn");
    CHECK(m::env_value(provider, "image_pull_policy") == "IfNotPresent");
    CHECK(m::env_value(provider, "queue_worker_service") == "queue-worker");
    CHECK(m::find(objects, "Service", "openfaas", m::env_value(gateway, "faas_nats_address")) !=
          nullptr);

    // Basic auth on both, reading the files of the basic-auth Secret where it is mounted.
    for (const YAML::Node& c : {gateway, provider}) {
        CAPTURE(m::scalar(c, {"name"}));
        CHECK(m::env_value(c, "basic_auth") == "true");
        std::string path = m::env_value(c, "secret_mount_path");
        REQUIRE_FALSE(path.empty());
        path.erase(path.find_last_not_of('/') + 1);
        bool mounted = false;
        for (const YAML::Node& mount : c["volumeMounts"]) {
            mounted = mounted || (m::scalar(mount, {"mountPath"}) == path &&
                                  m::scalar(mount, {"name"}) == "basic-auth");
        }
        CHECK(mounted);
    }

    const YAML::Node worker =
        m::container(m::pod_template(objects, "Deployment", "queue-worker").spec, "queue-worker");
    REQUIRE(worker);
    CHECK(m::find(objects, "Service", "openfaas", m::env_value(worker, "faas_gateway_address")) !=
          nullptr);
    CHECK(m::env_value(worker, "faas_gateway_port") == "8080");
    CHECK(m::find(objects, "Service", "openfaas", m::env_value(worker, "faas_nats_address")) !=
          nullptr);
}

TEST_SUITE_END();
