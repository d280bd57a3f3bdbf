#pragma once
// The Kubernetes objects the back end writes, as JSON (core's json::Writer), with faas-netes's
// conventions: a function is a Deployment plus a ClusterIP Service (port 8080) selected by
// faas_function=<name>; a secret is an Opaque Secret whose one data key is its name (the file
// the function reads under /var/openfaas/secrets). Pure functions, no I/O.
#include <cstdint>
#include <string>
#include <vector>

#include "core/openfaas/types.hpp"
#include "core/result.hpp"

namespace faas::provider::kubernetes {

inline constexpr std::uint16_t kFunctionPort = 8080;
inline constexpr std::string_view kSecretMountPath = "/var/openfaas/secrets";

struct DeploymentOptions {
    std::uint64_t replicas = 1;
    std::string image_pull_policy = "Always";
    // The object's current resourceVersion for a PUT (empty: a create).
    std::string resource_version;
};

// The Deployment of `d` (namespace_ set). errc::bad_request for a constraint that is not
// `key=value` or `key==value`.
Result<std::string> deployment_json(const openfaas::FunctionDeployment& d,
                                    const DeploymentOptions& o);
// The function's ClusterIP Service: port 8080 to the pods labelled faas_function=<name>.
std::string service_json(const std::string& name, const std::string& ns);
// An Opaque Secret labelled app.kubernetes.io/managed-by=faas holding `bytes` under key `name`.
std::string secret_json(const openfaas::Secret& s, const std::string& resource_version);
// A Namespace with the request's labels and annotations.
std::string namespace_json(const openfaas::FunctionNamespace& ns,
                           const std::string& resource_version);
// The merge patch of the scale subresource: {"spec":{"replicas":N}}.
std::string scale_patch(std::uint64_t replicas);
// DeleteOptions with propagationPolicy Background: the garbage collector removes the
// ReplicaSets and Pods after the Deployment is gone.
std::string delete_options();

// The nodeSelector entry of a constraint: "key=value", "key==value" or "key == value".
struct NodeSelectorTerm {
    std::string key;
    std::string value;
};
Result<NodeSelectorTerm> parse_constraint(std::string_view constraint);

// Percent-encodes a query parameter value (a label selector, an RFC 3339 time).
std::string query_escape(std::string_view s);

}  // namespace faas::provider::kubernetes
