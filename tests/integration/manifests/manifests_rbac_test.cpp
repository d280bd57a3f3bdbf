// The provider's permissions in compose/kubernetes: exactly what the Kubernetes back end uses,
// bound to the service account the provider runs as, with its token in the provider alone.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "tests/integration/manifests/query.hpp"
#include "tests/integration/manifests/rendered.hpp"

namespace m = faas::test::manifests;

namespace {

using Verbs = std::set<std::string>;
// "<apiGroup>/<resource>" ("/services" for the core group) -> verbs.
using Grants = std::map<std::string, Verbs>;

// A Role's rules as grants, failing on a wildcard anywhere.
Grants grants_of(const m::Object& role) {
    Grants out;
    for (const YAML::Node& rule : role.node["rules"]) {
        for (const std::string& group : m::strings(rule["apiGroups"])) {
            for (const std::string& resource : m::strings(rule["resources"])) {
                CHECK_MESSAGE(group != "*", role.id());
                CHECK_MESSAGE(resource != "*", role.id());
                std::string key = group;
                key.append("/").append(resource);
                for (const std::string& verb : m::strings(rule["verbs"])) {
                    CHECK_MESSAGE(verb != "*", role.id());
                    out[key].insert(verb);
                }
            }
        }
    }
    return out;
}

void check_binding(const std::vector<m::Object>& objects,
                   const std::string& kind,
                   const std::string& ns,
                   const std::string& name,
                   const std::string& role_kind) {
    CAPTURE(kind + " " + name);
    const m::Object* binding = m::find(objects, kind, ns, name);
    REQUIRE(binding != nullptr);
    CHECK(m::scalar(binding->node, {"roleRef", "kind"}) == role_kind);
    CHECK(m::find(objects, role_kind, ns, m::scalar(binding->node, {"roleRef", "name"})) !=
          nullptr);
    const YAML::Node subjects = binding->node["subjects"];
    REQUIRE(subjects.size() == 1);
    CHECK(m::scalar(subjects[0], {"kind"}) == "ServiceAccount");
    CHECK(m::scalar(subjects[0], {"name"}) == "faas-provider");
    CHECK(m::scalar(subjects[0], {"namespace"}) == "openfaas");
}

}  // namespace

TEST_SUITE_BEGIN("manifests.rbac");

TEST_CASE("manifests: the provider's Role in openfaas-fn grants the back end's needs, no more") {
    const std::vector<m::Object> objects = m::render();
    const m::Object* role = m::find(objects, "Role", "openfaas-fn", "faas-provider");
    REQUIRE(role != nullptr);
    const Grants expected = {
        {"apps/deployments", {"get", "list", "watch", "create", "update", "delete"}},
        {"apps/deployments/scale", {"get", "update", "patch"}},
        {"/services", {"get", "create", "update", "delete"}},
        {"/secrets", {"get", "list", "create", "update", "delete"}},
        {"/pods", {"get", "list", "watch"}},
        {"/pods/log", {"get"}},
        {"discovery.k8s.io/endpointslices", {"list", "watch"}},
    };
    CHECK(grants_of(*role) == expected);
    // Not limited to named objects: functions come and go.
    for (const YAML::Node& rule : role->node["rules"]) {
        CHECK_FALSE(rule["resourceNames"]);
    }
    check_binding(objects, "RoleBinding", "openfaas-fn", "faas-provider", "Role");
}

TEST_CASE("manifests: in openfaas the provider may scale the queue-worker Deployment alone") {
    const std::vector<m::Object> objects = m::render();
    const m::Object* role = m::find(objects, "Role", "openfaas", "faas-provider-queue-worker");
    REQUIRE(role != nullptr);
    const Grants expected = {
        {"apps/deployments", {"get", "update", "patch"}},
        {"apps/deployments/scale", {"get", "update", "patch"}},
    };
    CHECK(grants_of(*role) == expected);
    for (const YAML::Node& rule : role->node["rules"]) {
        CHECK(m::strings(rule["resourceNames"]) == std::vector<std::string>{"queue-worker"});
    }
    CHECK(m::find(objects, "Deployment", "openfaas", "queue-worker") != nullptr);
    check_binding(objects, "RoleBinding", "openfaas", "faas-provider-queue-worker", "Role");

    // The only Roles there are: nothing else in the cluster is granted to anyone.
    int roles = 0;
    for (const m::Object& o : objects) {
        roles += o.kind == "Role" || o.kind == "ClusterRole" ? 1 : 0;
    }
    CHECK(roles == 3);
}

TEST_CASE("manifests: cluster-wide, the provider only reads namespaces") {
    const std::vector<m::Object> objects = m::render();
    const m::Object* role = m::find(objects, "ClusterRole", "", "faas-provider-namespaces");
    REQUIRE(role != nullptr);
    const Grants expected = {{"/namespaces", {"get", "list", "watch"}}};
    CHECK(grants_of(*role) == expected);
    CHECK_FALSE(role->node["aggregationRule"]);
    check_binding(objects, "ClusterRoleBinding", "", "faas-provider-namespaces", "ClusterRole");
}

TEST_CASE("manifests: the provider runs as faas-provider and only its container has the token") {
    const std::vector<m::Object> objects = m::render();
    const m::Object* account = m::find(objects, "ServiceAccount", "openfaas", "faas-provider");
    REQUIRE(account != nullptr);
    CHECK(m::scalar(account->node, {"automountServiceAccountToken"}) == "false");

    const m::PodTemplate gateway = m::pod_template(objects, "Deployment", "gateway");
    CHECK(m::scalar(gateway.spec, {"serviceAccountName"}) == "faas-provider");
    CHECK(m::scalar(gateway.spec, {"automountServiceAccountToken"}) == "false");
    const std::string sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
    std::string token_volume;
    for (const YAML::Node& c : gateway.spec["containers"]) {
        for (const YAML::Node& mount : c["volumeMounts"]) {
            if (m::scalar(mount, {"mountPath"}) == sa_dir) {
                CHECK(m::scalar(c, {"name"}) == "provider");
                token_volume = m::scalar(mount, {"name"});
            }
        }
    }
    REQUIRE_FALSE(token_volume.empty());
    // The projected volume the kubelet would make: a bound token, the cluster CA, the namespace.
    std::set<std::string> files;
    for (const YAML::Node& v : gateway.spec["volumes"]) {
        if (m::scalar(v, {"name"}) != token_volume) {
            continue;
        }
        REQUIRE(v["projected"]);
        for (const YAML::Node& source : v["projected"]["sources"]) {
            if (source["serviceAccountToken"]) {
                files.insert(m::scalar(source, {"serviceAccountToken", "path"}));
            } else if (source["configMap"]) {
                CHECK(m::scalar(source, {"configMap", "name"}) == "kube-root-ca.crt");
                files.insert(m::scalar(source["configMap"]["items"][0], {"path"}));
            } else if (source["downwardAPI"]) {
                files.insert(m::scalar(source["downwardAPI"]["items"][0], {"path"}));
            }
        }
    }
    CHECK(files == std::set<std::string>{"token", "ca.crt", "namespace"});

    // No other pod talks to the API server, so none gets a token.
    for (const m::PodTemplate& t : m::pod_templates(objects)) {
        CAPTURE(t.owner->id());
        CHECK(m::scalar(t.spec, {"automountServiceAccountToken"}) == "false");
        if (t.owner->name != "gateway") {
            CHECK(m::scalar(t.spec, {"serviceAccountName"}).empty());
        }
    }
}

TEST_SUITE_END();
