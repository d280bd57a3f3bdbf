// Secrets and namespaces of the local back end: kept in the Store, checked here.
#include "core/openfaas/async.hpp"
#include "core/text/text.hpp"
#include "provider/backends/local/backend.hpp"
#include "provider/backends/local/replica.hpp"

namespace faas::provider {

// --- secrets ---

namespace {

Status check_secret_name(const openfaas::Secret& s) {
    if (s.name.empty()) {
        return make_error(errc::bad_request, "secret name is required");
    }
    if (!openfaas::valid_dns_label(s.name)) {
        return make_error(errc::bad_request, "invalid secret name \"" + s.name +
                                                 "\": must be a DNS-1123 label");
    }
    return {};
}

}  // namespace

Status Backend::create_secret(const openfaas::Secret& s) {
    if (auto st = check_secret_name(s); !st) {
        return st;
    }
    if (!namespace_known(s.namespace_)) {
        return make_error(errc::bad_request, "namespace \"" + s.namespace_ + "\" is not an OpenFaaS namespace");
    }
    if (store_.secret_exists(s.namespace_, s.name)) {
        return make_error(errc::conflict, "secret " + s.name + " already exists");
    }
    if (auto st = store_.write_secret(s.namespace_, s.name, s.bytes()); !st) {
        return make_error(errc::internal, st.error().what());
    }
    log_->info("secret created name={} namespace={}", s.name, s.namespace_);
    return {};
}

Status Backend::update_secret(const openfaas::Secret& s) {
    if (auto st = check_secret_name(s); !st) {
        return st;
    }
    if (!store_.secret_exists(s.namespace_, s.name)) {
        return make_error(errc::not_found, "secret " + s.name + " not found");
    }
    if (auto st = store_.write_secret(s.namespace_, s.name, s.bytes()); !st) {
        return make_error(errc::internal, st.error().what());
    }
    log_->info("secret updated name={} namespace={}", s.name, s.namespace_);
    return {};
}

Status Backend::delete_secret(const std::string& ns, const std::string& name) {
    if (name.empty()) {
        return make_error(errc::bad_request, "secret name is required");
    }
    if (!openfaas::valid_dns_label(name) || !store_.secret_exists(ns, name)) {
        return make_error(errc::not_found, "secret " + name + " not found");
    }
    if (auto st = store_.remove_secret(ns, name); !st) {
        return make_error(errc::internal, st.error().what());
    }
    log_->info("secret deleted name={} namespace={}", name, ns);
    return {};
}

Result<std::vector<openfaas::Secret>> Backend::list_secrets(const std::string& ns) const {
    if (!namespace_known(ns)) {
        return make_error(errc::bad_request, "namespace \"" + ns + "\" is not an OpenFaaS namespace");
    }
    std::vector<openfaas::Secret> out;
    for (auto& name : store_.list_secrets(ns)) {
        openfaas::Secret s;
        s.name = name;
        s.namespace_ = ns;
        out.push_back(std::move(s));
    }
    return out;
}

Result<std::string> Backend::webhook_secret(const std::string& ns, const std::string& name) const {
    const Function* fn = find(ns, name);
    if (fn == nullptr) {
        return make_error(errc::not_found, "function " + name + " not found in namespace " + ns);
    }
    using openfaas::async::kWebhookSecretAnnotation;
    std::string secret;
    if (const auto& annotations = fn->stored.deployment.annotations) {
        if (auto it = annotations->find(std::string(kWebhookSecretAnnotation));
            it != annotations->end()) {
            secret = std::string(text::trim(it->second));
        }
    }
    if (secret.empty()) {
        return make_error(errc::not_found, "function " + name + " has no " +
                                               std::string(kWebhookSecretAnnotation) +
                                               " annotation");
    }
    if (!openfaas::async::valid_webhook_secret_name(secret) || !store_.secret_exists(ns, secret)) {
        return make_error(errc::not_found, "secret " + secret + " not found in namespace " + ns);
    }
    auto bytes = read_small_file(store_.secret_path(ns, secret));
    if (!bytes) {
        return make_error(errc::internal, "secret " + secret + ": " + bytes.error().what());
    }
    return std::move(bytes).value();
}

// --- namespaces ---

std::vector<std::string> Backend::namespaces() const {
    std::vector<std::string> out{config_.default_namespace};
    for (const auto& [name, ns] : namespaces_) {
        if (name != config_.default_namespace) {
            out.push_back(name);
        }
    }
    return out;
}

bool Backend::namespace_known(const std::string& ns) const {
    return ns == config_.default_namespace || namespaces_.contains(ns);
}

Result<openfaas::FunctionNamespace> Backend::get_namespace(const std::string& ns) const {
    if (ns == config_.default_namespace && !namespaces_.contains(ns)) {
        openfaas::FunctionNamespace n;
        n.name = ns;
        n.labels = openfaas::StringMap{{"openfaas", "1"}};
        return n;
    }
    auto it = namespaces_.find(ns);
    if (it == namespaces_.end()) {
        return make_error(errc::not_found, "namespace " + ns + " not found");
    }
    return it->second;
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

Status Backend::create_namespace(const openfaas::FunctionNamespace& ns) {
    if (auto st = check_namespace(ns); !st) {
        return st;
    }
    if (namespace_known(ns.name)) {
        return make_error(errc::conflict, "namespace " + ns.name + " already exists");
    }
    if (auto st = store_.save_namespace(ns); !st) {
        return make_error(errc::internal, st.error().what());
    }
    namespaces_[ns.name] = ns;
    log_->info("namespace created name={}", ns.name);
    return {};
}

Status Backend::update_namespace(const openfaas::FunctionNamespace& ns) {
    if (auto st = check_namespace(ns); !st) {
        return st;
    }
    if (!namespaces_.contains(ns.name)) {
        return make_error(errc::not_found, "namespace " + ns.name + " not found");
    }
    if (auto st = store_.save_namespace(ns); !st) {
        return make_error(errc::internal, st.error().what());
    }
    namespaces_[ns.name] = ns;
    return {};
}

Status Backend::delete_namespace(const std::string& ns) {
    if (ns == config_.default_namespace) {
        return make_error(errc::bad_request, "the default namespace cannot be deleted");
    }
    if (!namespaces_.contains(ns)) {
        return make_error(errc::not_found, "namespace " + ns + " not found");
    }
    for (const auto& [key, fn] : functions_) {
        if (!fn->deleted && fn->ns() == ns) {
            return make_error(errc::conflict, "namespace " + ns + " still has functions");
        }
    }
    if (auto st = store_.remove_namespace(ns); !st) {
        return make_error(errc::internal, st.error().what());
    }
    namespaces_.erase(ns);
    log_->info("namespace deleted name={}", ns);
    return {};
}

}  // namespace faas::provider
