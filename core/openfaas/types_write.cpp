// The OpenFaaS wire structs written as JSON, as Go's encoder writes them (omitempty).
#include "core/openfaas/types.hpp"

namespace faas::openfaas {
namespace {

void write_map(json::Writer& w, const StringMap& m) {
    w.begin_object();
    for (const auto& [k, v] : m) {
        w.key(k).value(v);
    }
    w.end_object();
}

void write_strings(json::Writer& w, std::string_view key, const std::vector<std::string>& v) {
    if (v.empty()) {
        return;
    }
    w.key(key).begin_array();
    for (const auto& s : v) {
        w.value(s);
    }
    w.end_array();
}

void write_resources(json::Writer& w, std::string_view key,
                     const std::optional<FunctionResources>& r) {
    if (!r || r->empty()) {
        return;
    }
    w.key(key).begin_object();
    if (!r->memory.empty()) {
        w.key("memory").value(r->memory);
    }
    if (!r->cpu.empty()) {
        w.key("cpu").value(r->cpu);
    }
    for (const auto& [k, v] : r->other) {
        w.key(k).value(v);
    }
    w.end_object();
}

void write_optional_string(json::Writer& w, std::string_view key, const std::string& v) {
    if (!v.empty()) {
        w.key(key).value(v);
    }
}

}  // namespace

void write(json::Writer& w, const FunctionDeployment& d) {
    w.begin_object();
    w.key("service").value(d.service);
    w.key("image").value(d.image);
    write_optional_string(w, "namespace", d.namespace_);
    write_optional_string(w, "envProcess", d.env_process);
    if (d.env_vars && !d.env_vars->empty()) {
        w.key("envVars");
        write_map(w, *d.env_vars);
    }
    write_strings(w, "constraints", d.constraints);
    write_strings(w, "secrets", d.secrets);
    w.key("labels");
    d.labels ? write_map(w, *d.labels) : void(w.null());
    w.key("annotations");
    d.annotations ? write_map(w, *d.annotations) : void(w.null());
    write_resources(w, "limits", d.limits);
    write_resources(w, "requests", d.requests);
    if (d.read_only_root_filesystem) {
        w.key("readOnlyRootFilesystem").value(true);
    }
    w.end_object();
}

void write(json::Writer& w, const FunctionStatus& s) {
    w.begin_object();
    w.key("name").value(s.name);
    w.key("image").value(s.image);
    w.key("invocationCount").value(s.invocation_count);
    if (s.replicas != 0) {
        w.key("replicas").value(s.replicas);
    }
    if (s.available_replicas != 0) {
        w.key("availableReplicas").value(s.available_replicas);
    }
    write_optional_string(w, "envProcess", s.env_process);
    if (s.env_vars && !s.env_vars->empty()) {
        w.key("envVars");
        write_map(w, *s.env_vars);
    }
    write_strings(w, "constraints", s.constraints);
    write_strings(w, "secrets", s.secrets);
    w.key("labels");
    write_map(w, s.labels);
    w.key("annotations");
    write_map(w, s.annotations);
    write_resources(w, "limits", s.limits);
    write_resources(w, "requests", s.requests);
    if (s.read_only_root_filesystem) {
        w.key("readOnlyRootFilesystem").value(true);
    }
    write_optional_string(w, "namespace", s.namespace_);
    w.key("createdAt").value(s.created_at);
    if (s.usage) {
        w.key("usage").begin_object();
        w.key("cpu").value(s.usage->cpu);
        w.key("totalMemoryBytes").value(s.usage->total_memory_bytes);
        w.end_object();
    }
    w.end_object();
}

void write(json::Writer& w, const ScaleServiceRequest& r) {
    w.begin_object();
    w.key("serviceName").value(r.service_name);
    w.key("replicas").value(r.replicas);
    write_optional_string(w, "namespace", r.namespace_);
    w.end_object();
}

void write(json::Writer& w, const DeleteFunctionRequest& r) {
    w.begin_object();
    w.key("functionName").value(r.function_name);
    write_optional_string(w, "namespace", r.namespace_);
    w.end_object();
}

void write(json::Writer& w, const Secret& s, bool with_values) {
    w.begin_object();
    w.key("name").value(s.name);
    write_optional_string(w, "namespace", s.namespace_);
    if (with_values) {
        write_optional_string(w, "value", s.value);
        if (!s.raw_value.empty()) {
            w.key("rawValue").base64(s.raw_value);
        }
    }
    w.end_object();
}

void write(json::Writer& w, const ProviderInfo& i) {
    w.begin_object();
    w.key("provider").value(i.provider);
    w.key("orchestration").value(i.orchestration);
    w.key("version").begin_object();
    w.key("sha").value(i.sha);
    w.key("release").value(i.release);
    w.end_object();
    w.end_object();
}

void write(json::Writer& w, const FunctionNamespace& n) {
    w.begin_object();
    w.key("name").value(n.name);
    if (n.annotations) {
        w.key("annotations");
        write_map(w, *n.annotations);
    }
    if (n.labels) {
        w.key("labels");
        write_map(w, *n.labels);
    }
    w.end_object();
}

std::string to_json(const std::vector<FunctionStatus>& list) {
    json::Writer w;
    w.begin_array();
    for (const auto& s : list) {
        write(w, s);
    }
    w.end_array();
    return std::move(w).str();
}

std::string to_json(const std::vector<std::string>& list) {
    json::Writer w;
    w.begin_array();
    for (const auto& s : list) {
        w.value(s);
    }
    w.end_array();
    return std::move(w).str();
}

std::string to_json(const std::vector<Secret>& list) {
    json::Writer w;
    w.begin_array();
    for (const auto& s : list) {
        write(w, s, false);
    }
    w.end_array();
    return std::move(w).str();
}

FunctionStatus status_from(const FunctionDeployment& d) {
    FunctionStatus s;
    s.name = d.service;
    s.image = d.image;
    s.namespace_ = d.namespace_;
    s.env_process = d.env_process;
    s.env_vars = d.env_vars;
    s.constraints = d.constraints;
    s.secrets = d.secrets;
    s.labels = d.labels.value_or(StringMap{});
    s.labels.insert_or_assign("faas_function", d.service);
    s.annotations = d.annotations.value_or(StringMap{});
    s.limits = d.limits;
    s.requests = d.requests;
    s.read_only_root_filesystem = d.read_only_root_filesystem;
    return s;
}

}  // namespace faas::openfaas
