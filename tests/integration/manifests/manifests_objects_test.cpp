// compose/kubernetes as `kubectl apply -k` sends it: every object the platform needs, in its
// namespace, Services that reach pods, references that resolve, and JSON an API server takes.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/json/json.hpp"
#include "tests/integration/manifests/query.hpp"
#include "tests/integration/manifests/rendered.hpp"

namespace m = faas::test::manifests;

namespace {

// A generated ConfigMap's name carries a hash of its data ("prometheus-config-mfch85hfbk").
std::string stable_id(const m::Object& o) {
    std::string name = o.name;
    const auto dash = name.rfind('-');
    if (o.kind == "ConfigMap" && dash != std::string::npos && name.size() - dash - 1 == 10) {
        name.resize(dash);
    }
    return o.kind + " " + (o.ns.empty() ? name : o.ns + "/" + name);
}

bool labels_match(const YAML::Node& selector, const YAML::Node& labels) {
    for (const auto& pair : selector) {
        if (m::scalar(labels, {pair.first.Scalar().c_str()}) != pair.second.Scalar()) {
            return false;
        }
    }
    return true;
}

// The ports every container of a pod template declares, by name and by number.
std::set<std::string> declared_ports(const YAML::Node& pod_spec) {
    std::set<std::string> out;
    for (const YAML::Node& c : pod_spec["containers"]) {
        for (const YAML::Node& p : c["ports"]) {
            out.insert(m::scalar(p, {"name"}));
            out.insert(m::scalar(p, {"containerPort"}));
        }
    }
    return out;
}

// The volumes a pod may mount: its own and (StatefulSet) its claim templates.
std::set<std::string> volume_names(const m::PodTemplate& t) {
    std::set<std::string> out;
    for (const YAML::Node& v : t.spec["volumes"]) {
        out.insert(m::scalar(v, {"name"}));
    }
    for (const YAML::Node& claim : t.owner->node["spec"]["volumeClaimTemplates"]) {
        out.insert(m::scalar(claim, {"metadata", "name"}));
    }
    return out;
}

}  // namespace

TEST_SUITE_BEGIN("manifests.objects");

TEST_CASE("manifests: kubectl kustomize renders every object of the platform in its namespace") {
    const std::vector<m::Object> objects = m::render();
    std::set<std::string> ids;
    for (const m::Object& o : objects) {
        CHECK_MESSAGE(ids.insert(stable_id(o)).second, "twice: ", o.id());
    }
    const std::set<std::string> expected = {
        "Namespace openfaas",
        "Namespace openfaas-fn",
        "ServiceAccount openfaas/faas-provider",
        "Role openfaas-fn/faas-provider",
        "RoleBinding openfaas-fn/faas-provider",
        "Role openfaas/faas-provider-queue-worker",
        "RoleBinding openfaas/faas-provider-queue-worker",
        "ClusterRole faas-provider-namespaces",
        "ClusterRoleBinding faas-provider-namespaces",
        "ConfigMap openfaas/prometheus-config",
        "ConfigMap openfaas/alertmanager-config",
        "Deployment openfaas/gateway",
        "Deployment openfaas/queue-worker",
        "Deployment openfaas/prometheus",
        "Deployment openfaas/alertmanager",
        "StatefulSet openfaas/nats",
        "Service openfaas/gateway",
        "Service openfaas/gateway-external",
        "Service openfaas/gateway-metrics",
        "Service openfaas/queue-worker",
        "Service openfaas/nats",
        "Service openfaas/nats-headless",
        "Service openfaas/prometheus",
        "Service openfaas/alertmanager",
    };
    CHECK(ids == expected);
    // kubectl's order, which creating them one by one (apply, or the stand-in API server) needs:
    // a namespace before anything in it.
    std::set<std::string> namespaces;
    for (const m::Object& o : objects) {
        if (o.kind == "Namespace") {
            namespaces.insert(o.name);
        } else if (!o.ns.empty()) {
            CHECK_MESSAGE(namespaces.contains(o.ns), o.id(), " comes before its namespace");
        }
    }

    const m::Object* fn_ns = m::find(objects, "Namespace", "", "openfaas-fn");
    REQUIRE(fn_ns != nullptr);
    // The provider serves the namespaces labelled openfaas=1, and only those.
    CHECK(m::scalar(fn_ns->node, {"metadata", "labels", "openfaas"}) == "1");
    const m::Object* platform_ns = m::find(objects, "Namespace", "", "openfaas");
    REQUIRE(platform_ns != nullptr);
    CHECK(m::scalar(platform_ns->node, {"metadata", "labels", "openfaas"}).empty());
    CHECK(m::scalar(platform_ns->node,
                    {"metadata", "labels", "pod-security.kubernetes.io/enforce"}) == "restricted");
}

