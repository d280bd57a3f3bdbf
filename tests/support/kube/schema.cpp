// The fields each served kind knows, for field validation: by default an unknown field is
// dropped with a `Warning: 299 - "unknown field \"<path>\""` header; with
// ?fieldValidation=Strict it is a 400 naming the field, as the real server's strict decoder.
//
// Exact for what the back end and compose/kubernetes use: Deployment, StatefulSet and Pod
// specs down to containers, probes, env, ports, resources, volumes (emptyDir, secret,
// configMap, projected: secret/configMap/downwardAPI/serviceAccountToken,
// persistentVolumeClaim), security contexts; Service, Secret, ConfigMap, Namespace,
// ServiceAccount, PersistentVolumeClaim, Roles and bindings. NOT covered (accepted without
// checking the fields below them): every `status`, affinity, lifecycle hooks, exec/grpc
// probes, volume kinds other than the ones named, ReplicaSet/EndpointSlice/Event/Node bodies
// (written by controllers), dnsConfig, topologySpreadConstraints, ephemeral containers.
#include <map>
#include <string>
#include <vector>

#include "core/text/text.hpp"
#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

// "field" (a scalar or list of scalars), "field:Type" (an object), "field:[Type]" (a list of
// objects), "field:map" (string map), "field:any" (not checked).
struct TypeDef {
    std::string_view name;
    std::string_view fields;
};

