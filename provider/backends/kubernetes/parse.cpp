// Reading the Kubernetes API's JSON (parse.hpp). Accessors take JSON pointers: a missing key, a
// null or a value of another type reads as empty, as the server omits zero and empty values.
#include "provider/backends/kubernetes/parse.hpp"

#include <algorithm>

#include "core/text/text.hpp"

namespace faas::provider::kubernetes {

using simdjson::dom::element;

namespace {

std::optional<element> at(element e, std::string_view pointer) {
    element out;
    if (e.at_pointer(pointer).get(out) != simdjson::SUCCESS || out.is_null()) {
        return std::nullopt;
    }
    return out;
}

std::string str(element e, std::string_view pointer) {
    std::string_view v;
    auto f = at(e, pointer);
    if (f && f->get(v) == simdjson::SUCCESS) {
        return std::string(v);
    }
    return {};
}

std::uint64_t num(element e, std::string_view pointer) {
    std::int64_t v = 0;
    auto f = at(e, pointer);
    if (f && f->get(v) == simdjson::SUCCESS && v > 0) {
        return static_cast<std::uint64_t>(v);
    }
    return 0;
}

openfaas::StringMap string_map(element e, std::string_view pointer) {
    openfaas::StringMap m;
    simdjson::dom::object obj;
    auto f = at(e, pointer);
    if (!f || f->get(obj) != simdjson::SUCCESS) {
        return m;
    }
    for (auto [k, v] : obj) {
        std::string_view s;
        if (v.get(s) == simdjson::SUCCESS) {
            m.emplace(std::string(k), std::string(s));
        }
    }
    return m;
}

simdjson::dom::array array(element e, std::string_view pointer) {
    simdjson::dom::array a;
    auto f = at(e, pointer);
    if (f && f->get(a) == simdjson::SUCCESS) {
        return a;
    }
    static simdjson::dom::parser parser;
    static const element empty = parser.parse(std::string_view("[]")).value();
    return empty.get_array().value();
}

Error malformed(std::string_view what) {
    return make_error(errc::upstream_failed,
                      "the Kubernetes API answered a malformed " + std::string(what));
}

// Parses `body` and gives each item of its `items` to `one`.
template <class T, class One>
Result<ListOf<T>> parse_list(std::string_view body, std::string_view what, One one) {
    auto doc = json::parse(body);
    if (!doc || !doc->root().is_object()) {
        return malformed(what);
    }
    ListOf<T> out;
    out.resource_version = str(doc->root(), "/metadata/resourceVersion");
    for (element item : array(doc->root(), "/items")) {
        auto v = one(item);
        if (!v) {
            return v.error();
        }
        out.items.push_back(std::move(v).value());
    }
    return out;
}

// fprocess and the other variables of a container's env.
void read_env(element container, openfaas::FunctionDeployment& d) {
    openfaas::StringMap vars;
    for (element var : array(container, "/env")) {
        const std::string name = str(var, "/name");
        if (name == "fprocess") {
            d.env_process = str(var, "/value");
        } else if (!name.empty()) {
            vars[name] = str(var, "/value");
        }
    }
    if (!vars.empty()) {
        d.env_vars = std::move(vars);
    }
}

// The deployment of a Deployment another tool made (no kDeploymentAnnotation): what its spec
// says in OpenFaaS terms.
openfaas::FunctionDeployment rebuild(element e, const DeploymentInfo& info) {
    openfaas::FunctionDeployment d;
    d.service = info.name;
    d.namespace_ = info.namespace_;
    const auto container = at(e, "/spec/template/spec/containers/0");
    if (container) {
        d.image = str(*container, "/image");
        read_env(*container, d);
    }
    auto labels = string_map(e, "/metadata/labels");
    labels.erase(std::string(kFunctionLabel));
    d.labels = std::move(labels);
    auto annotations = string_map(e, "/metadata/annotations");
    std::erase_if(annotations, [](const auto& kv) {
        return kv.first.starts_with("deployment.kubernetes.io/");
    });
    d.annotations = std::move(annotations);
    return d;
}

}  // namespace

std::optional<ApiStatus> parse_api_status(std::string_view body) {
    auto doc = json::parse(body);
    if (!doc || str(doc->root(), "/kind") != "Status") {
        return std::nullopt;
    }
    const element root = doc->root();
    ApiStatus s;
    s.code = static_cast<int>(num(root, "/code"));
    s.reason = str(root, "/reason");
    s.message = str(root, "/message");
    s.kind = str(root, "/details/kind");
    s.name = str(root, "/details/name");
    for (element c : array(root, "/details/causes")) {
        s.causes.push_back(ApiStatus::Cause{str(c, "/field"), str(c, "/message")});
    }
    return s;
}

Result<DeploymentInfo> parse_deployment(element e) {
    if (!e.is_object()) {
        return malformed("Deployment");
    }
    DeploymentInfo info;
    info.name = str(e, "/metadata/name");
    info.namespace_ = str(e, "/metadata/namespace");
    info.resource_version = str(e, "/metadata/resourceVersion");
    info.created_at = str(e, "/metadata/creationTimestamp");
    info.replicas = num(e, "/spec/replicas");
    info.available_replicas = num(e, "/status/availableReplicas");
    const auto labels = string_map(e, "/metadata/labels");
    const auto fn = labels.find(std::string(kFunctionLabel));
    info.is_function = fn != labels.end() && fn->second == info.name;
    const auto annotations = string_map(e, "/metadata/annotations");
    const auto kept = annotations.find(std::string(kDeploymentAnnotation));
    if (kept == annotations.end()) {
        info.deployment = rebuild(e, info);
        return info;
    }
    auto d = openfaas::parse_deployment(kept->second);
    if (!d) {
        return malformed("Deployment (annotation " + std::string(kDeploymentAnnotation) + ")");
    }
    info.deployment = std::move(d).value();
    info.deployment.namespace_ = info.namespace_;
    return info;
}

Result<DeploymentInfo> parse_deployment(std::string_view body) {
    auto doc = json::parse(body);
    if (!doc) {
        return malformed("Deployment");
    }
    return parse_deployment(doc->root());
}

Result<ListOf<DeploymentInfo>> parse_deployment_list(std::string_view body) {
    return parse_list<DeploymentInfo>(body, "DeploymentList",
                                      [](element e) { return parse_deployment(e); });
}

Result<ScaleInfo> parse_scale(std::string_view body) {
    auto doc = json::parse(body);
    if (!doc || str(doc->root(), "/kind") != "Scale") {
        return malformed("Scale");
    }
    ScaleInfo s;
    s.resource_version = str(doc->root(), "/metadata/resourceVersion");
    s.spec_replicas = num(doc->root(), "/spec/replicas");
    s.status_replicas = num(doc->root(), "/status/replicas");
    s.selector = str(doc->root(), "/status/selector");
    return s;
}

SliceInfo parse_slice(element e) {
    SliceInfo s;
    s.name = str(e, "/metadata/name");
    s.namespace_ = str(e, "/metadata/namespace");
    s.resource_version = str(e, "/metadata/resourceVersion");
    s.service = str(e, "/metadata/labels/kubernetes.io~1service-name");
    std::uint64_t port = 0;
    for (element p : array(e, "/ports")) {
        if (port == 0 || str(p, "/name") == "http") {
            port = num(p, "/port");
        }
    }
    for (element ep : array(e, "/endpoints")) {
        // A missing "ready" means unknown, which the API says to read as ready.
        bool ready = true;
        if (auto cond = at(ep, "/conditions/ready");
            cond && cond->get(ready) != simdjson::SUCCESS) {
            ready = false;
        }
        const std::string address = str(ep, "/addresses/0");
        if (!ready || address.empty() || port == 0 || port > 65535) {
            continue;
        }
        const std::string pod = str(ep, "/targetRef/name");
        s.ready.push_back(
            EndpointInfo{pod.empty() ? address : pod, address, static_cast<std::uint16_t>(port)});
    }
    return s;
}

Result<ListOf<SliceInfo>> parse_slice_list(std::string_view body) {
    return parse_list<SliceInfo>(body, "EndpointSliceList",
                                 [](element e) { return Result<SliceInfo>(parse_slice(e)); });
}

Result<WatchEvent> parse_watch_event(std::string_view line,
                                     json::Document& doc,
                                     simdjson::dom::element& object) {
    auto parsed = json::parse(line);
    if (!parsed || !parsed->root().is_object()) {
        return malformed("watch event");
    }
    doc = std::move(parsed).value();
    WatchEvent ev;
    ev.type = str(doc.root(), "/type");
    auto obj = at(doc.root(), "/object");
    if (ev.type.empty() || !obj) {
        return malformed("watch event");
    }
    object = *obj;
    ev.resource_version = str(object, "/metadata/resourceVersion");
    if (ev.type == "ERROR") {
        ev.error = parse_api_status(simdjson::minify(object));
    }
    return ev;
}

namespace {

Result<SecretInfo> secret_from(element e) {
    SecretInfo s;
    s.name = str(e, "/metadata/name");
    s.namespace_ = str(e, "/metadata/namespace");
    s.resource_version = str(e, "/metadata/resourceVersion");
    s.labels = string_map(e, "/metadata/labels");
    for (const auto& [key, encoded] : string_map(e, "/data")) {
        auto bytes = text::base64_decode(encoded);
        if (!bytes) {
            return malformed("Secret (data is not base64)");
        }
        s.data[key] = std::move(*bytes);
    }
    return s;
}

}  // namespace

Result<SecretInfo> parse_secret(std::string_view body) {
    auto doc = json::parse(body);
    if (!doc || !doc->root().is_object()) {
        return malformed("Secret");
    }
    return secret_from(doc->root());
}

Result<ListOf<SecretInfo>> parse_secret_list(std::string_view body) {
    return parse_list<SecretInfo>(body, "SecretList", secret_from);
}

namespace {

Result<NamespaceInfo> namespace_from(element e) {
    NamespaceInfo n;
    n.name = str(e, "/metadata/name");
    n.resource_version = str(e, "/metadata/resourceVersion");
    n.labels = string_map(e, "/metadata/labels");
    n.annotations = string_map(e, "/metadata/annotations");
    return n;
}

}  // namespace

Result<NamespaceInfo> parse_namespace(std::string_view body) {
    auto doc = json::parse(body);
    if (!doc || !doc->root().is_object()) {
        return malformed("Namespace");
    }
    return namespace_from(doc->root());
}

Result<ListOf<NamespaceInfo>> parse_namespace_list(std::string_view body) {
    return parse_list<NamespaceInfo>(body, "NamespaceList", namespace_from);
}

Result<std::vector<std::string>> parse_pod_names(std::string_view body) {
    struct Pod {
        std::string created;
        std::string name;
    };
    auto list = parse_list<Pod>(body, "PodList", [](element e) {
        return Result<Pod>(Pod{str(e, "/metadata/creationTimestamp"), str(e, "/metadata/name")});
    });
    if (!list) {
        return list.error();
    }
    // RFC 3339 in UTC with the same precision sorts as text.
    std::stable_sort(list->items.begin(), list->items.end(),
                     [](const Pod& a, const Pod& b) { return a.created < b.created; });
    std::vector<std::string> names;
    for (auto& p : list->items) {
        names.push_back(std::move(p.name));
    }
    return names;
}

}  // namespace faas::provider::kubernetes
