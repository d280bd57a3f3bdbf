// The Kubernetes objects the back end writes (provider/backends/kubernetes/spec.hpp), field by
// field, and against the request bodies the real API server accepted (transcripts 20 and 80).
#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "core/text/text.hpp"
#include "provider/backends/kubernetes/parse.hpp"
#include "provider/backends/kubernetes/spec.hpp"
#include "tests/support/printers.hpp"
#include "tests/unit/provider/backends/kubernetes/json_leaves.hpp"
#include "tests/unit/provider/backends/kubernetes/transcripts.hpp"

namespace kube = faas::provider::kubernetes;
using faas::openfaas::FunctionDeployment;
using faas::openfaas::StringMap;
using faas::test::kube::leaves;
using faas::test::kube::transcript;

namespace {

// The deployment transcript 20 created: echo, cat, one secret, limits.
FunctionDeployment echo() {
    FunctionDeployment d;
    d.service = "echo";
    d.namespace_ = "openfaas-fn";
    d.image = "functions/alpine:latest";
    d.env_process = "cat";
    d.annotations = StringMap{{"prometheus.io.scrape", "false"}};
    d.limits = faas::openfaas::FunctionResources{"128Mi", "100m", {}};
    d.secrets = {"echo-api-key"};
    return d;
}

// Everything a deployment can carry.
FunctionDeployment full() {
    FunctionDeployment d = echo();
    d.env_vars = StringMap{{"write_debug", "true"}, {"a", "1"}};
    d.labels = StringMap{{"team", "a"}, {"com.openfaas.scale.min", "2"}};
    d.requests = faas::openfaas::FunctionResources{"64Mi", "50m", {}};
    d.limits->other = StringMap{{"nvidia.com/gpu", "1"}};
    d.constraints = {"node.platform.os == linux", "disk=ssd"};
    d.secrets = {"api-key", "db-password"};
    d.read_only_root_filesystem = true;
    return d;
}

std::map<std::string, std::string> deployment_leaves(const FunctionDeployment& d,
                                                     const kube::DeploymentOptions& o) {
    auto json = kube::deployment_json(d, o);
    REQUIRE(json.ok());
    auto l = leaves(*json);
    REQUIRE(!l.empty());
    return l;
}

std::string q(const std::string& s) {
    return "\"" + s + "\"";
}

}  // namespace

