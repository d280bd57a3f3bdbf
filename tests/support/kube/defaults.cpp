// Server-side defaults the back end reads back (what 20-deploy-create, 10-ns-create,
// 50-svc-create and 81-secret-create-stringdata show) and the fields the server fills itself
// (ClusterIP allocation from 10.96.0.0/16, Secret stringData folded into data).
#include <string>

#include "core/text/text.hpp"
#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

std::optional<ApiError> validate(const Gvr& gvr, const Value& object);

namespace {

void set_default(Value& object, std::string_view key, Value v) {
    if (!object.contains(key)) {
        object[key] = std::move(v);
    }
}

// Docker's rule as the kubelet applies it: `:latest` or no tag pulls Always.
std::string pull_policy(const std::string& image) {
    const auto slash = image.rfind('/');
    const auto colon = image.rfind(':');
    const bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
    if (image.find('@') != std::string::npos) {
        return "IfNotPresent";
    }
    return !tagged || image.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
}

void default_probe(Value* probe) {
    if (probe == nullptr) {
        return;
    }
    if (Value* http = probe->find("httpGet")) {
        set_default(*http, "scheme", "HTTP");
    }
    set_default(*probe, "timeoutSeconds", 1);
    set_default(*probe, "periodSeconds", 10);
    set_default(*probe, "successThreshold", 1);
    set_default(*probe, "failureThreshold", 3);
}

void default_container(Value& c) {
    for (auto& port : c["ports"].items()) {
        set_default(port, "protocol", "TCP");
    }
    if (c.find("ports")->empty()) {
        c.erase("ports");
    }
    if (Value* env = c.find("env")) {
        for (auto& e : env->items()) {
            if (Value* field_ref = e.at({"valueFrom", "fieldRef"})) {
                set_default(*field_ref, "apiVersion", "v1");
            }
        }
    }
    set_default(c, "resources", Value::object());
    default_probe(c.find("livenessProbe"));
    default_probe(c.find("readinessProbe"));
    default_probe(c.find("startupProbe"));
    set_default(c, "terminationMessagePath", "/dev/termination-log");
    set_default(c, "terminationMessagePolicy", "File");
    set_default(c, "imagePullPolicy", pull_policy(c.string_at({"image"})));
}

void default_volume(Value& v) {
    for (auto key : {"secret", "configMap", "projected", "downwardAPI"}) {
        if (Value* source = v.find(key)) {
            set_default(*source, "defaultMode", 420);
        }
    }
    if (Value* projected = v.find("projected")) {
        for (auto& source : (*projected)["sources"].items()) {
            if (Value* token = source.find("serviceAccountToken")) {
                set_default(*token, "expirationSeconds", 3600);
            }
            if (Value* downward = source.find("downwardAPI")) {
                for (auto& item : (*downward)["items"].items()) {
                    if (Value* ref = item.find("fieldRef")) {
                        set_default(*ref, "apiVersion", "v1");
                    }
                }
            }
        }
    }
}

void default_pod_spec(Value& spec) {
    for (auto list : {"containers", "initContainers"}) {
        if (Value* containers = spec.find(list)) {
            for (auto& c : containers->items()) {
                default_container(c);
            }
        }
    }
    if (Value* volumes = spec.find("volumes")) {
        for (auto& v : volumes->items()) {
            default_volume(v);
        }
    }
    set_default(spec, "restartPolicy", "Always");
    set_default(spec, "terminationGracePeriodSeconds", 30);
    set_default(spec, "dnsPolicy", "ClusterFirst");
    if (spec.contains("serviceAccountName")) {
        set_default(spec, "serviceAccount", spec.string_at({"serviceAccountName"}));
    }
    set_default(spec, "securityContext", Value::object());
    set_default(spec, "schedulerName", "default-scheduler");
}

// What the real server's typed decoding adds to a pod status (Go zero values).
void normalize_pod_status_impl(Value& status) {
    if (Value* conditions = status.find("conditions")) {
        for (auto& c : conditions->items()) {
            set_default(c, "lastProbeTime", Value());
            set_default(c, "lastTransitionTime", Value());
        }
    }
    for (auto list : {"containerStatuses", "initContainerStatuses"}) {
        if (Value* statuses = status.find(list)) {
            for (auto& c : statuses->items()) {
                set_default(c, "state", Value::object());
                set_default(c, "lastState", Value::object());
            }
        }
    }
}

void default_template(Value& object) {
    Value& tmpl = object["spec"]["template"];
    tmpl["metadata"].set({"creationTimestamp"}, Value());
    default_pod_spec(tmpl["spec"]);
}

void default_deployment(Value& object) {
    Value& spec = object["spec"];
    set_default(spec, "replicas", 1);
    Value& strategy = spec["strategy"];
    set_default(strategy, "type", "RollingUpdate");
    if (strategy.string_at({"type"}) == "RollingUpdate") {
        Value& rolling = strategy["rollingUpdate"];
        set_default(rolling, "maxUnavailable", "25%");
        set_default(rolling, "maxSurge", "25%");
    }
    set_default(spec, "revisionHistoryLimit", 10);
    set_default(spec, "progressDeadlineSeconds", 600);
    default_template(object);
}

void default_statefulset(Value& object) {
    Value& spec = object["spec"];
    set_default(spec, "replicas", 1);
    set_default(spec, "podManagementPolicy", "OrderedReady");
    Value& strategy = spec["updateStrategy"];
    set_default(strategy, "type", "RollingUpdate");
    if (strategy.string_at({"type"}) == "RollingUpdate") {
        set_default(strategy["rollingUpdate"], "partition", 0);
    }
    set_default(spec, "revisionHistoryLimit", 10);
    Value& retention = spec["persistentVolumeClaimRetentionPolicy"];
    set_default(retention, "whenDeleted", "Retain");
    set_default(retention, "whenScaled", "Retain");
    if (Value* claims = spec.find("volumeClaimTemplates")) {
        for (auto& claim : claims->items()) {
            set_default(claim["spec"], "volumeMode", "Filesystem");
            set_default(claim, "status", Value::object());
            set_default(claim["status"], "phase", "Pending");
        }
    }
    default_template(object);
}

std::string next_cluster_ip(State& state) {
    // 10.96.0.0/16 minus .0.0 (network) and .0.1 (the kubernetes Service), in a fixed stride
    // so that addresses look scattered as the real allocator's do.
    const std::uint32_t offset = 2 + (state.next_cluster_ip++ * 7919U) % 65532U;
    return "10.96." + std::to_string(offset >> 8) + "." + std::to_string(offset & 0xFF);
}

void default_service(State& state, Value& object, bool create) {
    Value& spec = object["spec"];
    const Value* stored = create ? nullptr
                                 : state.store.get(gvr::kServices,
                                                   object.string_at({"metadata", "namespace"}),
                                                   object.string_at({"metadata", "name"}));
    set_default(spec, "type", "ClusterIP");
    for (auto& port : spec["ports"].items()) {
        set_default(port, "protocol", "TCP");
        if (!port.contains("targetPort")) {
            const Value number = port["port"];
            port["targetPort"] = number;
        }
    }
    if (stored != nullptr && spec.string_at({"clusterIP"}).empty()) {
        spec["clusterIP"] = stored->string_at({"spec", "clusterIP"});
    }
    if (spec.string_at({"clusterIP"}).empty() && spec.string_at({"type"}) != "ExternalName") {
        spec["clusterIP"] = next_cluster_ip(state);
    }
    set_default(spec, "clusterIPs", Value::Array{spec["clusterIP"]});
    set_default(spec, "sessionAffinity", "None");
    set_default(spec, "ipFamilies", Value::Array{Value("IPv4")});
    set_default(spec, "ipFamilyPolicy", "SingleStack");
    set_default(spec, "internalTrafficPolicy", "Cluster");
    if (spec.string_at({"type"}) == "NodePort" || spec.string_at({"type"}) == "LoadBalancer") {
        set_default(spec, "externalTrafficPolicy", "Cluster");
    }
    if (!object.contains("status")) {
        object["status"]["loadBalancer"] = Value::object();
    }
}

void default_secret(Value& object) {
    if (const Value* found = object.find("stringData")) {
        const Value plain = *found;  // object["data"] below may move the members
        object.erase("stringData");
        Value& data = object["data"];
        for (const auto& [k, v] : plain.members()) {
            data[k] = text::base64_encode(v.as_string());
        }
    }
    set_default(object, "type", "Opaque");
}

void default_namespace(Value& object) {
    const std::string name = object.string_at({"metadata", "name"});
    object["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
    set_default(object["spec"], "finalizers", Value::Array{Value("kubernetes")});
    set_default(object, "status", Value::object());
    set_default(object["status"], "phase", "Active");
}

}  // namespace

void normalize_pod_status(Value& pod) {
    if (Value* status = pod.find("status")) {
        normalize_pod_status_impl(*status);
    }
}

std::optional<ApiError> prepare_write(State& state, const Gvr& gvr, Value& object, bool create) {
    if (gvr == gvr::kDeployments) {
        default_deployment(object);
    } else if (gvr == gvr::kStatefulSets) {
        default_statefulset(object);
    } else if (gvr == gvr::kPods) {
        default_pod_spec(object["spec"]);
        normalize_pod_status(object);
    } else if (gvr == gvr::kServices) {
        default_service(state, object, create);
    } else if (gvr == gvr::kSecrets) {
        default_secret(object);
    } else if (gvr == gvr::kNamespaces) {
        default_namespace(object);
    } else if (gvr == gvr::kPersistentVolumeClaims) {
        set_default(object["spec"], "volumeMode", "Filesystem");
        set_default(object, "status", Value::object());
        set_default(object["status"], "phase", "Pending");
    }
    if (create && resource_info(gvr).has_status) {
        set_default(object, "status", Value::object());
    }
    return validate(gvr, object);
}

}  // namespace faas::test::kube
