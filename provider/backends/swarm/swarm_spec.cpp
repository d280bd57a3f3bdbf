#include "provider/backends/swarm/swarm_spec.hpp"

#include <algorithm>

#include "core/json/json.hpp"
#include "provider/backends/swarm/swarm_json.hpp"
#include "provider/quantity.hpp"

namespace faas::provider::swarm {

namespace {

// Copies a DOM value into `w` as JSON.
void copy(json::Writer& w, element e) {
    switch (e.type()) {
        case simdjson::dom::element_type::OBJECT: {
            w.begin_object();
            for (auto [k, v] : simdjson::dom::object(e)) {
                w.key(k);
                copy(w, v);
            }
            w.end_object();
            break;
        }
        case simdjson::dom::element_type::ARRAY:
            w.begin_array();
            for (auto v : simdjson::dom::array(e)) {
                copy(w, v);
            }
            w.end_array();
            break;
        case simdjson::dom::element_type::STRING: w.value(std::string_view(e)); break;
        case simdjson::dom::element_type::INT64: w.value(std::int64_t(e)); break;
        case simdjson::dom::element_type::UINT64: w.value(std::uint64_t(e)); break;
        case simdjson::dom::element_type::DOUBLE: w.value(double(e)); break;
        case simdjson::dom::element_type::BOOL: w.value(bool(e)); break;
        case simdjson::dom::element_type::NULL_VALUE: w.null(); break;
    }
}


void write_map(json::Writer& w, const openfaas::StringMap& m) {
    w.begin_object();
    for (const auto& [k, v] : m) {
        w.key(k).value(v);
    }
    w.end_object();
}

// `key` is the spec's name (Limits, Reservations), `field` the deployment's (limits, requests).
Status write_resources(json::Writer& w, const char* key, const char* field,
                       const std::optional<openfaas::FunctionResources>& r) {
    auto parsed = parse_limits(r);
    if (!parsed) {
        return make_error(errc::bad_request, std::string(field) + ": " + parsed.error().what());
    }
    if (!parsed->any()) {
        return {};
    }
    w.key(key).begin_object();
    if (parsed->cpu_millis) {
        w.key("NanoCPUs").value(*parsed->cpu_millis * 1000000U);
    }
    if (parsed->memory_bytes) {
        w.key("MemoryBytes").value(*parsed->memory_bytes);
    }
    w.end_object();
    return {};
}

}  // namespace

namespace {

// The service's labels: the deployment's, its annotations under kAnnotationPrefix, ours, and
// the whole deployment as JSON (so it reads back exactly as deployed).
Result<openfaas::StringMap> service_labels(const openfaas::FunctionDeployment& d) {
    openfaas::StringMap labels = d.labels.value_or(openfaas::StringMap{});
    for (const auto& [k, v] : d.annotations.value_or(openfaas::StringMap{})) {
        const std::string key = std::string(kAnnotationPrefix) + k;
        if (labels.contains(key)) {
            std::string why = "annotation " + k;
            why += " clashes with the label ";
            why += key;
            return make_error(errc::bad_request, std::move(why));
        }
        labels[key] = v;
    }
    labels[std::string(kFunctionLabel)] = d.service;
    labels[std::string(kMarkerLabel)] = "true";
    labels["faas_function"] = d.service;
    labels[std::string(kNamespaceLabel)] = d.namespace_;
    labels[std::string(kDeploymentLabel)] = openfaas::to_json(d);
    return labels;
}

openfaas::StringMap container_labels(const openfaas::FunctionDeployment& d, const SpecOptions& o) {
    openfaas::StringMap labels;
    labels[std::string(kFunctionLabel)] = d.service;
    labels[std::string(kMarkerLabel)] = "true";
    labels["faas_function"] = d.service;
    labels[std::string(kUidLabel)] = o.uid;
    for (const auto& [k, v] : d.labels.value_or(openfaas::StringMap{})) {
        labels.emplace(k, v);
    }
    return labels;
}

void write_env(json::Writer& w, const openfaas::FunctionDeployment& d) {
    w.key("Env").begin_array();
    if (!d.env_process.empty()) {
        w.value("fprocess=" + d.env_process);
    }
    const auto env = d.env_vars.value_or(openfaas::StringMap{});
    for (const auto& [k, v] : env) {
        if (k != "fprocess") {
            std::string line = k;
            line += '=';
            line += v;
            w.value(line);
        }
    }
    // The watchdog keeps serving this long after SIGTERM (OpenFaaS default 30 s, longer than
    // Swarm's 10 s stop grace). Here the provider stops routing to a task as soon as Swarm
    // marks it for shutdown, so 2 s of draining is enough.
    if (!env.contains("healthcheck_interval")) {
        w.value("healthcheck_interval=2s");
    }
    w.end_array();
}

// Each secret the deployment names, as a file under kSecretDir backed by its Docker secret.
Status write_secrets(json::Writer& w, const openfaas::FunctionDeployment& d,
                     const std::map<std::string, DockerSecret>& secrets) {
    if (d.secrets.empty()) {
        return {};
    }
    w.key("Secrets").begin_array();
    for (const auto& name : d.secrets) {
        auto it = secrets.find(name);
        if (it == secrets.end()) {
            return make_error(errc::bad_request, "secret \"" + name + "\" not found in namespace " +
                                                     d.namespace_);
        }
        w.begin_object();
        w.key("File").begin_object();
        w.key("Name").value(std::string(kSecretDir) + name);
        w.key("UID").value("0");
        w.key("GID").value("0");
        w.key("Mode").value(std::uint64_t{0444});
        w.end_object();
        w.key("SecretID").value(it->second.id);
        w.key("SecretName").value(it->second.docker_name);
        w.end_object();
    }
    w.end_array();
    return {};
}

Status write_container_spec(json::Writer& w, const openfaas::FunctionDeployment& d,
                            const std::map<std::string, DockerSecret>& secrets,
                            const SpecOptions& o) {
    w.key("ContainerSpec").begin_object();
    w.key("Image").value(d.image);
    w.key("Labels");
    write_map(w, container_labels(d, o));
    write_env(w, d);
    if (auto st = write_secrets(w, d, secrets); !st) {
        return st;
    }
    if (d.read_only_root_filesystem) {
        w.key("ReadOnly").value(true);
        w.key("Mounts").begin_array();
        w.begin_object();
        w.key("Type").value("tmpfs");
        w.key("Target").value("/tmp");
        w.end_object();
        w.end_array();
    }
    if (o.provider_probe) {
        w.key("Healthcheck").begin_object();
        w.key("Test").begin_array().value("NONE").end_array();
        w.end_object();
    }
    w.key("StopGracePeriod").value(std::uint64_t{10'000'000'000});
    w.end_object();
    return {};
}

Status write_task_template(json::Writer& w, const openfaas::FunctionDeployment& d,
                           const std::map<std::string, DockerSecret>& secrets,
                           const SpecOptions& o) {
    w.key("TaskTemplate").begin_object();
    if (auto st = write_container_spec(w, d, secrets, o); !st) {
        return st;
    }
    w.key("Resources").begin_object();
    if (auto st = write_resources(w, "Limits", "limits", d.limits); !st) {
        return st;
    }
    if (auto st = write_resources(w, "Reservations", "requests", d.requests); !st) {
        return st;
    }
    w.end_object();
    w.key("RestartPolicy").begin_object();
    w.key("Condition").value("any");
    w.key("Delay").value(std::uint64_t{1'000'000'000});
    w.end_object();
    w.key("Placement").begin_object();
    w.key("Constraints").begin_array();
    if (d.constraints.empty()) {
        w.value("node.platform.os == linux");
    }
    for (const auto& c : d.constraints) {
        w.value(c);
    }
    w.end_array();
    w.end_object();
    w.key("Networks").begin_array();
    w.begin_object().key("Target").value(o.network).end_object();
    w.end_array();
    w.end_object();
    return {};
}

}  // namespace

Result<std::string> service_spec(const openfaas::FunctionDeployment& d,
                                 const std::map<std::string, DockerSecret>& secrets,
                                 const SpecOptions& o) {
    auto labels = service_labels(d);
    if (!labels) {
        return labels.error();
    }
    json::Writer w;
    w.begin_object();
    w.key("Name").value(d.service);
    w.key("Labels");
    write_map(w, *labels);
    if (auto st = write_task_template(w, d, secrets, o); !st) {
        return st.error();
    }
    w.key("Mode").begin_object().key("Replicated").begin_object();
    w.key("Replicas").value(o.replicas);
    w.end_object().end_object();
    // Every task at once, each new one started before its old one stops, watched for 1 s (not
    // Docker's 5 s per step): a secret swap or an update reaches every replica in seconds.
    w.key("UpdateConfig").begin_object();
    w.key("Parallelism").value(std::uint64_t{0});
    w.key("Order").value("start-first");
    w.key("Monitor").value(std::uint64_t{1'000'000'000});
    w.key("FailureAction").value("rollback");
    w.end_object();
    w.key("EndpointSpec").begin_object().key("Mode").value("dnsrr").end_object();
    w.end_object();
    return std::move(w).str();
}


std::string secret_spec(const std::string& docker_name, const std::string& name,
                        const std::string& ns, std::string_view bytes) {
    json::Writer w;
    w.begin_object();
    w.key("Name").value(docker_name);
    w.key("Labels").begin_object();
    w.key(kSecretOwnerLabel).value("openfaas");
    w.key(kSecretNameLabel).value(name);
    w.key(kNamespaceLabel).value(ns);
    w.end_object();
    w.key("Data").base64(bytes);
    w.end_object();
    return std::move(w).str();
}

Result<std::string> with_replicas(std::string_view spec_json, std::uint64_t replicas) {
    auto doc = json::parse(spec_json);
    if (!doc) {
        return doc.error();
    }
    simdjson::dom::object spec;
    if (doc->root().get(spec) != simdjson::SUCCESS) {
        return make_error(errc::upstream_failed, "dockerd: a service spec is not a JSON object");
    }
    json::Writer w;
    w.begin_object();
    bool mode_written = false;
    for (auto [k, v] : spec) {
        if (k == "Mode") {
            if (has(v, "Global")) {
                return make_error(errc::bad_request, "a global service cannot be scaled");
            }
            mode_written = true;
            w.key("Mode").begin_object().key("Replicated").begin_object();
            w.key("Replicas").value(replicas);
            w.end_object().end_object();
            continue;
        }
        w.key(k);
        copy(w, v);
    }
    if (!mode_written) {
        w.key("Mode").begin_object().key("Replicated").begin_object();
        w.key("Replicas").value(replicas);
        w.end_object().end_object();
    }
    w.end_object();
    return std::move(w).str();
}


}  // namespace faas::provider::swarm