TEST_SUITE("provider kubernetes spec") {

TEST_CASE("kubernetes spec: the Deployment has every field the real server was sent (20)") {
    const auto sent = leaves(transcript("20-deploy-create.json").request_body);
    REQUIRE(sent.size() > 20);
    const auto ours = deployment_leaves(echo(), kube::DeploymentOptions{});
    for (const auto& field : sent) {
        INFO("field " << field.first);
        REQUIRE(ours.contains(field.first));
        CHECK(ours.at(field.first) == field.second);
    }
}

TEST_CASE("kubernetes spec: a full deployment, field by field") {
    kube::DeploymentOptions o;
    o.replicas = 2;
    o.image_pull_policy = "IfNotPresent";
    o.resource_version = "271";
    const auto l = deployment_leaves(full(), o);
    const std::string c = "/spec/template/spec/containers/0";
    CHECK(l.at("/apiVersion") == q("apps/v1"));
    CHECK(l.at("/kind") == q("Deployment"));
    CHECK(l.at("/metadata/name") == q("echo"));
    CHECK(l.at("/metadata/namespace") == q("openfaas-fn"));
    CHECK(l.at("/metadata/resourceVersion") == q("271"));
    CHECK(l.at("/metadata/labels/faas_function") == q("echo"));
    CHECK(l.at("/metadata/labels/team") == q("a"));
    CHECK(l.at("/metadata/annotations/prometheus.io.scrape") == q("false"));
    CHECK(l.at("/spec/replicas") == "2");
    CHECK(l.at("/spec/selector/matchLabels/faas_function") == q("echo"));
    CHECK(l.at("/spec/strategy/type") == q("RollingUpdate"));
    CHECK(l.at("/spec/strategy/rollingUpdate/maxUnavailable") == "0");
    CHECK(l.at("/spec/strategy/rollingUpdate/maxSurge") == "1");
    CHECK(l.at("/spec/template/metadata/labels/faas_function") == q("echo"));
    CHECK(l.at("/spec/template/metadata/labels/com.openfaas.scale.min") == q("2"));
    CHECK(l.at("/spec/template/metadata/annotations/prometheus.io.scrape") == q("false"));
    CHECK(l.at("/spec/template/spec/nodeSelector/node.platform.os") == q("linux"));
    CHECK(l.at("/spec/template/spec/nodeSelector/disk") == q("ssd"));
    CHECK(l.at(c + "/name") == q("echo"));
    CHECK(l.at(c + "/image") == q("functions/alpine:latest"));
    CHECK(l.at(c + "/imagePullPolicy") == q("IfNotPresent"));
    CHECK(l.at(c + "/env/0/name") == q("fprocess"));
    CHECK(l.at(c + "/env/0/value") == q("cat"));
    CHECK(l.at(c + "/env/1/name") == q("a"));
    CHECK(l.at(c + "/env/2/name") == q("write_debug"));
    CHECK(l.at(c + "/env/2/value") == q("true"));
    CHECK(l.at(c + "/ports/0/containerPort") == "8080");
    CHECK(l.at(c + "/readinessProbe/httpGet/path") == q("/_/health"));
    CHECK(l.at(c + "/readinessProbe/httpGet/port") == "8080");
    CHECK(l.at(c + "/resources/limits/memory") == q("128Mi"));
    CHECK(l.at(c + "/resources/limits/cpu") == q("100m"));
    CHECK(l.at(c + "/resources/limits/nvidia.com~1gpu") == q("1"));
    CHECK(l.at(c + "/resources/requests/memory") == q("64Mi"));
    CHECK(l.at(c + "/resources/requests/cpu") == q("50m"));
    CHECK(l.at(c + "/securityContext/readOnlyRootFilesystem") == "true");
    CHECK(l.at(c + "/volumeMounts/0/name") == q("echo-projected-secrets"));
    CHECK(l.at(c + "/volumeMounts/0/mountPath") == q("/var/openfaas/secrets"));
    CHECK(l.at(c + "/volumeMounts/0/readOnly") == "true");
    CHECK(l.at(c + "/volumeMounts/1/name") == q("temp"));
    CHECK(l.at(c + "/volumeMounts/1/mountPath") == q("/tmp"));
    const std::string v = "/spec/template/spec/volumes";
    CHECK(l.at(v + "/0/name") == q("echo-projected-secrets"));
    CHECK(l.at(v + "/0/projected/sources/0/secret/name") == q("api-key"));
    CHECK(l.at(v + "/0/projected/sources/1/secret/name") == q("db-password"));
    CHECK(l.at(v + "/1/name") == q("temp"));
    CHECK(l.at(v + "/1/emptyDir") == "{}");
}

TEST_CASE("kubernetes spec: the deployment request is kept whole in an annotation") {
    auto json = kube::deployment_json(full(), kube::DeploymentOptions{});
    REQUIRE(json.ok());
    auto info = kube::parse_deployment(*json);
    REQUIRE(info.ok());
    CHECK(info->is_function);
    const FunctionDeployment& d = info->deployment;
    CHECK(d.service == "echo");
    CHECK(d.env_vars == full().env_vars);
    CHECK(d.labels == full().labels);
    CHECK(d.constraints == full().constraints);
    CHECK(d.secrets == full().secrets);
    CHECK(d.requests == full().requests);
    CHECK(d.limits == full().limits);
    CHECK(d.read_only_root_filesystem);
    // The annotation is ours: it does not show among the user's annotations.
    CHECK(d.annotations == full().annotations);
}

TEST_CASE("kubernetes spec: no secrets and a writable root file system mean no volumes") {
    FunctionDeployment d = echo();
    d.secrets.clear();
    const auto l = deployment_leaves(d, kube::DeploymentOptions{});
    CHECK_FALSE(l.contains("/spec/template/spec/volumes/0/name"));
    CHECK_FALSE(l.contains("/spec/template/spec/containers/0/volumeMounts/0/name"));
    CHECK_FALSE(
        l.contains("/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem"));
    CHECK_FALSE(l.contains("/spec/template/spec/nodeSelector/disk"));
    CHECK_FALSE(l.contains("/metadata/resourceVersion"));
}

TEST_CASE("kubernetes spec: constraints are key=value or key==value") {
    auto a = kube::parse_constraint("node.platform.os == linux");
    REQUIRE(a.ok());
    CHECK(a->key == "node.platform.os");
    CHECK(a->value == "linux");
    auto b = kube::parse_constraint("kubernetes.io/arch=arm64");
    REQUIRE(b.ok());
    CHECK(b->key == "kubernetes.io/arch");
    CHECK(b->value == "arm64");
    CHECK_FALSE(kube::parse_constraint("linux").ok());
    CHECK_FALSE(kube::parse_constraint("=linux").ok());
    FunctionDeployment d = echo();
    d.constraints = {"no-operator"};
    auto json = kube::deployment_json(d, kube::DeploymentOptions{});
    REQUIRE_FALSE(json.ok());
    CHECK(json.error().code == faas::errc::bad_request);
    CHECK(json.error().what().find("no-operator") != std::string::npos);
}

TEST_CASE("kubernetes spec: a Secret has the shape the real server took (80)") {
    const auto sent = leaves(transcript("80-secret-create.json").request_body);
    faas::openfaas::Secret s;
    s.name = "echo-api-key";
    s.namespace_ = "openfaas-fn";
    s.value = "s3cr3t";
    const auto ours = leaves(kube::secret_json(s, ""));
    for (const auto& field : sent) {
        INFO("field " << field.first);
        REQUIRE(ours.contains(field.first));
        // The transcript's owner label was "openfaas"; ours names this provider.
        if (field.first != "/metadata/labels/app.kubernetes.io~1managed-by") {
            CHECK(ours.at(field.first) == field.second);
        }
    }
    CHECK(ours.at("/metadata/labels/app.kubernetes.io~1managed-by") == q("faas"));
    CHECK(ours.size() == sent.size());
    s.raw_value = std::string("\x00\x01", 2);
    const auto raw = leaves(kube::secret_json(s, "652"));
    CHECK(raw.at("/data/echo-api-key") == q(faas::text::base64_encode(s.raw_value)));
    CHECK(raw.at("/metadata/resourceVersion") == q("652"));
}

TEST_CASE("kubernetes spec: the Service, the scale patch and the delete options") {
    const auto svc = leaves(kube::service_json("echo", "openfaas-fn"));
    CHECK(svc.at("/kind") == q("Service"));
    CHECK(svc.at("/metadata/name") == q("echo"));
    CHECK(svc.at("/metadata/namespace") == q("openfaas-fn"));
    CHECK(svc.at("/metadata/labels/faas_function") == q("echo"));
    CHECK(svc.at("/spec/type") == q("ClusterIP"));
    CHECK(svc.at("/spec/selector/faas_function") == q("echo"));
    CHECK(svc.at("/spec/ports/0/port") == "8080");
    CHECK(svc.at("/spec/ports/0/targetPort") == "8080");
    CHECK(svc.at("/spec/ports/0/protocol") == q("TCP"));
    CHECK(kube::scale_patch(0) == R"({"spec":{"replicas":0}})");
    CHECK(leaves(kube::delete_options()).at("/propagationPolicy") == q("Background"));
    CHECK(kube::query_escape("app.kubernetes.io/managed-by=faas") ==
          "app.kubernetes.io%2Fmanaged-by%3Dfaas");
}

TEST_CASE("kubernetes spec: a Namespace keeps the request's labels and annotations") {
    faas::openfaas::FunctionNamespace ns;
    ns.name = "team-a";
    ns.labels = StringMap{{"openfaas", "1"}};
    ns.annotations = StringMap{{"owner", "a"}};
    const auto l = leaves(kube::namespace_json(ns, "12"));
    CHECK(l.at("/metadata/name") == q("team-a"));
    CHECK(l.at("/metadata/labels/openfaas") == q("1"));
    CHECK(l.at("/metadata/annotations/owner") == q("a"));
    CHECK(l.at("/metadata/resourceVersion") == q("12"));
}

}  // TEST_SUITE
