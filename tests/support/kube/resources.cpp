#include "tests/support/kube/resources.hpp"

#include <array>
#include <ctime>

namespace faas::test::kube {

namespace {

constexpr std::array kResources{
    ResourceInfo{gvr::kNamespaces, "Namespace", "namespace", false, false, true, true, false,
                 "ns"},
    ResourceInfo{gvr::kPods, "Pod", "pod", true, false, true, true, false, "po"},
    ResourceInfo{gvr::kServices, "Service", "service", true, false, true, true, false, "svc"},
    ResourceInfo{gvr::kSecrets, "Secret", "secret", true, false, false, false, false, ""},
    ResourceInfo{gvr::kConfigMaps, "ConfigMap", "configmap", true, false, false, false, false,
                 "cm"},
    ResourceInfo{gvr::kEvents, "Event", "event", true, false, false, false, false, "ev"},
    ResourceInfo{gvr::kNodes, "Node", "node", false, false, true, true, false, "no"},
    ResourceInfo{gvr::kServiceAccounts, "ServiceAccount", "serviceaccount", true, false, false,
                 false, false, "sa"},
    ResourceInfo{gvr::kPersistentVolumeClaims, "PersistentVolumeClaim", "persistentvolumeclaim",
                 true, false, false, true, false, "pvc"},
    ResourceInfo{gvr::kDeployments, "Deployment", "deployment", true, true, false, true, true,
                 "deploy"},
    ResourceInfo{gvr::kReplicaSets, "ReplicaSet", "replicaset", true, true, false, true, true,
                 "rs"},
    ResourceInfo{gvr::kStatefulSets, "StatefulSet", "statefulset", true, true, false, true,
                 true, "sts"},
    ResourceInfo{gvr::kEndpointSlices, "EndpointSlice", "endpointslice", true, true, false,
                 false, false, ""},
    ResourceInfo{gvr::kRoles, "Role", "role", true, false, false, false, false, ""},
    ResourceInfo{gvr::kClusterRoles, "ClusterRole", "clusterrole", false, false, false, false,
                 false, ""},
    ResourceInfo{gvr::kRoleBindings, "RoleBinding", "rolebinding", true, false, false, false,
                 false, ""},
    ResourceInfo{gvr::kClusterRoleBindings, "ClusterRoleBinding", "clusterrolebinding", false,
                 false, false, false, false, ""},
};

}  // namespace

std::span<const ResourceInfo> resources() {
    return kResources;
}

std::string Gvr::api_version() const {
    return group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
}

std::string format_time(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string_view to_string(EventType type) noexcept {
    switch (type) {
        case EventType::Added:
            return "ADDED";
        case EventType::Modified:
            return "MODIFIED";
        case EventType::Deleted:
            return "DELETED";
    }
    return "";
}

const ResourceInfo& resource_info(const Gvr& gvr) {
    for (const auto& r : kResources) {
        if (r.gvr == gvr) {
            return r;
        }
    }
    FAAS_ASSERT(false && "resource not served by the stand-in");
    return kResources.front();
}

const ResourceInfo* find_resource(std::string_view group,
                                  std::string_view version,
                                  std::string_view name) {
    for (const auto& r : kResources) {
        if (r.gvr.group == group && r.gvr.version == version && r.gvr.resource == name) {
            return &r;
        }
    }
    return nullptr;
}

}  // namespace faas::test::kube