constexpr TypeDef kTypes[] = {
    {"ObjectMeta",
     "name generateName namespace selfLink uid resourceVersion generation creationTimestamp "
     "deletionTimestamp deletionGracePeriodSeconds labels:map annotations:map "
     "ownerReferences:[OwnerReference] finalizers managedFields:any"},
    {"OwnerReference", "apiVersion kind name uid controller blockOwnerDeletion"},
    {"LabelSelector", "matchLabels:map matchExpressions:[Requirement]"},
    {"Requirement", "key operator values"},
    {"Deployment", "spec:DeploymentSpec status:any"},
    {"DeploymentSpec",
     "replicas selector:LabelSelector template:PodTemplateSpec strategy:DeploymentStrategy "
     "minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds"},
    {"DeploymentStrategy", "type rollingUpdate:RollingUpdate"},
    {"RollingUpdate", "maxUnavailable maxSurge partition"},
    {"StatefulSet", "spec:StatefulSetSpec status:any"},
    {"StatefulSetSpec",
     "replicas selector:LabelSelector template:PodTemplateSpec "
     "volumeClaimTemplates:[PersistentVolumeClaim] serviceName podManagementPolicy "
     "updateStrategy:StatefulSetStrategy revisionHistoryLimit minReadySeconds "
     "persistentVolumeClaimRetentionPolicy:any ordinals:any"},
    {"StatefulSetStrategy", "type rollingUpdate:RollingUpdate"},
    {"PersistentVolumeClaim", "metadata:ObjectMeta spec:PvcSpec status:any"},
    {"PvcSpec",
     "accessModes selector:LabelSelector resources:Resources volumeName storageClassName "
     "volumeMode dataSource:any dataSourceRef:any volumeAttributesClassName"},
    {"PodTemplateSpec", "metadata:ObjectMeta spec:PodSpec"},
    {"Pod", "spec:PodSpec status:any"},
    {"PodSpec",
     "volumes:[Volume] initContainers:[Container] containers:[Container] "
     "ephemeralContainers:any restartPolicy terminationGracePeriodSeconds "
     "activeDeadlineSeconds dnsPolicy nodeSelector:map serviceAccountName serviceAccount "
     "automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace "
     "securityContext:PodSecurityContext imagePullSecrets:[LocalObjectReference] hostname "
     "subdomain affinity:any schedulerName tolerations:[Toleration] hostAliases:any "
     "priorityClassName priority dnsConfig:any readinessGates:any runtimeClassName "
     "enableServiceLinks preemptionPolicy overhead:map topologySpreadConstraints:any "
     "setHostnameAsFQDN os:any hostUsers schedulingGates:any resourceClaims:any resources:any"},
    {"Container",
     "name image command args workingDir ports:[ContainerPort] envFrom:[EnvFromSource] "
     "env:[EnvVar] resources:Resources resizePolicy:any restartPolicy "
     "volumeMounts:[VolumeMount] volumeDevices:any livenessProbe:Probe readinessProbe:Probe "
     "startupProbe:Probe lifecycle:any terminationMessagePath terminationMessagePolicy "
     "imagePullPolicy securityContext:SecurityContext stdin stdinOnce tty"},
    {"ContainerPort", "name hostPort containerPort protocol hostIP"},
    {"EnvVar", "name value valueFrom:EnvVarSource"},
    {"EnvVarSource",
     "fieldRef:FieldRef resourceFieldRef:any configMapKeyRef:KeyRef secretKeyRef:KeyRef"},
    {"FieldRef", "apiVersion fieldPath"},
    {"KeyRef", "name key optional"},
    {"EnvFromSource", "prefix configMapRef:OptionalRef secretRef:OptionalRef"},
    {"OptionalRef", "name optional"},
    {"Resources", "limits:map requests:map claims:any"},
    {"VolumeMount",
     "name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr"},
    {"Probe",
     "exec:any httpGet:HttpGet tcpSocket:TcpSocket grpc:any initialDelaySeconds "
     "timeoutSeconds periodSeconds successThreshold failureThreshold "
     "terminationGracePeriodSeconds"},
    {"HttpGet", "path port host scheme httpHeaders:[HttpHeader]"},
    {"HttpHeader", "name value"},
    {"TcpSocket", "port host"},
    {"SecurityContext",
     "capabilities:Capabilities privileged seLinuxOptions:any windowsOptions:any runAsUser "
     "runAsGroup runAsNonRoot readOnlyRootFilesystem allowPrivilegeEscalation procMount "
     "seccompProfile:Seccomp appArmorProfile:any"},
    {"Capabilities", "add drop"},
    {"Seccomp", "type localhostProfile"},
    {"PodSecurityContext",
     "seLinuxOptions:any windowsOptions:any runAsUser runAsGroup runAsNonRoot "
     "supplementalGroups supplementalGroupsPolicy fsGroup sysctls:any fsGroupChangePolicy "
     "seccompProfile:Seccomp appArmorProfile:any seLinuxChangePolicy"},
    {"Volume",
     "name hostPath:any emptyDir:EmptyDir secret:SecretVolume "
     "persistentVolumeClaim:PvcVolume configMap:ConfigMapVolume projected:Projected "
     "downwardAPI:any nfs:any ephemeral:any csi:any image:any"},
    {"EmptyDir", "medium sizeLimit"},
    {"SecretVolume", "secretName items:[KeyToPath] defaultMode optional"},
    {"ConfigMapVolume", "name items:[KeyToPath] defaultMode optional"},
    {"PvcVolume", "claimName readOnly"},
    {"KeyToPath", "key path mode"},
    {"Projected", "sources:[Projection] defaultMode"},
    {"Projection",
     "secret:ProjectedItems configMap:ProjectedItems downwardAPI:DownwardApi "
     "serviceAccountToken:SaToken clusterTrustBundle:any"},
    {"ProjectedItems", "name items:[KeyToPath] optional"},
    {"DownwardApi", "items:[DownwardItem]"},
    {"DownwardItem", "path fieldRef:FieldRef resourceFieldRef:any mode"},
    {"SaToken", "audience expirationSeconds path"},
    {"Toleration", "key operator value effect tolerationSeconds"},
    {"LocalObjectReference", "name"},
    {"Service", "spec:ServiceSpec status:any"},
    {"ServiceSpec",
     "ports:[ServicePort] selector:map clusterIP clusterIPs type externalIPs sessionAffinity "
     "loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy "
     "healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig:any ipFamilies "
     "ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy "
     "trafficDistribution"},
    {"ServicePort", "name protocol appProtocol port targetPort nodePort"},
    {"Secret", "data:map stringData:map type immutable"},
    {"ConfigMap", "data:map binaryData:map immutable"},
    {"Namespace", "spec:NamespaceSpec status:any"},
    {"NamespaceSpec", "finalizers"},
    {"ServiceAccount",
     "secrets:any imagePullSecrets:[LocalObjectReference] automountServiceAccountToken"},
    {"Role", "rules:[PolicyRule]"},
    {"ClusterRole", "rules:[PolicyRule] aggregationRule:any"},
    {"PolicyRule", "verbs apiGroups resources resourceNames nonResourceURLs"},
    {"RoleBinding", "subjects:[Subject] roleRef:RoleRef"},
    {"ClusterRoleBinding", "subjects:[Subject] roleRef:RoleRef"},
    {"Subject", "kind apiGroup name namespace"},
    {"RoleRef", "apiGroup kind name"},
};

