#include "provider/backends/kubernetes/spec.hpp"

#include "core/json/json.hpp"
#include "core/text/text.hpp"
#include "provider/backends/kubernetes/parse.hpp"

namespace faas::provider::kubernetes {

namespace {

using json::Writer;

void write_map(Writer& w, const openfaas::StringMap& m) {
    w.begin_object();
    for (const auto& [k, v] : m) {
        w.key(k).value(v);
    }
    w.end_object();
}

// The user's labels plus faas_function=<name> (which wins: the selector needs it).
openfaas::StringMap labels_of(const openfaas::FunctionDeployment& d) {
    openfaas::StringMap labels = d.labels.value_or(openfaas::StringMap{});
    labels[std::string(kFunctionLabel)] = d.service;
    return labels;
}

std::string secret_volume(const openfaas::FunctionDeployment& d) {
    return d.service + "-projected-secrets";
}

void write_resources(Writer& w,
                     const char* key,
                     const std::optional<openfaas::FunctionResources>& r) {
    if (!r || r->empty()) {
        return;
    }
    openfaas::StringMap m = r->other;
    if (!r->memory.empty()) {
        m["memory"] = r->memory;
    }
    if (!r->cpu.empty()) {
        m["cpu"] = r->cpu;
    }
    w.key(key);
    write_map(w, m);
}

void write_env(Writer& w, const openfaas::FunctionDeployment& d) {
    w.key("env").begin_array();
    if (!d.env_process.empty()) {
        w.begin_object().key("name").value("fprocess").key("value").value(d.env_process);
        w.end_object();
    }
    for (const auto& [k, v] : d.env_vars.value_or(openfaas::StringMap{})) {
        w.begin_object().key("name").value(k).key("value").value(v).end_object();
    }
    w.end_array();
}

void write_probe(Writer& w) {
    // faas-netes's readiness probe on the watchdog's health path; a short period so a new pod
    // (scale from zero) is routed to soon after it is up.
    w.key("readinessProbe").begin_object();
    w.key("httpGet").begin_object().key("path").value("/_/health");
    w.key("port").value(static_cast<int>(kFunctionPort)).end_object();
    w.key("periodSeconds").value(1).key("timeoutSeconds").value(1);
    w.key("failureThreshold").value(3).end_object();
}

void write_mounts(Writer& w, const openfaas::FunctionDeployment& d) {
    w.key("volumeMounts").begin_array();
    if (!d.secrets.empty()) {
        w.begin_object().key("name").value(secret_volume(d));
        w.key("mountPath").value(kSecretMountPath).key("readOnly").value(true).end_object();
    }
    if (d.read_only_root_filesystem) {
        w.begin_object().key("name").value("temp").key("mountPath").value("/tmp").end_object();
    }
    w.end_array();
}

void write_container(Writer& w, const openfaas::FunctionDeployment& d, const DeploymentOptions& o) {
    w.begin_object();
    w.key("name").value(d.service).key("image").value(d.image);
    w.key("imagePullPolicy").value(o.image_pull_policy);
    w.key("ports").begin_array().begin_object();
    w.key("name").value("http").key("containerPort").value(static_cast<int>(kFunctionPort));
    w.key("protocol").value("TCP").end_object().end_array();
    write_env(w, d);
    write_probe(w);
    w.key("resources").begin_object();
    write_resources(w, "limits", d.limits);
    write_resources(w, "requests", d.requests);
    w.end_object();
    write_mounts(w, d);
    if (d.read_only_root_filesystem) {
        w.key("securityContext").begin_object().key("readOnlyRootFilesystem").value(true);
        w.end_object();
    }
    w.end_object();
}

void write_volumes(Writer& w, const openfaas::FunctionDeployment& d) {
    w.key("volumes").begin_array();
    if (!d.secrets.empty()) {
        w.begin_object().key("name").value(secret_volume(d));
        w.key("projected").begin_object().key("sources").begin_array();
        for (const auto& s : d.secrets) {
            w.begin_object().key("secret").begin_object().key("name").value(s).end_object();
            w.end_object();
        }
        w.end_array().end_object().end_object();
    }
    if (d.read_only_root_filesystem) {
        w.begin_object().key("name").value("temp").key("emptyDir").begin_object().end_object();
        w.end_object();
    }
    w.end_array();
}

Status write_pod_template(Writer& w, const openfaas::FunctionDeployment& d,
                          const DeploymentOptions& o) {
    openfaas::StringMap selector;
    for (const auto& c : d.constraints) {
        auto term = parse_constraint(c);
        if (!term) {
            return term.error();
        }
        selector[term->key] = term->value;
    }
    w.key("template").begin_object().key("metadata").begin_object();
    w.key("name").value(d.service).key("labels");
    write_map(w, labels_of(d));
    w.key("annotations");
    write_map(w, d.annotations.value_or(openfaas::StringMap{}));
    w.end_object().key("spec").begin_object();
    if (!selector.empty()) {
        w.key("nodeSelector");
        write_map(w, selector);
    }
    w.key("containers").begin_array();
    write_container(w, d, o);
    w.end_array();
    write_volumes(w, d);
    w.end_object().end_object();
    return {};
}

void write_metadata(Writer& w, const std::string& name, const std::string& ns,
                    const std::string& resource_version) {
    w.key("name").value(name).key("namespace").value(ns);
    if (!resource_version.empty()) {
        w.key("resourceVersion").value(resource_version);
    }
}

}  // namespace

Result<std::string> deployment_json(const openfaas::FunctionDeployment& d,
                                    const DeploymentOptions& o) {
    Writer w;
    w.begin_object().key("apiVersion").value("apps/v1").key("kind").value("Deployment");
    w.key("metadata").begin_object();
    write_metadata(w, d.service, d.namespace_, o.resource_version);
    w.key("labels");
    write_map(w, labels_of(d));
    openfaas::StringMap annotations = d.annotations.value_or(openfaas::StringMap{});
    annotations[std::string(kDeploymentAnnotation)] = openfaas::to_json(d);
    w.key("annotations");
    write_map(w, annotations);
    w.end_object();
    w.key("spec").begin_object().key("replicas").value(o.replicas);
    w.key("selector").begin_object().key("matchLabels").begin_object();
    w.key(kFunctionLabel).value(d.service).end_object().end_object();
    // Rolling with no pod down before its replacement is ready: calls keep a ready replica.
    w.key("strategy").begin_object().key("type").value("RollingUpdate");
    w.key("rollingUpdate").begin_object().key("maxUnavailable").value(0);
    w.key("maxSurge").value(1).end_object().end_object();
    if (auto st = write_pod_template(w, d, o); !st) {
        return st.error();
    }
    w.end_object().end_object();
    return std::move(w).str();
}

std::string service_json(const std::string& name, const std::string& ns) {
    Writer w;
    w.begin_object().key("apiVersion").value("v1").key("kind").value("Service");
    w.key("metadata").begin_object();
    write_metadata(w, name, ns, "");
    w.key("labels").begin_object().key(kFunctionLabel).value(name).end_object();
    w.end_object();
    w.key("spec").begin_object().key("type").value("ClusterIP");
    w.key("selector").begin_object().key(kFunctionLabel).value(name).end_object();
    w.key("ports").begin_array().begin_object().key("name").value("http");
    w.key("protocol").value("TCP").key("port").value(static_cast<int>(kFunctionPort));
    w.key("targetPort").value(static_cast<int>(kFunctionPort)).end_object().end_array();
    w.end_object().end_object();
    return std::move(w).str();
}

std::string secret_json(const openfaas::Secret& s, const std::string& resource_version) {
    Writer w;
    w.begin_object().key("apiVersion").value("v1").key("kind").value("Secret");
    w.key("type").value("Opaque").key("metadata").begin_object();
    write_metadata(w, s.name, s.namespace_, resource_version);
    w.key("labels").begin_object().key(kManagedByLabel).value(kManagedBy).end_object();
    w.end_object();
    w.key("data").begin_object().key(s.name).base64(s.bytes()).end_object();
    w.end_object();
    return std::move(w).str();
}

std::string namespace_json(const openfaas::FunctionNamespace& ns,
                           const std::string& resource_version) {
    Writer w;
    w.begin_object().key("apiVersion").value("v1").key("kind").value("Namespace");
    w.key("metadata").begin_object().key("name").value(ns.name);
    if (!resource_version.empty()) {
        w.key("resourceVersion").value(resource_version);
    }
    w.key("labels");
    write_map(w, ns.labels.value_or(openfaas::StringMap{}));
    w.key("annotations");
    write_map(w, ns.annotations.value_or(openfaas::StringMap{}));
    w.end_object().end_object();
    return std::move(w).str();
}

std::string scale_patch(std::uint64_t replicas) {
    Writer w;
    w.begin_object().key("spec").begin_object().key("replicas").value(replicas);
    w.end_object().end_object();
    return std::move(w).str();
}

std::string delete_options() {
    Writer w;
    w.begin_object().key("apiVersion").value("v1").key("kind").value("DeleteOptions");
    w.key("propagationPolicy").value("Background").end_object();
    return std::move(w).str();
}

Result<NodeSelectorTerm> parse_constraint(std::string_view constraint) {
    const bool doubled = constraint.find("==") != std::string_view::npos;
    const auto at = constraint.find(doubled ? "==" : "=");
    if (at == std::string_view::npos) {
        return make_error(errc::bad_request, "constraint \"" + std::string(constraint) +
                                                 "\": expected key=value or key==value");
    }
    NodeSelectorTerm t{std::string(text::trim(constraint.substr(0, at))),
                       std::string(text::trim(constraint.substr(at + (doubled ? 2 : 1))))};
    if (t.key.empty()) {
        return make_error(errc::bad_request,
                          "constraint \"" + std::string(constraint) + "\": the key is empty");
    }
    return t;
}

std::string query_escape(std::string_view s) {
    return text::percent_encode(s, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.' || c == '~';
    });
}

}  // namespace faas::provider::kubernetes
