// Namespaces of the Kubernetes back end: those labelled openfaas=1, plus the default one, as
// faas-netes lists them; created, relabelled and deleted as the OpenFaaS API asks.
#include <set>

#include "provider/backends/kubernetes/backend.hpp"
#include "provider/backends/kubernetes/backend_impl.hpp"
#include "provider/backends/kubernetes/spec.hpp"

namespace faas::provider::kubernetes {

namespace {

Status check_new_namespace(const openfaas::FunctionNamespace& ns) {
    if (!openfaas::valid_dns_label(ns.name)) {
        return make_error(errc::bad_request,
                          "invalid namespace name \"" + ns.name + "\": must be a DNS-1123 label");
    }
    const bool labelled = ns.labels && ns.labels->contains(std::string(kNamespaceLabel)) &&
                          ns.labels->at(std::string(kNamespaceLabel)) == "1";
    if (!labelled) {
        return make_error(errc::bad_request,
                          "namespace " + ns.name + " must carry the label openfaas: \"1\"");
    }
    return {};
}

// What the OpenFaaS API shows of a Namespace: the labels the user gave (not the server's).
openfaas::FunctionNamespace function_namespace(const NamespaceInfo& info) {
    openfaas::FunctionNamespace n;
    n.name = info.name;
    openfaas::StringMap labels = info.labels;
    labels.erase("kubernetes.io/metadata.name");
    n.labels = std::move(labels);
    n.annotations = info.annotations;
    return n;
}

}  // namespace

awaitable<Result<std::vector<std::string>>> KubernetesBackend::labelled_namespaces() {
    const std::string selector = std::string(kNamespaceLabel) + "=1";
    const std::string path = "/api/v1/namespaces?labelSelector=" + query_escape(selector);
    const std::string what = "listing namespaces";
    auto body = co_await api_.get(path, what);
    if (!body) {
        co_return body.error();
    }
    auto list = parse_namespace_list(*body);
    if (!list) {
        co_return list.error();
    }
    std::vector<std::string> names;
    for (const auto& n : list->items) {
        names.push_back(n.name);
    }
    co_return names;
}

awaitable<std::vector<std::string>> KubernetesBackend::namespaces() {
    std::vector<std::string> out{default_namespace()};
    auto names = co_await labelled_namespaces();
    if (!names) {
        // The list cannot say "error": the default namespace always exists for the API.
        log_->warn("cannot list namespaces error=\"{}\"", names.error().what());
        co_return out;
    }
    for (const auto& n : *names) {
        if (n != default_namespace()) {
            out.push_back(n);
        }
        watch_namespace(n);
    }
    co_return out;
}

awaitable<Result<openfaas::FunctionNamespace>> KubernetesBackend::get_namespace(
    const std::string& ns) {
    auto info = co_await openfaas_namespace(ns);
    if (!info) {
        co_return info.error();
    }
    co_return function_namespace(*info);
}

awaitable<Status> KubernetesBackend::create_namespace(const openfaas::FunctionNamespace& ns) {
    if (auto st = check_new_namespace(ns); !st) {
        co_return st;
    }
    const std::string method = "POST";
    const std::string path = "/api/v1/namespaces";
    const std::string body = namespace_json(ns, "");
    const std::string what = "creating namespace " + ns.name;
    auto r = co_await api_.call(method, path, body, what);
    if (!r) {
        if (r.error().code == errc::conflict) {
            co_return make_error(errc::conflict, "namespace " + ns.name + " already exists");
        }
        co_return r.error();
    }
    watch_namespace(ns.name);
    log_->info("namespace created name={}", ns.name);
    co_return Status{};
}

awaitable<Status> KubernetesBackend::update_namespace(const openfaas::FunctionNamespace& ns) {
    if (auto st = check_new_namespace(ns); !st) {
        co_return st;
    }
    if (auto found = co_await openfaas_namespace(ns.name); !found) {
        co_return found.error();
    }
    const ApiClient::Edit edit = [&ns](std::string_view current) {
        auto info = parse_namespace(current);
        if (!info) {
            return Result<std::string>(info.error());
        }
        return Result<std::string>(namespace_json(ns, info->resource_version));
    };
    const std::string path = "/api/v1/namespaces/" + ns.name;
    const std::string what = "updating namespace " + ns.name;
    auto r = co_await api_.replace(path, edit, what);
    if (!r) {
        co_return r.error();
    }
    log_->info("namespace updated name={}", ns.name);
    co_return Status{};
}

awaitable<Status> KubernetesBackend::delete_namespace(const std::string& ns) {
    if (ns == default_namespace()) {
        co_return make_error(errc::bad_request, "the default namespace cannot be deleted");
    }
    if (auto found = co_await openfaas_namespace(ns); !found) {
        co_return found.error();
    }
    // As the other back ends: a namespace with functions stays (deleting it would remove them).
    auto functions = co_await list(ns);
    if (!functions) {
        co_return functions.error();
    }
    if (!functions->empty()) {
        co_return make_error(errc::conflict, "namespace " + ns + " still has functions");
    }
    const std::string method = "DELETE";
    const std::string path = "/api/v1/namespaces/" + ns;
    const std::string options = delete_options();
    const std::string what = "deleting namespace " + ns;
    auto r = co_await api_.call(method, path, options, what);
    if (!r) {
        co_return r.error();
    }
    watched_.erase(ns);
    publish();
    log_->info("namespace deleted name={}", ns);
    co_return Status{};
}

}  // namespace faas::provider::kubernetes