struct Field {
    enum class Kind { Scalar, Object, List, Any } kind = Kind::Scalar;
    std::string type;
};
using Fields = std::map<std::string, Field, std::less<>>;

const std::map<std::string, Fields, std::less<>>& schema() {
    static const auto kSchema = [] {
        std::map<std::string, Fields, std::less<>> out;
        for (const auto& t : kTypes) {
            Fields& fields = out[std::string(t.name)];
            for (const auto& item : text::split_list(t.fields, ' ')) {
                const auto colon = item.find(':');
                Field f;
                if (colon != std::string::npos) {
                    std::string type = item.substr(colon + 1);
                    if (type == "map" || type == "any") {
                        f.kind = Field::Kind::Any;
                    } else if (type.front() == '[') {
                        f.kind = Field::Kind::List;
                        f.type = type.substr(1, type.size() - 2);
                    } else {
                        f.kind = Field::Kind::Object;
                        f.type = type;
                    }
                }
                fields[item.substr(0, colon)] = f;
            }
        }
        return out;
    }();
    return kSchema;
}

// Drops unknown fields of `object` (of schema type `type`), recording their paths.
void prune(Value& object, std::string_view type, const std::string& path,
           std::vector<std::string>& unknown) {
    auto it = schema().find(type);
    if (it == schema().end() || !object.is_object()) {
        return;
    }
    auto& members = object.members();
    for (std::size_t i = 0; i < members.size();) {
        auto& [key, value] = members[i];
        const std::string here = path.empty() ? key : path + "." + key;
        auto field = it->second.find(key);
        const bool root_type = path.empty() && (key == "kind" || key == "apiVersion");
        if (field == it->second.end() && !root_type &&
            !(path.empty() && key == "metadata")) {
            unknown.push_back(here);
            members.erase(members.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
        }
        if (path.empty() && key == "metadata") {
            prune(value, "ObjectMeta", here, unknown);
        } else if (field != it->second.end() && field->second.kind == Field::Kind::Object) {
            prune(value, field->second.type, here, unknown);
        } else if (field != it->second.end() && field->second.kind == Field::Kind::List &&
                   value.is_array()) {
            auto& items = value.items();
            for (std::size_t n = 0; n < items.size(); ++n) {
                prune(items[n], field->second.type, here + "[" + std::to_string(n) + "]",
                      unknown);
            }
        }
        ++i;
    }
}

}  // namespace

std::vector<std::string> prune_unknown_fields(const Gvr& gvr, Value& object) {
    std::vector<std::string> unknown;
    const std::string_view kind = resource_info(gvr).kind;
    if (schema().count(kind) != 0) {
        prune(object, kind, "", unknown);
    }
    return unknown;
}

}  // namespace faas::test::kube
