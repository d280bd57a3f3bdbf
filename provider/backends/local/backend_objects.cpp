// Secrets and namespaces of the local back end: kept in the Store, checked here.
#include "provider/backends/local/backend.hpp"
#include "provider/backends/local/replica.hpp"

namespace faas::provider::local {

// --- secrets ---

awaitable<Status> LocalBackend::create_secret(const openfaas::Secret& s) {
    if (!namespace_known(s.namespace_)) {
        co_return make_error(errc::bad_request,
                             "namespace \"" + s.namespace_ + "\" is not an OpenFaaS namespace");
    }
    if (store_.secret_exists(s.namespace_, s.name)) {
        co_return make_error(errc::conflict, "secret " + s.name + " already exists");
    }
    if (auto st = store_.write_secret(s.namespace_, s.name, s.bytes()); !st) {
        co_return make_error(errc::internal, st.error().what());
    }
    log_->info("secret created name={} namespace={}", s.name, s.namespace_);
    co_return Status{};
}

awaitable<Status> LocalBackend::update_secret(const openfaas::Secret& s) {
    if (!store_.secret_exists(s.namespace_, s.name)) {
        co_return make_error(errc::not_found, "secret " + s.name + " not found");
    }
    if (auto st = store_.write_secret(s.namespace_, s.name, s.bytes()); !st) {
        co_return make_error(errc::internal, st.error().what());
    }
    log_->info("secret updated name={} namespace={}", s.name, s.namespace_);
    co_return Status{};
}

awaitable<Status> LocalBackend::delete_secret(const std::string& ns,
                                               const std::string& name) {
    if (name.empty()) {
        co_return make_error(errc::bad_request, "secret name is required");
    }
    if (!openfaas::valid_dns_label(name) || !store_.secret_exists(ns, name)) {
        co_return make_error(errc::not_found, "secret " + name + " not found");
    }
    if (auto st = store_.remove_secret(ns, name); !st) {
        co_return make_error(errc::internal, st.error().what());
    }
    log_->info("secret deleted name={} namespace={}", name, ns);
    co_return Status{};
}

awaitable<Result<std::vector<openfaas::Secret>>> LocalBackend::list_secrets(
    const std::string& ns) {
    if (!namespace_known(ns)) {
        co_return make_error(errc::bad_request,
                             "namespace \"" + ns + "\" is not an OpenFaaS namespace");
    }
    std::vector<openfaas::Secret> out;
    for (auto& name : store_.list_secrets(ns)) {
        openfaas::Secret s;
        s.name = name;
        s.namespace_ = ns;
        out.push_back(std::move(s));
    }
    co_return out;
}

awaitable<Result<std::string>> LocalBackend::webhook_secret(const std::string& ns,
                                                            const std::string& name) {
    const Function* fn = find(ns, name);
    if (fn == nullptr) {
        co_return make_error(errc::not_found, "function " + name + " not found in namespace " + ns);
    }
    co_return read_webhook_secret(store_, ns, fn->stored.deployment);
}

// --- namespaces ---

awaitable<std::vector<std::string>> LocalBackend::namespaces() {
    std::vector<std::string> out{config_.default_namespace};
    for (const auto& [name, ns] : namespaces_) {
        if (name != config_.default_namespace) {
            out.push_back(name);
        }
    }
    co_return out;
}

awaitable<Result<openfaas::FunctionNamespace>> LocalBackend::get_namespace(
    const std::string& ns) {
    if (ns == config_.default_namespace && !namespaces_.contains(ns)) {
        openfaas::FunctionNamespace n;
        n.name = ns;
        n.labels = openfaas::StringMap{{"openfaas", "1"}};
        co_return n;
    }
    auto it = namespaces_.find(ns);
    if (it == namespaces_.end()) {
        co_return make_error(errc::not_found, "namespace " + ns + " not found");
    }
    co_return it->second;
}

namespace {

Status check_namespace(const openfaas::FunctionNamespace& ns) {
    if (!openfaas::valid_dns_label(ns.name)) {
        return make_error(errc::bad_request,
                          "invalid namespace name \"" + ns.name + "\": must be a DNS-1123 label");
    }
    const bool labelled = ns.labels && ns.labels->contains("openfaas") &&
                          ns.labels->at("openfaas") == "1";
    if (!labelled) {
        return make_error(errc::bad_request,
                          "namespace " + ns.name + " must carry the label openfaas: \"1\"");
    }
    return {};
}

}  // namespace

awaitable<Status> LocalBackend::create_namespace(const openfaas::FunctionNamespace& ns) {
    if (auto st = check_namespace(ns); !st) {
        co_return st;
    }
    if (namespace_known(ns.name)) {
        co_return make_error(errc::conflict, "namespace " + ns.name + " already exists");
    }
    if (auto st = store_.save_namespace(ns); !st) {
        co_return make_error(errc::internal, st.error().what());
    }
    namespaces_[ns.name] = ns;
    log_->info("namespace created name={}", ns.name);
    co_return Status{};
}

awaitable<Status> LocalBackend::update_namespace(const openfaas::FunctionNamespace& ns) {
    if (auto st = check_namespace(ns); !st) {
        co_return st;
    }
    if (!namespaces_.contains(ns.name)) {
        co_return make_error(errc::not_found, "namespace " + ns.name + " not found");
    }
    if (auto st = store_.save_namespace(ns); !st) {
        co_return make_error(errc::internal, st.error().what());
    }
    namespaces_[ns.name] = ns;
    co_return Status{};
}

awaitable<Status> LocalBackend::delete_namespace(const std::string& ns) {
    if (ns == config_.default_namespace) {
        co_return make_error(errc::bad_request, "the default namespace cannot be deleted");
    }
    if (!namespaces_.contains(ns)) {
        co_return make_error(errc::not_found, "namespace " + ns + " not found");
    }
    for (const auto& [key, fn] : functions_) {
        if (!fn->deleted && fn->ns() == ns) {
            co_return make_error(errc::conflict, "namespace " + ns + " still has functions");
        }
    }
    if (auto st = store_.remove_namespace(ns); !st) {
        co_return make_error(errc::internal, st.error().what());
    }
    namespaces_.erase(ns);
    log_->info("namespace deleted name={}", ns);
    co_return Status{};
}

}  // namespace faas::provider::local
