#pragma once
// OpenFaaS wire structs (faas-provider types) and their JSON codecs, shared by the gateway, the
// provider and the CLI. Only shapes and encoding rules are here (docs/wire-contract.md §0, §2.2):
// Go omitempty, null maps accepted, labels/annotations always objects in status.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json/json.hpp"
#include "core/result.hpp"

namespace faas::openfaas {

inline constexpr std::string_view kDefaultNamespace = "openfaas-fn";

using StringMap = std::map<std::string, std::string>;

// Kubernetes-style quantities kept as the strings the user sent ("128Mi", "100m").
struct FunctionResources {
    std::string memory;
    std::string cpu;
    // Other keys ("nvidia.com/gpu", ...), echoed back.
    StringMap other;
    bool empty() const { return memory.empty() && cpu.empty() && other.empty(); }
    bool operator==(const FunctionResources&) const = default;
};

// Body of POST/PUT /system/functions.
struct FunctionDeployment {
    std::string service;
    std::string image;
    std::string namespace_;  // "namespace"; empty = default
    std::string env_process;
    std::optional<StringMap> env_vars;  // absent/null/{} -> nullopt when empty
    std::vector<std::string> constraints;
    std::vector<std::string> secrets;
    std::optional<StringMap> labels;       // null from SDK callers
    std::optional<StringMap> annotations;  // null from SDK callers
    std::optional<FunctionResources> limits;
    std::optional<FunctionResources> requests;
    bool read_only_root_filesystem = false;
};

struct FunctionUsage {
    double cpu = 0;
    double total_memory_bytes = 0;
};

// An item of GET /system/functions and the body of GET /system/function/<name>.
struct FunctionStatus {
    std::string name;
    std::string image;
    std::string namespace_;
    std::string env_process;
    std::optional<StringMap> env_vars;
    std::vector<std::string> constraints;
    std::vector<std::string> secrets;
    StringMap labels;
    StringMap annotations;
    std::optional<FunctionResources> limits;
    std::optional<FunctionResources> requests;
    bool read_only_root_filesystem = false;
    double invocation_count = 0;
    std::uint64_t replicas = 0;
    std::uint64_t available_replicas = 0;
    std::string created_at = "0001-01-01T00:00:00Z";  // RFC 3339
    std::optional<FunctionUsage> usage;
};

struct ScaleServiceRequest {
    std::string service_name;
    std::uint64_t replicas = 0;
    std::string namespace_;
};

struct DeleteFunctionRequest {
    std::string function_name;
    std::string namespace_;
};

// Body of /system/secrets. `raw_value` holds decoded bytes (base64 on the wire) and wins when
// non-empty.
struct Secret {
    std::string name;
    std::string namespace_;
    std::string value;
    std::string raw_value;
    // The bytes a function reads from the secret file.
    const std::string& bytes() const { return raw_value.empty() ? value : raw_value; }
};

struct ProviderInfo {
    std::string provider;
    std::string orchestration;
    std::string sha;
    std::string release;
};

struct FunctionNamespace {
    std::string name;
    std::optional<StringMap> labels;
    std::optional<StringMap> annotations;
};

// --- codecs: parse_* report malformed input as errc::bad_request with a message ---
Result<FunctionDeployment> parse_deployment(std::string_view json);
Result<FunctionStatus> parse_status(std::string_view json);
Result<std::vector<FunctionStatus>> parse_status_list(std::string_view json);
Result<ScaleServiceRequest> parse_scale(std::string_view json);
Result<DeleteFunctionRequest> parse_delete(std::string_view json);
Result<Secret> parse_secret(std::string_view json);
Result<std::vector<Secret>> parse_secret_list(std::string_view json);
Result<ProviderInfo> parse_provider_info(std::string_view json);
Result<FunctionNamespace> parse_namespace(std::string_view json);
Result<std::vector<std::string>> parse_string_list(std::string_view json);

void write(json::Writer& w, const FunctionDeployment& d);
void write(json::Writer& w, const FunctionStatus& s);
void write(json::Writer& w, const ScaleServiceRequest& r);
void write(json::Writer& w, const DeleteFunctionRequest& r);
// `with_values` false writes only name and namespace, as list responses must.
void write(json::Writer& w, const Secret& s, bool with_values = true);
void write(json::Writer& w, const ProviderInfo& i);
void write(json::Writer& w, const FunctionNamespace& n);

template <class T>
std::string to_json(const T& v) {
    json::Writer w;
    write(w, v);
    return std::move(w).str();
}
std::string to_json(const std::vector<FunctionStatus>& list);
std::string to_json(const std::vector<std::string>& list);
// List of secrets without their values.
std::string to_json(const std::vector<Secret>& list);

// The status a provider reports for a deployment (replica counts and createdAt left for the
// caller): the same strings back, labels/annotations as objects.
FunctionStatus status_from(const FunctionDeployment& d);

// --- names (§0) ---
struct QualifiedName {
    std::string name;
    std::string namespace_;
    std::string qualified() const { return name + "." + namespace_; }
};
// "fn.ns" splits on the last dot; no dot -> `default_namespace`.
QualifiedName split_name(std::string_view name, std::string_view default_namespace);
// Route rule: [-a-zA-Z_0-9.]+ (non-empty).
bool valid_route_name(std::string_view name) noexcept;
// Service and namespace rule for deploys: DNS-1123 label, at most 63 characters.
bool valid_dns_label(std::string_view name) noexcept;

// RFC 3339 UTC with nanoseconds as Go prints time.Time ("2026-11-23T10:00:00.123456789Z").
std::string rfc3339_now();
// `when` in the same form.
std::string rfc3339(std::chrono::system_clock::time_point when);
// RFC 3339 ("2026-11-23T10:00:00Z", "...T10:00:00.5+01:00"); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);

}  // namespace faas::openfaas