TEST_CASE("manifests: every Service selects the pods of a workload, on ports they declare") {
    const std::vector<m::Object> objects = m::render();
    const std::vector<m::PodTemplate> templates = m::pod_templates(objects);
    int services = 0;
    for (const m::Object& svc : objects) {
        if (svc.kind != "Service") {
            continue;
        }
        ++services;
        CAPTURE(svc.id());
        const YAML::Node selector = svc.node["spec"]["selector"];
        REQUIRE(selector.IsMap());
        REQUIRE(selector.size() > 0);
        std::set<std::string> ports;
        int selected = 0;
        for (const m::PodTemplate& t : templates) {
            if (t.owner->ns == svc.ns && labels_match(selector, t.labels)) {
                ++selected;
                ports.merge(declared_ports(t.spec));
            }
        }
        CHECK(selected == 1);
        REQUIRE(svc.node["spec"]["ports"].size() > 0);
        for (const YAML::Node& p : svc.node["spec"]["ports"]) {
            const std::string target = m::scalar(p, {"targetPort"});
            CHECK_MESSAGE(ports.contains(target.empty() ? m::scalar(p, {"port"}) : target),
                          "port ", m::scalar(p, {"name"}), " targets ", target);
        }
    }
    CHECK(services == 8);

    const m::Object* external = m::find(objects, "Service", "openfaas", "gateway-external");
    REQUIRE(external != nullptr);
    CHECK(m::scalar(external->node, {"spec", "type"}) == "NodePort");
    CHECK(m::scalar(external->node["spec"]["ports"][0], {"nodePort"}) == "31112");
    // StatefulSet pods get their DNS names from a headless governing Service.
    const m::Object* nats = m::find(objects, "StatefulSet", "openfaas", "nats");
    REQUIRE(nats != nullptr);
    const m::Object* governing = m::find(objects, "Service", "openfaas",
                                         m::scalar(nats->node, {"spec", "serviceName"}));
    REQUIRE(governing != nullptr);
    CHECK(m::scalar(governing->node, {"spec", "clusterIP"}) == "None");
}

TEST_CASE("manifests: mounts name declared volumes and volumes name objects that exist") {
    const std::vector<m::Object> objects = m::render();
    for (const m::PodTemplate& t : m::pod_templates(objects)) {
        CAPTURE(t.owner->id());
        const std::set<std::string> volumes = volume_names(t);
        for (const YAML::Node& c : t.spec["containers"]) {
            for (const YAML::Node& mount : c["volumeMounts"]) {
                CHECK_MESSAGE(volumes.contains(m::scalar(mount, {"name"})),
                              m::scalar(c, {"name"}), " mounts ", m::scalar(mount, {"name"}));
            }
        }
        for (const YAML::Node& v : t.spec["volumes"]) {
            const std::string config_map = m::scalar(v, {"configMap", "name"});
            if (!config_map.empty()) {
                CHECK_MESSAGE(m::find(objects, "ConfigMap", t.owner->ns, config_map) != nullptr,
                              "ConfigMap ", config_map);
            }
            // The one Secret the platform reads is made by hand (README.md), never rendered.
            const std::string secret = m::scalar(v, {"secret", "secretName"});
            CHECK((secret.empty() || secret == "basic-auth"));
            if (v["secret"]) {
                for (const YAML::Node& item : v["secret"]["items"]) {
                    CHECK(m::scalar(item, {"key"}) == "basic-auth-password");
                }
            }
        }
    }
}

TEST_CASE("manifests: every object converts to the JSON an API server is sent, typed") {
    const std::vector<m::Object> objects = m::render();
    for (const m::Object& o : objects) {
        CAPTURE(o.id());
        auto doc = faas::json::parse(o.json());
        REQUIRE(doc.ok());
        std::string_view kind;
        REQUIRE(doc->root().at_pointer("/kind").get(kind) == simdjson::SUCCESS);
        CHECK(kind == o.kind);
    }
    const m::Object* gateway = m::find(objects, "Deployment", "openfaas", "gateway");
    REQUIRE(gateway != nullptr);
    auto doc = faas::json::parse(gateway->json());
    REQUIRE(doc.ok());
    const simdjson::dom::element root = doc->root();
    std::int64_t port = 0;
    CHECK(root.at_pointer("/spec/template/spec/containers/0/ports/0/containerPort").get(port) ==
          simdjson::SUCCESS);
    CHECK(port == 8080);
    bool read_only = false;
    CHECK(root.at_pointer("/spec/template/spec/containers/0/securityContext/"
                          "readOnlyRootFilesystem")
              .get(read_only) == simdjson::SUCCESS);
    CHECK(read_only);
    std::string_view user_namespace_label;
    auto fn_ns = faas::json::parse(m::find(objects, "Namespace", "", "openfaas-fn")->json());
    REQUIRE(fn_ns.ok());
    // Quoted in YAML, so a string in JSON: a label value is never a number.
    CHECK(fn_ns->root().at_pointer("/metadata/labels/openfaas").get(user_namespace_label) ==
          simdjson::SUCCESS);
    CHECK(user_namespace_label == "1");

    CHECK(gateway->collection_path() == "/apis/apps/v1/namespaces/openfaas/deployments");
    CHECK(m::find(objects, "Namespace", "", "openfaas")->collection_path() == "/api/v1/namespaces");
    CHECK(m::find(objects, "ClusterRole", "", "faas-provider-namespaces")->collection_path() ==
          "/apis/rbac.authorization.k8s.io/v1/clusterroles");
    CHECK(m::find(objects, "Service", "openfaas", "nats")->collection_path() ==
          "/api/v1/namespaces/openfaas/services");
}

TEST_SUITE_END();
