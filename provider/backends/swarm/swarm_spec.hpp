#pragma once
// The Docker Swarm mapping of the provider's objects (docs/wire-contract.md §5.3,
// docs/provider.md): FunctionDeployment -> service spec JSON, and the Engine API's service, task
// and secret JSON back into what the provider reports. Pure functions, no I/O: unit-tested
// without dockerd.
// swarm_spec.cpp writes what dockerd is sent, swarm_parse.cpp reads what it answers.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/openfaas/types.hpp"
#include "core/result.hpp"

namespace faas::provider::swarm {

// Labels the provider puts on what it creates.
inline constexpr std::string_view kFunctionLabel = "com.openfaas.function";   // = name
inline constexpr std::string_view kMarkerLabel = "function";                  // = "true"
inline constexpr std::string_view kAnnotationPrefix = "com.openfaas.annotations.";
inline constexpr std::string_view kDeploymentLabel = "com.faas.deployment";   // JSON, as deployed
inline constexpr std::string_view kNamespaceLabel = "com.faas.namespace";
inline constexpr std::string_view kUidLabel = "com.openfaas.uid";
inline constexpr std::string_view kSecretOwnerLabel = "com.openfaas.owner";  // = "openfaas"
inline constexpr std::string_view kSecretNameLabel = "com.openfaas.secret";  // = OpenFaaS name
inline constexpr std::string_view kSecretDir = "/var/openfaas/secrets/";

// A Docker secret that backs an OpenFaaS secret.
struct DockerSecret {
    std::string id;
    std::string docker_name;  // "<name>" or "<name>.<nanos>" after an update
    std::string name;         // the OpenFaaS name (label com.openfaas.secret)
    std::string namespace_;
    std::string created_at;
};

struct SpecOptions {
    std::string network;
    std::uint64_t replicas = 1;
    // Unique per deploy/update (nanoseconds): a container label, so every update rolls tasks.
    std::string uid;
    // Disable the image's HEALTHCHECK: the provider probes /_/health itself.
    bool provider_probe = true;
};

// The service spec of `d` (namespace_ set). `secrets` maps each secret of `d` to its Docker
// secret. errc::bad_request: an annotation clashes with a label, or a quantity does not parse.
Result<std::string> service_spec(const openfaas::FunctionDeployment& d,
                                 const std::map<std::string, DockerSecret>& secrets,
                                 const SpecOptions& o);

struct ServiceInfo {
    std::string id;
    std::uint64_t version = 0;
    std::string name;
    std::uint64_t replicas = 0;  // Mode.Replicated.Replicas
    std::string created_at;      // RFC 3339 as dockerd prints it
    bool is_function = false;    // labelled com.openfaas.function
    std::string namespace_;
    // From the com.faas.deployment label; for a service created by another tool, rebuilt from
    // its spec (image, env, labels, annotation labels).
    openfaas::FunctionDeployment deployment;
    // The raw spec, for updates (POST /services/{id}/update takes the whole spec).
    std::string spec_json;
    // Secret references of the spec: target file name -> Docker secret name.
    std::map<std::string, std::string> secret_refs;
};

// GET /services/{id} and GET /services.
Result<ServiceInfo> parse_service(std::string_view json);
Result<std::vector<ServiceInfo>> parse_services(std::string_view json);

struct TaskInfo {
    std::string id;
    std::string service_id;
    std::string state;          // Status.State: new, pending, ..., running, failed, ...
    std::string desired_state;  // DesiredState
    std::string address;        // the task's IPv4 on `network`, without the prefix length
    std::string container_id;
    std::string error;          // Status.Err
};

// GET /tasks.
Result<std::vector<TaskInfo>> parse_tasks(std::string_view json, const std::string& network);

// GET /secrets (only those labelled com.openfaas.owner=openfaas are returned).
Result<std::vector<DockerSecret>> parse_secrets(std::string_view json);

// POST /secrets/create body.
std::string secret_spec(const std::string& docker_name, const std::string& name,
                        const std::string& ns, std::string_view bytes);

// A spec (from ServiceInfo::spec_json) with Mode.Replicated.Replicas set to `replicas`.
Result<std::string> with_replicas(std::string_view spec_json, std::uint64_t replicas);

// dockerd's error body {"message": "..."} -> the message (the body itself when not JSON).
std::string docker_message(std::string_view body);

// Splits the multiplexed stream of GET /services/{id}/logs (8-byte frame headers: stream type,
// 3 zero bytes, big-endian length) into lines. Feed pieces as they arrive.
class LogDemux {
public:
    using Line = std::function<void(int stream, std::string_view line)>;
    explicit LogDemux(Line on_line) : on_line_(std::move(on_line)) {}
    void feed(std::string_view data);
    // Emits a last unterminated line.
    void finish();

private:
    void payload(int stream, std::string_view data);
    Line on_line_;
    std::string header_;
    std::uint32_t remaining_ = 0;
    int stream_ = 0;
    std::map<int, std::string> partial_;
};

// One line of service logs asked with timestamps=1&details=1: "<RFC3339> <details> <text>",
// details "com.docker.swarm.node.id=..,com.docker.swarm.service.id=..,com.docker.swarm.task.id=..".
struct ServiceLogLine {
    std::string timestamp;
    std::string task_id;
    std::string text;
};
ServiceLogLine parse_log_line(std::string_view line);

}  // namespace faas::provider::swarm
