// Functions of the Kubernetes back end: a Deployment plus a ClusterIP Service each (spec.hpp).
#include <algorithm>

#include "provider/backends/kubernetes/backend.hpp"
#include "provider/backends/kubernetes/backend_impl.hpp"
#include "provider/backends/kubernetes/spec.hpp"
#include "provider/deployment.hpp"

namespace faas::provider::kubernetes {

using openfaas::FunctionDeployment;

awaitable<Status> KubernetesBackend::ensure_service(const std::string& ns,
                                                    const std::string& name) {
    const std::string method = "POST";
    const std::string path = core_path(ns, "services");
    const std::string body = service_json(name, ns);
    const std::string what = "creating Service " + name;
    auto r = co_await api_.call(method, path, body, what);
    // A Service left from an earlier deploy (or made by hand) serves as well.
    if (!r && r.error().code != errc::conflict) {
        co_return r.error();
    }
    co_return Status{};
}

// Deployments arrive checked (validate_deployment): the namespace is the cluster's to check.
awaitable<Status> KubernetesBackend::deploy(const FunctionDeployment& d) {
    if (auto st = co_await check_namespace(d.namespace_); !st) {
        co_return st;
    }
    DeploymentOptions o;
    o.replicas = scale_min(d);
    o.image_pull_policy = config_.kubernetes.image_pull_policy;
    auto body = deployment_json(d, o);
    if (!body) {
        co_return body.error();
    }
    const std::string method = "POST";
    const std::string path = deployments_path(d.namespace_);
    const std::string what = "creating Deployment " + d.service;
    auto r = co_await api_.call(method, path, *body, what);
    if (!r) {
        if (r.error().code == errc::conflict) {
            co_return make_error(errc::conflict, "function " + d.service +
                                                     " already exists in namespace " +
                                                     d.namespace_);
        }
        co_return r.error();
    }
    if (auto st = co_await ensure_service(d.namespace_, d.service); !st) {
        co_return st;
    }
    log_->info("deploy fn={} namespace={} image={} replicas={}", d.service, d.namespace_, d.image,
               o.replicas);
    co_return Status{};
}

awaitable<Status> KubernetesBackend::update(const FunctionDeployment& d) {
    if (auto st = co_await check_namespace(d.namespace_); !st) {
        co_return st;
    }
    const std::string missing = "function " + d.service + " not found in namespace " +
                                d.namespace_;
    const std::string pull = config_.kubernetes.image_pull_policy;
    // Without a scale.min label an update keeps the replicas the Deployment runs now.
    const ApiClient::Edit edit = [&d, &missing, &pull](std::string_view current) {
        auto info = parse_deployment(current);
        if (!info) {
            return Result<std::string>(info.error());
        }
        if (!info->is_function) {
            return Result<std::string>(make_error(errc::not_found, missing));
        }
        DeploymentOptions o;
        o.replicas = has_scale_min(d) ? scale_min(d) : info->replicas;
        o.image_pull_policy = pull;
        o.resource_version = info->resource_version;
        return deployment_json(d, o);
    };
    const std::string path = deployment_path(d.namespace_, d.service);
    const std::string what = "updating Deployment " + d.service;
    auto r = co_await api_.replace(path, edit, what);
    if (!r) {
        if (r.error().code == errc::not_found) {
            co_return make_error(errc::not_found, missing);
        }
        co_return r.error();
    }
    if (auto st = co_await ensure_service(d.namespace_, d.service); !st) {
        co_return st;
    }
    log_->info("update fn={} namespace={} image={}", d.service, d.namespace_, d.image);
    co_return Status{};
}

awaitable<Status> KubernetesBackend::remove(const std::string& ns, const std::string& name) {
    auto fn = co_await function(ns, name);
    if (!fn) {
        co_return fn.error();
    }
    const std::string method = "DELETE";
    const std::string options = delete_options();
    const std::string deployment = deployment_path(ns, name);
    const std::string what = "deleting Deployment " + name;
    auto r = co_await api_.call(method, deployment, options, what);
    if (!r && r.error().code != errc::not_found) {
        co_return r.error();
    }
    const std::string service = core_path(ns, "services/" + name);
    const std::string what_service = "deleting Service " + name;
    auto s = co_await api_.call(method, service, options, what_service);
    if (!s && s.error().code != errc::not_found) {
        co_return s.error();
    }
    log_->info("remove fn={} namespace={}", name, ns);
    co_return Status{};
}

awaitable<Status> KubernetesBackend::scale_deployment(const std::string& ns,
                                                      const std::string& name,
                                                      std::uint64_t replicas) {
    const std::string method = "PATCH";
    const std::string path = deployment_path(ns, name) + "/scale";
    const std::string body = scale_patch(replicas);
    const std::string what = "scaling Deployment " + name;
    auto r = co_await api_.call(method, path, body, what);
    if (!r) {
        co_return r.error();
    }
    auto before = parse_scale(*r);
    log_->info("scale fn={} namespace={} from={} to={}", name, ns,
               before ? before->status_replicas : 0, replicas);
    co_return Status{};
}

awaitable<Status> KubernetesBackend::scale(const std::string& ns,
                                           const std::string& name,
                                           std::uint64_t replicas) {
    if (replicas > 1000) {
        co_return make_error(errc::bad_request, "replicas: at most 1000");
    }
    const KubernetesConfig& c = config_.kubernetes;
    if (!c.queue_worker_deployment.empty() && name == c.queue_worker_deployment) {
        co_return co_await scale_deployment(c.queue_worker_namespace, name, replicas);
    }
    // Only a function's Deployment: the namespace may hold others.
    auto fn = co_await function(ns, name);
    if (!fn) {
        co_return fn.error();
    }
    co_return co_await scale_deployment(ns, name, replicas);
}

awaitable<Result<std::vector<openfaas::FunctionStatus>>> KubernetesBackend::list(
    const std::string& ns) {
    if (auto st = co_await check_namespace(ns); !st) {
        co_return st.error();
    }
    const std::string path = deployments_path(ns) + "?labelSelector=" + std::string(kFunctionLabel);
    const std::string what = "listing Deployments";
    auto body = co_await api_.get(path, what);
    if (!body) {
        co_return body.error();
    }
    auto deployments = parse_deployment_list(*body);
    if (!deployments) {
        co_return deployments.error();
    }
    std::vector<openfaas::FunctionStatus> out;
    for (const auto& d : deployments->items) {
        if (d.is_function) {
            out.push_back(to_status(d));
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    co_return out;
}

awaitable<Result<openfaas::FunctionStatus>> KubernetesBackend::status(const std::string& ns,
                                                                      const std::string& name) {
    auto fn = co_await function(ns, name);
    if (!fn) {
        co_return fn.error();
    }
    co_return to_status(*fn);
}

std::optional<http::Endpoint> KubernetesBackend::pick(const std::string& ns,
                                                      const std::string& name) {
    auto w = watched_.find(ns);
    if (w == watched_.end()) {
        return std::nullopt;
    }
    const auto ready = ready_endpoints(w->second, name);
    if (ready.empty()) {
        return std::nullopt;
    }
    const auto& e = ready[rr_++ % ready.size()];
    return http::Endpoint{e.address, e.port, {}};
}

}  // namespace faas::provider::kubernetes
