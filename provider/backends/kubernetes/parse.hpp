#pragma once
// The Kubernetes API's answers read into small structs (simdjson, copied out before the document
// dies): Status objects, Deployments, Scales, EndpointSlices, Secrets, Namespaces, Pods and
// watch events. Pure functions, no I/O: unit-tested against the real server's transcripts.
// Zero-valued counters are omitted by the server (a Deployment at 0 replicas has no
// status.replicas): every missing number reads as 0.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"
#include "core/result.hpp"
#include "provider/endpoint_board.hpp"

namespace faas::provider::kubernetes {

// The annotation that keeps the deployment request as sent, so reads echo it (spec.hpp).
inline constexpr std::string_view kDeploymentAnnotation = "com.faas.deployment";
// The label faas-netes selects a function's pods and Service by.
inline constexpr std::string_view kFunctionLabel = "faas_function";
// Secrets the provider manages carry this label with value kManagedBy.
inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedBy = "faas";
// Namespaces that hold functions carry openfaas=1.
inline constexpr std::string_view kNamespaceLabel = "openfaas";

// A `Status` object: what every error answer of the API server is (and a watch's ERROR event).
struct ApiStatus {
    int code = 0;
    std::string reason;   // NotFound, AlreadyExists, Conflict, Invalid, Forbidden, Expired, ...
    std::string message;
    std::string kind;     // details.kind: the resource plural, or the Kind for Invalid
    std::string name;     // details.name
    struct Cause {
        std::string field;  // "metadata.name"
        std::string message;
    };
    std::vector<Cause> causes;  // details.causes (422 Invalid)
};
// nullopt when `body` is not a Status object.
std::optional<ApiStatus> parse_api_status(std::string_view body);

// A Deployment as the back end reads it.
struct DeploymentInfo {
    std::string name;
    std::string namespace_;
    std::string resource_version;
    std::string created_at;
    std::uint64_t replicas = 0;            // spec.replicas
    std::uint64_t available_replicas = 0;  // status.availableReplicas
    bool is_function = false;              // labelled faas_function=<name>
    // From kDeploymentAnnotation; for a Deployment made by another tool, rebuilt from the
    // spec (image, fprocess and env, labels, annotations).
    openfaas::FunctionDeployment deployment;
};
Result<DeploymentInfo> parse_deployment(std::string_view body);
Result<DeploymentInfo> parse_deployment(simdjson::dom::element e);

// A list answer: its items and the resourceVersion to watch from.
template <class T>
struct ListOf {
    std::string resource_version;
    std::vector<T> items;
};
Result<ListOf<DeploymentInfo>> parse_deployment_list(std::string_view body);

// The scale subresource (autoscaling/v1 Scale): spec.replicas is omitted at 0.
struct ScaleInfo {
    std::string resource_version;
    std::uint64_t spec_replicas = 0;
    std::uint64_t status_replicas = 0;
    std::string selector;
};
Result<ScaleInfo> parse_scale(std::string_view body);

// An EndpointSlice: the Service it belongs to and its ready addresses (conditions.ready true),
// each with the slice's first port (named "http" when several).
struct SliceInfo {
    std::string name;
    std::string namespace_;
    std::string service;  // label kubernetes.io/service-name
    std::string resource_version;
    std::vector<EndpointInfo> ready;  // id = the pod's name (targetRef), else the address
};
SliceInfo parse_slice(simdjson::dom::element e);
Result<ListOf<SliceInfo>> parse_slice_list(std::string_view body);

// One line of a watch: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.
struct WatchEvent {
    std::string type;
    std::string resource_version;  // the object's (BOOKMARK: the only field that matters)
    std::optional<ApiStatus> error;  // ERROR
};
// The event's type and rv; `object` is set to the event's object (valid while `doc` lives).
Result<WatchEvent> parse_watch_event(std::string_view line,
                                     json::Document& doc,
                                     simdjson::dom::element& object);

// A Secret: name, labels and the decoded value of each data key.
struct SecretInfo {
    std::string name;
    std::string namespace_;
    std::string resource_version;
    openfaas::StringMap labels;
    openfaas::StringMap data;  // decoded bytes
};
Result<SecretInfo> parse_secret(std::string_view body);
Result<ListOf<SecretInfo>> parse_secret_list(std::string_view body);

struct NamespaceInfo {
    std::string name;
    std::string resource_version;
    openfaas::StringMap labels;
    openfaas::StringMap annotations;
};
Result<NamespaceInfo> parse_namespace(std::string_view body);
Result<ListOf<NamespaceInfo>> parse_namespace_list(std::string_view body);

// The pods of a PodList, by name, oldest first.
Result<std::vector<std::string>> parse_pod_names(std::string_view body);

}  // namespace faas::provider::kubernetes
