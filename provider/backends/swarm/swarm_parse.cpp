// The Engine API's answers read back into what the provider reports: services, tasks,
// secrets, error messages and the service log stream (swarm_spec.hpp). Pure functions.
#include "core/json/json.hpp"
#include "core/text/text.hpp"
#include "provider/backends/swarm/swarm_json.hpp"
#include "provider/backends/swarm/swarm_spec.hpp"

namespace faas::provider::swarm {

std::string str(element e, const char* key) {
    std::string_view v;
    if (e.is_object() && e[key].get(v) == simdjson::SUCCESS) {
        return std::string(v);
    }
    return {};
}

std::uint64_t num(element e, const char* key) {
    std::uint64_t v = 0;
    if (e.is_object()) {
        auto f = e[key];
        if (f.error() == simdjson::SUCCESS) {
            if (f.get(v) != simdjson::SUCCESS) {
                std::int64_t s = 0;
                if (f.get(s) == simdjson::SUCCESS && s > 0) {
                    v = static_cast<std::uint64_t>(s);
                }
            }
        }
    }
    return v;
}

namespace {

// An empty object: what field() gives for a missing key (a default element has no document).
element empty_object() {
    static simdjson::dom::parser parser;
    static const element empty = parser.parse(std::string_view("{}")).value();
    return empty;
}

}  // namespace

element field(element e, const char* key) {
    element out;
    if (e.is_object() && e[key].get(out) == simdjson::SUCCESS) {
        return out;
    }
    return empty_object();
}

bool has(element e, const char* key) {
    element out;
    return e.is_object() && e[key].get(out) == simdjson::SUCCESS;
}

openfaas::StringMap string_map(element e) {
    openfaas::StringMap m;
    simdjson::dom::object obj;
    if (e.get(obj) != simdjson::SUCCESS) {
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


namespace {

// fprocess and the other variables of a container spec's Env.
void read_env(element cs, openfaas::FunctionDeployment& d) {
    simdjson::dom::array env;
    if (field(cs, "Env").get(env) != simdjson::SUCCESS) {
        return;
    }
    openfaas::StringMap vars;
    for (auto v : env) {
        std::string_view kv;
        if (v.get(kv) != simdjson::SUCCESS) {
            continue;
        }
        const auto eq = kv.find('=');
        const std::string k(kv.substr(0, eq));
        const std::string val = eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1));
        if (k == "fprocess") {
            d.env_process = val;
        } else {
            vars[k] = val;
        }
    }
    if (!vars.empty()) {
        d.env_vars = std::move(vars);
    }
}

// The deployment of a service without our deployment label, from its spec (container spec
// `cs`) and its labels.
void rebuild_deployment(ServiceInfo& s, element cs, const openfaas::StringMap& labels) {
    openfaas::FunctionDeployment& d = s.deployment;
    d.service = s.name;
    d.namespace_ = s.namespace_;
    d.image = str(cs, "Image");
    read_env(cs, d);
    openfaas::StringMap user_labels;
    openfaas::StringMap annotations;
    for (const auto& [k, v] : labels) {
        if (k.starts_with(kAnnotationPrefix)) {
            annotations[k.substr(kAnnotationPrefix.size())] = v;
        } else if (k != kFunctionLabel && k != kMarkerLabel && k != kNamespaceLabel &&
                   k != "faas_function") {
            user_labels[k] = v;
        }
    }
    d.labels = std::move(user_labels);
    d.annotations = std::move(annotations);
    for (const auto& [target, docker_name] : s.secret_refs) {
        d.secrets.push_back(target);
    }
}

ServiceInfo service_from(element e) {
    ServiceInfo s;
    s.id = str(e, "ID");
    s.version = num(field(e, "Version"), "Index");
    s.created_at = str(e, "CreatedAt");
    const element spec = field(e, "Spec");
    s.spec_json = simdjson::minify(spec);
    s.name = str(spec, "Name");
    s.replicas = num(field(field(spec, "Mode"), "Replicated"), "Replicas");
    const auto labels = string_map(field(spec, "Labels"));
    s.is_function = labels.contains(std::string(kFunctionLabel));
    auto ns = labels.find(std::string(kNamespaceLabel));
    s.namespace_ = ns == labels.end() ? std::string() : ns->second;
    const element cs = field(field(spec, "TaskTemplate"), "ContainerSpec");
    simdjson::dom::array refs;
    if (field(cs, "Secrets").get(refs) == simdjson::SUCCESS) {
        for (auto r : refs) {
            std::string target = str(field(r, "File"), "Name");
            if (target.starts_with(kSecretDir)) {
                target = target.substr(kSecretDir.size());
            }
            s.secret_refs[target] = str(r, "SecretName");
        }
    }
    if (auto it = labels.find(std::string(kDeploymentLabel)); it != labels.end()) {
        if (auto d = openfaas::parse_deployment(it->second)) {
            s.deployment = std::move(d).value();
            return s;
        }
    }
    // Not deployed by us (or the label was edited): rebuild what the spec tells.
    rebuild_deployment(s, cs, labels);
    return s;
}

}  // namespace

Result<ServiceInfo> parse_service(std::string_view text) {
    auto doc = json::parse(text);
    if (!doc) {
        return doc.error();
    }
    if (!doc->root().is_object()) {
        return make_error(errc::upstream_failed, "dockerd: a service is not a JSON object");
    }
    return service_from(doc->root());
}

Result<std::vector<ServiceInfo>> parse_services(std::string_view text) {
    auto doc = json::parse(text);
    if (!doc) {
        return doc.error();
    }
    simdjson::dom::array arr;
    if (doc->root().get(arr) != simdjson::SUCCESS) {
        return make_error(errc::upstream_failed, "dockerd: the service list is not a JSON array");
    }
    std::vector<ServiceInfo> out;
    for (auto e : arr) {
        out.push_back(service_from(e));
    }
    return out;
}

Result<std::vector<TaskInfo>> parse_tasks(std::string_view text, const std::string& network) {
    auto doc = json::parse(text);
    if (!doc) {
        return doc.error();
    }
    simdjson::dom::array arr;
    if (doc->root().get(arr) != simdjson::SUCCESS) {
        return make_error(errc::upstream_failed, "dockerd: the task list is not a JSON array");
    }
    std::vector<TaskInfo> out;
    for (auto e : arr) {
        TaskInfo t;
        t.id = str(e, "ID");
        t.service_id = str(e, "ServiceID");
        t.desired_state = str(e, "DesiredState");
        const element status = field(e, "Status");
        t.state = str(status, "State");
        t.error = str(status, "Err");
        t.container_id = str(field(status, "ContainerStatus"), "ContainerID");
        simdjson::dom::array nets;
        if (field(e, "NetworksAttachments").get(nets) == simdjson::SUCCESS) {
            for (auto n : nets) {
                const element net = field(n, "Network");
                if (str(field(net, "Spec"), "Name") != network && str(net, "ID") != network) {
                    continue;
                }
                simdjson::dom::array addrs;
                if (field(n, "Addresses").get(addrs) == simdjson::SUCCESS) {
                    for (auto a : addrs) {
                        std::string_view cidr;
                        if (a.get(cidr) == simdjson::SUCCESS) {
                            t.address = std::string(cidr.substr(0, cidr.find('/')));
                            break;
                        }
                    }
                }
            }
        }
        out.push_back(std::move(t));
    }
    return out;
}

Result<std::vector<DockerSecret>> parse_secrets(std::string_view text) {
    auto doc = json::parse(text);
    if (!doc) {
        return doc.error();
    }
    simdjson::dom::array arr;
    if (doc->root().get(arr) != simdjson::SUCCESS) {
        return make_error(errc::upstream_failed, "dockerd: the secret list is not a JSON array");
    }
    std::vector<DockerSecret> out;
    for (auto e : arr) {
        const element spec = field(e, "Spec");
        const auto labels = string_map(field(spec, "Labels"));
        auto owner = labels.find(std::string(kSecretOwnerLabel));
        auto name = labels.find(std::string(kSecretNameLabel));
        if (owner == labels.end() || owner->second != "openfaas" || name == labels.end()) {
            continue;
        }
        DockerSecret s;
        s.id = str(e, "ID");
        s.docker_name = str(spec, "Name");
        s.name = name->second;
        auto ns = labels.find(std::string(kNamespaceLabel));
        s.namespace_ = ns == labels.end() ? std::string() : ns->second;
        s.created_at = str(e, "CreatedAt");
        out.push_back(std::move(s));
    }
    return out;
}


std::string docker_message(std::string_view body) {
    auto doc = json::parse(body);
    if (doc) {
        std::string m = str(doc->root(), "message");
        if (!m.empty()) {
            return m;
        }
    }
    return std::string(text::trim(body)).substr(0, 300);
}

void LogDemux::feed(std::string_view data) {
    while (!data.empty()) {
        if (remaining_ == 0) {
            const std::size_t need = 8 - header_.size();
            const std::size_t take = std::min(need, data.size());
            header_.append(data.substr(0, take));
            data.remove_prefix(take);
            if (header_.size() < 8) {
                return;
            }
            const auto* h = reinterpret_cast<const unsigned char*>(header_.data());
            stream_ = h[0];
            remaining_ = (std::uint32_t{h[4]} << 24U) | (std::uint32_t{h[5]} << 16U) |
                         (std::uint32_t{h[6]} << 8U) | std::uint32_t{h[7]};
            header_.clear();
            continue;
        }
        const std::size_t take = std::min<std::size_t>(remaining_, data.size());
        payload(stream_, data.substr(0, take));
        data.remove_prefix(take);
        remaining_ -= static_cast<std::uint32_t>(take);
    }
}

void LogDemux::payload(int stream, std::string_view data) {
    std::string& part = partial_[stream];
    while (!data.empty()) {
        const auto nl = data.find('\n');
        if (nl == std::string_view::npos) {
            part.append(data);
            return;
        }
        part.append(data.substr(0, nl));
        on_line_(stream, part);
        part.clear();
        data.remove_prefix(nl + 1);
    }
}

void LogDemux::finish() {
    for (auto& [stream, part] : partial_) {
        if (!part.empty()) {
            on_line_(stream, part);
            part.clear();
        }
    }
}

ServiceLogLine parse_log_line(std::string_view line) {
    ServiceLogLine out;
    for (int i = 0; i < 2 && !line.empty(); ++i) {
        const auto sp = line.find(' ');
        const std::string_view tok = line.substr(0, sp);
        if (tok.find("com.docker.swarm.") != std::string_view::npos) {
            const auto at = tok.find("com.docker.swarm.task.id=");
            if (at != std::string_view::npos) {
                auto id = tok.substr(at + 25);
                out.task_id = std::string(id.substr(0, id.find(',')));
            }
        } else if (tok.size() >= 20 && tok[4] == '-' && tok[10] == 'T') {
            out.timestamp = std::string(tok);
        } else {
            break;
        }
        line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    }
    out.text = std::string(line);
    return out;
}

}  // namespace faas::provider::swarm
