// Secrets of the Kubernetes back end: Secrets labelled app.kubernetes.io/managed-by=faas with
// one data key, the secret's name (the file a function reads under /var/openfaas/secrets).
#include "core/openfaas/async.hpp"
#include "core/text/text.hpp"
#include "provider/backends/kubernetes/backend.hpp"
#include "provider/backends/kubernetes/backend_impl.hpp"
#include "provider/backends/kubernetes/spec.hpp"

namespace faas::provider::kubernetes {

namespace {

bool managed(const SecretInfo& s) {
    auto it = s.labels.find(std::string(kManagedByLabel));
    return it != s.labels.end() && it->second == kManagedBy;
}

std::string secret_path(const std::string& ns, const std::string& name) {
    return core_path(ns, "secrets/" + name);
}

}  // namespace

// --- secrets (names arrive checked by validate_secret) ---

awaitable<Status> KubernetesBackend::create_secret(const openfaas::Secret& s) {
    if (auto st = co_await check_namespace(s.namespace_); !st) {
        co_return st;
    }
    const std::string method = "POST";
    const std::string path = core_path(s.namespace_, "secrets");
    const std::string body = secret_json(s, "");
    const std::string what = "creating Secret " + s.name;
    auto r = co_await api_.call(method, path, body, what);
    if (!r) {
        if (r.error().code == errc::conflict) {
            co_return make_error(errc::conflict, "secret " + s.name + " already exists");
        }
        co_return r.error();
    }
    log_->info("secret created name={} namespace={}", s.name, s.namespace_);
    co_return Status{};
}

awaitable<Status> KubernetesBackend::update_secret(const openfaas::Secret& s) {
    if (auto st = co_await check_namespace(s.namespace_); !st) {
        co_return st;
    }
    const std::string missing = "secret " + s.name + " not found";
    const ApiClient::Edit edit = [&s, &missing](std::string_view current) {
        auto info = parse_secret(current);
        if (!info) {
            return Result<std::string>(info.error());
        }
        if (!managed(*info)) {
            return Result<std::string>(make_error(errc::not_found, missing));
        }
        return Result<std::string>(secret_json(s, info->resource_version));
    };
    const std::string path = secret_path(s.namespace_, s.name);
    const std::string what = "updating Secret " + s.name;
    auto r = co_await api_.replace(path, edit, what);
    if (!r) {
        if (r.error().code == errc::not_found) {
            co_return make_error(errc::not_found, missing);
        }
        co_return r.error();
    }
    log_->info("secret updated name={} namespace={}", s.name, s.namespace_);
    co_return Status{};
}

awaitable<Status> KubernetesBackend::delete_secret(const std::string& ns, const std::string& name) {
    if (name.empty()) {
        co_return make_error(errc::bad_request, "secret name is required");
    }
    const std::string missing = "secret " + name + " not found";
    if (!openfaas::valid_dns_label(name) || !openfaas::valid_dns_label(ns)) {
        co_return make_error(errc::not_found, missing);
    }
    // Only a Secret the provider manages: the namespace may hold others (tokens, TLS).
    const std::string path = secret_path(ns, name);
    const std::string what = "deleting Secret " + name;
    auto body = co_await api_.get(path, what);
    auto info = body ? parse_secret(*body) : Result<SecretInfo>(body.error());
    if (!info) {
        co_return info.error().code == errc::not_found ? make_error(errc::not_found, missing)
                                                       : info.error();
    }
    if (!managed(*info)) {
        co_return make_error(errc::not_found, missing);
    }
    const std::string method = "DELETE";
    const std::string options = delete_options();
    auto r = co_await api_.call(method, path, options, what);
    if (!r) {
        co_return r.error().code == errc::not_found ? make_error(errc::not_found, missing)
                                                    : r.error();
    }
    log_->info("secret deleted name={} namespace={}", name, ns);
    co_return Status{};
}

awaitable<Result<std::vector<openfaas::Secret>>> KubernetesBackend::list_secrets(
    const std::string& ns) {
    if (auto st = co_await check_namespace(ns); !st) {
        co_return st.error();
    }
    const std::string selector = std::string(kManagedByLabel) + "=" + std::string(kManagedBy);
    const std::string path = core_path(ns, "secrets") + "?labelSelector=" + query_escape(selector);
    const std::string what = "listing Secrets";
    auto body = co_await api_.get(path, what);
    if (!body) {
        co_return body.error();
    }
    auto list = parse_secret_list(*body);
    if (!list) {
        co_return list.error();
    }
    std::vector<openfaas::Secret> out;
    for (const auto& item : list->items) {
        openfaas::Secret s;
        s.name = item.name;
        s.namespace_ = ns;
        out.push_back(std::move(s));
    }
    co_return out;
}

awaitable<Result<std::string>> KubernetesBackend::webhook_secret(const std::string& ns,
                                                                 const std::string& name) {
    using openfaas::async::kWebhookSecretAnnotation;
    auto fn = co_await function(ns, name);
    if (!fn) {
        co_return fn.error();
    }
    const auto& annotations = fn->deployment.annotations.value_or(openfaas::StringMap{});
    auto it = annotations.find(std::string(kWebhookSecretAnnotation));
    const std::string secret = it == annotations.end() ? "" : std::string(text::trim(it->second));
    const std::string missing = "secret " + secret + " not found in namespace " + ns;
    if (secret.empty()) {
        co_return make_error(errc::not_found, "function " + name + " has no " +
                                                  std::string(kWebhookSecretAnnotation) +
                                                  " annotation");
    }
    if (!openfaas::async::valid_webhook_secret_name(secret)) {
        co_return make_error(errc::not_found, missing);
    }
    const std::string path = secret_path(ns, secret);
    const std::string what = "reading Secret " + secret;
    auto body = co_await api_.get(path, what);
    auto info = body ? parse_secret(*body) : Result<SecretInfo>(body.error());
    if (!info) {
        co_return info.error().code == errc::not_found ? make_error(errc::not_found, missing)
                                                       : info.error();
    }
    // The key is the secret's name (as this back end writes them); a Secret made by hand
    // with one key serves too.
    if (auto v = info->data.find(secret); v != info->data.end()) {
        co_return v->second;
    }
    if (info->data.size() == 1) {
        co_return info->data.begin()->second;
    }
    co_return make_error(errc::not_found, missing + " (no data key " + secret + ")");
}

}  // namespace faas::provider::kubernetes
